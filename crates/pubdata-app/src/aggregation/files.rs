//! The file store: where published versions' files live (DESIGN.md §3, "Files") — a local
//! folder by default, any S3-compatible store in production, both through `object_store`.
//!
//! The store is named by a URL:
//!
//! - none: the folder `<data dir>/files`, created when missing;
//! - `file:///abs/path`: that folder, created when missing;
//! - `s3://bucket[/prefix][?option=value&…]`: an S3-compatible store. Options are
//!   `object_store`'s S3 settings by name, e.g. `endpoint=http://127.0.0.1:9000`,
//!   `region=cn-north-1`, `allow_http=true`, `virtual_hosted_style_request=true`
//!   (values percent-decoded). An unknown option is an error, so a typo is not silently
//!   ignored.
//!
//! Credentials come from the environment only — `AWS_ACCESS_KEY_ID`,
//! `AWS_SECRET_ACCESS_KEY`, `AWS_SESSION_TOKEN`, or any other `AWS_*` setting `object_store`
//! knows (web identity, container credentials; instance metadata when none is given), read as
//! `AmazonS3Builder::from_env` reads them. A URL with a key or secret in it is refused: the
//! URL is configuration, which ends up in logs, `ps` listings and support tickets. Options in
//! the URL override the same settings from the environment.

use std::path::{Path, PathBuf};
use std::sync::Arc;

use bytes::Bytes;
use futures_util::stream::{BoxStream, StreamExt, TryStreamExt};
use object_store::aws::{AmazonS3Builder, AmazonS3ConfigKey};
use object_store::local::LocalFileSystem;
use object_store::path::Path as StorePath;
use object_store::prefix::PrefixStore;
use object_store::{GetResultPayload, ObjectStore, ObjectStoreExt, PutPayload, WriteMultipart};

/// Files up to this size are sent in one request; bigger ones in parts of this size.
const PART_SIZE: usize = 8 * 1024 * 1024;
/// Parts in flight at once: bounds the memory an upload takes to about
/// `(MAX_PARTS_IN_FLIGHT + 1) × PART_SIZE`.
const MAX_PARTS_IN_FLIGHT: usize = 4;
/// Read size when streaming a file out of the local folder.
const READ_CHUNK: usize = 256 * 1024;

#[derive(Debug, thiserror::Error)]
pub enum FileStoreError {
    #[error("no file {key} in the file store")]
    NotFound { key: String },
    #[error("invalid file key {key:?}: {reason}")]
    InvalidKey { key: String, reason: String },
    #[error("invalid file store URL: {0}")]
    InvalidUrl(String),
    #[error("{path}: {source}")]
    Io {
        path: PathBuf,
        source: std::io::Error,
    },
    #[error("file store: {0}")]
    Store(object_store::Error),
}

impl FileStoreError {
    /// A stable code for logs and error responses.
    pub fn code(&self) -> &'static str {
        match self {
            FileStoreError::NotFound { .. } => "file_not_found",
            FileStoreError::InvalidKey { .. } => "file_key_invalid",
            FileStoreError::InvalidUrl(_) => "file_store_url_invalid",
            FileStoreError::Io { .. } => "file_io",
            FileStoreError::Store(_) => "file_store_failed",
        }
    }

    fn from_store(key: &str, e: object_store::Error) -> FileStoreError {
        match e {
            object_store::Error::NotFound { .. } => FileStoreError::NotFound {
                key: key.to_owned(),
            },
            e => FileStoreError::Store(e),
        }
    }
}

/// The file store, cheap to clone.
#[derive(Clone)]
pub struct FileStore {
    store: Arc<dyn ObjectStore>,
    description: Arc<str>,
}

impl std::fmt::Debug for FileStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_tuple("FileStore").field(&self.description).finish()
    }
}

impl FileStore {
    /// Opens the store named by `url` (see the module documentation); `None` is the folder
    /// `<data_dir>/files`. Nothing is contacted yet: a wrong endpoint or credential shows at the
    /// first transfer.
    pub fn open(data_dir: &Path, url: Option<&str>) -> Result<FileStore, FileStoreError> {
        Self::open_with_env(data_dir, url, std::env::vars())
    }

