//! The catalog's resources: the search with its facets, a resource's page (attributes, field
//! dictionary, review steps, versions and the buttons that fit the actor), the form that
//! drafts or edits a resource (its 信息项 as rows, more rows without JavaScript), the
//! comparison of two versions, and the review steps (submit, approve, return, withdraw).
//!
//! The form's fields carry the names of [`ResourceDoc`]; a 信息项 row's inputs are named
//! `fields[i][name]`, `fields[i][code]`, `fields[i][type]`, `fields[i][key]`,
//! `fields[i][identifier]`, `fields[i][sensitive]`, `fields[i][grade]`, `fields[i][required]`,
//! `fields[i][description]`, `fields[i][rules]` (JSON) and `fields[i][delete]`. Blank rows and rows marked for deletion
//! are dropped, so the i-th row shown again is the i-th field of the document, and an error
//! at `fields[i].code` lands on it.

use super::session::{FormData, Session, encode};
use super::{Chrome, FormErrors, Opt, all_orgs, fixable, is_admin, local_time, render};
use crate::AppState;
use crate::problem::{Lang, status_of, title};
use askama::Template;
use axum::extract::{Path, State};
use axum::http::StatusCode;
use axum::response::{IntoResponse, Redirect, Response};
use pubdata_app::action::record_rejected_request;
use pubdata_app::catalog::resources::{self, History, Resource};
use pubdata_app::catalog::search::{FACETS, SearchInput, search_resources};
use pubdata_app::catalog::systems::{SystemQuery, get_system, list_systems};
use pubdata_app::platform::orgs::Org;
use pubdata_app::{ActionError, FieldError, Role};
use pubdata_core::audit::Action;
use pubdata_core::catalog::diff::Change;
use pubdata_core::catalog::{
    Category, Field, FieldType, IdentifierKind, OpenAttr, ResourceDoc, ResourceFormat,
    ResourceStatus, ShareAttr, ShareMethod, UpdateCycle, ValueRules,
};
use pubdata_core::policy;
use std::collections::BTreeMap;

/// Results a search page shows.
const PAGE_SIZE: i64 = 50;
/// Blank 信息项 rows under the filled ones; "more rows" adds this many.
const BLANK_ROWS: usize = 3;
const MORE_ROWS: usize = 5;
/// The highest row index a form may use (the rules allow 500 fields).
const MAX_ROW: usize = 2000;

// ---------------------------------------------------------------------------------------
// Labels of the vocabularies

/// A catalog vocabulary: its stored name and its label in the page's language.
trait Vocab: Copy + 'static {
    fn all() -> &'static [Self];
    fn name(self) -> &'static str;
    fn zh(self) -> &'static str;
    fn en(self) -> &'static str;
    fn parse(s: &str) -> Option<Self>;
    fn label(self, lang: Lang) -> &'static str {
        if lang == Lang::En {
            self.en()
        } else {
            self.zh()
        }
    }
}

macro_rules! vocab {
    ($($t:ty),*) => {$(
        impl Vocab for $t {
            fn all() -> &'static [Self] { <$t>::ALL }
            fn name(self) -> &'static str { self.as_str() }
            fn zh(self) -> &'static str { self.label_zh() }
            fn en(self) -> &'static str { self.label_en() }
            fn parse(s: &str) -> Option<Self> { <$t>::parse(s) }
        }
    )*};
}

vocab!(
    Category,
    ResourceFormat,
    FieldType,
    ShareAttr,
    OpenAttr,
    ShareMethod,
    UpdateCycle,
    IdentifierKind,
    ResourceStatus
);

/// A stored name's label, or the name itself when this build does not know it.
fn label_of<T: Vocab>(value: &str, lang: Lang) -> String {
    T::parse(value)
        .map(|v| v.label(lang).to_owned())
        .unwrap_or_else(|| value.to_owned())
}

/// A select's options over a vocabulary.
fn options<T: Vocab>(selected: &str, lang: Lang) -> Vec<Opt> {
    T::all()
        .iter()
        .map(|v| Opt::new(v.name(), v.label(lang), v.name() == selected))
        .collect()
}

/// The CSS class of a status tag.
fn status_cls(s: ResourceStatus) -> &'static str {
    match s {
        ResourceStatus::Draft => "off",
        ResourceStatus::Submitted => "workday",
        ResourceStatus::Returned => "deny",
        ResourceStatus::Published => "on",
        ResourceStatus::Withdrawn => "off",
    }
}

fn share_cls(s: ShareAttr) -> &'static str {
    match s {
        ShareAttr::Unconditional => "on",
        ShareAttr::Conditional => "warn",
        ShareAttr::NotShared => "off",
    }
}

fn open_cls(o: OpenAttr) -> &'static str {
    match o {
        OpenAttr::Unconditional => "on",
        OpenAttr::Conditional => "warn",
        OpenAttr::NotOpen => "off",
    }
}

fn grade_label(g: u8, lang: Lang) -> String {
    if lang == Lang::En {
        format!("Grade {g}")
    } else {
        format!("{g}级")
    }
}

fn version_label(v: i64, lang: Lang) -> String {
    if lang == Lang::En {
        format!("v{v}")
    } else {
        format!("第{v}版")
    }
}

fn yes_no(b: bool, s: &Session) -> &'static str {
    if b { s.t().cat_yes } else { s.t().cat_no }
}

/// A unit's name, or its id when it is not known.
fn org_name(orgs: &[Org], id: &str) -> String {
    orgs.iter()
        .find(|o| o.id == id)
        .map(|o| o.name.clone())
        .unwrap_or_else(|| id.to_owned())
}

/// Whether the actor may write this unit's catalog (the same decision the actions take).
fn may_edit(s: &Session, provider: &str) -> bool {
    policy::edit_catalog(&s.actor, Action::UpdateResource, provider).is_ok()
}

fn may_review(s: &Session) -> bool {
    policy::review_catalog(&s.actor, Action::ApproveResource).is_ok()
}

fn may_draft(s: &Session) -> bool {
    is_admin(&s.actor) || s.actor.has_role(Role::Steward)
}

// ---------------------------------------------------------------------------------------
// Search

/// The query parameters the search keeps from page to page (the cursor aside).
const KEEP: [&str; 9] = [
    "q",
    "provider_org_id",
    "theme",
    "share_attr",
    "open_attr",
    "format",
    "update_cycle",
    "status",
    "sort",
];

struct FacetValue {
    label: String,
    n: i64,
    href: String,
    selected: bool,
}

struct FacetGroup {
    key: &'static str,
    title: &'static str,
    values: Vec<FacetValue>,
}

struct ResultRow {
    id: String,
    code: String,
    name: String,
    provider: String,
    share: &'static str,
    share_cls: &'static str,
    open: &'static str,
    open_cls: &'static str,
    cycle: &'static str,
    status: &'static str,
    status_cls: &'static str,
    version: i64,
    updated: String,
    updated_day: String,
}

/// A filter in force, with the link that removes it.
struct Chip {
    title: &'static str,
    label: String,
    remove: String,
}

