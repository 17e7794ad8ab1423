//! The exported portfolio as one HTML page that opens offline: no script,
//! no address outside the zip, the files beside it.

use std::fmt::Write;

use super::evidence::markdown_to_safe_html;
use super::export::{ExportItem, PortfolioData};
use super::map::{CompetenceMap, MapNode};
use crate::frameworks::model::pick;

/// Text safe inside HTML elements and attribute values.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&#39;"),
            _ => out.push(c),
        }
    }
    out
}

const STYLE: &str = "body{font-family:system-ui,-apple-system,'Segoe UI',sans-serif;margin:0 auto;max-width:48rem;padding:1rem 1.25rem;color:#1d2733;line-height:1.45}\
h1{font-size:1.5rem}h2{font-size:1.2rem;margin-top:2rem;border-bottom:2px solid #dde1e6}h3{font-size:1.05rem;margin-bottom:.25rem}\
.muted{color:#5b6675}.item{border-top:1px solid #dde1e6;padding:.75rem 0}.tags{font-size:.9rem;color:#5b6675}\
img,video{max-width:100%;height:auto}audio{width:100%}table{border-collapse:collapse;width:100%}\
td,th{text-align:left;padding:.25rem .5rem .25rem 0;vertical-align:top;border-bottom:1px solid #eef0f2}\
.num{text-align:right;white-space:nowrap}.group td{font-weight:600;padding-top:.75rem}.care{color:#b35c00;font-size:.9rem}";

pub fn render(data: &PortfolioData, maps: &[CompetenceMap]) -> String {
    let name = data.person.name.clone().unwrap_or_else(|| "My".to_owned());
    let mut html = String::new();
    let _ = write!(
        html,
        "<!doctype html><html lang=\"en\"><head><meta charset=\"utf-8\">\
         <meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\
         <meta http-equiv=\"Content-Security-Policy\" content=\"default-src 'none'; img-src 'self'; media-src 'self'; style-src 'unsafe-inline'\">\
         <title>{} – portfolio</title><style>{STYLE}</style></head><body>\
         <h1>{}'s portfolio</h1><p class=\"muted\">Exported from Carefolio on {}. {} evidence items.</p>",
        escape(&name),
        escape(&name),
        escape(&data.exported_at),
        data.items.len()
    );
    if !maps.is_empty() {
        html.push_str("<nav><ul>");
        for map in maps {
            let _ = write!(
                html,
                "<li><a href=\"#map-{}\">{}</a></li>",
                escape(&map.key),
                escape(&map.title)
            );
        }
        html.push_str("<li><a href=\"#collections\">Collections</a></li><li><a href=\"#evidence\">Evidence</a></li></ul></nav>");
    }
    for map in maps {
        write_map(&mut html, map);
    }
    html.push_str("<h2 id=\"collections\">Collections</h2>");
    if data.collections.is_empty() {
        html.push_str("<p class=\"muted\">No collections.</p>");
    }
    for collection in &data.collections {
        let _ = write!(html, "<h3>{}</h3>", escape(&collection.title));
        if let Some(intro) = &collection.introduction {
            html.push_str(&markdown_to_safe_html(intro));
        }
        html.push_str("<ol>");
        for id in &collection.items {
            if let Some(item) = data.items.iter().find(|i| i.id == *id) {
                let title = item.versions.last().map(|v| v.title.as_str()).unwrap_or("");
                let _ = write!(
                    html,
                    "<li><a href=\"#item-{id}\">{}</a></li>",
                    escape(title)
                );
            }
        }
        html.push_str("</ol>");
    }
    html.push_str("<h2 id=\"evidence\">Evidence</h2>");
    for item in &data.items {
        write_item(&mut html, item);
    }
    html.push_str("</body></html>");
    html
}

