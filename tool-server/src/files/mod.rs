//! Evidence files, through the `object_store` crate: a local folder by
//! default, any S3-compatible store in production.
//!
//! An upload streams into a temporary object while its SHA-256 and size
//! are computed and its first bytes sniffed; it is refused (and the
//! temporary object removed) when it is too large, of a type not allowed,
//! of another kind than the client claims, or shorter than announced.
//! Accepted, it becomes `blobs/<sha256>`: a file is stored once however
//! many evidence items use it. Nothing is ever held whole in memory.

pub mod sniff;

use std::sync::Arc;

use bytes::Bytes;
use futures::{Stream, StreamExt};
use object_store::path::Path as StorePath;
use object_store::{ObjectStore, WriteMultipart};
use sha2::{Digest, Sha256};

use crate::config::{FileSettings, Settings};

/// Parts of a multipart upload: S3 wants at least 5 MiB but the last; a
/// local folder takes smaller ones, which keeps less in memory.
const S3_PART_BYTES: usize = 5 * 1024 * 1024;
const LOCAL_PART_BYTES: usize = 1024 * 1024;
/// Parts in flight at once per upload: bounds memory to a few parts.
const PARTS_IN_FLIGHT: usize = 2;
/// Temporary objects older than this are left over from a crash.
pub const STALE_UPLOAD_SECS: i64 = 3600;
const UPLOADS: &str = "uploads";
const BLOBS: &str = "blobs";

#[derive(Debug, thiserror::Error)]
pub enum FileError {
    #[error("the file is larger than the {limit} bytes allowed")]
    TooLarge { limit: u64 },
    #[error("files of type {0} cannot be uploaded")]
    TypeNotAllowed(String),
    #[error("the file says it is {claimed} but its content is {sniffed}")]
    Disguised { claimed: String, sniffed: String },
    #[error("the upload ended after {received} of the {announced} bytes announced")]
    Truncated { received: u64, announced: u64 },
    #[error("the file is empty")]
    Empty,
    #[error("the upload could not be read: {0}")]
    Interrupted(String),
    #[error("no such file")]
    NotFound,
    #[error("the file store failed: {0}")]
    Store(#[from] object_store::Error),
    #[error("the file store is not configured correctly: {0}")]
    Config(String),
}

impl FileError {
    pub fn code(&self) -> &'static str {
        match self {
            FileError::TooLarge { .. } => "file_too_large",
            FileError::TypeNotAllowed(_) => "file_type_not_allowed",
            FileError::Disguised { .. } => "file_type_mismatch",
            FileError::Truncated { .. } | FileError::Interrupted(_) => "upload_incomplete",
            FileError::Empty => "file_empty",
            FileError::NotFound => "file_not_found",
            FileError::Store(_) | FileError::Config(_) => "internal_error",
        }
    }
}

/// A stored file, named by its content.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Blob {
    pub sha256: String,
    pub size: u64,
    pub media_type: String,
}

/// What the client said about an upload; only used to catch disguises.
#[derive(Debug, Default, Clone)]
pub struct Claims {
    pub content_type: Option<String>,
    pub file_name: String,
    /// `Content-Length`, when the client sent one.
    pub length: Option<u64>,
}

#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    part_bytes: usize,
    max_bytes: u64,
    allowed: Arc<[String]>,
}

impl FileStore {
    pub fn from_settings(settings: &Settings) -> Result<FileStore, FileError> {
        let files = &settings.files;
        let store: Arc<dyn ObjectStore> = match &files.s3 {
            Some(s3) => {
                let mut builder = object_store::aws::AmazonS3Builder::new()
                    .with_bucket_name(&s3.bucket)
                    .with_region(&s3.region)
                    .with_access_key_id(&s3.access_key_id)
                    .with_secret_access_key(&s3.secret_access_key)
                    .with_allow_http(s3.allow_http);
                if let Some(endpoint) = &s3.endpoint {
                    builder = builder
                        .with_endpoint(endpoint)
                        .with_virtual_hosted_style_request(false);
                }
                let store = builder
                    .build()
                    .map_err(|e| FileError::Config(e.to_string()))?;
                if s3.prefix.is_empty() {
                    Arc::new(store)
                } else {
                    Arc::new(object_store::prefix::PrefixStore::new(
                        store,
                        s3.prefix.trim_matches('/'),
                    ))
                }
            }
            None => {
                let dir = local_dir(settings, files);
                std::fs::create_dir_all(&dir).map_err(|e| {
                    FileError::Config(format!("cannot create {}: {e}", dir.display()))
                })?;
                Arc::new(
                    object_store::local::LocalFileSystem::new_with_prefix(&dir)
                        .map_err(|e| FileError::Config(e.to_string()))?,
                )
            }
        };
        Ok(FileStore {
            part_bytes: if files.s3.is_some() {
                S3_PART_BYTES
            } else {
                LOCAL_PART_BYTES
            },
            store,
            max_bytes: files.max_upload_bytes,
            allowed: files.allowed_types.clone().into(),
        })
    }

    pub fn max_bytes(&self) -> u64 {
        self.max_bytes
    }

    fn blob_path(sha256: &str) -> StorePath {
        StorePath::from(format!("{BLOBS}/{}/{sha256}", &sha256[..2]))
    }