#[derive(Template)]
#[template(path = "catalog.html")]
struct SearchPage {
    c: Chrome,
    q: String,
    sorts: Vec<Opt>,
    statuses: Option<Vec<Opt>>,
    /// Facet filters in force, carried through the query form.
    hidden: Vec<(String, String)>,
    chips: Vec<Chip>,
    facets: Vec<FacetGroup>,
    rows: Vec<ResultRow>,
    total: String,
    next_href: Option<String>,
    first_href: Option<String>,
    can_draft: bool,
    filtered: bool,
}

/// `/catalog?…` with `params`, empty values left out.
fn catalog_href(params: &[(&str, String)]) -> String {
    let q: Vec<String> = params
        .iter()
        .filter(|(_, v)| !v.trim().is_empty())
        .map(|(k, v)| format!("{k}={}", encode(v)))
        .collect();
    if q.is_empty() {
        "/catalog".to_owned()
    } else {
        format!("/catalog?{}", q.join("&"))
    }
}

pub async fn search(State(st): State<AppState>, s: Session) -> Response {
    let t = s.t();
    let lang = s.lang;
    let p = |k: &str| s.params.get(k).unwrap_or_default().trim().to_owned();
    let current: Vec<(&str, String)> = KEEP.iter().map(|k| (*k, p(k))).collect();
    let with = |key: &str, value: &str| {
        let mut next: Vec<(&str, String)> = current.clone();
        for (k, v) in &mut next {
            if *k == key {
                *v = value.to_owned();
            }
        }
        catalog_href(&next)
    };
    let some = |k: &str| Some(p(k)).filter(|v| !v.is_empty());
    let input = SearchInput {
        q: some("q"),
        provider_org_id: some("provider_org_id"),
        share_attr: some("share_attr"),
        open_attr: some("open_attr"),
        status: some("status"),
        theme: some("theme"),
        format: some("format"),
        update_cycle: some("update_cycle"),
        sort: some("sort"),
        cursor: some("cursor"),
        limit: Some(PAGE_SIZE),
    };
    let found = match search_resources(&st.app, &s.actor, input).await {
        Ok(f) => f,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let value_label = |facet: &str, v: &str| -> String {
        match facet {
            "provider_org_id" => org_name(&orgs, v),
            "share_attr" => label_of::<ShareAttr>(v, lang),
            "open_attr" => label_of::<OpenAttr>(v, lang),
            "format" => label_of::<ResourceFormat>(v, lang),
            "update_cycle" => label_of::<UpdateCycle>(v, lang),
            "status" => label_of::<ResourceStatus>(v, lang),
            _ => v.to_owned(),
        }
    };
    let facet_title = |facet: &str| match facet {
        "provider_org_id" => t.cat_provider,
        "theme" => t.cat_theme,
        "share_attr" => t.cat_share_attr,
        "open_attr" => t.cat_open_attr,
        "format" => t.cat_format,
        "update_cycle" => t.cat_update_cycle,
        "status" => t.status,
        _ => "",
    };
    let facets = FACETS
        .iter()
        .map(|key| {
            let chosen = p(key);
            let mut values: Vec<FacetValue> = found
                .facets
                .get(key)
                .into_iter()
                .flatten()
                // A blank theme cannot be asked for.
                .filter(|(v, _)| !v.trim().is_empty())
                .map(|(v, n)| FacetValue {
                    label: value_label(key, v),
                    n: *n,
                    selected: *v == chosen,
                    href: if *v == chosen {
                        with(key, "")
                    } else {
                        with(key, v)
                    },
                })
                .collect();
            values.sort_by(|a, b| b.n.cmp(&a.n).then_with(|| a.label.cmp(&b.label)));
            FacetGroup {
                key,
                title: facet_title(key),
                values,
            }
        })
        .collect();
    let mut chips = Vec::new();
    let mut hidden = Vec::new();
    for key in FACETS {
        let v = p(key);
        if !v.is_empty() {
            chips.push(Chip {
                title: facet_title(key),
                label: value_label(key, &v),
                remove: with(key, ""),
            });
            hidden.push((key.to_owned(), v));
        }
    }
    let sees_drafts =
        policy::sees_whole_catalog(&s.actor) || s.actor.org_id().is_some_and(|o| !o.is_empty());
    let status = p("status");
    if !status.is_empty() {
        chips.push(Chip {
            title: t.status,
            label: value_label("status", &status),
            remove: with("status", ""),
        });
        if !sees_drafts {
            hidden.push(("status".to_owned(), status.clone()));
        }
    }
    let statuses = sees_drafts.then(|| {
        let mut o = vec![Opt::new("", t.cat_status_any, status.is_empty())];
        o.extend(options::<ResourceStatus>(&status, lang));
        o
    });
    let sort = p("sort");
    let sorts = vec![
        Opt::new(
            "relevance",
            t.cat_sort_relevance,
            sort.is_empty() || sort == "relevance",
        ),
        Opt::new("updated", t.cat_sort_updated, sort == "updated"),
    ];
    let rows = found
        .items
        .iter()
        .map(|r| ResultRow {
            id: r.id.clone(),
            code: r.doc.code.clone(),
            name: r.doc.name.clone(),
            provider: org_name(&orgs, &r.doc.provider_org_id),
            share: r.doc.share_attr.label(lang),
            share_cls: share_cls(r.doc.share_attr),
            open: r.doc.open_attr.label(lang),
            open_cls: open_cls(r.doc.open_attr),
            cycle: r.doc.update_cycle.label(lang),
            status: r.status.label(lang),
            status_cls: status_cls(r.status),
            version: r.version,
            updated: local_time(&r.updated_at),
            updated_day: local_time(&r.updated_at)
                .split(' ')
                .next()
                .unwrap_or_default()
                .to_owned(),
        })
        .collect();
    let base = catalog_href(&current);
    let sep = if base.contains('?') { '&' } else { '?' };
    let next_href = found
        .next_cursor
        .as_ref()
        .map(|c| format!("{base}{sep}cursor={}", encode(c)));
    let first_href = some("cursor").map(|_| base.clone());
    let total = if lang == Lang::En {
        format!("{} found", found.total)
    } else {
        format!("共 {} 条", found.total)
    };
    let filtered = current.iter().any(|(_, v)| !v.is_empty());
    render(
        StatusCode::OK,
        &SearchPage {
            c: s.chrome("catalog"),
            q: p("q"),
            sorts,
            statuses,
            hidden,
            chips,
            facets,
            rows,
            total,
            next_href,
            first_href,
            can_draft: may_draft(&s),
            filtered,
        },
    )
}

// ---------------------------------------------------------------------------------------
// The form

/// One 信息项 row as typed.
#[derive(Clone)]
struct RowForm {
    name: String,
    code: String,
    ftype: String,
    key: bool,
    identifier: String,
    sensitive: bool,
    grade: String,
    required: bool,
    description: String,
    /// The value rules as JSON (`{"min": 0, "codes": [...]}`), empty for none.
    rules: String,
    delete: bool,
    /// Messages by part (`code`, `name`, …).
    errors: Vec<(String, String)>,
}

impl Default for RowForm {
    fn default() -> RowForm {
        RowForm {
            name: String::new(),
            code: String::new(),
            ftype: "C".into(),
            key: false,
            identifier: String::new(),
            sensitive: false,
            grade: "1".into(),
            required: false,
            description: String::new(),
            rules: String::new(),
            delete: false,
            errors: Vec::new(),
        }
    }
}

impl RowForm {
    fn of(f: &Field) -> RowForm {
        RowForm {
            name: f.name.clone(),
            code: f.code.clone(),
            ftype: f.field_type.as_str().to_owned(),
            key: f.is_key,
            identifier: f
                .identifier
                .map(|i| i.as_str().to_owned())
                .unwrap_or_default(),
            sensitive: f.sensitive,
            grade: f.grade.to_string(),
            required: f.required,
            description: f.description.clone(),
            rules: if f.rules.is_empty() {
                String::new()
            } else {
                serde_json::to_string(&f.rules).unwrap_or_default()
            },
            delete: false,
            errors: Vec::new(),
        }
    }

    /// A row with nothing typed in its text boxes is not a field.
    fn is_blank(&self) -> bool {
        self.name.trim().is_empty()
            && self.code.trim().is_empty()
            && self.description.trim().is_empty()
            && self.rules.trim().is_empty()
    }

    fn err(&self, part: &str) -> Option<&str> {
        self.errors
            .iter()
            .find(|(p, _)| p == part)
            .map(|(_, m)| m.as_str())
    }

    fn cls(&self, part: &str) -> &'static str {
        if self.err(part).is_some() {
            " invalid"
        } else {
            ""
        }
    }

    fn has_errors(&self) -> bool {
        !self.errors.is_empty()
    }
}