    /// [`open`](Self::open) with the environment given, for tests.
    fn open_with_env(
        data_dir: &Path,
        url: Option<&str>,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<FileStore, FileStoreError> {
        match url {
            None => Self::local(&data_dir.join("files")),
            Some(url) => {
                if let Some(path) = url.strip_prefix("file://") {
                    let path = PathBuf::from(percent_decode(path)?);
                    if !path.is_absolute() {
                        return Err(FileStoreError::InvalidUrl(format!(
                            "{url}: a file URL names an absolute folder, e.g. file:///srv/pubdata/files"
                        )));
                    }
                    Self::local(&path)
                } else if let Some(rest) = url.strip_prefix("s3://") {
                    Self::s3(rest, env)
                } else {
                    Err(FileStoreError::InvalidUrl(format!(
                        "{url}: expected file:///folder or s3://bucket[/prefix]?endpoint=…"
                    )))
                }
            }
        }
    }

    fn local(dir: &Path) -> Result<FileStore, FileStoreError> {
        std::fs::create_dir_all(dir).map_err(|source| FileStoreError::Io {
            path: dir.to_owned(),
            source,
        })?;
        let store = LocalFileSystem::new_with_prefix(dir)
            .map_err(FileStoreError::Store)?
            // A published file must survive a crash right after its version is recorded.
            .with_fsync(true)
            // Deleting a version's files leaves no empty folders behind.
            .with_automatic_cleanup(true);
        let dir = std::fs::canonicalize(dir).unwrap_or_else(|_| dir.to_owned());
        Ok(FileStore {
            store: Arc::new(store),
            description: format!("local folder {}", dir.display()).into(),
        })
    }

    /// `rest` is the URL after `s3://`.
    fn s3(
        rest: &str,
        env: impl IntoIterator<Item = (String, String)>,
    ) -> Result<FileStore, FileStoreError> {
        let invalid = |why: String| FileStoreError::InvalidUrl(format!("s3://{rest}: {why}"));
        let (location, query) = rest.split_once('?').unwrap_or((rest, ""));
        let (bucket, prefix) = location.split_once('/').unwrap_or((location, ""));
        if bucket.is_empty() {
            return Err(invalid("no bucket".into()));
        }
        let prefix = percent_decode(prefix.trim_matches('/'))?;
        let prefix =
            StorePath::parse(&prefix).map_err(|e| invalid(format!("prefix {prefix:?}: {e}")))?;

        let mut builder = AmazonS3Builder::new();
        for (key, value) in env {
            if key.starts_with("AWS_")
                && let Ok(config) = key.to_ascii_lowercase().parse()
            {
                builder = builder.with_config(config, value);
            }
        }
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (name, value) = pair.split_once('=').unwrap_or((pair, "true"));
            let name = percent_decode(name)?;
            let config: AmazonS3ConfigKey = name
                .parse()
                .map_err(|_| invalid(format!("unknown option {name:?}")))?;
            if matches!(
                config,
                AmazonS3ConfigKey::AccessKeyId
                    | AmazonS3ConfigKey::SecretAccessKey
                    | AmazonS3ConfigKey::Token
                    | AmazonS3ConfigKey::Encryption(_)
            ) {
                return Err(invalid(format!(
                    "{name} does not belong in the URL: give credentials and keys in the \
                     environment (AWS_ACCESS_KEY_ID, AWS_SECRET_ACCESS_KEY, …)"
                )));
            }
            if matches!(config, AmazonS3ConfigKey::Bucket) {
                return Err(invalid("the bucket is the URL's host".into()));
            }
            builder = builder.with_config(config, percent_decode(value)?);
        }
        builder = builder.with_bucket_name(bucket);

        let endpoint = builder.get_config_value(&AmazonS3ConfigKey::Endpoint);
        let region = builder.get_config_value(&AmazonS3ConfigKey::Region);
        let store = builder.build().map_err(|e| invalid(e.to_string()))?;

        let mut description = format!("s3://{bucket}");
        if !prefix.as_ref().is_empty() {
            description.push('/');
            description.push_str(prefix.as_ref());
        }
        match endpoint {
            Some(endpoint) => {
                description.push_str(" at ");
                description.push_str(&without_userinfo(&endpoint));
            }
            None => description.push_str(" at AWS"),
        }
        if let Some(region) = region {
            description.push_str(&format!(" (region {region})"));
        }
        let store: Arc<dyn ObjectStore> = if prefix.as_ref().is_empty() {
            Arc::new(store)
        } else {
            Arc::new(PrefixStore::new(store, prefix))
        };
        Ok(FileStore {
            store,
            description: description.into(),
        })
    }

