//! The image of a badge class without one of its own: an SVG drawn from
//! the framework, the node and the level, so every default badge is
//! recognisable without a designer.

/// Escapes text for an SVG text node or attribute.
fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for c in text.chars() {
        match c {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            c if c.is_control() => {}
            c => out.push(c),
        }
    }
    out
}

/// Shortens to `max` characters, with an ellipsis when cut.
fn clip(text: &str, max: usize) -> String {
    if text.chars().count() <= max {
        return text.to_owned();
    }
    let mut cut: String = text.chars().take(max.saturating_sub(1)).collect();
    cut.push('…');
    cut
}

/// A stable colour per framework, from a small palette with enough
/// contrast for white text (WCAG AA at this size).
fn colour(framework: &str) -> &'static str {
    const PALETTE: [&str; 5] = ["#1f5f8b", "#6a3d9a", "#00695c", "#8e3b00", "#37474f"];
    let sum: usize = framework.bytes().map(usize::from).sum();
    PALETTE[sum % PALETTE.len()]
}

pub struct Drawing<'a> {
    pub framework_key: &'a str,
    pub framework_title: &'a str,
    pub code: &'a str,
    pub title: &'a str,
    pub level: Option<&'a str>,
}

/// A 256 × 256 badge: a ring in the framework's colour, the node's code
/// large, its title and level below.
pub fn draw(drawing: &Drawing<'_>) -> String {
    let fill = colour(drawing.framework_key);
    let level = drawing
        .level
        .map(|level| {
            format!(
                r##"<rect x="48" y="176" width="160" height="30" rx="15" fill="#ffffff"/><text x="128" y="197" font-size="16" font-weight="700" fill="{fill}">{}</text>"##,
                escape(&clip(level, 18))
            )
        })
        .unwrap_or_default();
    format!(
        r##"<svg xmlns="http://www.w3.org/2000/svg" width="256" height="256" viewBox="0 0 256 256" role="img" aria-label="{label}"><title>{label}</title><circle cx="128" cy="128" r="124" fill="{fill}"/><circle cx="128" cy="128" r="108" fill="none" stroke="#ffffff" stroke-width="4"/><g font-family="Verdana, DejaVu Sans, sans-serif" text-anchor="middle"><text x="128" y="64" font-size="15" fill="#ffffff">{framework}</text><text x="128" y="122" font-size="44" font-weight="700" fill="#ffffff">{code}</text><text x="128" y="156" font-size="14" fill="#ffffff">{title}</text>{level}</g></svg>"##,
        label = escape(&format!(
            "{} {} {}{}",
            drawing.framework_title,
            drawing.code,
            drawing.title,
            drawing.level.map(|l| format!(" ({l})")).unwrap_or_default()
        )),
        framework = escape(&clip(drawing.framework_title, 26)),
        code = escape(&clip(drawing.code, 8)),
        title = escape(&clip(drawing.title, 28)),
    )
}

/// Refuses a supplied SVG that could run script or fetch anything when
/// shown: script and foreign-object elements, event attributes, and
/// references outside the document.
pub fn check_supplied(svg: &str) -> Result<(), String> {
    use quick_xml::events::Event;
    const MAX_BYTES: usize = 256 * 1024;
    if svg.len() > MAX_BYTES {
        return Err(format!("at most {MAX_BYTES} bytes"));
    }
    let mut reader = quick_xml::Reader::from_str(svg);
    let mut root_seen = false;
    loop {
        match reader.read_event() {
            Ok(Event::Eof) => break,
            Ok(Event::Start(element) | Event::Empty(element)) => {
                let name = String::from_utf8_lossy(element.local_name().as_ref()).to_lowercase();
                if !root_seen {
                    if name != "svg" {
                        return Err("the document must be an <svg> element".into());
                    }
                    root_seen = true;
                }
                if matches!(
                    name.as_str(),
                    "script" | "foreignobject" | "iframe" | "embed" | "object"
                ) {
                    return Err(format!("<{name}> is not allowed in a badge image"));
                }
                for attribute in element.attributes() {
                    let attribute = attribute.map_err(|e| format!("unreadable attribute: {e}"))?;
                    let key =
                        String::from_utf8_lossy(attribute.key.local_name().as_ref()).to_lowercase();
                    let value = String::from_utf8_lossy(&attribute.value).to_lowercase();
                    if key.starts_with("on") {
                        return Err(format!("the event attribute {key} is not allowed"));
                    }
                    if (key == "href" || key == "src") && !value.trim_start().starts_with('#') {
                        return Err("references outside the image are not allowed".into());
                    }
                    if value.contains("javascript:") || value.contains("url(http") {
                        return Err("references outside the image are not allowed".into());
                    }
                }
            }
            Ok(Event::DocType(_)) => return Err("a DOCTYPE is not allowed".into()),
            Ok(_) => {}
            Err(e) => return Err(format!("not well-formed XML: {e}")),
        }
    }
    if root_seen {
        Ok(())
    } else {
        Err("the document must be an <svg> element".into())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_drawn_badge_is_safe_svg_with_its_texts() {
        let svg = draw(&Drawing {
            framework_key: "carerplus",
            framework_title: "CARER+ <Digital>",
            code: "3",
            title: "Communication & collaboration",
            level: Some("Guide/mentor"),
        });
        assert!(svg.starts_with("<svg"));
        assert!(svg.contains("CARER+ &lt;Digital&gt;"));
        assert!(svg.contains("Communication &amp; collaboration"));
        assert!(svg.contains("Guide/mentor"));
        check_supplied(&svg).expect("our own drawing passes our own check");
    }

    #[test]
    fn supplied_images_that_could_run_or_fetch_are_refused() {
        for bad in [
            r#"<svg xmlns="http://www.w3.org/2000/svg"><script>alert(1)</script></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg" onload="alert(1)"/>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><image href="https://tracker.example/p.png"/></svg>"#,
            r#"<svg xmlns="http://www.w3.org/2000/svg"><foreignObject/></svg>"#,
            r#"<html><svg/></html>"#,
            r#"<svg"#,
            "",
        ] {
            assert!(check_supplied(bad).is_err(), "{bad}");
        }
        check_supplied(r##"<svg xmlns="http://www.w3.org/2000/svg"><use href="#a"/><circle id="a" r="4"/></svg>"##)
            .expect("an internal reference is fine");
    }
}
