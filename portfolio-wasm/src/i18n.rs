//! The widget's message catalogue: every text it shows comes from a Fluent
//! file in `locales/`, in the launch's language, else English.
//!
//! `build.rs` parses the files into the tables below; this module resolves
//! them as Fluent does: text, variables, and select expressions on a
//! number's plural category (the browser's `Intl.PluralRules`, so every
//! CLDR language works) or on exact numbers and strings.

/// One piece of a message.
enum Part {
    Text(&'static str),
    Variable(&'static str),
    /// The variable that selects, its variants and the default's index.
    Select(&'static str, &'static [(Key, Pattern)], usize),
}

type Pattern = &'static [Part];

enum Key {
    Number(i64),
    /// A plural category (`one`, `few`, `other`…) or a string's value.
    Category(&'static str),
}

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

pub const FALLBACK: &str = "en";

pub struct Catalogue {
    /// The language asked for, when a file exists for it, then English.
    tables: Vec<&'static [(&'static str, Pattern)]>,
    plurals: Plurals,
    pub language: String,
}

/// The languages the widget speaks, as their file names.
pub fn languages() -> impl Iterator<Item = &'static str> {
    LOCALES.iter().map(|(language, _)| *language)
}

/// The best catalogue language for a BCP 47 locale (`nb-NO` → `nb`; `no` → `nb`).
pub fn best_language(locale: &str) -> &'static str {
    let primary = locale
        .split(['-', '_'])
        .next()
        .unwrap_or(FALLBACK)
        .to_ascii_lowercase();
    let primary = match primary.as_str() {
        // Norwegian without a written standard is read as Bokmål.
        "no" => "nb".to_owned(),
        _ => primary,
    };
    languages()
        .find(|language| *language == primary)
        .unwrap_or(FALLBACK)
}

impl Catalogue {
    pub fn new(locale: &str) -> Catalogue {
        let language = best_language(locale);
        let mut tables = Vec::new();
        for wanted in [language, FALLBACK] {
            if let Some((_, table)) = LOCALES.iter().find(|(tag, _)| *tag == wanted) {
                if !tables.is_empty() && wanted == language {
                    continue;
                }
                tables.push(*table);
            }
        }
        Catalogue {
            tables,
            plurals: Plurals::new(language),
            language: language.to_owned(),
        }
    }

    /// The message `id`; its id itself when no file has it.
    pub fn text(&self, id: &str) -> String {
        self.text_with(id, &[])
    }

    /// The message `id` with named arguments (numbers select plurals).
    pub fn text_with(&self, id: &str, args: &[(&str, Arg)]) -> String {
        for table in &self.tables {
            if let Ok(index) = table.binary_search_by(|(key, _)| (*key).cmp(id)) {
                let mut out = String::new();
                self.write(table[index].1, args, &mut out);
                return out;
            }
        }
        id.to_owned()
    }

    fn write(&self, pattern: Pattern, args: &[(&str, Arg)], out: &mut String) {
        for part in pattern {
            match part {
                Part::Text(text) => out.push_str(text),
                Part::Variable(name) => match argument(args, name) {
                    Some(Arg::Text(text)) => out.push_str(text),
                    Some(Arg::Number(number)) => out.push_str(&number.to_string()),
                    // As Fluent shows a missing argument.
                    None => {
                        out.push_str("{$");
                        out.push_str(name);
                        out.push('}');
                    }
                },
                Part::Select(name, variants, default) => {
                    let chosen = variants
                        .iter()
                        .position(|(key, _)| self.matches(key, argument(args, name)))
                        .unwrap_or(*default);
                    self.write(variants[chosen].1, args, out);
                }
            }
        }
    }

    fn matches(&self, key: &Key, value: Option<&Arg>) -> bool {
        match (key, value) {
            (Key::Number(key), Some(Arg::Number(number))) => key == number,
            (Key::Category(key), Some(Arg::Number(number))) => {
                self.plurals.category(*number) == *key
            }
            (Key::Category(key), Some(Arg::Text(text))) => text == key,
            _ => false,
        }
    }
}

fn argument<'a>(args: &'a [(&str, Arg)], name: &str) -> Option<&'a Arg> {
    args.iter()
        .find(|(candidate, _)| *candidate == name)
        .map(|(_, value)| value)
}

/// Cardinal plural categories, from the browser.
#[cfg(target_arch = "wasm32")]
struct Plurals(js_sys::Intl::PluralRules);

#[cfg(target_arch = "wasm32")]
impl Plurals {
    fn new(language: &str) -> Plurals {
        let locales = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(language));
        Plurals(js_sys::Intl::PluralRules::new(
            &locales,
            &js_sys::Object::new(),
        ))
    }

    fn category(&self, number: i64) -> String {
        self.0.select(number as f64).into()
    }
}

/// Cardinal plural categories from CLDR's rules, where there is no browser
/// (the native unit tests).
#[cfg(not(target_arch = "wasm32"))]
struct Plurals(Option<intl_pluralrules::PluralRules>);

#[cfg(not(target_arch = "wasm32"))]
impl Plurals {
    fn new(language: &str) -> Plurals {
        let rules = language
            .parse::<unic_langid::LanguageIdentifier>()
            .ok()
            .and_then(|id| {
                intl_pluralrules::PluralRules::create(
                    id,
                    intl_pluralrules::PluralRuleType::CARDINAL,
                )
                .ok()
            });
        Plurals(rules)
    }

