//! Badge images as PNG, for backpacks and profiles that take no SVG, and
//! baking: a credential carried inside the image in an `iTXt` chunk
//! (keyword `openbadges` for a 2.0 assertion, `openbadgecredential` for a
//! 3.0 credential), so the picture itself can be verified.

use std::sync::{Arc, OnceLock};

use resvg::{tiny_skia, usvg};

/// Rendered size: what backpacks show, sharp on a phone.
const SIZE: u32 = 400;

/// The most a supplied image may take to render: a crafted SVG must not
/// tie up a worker.
const MAX_NODES: usize = 20_000;

#[derive(Debug, thiserror::Error)]
pub enum PngError {
    #[error("the badge image cannot be drawn: {0}")]
    Render(String),
}

/// The fonts of the machine, loaded once: text on generated badges uses a
/// generic family, so any sans-serif font will do.
fn fonts() -> Arc<usvg::fontdb::Database> {
    static FONTS: OnceLock<Arc<usvg::fontdb::Database>> = OnceLock::new();
    FONTS
        .get_or_init(|| {
            let mut db = usvg::fontdb::Database::new();
            db.load_system_fonts();
            Arc::new(db)
        })
        .clone()
}

/// Draws an SVG into a square PNG.
pub fn render(svg: &str) -> Result<Vec<u8>, PngError> {
    let options = usvg::Options {
        fontdb: fonts(),
        // Nothing outside the document is ever loaded.
        resources_dir: None,
        image_href_resolver: usvg::ImageHrefResolver {
            resolve_data: Box::new(|_, _, _| None),
            resolve_string: Box::new(|_, _| None),
        },
        ..usvg::Options::default()
    };
    let tree = usvg::Tree::from_str(svg, &options).map_err(|e| PngError::Render(e.to_string()))?;
    if count_nodes(tree.root()) > MAX_NODES {
        return Err(PngError::Render("the image has too many parts".into()));
    }
    let size = tree.size();
    let mut pixmap = tiny_skia::Pixmap::new(SIZE, SIZE)
        .ok_or_else(|| PngError::Render("cannot allocate the image".into()))?;
    let scale = (SIZE as f32 / size.width()).min(SIZE as f32 / size.height());
    let offset_x = (SIZE as f32 - size.width() * scale) / 2.0;
    let offset_y = (SIZE as f32 - size.height() * scale) / 2.0;
    let transform =
        tiny_skia::Transform::from_scale(scale, scale).post_translate(offset_x, offset_y);
    resvg::render(&tree, transform, &mut pixmap.as_mut());
    pixmap
        .encode_png()
        .map_err(|e| PngError::Render(e.to_string()))
}

fn count_nodes(group: &usvg::Group) -> usize {
    group
        .children()
        .iter()
        .map(|node| match node {
            usvg::Node::Group(inner) => 1 + count_nodes(inner),
            _ => 1,
        })
        .sum()
}

const SIGNATURE: &[u8] = b"\x89PNG\r\n\x1a\n";

/// Puts `text` into the PNG as an uncompressed international text chunk
/// right after the header (Open Badges Baking), replacing any chunk with
/// the same keyword. `None` when `png` is not a PNG.
pub fn bake(png: &[u8], keyword: &str, text: &str) -> Option<Vec<u8>> {
    let mut chunk_data = Vec::with_capacity(keyword.len() + text.len() + 5);
    chunk_data.extend_from_slice(keyword.as_bytes());
    // Keyword end, not compressed, compression method, empty language
    // tag, empty translated keyword.
    chunk_data.extend_from_slice(&[0, 0, 0, 0, 0]);
    chunk_data.extend_from_slice(text.as_bytes());
    let mut out = Vec::with_capacity(png.len() + chunk_data.len() + 12);
    out.extend_from_slice(png.get(..8).filter(|s| *s == SIGNATURE)?);
    let mut at = 8;
    let mut baked = false;
    while at + 12 <= png.len() {
        let length = u32::from_be_bytes(png[at..at + 4].try_into().ok()?) as usize;
        let end = at.checked_add(12)?.checked_add(length)?;
        let chunk = png.get(at..end)?;
        let kind = &chunk[4..8];
        let data = &chunk[8..8 + length];
        let same_keyword = kind == b"iTXt"
            && data.starts_with(keyword.as_bytes())
            && data.get(keyword.len()) == Some(&0);
        if !same_keyword {
            out.extend_from_slice(chunk);
        }
        if kind == b"IHDR" && !baked {
            write_chunk(&mut out, b"iTXt", &chunk_data);
            baked = true;
        }
        at = end;
    }
    baked.then_some(out)
}

fn write_chunk(out: &mut Vec<u8>, kind: &[u8; 4], data: &[u8]) {
    let length = u32::try_from(data.len()).unwrap_or(u32::MAX);
    out.extend_from_slice(&length.to_be_bytes());
    out.extend_from_slice(kind);
    out.extend_from_slice(data);
    let mut crc = crc32fast::Hasher::new();
    crc.update(kind);
    crc.update(data);
    out.extend_from_slice(&crc.finalize().to_be_bytes());
}

/// The text of the `iTXt` chunk with `keyword`, when there is one.
pub fn unbake(png: &[u8], keyword: &str) -> Option<String> {
    let mut at = 8;
    while at + 12 <= png.len() {
        let length = u32::from_be_bytes(png[at..at + 4].try_into().ok()?) as usize;
        let data = png.get(at + 8..at + 8 + length)?;
        if &png[at + 4..at + 8] == b"iTXt"
            && data.starts_with(keyword.as_bytes())
            && data.get(keyword.len()) == Some(&0)
        {
            // Keyword, NUL, flag, method, language NUL, translated NUL.
            let rest = &data[keyword.len() + 3..];
            let language_end = rest.iter().position(|b| *b == 0)?;
            let rest = &rest[language_end + 1..];
            let translated_end = rest.iter().position(|b| *b == 0)?;
            return String::from_utf8(rest[translated_end + 1..].to_vec()).ok();
        }
        at += 12 + length;
    }
    None
}

#[cfg(test)]
mod tests {
    use super::*;

    const SVG: &str = r##"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 10 10" width="10" height="10"><circle cx="5" cy="5" r="4" fill="#036"/></svg>"##;

    #[test]
    fn a_baked_png_carries_the_text_and_stays_a_png() {
        let png = render(SVG).expect("drawn");
        assert!(png.starts_with(SIGNATURE));
        let baked = bake(&png, "openbadges", "https://example.org/a/1").expect("a PNG");
        assert_eq!(
            unbake(&baked, "openbadges").as_deref(),
            Some("https://example.org/a/1")
        );
        // Baking again replaces the chunk rather than adding a second.
        let again = bake(&baked, "openbadges", "second").expect("a PNG");
        assert_eq!(unbake(&again, "openbadges").as_deref(), Some("second"));
        assert_eq!(
            again.len(),
            baked.len() - "https://example.org/a/1".len() + 6
        );
        assert!(bake(b"GIF89a", "openbadges", "x").is_none());
    }

    #[test]
    fn the_chunk_crc_is_the_png_crc() {
        // The CRC-32 of "IEND" with no data, as every PNG ends.
        let mut out = Vec::new();
        write_chunk(&mut out, b"IEND", &[]);
        assert_eq!(&out[8..], &[0xae, 0x42, 0x60, 0x82]);
    }
}