/// What the form holds, as typed.
#[derive(Clone)]
struct ResourceForm {
    code: String,
    name: String,
    summary: String,
    provider_org_id: String,
    category: String,
    theme: String,
    format: String,
    update_cycle: String,
    share_attr: String,
    share_condition: String,
    share_legal_basis: String,
    share_methods: Vec<String>,
    open_attr: String,
    open_condition: String,
    grade: String,
    tags: String,
    release_date: String,
    related: String,
    system_id: String,
    aggregated: bool,
    /// The filled rows, in order: row i is field i of the document.
    rows: Vec<RowForm>,
    /// Blank rows shown under them.
    blanks: usize,
}

fn split_list(s: &str, seps: &[char]) -> Vec<String> {
    s.split(|c: char| seps.contains(&c))
        .map(str::trim)
        .filter(|v| !v.is_empty())
        .map(str::to_owned)
        .collect()
}

/// `fields[12][code]` → (12, "code").
fn row_key(k: &str) -> Option<(usize, &str)> {
    let rest = k.strip_prefix("fields[")?;
    let (i, rest) = rest.split_once("][")?;
    let part = rest.strip_suffix(']')?;
    let i: usize = i.parse().ok().filter(|i| *i <= MAX_ROW)?;
    Some((i, part))
}

/// `fields[3].code` → (3, "code").
fn error_row(path: &str) -> Option<(usize, &str)> {
    let rest = path.strip_prefix("fields[")?;
    let (i, part) = rest.split_once("].")?;
    Some((i.parse().ok()?, part))
}

impl ResourceForm {
    fn blank(provider: &str) -> ResourceForm {
        ResourceForm {
            code: String::new(),
            name: String::new(),
            summary: String::new(),
            provider_org_id: provider.to_owned(),
            category: "basic".into(),
            theme: String::new(),
            format: "database".into(),
            update_cycle: "daily".into(),
            share_attr: "unconditional".into(),
            share_condition: String::new(),
            share_legal_basis: String::new(),
            share_methods: Vec::new(),
            open_attr: "not_open".into(),
            open_condition: String::new(),
            grade: "1".into(),
            tags: String::new(),
            release_date: String::new(),
            related: String::new(),
            system_id: String::new(),
            aggregated: true,
            rows: Vec::new(),
            blanks: BLANK_ROWS,
        }
    }

    fn of(d: &ResourceDoc) -> ResourceForm {
        ResourceForm {
            code: d.code.clone(),
            name: d.name.clone(),
            summary: d.summary.clone(),
            provider_org_id: d.provider_org_id.clone(),
            category: d.category.as_str().to_owned(),
            theme: d.theme.clone(),
            format: d.format.as_str().to_owned(),
            update_cycle: d.update_cycle.as_str().to_owned(),
            share_attr: d.share_attr.as_str().to_owned(),
            share_condition: d.share_condition.clone(),
            share_legal_basis: d.share_legal_basis.clone(),
            share_methods: d
                .share_methods
                .iter()
                .map(|m| m.as_str().to_owned())
                .collect(),
            open_attr: d.open_attr.as_str().to_owned(),
            open_condition: d.open_condition.clone(),
            grade: d.grade.to_string(),
            tags: d.tags.join("、"),
            release_date: d.release_date.clone().unwrap_or_default(),
            related: d.related_resource_ids.join(", "),
            system_id: d.system_id.clone().unwrap_or_default(),
            aggregated: d.aggregated,
            rows: d.fields.iter().map(RowForm::of).collect(),
            blanks: BLANK_ROWS,
        }
    }

    /// The form as posted: filled rows kept in order, blank and deleted rows dropped (the
    /// blank ones counted).
    fn from_form(f: &FormData) -> ResourceForm {
        let mut rows: BTreeMap<usize, RowForm> = BTreeMap::new();
        for (k, v) in &f.0 {
            let Some((i, part)) = row_key(k) else {
                continue;
            };
            let r = rows.entry(i).or_default();
            match part {
                "name" => r.name = v.clone(),
                "code" => r.code = v.clone(),
                "type" => r.ftype = v.clone(),
                "key" => r.key = true,
                "identifier" => r.identifier = v.clone(),
                "sensitive" => r.sensitive = true,
                "grade" => r.grade = v.clone(),
                "required" => r.required = true,
                "description" => r.description = v.clone(),
                "rules" => r.rules = v.clone(),
                "delete" => r.delete = true,
                _ => {}
            }
        }
        let blanks = rows.values().filter(|r| !r.delete && r.is_blank()).count();
        ResourceForm {
            code: f.get("code"),
            name: f.get("name"),
            summary: f.get("summary"),
            provider_org_id: f.get("provider_org_id"),
            category: f.get("category"),
            theme: f.get("theme"),
            format: f.get("format"),
            update_cycle: f.get("update_cycle"),
            share_attr: f.get("share_attr"),
            share_condition: f.get("share_condition"),
            share_legal_basis: f.get("share_legal_basis"),
            share_methods: f.all("share_methods"),
            open_attr: f.get("open_attr"),
            open_condition: f.get("open_condition"),
            grade: f.get("grade"),
            tags: f.get("tags"),
            release_date: f.get("release_date"),
            related: f.get("related_resource_ids"),
            system_id: f.get("system_id"),
            aggregated: f.opt("aggregated").is_some(),
            rows: rows
                .into_values()
                .filter(|r| !r.delete && !r.is_blank())
                .collect(),
            blanks,
        }
    }

