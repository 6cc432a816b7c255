//! The open list (开放清单) and the open catalog the portal searches.
//!
//! The catalog is small beside the records (Jinan: 2,309 datasets) and read on every portal
//! page, so it is kept in memory: one snapshot of every open dataset with its versions, files
//! and facets, rebuilt when an action that changes it bumps the generation (an approval, a
//! closing, a new version, a catalog change), and looked at again every [`SNAPSHOT_TTL`] (another
//! instance's change). A search is a scan of the snapshot: exact substring matching, which
//! is what a two-character Chinese query needs, with facet counts in the same pass.

use super::View;
use crate::action::Audited;
use crate::{ActionError, App, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::{OpenAttr, ResourceDoc, UpdateCycle};
use pubdata_core::opening::{self, OpenFormat};
use pubdata_core::policy;
use pubdata_store::opening::datasets::{self as store, DatasetRow, Use};
use serde::{Deserialize, Serialize};
use std::collections::{BTreeMap, HashMap};
use std::sync::{Arc, RwLock};
use std::time::{Duration, Instant};

/// How long a snapshot is served, by default, before its fingerprint is looked at again
/// (bounds another instance's lag; `Config::open_catalog_refresh`).
pub const SNAPSHOT_TTL: Duration = Duration::from_secs(10);

/// The facets of the open catalog, in the order the portal shows them.
pub const FACETS: [&str; 5] = [
    "theme",
    "provider_org_id",
    "format",
    "open_attr",
    "update_cycle",
];

#[derive(Debug, Clone, Serialize)]
pub struct OpenField {
    pub code: String,
    pub name: String,
    pub field_type: String,
    pub field_type_label: &'static str,
    pub description: String,
    /// The mask rule its values are opened under, if any.
    pub mask: Option<String>,
    pub mask_label: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenFile {
    pub format: String,
    /// Relative to the site: `/open/datasets/{name}/versions/{n}/{format}`.
    pub url: String,
    pub sha256: String,
    pub size: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenVersion {
    pub number: i64,
    pub published_at: String,
    #[serde(skip)]
    pub published_ms: i64,
    /// Records of the version the open view keeps (known once its files are written).
    pub rows: Option<i64>,
    pub files: Vec<OpenFile>,
}

#[derive(Debug, Clone, Serialize, Default)]
pub struct UseCounts {
    pub views: i64,
    pub downloads: i64,
    pub api_calls: i64,
}

/// An open dataset as the public sees it.
#[derive(Debug, Clone, Serialize)]
pub struct OpenDataset {
    pub id: String,
    pub name: String,
    pub title: String,
    pub summary: String,
    pub resource_id: String,
    pub resource_code: String,
    pub provider_org_id: String,
    pub provider_name: String,
    pub theme: String,
    pub tags: Vec<String>,
    pub open_attr: OpenAttr,
    pub open_attr_label: &'static str,
    pub conditions: String,
    pub licence: String,
    pub licence_title: String,
    pub update_cycle: UpdateCycle,
    pub update_cycle_label: &'static str,
    /// The last published version's time, if any.
    pub last_updated: Option<String>,
    /// When the next update is due by the update cycle, and whether it is late.
    pub next_update_due: Option<String>,
    pub overdue: bool,
    /// `csv`, `parquet`, `json`, and `api`.
    pub formats: Vec<String>,
    pub fields: Vec<OpenField>,
    /// Rows filtered by the opening (`{code: value}`), shown so users know it is a view.
    pub row_filter: BTreeMap<String, String>,
    pub versions: Vec<OpenVersion>,
    pub quality_score: Option<f64>,
    pub counts: UseCounts,
    /// `/api/v1/open/datasets/{name}/records`.
    pub records_url: String,
    pub opened_at: String,
    pub status: String,
}

/// What the snapshot keeps per dataset beside its public form.
pub(crate) struct Entry {
    pub dataset: OpenDataset,
    pub doc: ResourceDoc,
    pub view: View,
    pub row: DatasetRow,
    /// Lower-cased title, summary, tags, unit and field names: what a query matches.
    title_lc: String,
    tags_lc: String,
    text_lc: String,
    /// The later of the last publication and the opening's own last change.
    pub updated_ms: i64,
    /// The CKAN door's names: the provider's organization name, and the formats of the
    /// published files in upper case (what `organization:` and `res_format:` match).
    pub ckan_org: String,
    pub ckan_formats: Vec<String>,
}

impl Entry {
    /// Whether the title, tags or text contain the term.
    pub(crate) fn has_term(&self, term: &Term) -> bool {
        let f = &term.finder;
        f.find(self.title_lc.as_bytes()).is_some()
            || f.find(self.tags_lc.as_bytes()).is_some()
            || f.find(self.text_lc.as_bytes()).is_some()
    }

    /// How well the dataset matches every term (title 3, tags 2, text 1, plus 1 per term),
    /// or None when a term is missing.
    pub(crate) fn score(&self, terms: &[Term]) -> Option<u32> {
        let mut score = 0u32;
        for t in terms {
            let f = &t.finder;
            let title = f.find(self.title_lc.as_bytes()).is_some();
            let tags = f.find(self.tags_lc.as_bytes()).is_some();
            if !title && !tags && f.find(self.text_lc.as_bytes()).is_none() {
                return None;
            }
            score += 3 * u32::from(title) + 2 * u32::from(tags) + 1;
        }
        Some(score)
    }
}

/// A query term, lower-cased, with its searcher built once for the whole scan (building one
/// per dataset costs more than the search).
pub(crate) struct Term {
    pub text: String,
    finder: memchr::memmem::Finder<'static>,
}

impl Term {
    pub(crate) fn new(text_lc: &str) -> Term {
        Term {
            text: text_lc.to_owned(),
            finder: memchr::memmem::Finder::new(text_lc.as_bytes()).into_owned(),
        }
    }
}

/// Every dataset on the open list (closed ones too, for their pages to say so).
pub struct OpenCatalog {
    pub(crate) entries: Vec<Arc<Entry>>,
    by_name: HashMap<String, usize>,
    pub org_names: HashMap<String, String>,
    /// Every unit, by id (the CKAN door and the DCAT export describe publishers).
    pub orgs: HashMap<String, pubdata_store::orgs::OrgRow>,
    /// Each theme of an open dataset → its URL-safe name (`opening::theme_names`).
    pub theme_names: BTreeMap<String, String>,
    /// The CKAN door's resource ids → (entry, version, format), made on first use.
    pub(crate) ckan_resources: std::sync::OnceLock<HashMap<String, (usize, i64, String)>>,
    /// Which entries hold each character and character pair, made on first search.
    text_index: std::sync::OnceLock<TextIndex>,
    /// The CKAN door's package dicts as written, by dataset id, for one site address (the
    /// links in them are absolute): a search page is twenty of them.
    pub(crate) ckan_json: RwLock<Option<(String, PackageCache)>>,
}

/// Package dicts as written, by dataset id.
pub(crate) type PackageCache = HashMap<String, Box<serde_json::value::RawValue>>;

/// Which entries hold each character, and each pair of adjacent characters, of their title,
/// tags or text. A query term's candidates are the entries on every list of its pairs (of
/// its one character, if that is all it has), then checked by a substring search: a search
/// reads the datasets that could match, not every dataset's text.
struct TextIndex {
    postings: HashMap<u64, Vec<u32>>,
}

impl TextIndex {
    fn build(entries: &[Arc<Entry>]) -> TextIndex {
        let mut postings: HashMap<u64, Vec<u32>> = HashMap::new();
        let mut keys = Vec::new();
        for (i, e) in entries.iter().enumerate() {
            keys.clear();
            for text in [&e.title_lc, &e.tags_lc, &e.text_lc] {
                grams(text, &mut keys);
            }
            keys.sort_unstable();
            keys.dedup();
            for k in &keys {
                postings.entry(*k).or_default().push(i as u32);
            }
        }
        TextIndex { postings }
    }
}

/// Each character (high bit set) and each pair of adjacent characters of a text, as keys.
fn grams(text: &str, out: &mut Vec<u64>) {
    let mut prev: Option<char> = None;
    for c in text.chars() {
        out.push(1 << 63 | c as u64);
        if let Some(p) = prev {
            out.push((p as u64) << 32 | c as u64);
        }
        prev = Some(c);
    }
}

impl OpenCatalog {
    /// The entries (by index, ascending) whose title, tags or text contain the term.
    pub(crate) fn containing(&self, term: &Term) -> Vec<u32> {
        let index = self
            .text_index
            .get_or_init(|| TextIndex::build(&self.entries));
        let chars: Vec<char> = term.text.chars().collect();
        let keys: Vec<u64> = match chars.len() {
            0 => return (0..self.entries.len() as u32).collect(),
            1 => vec![1 << 63 | chars[0] as u64],
            _ => chars
                .windows(2)
                .map(|w| (w[0] as u64) << 32 | w[1] as u64)
                .collect(),
        };
        let Some(mut lists) = keys
            .iter()
            .map(|k| index.postings.get(k))
            .collect::<Option<Vec<&Vec<u32>>>>()
        else {
            return Vec::new();
        };
        lists.sort_by_key(|l| l.len());
        let mut found = lists[0].clone();
        for l in &lists[1..] {
            found.retain(|i| l.binary_search(i).is_ok());
        }
        found.retain(|i| self.entries[*i as usize].has_term(term));
        found
    }

    /// For each term, whether each entry contains it.
    pub(crate) fn term_sets(&self, terms: &[Term]) -> Vec<Vec<bool>> {
        terms
            .iter()
            .map(|t| {
                let mut set = vec![false; self.entries.len()];
                for i in self.containing(t) {
                    set[i as usize] = true;
                }
                set
            })
            .collect()
    }
}

impl OpenCatalog {
    pub(crate) fn get(&self, name: &str) -> Option<&Arc<Entry>> {
        self.by_name.get(name).map(|i| &self.entries[*i])
    }

    pub(crate) fn open(&self) -> impl Iterator<Item = &Arc<Entry>> {
        self.entries.iter().filter(|e| e.row.status == "open")
    }
}

/// The open catalog in hand, with what it was built from and when it was last checked.
#[derive(Clone)]
struct Snapshot {
    catalog: Arc<OpenCatalog>,
    generation: u64,
    fingerprint: Vec<i64>,
    built: Instant,
    checked: Instant,
}

#[derive(Default)]
pub struct OpeningCache {
    snapshot: RwLock<Option<Snapshot>>,
    rebuilding: tokio::sync::Mutex<()>,
    /// A background check of the snapshot is under way.
    refreshing: std::sync::atomic::AtomicBool,
    /// Uses counted, not yet written.
    pub uses: super::records::UseCounter,
    /// Developer keys' rate quotas.
    pub quotas: crate::cache::Quotas,
    /// Developer keys by their token's hash (None: a token that is not a key).
    pub keys: crate::cache::StampedMap<String, Option<pubdata_store::opening::datasets::KeyRow>>,
}

/// The open catalog as of now. A change made through this instance (the generation moved)
/// is rebuilt before answering, so its author sees it at once. Past its refresh time (another
/// instance's changes) the snapshot in hand is served while one background task looks at
/// the store's fingerprint and rebuilds only if it moved — no reader waits on a rebuild,
/// which takes about a second at 10,000 datasets. Every [`SNAPSHOT_MAX_AGE`] it is rebuilt
/// anyway, for the use counts the fingerprint leaves out.
pub(crate) async fn catalog(app: &App) -> Result<Arc<OpenCatalog>, ActionError> {
    let cache = &app.caches().opening;
    let generation = app.caches().generation.current();
    let current = cache.snapshot.read().expect("snapshot lock").clone();
    if let Some(s) = current.filter(|s| s.generation == generation) {
        if s.checked.elapsed() >= app.config().open_catalog_refresh
            && !cache
                .refreshing
                .swap(true, std::sync::atomic::Ordering::AcqRel)
        {
            let app = app.clone();
            tokio::spawn(async move {
                if let Err(e) = revalidate(&app, generation).await {
                    tracing::warn!(error = %e, "refreshing the open catalog failed");
                }
                app.caches()
                    .opening
                    .refreshing
                    .store(false, std::sync::atomic::Ordering::Release);
            });
        }
        return Ok(s.catalog);
    }
    let _one = cache.rebuilding.lock().await;
    let generation = app.caches().generation.current();
    let current = cache.snapshot.read().expect("snapshot lock").clone();
    if let Some(s) = current.filter(|s| s.generation == generation) {
        return Ok(s.catalog);
    }
    let fingerprint = fingerprint(app).await?;
    let built = Arc::new(build(app).await?);
    *cache.snapshot.write().expect("snapshot lock") = Some(Snapshot {
        catalog: built.clone(),
        generation,
        fingerprint,
        built: Instant::now(),
        checked: Instant::now(),
    });
    Ok(built)
}

/// The longest a snapshot is kept while the fingerprint stays the same.
pub const SNAPSHOT_MAX_AGE: Duration = Duration::from_secs(300);

async fn fingerprint(app: &App) -> Result<Vec<i64>, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let f = store::fingerprint(&mut tx).await;
    tx.rollback().await?;
    Ok(f?)
}

/// The background look past the TTL: rebuild if the store moved (or the snapshot is old),
/// else only note that it was checked. A local change meanwhile wins.
async fn revalidate(app: &App, generation: u64) -> Result<(), ActionError> {
    let cache = &app.caches().opening;
    let Some(old) = cache.snapshot.read().expect("snapshot lock").clone() else {
        return Ok(());
    };
    let fingerprint = fingerprint(app).await?;
    let fresh = if fingerprint == old.fingerprint && old.built.elapsed() < SNAPSHOT_MAX_AGE {
        Snapshot {
            checked: Instant::now(),
            ..old
        }
    } else {
        let _one = cache.rebuilding.lock().await;
        Snapshot {
            catalog: Arc::new(build(app).await?),
            generation,
            fingerprint,
            built: Instant::now(),
            checked: Instant::now(),
        }
    };
    let mut slot = cache.snapshot.write().expect("snapshot lock");
    if slot.as_ref().is_some_and(|s| s.generation == generation) {
        *slot = Some(fresh);
    }
    Ok(())
}

async fn build(app: &App) -> Result<OpenCatalog, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let rows = store::all(&mut tx).await?;
    let resources = store::resources(&mut tx).await?;
    let versions = store::all_versions(&mut tx).await?;
    let files = store::all_files(&mut tx).await?;
    let scores: HashMap<String, f64> = store::quality_scores(&mut tx).await?.into_iter().collect();
    let totals: HashMap<String, store::StatRow> = store::stat_totals(&mut tx)
        .await?
        .into_iter()
        .map(|s| (s.dataset_id.clone(), s))
        .collect();
    let orgs = pubdata_store::orgs::list(&mut tx, None, 1_000_000, true).await?;
    tx.rollback().await?;
    let org_names: HashMap<String, String> = orgs
        .iter()
        .map(|o| (o.id.clone(), o.name.clone()))
        .collect();
    let orgs: HashMap<String, pubdata_store::orgs::OrgRow> =
        orgs.into_iter().map(|o| (o.id.clone(), o)).collect();
    let docs: HashMap<String, ResourceDoc> = resources
        .into_iter()
        .map(|r| crate::catalog::resources::parse_doc(&r.id, &r.doc).map(|d| (r.id.clone(), d)))
        .collect::<Result<_, _>>()?;
    let mut versions_of: HashMap<&str, Vec<&store::OpenVersionRow>> = HashMap::new();
    for v in &versions {
        versions_of
            .entry(v.resource_id.as_str())
            .or_default()
            .push(v);
    }
    let mut files_of: HashMap<(&str, i64), Vec<&store::OpenFileRow>> = HashMap::new();
    for f in &files {
        files_of
            .entry((f.dataset_id.as_str(), f.version))
            .or_default()
            .push(f);
    }
    let mut entries = Vec::with_capacity(rows.len());
    for row in rows {
        let Some(doc) = docs.get(&row.resource_id).cloned() else {
            continue;
        };
        let view = View::from_json(&row.fields, &row.masks, &row.row_filter)?;
        let vs: Vec<OpenVersion> = versions_of
            .get(row.resource_id.as_str())
            .map(|vs| {
                vs.iter()
                    .map(|v| {
                        let fs = files_of
                            .get(&(row.id.as_str(), v.number))
                            .cloned()
                            .unwrap_or_default();
                        OpenVersion {
                            number: v.number,
                            published_at: rfc3339(v.published_at),
                            published_ms: v.published_at,
                            rows: fs.first().map(|f| f.rows_count),
                            files: fs
                                .iter()
                                .map(|f| OpenFile {
                                    url: file_url(&row.name, v.number, &f.format),
                                    format: f.format.clone(),
                                    sha256: f.sha256.clone(),
                                    size: f.size,
                                })
                                .collect(),
                        }
                    })
                    .collect()
            })
            .unwrap_or_default();
        let last_ms = versions_of
            .get(row.resource_id.as_str())
            .and_then(|vs| vs.first())
            .map(|v| v.published_at);
        let next_due = last_ms.and_then(|ms| {
            pubdata_core::aggregation::due::next_due(doc.update_cycle, crate::local_date(ms))
        });
        let counts = totals
            .get(&row.id)
            .map(|s| UseCounts {
                views: s.views,
                downloads: s.downloads,
                api_calls: s.api_calls,
            })
            .unwrap_or_default();
        let provider_name = org_names
            .get(&row.provider_org_id)
            .cloned()
            .unwrap_or_default();
        let open_attr = OpenAttr::parse(&row.open_attr).unwrap_or(OpenAttr::Conditional);
        let licence_title = opening::LICENCES
            .iter()
            .find(|(id, _)| *id == row.licence)
            .map_or(row.licence.clone(), |(_, t)| (*t).to_owned());
        let fields: Vec<OpenField> = view
            .columns(&doc)
            .into_iter()
            .map(|(i, _, mask)| {
                let f = &doc.fields[i];
                OpenField {
                    code: f.code.clone(),
                    name: f.name.clone(),
                    field_type: f.field_type.as_str().to_owned(),
                    field_type_label: f.field_type.label_zh(),
                    description: f.description.clone(),
                    mask: mask.map(|m| m.as_str().to_owned()),
                    mask_label: mask.map(|m| m.label_zh()),
                }
            })
            .collect();
        let title_lc = doc.name.to_lowercase();
        let tags_lc = doc.tags.join("\u{1f}").to_lowercase();
        let text_lc = format!(
            "{}\u{1f}{}\u{1f}{}\u{1f}{}\u{1f}{}",
            doc.summary,
            doc.tags.join(" "),
            provider_name,
            doc.theme,
            fields
                .iter()
                .map(|f| f.name.as_str())
                .collect::<Vec<_>>()
                .join(" ")
        )
        .to_lowercase();
        let today = crate::today();
        let dataset = OpenDataset {
            id: row.id.clone(),
            name: row.name.clone(),
            title: doc.name.clone(),
            summary: doc.summary.clone(),
            resource_id: row.resource_id.clone(),
            resource_code: doc.code.clone(),
            provider_org_id: row.provider_org_id.clone(),
            provider_name,
            theme: doc.theme.clone(),
            tags: doc.tags.clone(),
            open_attr,
            open_attr_label: open_attr.label_zh(),
            conditions: row.conditions.clone(),
            licence: row.licence.clone(),
            licence_title,
            update_cycle: doc.update_cycle,
            update_cycle_label: doc.update_cycle.label_zh(),
            last_updated: last_ms.map(rfc3339),
            next_update_due: next_due.map(|d| d.to_string()),
            overdue: next_due.is_some_and(|d| d < today),
            formats: OpenFormat::ALL
                .iter()
                .map(|f| f.as_str().to_owned())
                .chain(std::iter::once("api".to_owned()))
                .collect(),
            fields,
            row_filter: view.row_filter.clone(),
            versions: vs,
            quality_score: scores.get(&row.resource_id).copied(),
            counts,
            records_url: format!("/api/v1/open/datasets/{}/records", row.name),
            opened_at: rfc3339(row.opened_at),
            status: row.status.clone(),
        };
        let ckan_org = orgs.get(&row.provider_org_id).map_or_else(
            || row.provider_org_id.clone(),
            |o| opening::org_name(&o.uscc),
        );
        let ckan_formats = OpenFormat::ALL
            .iter()
            .filter(|f| {
                dataset
                    .versions
                    .iter()
                    .any(|v| v.files.iter().any(|x| x.format == f.as_str()))
            })
            .map(|f| f.as_str().to_uppercase())
            .collect();
        entries.push(Arc::new(Entry {
            ckan_org,
            ckan_formats,
            dataset,
            doc,
            view,
            updated_ms: last_ms.unwrap_or(row.updated_at).max(row.updated_at),
            row,
            title_lc,
            tags_lc,
            text_lc,
        }));
    }
    let by_name = entries
        .iter()
        .enumerate()
        .map(|(i, e)| (e.row.name.clone(), i))
        .collect();
    let theme_names = opening::theme_names(
        entries
            .iter()
            .filter(|e| e.row.status == "open" && !e.dataset.theme.trim().is_empty())
            .map(|e| e.dataset.theme.as_str()),
    );
    Ok(OpenCatalog {
        entries,
        by_name,
        org_names,
        orgs,
        theme_names,
        ckan_resources: Default::default(),
        text_index: Default::default(),
        ckan_json: Default::default(),
    })
}

pub(crate) fn file_url(name: &str, version: i64, format: &str) -> String {
    format!("/open/datasets/{name}/versions/{version}/{format}")
}

#[derive(Debug, Clone, Default, Deserialize)]
pub struct OpenQuery {
    pub q: Option<String>,
    pub theme: Option<String>,
    pub provider_org_id: Option<String>,
    pub format: Option<String>,
    pub open_attr: Option<String>,
    pub update_cycle: Option<String>,
    /// `relevance` (default), `updated`, `popular`, `name`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenSearchPage {
    pub items: Vec<OpenDataset>,
    pub next_cursor: Option<String>,
    pub total: usize,
    /// facet → value → count, over every match.
    pub facets: BTreeMap<&'static str, BTreeMap<String, usize>>,
    /// The units named in `facets.provider_org_id`, by id.
    pub org_names: BTreeMap<String, String>,
}

fn blank(s: &Option<String>) -> Option<&str> {
    s.as_deref().map(str::trim).filter(|s| !s.is_empty())
}

/// Searches the open catalog. Pure over a snapshot, so the portal, the API and the CKAN
/// door answer alike.
pub(crate) fn search_in(cat: &OpenCatalog, q: &OpenQuery) -> Result<OpenSearchPage, ActionError> {
    let limit = crate::platform::page_limit(q.limit) as usize;
    let offset = match blank(&q.cursor) {
        None => 0,
        Some(c) => c
            .parse::<usize>()
            .map_err(|_| ActionError::BadRequest("invalid_cursor"))?,
    };
    let terms: Vec<Term> = blank(&q.q)
        .map(|t| {
            t.split_whitespace()
                .map(|w| Term::new(&w.to_lowercase()))
                .collect()
        })
        .unwrap_or_default();
    let filters: [Option<&str>; 5] = [
        blank(&q.theme),
        blank(&q.provider_org_id),
        blank(&q.format),
        blank(&q.open_attr),
        blank(&q.update_cycle),
    ];
    let mut facets: BTreeMap<&'static str, BTreeMap<String, usize>> =
        FACETS.iter().map(|f| (*f, BTreeMap::new())).collect();
    let mut hits: Vec<(u32, &Arc<Entry>)> = Vec::new();
    let sets = cat.term_sets(&terms);
    for (i, e) in cat.entries.iter().enumerate() {
        if e.row.status != "open" || !sets.iter().all(|s| s[i]) {
            continue;
        }
        let Some(score) = e.score(&terms) else {
            continue;
        };
        let d = &e.dataset;
        let values: [Vec<&str>; 5] = [
            vec![d.theme.as_str()],
            vec![d.provider_org_id.as_str()],
            d.formats.iter().map(String::as_str).collect(),
            vec![d.open_attr.as_str()],
            vec![d.update_cycle.as_str()],
        ];
        let passes = |skip: usize| {
            filters
                .iter()
                .zip(&values)
                .enumerate()
                .all(|(i, (f, vs))| i == skip || f.is_none_or(|f| vs.contains(&f)))
        };
        // Each facet counts the matches of every other filter (so a chosen value's siblings
        // still show how many they would give).
        for (i, name) in FACETS.iter().enumerate() {
            if passes(i) {
                for v in &values[i] {
                    *facets
                        .get_mut(name)
                        .expect("every facet")
                        .entry((*v).to_owned())
                        .or_default() += 1;
                }
            }
        }
        if passes(usize::MAX) {
            hits.push((score, e));
        }
    }
    match blank(&q.sort).unwrap_or("relevance") {
        "relevance" => hits.sort_by(|a, b| {
            b.0.cmp(&a.0)
                .then(b.1.updated_ms.cmp(&a.1.updated_ms))
                .then(a.1.row.name.cmp(&b.1.row.name))
        }),
        "updated" => hits.sort_by(|a, b| {
            b.1.updated_ms
                .cmp(&a.1.updated_ms)
                .then(a.1.row.name.cmp(&b.1.row.name))
        }),
        "popular" => hits.sort_by(|a, b| {
            let n = |e: &Entry| e.dataset.counts.views + e.dataset.counts.downloads;
            n(b.1).cmp(&n(a.1)).then(a.1.row.name.cmp(&b.1.row.name))
        }),
        "name" => hits.sort_by(|a, b| a.1.row.name.cmp(&b.1.row.name)),
        _ => return Err(ActionError::BadRequest("invalid_sort")),
    }
    let total = hits.len();
    let items: Vec<OpenDataset> = hits
        .iter()
        .skip(offset)
        .take(limit)
        .map(|(_, e)| e.dataset.clone())
        .collect();
    let next_cursor = (offset + items.len() < total).then(|| (offset + items.len()).to_string());
    let org_names = facets["provider_org_id"]
        .keys()
        .filter_map(|id| cat.org_names.get(id).map(|n| (id.clone(), n.clone())))
        .collect();
    Ok(OpenSearchPage {
        items,
        next_cursor,
        total,
        facets,
        org_names,
    })
}

/// Searches the open catalog: anyone, signed in or not.
pub async fn search_open_data(
    app: &App,
    actor: &Actor,
    q: OpenQuery,
) -> Result<OpenSearchPage, ActionError> {
    let a = Audited::new(app, actor, Action::SearchOpenData);
    a.finish(
        async {
            policy::anyone(a.action)?;
            let cat = catalog(app).await?;
            let page = search_in(&cat, &q)?;
            a.record_batched(None).await?;
            Ok(page)
        }
        .await,
    )
    .await
}

/// A dataset with its first rows, as the dataset page shows it.
#[derive(Debug, Clone, Serialize)]
pub struct DatasetView {
    #[serde(flatten)]
    pub dataset: OpenDataset,
    /// The first rows of the latest version as opened (masked), in field order.
    pub preview: Vec<Vec<Option<String>>>,
}

/// Rows a preview shows.
pub const PREVIEW_ROWS: usize = 10;

/// One open dataset by name, with a preview of its first rows; counts a view.
pub async fn view_open_dataset(
    app: &App,
    actor: &Actor,
    name: &str,
) -> Result<DatasetView, ActionError> {
    let a = Audited::new(app, actor, Action::ViewOpenDataset)
        .with_target(Target::new("open_dataset", name));
    a.finish(
        async {
            let cat = catalog(app).await?;
            let e = cat
                .get(name)
                .filter(|e| e.row.status == "open")
                .ok_or(ActionError::NotFound("dataset_not_found"))?
                .clone();
            policy::anyone(a.action)?;
            // Conditional data is seen under an agreement only: the page describes it, and
            // shows rows to those who hold one.
            let shows_rows = match e.dataset.open_attr {
                OpenAttr::Unconditional => true,
                _ => match actor.user_id() {
                    Some(u) => super::keys::agreement_in_force(app, u, &e.row.id).await?,
                    None => false,
                },
            };
            let preview = if shows_rows {
                preview(app, &e).await?
            } else {
                Vec::new()
            };
            let mut tx = app.db().begin_read().await?;
            let totals = store::stat_total(&mut tx, &e.row.id).await;
            tx.rollback().await?;
            a.record_batched(None).await?;
            super::records::count_use(app, &e.row.id, Use::View).await;
            let mut dataset = e.dataset.clone();
            let (v, d, c) = app.caches().opening.uses.pending(&e.row.id);
            let t = totals?;
            dataset.counts = UseCounts {
                views: t.0 + v,
                downloads: t.1 + d,
                api_calls: t.2 + c,
            };
            Ok(DatasetView { dataset, preview })
        }
        .await,
    )
    .await
}

/// The first rows of the latest version, as opened: the view's rows, fields and masks.
async fn preview(app: &App, e: &Entry) -> Result<Vec<Vec<Option<String>>>, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let out = async {
        let Some(version) = super::proposals::latest_version(&mut tx, &e.row.resource_id).await?
        else {
            return Ok(Vec::new());
        };
        let (rows, _) = super::proposals::view_rows(
            &mut tx,
            &e.row.resource_id,
            &e.doc,
            &e.view,
            version.1,
            PREVIEW_ROWS,
        )
        .await?;
        let cols = e.view.columns(&e.doc);
        Ok(rows
            .into_iter()
            .map(|r| cols.iter().map(|(i, _, _)| r[*i].clone()).collect())
            .collect())
    }
    .await;
    tx.rollback().await?;
    out
}