    /// Where the files are, for logs and the operators' status page; never a secret.
    pub fn describe(&self) -> String {
        self.description.to_string()
    }

    /// Streams the local file at `path` into the store under `key` (e.g.
    /// `resources/<id>/v3/data.parquet`), replacing any object there, and returns its size.
    /// A file bigger than one part goes up as a multipart upload, a few parts in flight at
    /// a time: never the whole file in memory. The object appears whole or not at all.
    pub async fn put_file(&self, key: &str, path: &Path) -> Result<u64, FileStoreError> {
        let location = store_path(key)?;
        let io = |source| FileStoreError::Io {
            path: path.to_owned(),
            source,
        };
        let file = std::fs::File::open(path).map_err(io)?;
        let expected = file.metadata().map_err(io)?.len();

        let (mut file, first) = read_part(file, path).await?;
        if first.len() < PART_SIZE {
            let size = first.len() as u64;
            self.store
                .put(&location, PutPayload::from(first))
                .await
                .map_err(|e| FileStoreError::from_store(key, e))?;
            check_size(path, expected, size)?;
            return Ok(size);
        }

        let upload = self
            .store
            .put_multipart(&location)
            .await
            .map_err(|e| FileStoreError::from_store(key, e))?;
        let mut upload = WriteMultipart::new_with_chunk_size(upload, PART_SIZE);
        let mut size = first.len() as u64;
        upload.put(first);
        let sent: Result<(), FileStoreError> = async {
            loop {
                let (rest, part) = read_part(file, path).await?;
                file = rest;
                if part.is_empty() {
                    return Ok(());
                }
                size += part.len() as u64;
                upload
                    .wait_for_capacity(MAX_PARTS_IN_FLIGHT)
                    .await
                    .map_err(|e| FileStoreError::from_store(key, e))?;
                upload.put(part);
            }
        }
        .await;
        if let Err(e) = sent {
            let _ = upload.abort().await;
            return Err(e);
        }
        upload
            .finish()
            .await
            .map_err(|e| FileStoreError::from_store(key, e))?;
        check_size(path, expected, size)?;
        Ok(size)
    }

    /// The object's size and a stream of its bytes, for a download response.
    pub async fn get(
        &self,
        key: &str,
    ) -> Result<(u64, BoxStream<'static, Result<Bytes, FileStoreError>>), FileStoreError> {
        let location = store_path(key)?;
        let result = self
            .store
            .get(&location)
            .await
            .map_err(|e| FileStoreError::from_store(key, e))?;
        let size = result.meta.size;
        let owned_key = key.to_owned();
        let stream = match result.payload {
            // The local store hands over the open file; read it in bigger chunks than its
            // default 8 KiB, each off the async threads.
            GetResultPayload::File(file, path) => file_stream(file, path, result.range.start),
            GetResultPayload::Stream(stream) => stream
                .map_err(move |e| FileStoreError::from_store(&owned_key, e))
                .boxed(),
        };
        Ok((size, stream))
    }

    /// Removes the object under `key`. Removing what is not there succeeds, as on S3.
    pub async fn delete(&self, key: &str) -> Result<(), FileStoreError> {
        let location = store_path(key)?;
        match self.store.delete(&location).await {
            Ok(()) | Err(object_store::Error::NotFound { .. }) => Ok(()),
            Err(e) => Err(FileStoreError::Store(e)),
        }
    }
}

fn store_path(key: &str) -> Result<StorePath, FileStoreError> {
    let invalid = |reason: String| FileStoreError::InvalidKey {
        key: key.to_owned(),
        reason,
    };
    if key.is_empty() || key.starts_with('/') || key.ends_with('/') {
        return Err(invalid(
            "a key is a relative path like resources/<id>/v1/data.csv".into(),
        ));
    }
    StorePath::parse(key).map_err(|e| invalid(e.to_string()))
}

/// Reads up to [`PART_SIZE`] bytes off the async threads; fewer only at the end of the file.
async fn read_part(
    mut file: std::fs::File,
    path: &Path,
) -> Result<(std::fs::File, Bytes), FileStoreError> {
    use std::io::Read;
    let owned = path.to_owned();
    tokio::task::spawn_blocking(move || {
        let mut buf = Vec::with_capacity(PART_SIZE);
        (&mut file)
            .take(PART_SIZE as u64)
            .read_to_end(&mut buf)
            .map_err(|source| FileStoreError::Io {
                path: owned,
                source,
            })?;
        Ok((file, Bytes::from(buf)))
    })
    .await
    .map_err(|e| FileStoreError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(e),
    })?
}