    /// A value-rules box that does not hold a JSON object of rules: the steward typed it, so
    /// it is a field error, not a malformed form.
    fn rules_error(&self) -> Option<ActionError> {
        self.rows.iter().enumerate().find_map(|(i, r)| {
            let text = r.rules.trim();
            if text.is_empty() || serde_json::from_str::<ValueRules>(text).is_ok() {
                return None;
            }
            Some(ActionError::invalid(
                "invalid_field_rules",
                FieldError::new(
                    &format!("fields[{i}].rules"),
                    "invalid_field_rules",
                    "取值规则须为 JSON，如 {\"min\": 0, \"max\": 100, \"pattern\": \"[0-9]{6}\", \"codes\": [\"01\", \"02\"], \"max_length\": 50}",
                    "value rules must be JSON such as {\"min\": 0, \"max\": 100, \"pattern\": \"[0-9]{6}\", \"codes\": [\"01\", \"02\"], \"max_length\": 50}",
                ),
            ))
        })
    }

    /// The document the form describes; `Err` names the first value no page could have
    /// sent (a select's value this build does not know).
    fn doc(&self) -> Result<ResourceDoc, String> {
        fn pick<T: Vocab>(v: &str, field: &str) -> Result<T, String> {
            T::parse(v).ok_or_else(|| field.to_owned())
        }
        fn grade(v: &str, field: &str) -> Result<u8, String> {
            v.trim().parse().map_err(|_| field.to_owned())
        }
        let mut fields = Vec::with_capacity(self.rows.len());
        for (i, r) in self.rows.iter().enumerate() {
            let at = |p: &str| format!("fields[{i}].{p}");
            fields.push(Field {
                name: r.name.clone(),
                code: r.code.clone(),
                field_type: pick(&r.ftype, &at("type"))?,
                is_key: r.key,
                identifier: if r.identifier.trim().is_empty() {
                    None
                } else {
                    Some(pick(&r.identifier, &at("identifier"))?)
                },
                sensitive: r.sensitive,
                grade: grade(&r.grade, &at("grade"))?,
                required: r.required,
                description: r.description.clone(),
                rules: if r.rules.trim().is_empty() {
                    Default::default()
                } else {
                    serde_json::from_str(&r.rules).map_err(|_| at("rules"))?
                },
            });
        }
        let mut share_methods = Vec::new();
        for m in &self.share_methods {
            share_methods.push(pick(m, "share_methods")?);
        }
        let opt = |s: &str| Some(s.trim().to_owned()).filter(|s| !s.is_empty());
        Ok(ResourceDoc {
            code: self.code.clone(),
            name: self.name.clone(),
            summary: self.summary.clone(),
            provider_org_id: self.provider_org_id.clone(),
            category: pick(&self.category, "category")?,
            theme: self.theme.clone(),
            format: pick(&self.format, "format")?,
            update_cycle: pick(&self.update_cycle, "update_cycle")?,
            share_attr: pick(&self.share_attr, "share_attr")?,
            share_condition: self.share_condition.clone(),
            share_legal_basis: self.share_legal_basis.clone(),
            share_methods,
            open_attr: pick(&self.open_attr, "open_attr")?,
            open_condition: self.open_condition.clone(),
            grade: grade(&self.grade, "grade")?,
            tags: split_list(&self.tags, &[',', '，', '、', ';', '；']),
            release_date: opt(&self.release_date),
            related_resource_ids: split_list(
                &self.related,
                &[',', '，', '、', ';', '；', ' ', '\n', '\r', '\t'],
            ),
            system_id: opt(&self.system_id),
            aggregated: self.aggregated,
            fields,
        })
    }

    /// Puts an action's errors where they belong: a row's at its row, the rest by field.
    fn place(&mut self, e: &ActionError, lang: Lang) -> FormErrors {
        let mut errors = FormErrors::from_error(e, lang);
        if let ActionError::Conflict(code @ "resource_code_taken") = e {
            errors.summary = None;
            errors
                .fields
                .push(("code".to_owned(), title(code, lang).to_owned()));
        }
        let mut top = Vec::new();
        for (path, m) in std::mem::take(&mut errors.fields) {
            if let Some((i, part)) = error_row(&path)
                && let Some(r) = self.rows.get_mut(i)
            {
                r.errors.push((part.to_owned(), m));
                continue;
            }
            let field = if path.starts_with("related_resource_ids") {
                "related_resource_ids".to_owned()
            } else {
                path
            };
            top.push((field, m));
        }
        errors.fields = top;
        errors
    }
}

#[derive(Template)]
#[template(path = "resource_form.html")]
struct FormPage {
    c: Chrome,
    /// `None` for a new resource.
    id: Option<String>,
    heading: String,
    f: ResourceForm,
    /// The filled rows and the blank ones.
    rows: Vec<RowForm>,
    providers: Vec<Opt>,
    categories: Vec<Opt>,
    formats: Vec<Opt>,
    cycles: Vec<Opt>,
    share_attrs: Vec<Opt>,
    share_methods: Vec<Opt>,
    open_attrs: Vec<Opt>,
    grades: Vec<Opt>,
    systems: Vec<Opt>,
    types: Vec<Opt>,
    identifiers: Vec<Opt>,
    field_grades: Vec<Opt>,
    errors: FormErrors,
    /// The form came back for more rows (not saved).
    more: bool,
}

impl FormPage {
    fn action(&self) -> String {
        match &self.id {
            Some(id) => format!("/catalog/{id}/edit"),
            None => "/catalog/new".to_owned(),
        }
    }
}

/// How the form comes back: fresh, with more rows, or refused with the action's errors.
struct Shown {
    errors: FormErrors,
    more: bool,
    status: StatusCode,
}

impl Shown {
    fn fresh() -> Shown {
        Shown {
            errors: FormErrors::default(),
            more: false,
            status: StatusCode::OK,
        }
    }

    fn more_rows() -> Shown {
        Shown {
            more: true,
            ..Shown::fresh()
        }
    }

    fn refused(errors: FormErrors, e: &ActionError) -> Shown {
        Shown {
            errors,
            more: false,
            status: status_of(e),
        }
    }
}

