//! The audit view (审计日志), for auditors and the authority: the latest signed tree head
//! with how anyone can check it, a search over the log, and one entry with its inclusion
//! proof and a plain verdict. The authority also signs a tree head or rotates the key here.
//!
//! Every search and every entry opened is itself an audited read (the actions record them);
//! the tree head and the keys are public and are not.

use super::session::{FormData, Session, encode};
use super::{Chrome, FormErrors, Opt, all_orgs, beijing, fixable, i18n, is_admin, render};
use crate::AppState;
use crate::problem::{Lang, status_of, title};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use base64::Engine;
use base64::engine::general_purpose::STANDARD as B64;
use pubdata_app::ActionError;
use pubdata_app::audit::checkpoints::PublicKeys;
use pubdata_app::audit::{self, CheckpointRow, entries::AuditQuery};
use pubdata_app::platform::orgs::Org;
use pubdata_core::audit::{Action, CanonicalEntry};
use pubdata_core::merkle::Hash;
use std::collections::HashMap;

/// Entries a page of the search shows.
const PAGE_SIZE: i64 = 50;

/// The search's fields, as they appear in the query string (and in the "next page" link).
const FILTERS: [&str; 7] = [
    "actor", "org_id", "action", "target", "decision", "from", "to",
];

fn b64(h: &Hash) -> String {
    B64.encode(h)
}

/// Unix ms as `YYYY-MM-DD HH:MM:SS` China Standard Time.
fn cst(ms: i64) -> String {
    chrono::DateTime::from_timestamp_millis(ms)
        .map(|t| {
            t.with_timezone(&beijing())
                .format("%Y-%m-%d %H:%M:%S")
                .to_string()
        })
        .unwrap_or_else(|| ms.to_string())
}

fn org_name<'a>(orgs: &'a [Org], id: &str) -> Option<&'a str> {
    orgs.iter().find(|o| o.id == id).map(|o| o.name.as_str())
}

/// User names by user id, as the entries themselves pair them. A target `user/<id>` (a
/// sign-in's, say, whose actor is nobody yet) is shown by name when the log names that id;
/// reading every user to name the rest would not scale to a city's public users.
fn names_in(entries: &[CanonicalEntry]) -> HashMap<String, String> {
    entries
        .iter()
        .filter_map(|e| Some((e.actor_user_id.clone()?, e.actor_username.clone()?)))
        .collect()
}

/// The name to show for a target: a unit's name, a user's name, when known.
fn target_name(target: &str, orgs: &[Org], users: &HashMap<String, String>) -> Option<String> {
    match target.split_once('/') {
        Some(("org", id)) => org_name(orgs, id).map(str::to_owned),
        Some(("user", id)) => users.get(id).cloned(),
        _ => None,
    }
}

/// Who acted, as a person reads it: the user name, else the user id, else who the channel
/// says (the platform itself, or someone not signed in).
fn actor_label(e: &CanonicalEntry, t: &i18n::Tr) -> String {
    match (&e.actor_username, &e.actor_user_id) {
        (Some(n), _) => n.clone(),
        (None, Some(id)) => id.clone(),
        (None, None) if e.channel == "system" || e.channel == "cli" => t.system_actor.to_owned(),
        (None, None) => t.anonymous_actor.to_owned(),
    }
}

/// The signed tree head and the keys, as the top box shows them.
struct CheckpointView {
    size: u64,
    root: String,
    time: String,
    note: String,
    origin: String,
    key: String,
    /// Earlier keys: (verifier, from, retired).
    older: Vec<(String, String, String)>,
}

impl CheckpointView {
    fn new(cp: &CheckpointRow, keys: &PublicKeys) -> CheckpointView {
        CheckpointView {
            size: cp.tree_size,
            root: b64(&cp.root_hash),
            time: cst(cp.created_at),
            note: cp.note.clone(),
            origin: keys.origin.clone(),
            key: keys.current.clone(),
            older: keys
                .keys
                .iter()
                .filter(|k| k.verifier != keys.current)
                .map(|k| {
                    (
                        k.verifier.clone(),
                        cst(k.created_at),
                        k.retired_at.map(cst).unwrap_or_default(),
                    )
                })
                .collect(),
        }
    }
}