fn write_map(html: &mut String, map: &CompetenceMap) {
    let level_names: Vec<&str> = map
        .levels
        .iter()
        .map(|l| pick(l, &map.language).unwrap_or(""))
        .collect();
    let _ = write!(
        html,
        "<h2 id=\"map-{}\">{}</h2><p class=\"muted\">{} of {} competences with evidence; {} rated by myself.{}</p>\
         <table><thead><tr><th>Competence</th><th class=\"num\">Evidence</th><th class=\"num\">My rating</th></tr></thead><tbody>",
        escape(&map.key),
        escape(&map.title),
        map.totals.with_evidence,
        map.totals.competences,
        map.totals.rated,
        if level_names.is_empty() {
            String::new()
        } else {
            format!(" Levels: {}.", escape(&level_names.join(", ")))
        }
    );
    fn rows(html: &mut String, nodes: &[MapNode], language: &str) {
        for node in nodes {
            let title = pick(&node.title, language).unwrap_or(&node.code);
            if node.children.is_empty() {
                let rating = node
                    .self_rating
                    .map(|r| format!("{r} of {}", node.rating_max))
                    .unwrap_or_else(|| "–".to_owned());
                let _ = write!(
                    html,
                    "<tr><td>{} {}</td><td class=\"num\">{}</td><td class=\"num\">{}</td></tr>",
                    escape(&node.code),
                    escape(title),
                    node.evidence,
                    rating
                );
            } else {
                let totals = node.totals.unwrap_or_default();
                let _ = write!(
                    html,
                    "<tr class=\"group\"><td>{} {}</td><td class=\"num\">{}</td><td class=\"num\">{} rated</td></tr>",
                    escape(&node.code),
                    escape(title),
                    totals.evidence,
                    totals.rated
                );
                rows(html, &node.children, language);
            }
        }
    }
    rows(html, &map.items, &map.language);
    html.push_str("</tbody></table>");
}

fn write_item(html: &mut String, item: &ExportItem) {
    let Some(current) = item.versions.last() else {
        return;
    };
    let _ = write!(
        html,
        "<article class=\"item\" id=\"item-{}\"><h3>{}</h3>",
        item.id,
        escape(&current.title)
    );
    if !current.tags.is_empty() {
        let tags: Vec<String> = current
            .tags
            .iter()
            .map(|t| {
                let title = pick(&t.title, "en").unwrap_or("");
                match t.level {
                    Some(level) => format!("{} {} (level {level})", t.code, title),
                    None => format!("{} {}", t.code, title),
                }
            })
            .collect();
        let _ = write!(html, "<p class=\"tags\">{}</p>", escape(&tags.join(" · ")));
    }
    if item.describes_care_recipient {
        html.push_str("<p class=\"care\">Describes a care recipient: keep it private.</p>");
    }
    if let Some(file) = &current.file {
        let src = escape(&file.path);
        let media = file.media_type.as_str();
        if media.starts_with("image/") {
            let _ = write!(
                html,
                "<p><img src=\"{src}\" alt=\"{}\"></p>",
                escape(&current.title)
            );
        } else if media.starts_with("audio/") {
            let _ = write!(html, "<p><audio controls src=\"{src}\"></audio></p>");
        } else if media.starts_with("video/") {
            let _ = write!(html, "<p><video controls src=\"{src}\"></video></p>");
        }
        let _ = write!(
            html,
            "<p><a href=\"{src}\">{}</a> ({} bytes)</p>",
            escape(&file.name),
            file.size
        );
    }
    if let Some(url) = &current.url {
        let _ = write!(
            html,
            "<p><a href=\"{}\" rel=\"noopener noreferrer\">{}</a></p>",
            escape(url),
            escape(url)
        );
    }
    if let Some(body) = &current.body {
        html.push_str(&markdown_to_safe_html(body));
    }
    for comment in &item.comments {
        let _ = write!(
            html,
            "<blockquote><p>{}</p><footer class=\"muted\">{}</footer></blockquote>",
            escape(&comment.body),
            escape(&comment.author)
        );
    }
    html.push_str("</article>");
}
