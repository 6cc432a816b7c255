//! The sharing API's reads: one record by key, a filtered page, a published version's file —
//! each decided by `policy::read_shared` on what the caches hold, limited to the granted
//! fields, masked by grade, and recorded as one audit entry that names the grant, purpose,
//! case, keys, fields and the SHA-256 of exactly the bytes sent (X-Road's request-hash
//! binding: the same hash goes back in the response header, and the entry is in the Merkle
//! log, so provider and consumer can later prove what was sent for which query).
//!
//! The entries go through the audit batcher (group commit): a read returns only after its
//! entry is durable, but one commit serves every read that arrived meanwhile.

use super::cache::{self, GrantData, Subject};
use crate::{ActionError, App, now_ms};
use pubdata_core::Actor;
use pubdata_core::aggregation::cell::parse_cell;
use pubdata_core::aggregation::{Cell, Kind};
use pubdata_core::audit::{Action, AuditEntry, Decision, Target};
use pubdata_core::policy::{self, Basis, GrantCheck, ShareCheck};
use pubdata_core::sharing::grant_state;
use pubdata_core::sharing::view::{FieldRelease, Release, releases};
use pubdata_store::aggregation::records;
use serde::Serialize;
use serde_json::{Map, Value};
use sha2::{Digest, Sha256};
use std::sync::Arc;

/// What an audit entry of a shared read records beside the usual.
#[derive(Debug, Default, Serialize)]
struct Detail<'a> {
    #[serde(skip_serializing_if = "Option::is_none")]
    basis: Option<&'static str>,
    #[serde(skip_serializing_if = "Option::is_none")]
    grant_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    emergency_id: Option<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    case_id: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    keys: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    filters: Option<&'a [(String, String)]>,
    #[serde(skip_serializing_if = "Option::is_none")]
    version: Option<i64>,
    #[serde(skip_serializing_if = "Option::is_none")]
    format: Option<&'a str>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    fields: Vec<String>,
    #[serde(skip_serializing_if = "Vec::is_empty")]
    masked: Vec<String>,
    #[serde(skip_serializing_if = "Option::is_none")]
    sha256: Option<String>,
}

/// A shared read's answer: the exact bytes and their SHA-256 (hex).
#[derive(Debug)]
pub struct SharedBody {
    pub body: Vec<u8>,
    pub sha256: String,
    /// The audit entry's index, for the caller who wants its inclusion proof.
    pub audit_index: u64,
}

/// A shared version file: written to a temporary file first (its hash must be known before it
/// is sent), streamed from there, removed when dropped.
pub struct SharedFile {
    pub path: std::path::PathBuf,
    pub file_name: String,
    pub content_type: &'static str,
    pub size: u64,
    pub sha256: String,
    pub audit_index: u64,
    dir: std::path::PathBuf,
}

impl SharedFile {
    /// The file's bytes in chunks; the temporary file goes when the stream ends or is dropped.
    pub async fn into_stream(
        self,
    ) -> Result<
        futures_util::stream::BoxStream<'static, Result<bytes::Bytes, std::io::Error>>,
        ActionError,
    > {
        use futures_util::StreamExt;
        use tokio::io::AsyncReadExt;
        let file = tokio::fs::File::open(&self.path)
            .await
            .map_err(ActionError::unexpected)?;
        Ok(
            futures_util::stream::unfold(Some((file, self)), |state| async move {
                let (mut file, keep) = state?;
                let mut buf = vec![0u8; 64 * 1024];
                match file.read(&mut buf).await {
                    Ok(0) => None,
                    Ok(n) => {
                        buf.truncate(n);
                        Some((Ok(bytes::Bytes::from(buf)), Some((file, keep))))
                    }
                    Err(e) => Some((Err(e), None)),
                }
            })
            .boxed(),
        )
    }
}