struct EntryRow {
    index: u64,
    time: String,
    actor: String,
    /// The user name to filter by, when the entry names one.
    actor_filter: Option<String>,
    unit: Option<(String, String)>,
    channel: String,
    action: String,
    action_code: String,
    target: Option<String>,
    /// The unit's or user's name when the target is one that is known.
    target_name: Option<String>,
    denied: bool,
    /// The refusal's reason: its title in the page's language, and its code.
    reason: Option<(String, String)>,
    request_id: String,
}

fn entry_row(
    e: &CanonicalEntry,
    orgs: &[Org],
    users: &HashMap<String, String>,
    lang: Lang,
) -> EntryRow {
    let t = i18n::tr(lang);
    EntryRow {
        index: e.index,
        time: cst(e.at_ms),
        actor: actor_label(e, t),
        actor_filter: e.actor_username.clone(),
        unit: e.actor_org_id.as_ref().map(|id| {
            (
                id.clone(),
                org_name(orgs, id).unwrap_or(id.as_str()).to_owned(),
            )
        }),
        channel: i18n::channel_label(&e.channel, lang).to_owned(),
        action: i18n::action_label(&e.action, lang).to_owned(),
        action_code: e.action.clone(),
        target: e.target.clone(),
        target_name: e
            .target
            .as_deref()
            .and_then(|t| target_name(t, orgs, users)),
        denied: e.decision == "deny",
        reason: e
            .reason
            .as_ref()
            .map(|r| (title(r, lang).to_owned(), r.clone())),
        request_id: e.request_id.clone(),
    }
}

#[derive(Template)]
#[template(path = "audit.html")]
struct AuditPage {
    c: Chrome,
    cp: CheckpointView,
    admin: bool,
    rotate_errors: FormErrors,
    /// What was typed, by field name (see [`FILTERS`]).
    actor: String,
    target: String,
    from: String,
    to: String,
    units: Vec<Opt>,
    actions: Vec<Opt>,
    decisions: Vec<Opt>,
    errors: FormErrors,
    rows: Vec<EntryRow>,
    next_href: Option<String>,
    first_href: Option<String>,
}

/// `/audit?field=value`: the search narrowed to one actor, unit or target (a link in a cell).
fn only(field: &str, value: &str) -> String {
    format!("/audit?{field}={}", encode(value))
}

impl AuditPage {
    fn only(&self, field: &str, value: &str) -> String {
        only(field, value)
    }
}

/// The search's query string from the page's parameters (empty fields left out).
fn filter_query(s: &Session) -> Vec<String> {
    FILTERS
        .iter()
        .filter_map(|f| {
            s.params
                .get(f)
                .filter(|v| !v.trim().is_empty())
                .map(|v| format!("{f}={}", encode(v)))
        })
        .collect()
}