fn check_size(path: &Path, expected: u64, sent: u64) -> Result<(), FileStoreError> {
    if expected == sent {
        return Ok(());
    }
    Err(FileStoreError::Io {
        path: path.to_owned(),
        source: std::io::Error::other(format!(
            "the file changed while being stored: {expected} bytes, then {sent}"
        )),
    })
}

fn file_stream(
    file: std::fs::File,
    path: PathBuf,
    start: u64,
) -> BoxStream<'static, Result<Bytes, FileStoreError>> {
    use std::io::{Read, Seek, SeekFrom};
    futures_util::stream::try_unfold(
        (file, path, start == 0),
        move |(mut file, path, positioned)| async move {
            let io_error = |path: &PathBuf, source| FileStoreError::Io {
                path: path.clone(),
                source,
            };
            let join = |e: tokio::task::JoinError| std::io::Error::other(e);
            let step_path = path.clone();
            let step = tokio::task::spawn_blocking(move || {
                if !positioned {
                    file.seek(SeekFrom::Start(start))?;
                }
                let mut buf = Vec::with_capacity(READ_CHUNK);
                (&mut file).take(READ_CHUNK as u64).read_to_end(&mut buf)?;
                Ok::<_, std::io::Error>((file, buf))
            })
            .await
            .map_err(join)
            .and_then(|r| r)
            .map_err(|e| io_error(&step_path, e))?;
            let (file, buf) = step;
            if buf.is_empty() {
                return Ok(None);
            }
            Ok(Some((Bytes::from(buf), (file, path, true))))
        },
    )
    .boxed()
}

/// `%XX` escapes decoded; the result must be UTF-8.
fn percent_decode(text: &str) -> Result<String, FileStoreError> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = bytes
                .get(i + 1..i + 3)
                .and_then(|h| std::str::from_utf8(h).ok());
            let byte = hex
                .and_then(|h| u8::from_str_radix(h, 16).ok())
                .ok_or_else(|| {
                    FileStoreError::InvalidUrl(format!(
                        "{text}: a % not followed by two hex digits"
                    ))
                })?;
            out.push(byte);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out)
        .map_err(|_| FileStoreError::InvalidUrl(format!("{text}: not UTF-8 once decoded")))
}

