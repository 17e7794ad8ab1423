//! Compiles every message file in `locales/` into the widget: adding a
//! language is adding `locales/<language>.ftl`.
//!
//! The files are parsed here, with the Fluent project's own parser, into
//! static tables that `src/i18n.rs` resolves; the widget carries neither a
//! Fluent parser nor number formatting, which would cost a sixth of its
//! download. A file that does not parse, or that uses what the resolver does
//! not do (functions, terms, message references, attributes), stops the
//! build with the file, message and reason.

use std::fmt::Write;
use std::path::Path;

use fluent_syntax::ast;

fn main() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("locales");
    println!("cargo:rerun-if-changed={}", dir.display());
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .expect("portfolio-wasm/locales")
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .filter(|path| path.extension().is_some_and(|e| e == "ftl"))
        .collect();
    files.sort();
    let mut out = String::from("static LOCALES: &[(&str, &[(&str, Pattern)])] = &[\n");
    for file in &files {
        println!("cargo:rerun-if-changed={}", file.display());
        let language = file
            .file_stem()
            .and_then(|s| s.to_str())
            .expect("a language tag as file name");
        let source = std::fs::read_to_string(file).expect("read a message file");
        let messages = compile(language, &source).unwrap_or_else(|problem| {
            panic!("locales/{language}.ftl: {problem}");
        });
        writeln!(out, "    ({language:?}, &[").expect("write to a string");
        for (id, pattern) in messages {
            writeln!(out, "        ({id:?}, {pattern}),").expect("write to a string");
        }
        out.push_str("    ]),\n");
    }
    out.push_str("];\n");
    let target = Path::new(&std::env::var("OUT_DIR").expect("OUT_DIR")).join("locales.rs");
    std::fs::write(target, out).expect("write locales.rs");
}

/// Every message of one file as `(id, Rust expression)`, sorted by id.
fn compile(language: &str, source: &str) -> Result<Vec<(String, String)>, String> {
    let resource = fluent_syntax::parser::parse(source).map_err(|(_, errors)| {
        let first = &errors[0];
        let line = source[..first.pos.start.min(source.len())].lines().count();
        format!("line {line}: {:?} ({} errors)", first.kind, errors.len())
    })?;
    let mut messages = Vec::new();
    for entry in resource.body {
        match entry {
            ast::Entry::Message(message) => {
                let id = message.id.name;
                if !message.attributes.is_empty() {
                    return Err(format!("{id}: attributes are not supported"));
                }
                let value = message
                    .value
                    .ok_or_else(|| format!("{id}: a message needs a value"))?;
                let pattern = pattern(&value).map_err(|problem| format!("{id}: {problem}"))?;
                messages.push((id.to_owned(), pattern));
            }
            ast::Entry::Term(term) => {
                return Err(format!("-{}: terms are not supported", term.id.name));
            }
            ast::Entry::Junk { content } => {
                return Err(format!("cannot read {content:?}"));
            }
            _ => {}
        }
    }
    messages.sort_by(|a, b| a.0.cmp(&b.0));
    if let Some(pair) = messages.windows(2).find(|pair| pair[0].0 == pair[1].0) {
        return Err(format!("{} is defined twice in {language}", pair[0].0));
    }
    Ok(messages)
}

fn pattern(pattern: &ast::Pattern<&str>) -> Result<String, String> {
    let mut parts = String::from("&[");
    for element in &pattern.elements {
        match element {
            ast::PatternElement::TextElement { value } => {
                write!(parts, "Part::Text({value:?}),").expect("write to a string");
            }
            ast::PatternElement::Placeable { expression } => {
                parts.push_str(&placeable(expression)?);
                parts.push(',');
            }
        }
    }
    parts.push(']');
    Ok(parts)
}

fn placeable(expression: &ast::Expression<&str>) -> Result<String, String> {
    match expression {
        ast::Expression::Inline(inline) => inline_expression(inline),
        ast::Expression::Select { selector, variants } => {
            let ast::InlineExpression::VariableReference { id } = selector else {
                return Err("only a variable can select a variant".into());
            };
            let mut out = format!("Part::Select({:?}, &[", id.name);
            let mut default = None;
            for (index, variant) in variants.iter().enumerate() {
                if variant.default {
                    default = Some(index);
                }
                let key = match &variant.key {
                    ast::VariantKey::Identifier { name } => format!("Key::Category({name:?})"),
                    ast::VariantKey::NumberLiteral { value } => {
                        let number: i64 = value.parse().map_err(|_| {
                            format!("the variant key {value} is not a whole number")
                        })?;
                        format!("Key::Number({number})")
                    }
                };
                write!(out, "({key}, {}),", pattern(&variant.value)?).expect("write to a string");
            }
            let default = default.ok_or("a select expression needs a default variant")?;
            write!(out, "], {default})").expect("write to a string");
            Ok(out)
        }
    }
}

fn inline_expression(inline: &ast::InlineExpression<&str>) -> Result<String, String> {
    match inline {
        ast::InlineExpression::VariableReference { id } => {
            Ok(format!("Part::Variable({:?})", id.name))
        }
        ast::InlineExpression::StringLiteral { value } if !value.contains('\\') => {
            Ok(format!("Part::Text({value:?})"))
        }
        ast::InlineExpression::NumberLiteral { value } => Ok(format!("Part::Text({value:?})")),
        ast::InlineExpression::Placeable { expression } => placeable(expression),
        other => Err(format!("{other:?} is not supported")),
    }
}