async fn form_page(
    st: &AppState,
    s: &Session,
    id: Option<&str>,
    heading: String,
    f: ResourceForm,
    shown: Shown,
) -> Response {
    let Shown {
        errors,
        more,
        status,
    } = shown;
    let lang = s.lang;
    let t = s.t();
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    // The units whose catalog the actor writes, and the one the form holds.
    let mut providers = Vec::new();
    if f.provider_org_id.is_empty() || is_admin(&s.actor) {
        providers.push(Opt::new(
            "",
            t.cat_choose_unit,
            f.provider_org_id.is_empty(),
        ));
    }
    for o in &orgs {
        let chosen = o.id == f.provider_org_id;
        if chosen || (!o.disabled && may_edit(s, &o.id)) {
            providers.push(Opt::new(o.id.clone(), o.name.clone(), chosen));
        }
    }
    if !f.provider_org_id.is_empty() && !orgs.iter().any(|o| o.id == f.provider_org_id) {
        providers.push(Opt::new(
            f.provider_org_id.clone(),
            f.provider_org_id.clone(),
            true,
        ));
    }
    // Source systems: the actor's unit's (all, for the authority).
    let owner = if is_admin(&s.actor) {
        None
    } else {
        s.actor.org_id().map(str::to_owned)
    };
    let listed = list_systems(
        &st.app,
        &s.actor,
        SystemQuery {
            owner_org_id: owner,
            status: None,
            cursor: None,
            limit: Some(1000),
        },
    )
    .await
    .map(|p| p.items)
    .unwrap_or_default();
    let mut systems = vec![Opt::new("", t.none, f.system_id.is_empty())];
    for sys in &listed {
        let label = if is_admin(&s.actor) {
            format!("{} · {}", org_name(&orgs, &sys.owner_org_id), sys.name)
        } else {
            sys.name.clone()
        };
        systems.push(Opt::new(sys.id.clone(), label, sys.id == f.system_id));
    }
    if !f.system_id.is_empty() && !listed.iter().any(|x| x.id == f.system_id) {
        systems.push(Opt::new(f.system_id.clone(), f.system_id.clone(), true));
    }
    let grade_opts = |sel: &str| -> Vec<Opt> {
        (1..=4u8)
            .map(|g| Opt::new(g.to_string(), grade_label(g, lang), g.to_string() == sel))
            .collect()
    };
    let share_methods = ShareMethod::ALL
        .iter()
        .map(|m| {
            Opt::new(
                m.as_str(),
                m.label(lang),
                f.share_methods.iter().any(|x| x == m.as_str()),
            )
        })
        .collect();
    let types = FieldType::ALL
        .iter()
        .map(|ty| {
            Opt::new(
                ty.as_str(),
                format!("{} {}", ty.as_str(), ty.label(lang)),
                false,
            )
        })
        .collect();
    let mut identifiers = vec![Opt::new("", t.cat_identifier_none, false)];
    identifiers.extend(options::<IdentifierKind>("", lang));
    let mut rows = f.rows.clone();
    rows.extend(std::iter::repeat_n(RowForm::default(), f.blanks));
    let page = FormPage {
        c: s.chrome(if id.is_some() {
            "catalog"
        } else {
            "catalog_new"
        }),
        id: id.map(str::to_owned),
        heading,
        providers,
        categories: options::<Category>(&f.category, lang),
        formats: options::<ResourceFormat>(&f.format, lang),
        cycles: options::<UpdateCycle>(&f.update_cycle, lang),
        share_attrs: options::<ShareAttr>(&f.share_attr, lang),
        share_methods,
        open_attrs: options::<OpenAttr>(&f.open_attr, lang),
        grades: grade_opts(&f.grade),
        systems,
        types,
        identifiers,
        field_grades: grade_opts(""),
        rows,
        f,
        errors,
        more,
    };
    render(status, &page)
}

pub async fn new_form(State(st): State<AppState>, s: Session) -> Response {
    if !may_draft(&s) {
        // Stewards and the authority write the catalog (the action refuses anyone else too).
        return s.problem(&ActionError::Forbidden("role_required"));
    }
    let provider = if is_admin(&s.actor) {
        ""
    } else {
        s.actor.org_id().unwrap_or_default()
    };
    let heading = s.t().cat_new_title.to_owned();
    form_page(
        &st,
        &s,
        None,
        heading,
        ResourceForm::blank(provider),
        Shown::fresh(),
    )
    .await
}

/// A form no page could have sent (a select's value unknown): refused and recorded like a
/// malformed body.
async fn malformed(st: &AppState, s: &Session, target: &str) -> Response {
    let e = record_rejected_request(
        &st.app,
        &s.actor,
        target,
        ActionError::BadRequest("invalid_input"),
    )
    .await;
    s.problem(&e)
}

/// "More rows": the form again with what was typed and more blank rows, nothing saved.
fn wants_more_rows(form: &FormData) -> bool {
    form.opt("more_rows").is_some()
}

pub async fn create(State(st): State<AppState>, s: Session, form: FormData) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let mut f = ResourceForm::from_form(&form);
    let heading = s.t().cat_new_title.to_owned();
    if wants_more_rows(&form) {
        f.blanks += MORE_ROWS;
        return form_page(&st, &s, None, heading, f, Shown::more_rows()).await;
    }
    if let Some(e) = f.rules_error() {
        f.blanks = BLANK_ROWS;
        let errors = f.place(&e, s.lang);
        return form_page(&st, &s, None, heading, f, Shown::refused(errors, &e)).await;
    }
    let Ok(doc) = f.doc() else {
        return malformed(&st, &s, "POST /catalog/new").await;
    };
    match resources::create_resource(&st.app, &s.actor, doc).await {
        Ok(r) => {
            Redirect::to(&format!("/catalog/{}?notice=resource_created", r.id)).into_response()
        }
        Err(e) if fixable(&e) => {
            f.blanks = BLANK_ROWS;
            let errors = f.place(&e, s.lang);
            form_page(&st, &s, None, heading, f, Shown::refused(errors, &e)).await
        }
        Err(e) => s.problem(&e),
    }
}

/// Whether a resource in this state can be changed at all (the action says so too).
fn editable(status: ResourceStatus) -> Result<(), ActionError> {
    match status {
        ResourceStatus::Submitted => Err(ActionError::Conflict("resource_under_review")),
        ResourceStatus::Withdrawn => Err(ActionError::Conflict("resource_withdrawn")),
        _ => Ok(()),
    }
}

fn edit_heading(s: &Session, r: &Resource) -> String {
    format!("{}{}{}", s.t().cat_edit_title, s.t().cat_colon, r.doc.name)
}

pub async fn edit_form(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    let r = match resources::get_resource(&st.app, &s.actor, &id).await {
        Ok(r) => r,
        Err(e) => return s.problem(&e),
    };
    if !may_edit(&s, &r.doc.provider_org_id) {
        return s.problem(&ActionError::Forbidden("other_org"));
    }
    if let Err(e) = editable(r.status) {
        return s.problem(&e);
    }
    form_page(
        &st,
        &s,
        Some(&id),
        edit_heading(&s, &r),
        ResourceForm::of(&r.doc),
        Shown::fresh(),
    )
    .await
}