async fn audit_page(
    st: &AppState,
    s: &Session,
    rotate_errors: FormErrors,
    status: StatusCode,
) -> Response {
    let a = &s.actor;
    let t = s.t();
    let p = |name: &str| s.params.get(name).unwrap_or_default().to_owned();
    let query = AuditQuery {
        actor: Some(p("actor")),
        org_id: Some(p("org_id")),
        action: Some(p("action")),
        target: Some(p("target")),
        decision: Some(p("decision")),
        from: Some(p("from")),
        to: Some(p("to")),
    };
    let cursor = s.params.get("cursor").filter(|c| !c.is_empty());
    // The search first: it decides whether the page may be seen at all, and the unit list
    // read after it does not show up at the top of its own results.
    let mut status = status;
    let (page, errors) =
        match audit::search_audit_entries(&st.app, a, &query, cursor, Some(PAGE_SIZE)).await {
            Ok(page) => (Some(page), FormErrors::default()),
            Err(e) if fixable(&e) => {
                status = status_of(&e);
                (None, FormErrors::from_error(&e, s.lang))
            }
            Err(e) => return s.problem(&e),
        };
    let orgs = match all_orgs(&st.app, a).await {
        Ok(l) => l,
        Err(e) => return s.problem(&e),
    };
    let cp = match audit::latest_checkpoint(&st.app).await {
        Ok(c) => c,
        Err(e) => return s.problem(&e),
    };
    let keys = match audit::public_keys(&st.app).await {
        Ok(k) => k,
        Err(e) => return s.problem(&e),
    };

    let org_id = p("org_id");
    let mut units = vec![Opt::new("", t.all_units, org_id.is_empty())];
    units.extend(
        orgs.iter()
            .map(|o| Opt::new(o.id.clone(), o.name.clone(), o.id == org_id)),
    );
    let action = p("action");
    let mut actions = vec![Opt::new("", t.any_action, action.is_empty())];
    actions.extend(Action::ALL.iter().map(|x| {
        let label = match s.lang {
            Lang::Zh => format!("{}（{}）", x.label_zh(), x.as_str()),
            Lang::En => x.as_str().to_owned(),
        };
        Opt::new(x.as_str(), label, action == x.as_str())
    }));
    let decision = p("decision");
    let decisions = vec![
        Opt::new("", t.any_decision, decision.is_empty()),
        Opt::new("allow", t.allowed, decision == "allow"),
        Opt::new("deny", t.denied, decision == "deny"),
    ];

    let filters = filter_query(s);
    let with = |extra: Option<String>| {
        let mut q = filters.clone();
        q.extend(extra);
        if q.is_empty() {
            "/audit".to_owned()
        } else {
            format!("/audit?{}", q.join("&"))
        }
    };
    let items = page.as_ref().map(|pg| pg.items.as_slice()).unwrap_or(&[]);
    let names = names_in(items);
    let rows = items
        .iter()
        .map(|e| entry_row(e, &orgs, &names, s.lang))
        .collect();
    let next_href = page
        .as_ref()
        .and_then(|pg| pg.next_cursor.as_ref())
        .map(|c| with(Some(format!("cursor={}", encode(c)))));
    let page = AuditPage {
        c: s.chrome("audit"),
        cp: CheckpointView::new(&cp, &keys),
        admin: is_admin(a),
        rotate_errors,
        actor: p("actor"),
        target: p("target"),
        from: p("from"),
        to: p("to"),
        units,
        actions,
        decisions,
        errors,
        rows,
        next_href,
        first_href: cursor.map(|_| with(None)),
    };
    render(status, &page)
}

pub async fn list(State(st): State<AppState>, s: Session) -> Response {
    audit_page(&st, &s, FormErrors::default(), StatusCode::OK).await
}

pub async fn sign_checkpoint(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    // Signed from an entry's page (to see it proven at once): back to that entry.
    let back = match form.get("back").parse::<u64>() {
        Ok(index) => format!("/audit/{index}"),
        Err(_) => "/audit".to_owned(),
    };
    match audit::create_checkpoint(&st.app, &s.actor).await {
        Ok(_) => Redirect::to(&format!("{back}?notice=checkpoint_signed")).into_response(),
        Err(e) => s.problem(&e),
    }
}

pub async fn rotate_key(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    // Rotating is hard to take back (outside verifiers must learn the new key): the form
    // asks for an explicit confirmation, which the browser also demands before sending.
    if form.get("confirm") != "yes" {
        if !is_admin(&s.actor) {
            return s.problem(&ActionError::Forbidden("role_required"));
        }
        let e = FormErrors::one("confirm", s.t().rotate_key_unconfirmed);
        return audit_page(&st, &s, e, StatusCode::UNPROCESSABLE_ENTITY).await;
    }
    match audit::rotate_audit_key(&st.app, &s.actor).await {
        Ok(_) => Redirect::to("/audit?notice=key_rotated").into_response(),
        Err(e) => s.problem(&e),
    }
}

/// What the proof says about the entry, from the worst to the best.
enum Verdict {
    /// The entry reads differently now from when it was appended.
    Tampered,
    /// The tree holds no leaf for the entry.
    NoLeaf,
    /// Appended after the latest tree head.
    Pending,
    /// The audit path does not lead to the signed root.
    Failed,
    Verified,
}

