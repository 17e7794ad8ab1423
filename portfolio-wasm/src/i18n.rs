//! The widget's message catalogue: every text it shows comes from a Fluent
//! file in `locales/`, in the launch's language, else English.

use fluent_bundle::{FluentArgs, FluentBundle, FluentResource, FluentValue};
use unic_langid::LanguageIdentifier;

include!(concat!(env!("OUT_DIR"), "/locales.rs"));

pub const FALLBACK: &str = "en";

pub struct Catalogue {
    /// The language asked for, when a file exists for it, then English.
    bundles: Vec<FluentBundle<FluentResource>>,
    pub language: String,
}

fn bundle(language: &str, source: &str) -> Option<FluentBundle<FluentResource>> {
    let id: LanguageIdentifier = language.parse().ok()?;
    let resource = FluentResource::try_new(source.to_owned()).ok()?;
    let mut bundle = FluentBundle::new(vec![id]);
    // Isolation marks would end up in the page's text; the widget's
    // messages are plain left-to-right sentences.
    bundle.set_use_isolating(false);
    bundle.add_resource(resource).ok()?;
    Some(bundle)
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
        let mut bundles = Vec::new();
        for wanted in [language, FALLBACK] {
            if bundles.len() == 1 && wanted == language {
                continue;
            }
            if let Some((tag, source)) = LOCALES.iter().find(|(tag, _)| *tag == wanted) {
                if let Some(bundle) = bundle(tag, source) {
                    bundles.push(bundle);
                }
            }
        }
        Catalogue {
            bundles,
            language: language.to_owned(),
        }
    }

    /// The message `id`; its id itself when no file has it.
    pub fn text(&self, id: &str) -> String {
        self.format(id, None)
    }

    /// The message `id` with named arguments (numbers select plurals).
    pub fn text_with(&self, id: &str, args: &[(&str, Arg)]) -> String {
        let mut fluent = FluentArgs::new();
        for (name, value) in args {
            match value {
                Arg::Text(text) => fluent.set(*name, FluentValue::from(text.clone())),
                Arg::Number(number) => fluent.set(*name, FluentValue::from(*number)),
            }
        }
        self.format(id, Some(&fluent))
    }

    fn format(&self, id: &str, args: Option<&FluentArgs>) -> String {
        for bundle in &self.bundles {
            if let Some(pattern) = bundle.get_message(id).and_then(|m| m.value()) {
                let mut errors = Vec::new();
                return bundle
                    .format_pattern(pattern, args, &mut errors)
                    .into_owned();
            }
        }
        id.to_owned()
    }
}

pub enum Arg {
    Text(String),
    Number(f64),
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
        Arg::Number(number as f64)
    }
}

impl From<u32> for Arg {
    fn from(number: u32) -> Arg {
        Arg::Number(f64::from(number))
    }
}

impl From<i32> for Arg {
    fn from(number: i32) -> Arg {
        Arg::Number(f64::from(number))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_file_parses_and_has_every_english_message() {
        let english = LOCALES
            .iter()
            .find(|(l, _)| *l == FALLBACK)
            .expect("en.ftl")
            .1;
        let wanted = message_ids(english);
        assert!(
            wanted.len() > 50,
            "the English file has {} messages",
            wanted.len()
        );
        for (language, source) in LOCALES {
            let resource = FluentResource::try_new(source.to_string())
                .unwrap_or_else(|(_, errors)| panic!("{language}.ftl: {errors:?}"));
            drop(resource);
            let have = message_ids(source);
            let missing: Vec<_> = wanted.iter().filter(|id| !have.contains(id)).collect();
            assert!(missing.is_empty(), "{language}.ftl lacks {missing:?}");
        }
    }

    fn message_ids(source: &str) -> Vec<String> {
        source
            .lines()
            .filter(|line| line.chars().next().is_some_and(|c| c.is_ascii_alphabetic()))
            .filter_map(|line| line.split_once(" =").map(|(id, _)| id.trim().to_owned()))
            .collect()
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