/// `http://user:pass@host:port` → `http://host:port`.
fn without_userinfo(endpoint: &str) -> String {
    let (scheme, rest) = endpoint.split_once("://").unwrap_or(("", endpoint));
    let authority_end = rest.find('/').unwrap_or(rest.len());
    let rest = match rest[..authority_end].rfind('@') {
        Some(at) => &rest[at + 1..],
        None => rest,
    };
    if scheme.is_empty() {
        rest.to_owned()
    } else {
        format!("{scheme}://{rest}")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    struct TempDir(PathBuf);

    impl TempDir {
        fn new(what: &str) -> TempDir {
            let dir = std::env::temp_dir().join(format!(
                "pubdata-files-{what}-{}",
                uuid::Uuid::now_v7().simple()
            ));
            std::fs::create_dir_all(&dir).unwrap();
            TempDir(dir)
        }
    }

    impl Drop for TempDir {
        fn drop(&mut self) {
            let _ = std::fs::remove_dir_all(&self.0);
        }
    }

    /// Bytes that differ from part to part, so a part out of place shows.
    fn content(len: usize) -> Vec<u8> {
        let mut state = 0x2545_f491_4f6c_dd1du64;
        (0..len)
            .map(|_| {
                state ^= state << 13;
                state ^= state >> 7;
                state ^= state << 17;
                state as u8
            })
            .collect()
    }

    async fn read_all(store: &FileStore, key: &str) -> Result<(u64, Vec<u8>), FileStoreError> {
        let (size, mut stream) = store.get(key).await?;
        let mut out = Vec::new();
        while let Some(chunk) = stream.next().await {
            out.extend_from_slice(&chunk?);
        }
        Ok((size, out))
    }

    /// Puts a small and a multi-part file, reads both back, deletes them.
    async fn round_trip(store: &FileStore, scratch: &Path) {
        let big = content(2 * PART_SIZE + 12_345);
        let big_path = scratch.join("big.parquet");
        std::fs::write(&big_path, &big).unwrap();
        let small_path = scratch.join("small.csv");
        std::fs::write(&small_path, "a,b\n1,2\n").unwrap();

        let big_key = "resources/r1/v3/data.parquet";
        let small_key = "resources/r1/v3/data.csv";
        assert_eq!(
            store.put_file(big_key, &big_path).await.unwrap(),
            big.len() as u64
        );
        assert_eq!(store.put_file(small_key, &small_path).await.unwrap(), 8);

        let (size, bytes) = read_all(store, big_key).await.unwrap();
        assert_eq!(size, big.len() as u64);
        assert!(bytes == big, "the big file came back different");
        assert_eq!(
            read_all(store, small_key).await.unwrap(),
            (8, b"a,b\n1,2\n".to_vec())
        );

        // Replacing an object replaces it.
        std::fs::write(&small_path, "a,b\n").unwrap();
        assert_eq!(store.put_file(small_key, &small_path).await.unwrap(), 4);
        assert_eq!(
            read_all(store, small_key).await.unwrap(),
            (4, b"a,b\n".to_vec())
        );

        for key in [big_key, small_key] {
            store.delete(key).await.unwrap();
            let err = read_all(store, key).await.unwrap_err();
            assert!(
                matches!(&err, FileStoreError::NotFound { key: k } if k == key),
                "{err}"
            );
            assert_eq!(err.code(), "file_not_found");
            // Deleting again is not an error.
            store.delete(key).await.unwrap();
        }
        assert!(matches!(
            store.get("resources/r1/v9/none.csv").await.err(),
            Some(FileStoreError::NotFound { .. })
        ));
    }

    #[tokio::test]
    async fn local_folder_round_trip() {
        let dir = TempDir::new("local");
        let store = FileStore::open(&dir.0, None).unwrap();
        let files = dir.0.join("files");
        assert!(files.is_dir());
        assert_eq!(
            store.describe(),
            format!(
                "local folder {}",
                std::fs::canonicalize(&files).unwrap().display()
            )
        );
        let scratch = dir.0.join("scratch");
        std::fs::create_dir_all(&scratch).unwrap();
        round_trip(&store, &scratch).await;
        // Deleting removed the emptied folders too.
        assert_eq!(std::fs::read_dir(&files).unwrap().count(), 0);

        // A file URL names the folder itself.
        let elsewhere = dir.0.join("else where");
        let url = format!("file://{}", elsewhere.display()).replace(' ', "%20");
        let store = FileStore::open(&dir.0, Some(&url)).unwrap();
        std::fs::write(scratch.join("x"), "x").unwrap();
        store.put_file("a/b.csv", &scratch.join("x")).await.unwrap();
        assert_eq!(std::fs::read(elsewhere.join("a/b.csv")).unwrap(), b"x");
    }

    #[tokio::test]
    async fn keys_and_urls_are_checked() {
        let dir = TempDir::new("checks");
        let store = FileStore::open(&dir.0, None).unwrap();
        for key in ["", "/abs", "a/../b", "a//b", "dir/"] {
            let err = store.delete(key).await.unwrap_err();
            assert_eq!(err.code(), "file_key_invalid", "{key:?}");
        }
        let missing = store
            .put_file("a.csv", &dir.0.join("missing"))
            .await
            .unwrap_err();
        assert_eq!(missing.code(), "file_io");

        let open = |url: &str| FileStore::open_with_env(&dir.0, Some(url), Vec::new());
        for url in [
            "ftp://host/x",
            "file://relative/path",
            "s3://",
            "s3://bucket?endpoint=http://h&typo_option=1",
            "s3://bucket?secret_access_key=abc",
            "s3://bucket?aws_access_key_id=abc",
            "s3://bucket?endpoint=%zz",
        ] {
            let err = open(url).err().unwrap_or_else(|| panic!("{url} opened"));
            assert_eq!(err.code(), "file_store_url_invalid", "{url}: {err}");
        }

        let env = vec![
            ("AWS_ACCESS_KEY_ID".to_owned(), "AKID".to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), "very-secret".to_owned()),
            ("AWS_REGION".to_owned(), "us-west-2".to_owned()),
        ];
        let store = FileStore::open_with_env(
            &dir.0,
            Some("s3://bucket/some/prefix/?endpoint=http%3A%2F%2Fu%3Apw%40minio:9000&region=cn-north-1&allow_http=true"),
            env,
        )
        .unwrap();
        assert_eq!(
            store.describe(),
            "s3://bucket/some/prefix at http://minio:9000 (region cn-north-1)"
        );
        assert!(!format!("{store:?}").contains("secret"));
    }

    /// The child process of an S3 server, killed when the test ends however it ends.
    struct Server(std::process::Child);

    impl Drop for Server {
        fn drop(&mut self) {
            let _ = self.0.kill();
            let _ = self.0.wait();
        }
    }

    fn s3s_fs_binary() -> Option<PathBuf> {
        if let Some(bin) = std::env::var_os("PUBDATA_TEST_S3FS_BIN") {
            return Some(PathBuf::from(bin));
        }
        let path = std::env::var_os("PATH")?;
        std::env::split_paths(&path)
            .map(|d| d.join("s3s-fs"))
            .find(|p| p.is_file())
    }

    /// The same round trip against a real S3 server: the `s3s-fs` binary (crates.io
    /// `s3s-fs`, feature `binary`), which serves a folder over the S3 API with signed
    /// requests. Found through `PUBDATA_TEST_S3FS_BIN` or on `PATH`; skipped when absent
    /// unless `PUBDATA_TEST_S3=required`.
    #[tokio::test]
    async fn s3_compatible_round_trip() {
        let required = std::env::var("PUBDATA_TEST_S3").as_deref() == Ok("required");
        let Some(bin) = s3s_fs_binary().filter(|b| b.is_file()) else {
            assert!(
                !required,
                "PUBDATA_TEST_S3=required, but no s3s-fs binary (PUBDATA_TEST_S3FS_BIN or PATH)"
            );
            eprintln!(
                "note: skipped: no s3s-fs binary (set PUBDATA_TEST_S3FS_BIN or put s3s-fs on \
                 PATH; PUBDATA_TEST_S3=required makes this a failure)"
            );
            return;
        };
        let dir = TempDir::new("s3");
        let root = dir.0.join("root");
        std::fs::create_dir_all(root.join("pubdata-test")).unwrap(); // the bucket
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .unwrap()
            .local_addr()
            .unwrap()
            .port();
        let (access, secret) = ("pubdata-test-key", "pubdata-test-secret");
        let _server = Server(
            std::process::Command::new(&bin)
                .args(["--host", "127.0.0.1", "--port", &port.to_string()])
                .args(["--access-key", access, "--secret-key", secret])
                .arg(&root)
                .stdout(std::process::Stdio::null())
                .stderr(std::process::Stdio::null())
                .spawn()
                .unwrap_or_else(|e| panic!("starting {}: {e}", bin.display())),
        );
        let deadline = std::time::Instant::now() + std::time::Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                std::time::Instant::now() < deadline,
                "s3s-fs does not listen on {port}"
            );
            tokio::time::sleep(std::time::Duration::from_millis(50)).await;
        }

        let endpoint = format!("http://127.0.0.1:{port}");
        let url = format!("s3://pubdata-test/site-a?endpoint={endpoint}&allow_http=true");
        let env = vec![
            ("AWS_ACCESS_KEY_ID".to_owned(), access.to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), secret.to_owned()),
        ];
        let store = FileStore::open_with_env(&dir.0, Some(&url), env).unwrap();
        assert_eq!(
            store.describe(),
            format!("s3://pubdata-test/site-a at {endpoint}")
        );
        let scratch = dir.0.join("scratch");
        std::fs::create_dir_all(&scratch).unwrap();

        // The prefix is where the objects land in the bucket.
        let probe = scratch.join("probe");
        std::fs::write(&probe, "probe").unwrap();
        store.put_file("probe.txt", &probe).await.unwrap();
        assert_eq!(
            std::fs::read(root.join("pubdata-test/site-a/probe.txt")).unwrap(),
            b"probe"
        );
        store.delete("probe.txt").await.unwrap();

        round_trip(&store, &scratch).await;

        // A wrong secret is refused by the server, and is not a "not found".
        let env = vec![
            ("AWS_ACCESS_KEY_ID".to_owned(), access.to_owned()),
            ("AWS_SECRET_ACCESS_KEY".to_owned(), "wrong".to_owned()),
        ];
        let wrong = FileStore::open_with_env(&dir.0, Some(&url), env).unwrap();
        let err = wrong.put_file("x.txt", &probe).await.unwrap_err();
        assert_eq!(err.code(), "file_store_failed", "{err}");
    }
}
