//! LEAP2A: the Atom-based e-portfolio exchange format Mahara imports and
//! exports. Carefolio writes one entry per evidence item (its current
//! version) and per collection (a `leap2:selection`), and reads the same
//! back, as well as the entries of a Mahara export: journal posts and
//! notes (`leap2:entry`), files (`leap2:resource` with an enclosure or a
//! content `src`), and collections and pages (`leap2:selection`).
//! What LEAP2A has no term for (competence tags with their level, the
//! care-recipient mark, self-ratings) travels in Carefolio's namespace.

use std::fmt::Write;

use quick_xml::events::Event;
use quick_xml::Reader;

use super::export::{ExportItem, PortfolioData};
use super::site::escape;

pub const ATOM: &str = "http://www.w3.org/2005/Atom";
pub const NS_CAREFOLIO: &str = "urn:carefolio:leap2a:1";

fn time(ms: i64) -> String {
    crate::util::rfc3339_ms(ms)
}

pub fn write(data: &PortfolioData) -> String {
    let name = data.person.name.clone().unwrap_or_default();
    let mut xml = String::new();
    let _ = write!(
        xml,
        "<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n\
         <feed xmlns=\"{ATOM}\" xmlns:rdf=\"http://www.w3.org/1999/02/22-rdf-syntax-ns#\" \
         xmlns:leap2=\"http://terms.leapspecs.org/\" xmlns:categories=\"http://wiki.leapspecs.org/2A/categories/\" \
         xmlns:carefolio=\"{NS_CAREFOLIO}\">\n\
         <leap2:version>http://www.leapspecs.org/2010-07/2A/</leap2:version>\n\
         <id>urn:carefolio:export:{}</id>\n<title>{} – portfolio</title>\n\
         <author><name>{}</name>{}</author>\n<updated>{}</updated>\n<generator>Carefolio</generator>\n",
        uuid::Uuid::new_v4(),
        escape(&name),
        escape(&name),
        data.person
            .email
            .as_deref()
            .map(|e| format!("<email>{}</email>", escape(e)))
            .unwrap_or_default(),
        escape(&data.exported_at),
    );
    for rating in &data.self_ratings {
        let _ = writeln!(
            xml,
            "<carefolio:self-rating competence=\"{}\" framework=\"{}\" code=\"{}\" rating=\"{}\"/>",
            escape(&rating.competence),
            escape(&rating.framework),
            escape(&rating.code),
            rating.rating
        );
    }
    for item in &data.items {
        write_entry(&mut xml, item, data);
    }
    for collection in &data.collections {
        let _ = write!(
            xml,
            "<entry>\n<id>portfolio:collection{}</id>\n<title>{}</title>\n<updated>{}</updated>\n\
             <rdf:type rdf:resource=\"leap2:selection\"/>\n<category term=\"Grouping\" scheme=\"categories:selection_type#\"/>\n\
             <content type=\"text\">{}</content>\n",
            collection.id,
            escape(&collection.title),
            escape(&data.exported_at),
            escape(collection.introduction.as_deref().unwrap_or(""))
        );
        for (position, item) in collection.items.iter().enumerate() {
            let _ = writeln!(
                xml,
                "<link rel=\"leap2:has_part\" href=\"portfolio:artefact{item}\" leap2:display_order=\"{}\"/>",
                position + 1
            );
        }
        xml.push_str("</entry>\n");
    }
    xml.push_str("</feed>\n");
    xml
}