pub async fn update(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let mut f = ResourceForm::from_form(&form);
    let more = wants_more_rows(&form);
    let result = if more {
        None
    } else if let Some(e) = f.rules_error() {
        Some(Err(e))
    } else {
        let Ok(doc) = f.doc() else {
            return malformed(&st, &s, &format!("POST /catalog/{id}/edit")).await;
        };
        Some(resources::update_resource(&st.app, &s.actor, &id, doc).await)
    };
    let errors = match result {
        Some(Ok(r)) => {
            return Redirect::to(&format!("/catalog/{}?notice=resource_saved", r.id))
                .into_response();
        }
        Some(Err(e)) if fixable(&e) => {
            f.blanks = BLANK_ROWS;
            Some(e)
        }
        Some(Err(e)) => return s.problem(&e),
        None => {
            f.blanks += MORE_ROWS;
            None
        }
    };
    // The form again, headed by the resource as saved.
    let heading = match resources::get_resource(&st.app, &s.actor, &id).await {
        Ok(r) => edit_heading(&s, &r),
        Err(e) => return s.problem(&e),
    };
    let shown = match &errors {
        Some(e) => Shown::refused(f.place(e, s.lang), e),
        None => Shown::more_rows(),
    };
    form_page(&st, &s, Some(&id), heading, f, shown).await
}

// ---------------------------------------------------------------------------------------
// The resource's page

struct FieldView {
    name: String,
    code: String,
    ftype: String,
    key: bool,
    identifier: String,
    sensitive: bool,
    grade: u8,
    required: bool,
    description: String,
}

struct EventView {
    label: String,
    cls: &'static str,
    version: String,
    reason: Option<String>,
    who: String,
    at: String,
}

struct VersionView {
    version: i64,
    label: String,
    status: &'static str,
    status_cls: &'static str,
    by: String,
    at: String,
    current: bool,
}

/// What went wrong with one of the page's forms.
#[derive(Default)]
struct Refusal {
    /// `return` or `withdraw` (shown at that form), `general` (atop the actions), or "".
    form: &'static str,
    errors: FormErrors,
    reason: String,
}

#[derive(Template)]
#[template(path = "resource.html")]
struct ResourcePage {
    c: Chrome,
    id: String,
    code: String,
    name: String,
    summary: String,
    provider: String,
    category: &'static str,
    theme: String,
    format: &'static str,
    cycle: &'static str,
    share: &'static str,
    share_cls: &'static str,
    share_condition: String,
    share_legal_basis: String,
    share_methods: String,
    open: &'static str,
    open_cls: &'static str,
    open_condition: String,
    grade: String,
    tags: Vec<String>,
    release_date: String,
    related: Vec<String>,
    system: String,
    aggregated: &'static str,
    status: &'static str,
    status_cls: &'static str,
    /// Published and the viewer may see the unit's data: the link to its data page.
    data_link: bool,
    /// Published, of another unit: "申请共享" (conditional, unconditional), or "不予共享"
    /// with the legal basis.
    share_link: bool,
    not_shared: bool,
    /// Raised by an emergency in force: the class it is shared under now.
    raised: Option<String>,
    version: String,
    created: String,
    updated: String,
    published: String,
    fields: Vec<FieldView>,
    /// Newest first.
    events: Vec<EventView>,
    versions: Vec<VersionView>,
    /// Why it was returned (status `returned`), or withdrawn (status `withdrawn`).
    banner: Option<EventView>,
    returned: bool,
    submitted: bool,
    can_edit: bool,
    can_submit: bool,
    can_review: bool,
    can_withdraw: bool,
    refusal: Refusal,
    /// The comparison form's defaults: the version before the newest, and the newest.
    compare_old: i64,
    compare_new: i64,
}

impl ResourcePage {
    fn errors_of(&self, form: &str) -> Option<&FormErrors> {
        (self.refusal.form == form).then_some(&self.refusal.errors)
    }

    fn reason_of(&self, form: &str) -> &str {
        if self.refusal.form == form {
            &self.refusal.reason
        } else {
            ""
        }
    }
}

fn event_view(e: &resources::Event, s: &Session) -> EventView {
    let t = s.t();
    let (label, cls) = match e.kind.as_str() {
        "created" => (t.cat_ev_created, "off"),
        "imported" => (t.cat_ev_imported, "off"),
        "updated" => (t.cat_ev_updated, "off"),
        "submitted" => (t.cat_ev_submitted, "workday"),
        "approved" => (t.cat_ev_approved, "on"),
        "returned" => (t.cat_ev_returned, "deny"),
        "withdrawn" => (t.cat_ev_withdrawn, "off"),
        _ => ("", "off"),
    };
    EventView {
        label: if label.is_empty() {
            e.kind.clone()
        } else {
            label.to_owned()
        },
        cls,
        version: version_label(e.version, s.lang),
        reason: e.reason.clone(),
        who: e
            .actor_username
            .clone()
            .unwrap_or_else(|| t.system_actor.to_owned()),
        at: local_time(&e.at),
    }
}

