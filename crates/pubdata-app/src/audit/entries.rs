//! Reading the log's entries: a range by index (what a verifier fetches), a search (the
//! audit view), and one entry with its inclusion proof. Auditors and the authority only;
//! each read is itself recorded.

use crate::action::Audited;
use crate::error::{FieldError, Problems};
use crate::platform::{Page, page_limit};
use crate::{ActionError, App};
use chrono::{FixedOffset, NaiveDate, TimeZone};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, CanonicalEntry, Target};
use pubdata_core::merkle::{self, Hash, NodeId};
use pubdata_core::policy;
use pubdata_store::audit::{self as store, AuditFilter, CheckpointRow};

/// Most entries one range read returns.
pub const MAX_RANGE: u64 = 1000;
/// Entries a range read returns when no end is given.
const DEFAULT_RANGE: u64 = 100;

/// One entry as logged: its fields, and the canonical bytes whose hash is its leaf.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LoggedEntry {
    pub entry: CanonicalEntry,
    pub bytes: Vec<u8>,
}

impl From<CanonicalEntry> for LoggedEntry {
    fn from(entry: CanonicalEntry) -> Self {
        LoggedEntry {
            bytes: entry.to_bytes(),
            entry,
        }
    }
}

/// A range of entries and where the next range starts, if the range was cut at [`MAX_RANGE`].
#[derive(Debug, Clone)]
pub struct EntryRange {
    pub items: Vec<LoggedEntry>,
    pub next_start: Option<u64>,
}

/// Entries `start..end` (end exclusive; default `start + 100`; at most 1000 a call).
pub async fn list_audit_entries(
    app: &App,
    actor: &Actor,
    start: u64,
    end: Option<u64>,
) -> Result<EntryRange, ActionError> {
    let a = Audited::new(app, actor, Action::ListAuditEntries);
    a.finish(
        async {
            policy::view_audit_log(actor, a.action)?;
            let mut tx = a.begin().await?;
            let size = store::size(&mut tx).await?;
            let end = match end {
                Some(e) if e < start => return Err(ActionError::BadRequest("end_before_start")),
                Some(e) if e > size => return Err(ActionError::BadRequest("end_beyond_log")),
                Some(e) => e,
                None if start > size => return Err(ActionError::BadRequest("index_beyond_size")),
                None => (start + DEFAULT_RANGE).min(size),
            };
            a.set_target(Target::new("audit", format!("{start}..{end}")));
            let cut = end.min(start.saturating_add(MAX_RANGE));
            let items = store::range(&mut tx, start, cut).await?;
            a.commit(tx).await?;
            Ok(EntryRange {
                items: items.into_iter().map(LoggedEntry::from).collect(),
                next_start: (cut < end).then_some(cut),
            })
        }
        .await,
    )
    .await
}

/// The audit view's search, as a person types it: every field optional.
#[derive(Debug, Clone, Default)]
pub struct AuditQuery {
    /// A user name: the entries that user acted in (and sign-ins to that account).
    pub actor: Option<String>,
    pub org_id: Option<String>,
    pub action: Option<String>,
    /// `kind/id`, or `kind/` for every target of a kind.
    pub target: Option<String>,
    pub decision: Option<String>,
    /// `YYYY-MM-DD` (a day in China Standard Time) or RFC 3339; `to` is inclusive of its day.
    pub from: Option<String>,
    pub to: Option<String>,
}

