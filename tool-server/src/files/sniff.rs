//! What a file is, read from its first bytes: never from its name or the
//! type a client claims.

/// How many bytes are read before deciding.
pub const HEAD_BYTES: usize = 8 * 1024;

/// The media type of a file that starts with `head`.
pub fn media_type(head: &[u8]) -> String {
    if looks_like_markup(head) {
        return if contains_ignore_case(head, b"<svg") {
            "image/svg+xml".to_owned()
        } else {
            "text/html".to_owned()
        };
    }
    if let Some(kind) = infer::get(head) {
        return kind.mime_type().to_owned();
    }
    if is_text(head) {
        "text/plain".to_owned()
    } else {
        "application/octet-stream".to_owned()
    }
}

/// Markup a browser would run: HTML, SVG, XML with scripts.
fn looks_like_markup(head: &[u8]) -> bool {
    let start = head.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(head);
    let trimmed: &[u8] = {
        let skip = start.iter().take_while(|b| b.is_ascii_whitespace()).count();
        &start[skip..]
    };
    if !trimmed.starts_with(b"<") {
        return false;
    }
    const TAGS: [&[u8]; 12] = [
        b"<!doctype",
        b"<html",
        b"<head",
        b"<body",
        b"<script",
        b"<iframe",
        b"<svg",
        b"<?xml",
        b"<!--",
        b"<div",
        b"<img",
        b"<meta",
    ];
    TAGS.iter().any(|tag| starts_with_ignore_case(trimmed, tag))
        || contains_ignore_case(head, b"<script")
}

fn starts_with_ignore_case(text: &[u8], prefix: &[u8]) -> bool {
    text.len() >= prefix.len() && text[..prefix.len()].eq_ignore_ascii_case(prefix)
}

fn contains_ignore_case(text: &[u8], needle: &[u8]) -> bool {
    text.windows(needle.len())
        .any(|window| window.eq_ignore_ascii_case(needle))
}

/// UTF-8 without control characters other than tabs and line ends (a cut
/// multi-byte character at the end of the head is allowed).
fn is_text(head: &[u8]) -> bool {
    let valid = match std::str::from_utf8(head) {
        Ok(text) => text,
        Err(e) if e.error_len().is_none() => match std::str::from_utf8(&head[..e.valid_up_to()]) {
            Ok(text) => text,
            Err(_) => return false,
        },
        Err(_) => return false,
    };
    !valid.is_empty()
        && valid
            .chars()
            .all(|c| !c.is_control() || matches!(c, '\n' | '\r' | '\t' | '\u{c}'))
}

/// Whether `media_type` matches one of `allowed` (`type/subtype` or `type/*`).
pub fn is_allowed(media_type: &str, allowed: &[String]) -> bool {
    allowed
        .iter()
        .any(|pattern| match pattern.strip_suffix("/*") {
            Some(family) => media_type
                .split_once('/')
                .is_some_and(|(kind, _)| kind.eq_ignore_ascii_case(family)),
            None => pattern.eq_ignore_ascii_case(media_type),
        })
}

/// The family of a claimed type or a file name's extension, to catch a
/// file dressed up as another kind (`photo.png` that is HTML).
pub fn claimed_family(content_type: Option<&str>, file_name: &str) -> Option<&'static str> {
    let from_type = content_type
        .map(|t| {
            t.split(';')
                .next()
                .unwrap_or("")
                .trim()
                .to_ascii_lowercase()
        })
        .filter(|t| !t.is_empty() && t != "application/octet-stream");
    if let Some(claimed) = from_type {
        return family_of(&claimed);
    }
    let extension = file_name.rsplit_once('.')?.1.to_ascii_lowercase();
    Some(match extension.as_str() {
        "png" | "jpg" | "jpeg" | "gif" | "webp" | "heic" | "heif" | "avif" | "bmp" | "tif"
        | "tiff" => "image",
        "mp3" | "m4a" | "ogg" | "oga" | "wav" | "flac" | "aac" | "opus" => "audio",
        "mp4" | "m4v" | "mov" | "webm" | "mkv" | "avi" => "video",
        "pdf" => "pdf",
        _ => return None,
    })
}

fn family_of(media_type: &str) -> Option<&'static str> {
    let (kind, sub) = media_type.split_once('/')?;
    Some(match (kind, sub) {
        ("image", "svg+xml") => "markup",
        ("image", _) => "image",
        ("audio", _) => "audio",
        ("video", _) => "video",
        ("application", "pdf") => "pdf",
        ("text", "html") => "markup",
        _ => return None,
    })
}

/// Whether what was sniffed agrees with what the client claimed.
pub fn agrees(sniffed: &str, claimed: Option<&'static str>) -> bool {
    match claimed {
        None => true,
        // A webm holds sound or film; browsers label either way.
        Some("audio" | "video") => matches!(family_of(sniffed), Some("audio" | "video")),
        Some(family) => family_of(sniffed) == Some(family),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PNG: &[u8] = b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR\0\0\0\x01\0\0\0\x01\x08\x06\0\0\0";

    #[test]
    fn content_decides_never_the_name() {
        assert_eq!(media_type(PNG), "image/png");
        assert_eq!(media_type(b"%PDF-1.7\n%\xe2\xe3"), "application/pdf");
        assert_eq!(media_type(b"  <!DOCTYPE html><p>hi"), "text/html");
        assert_eq!(
            media_type(b"<svg xmlns='http://www.w3.org/2000/svg'><script>"),
            "image/svg+xml"
        );
        assert_eq!(
            media_type(b"Hello\nthere, \xc3\xa6\xc3\xb8\xc3\xa5"),
            "text/plain"
        );
        assert_eq!(
            media_type(b"\x00\x01\x02garbage"),
            "application/octet-stream"
        );
        assert_eq!(media_type(b"notes <script>alert(1)</script>"), "text/plain");
        assert_eq!(media_type(b"<div onclick=x>"), "text/html");
    }

    #[test]
    fn allowed_types_and_claims() {
        let allowed = vec!["image/png".to_owned(), "audio/*".to_owned()];
        assert!(is_allowed("image/png", &allowed));
        assert!(is_allowed("audio/mpeg", &allowed));
        assert!(!is_allowed("text/html", &allowed));
        assert!(!is_allowed("image/svg+xml", &allowed));

        let claimed = claimed_family(Some("image/png"), "x");
        assert!(!agrees("text/html", claimed));
        assert!(agrees("image/png", claimed));
        assert!(!agrees("text/plain", claimed_family(None, "photo.png")));
        assert!(agrees(
            "audio/webm",
            claimed_family(Some("video/webm"), "clip.webm")
        ));
        assert!(agrees(
            "text/plain",
            claimed_family(Some("application/octet-stream"), "notes.txt")
        ));
    }
}