impl Drop for SharedFile {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn hex_sha256(bytes: &[u8]) -> String {
    hex::encode(Sha256::digest(bytes))
}

/// Picks the unit's grant that decides: the first in force (newest first), else the newest,
/// whose state then says why not.
fn pick_grant<'g>(
    grants: &'g [GrantData],
    raises: &[(String, pubdata_core::sharing::Raise)],
    now: i64,
) -> Option<(&'g GrantData, GrantCheck<'g>)> {
    let check = |g: &'g GrantData| GrantCheck {
        id: &g.row.id,
        state: grant_state(g.stored, g.row.starts_at, g.row.expires_at, now),
        fields: &g.fields,
        raw_fields: &g.raw_fields,
        emergency: g
            .row
            .emergency_id
            .as_deref()
            .map(|e| (e, cache::emergency_in_force(raises, e, now))),
    };
    let usable = |c: &GrantCheck<'_>| {
        c.state == pubdata_core::sharing::GrantStatus::Active
            && c.emergency.is_none_or(|(_, live)| live)
    };
    grants
        .iter()
        .map(|g| (g, check(g)))
        .find(|(_, c)| usable(c))
        .or_else(|| grants.first().map(|g| (g, check(g))))
}

/// What a permitted read may release: the resource, the fields and how, the grant it rests
/// on. The decision's basis, grant and emergency are written into `detail` as it is made, so
/// that a refusal's entry names them too.
struct Permitted {
    subject: Arc<Subject>,
    rel: Vec<FieldRelease>,
    masked: Vec<String>,
    grant_id: Option<String>,
}

/// Loads what the decision reads (from the caches), decides, and takes one call from the
/// grant's quota.
async fn permitted(
    app: &App,
    actor: &Actor,
    action: Action,
    resource_id: &str,
    now: i64,
    detail: &mut Detail<'_>,
) -> Result<Permitted, ActionError> {
    let subject = cache::subject(app, resource_id).await?;
    let own = actor.org_id() == Some(subject.provider_org_id.as_str());
    if !subject.published && !own {
        return Err(ActionError::NotFound("resource_not_found"));
    }
    let raises = cache::live_raises(app).await?;
    let (class, raised_by) = cache::class_now(&subject, &raises, now);
    let grants = match actor.org_id() {
        Some(org) if !own => cache::grants_of(app, resource_id, org).await?,
        _ => Default::default(),
    };
    let picked = pick_grant(&grants, &raises, now);
    if let Some((g, _)) = &picked {
        detail.grant_id = Some(g.row.id.clone());
    }
    detail.emergency_id = raised_by.clone();
    let decided = policy::read_shared(
        actor,
        action,
        &ShareCheck {
            provider_org: &subject.provider_org_id,
            class,
            raised_by: raised_by.as_deref(),
            grant: picked.as_ref().map(|(_, c)| *c),
        },
    )?;
    let grant = match decided.basis {
        Basis::Own | Basis::Unconditional { .. } => {
            detail.basis = Some(if decided.basis == Basis::Own {
                "own"
            } else {
                "unconditional"
            });
            detail.grant_id = None;
            None
        }
        Basis::Grant { emergency, .. } => {
            detail.basis = Some("grant");
            if let Some(e) = emergency {
                detail.emergency_id = Some(e.to_owned());
            }
            picked.map(|(g, _)| g)
        }
    };
    if let Some(g) = grant {
        app.caches()
            .sharing
            .take_quota(&g.row.id, g.row.rate_per_minute)
            .map_err(|retry_after| ActionError::TooManyRequests {
                code: "over_quota",
                retry_after,
            })?;
    }
    let rel = releases(&subject.doc.fields, decided.scope);
    let masked = masked_codes(&rel);
    detail.fields = rel.iter().map(|f| f.code.clone()).collect();
    detail.masked = masked.clone();
    let grant_id = grant.map(|g| g.row.id.clone());
    Ok(Permitted {
        subject,
        rel,
        masked,
        grant_id,
    })
}

/// Appends the read's entry through the group commit; a refusal is recorded as well.
async fn record(
    app: &App,
    actor: &Actor,
    action: Action,
    target: Target,
    now: i64,
    detail: &Detail<'_>,
    refused: Option<&ActionError>,
) -> Result<u64, ActionError> {
    let decision = match refused {
        None => Decision::Allow,
        Some(e) => {
            if let ActionError::Unexpected(cause) = e {
                tracing::error!(action = action.as_str(), request_id = actor.request_id(), %cause, "action failed");
            }
            Decision::Deny(e.code().to_owned())
        }
    };
    let detail = serde_json::to_string(detail).map_err(ActionError::unexpected)?;
    let entry = AuditEntry::new(actor, action, Some(target), decision, now)
        .with_detail(Some(detail).filter(|d| d != "{}"));
    app.audit_batcher().append(entry).await
}