async fn resource_page(
    st: &AppState,
    s: &Session,
    id: &str,
    refusal: Refusal,
    status: StatusCode,
) -> Result<Response, ActionError> {
    let lang = s.lang;
    let h = resources::resource_history(&st.app, &s.actor, id).await?;
    let orgs = all_orgs(&st.app, &s.actor).await?;
    let r = &h.resource;
    let d = &r.doc;
    let system = match &d.system_id {
        Some(sid) => get_system(&st.app, &s.actor, sid)
            .await
            .map(|x| x.name)
            .unwrap_or_else(|_| sid.clone()),
        None => String::new(),
    };
    let fields = d
        .fields
        .iter()
        .map(|f| FieldView {
            name: f.name.clone(),
            code: f.code.clone(),
            ftype: format!("{} {}", f.field_type.as_str(), f.field_type.label(lang)),
            key: f.is_key,
            identifier: f
                .identifier
                .map(|i| i.label(lang).to_owned())
                .unwrap_or_default(),
            sensitive: f.sensitive,
            grade: f.grade,
            required: f.required,
            description: f.description.clone(),
        })
        .collect();
    let mut events: Vec<EventView> = h.events.iter().map(|e| event_view(e, s)).collect();
    events.reverse();
    let banner_kind = match r.status {
        ResourceStatus::Returned => Some("returned"),
        ResourceStatus::Withdrawn => Some("withdrawn"),
        _ => None,
    };
    let banner = banner_kind.and_then(|k| {
        h.events
            .iter()
            .rev()
            .find(|e| e.kind == k)
            .map(|e| event_view(e, s))
    });
    let versions: Vec<VersionView> = h
        .versions
        .iter()
        .map(|v| VersionView {
            version: v.version,
            label: version_label(v.version, lang),
            status: v.status.label(lang),
            status_cls: status_cls(v.status),
            by: v.changed_by.clone().unwrap_or_default(),
            at: local_time(&v.changed_at),
            current: v.version == r.version,
        })
        .collect();
    let compare_new = versions.first().map(|v| v.version).unwrap_or(r.version);
    let compare_old = versions.get(1).map(|v| v.version).unwrap_or(compare_new);
    let can_edit = may_edit(s, &d.provider_org_id);
    use ResourceStatus::*;
    let can_review = may_review(s) && r.status == Submitted;
    let can_withdraw = can_edit && r.status != Withdrawn;
    let others_published =
        r.status == Published && s.actor.org_id() != Some(d.provider_org_id.as_str());
    // An emergency in force may have raised the class the catalog states.
    let (class_now, raised_by) =
        pubdata_app::sharing::emergencies::class_in_force(&st.app, id, d.share_attr).await?;
    let mut refusal = refusal;
    // A refusal shows at its form when the page shows that form, else atop the actions.
    refusal.form = match refusal.form {
        "return" if can_review => "return",
        "withdraw" if can_withdraw => "withdraw",
        "" => "",
        _ => "general",
    };
    let page = ResourcePage {
        c: s.chrome("catalog"),
        id: r.id.clone(),
        code: d.code.clone(),
        name: d.name.clone(),
        summary: d.summary.clone(),
        provider: org_name(&orgs, &d.provider_org_id),
        category: d.category.label(lang),
        theme: d.theme.clone(),
        format: d.format.label(lang),
        cycle: d.update_cycle.label(lang),
        share: d.share_attr.label(lang),
        share_cls: share_cls(d.share_attr),
        share_condition: d.share_condition.clone(),
        share_legal_basis: d.share_legal_basis.clone(),
        share_methods: d
            .share_methods
            .iter()
            .map(|m| m.label(lang))
            .collect::<Vec<_>>()
            .join(if lang == Lang::En { ", " } else { "、" }),
        open: d.open_attr.label(lang),
        open_cls: open_cls(d.open_attr),
        open_condition: d.open_condition.clone(),
        grade: grade_label(d.grade, lang),
        tags: d.tags.clone(),
        release_date: d.release_date.clone().unwrap_or_default(),
        related: d.related_resource_ids.clone(),
        system,
        aggregated: yes_no(d.aggregated, s),
        status: r.status.label(lang),
        status_cls: status_cls(r.status),
        data_link: r.status == ResourceStatus::Published
            && policy::view_unit_data(&s.actor, Action::ListBatches, &d.provider_org_id).is_ok(),
        share_link: others_published
            && class_now != ShareAttr::NotShared
            && policy::request_share(&s.actor, Action::FileShareRequest).is_ok(),
        not_shared: others_published && class_now == ShareAttr::NotShared,
        raised: raised_by.map(|_| class_now.label(lang).to_owned()),
        version: version_label(r.version, lang),
        created: local_time(&r.created_at),
        updated: local_time(&r.updated_at),
        published: r
            .published_at
            .as_deref()
            .map(local_time)
            .unwrap_or_default(),
        fields,
        events,
        versions,
        banner,
        returned: r.status == Returned,
        submitted: r.status == Submitted,
        can_edit: can_edit && matches!(r.status, Draft | Returned | Published),
        can_submit: can_edit && matches!(r.status, Draft | Returned),
        can_review,
        can_withdraw,
        refusal,
        compare_old,
        compare_new,
    };
    Ok(render(status, &page))
}

pub async fn show(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    match resource_page(&st, &s, &id, Refusal::default(), StatusCode::OK).await {
        Ok(res) => res,
        Err(e) => s.problem(&e),
    }
}

/// After a review step: back to the resource with a notice, or the resource's page with the
/// refusal at the form that was sent (the problem page when the resource cannot be shown).
async fn after_step(
    st: &AppState,
    s: &Session,
    id: &str,
    form: &'static str,
    reason: String,
    result: Result<Resource, ActionError>,
    notice: &str,
) -> Response {
    match result {
        Ok(r) => Redirect::to(&format!("/catalog/{}?notice={notice}", r.id)).into_response(),
        Err(e @ ActionError::Unauthenticated(_)) => s.problem(&e),
        Err(e) => {
            let refusal = Refusal {
                form,
                errors: FormErrors::from_error(&e, s.lang),
                reason,
            };
            match resource_page(st, s, id, refusal, status_of(&e)).await {
                Ok(res) => res,
                Err(_) => s.problem(&e),
            }
        }
    }
}

pub async fn submit(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let r = resources::submit_resource(&st.app, &s.actor, &id).await;
    after_step(
        &st,
        &s,
        &id,
        "submit",
        String::new(),
        r,
        "resource_submitted",
    )
    .await
}

pub async fn approve(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let r = resources::approve_resource(&st.app, &s.actor, &id).await;
    after_step(
        &st,
        &s,
        &id,
        "approve",
        String::new(),
        r,
        "resource_approved",
    )
    .await
}

pub async fn return_(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let reason = form.get("reason");
    let r = resources::return_resource(&st.app, &s.actor, &id, &reason).await;
    after_step(&st, &s, &id, "return", reason, r, "resource_returned").await
}

pub async fn withdraw(
    State(st): State<AppState>,
    s: Session,
    Path(id): Path<String>,
    form: FormData,
) -> Response {
    if let Err(res) = s.check_csrf(&form).await {
        return res;
    }
    let reason = form.get("reason");
    let r = resources::withdraw_resource(&st.app, &s.actor, &id, &reason).await;
    after_step(&st, &s, &id, "withdraw", reason, r, "resource_withdrawn").await
}

// ---------------------------------------------------------------------------------------
// Comparing two versions

struct ChangeView {
    label: String,
    old: String,
    new: String,
    /// `added`, `removed` or `changed`.
    kind: &'static str,
}

#[derive(Template)]
#[template(path = "resource_diff.html")]
struct DiffPage {
    c: Chrome,
    id: String,
    name: String,
    code: String,
    old: i64,
    new: i64,
    old_label: String,
    new_label: String,
    versions: Vec<VersionView>,
    changes: Vec<ChangeView>,
    errors: FormErrors,
}

/// The label of a document attribute or a 信息项 attribute.
fn attr_label(key: &str, s: &Session) -> String {
    let t = s.t();
    match key {
        "code" => t.cat_code,
        "name" => t.cat_name,
        "summary" => t.cat_summary,
        "provider_org_id" => t.cat_provider,
        "category" => t.cat_category,
        "theme" => t.cat_theme,
        "format" => t.cat_format,
        "update_cycle" => t.cat_update_cycle,
        "share_attr" => t.cat_share_attr,
        "share_condition" => t.cat_share_condition,
        "share_legal_basis" => t.cat_share_legal_basis,
        "share_methods" => t.cat_share_methods,
        "open_attr" => t.cat_open_attr,
        "open_condition" => t.cat_open_condition,
        "grade" => t.cat_grade,
        "tags" => t.cat_tags,
        "release_date" => t.cat_release_date,
        "related_resource_ids" => t.cat_related,
        "system_id" => t.cat_system,
        "aggregated" => t.cat_aggregated,
        _ => return key.to_owned(),
    }
    .to_owned()
}

fn field_attr_label(key: &str, s: &Session) -> String {
    let t = s.t();
    match key {
        "name" => t.cat_f_name,
        "code" => t.cat_f_code,
        "type" => t.cat_f_type,
        "is_key" => t.cat_f_key,
        "identifier" => t.cat_f_identifier,
        "sensitive" => t.cat_f_sensitive,
        "grade" => t.cat_f_grade,
        "required" => t.cat_f_required,
        "description" => t.cat_f_description,
        "rules" => t.cat_f_rules,
        _ => return key.to_owned(),
    }
    .to_owned()
}

