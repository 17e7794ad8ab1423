//! Statement attachments: reading a `multipart/mixed` request (the
//! statements first, then each attachment's bytes with its SHA-2 in
//! `X-Experience-API-Hash`), checking every hash, and verifying signed
//! statements (Data 2.6: a JWS over the statement, sent as an attachment).

use base64::engine::general_purpose::{STANDARD, URL_SAFE_NO_PAD};
use base64::Engine;
use serde_json::Value;
use sha2::{Digest, Sha224, Sha256, Sha384, Sha512};

use super::store::{same_statement, AttachmentContent};
use super::validate;
use super::{Version, XapiError};

pub const SIGNATURE_USAGE: &str = "http://adlnet.gov/expapi/attachments/signature";

/// One part of a multipart body.
#[derive(Debug)]
pub struct Part {
    pub headers: Vec<(String, String)>,
    pub body: Vec<u8>,
}

impl Part {
    pub fn header(&self, name: &str) -> Option<&str> {
        self.headers
            .iter()
            .find(|(n, _)| n.eq_ignore_ascii_case(name))
            .map(|(_, v)| v.as_str())
    }
}

/// The boundary parameter of a `multipart/mixed` content type.
pub fn boundary(content_type: &str) -> Option<String> {
    content_type.split(';').skip(1).find_map(|parameter| {
        let (name, value) = parameter.split_once('=')?;
        name.trim()
            .eq_ignore_ascii_case("boundary")
            .then(|| value.trim().trim_matches('"').to_owned())
    })
}

fn find(haystack: &[u8], needle: &[u8], from: usize) -> Option<usize> {
    if needle.is_empty() || haystack.len() < needle.len() {
        return None;
    }
    (from..=haystack.len() - needle.len()).find(|&i| &haystack[i..i + needle.len()] == needle)
}

/// Splits a multipart body (RFC 2046, 5.1) into its parts.
pub fn parse_multipart(body: &[u8], boundary: &str) -> Result<Vec<Part>, XapiError> {
    let bad = |why: &str| XapiError::BadRequest(format!("the multipart body is malformed: {why}"));
    let delimiter = format!("--{boundary}");
    let delimiter = delimiter.as_bytes();
    let mut at = find(body, delimiter, 0).ok_or_else(|| bad("no boundary line"))? + delimiter.len();
    let mut parts = Vec::new();
    loop {
        if body[at..].starts_with(b"--") {
            return Ok(parts);
        }
        // The rest of the delimiter line.
        let line_end =
            find(body, b"\r\n", at).ok_or_else(|| bad("a boundary line does not end"))?;
        at = line_end + 2;
        let next_delimiter = [b"\r\n".as_slice(), delimiter].concat();
        let end = find(body, &next_delimiter, at)
            .ok_or_else(|| bad("a part is not closed by a boundary"))?;
        let part = &body[at..end];
        let (head, content) = match find(part, b"\r\n\r\n", 0) {
            Some(split) => (&part[..split], &part[split + 4..]),
            None if part.starts_with(b"\r\n") => (&part[..0], &part[2..]),
            None => return Err(bad("a part has no blank line after its headers")),
        };
        let head = std::str::from_utf8(head).map_err(|_| bad("part headers are not text"))?;
        let headers = head
            .split("\r\n")
            .filter(|line| !line.is_empty())
            .map(|line| {
                line.split_once(':')
                    .map(|(n, v)| (n.trim().to_owned(), v.trim().to_owned()))
                    .ok_or_else(|| bad("a part header has no colon"))
            })
            .collect::<Result<Vec<_>, _>>()?;
        parts.push(Part {
            headers,
            body: content.to_vec(),
        });
        at = end + next_delimiter.len();
    }
}

/// The hex SHA-2 of `content` with the digest length of `expected`.
fn sha2_hex(content: &[u8], like: &str) -> Option<String> {
    Some(match like.len() {
        56 => format!("{:x}", Sha224::digest(content)),
        64 => format!("{:x}", Sha256::digest(content)),
        96 => format!("{:x}", Sha384::digest(content)),
        128 => format!("{:x}", Sha512::digest(content)),
        _ => return None,
    })
}

/// The attachments a statement (and its sub-statement) declares.
fn declared(statement: &Value) -> impl Iterator<Item = &Value> {
    statement["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .chain(
            statement["object"]["attachments"]
                .as_array()
                .into_iter()
                .flatten(),
        )
}