fn write_entry(xml: &mut String, item: &ExportItem, data: &PortfolioData) {
    let Some(current) = item.versions.last() else {
        return;
    };
    let kind = if item.kind == "reflection" || item.kind == "activity" {
        "leap2:entry"
    } else {
        "leap2:resource"
    };
    let _ = write!(
        xml,
        "<entry>\n<id>portfolio:artefact{}</id>\n<title>{}</title>\n<published>{}</published>\n<updated>{}</updated>\n\
         <rdf:type rdf:resource=\"{kind}\"/>\n<carefolio:kind>{}</carefolio:kind>\n",
        item.id,
        escape(&current.title),
        time(item.created_at),
        time(item.updated_at),
        escape(&item.kind),
    );
    match &current.file {
        Some(file) => {
            let _ = write!(
                xml,
                "<category term=\"Offline\" scheme=\"categories:resource_type#\"/>\n\
                 <content type=\"{}\" src=\"{}\"/>\n<link rel=\"enclosure\" href=\"{}\" type=\"{}\" length=\"{}\" title=\"{}\"/>\n",
                escape(&file.media_type),
                escape(&file.path),
                escape(&file.path),
                escape(&file.media_type),
                file.size,
                escape(&file.name),
            );
            if let Some(body) = &current.body {
                let _ = writeln!(xml, "<summary type=\"text\">{}</summary>", escape(body));
            }
        }
        None => {
            let _ = writeln!(
                xml,
                "<content type=\"text\">{}</content>",
                escape(current.body.as_deref().unwrap_or(""))
            );
        }
    }
    if let Some(url) = &current.url {
        let _ = writeln!(
            xml,
            "<category term=\"Web\" scheme=\"categories:resource_type#\"/>\n<link rel=\"related\" href=\"{}\"/>",
            escape(url)
        );
    }
    if let Some(statement) = current.statement_id {
        let _ = writeln!(
            xml,
            "<carefolio:statement>{statement}</carefolio:statement>"
        );
    }
    if item.describes_care_recipient {
        xml.push_str(
            "<carefolio:describes-care-recipient>true</carefolio:describes-care-recipient>\n",
        );
    }
    for tag in &current.tags {
        let _ = writeln!(
            xml,
            "<category term=\"{}:{}\"/>\n<carefolio:competence iri=\"{}\" framework=\"{}\" code=\"{}\"{}/>",
            escape(&tag.framework),
            escape(&tag.code),
            escape(&tag.competence),
            escape(&tag.framework),
            escape(&tag.code),
            tag.level.map(|l| format!(" level=\"{l}\"")).unwrap_or_default()
        );
    }
    for collection in data
        .collections
        .iter()
        .filter(|c| c.items.contains(&item.id))
    {
        let _ = writeln!(
            xml,
            "<link rel=\"leap2:is_part_of\" href=\"portfolio:collection{}\"/>",
            collection.id
        );
    }
    xml.push_str("</entry>\n");
}

/// One entry as read from a LEAP2A feed.
#[derive(Debug, Default, Clone, PartialEq)]
pub struct Entry {
    pub id: String,
    pub title: String,
    pub rdf_type: String,
    pub content: Option<String>,
    pub content_type: Option<String>,
    pub content_src: Option<String>,
    pub summary: Option<String>,
    pub enclosure: Option<String>,
    pub enclosure_title: Option<String>,
    pub related: Option<String>,
    pub has_part: Vec<(u32, String)>,
    pub categories: Vec<String>,
    pub kind: Option<String>,
    pub describes_care_recipient: bool,
    pub statement: Option<String>,
    /// (iri, framework, code, level)
    pub competences: Vec<(String, String, String, Option<i32>)>,
}

#[derive(Debug, Default, Clone, PartialEq)]
pub struct Feed {
    pub entries: Vec<Entry>,
    /// (iri, framework, code, rating)
    pub self_ratings: Vec<(String, String, String, i32)>,
}

#[derive(Debug, thiserror::Error)]
#[error("leap2a.xml, byte {position}: {problem}")]
pub struct FeedError {
    pub position: u64,
    pub problem: String,
}

fn local(name: &[u8]) -> &[u8] {
    name.rsplit(|b| *b == b':').next().unwrap_or(name)
}