/// A changed value as the page shows it: labels for stored names, unit names for ids.
fn value_text(key: &str, v: &str, s: &Session, orgs: &[Org]) -> String {
    let lang = s.lang;
    let list = |f: &dyn Fn(&str) -> String| {
        v.split('、')
            .filter(|x| !x.is_empty())
            .map(f)
            .collect::<Vec<_>>()
            .join("、")
    };
    match key {
        _ if v.is_empty() => String::new(),
        "provider_org_id" => org_name(orgs, v),
        "category" => label_of::<Category>(v, lang),
        "format" => label_of::<ResourceFormat>(v, lang),
        "update_cycle" => label_of::<UpdateCycle>(v, lang),
        "share_attr" => label_of::<ShareAttr>(v, lang),
        "open_attr" => label_of::<OpenAttr>(v, lang),
        "share_methods" => list(&|m| label_of::<ShareMethod>(m, lang)),
        "type" => FieldType::parse(v)
            .map(|ty| format!("{} {}", ty.as_str(), ty.label(lang)))
            .unwrap_or_else(|| v.to_owned()),
        "identifier" => label_of::<IdentifierKind>(v, lang),
        "grade" => v
            .parse::<u8>()
            .map(|g| grade_label(g, lang))
            .unwrap_or_else(|_| v.to_owned()),
        "aggregated" | "is_key" | "sensitive" | "required" => match v {
            "true" => s.t().cat_yes.to_owned(),
            "false" => s.t().cat_no.to_owned(),
            _ => v.to_owned(),
        },
        _ => v.to_owned(),
    }
}

fn change_view(
    c: &Change,
    h: &History,
    old: i64,
    new: i64,
    s: &Session,
    orgs: &[Org],
) -> ChangeView {
    let t = s.t();
    let kind = match (&c.old, &c.new) {
        (None, Some(_)) => "added",
        (Some(_), None) => "removed",
        _ => "changed",
    };
    let field_name = |code: &str| {
        [new, old]
            .iter()
            .filter_map(|n| h.versions.iter().find(|v| v.version == *n))
            .flat_map(|v| v.resource.fields.iter())
            .find(|f| f.code == code)
            .map(|f| f.name.clone())
            .unwrap_or_default()
    };
    // 信息项“企业名称”（name）· 数据类型 / Field "企业名称" (name) · Type
    let field = |code: &str| {
        let name = field_name(code);
        if s.lang == Lang::En {
            format!("{} \"{name}\" ({code})", t.cat_field)
        } else {
            format!("{}“{name}”（{code}）", t.cat_field)
        }
    };
    let (label, key) = match c.path.strip_prefix("fields.") {
        Some(rest) => match rest.split_once('.') {
            Some((code, attr)) => (
                format!("{} · {}", field(code), field_attr_label(attr, s)),
                attr.to_owned(),
            ),
            None => (field(rest), "name".to_owned()),
        },
        None => (attr_label(&c.path, s), c.path.clone()),
    };
    let text = |v: &Option<String>| {
        v.as_deref()
            .map(|v| value_text(&key, v, s, orgs))
            .unwrap_or_default()
    };
    ChangeView {
        label,
        old: text(&c.old),
        new: text(&c.new),
        kind,
    }
}

pub async fn diff(State(st): State<AppState>, s: Session, Path(id): Path<String>) -> Response {
    let h = match resources::resource_history(&st.app, &s.actor, &id).await {
        Ok(h) => h,
        Err(e) => return s.problem(&e),
    };
    let orgs = match all_orgs(&st.app, &s.actor).await {
        Ok(o) => o,
        Err(e) => return s.problem(&e),
    };
    let lang = s.lang;
    let newest = h.versions.first().map(|v| v.version).unwrap_or(1);
    let num = |k: &str, default: i64| match s.params.get(k).map(str::trim) {
        None | Some("") => default,
        // Not a number: no such version (0), which the comparison refuses.
        Some(v) => v.parse().unwrap_or(0),
    };
    let new = num("new", newest);
    let old = num(
        "old",
        h.versions.get(1).map(|v| v.version).unwrap_or(newest),
    );
    let (changes, errors, status) = match resources::compare(&h, old, new) {
        Ok(c) => (
            c.iter()
                .map(|c| change_view(c, &h, old, new, &s, &orgs))
                .collect(),
            FormErrors::default(),
            StatusCode::OK,
        ),
        Err(e) => (Vec::new(), FormErrors::from_error(&e, lang), status_of(&e)),
    };
    let versions = h
        .versions
        .iter()
        .map(|v| VersionView {
            version: v.version,
            label: version_label(v.version, lang),
            status: v.status.label(lang),
            status_cls: status_cls(v.status),
            by: v.changed_by.clone().unwrap_or_default(),
            at: local_time(&v.changed_at),
            current: v.version == h.resource.version,
        })
        .collect();
    render(
        status,
        &DiffPage {
            c: s.chrome("catalog"),
            id: h.resource.id.clone(),
            name: h.resource.doc.name.clone(),
            code: h.resource.doc.code.clone(),
            old,
            new,
            old_label: version_label(old, lang),
            new_label: version_label(new, lang),
            versions,
            changes,
            errors,
        },
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    fn form(pairs: &[(&str, &str)]) -> FormData {
        FormData(
            pairs
                .iter()
                .map(|(k, v)| ((*k).to_owned(), (*v).to_owned()))
                .collect(),
        )
    }

    #[test]
    fn rows_are_read_in_order_without_blank_or_deleted_ones() {
        let f = ResourceForm::from_form(&form(&[
            ("fields[10][name]", "企业名称"),
            ("fields[10][code]", "name"),
            ("fields[2][name]", "统一社会信用代码"),
            ("fields[2][code]", "uscc"),
            ("fields[2][key]", "1"),
            ("fields[2][identifier]", "uscc"),
            ("fields[3][name]", "作废"),
            ("fields[3][delete]", "1"),
            ("fields[4][name]", ""),
            ("fields[5][type]", "N"),
            ("fields[x][name]", "ignored"),
            ("fields[99999][name]", "ignored"),
        ]));
        let codes: Vec<_> = f.rows.iter().map(|r| r.code.as_str()).collect();
        assert_eq!(codes, ["uscc", "name"]);
        assert!(f.rows[0].key);
        assert_eq!(f.blanks, 2);
    }

    #[test]
    fn an_error_at_a_field_path_lands_on_its_row() {
        assert_eq!(error_row("fields[3].code"), Some((3, "code")));
        assert_eq!(error_row("fields"), None);
        assert_eq!(row_key("fields[0][description]"), Some((0, "description")));
        assert_eq!(row_key("fields[0]"), None);
    }

    #[test]
    fn tags_split_on_commas_and_the_enumeration_comma() {
        assert_eq!(
            split_list("人口、户籍, 法人，企业", &[',', '，', '、']),
            ["人口", "户籍", "法人", "企业"]
        );
    }
}