/// Matches the attachment parts to the statements that declare them:
/// every declared attachment without a `fileUrl` must be sent, every part
/// sent must be declared, and every part's bytes must have its hash.
/// Signed statements are verified. Answers the contents to store.
pub fn match_parts(
    statements: &[&Value],
    parts: Vec<Part>,
    version: Version,
) -> Result<Vec<AttachmentContent>, XapiError> {
    let mut contents = Vec::with_capacity(parts.len());
    for part in parts {
        let hash = part
            .header("X-Experience-API-Hash")
            .ok_or_else(|| {
                XapiError::BadRequest(
                    "an attachment part has no X-Experience-API-Hash header".into(),
                )
            })?
            .to_ascii_lowercase();
        if let Some(encoding) = part.header("Content-Transfer-Encoding") {
            if !encoding.eq_ignore_ascii_case("binary") {
                return Err(XapiError::BadRequest(
                    "attachment parts must be sent with Content-Transfer-Encoding: binary".into(),
                ));
            }
        }
        let actual = sha2_hex(&part.body, &hash).ok_or_else(|| {
            XapiError::BadRequest(format!(
                "X-Experience-API-Hash {hash:?} is not a SHA-2 hash"
            ))
        })?;
        if actual != hash {
            return Err(XapiError::BadRequest(format!(
                "the attachment part with X-Experience-API-Hash {hash} has other content (its SHA-2 is {actual})"
            )));
        }
        let declared_here = statements.iter().flat_map(|s| declared(s)).find(|a| {
            a["sha2"]
                .as_str()
                .is_some_and(|s| s.eq_ignore_ascii_case(&hash))
        });
        let Some(attachment) = declared_here else {
            return Err(XapiError::BadRequest(format!(
                "the attachment part with hash {hash} is not declared by any statement"
            )));
        };
        contents.push(AttachmentContent {
            sha2: hash,
            content_type: part
                .header("Content-Type")
                .or(attachment["contentType"].as_str())
                .unwrap_or("application/octet-stream")
                .to_owned(),
            content: part.body,
        });
    }
    for statement in statements {
        for attachment in declared(statement) {
            let hash = attachment["sha2"]
                .as_str()
                .unwrap_or_default()
                .to_ascii_lowercase();
            let sent = contents.iter().any(|c| c.sha2 == hash);
            if !sent && attachment.get("fileUrl").is_none() {
                return Err(XapiError::invalid_statement(
                    "statement.attachments.sha2",
                    format!("the attachment {hash} has no fileUrl and was not sent as a part"),
                ));
            }
        }
        verify_signature(statement, &contents, version)?;
    }
    Ok(contents)
}

/// Checks a signed statement (Data 2.6): the signature attachment is an
/// `application/octet-stream` JWS with RS256/384/512 whose payload is the
/// statement as it was before it was signed; when the JWS header carries an
/// X.509 chain (`x5c`), the signature must verify with its first certificate.
fn verify_signature(
    statement: &Value,
    contents: &[AttachmentContent],
    version: Version,
) -> Result<(), XapiError> {
    let signatures: Vec<&Value> = statement["attachments"]
        .as_array()
        .into_iter()
        .flatten()
        .filter(|a| a["usageType"] == SIGNATURE_USAGE)
        .collect();
    let invalid =
        |reason: &str| XapiError::invalid_statement("statement.attachments", reason.to_owned());
    for signature in signatures {
        if signature["contentType"] != "application/octet-stream" {
            return Err(invalid(
                "a signature attachment must have contentType application/octet-stream",
            ));
        }
        let hash = signature["sha2"]
            .as_str()
            .unwrap_or_default()
            .to_ascii_lowercase();
        let Some(content) = contents.iter().find(|c| c.sha2 == hash) else {
            return Err(invalid(
                "a signature attachment must be sent with the statement",
            ));
        };
        let jws = std::str::from_utf8(&content.content)
            .map_err(|_| invalid("the signature is not a JWS"))?;
        let pieces: Vec<&str> = jws.trim().split('.').collect();
        let [header, payload, signature_bytes] = pieces[..] else {
            return Err(invalid("the signature is not a compact JWS"));
        };
        let decode = |piece: &str| URL_SAFE_NO_PAD.decode(piece.trim_end_matches('=')).ok();
        let header_json: Value = decode(header)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| invalid("the JWS header is not JSON"))?;
        let payload_json: Value = decode(payload)
            .and_then(|b| serde_json::from_slice(&b).ok())
            .ok_or_else(|| invalid("the JWS payload is not a JSON statement"))?;
        let signature_bytes =
            decode(signature_bytes).ok_or_else(|| invalid("the JWS signature is not base64url"))?;
        let algorithm = header_json["alg"].as_str().unwrap_or_default();
        if !matches!(algorithm, "RS256" | "RS384" | "RS512") {
            return Err(invalid(
                "a statement signature must use RS256, RS384 or RS512",
            ));
        }
        let mut unsigned = statement.clone();
        if let Some(list) = unsigned
            .get_mut("attachments")
            .and_then(Value::as_array_mut)
        {
            list.retain(|a| a["usageType"] != SIGNATURE_USAGE);
            if list.is_empty() {
                unsigned.as_object_mut().map(|o| o.remove("attachments"));
            }
        }
        // Normalised as the statement was (context activities as arrays,
        // timestamps in UTC), so only content is compared.
        let mut signed = payload_json.clone();
        validate::statement(
            &mut signed,
            version,
            &validate::Path::root("signature.payload"),
        )
        .map_err(|e| invalid(&format!("the JWS payload is not a valid statement: {e}")))?;
        if signed.get("id").is_none() {
            unsigned.as_object_mut().map(|o| o.remove("id"));
        }
        if let Some(list) = signed.get_mut("attachments").and_then(Value::as_array_mut) {
            list.retain(|a| a["usageType"] != SIGNATURE_USAGE);
            if list.is_empty() {
                signed.as_object_mut().map(|o| o.remove("attachments"));
            }
        }
        if !same_statement(&signed, &unsigned) {
            return Err(invalid(
                "the JWS payload is not the statement that was signed",
            ));
        }
        if let Some(chain) = header_json["x5c"].as_array() {
            let certificate = chain
                .first()
                .and_then(Value::as_str)
                .and_then(|c| STANDARD.decode(c).ok())
                .ok_or_else(|| invalid("the JWS x5c header is not a base64 certificate chain"))?;
            let signing_input = format!("{header}.{payload}");
            verify_rsa(
                &certificate,
                algorithm,
                signing_input.as_bytes(),
                &signature_bytes,
            )
            .map_err(|reason| invalid(&reason))?;
        }
    }
    Ok(())
}