/// The answer's bytes: `inner` with the basis, grant and emergency; its hash goes into the
/// entry's detail.
fn answer_body<T: Serialize>(
    inner: T,
    p: &Permitted,
    detail: &mut Detail<'_>,
) -> Result<(Vec<u8>, String), ActionError> {
    let body = serde_json::to_vec(&Envelope {
        inner,
        basis: detail.basis.unwrap_or(""),
        grant_id: p.grant_id.as_deref(),
        emergency_id: detail.emergency_id.as_deref(),
    })
    .map_err(ActionError::unexpected)?;
    let sha = hex_sha256(&body);
    detail.sha256 = Some(sha.clone());
    Ok((body, sha))
}

/// Records the read (allowed or refused) and hands back its answer.
async fn conclude(
    app: &App,
    actor: &Actor,
    action: Action,
    resource_id: &str,
    now: i64,
    detail: &Detail<'_>,
    outcome: Result<(Vec<u8>, String), ActionError>,
) -> Result<SharedBody, ActionError> {
    let audit_index = record(
        app,
        actor,
        action,
        Target::new("resource", resource_id),
        now,
        detail,
        outcome.as_ref().err(),
    )
    .await?;
    let (body, sha256) = outcome?;
    Ok(SharedBody {
        body,
        sha256,
        audit_index,
    })
}

/// The values of one record as released: JSON by code, masked ones as masked text.
fn released_values(rel: &[FieldRelease], values: &[(String, Cell)]) -> Map<String, Value> {
    rel.iter()
        .map(|f| {
            let cell = values.iter().find(|(c, _)| c == &f.code).map(|(_, c)| c);
            let v = match (cell, f.release) {
                (None | Some(Cell::Null), _) => Value::Null,
                (Some(c), Release::Raw) => c.to_json(),
                (Some(c), Release::Masked(m)) => Value::String(m.apply(&c.to_text())),
            };
            (f.code.clone(), v)
        })
        .collect()
}

fn masked_codes(rel: &[FieldRelease]) -> Vec<String> {
    rel.iter()
        .filter(|f| matches!(f.release, Release::Masked(_)))
        .map(|f| f.code.clone())
        .collect()
}

/// One record as the sharing API answers it.
#[derive(Debug, Serialize)]
struct SharedRecord<'a> {
    key: &'a str,
    values: Map<String, Value>,
    masked: &'a [String],
    disputed: bool,
}

#[derive(Debug, Serialize)]
struct Envelope<'a, T: Serialize> {
    #[serde(flatten)]
    inner: T,
    basis: &'static str,
    grant_id: Option<&'a str>,
    emergency_id: Option<&'a str>,
}

/// `GET /share/{resource}/records/{key}`: one record, granted fields only, masked by grade.
pub async fn read_shared_record(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    key: &str,
    case_id: Option<&str>,
) -> Result<SharedBody, ActionError> {
    let action = Action::ReadSharedRecord;
    let now = now_ms();
    let mut detail = Detail {
        case_id,
        keys: vec![key.to_owned()],
        ..Default::default()
    };
    let outcome = async {
        let p = permitted(app, actor, action, resource_id, now, &mut detail).await?;
        let table = p
            .subject
            .table
            .as_ref()
            .ok_or(ActionError::NotFound("record_not_found"))?;
        let v = records::get_current(app.db(), app.hot(), table, key)
            .await?
            .ok_or(ActionError::NotFound("record_not_found"))?;
        let record = SharedRecord {
            key,
            values: released_values(&p.rel, &v.values),
            masked: &p.masked,
            disputed: p.subject.disputed.contains(key),
        };
        answer_body(record, &p, &mut detail)
    }
    .await;
    conclude(app, actor, action, resource_id, now, &detail, outcome).await
}