/// One line of the open list.
#[derive(Debug, Clone, Serialize)]
pub struct OpenListItem {
    pub name: String,
    pub title: String,
    pub resource_code: String,
    pub provider_org_id: String,
    pub provider_name: String,
    pub open_attr: OpenAttr,
    pub open_attr_label: &'static str,
    pub conditions: String,
    pub update_cycle: UpdateCycle,
    pub update_cycle_label: &'static str,
    pub formats: Vec<String>,
    pub licence: String,
    pub opened_at: String,
}

/// The open list: every dataset open now, by resource code. Public.
pub async fn open_list(app: &App, actor: &Actor) -> Result<Vec<OpenListItem>, ActionError> {
    let a = Audited::new(app, actor, Action::ViewOpenList);
    a.finish(
        async {
            policy::anyone(a.action)?;
            let cat = catalog(app).await?;
            let mut items: Vec<OpenListItem> = cat
                .open()
                .map(|e| {
                    let d = &e.dataset;
                    OpenListItem {
                        name: d.name.clone(),
                        title: d.title.clone(),
                        resource_code: d.resource_code.clone(),
                        provider_org_id: d.provider_org_id.clone(),
                        provider_name: d.provider_name.clone(),
                        open_attr: d.open_attr,
                        open_attr_label: d.open_attr_label,
                        conditions: d.conditions.clone(),
                        update_cycle: d.update_cycle,
                        update_cycle_label: d.update_cycle_label,
                        formats: d.formats.clone(),
                        licence: d.licence.clone(),
                        opened_at: d.opened_at.clone(),
                    }
                })
                .collect();
            items.sort_by(|a, b| a.resource_code.cmp(&b.resource_code));
            a.record_batched(None).await?;
            Ok(items)
        }
        .await,
    )
    .await
}