fn verify_rsa(
    certificate_der: &[u8],
    algorithm: &str,
    input: &[u8],
    signature: &[u8],
) -> Result<(), String> {
    use rsa::pkcs1v15::{Signature, VerifyingKey};
    use rsa::pkcs8::DecodePublicKey;
    use rsa::signature::Verifier;
    use x509_cert::der::{Decode, Encode};

    let certificate = x509_cert::Certificate::from_der(certificate_der)
        .map_err(|_| "the x5c certificate is not X.509".to_owned())?;
    let spki = certificate
        .tbs_certificate
        .subject_public_key_info
        .to_der()
        .map_err(|_| "the x5c certificate's key cannot be read".to_owned())?;
    let key = rsa::RsaPublicKey::from_public_key_der(&spki)
        .map_err(|_| "the x5c certificate does not hold an RSA key".to_owned())?;
    let signature =
        Signature::try_from(signature).map_err(|_| "the JWS signature is malformed".to_owned())?;
    let verified = match algorithm {
        "RS256" => VerifyingKey::<Sha256>::new(key).verify(input, &signature),
        "RS384" => VerifyingKey::<Sha384>::new(key).verify(input, &signature),
        _ => VerifyingKey::<Sha512>::new(key).verify(input, &signature),
    };
    verified.map_err(|_| {
        "the statement's signature does not verify with the x5c certificate".to_owned()
    })
}

/// `multipart/mixed` with `json` first, then each attachment's content:
/// the content type (with its boundary) and the body.
pub fn multipart_body(
    json: &Value,
    attachments: &[crate::entities::xapi_attachment::Model],
) -> (String, Vec<u8>) {
    let boundary = format!("carefolio-{}", crate::util::random_token(12));
    let mut multipart = Vec::new();
    multipart.extend_from_slice(
        format!("--{boundary}\r\nContent-Type: application/json\r\n\r\n").as_bytes(),
    );
    multipart.extend_from_slice(json.to_string().as_bytes());
    for attachment in attachments {
        multipart.extend_from_slice(
            format!(
                "\r\n--{boundary}\r\nContent-Type: {}\r\nContent-Transfer-Encoding: binary\r\nX-Experience-API-Hash: {}\r\n\r\n",
                attachment.content_type, attachment.sha2
            )
            .as_bytes(),
        );
        multipart.extend_from_slice(&attachment.content);
    }
    multipart.extend_from_slice(format!("\r\n--{boundary}--\r\n").as_bytes());
    (format!("multipart/mixed; boundary={boundary}"), multipart)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn multipart_bodies_split_into_parts() {
        let body = b"--abc\r\nContent-Type: application/json\r\n\r\n{\"a\":1}\r\n--abc\r\nContent-Type: text/plain\r\nX-Experience-API-Hash: 00\r\n\r\nhello\r\n--abc--\r\n";
        let parts = parse_multipart(body, "abc").expect("valid");
        assert_eq!(parts.len(), 2);
        assert_eq!(parts[0].body, b"{\"a\":1}");
        assert_eq!(parts[1].header("x-experience-api-hash"), Some("00"));
        assert_eq!(parts[1].body, b"hello");
        assert!(parse_multipart(b"--abc\r\n\r\nunterminated", "abc").is_err());
        assert_eq!(
            boundary("multipart/mixed; boundary=\"xyz\"").as_deref(),
            Some("xyz")
        );
    }
}