fn nonempty(v: &Option<String>) -> Option<&str> {
    v.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// China Standard Time: the calendar days a person types are Beijing days.
fn cst() -> FixedOffset {
    FixedOffset::east_opt(8 * 3600).expect("+08:00 is a valid offset")
}

/// A time bound in Unix ms; a bare date is the start of that day (`next_day` → of the next).
fn parse_time(v: &str, next_day: bool) -> Option<i64> {
    if let Ok(t) = chrono::DateTime::parse_from_rfc3339(v) {
        return Some(t.timestamp_millis());
    }
    let d = NaiveDate::parse_from_str(v, "%Y-%m-%d").ok()?;
    let d = if next_day { d.succ_opt()? } else { d };
    let t = cst()
        .from_local_datetime(&d.and_hms_opt(0, 0, 0)?)
        .single()?;
    Some(t.timestamp_millis())
}

/// Checks the query and makes the store's filter (the actor by name is resolved by the caller).
fn parse_query(q: &AuditQuery) -> Result<AuditFilter, ActionError> {
    let mut p = Problems::default();
    let mut f = AuditFilter::default();
    if let Some(action) = nonempty(&q.action) {
        if Action::parse(action).is_none() {
            p.add(
                "invalid_input",
                FieldError::new("action", "invalid_action", "没有这种操作", "no such action"),
            );
        }
        f.action = Some(action.to_owned());
    }
    if let Some(d) = nonempty(&q.decision) {
        if d != "allow" && d != "deny" {
            p.add(
                "invalid_input",
                FieldError::new(
                    "decision",
                    "invalid_decision",
                    "结果应为 allow 或 deny",
                    "decision must be allow or deny",
                ),
            );
        }
        f.decision = Some(d.to_owned());
    }
    for (field, value, next_day) in [("from", &q.from, false), ("to", &q.to, true)] {
        if let Some(v) = nonempty(value) {
            match parse_time(v, next_day) {
                Some(ms) if field == "from" => f.from_ms = Some(ms),
                Some(ms) => f.to_ms = Some(ms),
                None => p.add(
                    "invalid_input",
                    FieldError::new(
                        field,
                        "invalid_time",
                        "时间应为 YYYY-MM-DD 或 RFC 3339 格式",
                        "time must be YYYY-MM-DD or RFC 3339",
                    ),
                ),
            }
        }
    }
    f.actor_org_id = nonempty(&q.org_id).map(str::to_owned);
    f.target = nonempty(&q.target).map(str::to_owned);
    p.finish()?;
    Ok(f)
}

/// Searches the log, newest first. The cursor is the index to continue below.
pub async fn search_audit_entries(
    app: &App,
    actor: &Actor,
    query: &AuditQuery,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<Page<CanonicalEntry>, ActionError> {
    let a = Audited::new(app, actor, Action::ListAuditEntries);
    a.finish(
        async {
            policy::view_audit_log(actor, a.action)?;
            let mut filter = parse_query(query)?;
            let before = match cursor.map(str::trim).filter(|c| !c.is_empty()) {
                Some(c) => Some(
                    c.parse::<u64>()
                        .map_err(|_| ActionError::BadRequest("bad_cursor"))?,
                ),
                None => None,
            };
            let limit = page_limit(limit);
            a.set_target(Target::new("audit", "search"));
            let mut tx = a.begin().await?;
            if let Some(name) = nonempty(&query.actor) {
                match pubdata_store::users::get_by_username(&mut tx, name).await? {
                    Some(u) => filter.actor_user_id = Some(u.id),
                    None => filter.actor_username = Some(name.to_owned()),
                }
            }
            let mut items = store::search(&mut tx, &filter, before, limit + 1).await?;
            a.commit(tx).await?;
            let next_cursor = if items.len() as i64 > limit {
                items.truncate(limit as usize);
                items.last().map(|e| e.index.to_string())
            } else {
                None
            };
            Ok(Page { items, next_cursor })
        }
        .await,
    )
    .await
}

/// One entry, with the proof that the latest checkpoint includes it.
#[derive(Debug, Clone)]
pub struct EntryDetail {
    pub logged: LoggedEntry,
    /// SHA-256(0x00 ‖ bytes), computed now from the stored fields.
    pub leaf_hash: Hash,
    /// The leaf hash written into the tree when the entry was appended.
    pub stored_leaf_hash: Option<Hash>,
    pub checkpoint: CheckpointRow,
    /// Empty when the entry came after the latest checkpoint.
    pub audit_path: Vec<Hash>,
    /// The proof checks out against the root in the checkpoint's signed note.
    pub verified: bool,
}

pub async fn get_audit_entry(
    app: &App,
    actor: &Actor,
    index: u64,
) -> Result<EntryDetail, ActionError> {
    let a =
        Audited::new(app, actor, Action::GetAuditEntry).with_target(Target::new("audit", index));
    a.finish(
        async {
            policy::view_audit_log(actor, a.action)?;
            let checkpoint = super::latest_checkpoint(app).await?;
            let mut tx = a.begin().await?;
            let entry = store::range(&mut tx, index, index + 1)
                .await?
                .pop()
                .ok_or(ActionError::NotFound("audit_entry_not_found"))?;
            let logged = LoggedEntry::from(entry);
            let leaf_hash = merkle::leaf_hash(&logged.bytes);
            let leaf = NodeId { level: 0, index };
            let size = checkpoint.tree_size;
            let mut needs = if index < size {
                merkle::inclusion_needs(index, size)?
            } else {
                vec![]
            };
            needs.push(leaf);
            let found = store::nodes(&mut tx, &needs).await?;
            let keys = store::keys(&mut tx).await?;
            a.commit(tx).await?;
            // The root proved against is the one inside the signed note, checked with the
            // log's keys — not the copy in the checkpoint's row.
            let keys: Vec<_> = keys
                .iter()
                .filter_map(|k| pubdata_core::note::VerifierKey::parse(&k.verifier).ok())
                .collect();
            let signed_root = pubdata_core::note::open_checkpoint(&checkpoint.note, &keys)
                .ok()
                .filter(|c| c.size == checkpoint.tree_size)
                .map(|c| c.root);
            let get = |id| found.get(&id).copied();
            let audit_path = if index < size {
                merkle::inclusion_proof(index, size, get).unwrap_or_default()
            } else {
                vec![]
            };
            let verified = index < size
                && signed_root.is_some_and(|root| {
                    merkle::verify_inclusion(index, size, &leaf_hash, &audit_path, &root).is_ok()
                });
            Ok(EntryDetail {
                stored_leaf_hash: get(leaf),
                logged,
                leaf_hash,
                checkpoint,
                audit_path,
                verified,
            })
        }
        .await,
    )
    .await
}
