//! The widget's state: what it shows and in which language.

use gloo_events::EventListener;
use web_sys::Element;

use std::rc::Rc;

use crate::api::{ApiClient, ApiError, LanguageMap, LearnerList, Portfolio};

pub enum WidgetState {
    Loading,
    Loaded(Portfolio),
    Failed(ApiError),
}

/// The course's learners, shown to its teachers.
pub enum RosterState {
    /// Not a teacher's view, or not asked for yet.
    NotShown,
    Loading,
    Loaded(LearnerList),
    Failed(ApiError),
}

pub struct Widget {
    pub root: Element,
    pub client: Rc<ApiClient>,
    pub state: WidgetState,
    pub roster: RosterState,
    /// BCP 47 primary language the competences are shown in.
    pub language: String,
    /// Listeners of the current rendering; replaced (and so removed) on re-render.
    pub listeners: Vec<EventListener>,
}

impl Widget {
    pub fn new(root: Element, client: ApiClient) -> Widget {
        Widget {
            root,
            client: Rc::new(client),
            state: WidgetState::Loading,
            roster: RosterState::NotShown,
            language: "en".to_owned(),
            listeners: Vec::new(),
        }
    }

    pub fn show(&mut self, state: WidgetState) {
        if let WidgetState::Loaded(portfolio) = &state {
            if let Some(locale) = &portfolio.learner.locale {
                self.language = primary_language(locale);
            }
        }
        self.state = state;
    }

    /// Languages the loaded competences are available in, sorted.
    pub fn languages(&self) -> Vec<String> {
        let WidgetState::Loaded(portfolio) = &self.state else {
            return Vec::new();
        };
        let mut languages: Vec<String> = portfolio
            .competences
            .iter()
            .flat_map(|c| c.title.keys().cloned())
            .collect();
        languages.sort();
        languages.dedup();
        languages
    }
}

pub fn primary_language(locale: &str) -> String {
    locale
        .split(['-', '_'])
        .next()
        .unwrap_or("en")
        .to_ascii_lowercase()
}

/// The text in `language`, else English, else any.
pub fn localised<'a>(map: &'a LanguageMap, language: &str) -> Option<&'a str> {
    map.get(language)
        .or_else(|| {
            map.iter()
                .find(|(tag, _)| primary_language(tag) == language)
                .map(|(_, v)| v)
        })
        .or_else(|| map.get("en"))
        .or_else(|| map.values().next())
        .map(String::as_str)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn localised_prefers_the_asked_language_then_english() {
        let map = LanguageMap::from([
            ("nb".to_owned(), "Tilbyr støtte".to_owned()),
            ("en".to_owned(), "Provides support".to_owned()),
        ]);
        assert_eq!(localised(&map, "nb"), Some("Tilbyr støtte"));
        assert_eq!(localised(&map, "fr"), Some("Provides support"));
        assert_eq!(primary_language("nb_NO"), "nb");
    }
}