#[derive(Template)]
#[template(path = "audit_entry.html")]
struct EntryPage {
    c: Chrome,
    e: EntryRow,
    at_ms: i64,
    user_id: Option<String>,
    purpose: Option<String>,
    version: u32,
    bytes: String,
    leaf_hash: String,
    stored_leaf_hash: Option<String>,
    cp: CheckpointView,
    audit_path: Vec<String>,
    verdict: Verdict,
    verdict_text: String,
    verdict_note: String,
    included: bool,
    /// The authority may sign a tree head from here.
    admin: bool,
}

impl EntryPage {
    fn only(&self, field: &str, value: &str) -> String {
        only(field, value)
    }
}

pub async fn show(State(st): State<AppState>, s: Session, Path(index): Path<String>) -> Response {
    let Ok(index) = index.parse::<u64>() else {
        return s.problem(&ActionError::NotFound("audit_entry_not_found"));
    };
    let d = match audit::get_audit_entry(&st.app, &s.actor, index).await {
        Ok(d) => d,
        Err(e) => return s.problem(&e),
    };
    let keys = match audit::public_keys(&st.app).await {
        Ok(k) => k,
        Err(e) => return s.problem(&e),
    };
    let entry = &d.logged.entry;
    // The unit names of the actor and of a unit target (one read, like the list's).
    let orgs = if entry.actor_org_id.is_some()
        || entry
            .target
            .as_deref()
            .is_some_and(|t| t.starts_with("org/"))
    {
        match all_orgs(&st.app, &s.actor).await {
            Ok(l) => l,
            Err(e) => return s.problem(&e),
        }
    } else {
        Vec::new()
    };
    // A user target by name: from the entry itself, else one read of that user (only for a
    // user id; a failed sign-in's target is the name that was typed).
    let mut users = names_in(std::slice::from_ref(entry));
    if let Some(id) = entry
        .target
        .as_deref()
        .and_then(|t| t.strip_prefix("user/"))
        && !users.contains_key(id)
        && uuid::Uuid::parse_str(id).is_ok()
        && let Ok(u) = pubdata_app::platform::users::get_user(&st.app, &s.actor, id).await
    {
        users.insert(u.id, u.username);
    }
    let t = s.t();
    let size = d.checkpoint.tree_size;
    let included = index < size;
    let verdict = match d.stored_leaf_hash {
        Some(h) if h != d.leaf_hash => Verdict::Tampered,
        None => Verdict::NoLeaf,
        _ if !included => Verdict::Pending,
        _ if !d.verified => Verdict::Failed,
        _ => Verdict::Verified,
    };
    let n = size.to_string();
    let (verdict_text, verdict_note) = match verdict {
        Verdict::Tampered => (t.verdict_tampered, t.verdict_report),
        Verdict::NoLeaf => (t.verdict_no_leaf, t.verdict_report),
        Verdict::Pending => (t.verdict_pending, t.verdict_pending_note),
        Verdict::Failed => (t.verdict_failed, t.verdict_report),
        Verdict::Verified => (t.verdict_verified, t.verdict_verified_note),
    };
    let page = EntryPage {
        c: s.chrome("audit"),
        e: entry_row(entry, &orgs, &users, s.lang),
        at_ms: entry.at_ms,
        user_id: entry.actor_user_id.clone(),
        purpose: entry.purpose.clone(),
        version: entry.v,
        bytes: String::from_utf8_lossy(&d.logged.bytes).into_owned(),
        leaf_hash: b64(&d.leaf_hash),
        stored_leaf_hash: d.stored_leaf_hash.as_ref().map(b64),
        cp: CheckpointView::new(&d.checkpoint, &keys),
        audit_path: d.audit_path.iter().map(b64).collect(),
        verdict,
        verdict_text: verdict_text.replace("{n}", &n),
        verdict_note: verdict_note.replace("{n}", &n),
        included,
        admin: is_admin(&s.actor),
    };
    render(StatusCode::OK, &page)
}
