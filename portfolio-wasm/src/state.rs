//! The widget's state: what it shows, what it has loaded and in which language.

use std::rc::Rc;

use gloo_events::EventListener;
use web_sys::Element;

use crate::api::{
    ApiClient, ApiError, AuditLine, Award, Claim, Collection, Comment, CompetenceMap, CoursePerson,
    Evidence, LanguageMap, LearnerList, Portfolio, QueueEntry, Review, Share, SharedPortfolio,
    SharedWithMe, Suggestion, Tag,
};
use crate::i18n::Catalogue;

/// Something fetched from the server.
pub enum Loadable<T> {
    NotAsked,
    Loading,
    Ready(T),
    Failed(ApiError),
}

impl<T> Loadable<T> {
    pub fn ready(&self) -> Option<&T> {
        match self {
            Loadable::Ready(value) => Some(value),
            _ => None,
        }
    }

    pub fn ready_mut(&mut self) -> Option<&mut T> {
        match self {
            Loadable::Ready(value) => Some(value),
            _ => None,
        }
    }

    pub fn is_not_asked(&self) -> bool {
        matches!(self, Loadable::NotAsked)
    }
}

impl<T> From<Result<T, ApiError>> for Loadable<T> {
    fn from(result: Result<T, ApiError>) -> Loadable<T> {
        match result {
            Ok(value) => Loadable::Ready(value),
            Err(error) => Loadable::Failed(error),
        }
    }
}

/// Which page of the widget is open.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Page {
    /// The competence map of the chosen framework.
    Map,
    Evidence,
    /// Adding an item, tagged at first with this competence when given.
    Add,
    Item(String),
    Collections,
    /// Writing a collection: a new one when none.
    EditCollection(Option<String>),
    Sharing,
    /// Reading what someone shared, through this share.
    Shared(String),
    /// A teacher's list of the course's learners.
    Learners,
    /// A teacher's read-only view of one learner's map.
    LearnerMap {
        person: String,
        name: String,
    },
    /// A learner asks for assessment of this competence.
    Claim(String),
    /// An assessor's claims waiting for them.
    Queue,
    /// An assessor reviews this claim.
    Review(String),
}

/// A message shown after an action: what happened, or what went wrong.
pub struct Status {
    pub text: String,
    pub error: bool,
}

/// An upload under way.
pub struct Upload {
    pub name: String,
    pub sent: f64,
    pub total: f64,
}

impl Upload {
    /// Whole percents sent: printing a float would bring float formatting
    /// into the widget.
    pub fn percent(&self) -> i64 {
        if self.total > 0.0 {
            (self.sent / self.total * 100.0).round() as i64
        } else {
            0
        }
    }
}

pub struct Widget {
    pub root: Element,
    pub client: Rc<ApiClient>,
    pub catalogue: Catalogue,
    pub portfolio: Loadable<Portfolio>,
    pub page: Page,
    /// The framework whose map is shown.
    pub framework: Option<String>,
    pub map: Loadable<CompetenceMap>,
    pub evidence: Loadable<Vec<Evidence>>,
    pub collections: Loadable<Vec<Collection>>,
    pub shares: Loadable<Vec<Share>>,
    pub people: Loadable<Vec<CoursePerson>>,
    pub shared_with_me: Loadable<Vec<SharedWithMe>>,
    pub shared: Loadable<SharedPortfolio>,
    pub roster: Loadable<LearnerList>,
    pub learner_map: Loadable<CompetenceMap>,
    /// The learner's claims and badges (shown on the map).
    pub claims: Loadable<Vec<Claim>>,
    pub badges: Loadable<Vec<Award>>,
    /// The assessor's queue, and the claim open for review.
    pub queue: Loadable<Vec<QueueEntry>>,
    pub review: Loadable<Review>,
    /// The queue's filters: competence id, learner id, status ("" for all).
    pub queue_filter: [String; 3],
    /// Comments per item, as loaded.
    pub comments: Vec<(String, Loadable<Vec<Comment>>)>,
    pub unseen: Vec<Comment>,
    pub suggestions: Vec<Suggestion>,
    pub audit: Loadable<Vec<AuditLine>>,
    /// The tags of the item being written or edited.
    pub draft_tags: Vec<Tag>,
    /// The address of the link's activity, shown as a link when the
    /// browser blocked opening it.
    pub activity_link: Option<String>,
    /// The kind of item being added: `file`, `reflection` or `link`.
    pub draft_kind: String,
    /// The items of the collection being written, in order.
    pub draft_items: Vec<String>,
    /// Whom the share being made is for: `person`, `course` or `link`.
    pub draft_share_kind: String,
    /// The file chosen or dropped for the item being added: a file input
    /// cannot be given back its file after a re-rendering.
    pub draft_file: Option<web_sys::File>,
    pub upload: Option<Upload>,
    pub status: Option<Status>,
    /// A secret link just made: its address, shown once.
    pub new_link: Option<String>,
    /// The item whose deletion waits for a second click.
    pub confirm_delete: Option<String>,
    /// The element to focus after the next rendering (by id).
    pub focus: Option<String>,
    /// Form fields to empty at the next rendering (by id).
    pub clear_fields: Vec<String>,
    /// Listeners of the current rendering; replaced (and so removed) on re-render.
    pub listeners: Vec<EventListener>,
}