/// The open list as CSV (UTF-8 with BOM, so that spreadsheet programs read the Chinese).
pub fn open_list_csv(items: &[OpenListItem]) -> Result<Vec<u8>, ActionError> {
    let mut w = csv::Writer::from_writer(b"\xEF\xBB\xBF".to_vec());
    w.write_record([
        "资源代码",
        "数据集名称",
        "数据提供单位",
        "开放类型",
        "开放条件",
        "更新周期",
        "开放格式",
        "开放许可",
        "开放日期",
        "数据集地址",
    ])
    .map_err(ActionError::unexpected)?;
    for i in items {
        w.write_record([
            i.resource_code.as_str(),
            &i.title,
            &i.provider_name,
            i.open_attr_label,
            &i.conditions,
            i.update_cycle_label,
            &i.formats.join("、"),
            &i.licence,
            i.opened_at.get(..10).unwrap_or(&i.opened_at),
            &format!("/open/datasets/{}", i.name),
        ])
        .map_err(ActionError::unexpected)?;
    }
    w.into_inner().map_err(ActionError::unexpected)
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct CloseInput {
    pub reason: String,
}

/// Takes a dataset off the open list (the authority), with the reason its page shows.
pub async fn close_open_dataset(
    app: &App,
    actor: &Actor,
    name: &str,
    input: CloseInput,
) -> Result<(), ActionError> {
    let a = Audited::new(app, actor, Action::CloseOpenDataset)
        .with_target(Target::new("open_dataset", name));
    a.finish(
        async {
            let permit = policy::review_opening(actor, a.action)?;
            let reason = crate::sharing::required_text(
                "reason",
                &input.reason,
                2000,
                ("撤回理由", "reason"),
            )?;
            let mut tx = a.begin().await?;
            let d = store::get_by_name(&mut tx, name)
                .await?
                .ok_or(ActionError::NotFound("dataset_not_found"))?;
            if !store::close(&mut tx, &permit, &d.id, &reason, now_ms()).await? {
                return Err(ActionError::Conflict("dataset_not_open"));
            }
            a.commit(tx).await
        }
        .await,
    )
    .await
}
