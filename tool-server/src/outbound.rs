//! Reading what other servers answer (platform keys, OpenID
//! configurations, registrations, tokens, rosters, line items): never more
//! than a bound per kind of answer, and never shown raw. A refusal is
//! reported with a short excerpt of printable characters.

use serde::de::DeserializeOwned;

/// Bounds per kind of answer, in bytes.
pub const KEYS_LIMIT: usize = 256 * 1024;
pub const CONFIGURATION_LIMIT: usize = 256 * 1024;
pub const TOKEN_LIMIT: usize = 64 * 1024;
/// A page of a roster: Moodle sends a whole course in one page.
pub const ROSTER_PAGE_LIMIT: usize = 16 * 1024 * 1024;
pub const LINE_ITEMS_LIMIT: usize = 2 * 1024 * 1024;
/// What is read of a refusal to quote from it.
const REFUSAL_READ: usize = 8 * 1024;
/// Characters quoted from a refusal.
const REFUSAL_EXCERPT: usize = 200;

#[derive(Debug, thiserror::Error)]
pub enum ReadError {
    #[error("the answer is larger than {limit} bytes")]
    TooLarge { limit: usize },
    #[error("the answer could not be read: {0}")]
    Read(#[from] reqwest::Error),
    #[error("the answer is not what was expected: {0}")]
    Json(#[from] serde_json::Error),
}

/// The body, refused as soon as it is known to exceed `limit`.
pub async fn read_capped(
    mut response: reqwest::Response,
    limit: usize,
) -> Result<Vec<u8>, ReadError> {
    if response
        .content_length()
        .is_some_and(|length| length > limit as u64)
    {
        return Err(ReadError::TooLarge { limit });
    }
    let mut body = Vec::new();
    while let Some(chunk) = response.chunk().await? {
        if body.len() + chunk.len() > limit {
            return Err(ReadError::TooLarge { limit });
        }
        body.extend_from_slice(&chunk);
    }
    Ok(body)
}

/// The body as JSON of type `T`, read within `limit`.
pub async fn read_json<T: DeserializeOwned>(
    response: reqwest::Response,
    limit: usize,
) -> Result<T, ReadError> {
    Ok(serde_json::from_slice(
        &read_capped(response, limit).await?,
    )?)
}

/// The start of a refusal's body, fit for a log line or an error page.
pub async fn refusal_excerpt(mut response: reqwest::Response) -> String {
    let mut body = Vec::new();
    while body.len() < REFUSAL_READ {
        match response.chunk().await {
            Ok(Some(chunk)) => body.extend_from_slice(&chunk),
            _ => break,
        }
    }
    body.truncate(REFUSAL_READ);
    excerpt(&String::from_utf8_lossy(&body), REFUSAL_EXCERPT)
}

/// At most `max_chars` characters of `text`: control characters dropped,
/// runs of whitespace made one space, cut on a character boundary.
pub fn excerpt(text: &str, max_chars: usize) -> String {
    let mut out = String::new();
    let mut count = 0;
    let mut space = false;
    for c in text.chars() {
        if c.is_whitespace() {
            space = !out.is_empty();
            continue;
        }
        if c.is_control() {
            continue;
        }
        let needed = usize::from(space) + 1;
        if count + needed > max_chars {
            out.push('…');
            return out;
        }
        if space {
            out.push(' ');
            space = false;
        }
        out.push(c);
        count += needed;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn an_excerpt_cuts_between_characters_and_keeps_only_printable_ones() {
        // A Norwegian error page whose 300th byte falls inside "ø".
        let page = format!("{}ø{}", "a".repeat(299), "ø".repeat(500));
        let cut = excerpt(&page, 300);
        assert_eq!(cut, format!("{}ø…", "a".repeat(299)));
        assert_eq!(
            excerpt("  Feil:\n\tTilgang\u{0007} nektet  ", 50),
            "Feil: Tilgang nektet"
        );
        assert_eq!(excerpt("kort", 10), "kort");
    }
}