impl Widget {
    pub fn new(root: Element, client: ApiClient, locale: &str) -> Widget {
        Widget {
            root,
            client: Rc::new(client),
            catalogue: Catalogue::new(locale),
            portfolio: Loadable::Loading,
            page: Page::Map,
            framework: None,
            map: Loadable::NotAsked,
            evidence: Loadable::NotAsked,
            collections: Loadable::NotAsked,
            shares: Loadable::NotAsked,
            people: Loadable::NotAsked,
            shared_with_me: Loadable::NotAsked,
            shared: Loadable::NotAsked,
            roster: Loadable::NotAsked,
            learner_map: Loadable::NotAsked,
            claims: Loadable::NotAsked,
            badges: Loadable::NotAsked,
            queue: Loadable::NotAsked,
            review: Loadable::NotAsked,
            queue_filter: Default::default(),
            comments: Vec::new(),
            unseen: Vec::new(),
            suggestions: Vec::new(),
            audit: Loadable::NotAsked,
            draft_tags: Vec::new(),
            activity_link: None,
            draft_kind: "file".to_owned(),
            draft_items: Vec::new(),
            draft_share_kind: "person".to_owned(),
            draft_file: None,
            upload: None,
            status: None,
            new_link: None,
            confirm_delete: None,
            focus: None,
            clear_fields: Vec::new(),
            listeners: Vec::new(),
        }
    }

    pub fn comments_of(&self, item: &str) -> Option<&Loadable<Vec<Comment>>> {
        self.comments
            .iter()
            .find(|(id, _)| id == item)
            .map(|(_, comments)| comments)
    }

    pub fn set_comments(&mut self, item: String, comments: Loadable<Vec<Comment>>) {
        self.comments.retain(|(id, _)| *id != item);
        self.comments.push((item, comments));
    }

    pub fn language(&self) -> &str {
        &self.catalogue.language
    }

    pub fn t(&self, id: &str) -> String {
        self.catalogue.text(id)
    }

    /// The learner's current claim of `competence`: the latest not withdrawn.
    pub fn claim_of(&self, competence: &str) -> Option<&Claim> {
        self.claims.ready().and_then(|list| {
            list.iter()
                .find(|c| c.competence.id == competence && c.status != "withdrawn")
        })
    }

    pub fn teacher_view(&self) -> bool {
        self.portfolio.ready().is_some_and(|p| p.teacher_view)
    }

    /// Takes a statement off the offered candidates once kept or set aside.
    pub fn forget_candidate(&mut self, statement: &str) {
        if let Some(portfolio) = self.portfolio.ready_mut() {
            portfolio.candidates.retain(|c| c.statement_id != statement);
        }
    }

    pub fn say(&mut self, text: String) {
        self.status = Some(Status { text, error: false });
    }

    pub fn complain(&mut self, text: String) {
        self.status = Some(Status { text, error: true });
    }

    /// A node of the shown map, by id.
    pub fn map_node(&self, id: &str) -> Option<&crate::api::MapNode> {
        fn find<'a>(nodes: &'a [crate::api::MapNode], id: &str) -> Option<&'a crate::api::MapNode> {
            nodes.iter().find_map(|node| {
                (node.id == id)
                    .then_some(node)
                    .or_else(|| find(&node.children, id))
            })
        }
        find(&self.map.ready()?.items, id)
    }

    /// Every competence of the shown map, with its levels, in map order.
    pub fn competences(&self) -> Vec<(String, String, LanguageMap, Vec<LanguageMap>)> {
        let mut out = Vec::new();
        if let Some(map) = self.map.ready() {
            fn walk(
                nodes: &[crate::api::MapNode],
                levels: &[LanguageMap],
                out: &mut Vec<(String, String, LanguageMap, Vec<LanguageMap>)>,
            ) {
                for node in nodes {
                    if node.competence {
                        let own = node.levels.clone().unwrap_or_else(|| levels.to_vec());
                        out.push((node.id.clone(), node.code.clone(), node.title.clone(), own));
                    }
                    walk(&node.children, levels, out);
                }
            }
            walk(&map.items, &map.levels, &mut out);
        }
        out
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
    let exact = |tag: &str| map.iter().find(|(t, _)| t == tag);
    exact(language)
        .or_else(|| {
            map.iter()
                .find(|(tag, _)| primary_language(tag) == language)
        })
        .or_else(|| exact("en"))
        .or_else(|| map.first())
        .map(|(_, text)| text.as_str())
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
