//! Batch uploads streamed to disk: a multipart body is written chunk by chunk into
//! `<data dir>/uploads/batch-<id>` (never held whole in memory), stopping with 413 at the
//! configured size. The API and the pages both take files this way; the file is kept until
//! its batch is done (pages: through the mapping step, at most an hour).

use std::path::{Path, PathBuf};

use axum::extract::multipart::{Field, Multipart, MultipartError};
use axum::http::StatusCode;
use pubdata_app::{ActionError, App};
use tokio::io::AsyncWriteExt;

/// How long a kept upload waits for its batch.
pub const KEEP_MS: i64 = 60 * 60 * 1000;

/// A file received, with the other (short) form fields that came with it.
#[derive(Debug, Default)]
pub struct Received {
    /// The upload's id (a random token: safe in a path and a URL).
    pub id: String,
    pub path: PathBuf,
    pub file_name: String,
    pub size: u64,
    /// Form fields other than the file, in order; each at most 4 KiB.
    pub fields: Vec<(String, String)>,
}

impl Received {
    pub fn field(&self, name: &str) -> Option<&str> {
        self.fields
            .iter()
            .find(|(k, _)| k == name)
            .map(|(_, v)| v.as_str())
    }
}

pub fn dir(app: &App) -> PathBuf {
    app.config().data_dir.join("uploads")
}

/// The path of a kept upload, if `id` is one we could have made and it is still there.
pub fn kept(app: &App, id: &str) -> Option<PathBuf> {
    let sane = (20..=100).contains(&id.len())
        && id
            .bytes()
            .all(|b| b.is_ascii_alphanumeric() || b == b'-' || b == b'_');
    let path = dir(app).join(format!("batch-{id}"));
    (sane && path.is_file()).then_some(path)
}

pub fn remove(path: &Path) {
    let _ = std::fs::remove_file(path);
}

fn read_error(e: &MultipartError) -> ActionError {
    if e.status() == StatusCode::PAYLOAD_TOO_LARGE {
        ActionError::BadRequest("body_too_large")
    } else {
        ActionError::BadRequest("invalid_multipart")
    }
}

/// Reads the multipart body: the part named `file` to disk, the others as short texts.
pub async fn receive(app: &App, mut m: Multipart) -> Result<Received, ActionError> {
    let max = app.config().max_upload_bytes;
    let dir = dir(app);
    tokio::fs::create_dir_all(&dir).await.map_err(unexpected)?;
    sweep(&dir).await;
    let mut out = Received::default();
    let mut got_file = false;
    while let Some(field) = m.next_field().await.map_err(|e| read_error(&e))? {
        let name = field.name().unwrap_or_default().to_owned();
        if name == "file" && !got_file {
            got_file = true;
            out.file_name = field
                .file_name()
                .map(|f| f.rsplit(['/', '\\']).next().unwrap_or(f).to_owned())
                .filter(|f| !f.is_empty())
                .unwrap_or_else(|| "upload".to_owned());
            out.id = pubdata_app::secrets::random_token("");
            out.path = dir.join(format!("batch-{}", out.id));
            match write_field(field, &out.path, max).await {
                Ok(size) => out.size = size,
                Err(e) => {
                    remove(&out.path);
                    return Err(e);
                }
            }
        } else {
            // Read chunk by chunk: a text field is short, however the body is sent.
            let mut field = field;
            let mut bytes = Vec::new();
            while let Some(chunk) = field.chunk().await.map_err(|e| read_error(&e))? {
                bytes.extend_from_slice(&chunk);
                if bytes.len() > 4096 {
                    if !out.path.as_os_str().is_empty() {
                        remove(&out.path);
                    }
                    return Err(ActionError::BadRequest("invalid_multipart"));
                }
            }
            let text = String::from_utf8(bytes)
                .map_err(|_| ActionError::BadRequest("invalid_multipart"))?;
            out.fields.push((name, text));
        }
    }
    if !got_file {
        return Err(ActionError::invalid(
            "file_required",
            pubdata_app::FieldError::new(
                "file",
                "file_required",
                "请选择要上传的文件",
                "choose a file to upload",
            ),
        ));
    }
    Ok(out)
}

async fn write_field(mut field: Field<'_>, path: &Path, max: u64) -> Result<u64, ActionError> {
    let mut options = tokio::fs::OpenOptions::new();
    options.write(true).create_new(true);
    #[cfg(unix)]
    options.mode(0o600);
    let mut file = options.open(path).await.map_err(unexpected)?;
    let mut size = 0u64;
    while let Some(chunk) = field.chunk().await.map_err(|e| read_error(&e))? {
        size += chunk.len() as u64;
        if size > max {
            return Err(ActionError::BadRequest("file_too_large"));
        }
        file.write_all(&chunk).await.map_err(unexpected)?;
    }
    file.flush().await.map_err(unexpected)?;
    Ok(size)
}

/// Deletes kept uploads older than [`KEEP_MS`].
async fn sweep(dir: &Path) {
    let Ok(mut entries) = tokio::fs::read_dir(dir).await else {
        return;
    };
    let keep = std::time::Duration::from_millis(KEEP_MS as u64);
    while let Ok(Some(e)) = entries.next_entry().await {
        let is_batch = e
            .file_name()
            .to_str()
            .is_some_and(|n| n.starts_with("batch-"));
        let old = e
            .metadata()
            .await
            .ok()
            .and_then(|m| m.modified().ok())
            .and_then(|t| t.elapsed().ok())
            .is_some_and(|age| age > keep);
        if is_batch && old {
            let _ = tokio::fs::remove_file(e.path()).await;
        }
    }
}

fn unexpected(e: impl std::fmt::Display) -> ActionError {
    ActionError::Unexpected(format!("keeping the upload: {e}"))
}