/// Reads a LEAP2A feed (at most the entries it holds; unknown elements skipped).
pub fn read(xml: &str) -> Result<Feed, FeedError> {
    let mut reader = Reader::from_str(xml);
    reader.config_mut().trim_text(true);
    let mut feed = Feed::default();
    let mut entry: Option<Entry> = None;
    let mut field: Option<Vec<u8>> = None;
    let mut text = String::new();
    loop {
        let event = reader.read_event().map_err(|e| FeedError {
            position: reader.buffer_position(),
            problem: e.to_string(),
        })?;
        match event {
            Event::Start(ref start) | Event::Empty(ref start) => {
                let is_empty = matches!(event, Event::Empty(_));
                let qname = start.name();
                let name = qname.as_ref();
                let attribute = |key: &str| -> Option<String> {
                    start
                        .attributes()
                        .flatten()
                        .find(|a| {
                            local(a.key.as_ref()) == key.as_bytes()
                                && (key != "type" || a.key.as_ref() == b"type")
                        })
                        .and_then(|a| a.unescape_value().ok().map(|v| v.into_owned()))
                };
                match (local(name), entry.as_mut()) {
                    (b"entry", None) => entry = Some(Entry::default()),
                    (b"self-rating", None) => {
                        if let (Some(iri), Some(rating)) = (
                            attribute("competence"),
                            attribute("rating").and_then(|r| r.parse().ok()),
                        ) {
                            feed.self_ratings.push((
                                iri,
                                attribute("framework").unwrap_or_default(),
                                attribute("code").unwrap_or_default(),
                                rating,
                            ));
                        }
                    }
                    (b"type", Some(e)) if name.starts_with(b"rdf") => {
                        e.rdf_type = attribute("resource").unwrap_or_default();
                    }
                    (b"content", Some(e)) => {
                        e.content_type = attribute("type");
                        e.content_src = attribute("src");
                        if !is_empty {
                            field = Some(b"content".to_vec());
                        }
                    }
                    (b"link", Some(e)) => {
                        let rel = attribute("rel").unwrap_or_default();
                        let href = attribute("href").unwrap_or_default();
                        match local(rel.as_bytes()) {
                            b"enclosure" => {
                                e.enclosure = Some(href);
                                e.enclosure_title = attribute("title");
                            }
                            b"related" | b"alternate" => e.related = Some(href),
                            b"has_part" => {
                                let order = attribute("display_order")
                                    .and_then(|o| o.parse().ok())
                                    .unwrap_or(u32::MAX);
                                e.has_part.push((order, href));
                            }
                            _ => {}
                        }
                    }
                    (b"category", Some(e)) => {
                        if let Some(term) = attribute("term") {
                            e.categories.push(term);
                        }
                    }
                    (b"competence", Some(e)) if name.starts_with(b"carefolio") => {
                        if let Some(iri) = attribute("iri") {
                            e.competences.push((
                                iri,
                                attribute("framework").unwrap_or_default(),
                                attribute("code").unwrap_or_default(),
                                attribute("level").and_then(|l| l.parse().ok()),
                            ));
                        }
                    }
                    (other, Some(_)) if !is_empty => field = Some(other.to_vec()),
                    _ => {}
                }
                text.clear();
            }
            Event::Text(t) if field.is_some() => {
                text.push_str(&t.unescape().map_err(|e| FeedError {
                    position: reader.buffer_position(),
                    problem: e.to_string(),
                })?);
            }
            Event::CData(t) if field.is_some() => {
                text.push_str(&String::from_utf8_lossy(&t));
            }
            Event::End(end) => {
                let qname = end.name();
                let name = local(qname.as_ref());
                if name == b"entry" {
                    if let Some(done) = entry.take() {
                        feed.entries.push(done);
                    }
                } else if let (Some(e), Some(f)) = (entry.as_mut(), field.as_deref()) {
                    if f == name {
                        let value = std::mem::take(&mut text);
                        match f {
                            b"id" => e.id = value,
                            b"title" => e.title = value,
                            b"content" => e.content = Some(value),
                            b"summary" => e.summary = Some(value),
                            b"kind" => e.kind = Some(value),
                            b"describes-care-recipient" => {
                                e.describes_care_recipient = value == "true"
                            }
                            b"statement" => e.statement = Some(value),
                            _ => {}
                        }
                        field = None;
                    }
                }
            }
            Event::Eof => break,
            _ => {}
        }
    }
    for entry in &mut feed.entries {
        entry.has_part.sort_by_key(|(order, _)| *order);
    }
    Ok(feed)
}