/// Query parameters of a filtered page that are not field filters.
pub const PAGE_PARAMS: &[&str] = &["cursor", "limit"];

/// `GET /share/{resource}/records?code=value&…`: a page of records whose granted fields equal
/// the given values, in key order; `cursor` is the last key of the previous page.
pub async fn list_shared_records(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    filters: &[(String, String)],
    cursor: Option<&str>,
    limit: Option<u32>,
    case_id: Option<&str>,
) -> Result<SharedBody, ActionError> {
    let action = Action::ListSharedRecords;
    let now = now_ms();
    let mut detail = Detail {
        case_id,
        filters: Some(filters),
        ..Default::default()
    };
    let outcome = async {
        let p = permitted(app, actor, action, resource_id, now, &mut detail).await?;
        let limit = limit.unwrap_or(50).clamp(1, 1000);
        let mut typed = Vec::with_capacity(filters.len());
        for (code, value) in filters {
            let Some(field) = p.subject.doc.fields.iter().find(|f| &f.code == code) else {
                return Err(filter_error(
                    code,
                    "unknown_field",
                    "资源没有这个信息项",
                    "no such field",
                ));
            };
            if !p.rel.iter().any(|r| &r.code == code) {
                return Err(filter_error(
                    code,
                    "filter_not_granted",
                    "只能按授权的信息项查询",
                    "filters may use granted fields only",
                ));
            }
            let kind = Kind::of(field.field_type);
            let cell = parse_cell(kind, value).map_err(|e| {
                filter_error(code, "invalid_filter", e.message_zh(), e.message_en())
            })?;
            typed.push((code.clone(), cell));
        }
        let rows = match p.subject.table.as_ref() {
            None => Vec::new(),
            Some(table) => {
                let mut tx = app.db().begin_read().await?;
                let rows = records::scan_matching(&mut tx, table, &typed, cursor, limit + 1).await;
                tx.rollback().await?;
                let table_cols = &table.columns;
                rows?
                    .into_iter()
                    .map(|(k, cells)| {
                        let named: Vec<(String, Cell)> = table_cols
                            .iter()
                            .map(|c| c.code.clone())
                            .zip(cells)
                            .collect();
                        (k, named)
                    })
                    .collect::<Vec<_>>()
            }
        };
        let more = rows.len() > limit as usize;
        let items: Vec<SharedRecord<'_>> = rows
            .iter()
            .take(limit as usize)
            .map(|(k, values)| SharedRecord {
                key: k,
                values: released_values(&p.rel, values),
                masked: &p.masked,
                disputed: p.subject.disputed.contains(k),
            })
            .collect();
        detail.keys = items.iter().map(|r| r.key.to_owned()).collect();
        #[derive(Serialize)]
        struct Page<'a> {
            items: Vec<SharedRecord<'a>>,
            next_cursor: Option<&'a str>,
        }
        let next = if more {
            items.last().map(|r| r.key)
        } else {
            None
        };
        answer_body(
            Page {
                next_cursor: next,
                items,
            },
            &p,
            &mut detail,
        )
    }
    .await;
    conclude(app, actor, action, resource_id, now, &detail, outcome).await
}

fn filter_error(code: &str, problem: &'static str, zh: &str, en: &str) -> ActionError {
    ActionError::invalid(
        problem,
        crate::FieldError::new(
            code,
            problem,
            format!("{code}：{zh}"),
            format!("{code}: {en}"),
        ),
    )
}