    fn category(&self, number: i64) -> String {
        use intl_pluralrules::PluralCategory;
        let category = self
            .0
            .as_ref()
            .and_then(|rules| rules.select(number).ok())
            .unwrap_or(PluralCategory::OTHER);
        match category {
            PluralCategory::ZERO => "zero",
            PluralCategory::ONE => "one",
            PluralCategory::TWO => "two",
            PluralCategory::FEW => "few",
            PluralCategory::MANY => "many",
            PluralCategory::OTHER => "other",
        }
        .to_owned()
    }
}

pub enum Arg {
    Text(String),
    Number(i64),
}

impl From<&str> for Arg {
    fn from(text: &str) -> Arg {
        Arg::Text(text.to_owned())
    }
}

impl From<String> for Arg {
    fn from(text: String) -> Arg {
        Arg::Text(text)
    }
}

impl From<usize> for Arg {
    fn from(number: usize) -> Arg {
        Arg::Number(i64::try_from(number).unwrap_or(i64::MAX))
    }
}

impl From<u32> for Arg {
    fn from(number: u32) -> Arg {
        Arg::Number(i64::from(number))
    }
}

impl From<i32> for Arg {
    fn from(number: i32) -> Arg {
        Arg::Number(i64::from(number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};

    fn table(language: &str) -> &'static [(&'static str, Pattern)] {
        LOCALES
            .iter()
            .find(|(l, _)| *l == language)
            .unwrap_or_else(|| panic!("{language}.ftl"))
            .1
    }

    #[test]
    fn every_file_has_every_english_message() {
        let english = table(FALLBACK);
        assert!(
            english.len() > 50,
            "the English file has {} messages",
            english.len()
        );
        for (language, messages) in LOCALES {
            let missing: Vec<_> = english
                .iter()
                .map(|(id, _)| *id)
                .filter(|id| messages.binary_search_by(|(key, _)| key.cmp(id)).is_err())
                .collect();
            assert!(missing.is_empty(), "{language}.ftl lacks {missing:?}");
        }
    }

    /// The variables a pattern reads, and whether each selects a variant.
    fn variables(pattern: Pattern, found: &mut Vec<(&'static str, bool)>) {
        for part in pattern {
            match part {
                Part::Text(_) => {}
                Part::Variable(name) => {
                    if !found.iter().any(|(n, _)| n == name) {
                        found.push((name, false));
                    }
                }
                Part::Select(name, variants, _) => {
                    found.retain(|(n, _)| n != name);
                    found.push((name, true));
                    for (_, variant) in *variants {
                        variables(variant, found);
                    }
                }
            }
        }
    }

    /// Every message of every file reads as the Fluent project's own
    /// resolver reads it, for counts that reach each plural category.
    #[test]
    fn every_message_reads_as_fluent_bundle_reads_it() {
        let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
        let mut checked = 0;
        for (language, messages) in LOCALES {
            let source = std::fs::read_to_string(dir.join(format!("{language}.ftl")))
                .expect("a message file");
            let resource = FluentResource::try_new(source).expect("parses");
            let mut bundle = FluentBundle::new(vec![language.parse().expect("a language tag")]);
            bundle.set_use_isolating(false);
            bundle.add_resource(resource).expect("no message twice");
            let catalogue = Catalogue::new(language);
            assert_eq!(catalogue.language, *language);
            for (id, pattern) in *messages {
                let mut found = Vec::new();
                variables(pattern, &mut found);
                for number in [0, 1, 2, 3, 5, 11, 21, 22, 100, 101] {
                    let mut ours: Vec<(&str, Arg)> = Vec::new();
                    let mut theirs = FluentArgs::new();
                    for (name, selects) in &found {
                        if *selects {
                            ours.push((name, Arg::Number(number)));
                            theirs.set(*name, FluentValue::from(number));
                        } else {
                            ours.push((name, Arg::from("Ada")));
                            theirs.set(*name, FluentValue::from("Ada"));
                        }
                    }
                    let message = bundle
                        .get_message(id)
                        .and_then(|m| m.value())
                        .expect("the message");
                    let mut errors = Vec::new();
                    let expected = bundle.format_pattern(message, Some(&theirs), &mut errors);
                    assert!(errors.is_empty(), "{language} {id}: {errors:?}");
                    assert_eq!(
                        catalogue.text_with(id, &ours),
                        expected,
                        "{language} {id} {number}"
                    );
                    checked += 1;
                }
            }
        }
        assert!(checked > 1000, "{checked} readings compared");
    }

    #[test]
    fn a_missing_message_or_argument_shows_where_it_is_missing() {
        let english = Catalogue::new("en");
        assert_eq!(english.text("no-such-message"), "no-such-message");
        assert_eq!(
            english.text("rating-label"),
            "How sure are you about {$code}?"
        );
    }

    #[test]
    fn norwegian_learners_get_bokmaal_and_others_english() {
        assert_eq!(best_language("nb-NO"), "nb");
        assert_eq!(best_language("no"), "nb");
        assert_eq!(best_language("en-GB"), "en");
        assert_eq!(best_language("xx"), "en");
        let catalogue = Catalogue::new("nb-NO");
        assert_eq!(catalogue.text("tab-map"), "Mine kompetanser");
        assert_eq!(
            catalogue.text_with("evidence-count", &[("count", Arg::from(1u32))]),
            "1 bevis"
        );
        let english = Catalogue::new("en");
        assert_eq!(
            english.text_with("evidence-count", &[("count", Arg::from(2u32))]),
            "2 pieces of evidence"
        );
    }
}