    /// Streams `body` into the store; see the module documentation.
    pub async fn put<S, E>(&self, body: S, claims: &Claims) -> Result<Blob, FileError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        if claims.length.is_some_and(|length| length > self.max_bytes) {
            return Err(FileError::TooLarge {
                limit: self.max_bytes,
            });
        }
        let temporary = StorePath::from(format!(
            "{UPLOADS}/{}-{}",
            crate::util::now_ms(),
            uuid::Uuid::new_v4().simple()
        ));
        let upload = self.store.put_multipart(&temporary).await?;
        let mut writer = WriteMultipart::new_with_chunk_size(upload, self.part_bytes);
        match self.stream_into(body, claims, &mut writer).await {
            Ok((sha256, size, media_type)) => {
                writer.finish().await?;
                let blob = Blob {
                    sha256,
                    size,
                    media_type,
                };
                let path = Self::blob_path(&blob.sha256);
                if self.store.head(&path).await.is_ok() {
                    self.store.delete(&temporary).await?;
                } else {
                    // The same content under the same name: a race between
                    // two uploads of one file is harmless.
                    self.store.rename(&temporary, &path).await?;
                }
                Ok(blob)
            }
            Err(e) => {
                // Nothing of a refused or broken upload stays behind.
                let _ = writer.abort().await;
                let _ = self.store.delete(&temporary).await;
                Err(e)
            }
        }
    }

    async fn stream_into<S, E>(
        &self,
        mut body: S,
        claims: &Claims,
        writer: &mut WriteMultipart,
    ) -> Result<(String, u64, String), FileError>
    where
        S: Stream<Item = Result<Bytes, E>> + Unpin,
        E: std::fmt::Display,
    {
        let mut hasher = Sha256::new();
        let mut size: u64 = 0;
        let mut head = Vec::with_capacity(sniff::HEAD_BYTES);
        let mut media_type: Option<String> = None;
        while let Some(chunk) = body.next().await {
            let chunk = chunk.map_err(|e| FileError::Interrupted(e.to_string()))?;
            size += chunk.len() as u64;
            if size > self.max_bytes {
                return Err(FileError::TooLarge {
                    limit: self.max_bytes,
                });
            }
            if media_type.is_none() {
                let wanted = sniff::HEAD_BYTES - head.len();
                head.extend_from_slice(&chunk[..chunk.len().min(wanted)]);
                if head.len() == sniff::HEAD_BYTES {
                    media_type = Some(self.check_type(&head, claims)?);
                }
            }
            hasher.update(&chunk);
            writer.wait_for_capacity(PARTS_IN_FLIGHT).await?;
            writer.write(&chunk);
        }
        if size == 0 {
            return Err(FileError::Empty);
        }
        if let Some(announced) = claims.length {
            if announced != size {
                return Err(FileError::Truncated {
                    received: size,
                    announced,
                });
            }
        }
        let media_type = match media_type {
            Some(known) => known,
            None => self.check_type(&head, claims)?,
        };
        let sha256 = hasher
            .finalize()
            .iter()
            .map(|b| format!("{b:02x}"))
            .collect();
        Ok((sha256, size, media_type))
    }

    fn check_type(&self, head: &[u8], claims: &Claims) -> Result<String, FileError> {
        let sniffed = sniff::media_type(head);
        let claimed = sniff::claimed_family(claims.content_type.as_deref(), &claims.file_name);
        if !sniff::agrees(&sniffed, claimed) {
            return Err(FileError::Disguised {
                claimed: claims
                    .content_type
                    .clone()
                    .filter(|t| !t.is_empty() && t != "application/octet-stream")
                    .unwrap_or_else(|| format!("a {} file", claimed.unwrap_or("different"))),
                sniffed,
            });
        }
        if !sniff::is_allowed(&sniffed, &self.allowed) {
            return Err(FileError::TypeNotAllowed(sniffed));
        }
        Ok(sniffed)
    }

    /// The file's bytes as a stream, and its size.
    pub async fn get(
        &self,
        sha256: &str,
    ) -> Result<(u64, impl Stream<Item = Result<Bytes, object_store::Error>>), FileError> {
        if sha256.len() != 64 || !sha256.bytes().all(|b| b.is_ascii_hexdigit()) {
            return Err(FileError::NotFound);
        }
        match self.store.get(&Self::blob_path(sha256)).await {
            Ok(result) => Ok((result.meta.size, result.into_stream())),
            Err(object_store::Error::NotFound { .. }) => Err(FileError::NotFound),
            Err(e) => Err(e.into()),
        }
    }

    /// Removes temporary objects older than [`STALE_UPLOAD_SECS`] (an
    /// instance that died mid-upload); returns how many.
    pub async fn sweep_stale_uploads(&self) -> Result<usize, FileError> {
        let cutoff = crate::util::now_ms() - STALE_UPLOAD_SECS * 1000;
        let prefix = StorePath::from(UPLOADS);
        let mut listing = self.store.list(Some(&prefix));
        let mut stale = Vec::new();
        while let Some(meta) = listing.next().await {
            let meta = meta?;
            let started = meta
                .location
                .filename()
                .and_then(|name| name.split('-').next())
                .and_then(|ms| ms.parse::<i64>().ok())
                .unwrap_or(0);
            if started < cutoff {
                stale.push(meta.location);
            }
        }
        for path in &stale {
            self.store.delete(path).await?;
        }
        Ok(stale.len())
    }

    /// How many temporary objects there are (for tests and status).
    pub async fn pending_uploads(&self) -> Result<usize, FileError> {
        self.count_under(UPLOADS).await
    }

    /// How many stored files there are.
    pub async fn blob_count(&self) -> Result<usize, FileError> {
        self.count_under(BLOBS).await
    }

    async fn count_under(&self, prefix: &str) -> Result<usize, FileError> {
        let prefix = StorePath::from(prefix);
        let mut listing = self.store.list(Some(&prefix));
        let mut count = 0;
        while let Some(meta) = listing.next().await {
            meta?;
            count += 1;
        }
        Ok(count)
    }
}

fn local_dir(settings: &Settings, files: &FileSettings) -> std::path::PathBuf {
    files
        .local_dir
        .clone()
        .unwrap_or_else(|| settings.data_dir.join("files"))
}