/// `GET /share/{resource}/versions/{n}/file?format=csv|parquet`: the published version as it
/// was, with the granted fields only, masked by grade; made on request (the stored files
/// hold every field) from the record store as of the version's publication.
pub async fn shared_version_file(
    app: &App,
    actor: &Actor,
    resource_id: &str,
    number: i64,
    format: &str,
    case_id: Option<&str>,
) -> Result<SharedFile, ActionError> {
    let action = Action::DownloadSharedVersion;
    let now = now_ms();
    let mut detail = Detail {
        case_id,
        version: Some(number),
        format: Some(format),
        ..Default::default()
    };
    let outcome = async {
        if format != "csv" && format != "parquet" {
            return Err(ActionError::invalid(
                "invalid_format",
                crate::FieldError::new(
                    "format",
                    "invalid_format",
                    "格式应为 csv 或 parquet",
                    "format must be csv or parquet",
                ),
            ));
        }
        let p = permitted(app, actor, action, resource_id, now, &mut detail).await?;
        let file = write_version(app, &p.subject, &p.rel, number, format).await?;
        detail.sha256 = Some(file.sha256.clone());
        Ok(file)
    }
    .await;
    let index = record(
        app,
        actor,
        action,
        Target::new("data_version", format!("{resource_id}/{number}/{format}")),
        now,
        &detail,
        outcome.as_ref().err(),
    )
    .await?;
    let mut file = outcome?;
    file.audit_index = index;
    Ok(file)
}

async fn write_version(
    app: &App,
    subject: &Subject,
    rel: &[FieldRelease],
    number: i64,
    format: &str,
) -> Result<SharedFile, ActionError> {
    use crate::aggregation::export::{ExportColumn, VersionWriter};
    let mut tx = app.db().begin_read().await?;
    let result = async {
        let version = pubdata_store::aggregation::versions::get(&mut tx, &subject.id, number)
            .await?
            .ok_or(ActionError::NotFound("version_not_found"))?;
        let table = subject
            .table
            .as_ref()
            .ok_or(ActionError::NotFound("version_not_found"))?;
        let positions: Vec<Option<usize>> = rel
            .iter()
            .map(|f| table.columns.iter().position(|c| c.code == f.code))
            .collect();
        let columns = rel
            .iter()
            .map(|f| ExportColumn {
                name: f.code.clone(),
                kind: match f.release {
                    Release::Raw => Kind::of(subject.doc.fields[f.index].field_type),
                    Release::Masked(_) => Kind::Text,
                },
            })
            .collect();
        let dir = app
            .config()
            .data_dir
            .join("tmp")
            .join(format!("share-{}", crate::new_id()));
        std::fs::create_dir_all(&dir).map_err(ActionError::unexpected)?;
        let code = subject.doc.code.replace('/', "-");
        let stem = format!("{code}-v{number}-shared");
        let written = async {
            let mut writer =
                VersionWriter::create(&dir, &stem, columns).map_err(ActionError::unexpected)?;
            let mut after: Option<String> = None;
            loop {
                let page = records::scan(
                    &mut tx,
                    table,
                    Some(version.published_at),
                    after.as_deref(),
                    10_000,
                )
                .await?;
                let Some((last, _)) = page.last() else { break };
                after = Some(last.clone());
                let cells: Vec<Vec<Cell>> = page
                    .into_iter()
                    .map(|(_, cells)| {
                        positions
                            .iter()
                            .zip(rel)
                            .map(|(p, f)| {
                                let c = p.map_or(Cell::Null, |p| cells[p].clone());
                                match (f.release, &c) {
                                    (_, Cell::Null) | (Release::Raw, _) => c,
                                    (Release::Masked(m), c) => Cell::Text(m.apply(&c.to_text())),
                                }
                            })
                            .collect()
                    })
                    .collect();
                writer.write_rows(&cells).map_err(ActionError::unexpected)?;
            }
            writer.finish().map_err(ActionError::unexpected)
        }
        .await;
        let files = match written {
            Ok(f) => f,
            Err(e) => {
                let _ = std::fs::remove_dir_all(&dir);
                return Err(e);
            }
        };
        let f = files
            .into_iter()
            .find(|f| f.format == format)
            .ok_or_else(|| ActionError::Unexpected(format!("no {format} file written")))?;
        Ok(SharedFile {
            file_name: f
                .path
                .file_name()
                .map(|n| n.to_string_lossy().into_owned())
                .unwrap_or_else(|| "data".into()),
            path: f.path,
            content_type: if format == "csv" {
                "text/csv; charset=utf-8"
            } else {
                "application/vnd.apache.parquet"
            },
            size: f.size,
            sha256: f.sha256,
            audit_index: 0,
            dir,
        })
    }
    .await;
    tx.rollback().await?;
    result
}
