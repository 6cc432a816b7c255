//! The open catalog as CKAN's Action API shows it (`/api/3/action/*`), so that the clients,
//! harvesters and scripts written for CKAN portals (ckanapi, ckanext-harvest) work unchanged.
//!
//! The shapes follow CKAN 2.10: a dataset is a `package` with its `organization` (the
//! providing unit, named by its credit code), `groups` (its theme, named in pinyin), `tags`,
//! `extras` and one `resource` per published version and format (newest first, ids stable
//! UUIDv5s); times are UTC without a zone. Everything is read from the open catalog's
//! snapshot in memory, so a search is a scan like the portal's: Solr's `q`/`fq` syntax as
//! harvesters send it (`opening::solr`), facets counted in the same pass.
//!
//! `datastore_search` reads a resource's version as opened, behind a developer key like the
//! records API (`records.rs`), whose rules it shares.

use super::datasets::{Entry, OpenCatalog, Term, catalog};
use super::records;
use crate::action::Audited;
use crate::error::FieldError;
use crate::{ActionError, App, now_ms};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::FieldType;
use pubdata_core::opening::solr::{self, Document, Query, Values, ckan_time};
use pubdata_core::opening::{self, OpenFormat};
use pubdata_core::policy;
use serde::Serialize;
use serde_json::value::RawValue;
use std::borrow::Cow;
use std::collections::{BTreeMap, HashMap};
use std::sync::Arc;

/// The CKAN version whose Action API this one follows (`status_show`).
pub const CKAN_VERSION: &str = "2.10.0";
/// `package_search`'s largest page (CKAN's `ckan.search.rows_max` default).
pub const ROWS_MAX: usize = 1000;
/// `datastore_search`'s largest page (CKAN's `ckan.datastore.search.rows_max` default).
pub const DATASTORE_ROWS_MAX: usize = 32_000;
/// The actions answered, as `help_show` and the unknown-action error list them.
pub const ACTIONS: &[(&str, &str)] = &[
    (
        "package_search",
        "Searches the open datasets: q, fq (Solr syntax), rows (≤1000), start, sort, facet.field, facet.limit, facet.mincount.",
    ),
    (
        "package_show",
        "One open dataset by id or name, with a resource per published version and format.",
    ),
    (
        "package_list",
        "The names of every open dataset (limit, offset).",
    ),
    (
        "organization_list",
        "The units that open data (all_fields, sort, limit, offset).",
    ),
    (
        "organization_show",
        "One unit by id or name (include_datasets).",
    ),
    ("group_list", "The themes of open data, as groups."),
    ("group_show", "One theme by id or name (include_datasets)."),
    ("tag_list", "The tags of open datasets (query, all_fields)."),
    ("license_list", "The licences open data is given under."),
    ("resource_show", "One resource (a version's file) by id."),
    (
        "status_show",
        "The site and the CKAN API version it follows.",
    ),
    (
        "datastore_search",
        "A resource's records as opened (a developer key is required): filters, q, fields, sort, limit (≤32000), offset, include_total.",
    ),
    ("site_read", "Whether the site can be read: true."),
    ("help_show", "What an action does (name)."),
];

/// A request to the Action API, its parameters read already (by the HTTP door).
#[derive(Debug, Clone)]
pub enum CkanRequest {
    PackageSearch(PackageSearch),
    PackageShow {
        id: String,
    },
    PackageList {
        limit: Option<usize>,
        offset: usize,
    },
    OrganizationList(GroupList),
    OrganizationShow {
        id: String,
        include_datasets: bool,
    },
    GroupList(GroupList),
    GroupShow {
        id: String,
        include_datasets: bool,
    },
    TagList {
        query: Option<String>,
        all_fields: bool,
    },
    LicenseList,
    ResourceShow {
        id: String,
    },
    StatusShow,
    SiteRead,
    HelpShow {
        name: String,
    },
}

impl CkanRequest {
    pub fn name(&self) -> &'static str {
        match self {
            CkanRequest::PackageSearch(_) => "package_search",
            CkanRequest::PackageShow { .. } => "package_show",
            CkanRequest::PackageList { .. } => "package_list",
            CkanRequest::OrganizationList(_) => "organization_list",
            CkanRequest::OrganizationShow { .. } => "organization_show",
            CkanRequest::GroupList(_) => "group_list",
            CkanRequest::GroupShow { .. } => "group_show",
            CkanRequest::TagList { .. } => "tag_list",
            CkanRequest::LicenseList => "license_list",
            CkanRequest::ResourceShow { .. } => "resource_show",
            CkanRequest::StatusShow => "status_show",
            CkanRequest::SiteRead => "site_read",
            CkanRequest::HelpShow { .. } => "help_show",
        }
    }
}

#[derive(Debug, Clone)]
pub struct PackageSearch {
    pub q: String,
    /// `fq` and every `fq_list` entry, all of which must hold.
    pub fq: Vec<String>,
    pub rows: usize,
    pub start: usize,
    pub sort: Option<String>,
    pub facet: bool,
    pub facet_fields: Vec<String>,
    /// Values per facet, most frequent first; negative: all.
    pub facet_limit: i64,
    pub facet_mincount: usize,
}

impl Default for PackageSearch {
    fn default() -> Self {
        PackageSearch {
            q: String::new(),
            fq: Vec::new(),
            rows: 10,
            start: 0,
            sort: None,
            facet: true,
            facet_fields: Vec::new(),
            facet_limit: 50,
            facet_mincount: 1,
        }
    }
}

#[derive(Debug, Clone, Default)]
pub struct GroupList {
    pub all_fields: bool,
    pub sort: Option<String>,
    pub limit: Option<usize>,
    pub offset: usize,
}

/// What an action answers (the envelope's `result`).
#[derive(Debug, Clone, Serialize)]
#[serde(untagged)]
pub enum CkanResult {
    Search(SearchResult),
    Package(Box<RawValue>),
    Names(Vec<String>),
    Groups(Vec<Group>),
    Group(Box<Group>),
    Tags(Vec<Tag>),
    Licenses(Vec<License>),
    Resource(Box<Resource>),
    Status(Status),
    Bool(bool),
    Text(String),
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchResult {
    pub count: usize,
    pub sort: String,
    /// Package dicts, as written.
    pub results: Vec<Box<RawValue>>,
    pub facets: BTreeMap<String, BTreeMap<String, usize>>,
    pub search_facets: BTreeMap<String, SearchFacet>,
}

#[derive(Debug, Clone, Serialize)]
pub struct SearchFacet {
    pub title: String,
    pub items: Vec<FacetItem>,
}

#[derive(Debug, Clone, Serialize)]
pub struct FacetItem {
    pub name: String,
    pub display_name: String,
    pub count: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct Package {
    pub id: String,
    pub name: String,
    pub title: String,
    pub notes: String,
    /// The dataset's page on the portal.
    pub url: String,
    /// The latest published version's number.
    pub version: Option<String>,
    pub author: Option<String>,
    pub author_email: Option<String>,
    pub maintainer: Option<String>,
    pub maintainer_email: Option<String>,
    pub license_id: String,
    pub license_title: String,
    pub license_url: Option<String>,
    pub isopen: bool,
    pub owner_org: String,
    pub organization: Group,
    pub private: bool,
    pub state: &'static str,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub metadata_created: String,
    pub metadata_modified: String,
    pub num_resources: usize,
    pub num_tags: usize,
    pub tags: Vec<Tag>,
    pub groups: Vec<Group>,
    pub extras: Vec<Extra>,
    pub resources: Vec<Resource>,
    pub relationships_as_object: Vec<()>,
    pub relationships_as_subject: Vec<()>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Extra {
    pub key: &'static str,
    pub value: String,
}

#[derive(Debug, Clone, Serialize)]
pub struct Resource {
    pub id: String,
    pub package_id: String,
    pub name: String,
    pub description: String,
    /// `CSV`, `PARQUET`, `JSON`.
    pub format: String,
    pub mimetype: &'static str,
    pub url: String,
    pub size: i64,
    /// The file's SHA-256, hex.
    pub hash: String,
    pub hash_algorithm: &'static str,
    pub created: String,
    pub last_modified: String,
    pub metadata_modified: String,
    pub position: usize,
    pub state: &'static str,
    pub url_type: Option<String>,
    pub resource_type: Option<String>,
    pub datastore_active: bool,
    /// The data version the file holds, and its records.
    pub data_version: i64,
    pub records: Option<i64>,
}

/// An organization (a providing unit) or a group (a theme).
#[derive(Debug, Clone, Serialize)]
pub struct Group {
    pub id: String,
    pub name: String,
    pub title: String,
    pub display_name: String,
    pub description: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub is_organization: bool,
    pub approval_status: &'static str,
    pub state: &'static str,
    pub image_url: String,
    pub image_display_url: String,
    pub created: String,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub package_count: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub num_followers: Option<usize>,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub packages: Option<Vec<Box<RawValue>>>,
}

#[derive(Debug, Clone, Serialize)]
pub struct Tag {
    pub id: String,
    pub name: String,
    pub display_name: String,
    pub state: &'static str,
    pub vocabulary_id: Option<String>,
}

#[derive(Debug, Clone, Serialize)]
pub struct License {
    pub id: &'static str,
    pub title: &'static str,
    pub url: &'static str,
    pub status: &'static str,
    pub family: &'static str,
    pub maintainer: &'static str,
    pub is_generic: bool,
    pub is_okd_compliant: bool,
    pub is_osi_compliant: bool,
    pub od_conformance: &'static str,
    pub osd_conformance: &'static str,
    pub domain_content: bool,
    pub domain_data: bool,
    pub domain_software: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct Status {
    pub ckan_version: &'static str,
    pub site_url: String,
    pub site_title: &'static str,
    pub site_description: &'static str,
    pub locale_default: &'static str,
    pub error_emails_to: Option<String>,
    pub extensions: Vec<&'static str>,
    pub pubdata_version: &'static str,
}

/// A resource's stable id: a UUIDv5 of its dataset, version and format, so it is the same
/// on every instance and after every restart (the DCAT export names distributions by it).
pub fn resource_id(dataset_id: &str, version: i64, format: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("pubdata:{dataset_id}/{version}/{format}").as_bytes(),
    )
    .to_string()
}

fn stable_id(kind: &str, name: &str) -> String {
    uuid::Uuid::new_v5(
        &uuid::Uuid::NAMESPACE_URL,
        format!("pubdata:{kind}:{name}").as_bytes(),
    )
    .to_string()
}

/// Answers one Action API call over the open catalog (`site`: the absolute base URL for
/// links). Anyone may call; each call is an audit entry naming the action.
pub async fn ckan_action(
    app: &App,
    actor: &Actor,
    site: &str,
    req: CkanRequest,
) -> Result<CkanResult, ActionError> {
    let a = Audited::new(app, actor, Action::QueryCkanApi)
        .with_target(Target::new("ckan_action", req.name()));
    a.finish(
        async {
            policy::anyone(a.action)?;
            let cat = catalog(app).await?;
            let ctx = Ctx {
                cat: &cat,
                site,
                now: now_ms(),
            };
            let result = answer(&ctx, req)?;
            a.record_batched(None).await?;
            Ok(result)
        }
        .await,
    )
    .await
}

struct Ctx<'a> {
    cat: &'a OpenCatalog,
    site: &'a str,
    now: i64,
}

fn not_found(what: &'static str) -> ActionError {
    ActionError::NotFound(what)
}

fn answer(ctx: &Ctx, req: CkanRequest) -> Result<CkanResult, ActionError> {
    let cat = ctx.cat;
    Ok(match req {
        CkanRequest::PackageSearch(s) => CkanResult::Search(search(ctx, &s)?),
        CkanRequest::PackageShow { id } => {
            let e = find_dataset(cat, &id).ok_or(not_found("dataset_not_found"))?;
            CkanResult::Package(package_json(ctx, e)?)
        }
        CkanRequest::PackageList { limit, offset } => {
            let mut names: Vec<String> = cat.open().map(|e| e.dataset.name.clone()).collect();
            names.sort();
            CkanResult::Names(
                names
                    .into_iter()
                    .skip(offset)
                    .take(limit.unwrap_or(usize::MAX))
                    .collect(),
            )
        }
        CkanRequest::OrganizationList(l) => {
            let orgs = organizations(ctx);
            list_groups(orgs, &l)
        }
        CkanRequest::GroupList(l) => list_groups(groups(ctx), &l),
        CkanRequest::OrganizationShow {
            id,
            include_datasets,
        } => {
            let mut g = organizations(ctx)
                .into_iter()
                .find(|g| g.id == id || g.name == id)
                .ok_or(not_found("organization_not_found"))?;
            if include_datasets {
                g.packages = Some(members(ctx, |e| e.dataset.provider_org_id == g.id)?);
            }
            CkanResult::Group(Box::new(g))
        }
        CkanRequest::GroupShow {
            id,
            include_datasets,
        } => {
            let (theme, mut g) = cat
                .theme_names
                .iter()
                .map(|(theme, name)| (theme.clone(), group(theme, name)))
                .find(|(_, g)| g.id == id || g.name == id)
                .ok_or(not_found("group_not_found"))?;
            g.package_count = Some(cat.open().filter(|e| e.dataset.theme == theme).count());
            if include_datasets {
                g.packages = Some(members(ctx, |e| e.dataset.theme == theme)?);
            }
            CkanResult::Group(Box::new(g))
        }
        CkanRequest::TagList { query, all_fields } => {
            let q = query.map(|q| q.to_lowercase());
            let mut tags: Vec<&str> = cat
                .open()
                .flat_map(|e| e.dataset.tags.iter().map(String::as_str))
                .filter(|t| q.as_deref().is_none_or(|q| t.to_lowercase().contains(q)))
                .collect();
            tags.sort_unstable();
            tags.dedup();
            if all_fields {
                CkanResult::Tags(tags.into_iter().map(tag).collect())
            } else {
                CkanResult::Names(tags.into_iter().map(str::to_owned).collect())
            }
        }
        CkanRequest::LicenseList => CkanResult::Licenses(licenses()),
        CkanRequest::ResourceShow { id } => {
            let (e, version, format) =
                find_resource(cat, &id).ok_or(not_found("data_resource_not_found"))?;
            let p = package(ctx, e);
            let r = p
                .resources
                .into_iter()
                .find(|r| r.data_version == version && r.format == format)
                .ok_or(not_found("data_resource_not_found"))?;
            CkanResult::Resource(Box::new(r))
        }
        CkanRequest::StatusShow => CkanResult::Status(Status {
            ckan_version: CKAN_VERSION,
            site_url: ctx.site.to_owned(),
            site_title: "公共数据开放平台",
            site_description: "公共数据开放（pubdata）：无条件开放和有条件开放的公共数据",
            locale_default: "zh_Hans_CN",
            error_emails_to: None,
            extensions: vec!["datastore", "dcat"],
            pubdata_version: env!("CARGO_PKG_VERSION"),
        }),
        CkanRequest::SiteRead => CkanResult::Bool(true),
        CkanRequest::HelpShow { name } => CkanResult::Text(
            ACTIONS
                .iter()
                .find(|(n, _)| *n == name)
                .map(|(_, h)| (*h).to_owned())
                .ok_or(not_found("action_not_found"))?,
        ),
    })
}

fn find_dataset<'c>(cat: &'c OpenCatalog, id: &str) -> Option<&'c Arc<Entry>> {
    cat.get(id)
        .filter(|e| e.row.status == "open")
        .or_else(|| cat.open().find(|e| e.row.id == id))
}

/// A resource id's dataset, version and format (upper case).
fn find_resource<'c>(cat: &'c OpenCatalog, id: &str) -> Option<(&'c Arc<Entry>, i64, String)> {
    let (i, version, format) = cat.ckan_resources().get(id)?.clone();
    let e = &cat.entries[i];
    (e.row.status == "open").then_some((e, version, format))
}

impl OpenCatalog {
    /// Every resource id of the catalog → (entry index, version, format in upper case); made
    /// once per snapshot, on first use.
    fn ckan_resources(&self) -> &HashMap<String, (usize, i64, String)> {
        self.ckan_resources.get_or_init(|| {
            let mut out = HashMap::new();
            for (i, e) in self.entries.iter().enumerate() {
                for v in &e.dataset.versions {
                    for f in &v.files {
                        out.insert(
                            resource_id(&e.row.id, v.number, &f.format),
                            (i, v.number, f.format.to_uppercase()),
                        );
                    }
                }
            }
            out
        })
    }
}

/// Package dicts kept written per snapshot, at most.
const PACKAGE_CACHE_MAX: usize = 5_000;

/// The dataset's package dict as written, from the snapshot's cache for this site (a
/// snapshot never changes, so neither does the dict; the site's address is in its links).
fn package_json(ctx: &Ctx, e: &Entry) -> Result<Box<RawValue>, ActionError> {
    let cache = &ctx.cat.ckan_json;
    if let Some((site, map)) = cache.read().expect("ckan cache lock").as_ref()
        && site == ctx.site
        && let Some(json) = map.get(&e.row.id)
    {
        return Ok(json.clone());
    }
    let json =
        serde_json::value::to_raw_value(&package(ctx, e)).map_err(ActionError::unexpected)?;
    let mut slot = cache.write().expect("ckan cache lock");
    if slot.as_ref().is_none_or(|(site, _)| site != ctx.site) {
        *slot = Some((ctx.site.to_owned(), HashMap::new()));
    }
    // Bounded (a package of many versions is tens of KB): the rest is written each time.
    if let Some((_, map)) = slot.as_mut()
        && map.len() < PACKAGE_CACHE_MAX
    {
        map.insert(e.row.id.clone(), json.clone());
    }
    Ok(json)
}

/// The dataset as CKAN's package dict.
fn package(ctx: &Ctx, e: &Entry) -> Package {
    let d = &e.dataset;
    let cat = ctx.cat;
    let site = ctx.site;
    let landing = format!("{site}/open/datasets/{}", d.name);
    let mut resources = Vec::new();
    for v in &d.versions {
        // In the order the portal lists them: CSV, Parquet, JSON.
        let mut files: Vec<_> = v.files.iter().collect();
        files.sort_by_key(|f| OpenFormat::ALL.iter().position(|o| o.as_str() == f.format));
        for f in files {
            let format = f.format.to_uppercase();
            resources.push(Resource {
                id: resource_id(&e.row.id, v.number, &f.format),
                package_id: e.row.id.clone(),
                name: format!("{} 第{}版 {format}", d.title, v.number),
                description: format!(
                    "{}：第{}版数据（{}发布）的 {format} 文件{}",
                    d.title,
                    v.number,
                    v.published_at.get(..10).unwrap_or(&v.published_at),
                    v.rows.map(|n| format!("，{n} 条记录")).unwrap_or_default()
                ),
                mimetype: OpenFormat::parse(&f.format).map_or("application/octet-stream", |f| {
                    f.content_type().split(';').next().unwrap_or("")
                }),
                format,
                url: format!("{site}{}", f.url),
                size: f.size,
                hash: f.sha256.clone(),
                hash_algorithm: "sha256",
                created: ckan_time(v.published_ms),
                last_modified: ckan_time(v.published_ms),
                metadata_modified: ckan_time(v.published_ms),
                position: resources.len(),
                state: "active",
                url_type: None,
                resource_type: None,
                datastore_active: true,
                data_version: v.number,
                records: v.rows,
            });
        }
    }
    let theme = cat
        .theme_names
        .get(&d.theme)
        .map(|name| group(&d.theme, name));
    let mut extras = vec![
        Extra {
            key: "identifier",
            value: d.resource_code.clone(),
        },
        Extra {
            key: "open_attr",
            value: d.open_attr.as_str().to_owned(),
        },
        Extra {
            key: "update_cycle",
            value: d.update_cycle.as_str().to_owned(),
        },
        Extra {
            key: "records_api",
            value: format!("{site}{}", d.records_url),
        },
        Extra {
            key: "landing_page",
            value: landing.clone(),
        },
        Extra {
            key: "theme",
            value: d.theme.clone(),
        },
    ];
    let optional = [
        (
            "open_conditions",
            Some(d.conditions.clone()).filter(|c| !c.is_empty()),
        ),
        ("next_update_due", d.next_update_due.clone()),
        ("quality_score", d.quality_score.map(|s| format!("{s:.1}"))),
    ];
    for (key, value) in optional {
        if let Some(value) = value {
            extras.push(Extra { key, value });
        }
    }
    extras.sort_by_key(|x| x.key);
    Package {
        id: e.row.id.clone(),
        name: d.name.clone(),
        title: d.title.clone(),
        notes: d.summary.clone(),
        url: landing,
        version: d.versions.first().map(|v| v.number.to_string()),
        author: Some(d.provider_name.clone()),
        author_email: None,
        maintainer: Some(d.provider_name.clone()),
        maintainer_email: None,
        license_id: d.licence.clone(),
        license_title: d.licence_title.clone(),
        license_url: opening::licence_url(&d.licence).map(str::to_owned),
        isopen: opening::licence_url(&d.licence).is_some(),
        owner_org: d.provider_org_id.clone(),
        organization: organization(ctx, &d.provider_org_id),
        private: false,
        state: "active",
        kind: "dataset",
        metadata_created: ckan_time(e.row.opened_at),
        metadata_modified: ckan_time(e.updated_ms),
        num_resources: resources.len(),
        num_tags: d.tags.len(),
        tags: d.tags.iter().map(|t| tag(t)).collect(),
        groups: theme.into_iter().collect(),
        extras,
        resources,
        relationships_as_object: Vec::new(),
        relationships_as_subject: Vec::new(),
    }
}

fn tag(name: &str) -> Tag {
    Tag {
        id: stable_id("tag", name),
        name: name.to_owned(),
        display_name: name.to_owned(),
        state: "active",
        vocabulary_id: None,
    }
}

fn organization(ctx: &Ctx, org_id: &str) -> Group {
    let org = ctx.cat.orgs.get(org_id);
    let title = org.map_or_else(String::new, |o| o.name.clone());
    Group {
        id: org_id.to_owned(),
        name: org.map_or_else(|| org_id.to_owned(), |o| opening::org_name(&o.uscc)),
        display_name: title.clone(),
        description: org.map_or_else(String::new, |o| format!("统一社会信用代码 {}", o.uscc)),
        title,
        kind: "organization",
        is_organization: true,
        approval_status: "approved",
        state: "active",
        image_url: String::new(),
        image_display_url: String::new(),
        created: org.map_or_else(String::new, |o| ckan_time(o.created_at)),
        package_count: None,
        num_followers: None,
        packages: None,
    }
}

fn group(theme: &str, name: &str) -> Group {
    Group {
        id: stable_id("theme", theme),
        name: name.to_owned(),
        title: theme.to_owned(),
        display_name: theme.to_owned(),
        description: String::new(),
        kind: "group",
        is_organization: false,
        approval_status: "approved",
        state: "active",
        image_url: String::new(),
        image_display_url: String::new(),
        created: String::new(),
        package_count: None,
        num_followers: None,
        packages: None,
    }
}

/// The units with open data, each with its count.
fn organizations(ctx: &Ctx) -> Vec<Group> {
    let mut counts: BTreeMap<&str, usize> = BTreeMap::new();
    for e in ctx.cat.open() {
        *counts.entry(&e.dataset.provider_org_id).or_default() += 1;
    }
    counts
        .into_iter()
        .map(|(id, n)| {
            let mut g = organization(ctx, id);
            g.package_count = Some(n);
            g.num_followers = Some(0);
            g
        })
        .collect()
}

fn groups(ctx: &Ctx) -> Vec<Group> {
    let mut counts: HashMap<&str, usize> = HashMap::new();
    for e in ctx.cat.open() {
        *counts.entry(&e.dataset.theme).or_default() += 1;
    }
    ctx.cat
        .theme_names
        .iter()
        .map(|(theme, name)| {
            let mut g = group(theme, name);
            g.package_count = Some(counts.get(theme.as_str()).copied().unwrap_or(0));
            g.num_followers = Some(0);
            g
        })
        .collect()
}

fn list_groups(mut gs: Vec<Group>, l: &GroupList) -> CkanResult {
    let sort = l
        .sort
        .as_deref()
        .unwrap_or("title asc")
        .trim()
        .to_lowercase();
    let (key, desc) = match sort.split_once(' ') {
        Some((k, d)) => (k.trim().to_owned(), d.trim() == "desc"),
        None => (sort.clone(), false),
    };
    match key.as_str() {
        "name" => gs.sort_by(|a, b| a.name.cmp(&b.name)),
        "package_count" => gs.sort_by_key(|g| g.package_count),
        _ => gs.sort_by(|a, b| a.title.cmp(&b.title).then(a.name.cmp(&b.name))),
    }
    if desc {
        gs.reverse();
    }
    let gs = gs
        .into_iter()
        .skip(l.offset)
        .take(l.limit.unwrap_or(usize::MAX));
    if l.all_fields {
        CkanResult::Groups(gs.collect())
    } else {
        CkanResult::Names(gs.map(|g| g.name).collect())
    }
}

/// The datasets of a unit or a theme (CKAN shows at most 1,000).
fn members(ctx: &Ctx, keep: impl Fn(&Entry) -> bool) -> Result<Vec<Box<RawValue>>, ActionError> {
    let mut es: Vec<&Arc<Entry>> = ctx.cat.open().filter(|e| keep(e)).collect();
    es.sort_by(|a, b| a.dataset.name.cmp(&b.dataset.name));
    es.into_iter()
        .take(ROWS_MAX)
        .map(|e| package_json(ctx, e))
        .collect()
}

fn licenses() -> Vec<License> {
    opening::LICENCES
        .iter()
        .map(|(id, title)| License {
            id,
            title,
            url: opening::licence_url(id).unwrap_or(""),
            status: "active",
            family: "",
            maintainer: "",
            is_generic: false,
            is_okd_compliant: true,
            is_osi_compliant: false,
            od_conformance: "approved",
            osd_conformance: "not reviewed",
            domain_content: true,
            domain_data: true,
            domain_software: false,
        })
        .collect()
}

/// An entry as the search sees it: CKAN's index fields over the open dataset.
struct Doc<'a> {
    e: &'a Entry,
    cat: &'a OpenCatalog,
    /// The free-text terms of `q` and `fq`, and for each whether this entry holds it.
    terms: &'a [Term],
    sets: &'a [Vec<bool>],
    index: usize,
}

impl<'a> Doc<'a> {
    /// A facet's values, borrowed from the snapshot (no allocation per dataset: facets are
    /// counted over every match). None for a field that is not a facet.
    fn facet(&self, field: &str) -> Option<Vec<&'a str>> {
        let e: &'a Entry = self.e;
        let d = &e.dataset;
        Some(match field {
            "organization" => vec![e.ckan_org.as_str()],
            "owner_org" => vec![d.provider_org_id.as_str()],
            "groups" => self
                .cat
                .theme_names
                .get(&d.theme)
                .map(String::as_str)
                .into_iter()
                .collect(),
            "tags" => d.tags.iter().map(String::as_str).collect(),
            "res_format" => e.ckan_formats.iter().map(String::as_str).collect(),
            "license_id" => vec![d.licence.as_str()],
            "open_attr" => vec![d.open_attr.as_str()],
            "update_cycle" => vec![d.update_cycle.as_str()],
            _ => return None,
        })
    }
}

/// The index fields `fq`, `q` and `facet.field` may name.
const SEARCH_FIELDS: &[&str] = &[
    "id",
    "name",
    "title",
    "notes",
    "text",
    "organization",
    "owner_org",
    "groups",
    "tags",
    "res_format",
    "license_id",
    "metadata_modified",
    "metadata_created",
    "state",
    "type",
    "dataset_type",
    "capacity",
    "num_resources",
    "num_tags",
    "identifier",
    "open_attr",
    "update_cycle",
    "res_name",
    "site_id",
];

impl Document for Doc<'_> {
    fn values(&self, field: &str) -> Values<'_> {
        if let Some(vs) = self.facet(field) {
            return Values::Texts(vs.into_iter().map(Cow::Borrowed).collect());
        }
        let d = &self.e.dataset;
        let one = |s: &str| Values::Texts(vec![Cow::Owned(s.to_owned())]);
        match field {
            "id" => Values::Texts(vec![Cow::Borrowed(self.e.row.id.as_str())]),
            "name" => Values::Texts(vec![Cow::Borrowed(d.name.as_str())]),
            "title" => Values::Texts(vec![Cow::Borrowed(d.title.as_str())]),
            "notes" => Values::Texts(vec![Cow::Borrowed(d.summary.as_str())]),
            "metadata_modified" => Values::Time(self.e.updated_ms),
            "metadata_created" => Values::Time(self.e.row.opened_at),
            "state" => one("active"),
            "type" | "dataset_type" => one("dataset"),
            "capacity" => one("public"),
            "site_id" => one("pubdata"),
            "num_resources" => one(&d
                .versions
                .iter()
                .map(|v| v.files.len())
                .sum::<usize>()
                .to_string()),
            "num_tags" => one(&d.tags.len().to_string()),
            "identifier" => Values::Texts(vec![Cow::Borrowed(d.resource_code.as_str())]),
            "res_name" => Values::Texts(
                d.versions
                    .iter()
                    .flat_map(|v| {
                        v.files.iter().map(move |f| {
                            Cow::Owned(format!(
                                "{} 第{}版 {}",
                                d.title,
                                v.number,
                                f.format.to_uppercase()
                            ))
                        })
                    })
                    .collect(),
            ),
            "text" => Values::Texts(vec![Cow::Owned(format!(
                "{} {} {}",
                d.title,
                d.summary,
                d.tags.join(" ")
            ))]),
            _ => Values::Unknown,
        }
    }

    fn has_text(&self, term_lc: &str) -> bool {
        match self.terms.iter().position(|t| t.text == term_lc) {
            Some(t) => self.sets[t][self.index],
            None => self.e.has_term(&Term::new(term_lc)),
        }
    }
}

fn query_error(field: &str, zh: String, en: String) -> ActionError {
    ActionError::invalid(
        "invalid_search_query",
        FieldError::new(field, "invalid_search_query", zh, en),
    )
}

fn parse_query(field: &str, text: &str) -> Result<Query, ActionError> {
    let q = solr::parse(text).map_err(|e| {
        query_error(
            field,
            format!("{field} 查询语法有误：{e}"),
            format!("{field} cannot be parsed: {e}"),
        )
    })?;
    if let Some(f) = q.fields().into_iter().find(|f| !SEARCH_FIELDS.contains(f)) {
        return Err(query_error(
            field,
            format!(
                "{field} 中的字段 {f} 不存在；可用字段：{}",
                SEARCH_FIELDS.join(", ")
            ),
            format!(
                "{field} names an undefined field {f}; fields: {}",
                SEARCH_FIELDS.join(", ")
            ),
        ));
    }
    Ok(q)
}

#[derive(Clone, Copy, PartialEq)]
enum SortKey {
    Score,
    Modified,
    Created,
    Name,
    Title,
    Id,
    Resources,
}

fn parse_sort(sort: &str) -> Result<Vec<(SortKey, bool)>, ActionError> {
    let mut keys = Vec::new();
    for part in sort.split(',').map(str::trim).filter(|p| !p.is_empty()) {
        let mut words = part.split_whitespace();
        let field = words.next().unwrap_or("");
        let dir = words.next().unwrap_or("asc").to_ascii_lowercase();
        let key = match field {
            "score" | "rank" => SortKey::Score,
            "metadata_modified" => SortKey::Modified,
            "metadata_created" => SortKey::Created,
            "name" => SortKey::Name,
            "title_string" | "title" => SortKey::Title,
            "id" => SortKey::Id,
            "num_resources" => SortKey::Resources,
            _ => {
                return Err(query_error(
                    "sort",
                    format!("不能按 {field} 排序"),
                    format!("cannot sort by {field}"),
                ));
            }
        };
        if (dir != "asc" && dir != "desc") || words.next().is_some() {
            return Err(query_error(
                "sort",
                format!("排序写法有误：{part}（应为“字段 asc|desc”）"),
                format!("bad sort {part} (expected \"field asc|desc\")"),
            ));
        }
        keys.push((key, dir == "desc"));
    }
    Ok(keys)
}

const DEFAULT_SORT: &str = "score desc, metadata_modified desc";

fn search(ctx: &Ctx, s: &PackageSearch) -> Result<SearchResult, ActionError> {
    let cat = ctx.cat;
    let q = parse_query("q", &s.q)?;
    let fqs: Vec<Query> =
        s.fq.iter()
            .map(|f| parse_query("fq", f))
            .collect::<Result<_, _>>()?;
    let sort_text = s
        .sort
        .as_deref()
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .unwrap_or(DEFAULT_SORT);
    let sort = parse_sort(sort_text)?;
    // Every free-text term of q and fq gets its searcher once; q's rank the hits.
    let mut terms: Vec<Term> = fqs
        .iter()
        .flat_map(|f| f.text_terms())
        .map(|t| Term::new(&t))
        .collect();
    let from_q = terms.len();
    terms.extend(q.text_terms().iter().map(|t| Term::new(t)));
    let facet_fields: Vec<&str> = if s.facet {
        s.facet_fields.iter().map(String::as_str).collect()
    } else {
        Vec::new()
    };
    let mut counts: Vec<HashMap<&str, usize>> = vec![HashMap::new(); facet_fields.len()];
    let mut hits: Vec<(u32, &Arc<Entry>)> = Vec::new();
    let sets = cat.term_sets(&terms);
    for (i, e) in cat.entries.iter().enumerate() {
        if e.row.status != "open" {
            continue;
        }
        let doc = Doc {
            e,
            cat,
            terms: &terms,
            sets: &sets,
            index: i,
        };
        if !q.matches(&doc, ctx.now) || !fqs.iter().all(|f| f.matches(&doc, ctx.now)) {
            continue;
        }
        for (i, f) in facet_fields.iter().enumerate() {
            for v in doc.facet(f).unwrap_or_default() {
                *counts[i].entry(v).or_default() += 1;
            }
        }
        hits.push((e.score(&terms[from_q..]).unwrap_or(0), e));
    }
    hits.sort_by(|a, b| {
        for (key, desc) in &sort {
            let o = match key {
                SortKey::Score => a.0.cmp(&b.0),
                SortKey::Modified => a.1.updated_ms.cmp(&b.1.updated_ms),
                SortKey::Created => a.1.row.opened_at.cmp(&b.1.row.opened_at),
                SortKey::Name => a.1.dataset.name.cmp(&b.1.dataset.name),
                SortKey::Title => a.1.dataset.title.cmp(&b.1.dataset.title),
                SortKey::Id => a.1.row.id.cmp(&b.1.row.id),
                SortKey::Resources => {
                    let n = |e: &Entry| {
                        e.dataset
                            .versions
                            .iter()
                            .map(|v| v.files.len())
                            .sum::<usize>()
                    };
                    n(a.1).cmp(&n(b.1))
                }
            };
            let o = if *desc { o.reverse() } else { o };
            if o.is_ne() {
                return o;
            }
        }
        a.1.dataset.name.cmp(&b.1.dataset.name)
    });
    let count = hits.len();
    let results = hits
        .iter()
        .skip(s.start)
        .take(s.rows.min(ROWS_MAX))
        .map(|(_, e)| package_json(ctx, e))
        .collect::<Result<_, _>>()?;
    let mut facets = BTreeMap::new();
    let mut search_facets = BTreeMap::new();
    for (field, values) in facet_fields.iter().zip(counts) {
        let mut items: Vec<(String, usize)> = values
            .into_iter()
            .map(|(v, n)| (v.to_owned(), n))
            .filter(|(_, n)| *n >= s.facet_mincount)
            .collect();
        items.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
        if s.facet_limit >= 0 {
            items.truncate(s.facet_limit as usize);
        }
        let display = |name: &str| -> String {
            match *field {
                "organization" => cat
                    .orgs
                    .values()
                    .find(|o| opening::org_name(&o.uscc) == name)
                    .map_or_else(|| name.to_owned(), |o| o.name.clone()),
                "groups" => cat
                    .theme_names
                    .iter()
                    .find(|(_, n)| n.as_str() == name)
                    .map_or_else(|| name.to_owned(), |(t, _)| t.clone()),
                "license_id" => opening::LICENCES
                    .iter()
                    .find(|(id, _)| *id == name)
                    .map_or_else(|| name.to_owned(), |(_, t)| (*t).to_owned()),
                _ => name.to_owned(),
            }
        };
        search_facets.insert(
            (*field).to_owned(),
            SearchFacet {
                title: (*field).to_owned(),
                items: items
                    .iter()
                    .map(|(name, count)| FacetItem {
                        name: name.clone(),
                        display_name: display(name),
                        count: *count,
                    })
                    .collect(),
            },
        );
        facets.insert((*field).to_owned(), items.into_iter().collect());
    }
    Ok(SearchResult {
        count,
        sort: sort_text.to_owned(),
        results,
        facets,
        search_facets,
    })
}

// ---------------------------------------------------------------------------------------
// datastore_search
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone)]
pub struct DatastoreSearch {
    pub resource_id: String,
    /// field → the values it may equal (any of them).
    pub filters: Vec<(String, Vec<String>)>,
    /// Full text over every field, or per field.
    pub q: Option<DatastoreQ>,
    pub fields: Option<Vec<String>>,
    pub sort: Option<String>,
    pub limit: usize,
    pub offset: usize,
    pub include_total: bool,
    /// `objects` (default) or `lists`.
    pub records_format: String,
}

#[derive(Debug, Clone)]
pub enum DatastoreQ {
    All(String),
    Fields(Vec<(String, String)>),
}

impl Default for DatastoreSearch {
    fn default() -> Self {
        DatastoreSearch {
            resource_id: String::new(),
            filters: Vec::new(),
            q: None,
            fields: None,
            sort: None,
            limit: 100,
            offset: 0,
            include_total: true,
            records_format: "objects".into(),
        }
    }
}

#[derive(Debug, Clone, Serialize)]
pub struct DatastoreField {
    pub id: String,
    #[serde(rename = "type")]
    pub kind: &'static str,
    pub info: DatastoreInfo,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatastoreInfo {
    pub label: String,
    pub notes: String,
    /// The mask the value is opened under, if any.
    #[serde(skip_serializing_if = "Option::is_none")]
    pub mask: Option<&'static str>,
}

#[derive(Debug, Clone, Serialize)]
pub struct DatastoreResult {
    pub resource_id: String,
    pub fields: Vec<DatastoreField>,
    pub records: Vec<serde_json::Value>,
    pub records_format: String,
    pub limit: usize,
    pub offset: usize,
    pub include_total: bool,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub total: Option<usize>,
    pub total_was_estimated: bool,
    #[serde(rename = "_links")]
    pub links: Links,
}

#[derive(Debug, Clone, Serialize)]
pub struct Links {
    pub start: String,
    pub next: String,
}

fn datastore_type(t: FieldType) -> &'static str {
    match t {
        FieldType::I => "int",
        FieldType::N | FieldType::F | FieldType::Y => "numeric",
        FieldType::D => "date",
        FieldType::T => "timestamp",
        FieldType::L => "bool",
        _ => "text",
    }
}

fn bad(field: &str, zh: String, en: String) -> ActionError {
    ActionError::invalid(
        "invalid_datastore_query",
        FieldError::new(field, "invalid_datastore_query", zh, en),
    )
}

/// Reads a resource's records (its version, as opened) the way CKAN's DataStore answers,
/// behind a developer key (`key`) like the records API, audited as a records read.
pub async fn datastore_search(
    app: &App,
    actor: &Actor,
    key: Option<&str>,
    s: DatastoreSearch,
) -> Result<DatastoreResult, ActionError> {
    let a = Audited::new(app, actor, Action::ReadOpenRecords)
        .with_target(Target::new("ckan_resource", &s.resource_id));
    let mut detail = serde_json::Map::new();
    detail.insert("via".into(), "ckan datastore_search".into());
    let outcome = async {
        let cat = catalog(app).await?;
        let (e, version, _format) =
            find_resource(&cat, &s.resource_id).ok_or(not_found("data_resource_not_found"))?;
        let e = e.clone();
        let v = e
            .dataset
            .versions
            .iter()
            .find(|v| v.number == version)
            .ok_or(not_found("data_resource_not_found"))?;
        let published_ms = v.published_ms;
        detail.insert("dataset".into(), e.dataset.name.clone().into());
        detail.insert("version".into(), version.into());
        let agreed = records::authorize_key(app, actor, key, &e, a.action, &mut detail).await?;
        let all_cols = records::opened_columns(&e, agreed.as_deref());
        let cols: Vec<_> = match &s.fields {
            None => all_cols.clone(),
            Some(wanted) => {
                let mut cols = Vec::new();
                for w in wanted.iter().filter(|w| w.as_str() != "_id") {
                    match all_cols.iter().find(|(_, c, _)| c == w) {
                        Some(c) => cols.push(*c),
                        None => {
                            return Err(bad(
                                "fields",
                                format!("字段 {w} 不存在或未开放"),
                                format!("field \"{w}\" does not exist or is not opened"),
                            ));
                        }
                    }
                }
                cols
            }
        };
        // Filters: any of the values, on opened fields that are not masked.
        let mut filters: Vec<(usize, Vec<String>)> = Vec::new();
        for (field, values) in &s.filters {
            let one = records::filter_columns(&all_cols, &[(field.clone(), String::new())])
                .map_err(|_| {
                    bad(
                        "filters",
                        format!("不能按字段 {field} 筛选：不存在、未开放或已脱敏"),
                        format!("cannot filter on \"{field}\": it does not exist, is not opened, or is masked"),
                    )
                })?;
            filters.push((one[0].0, values.iter().map(|v| v.trim().to_owned()).collect()));
        }
        let q: Vec<(Option<usize>, String)> = match &s.q {
            None => Vec::new(),
            Some(DatastoreQ::All(t)) => t
                .split_whitespace()
                .map(|w| (None, w.to_lowercase()))
                .collect(),
            Some(DatastoreQ::Fields(fs)) => {
                let mut out = Vec::new();
                for (f, t) in fs {
                    let i = all_cols
                        .iter()
                        .position(|(_, c, _)| c == f)
                        .ok_or_else(|| {
                            bad(
                                "q",
                                format!("字段 {f} 不存在或未开放"),
                                format!("field \"{f}\" does not exist or is not opened"),
                            )
                        })?;
                    out.push((Some(i), t.to_lowercase()));
                }
                out
            }
        };
        let sort: Vec<(usize, bool)> = match s.sort.as_deref().map(str::trim).filter(|t| !t.is_empty()) {
            None => Vec::new(),
            Some(text) => {
                let mut keys = Vec::new();
                for part in text.split(',').map(str::trim).filter(|p| !p.is_empty()) {
                    let mut w = part.split_whitespace();
                    let f = w.next().unwrap_or("").trim_matches('"');
                    let dir = w.next().unwrap_or("asc").to_ascii_lowercase();
                    let i = all_cols.iter().position(|(_, c, _)| *c == f);
                    match (i, dir.as_str()) {
                        (Some(i), "asc" | "desc") => keys.push((i, dir == "desc")),
                        _ => {
                            return Err(bad(
                                "sort",
                                format!("不能按 {part} 排序"),
                                format!("cannot sort by \"{part}\""),
                            ));
                        }
                    }
                }
                keys
            }
        };
        if s.records_format != "objects" && s.records_format != "lists" {
            return Err(bad(
                "records_format",
                "records_format 只能是 objects 或 lists".into(),
                "records_format must be objects or lists".into(),
            ));
        }
        let limit = s.limit.min(DATASTORE_ROWS_MAX);
        // The opened values (masked as text) of each kept record, with its position in the
        // version (`_id`): collected whole when sorting, else only the page.
        let window = s.offset.saturating_add(limit);
        let mut kept: Vec<(usize, Vec<serde_json::Value>)> = Vec::new();
        let mut position = 0usize;
        let mut total = 0usize;
        let must_see_all = s.include_total || !sort.is_empty();
        records::scan_version(app, &e, published_ms, |full, texts| {
            position += 1;
            let shown: Vec<serde_json::Value> = all_cols
                .iter()
                .map(|(i, _, m)| records::opened_value(&full[*i], *m))
                .collect();
            let text_of = |j: usize| match &shown[j] {
                serde_json::Value::String(s) => s.to_lowercase(),
                serde_json::Value::Null => String::new(),
                v => v.to_string(),
            };
            let passes = filters.iter().all(|(i, vs)| {
                vs.iter()
                    .any(|v| records::same_value(texts[*i].as_deref(), v))
            }) && q.iter().all(|(col, t)| match col {
                Some(j) => text_of(*j).contains(t.as_str()),
                None => (0..shown.len()).any(|j| text_of(j).contains(t.as_str())),
            });
            if !passes {
                return true;
            }
            total += 1;
            if sort.is_empty() && total > window {
                return must_see_all;
            }
            if !sort.is_empty() || total > s.offset {
                kept.push((position, shown));
            }
            true
        })
        .await?;
        if !sort.is_empty() {
            kept.sort_by(|a, b| {
                for (i, desc) in &sort {
                    let o = compare_json(&a.1[*i], &b.1[*i]);
                    let o = if *desc { o.reverse() } else { o };
                    if o.is_ne() {
                        return o;
                    }
                }
                a.0.cmp(&b.0)
            });
            kept = kept.into_iter().skip(s.offset).take(limit).collect();
        }
        // The chosen columns, by their place among the opened ones.
        let picks: Vec<(usize, &str)> = cols
            .iter()
            .map(|(_, code, _)| {
                (
                    all_cols.iter().position(|(_, c, _)| c == code).expect("chosen from them"),
                    *code,
                )
            })
            .collect();
        let with_id = s.fields.as_ref().is_none_or(|f| f.iter().any(|f| f == "_id"));
        let records_out: Vec<serde_json::Value> = kept
            .into_iter()
            .map(|(pos, shown)| {
                if s.records_format == "lists" {
                    let mut row: Vec<serde_json::Value> = Vec::new();
                    if with_id {
                        row.push(pos.into());
                    }
                    row.extend(picks.iter().map(|(j, _)| shown[*j].clone()));
                    serde_json::Value::Array(row)
                } else {
                    let mut obj = serde_json::Map::new();
                    if with_id {
                        obj.insert("_id".into(), pos.into());
                    }
                    for (j, code) in &picks {
                        obj.insert((*code).to_owned(), shown[*j].clone());
                    }
                    serde_json::Value::Object(obj)
                }
            })
            .collect();
        let mut fields = Vec::new();
        if with_id {
            fields.push(DatastoreField {
                id: "_id".into(),
                kind: "int",
                info: DatastoreInfo {
                    label: "序号".into(),
                    notes: "记录在该版本中的位置".into(),
                    mask: None,
                },
            });
        }
        for (i, code, mask) in &cols {
            let f = &e.doc.fields[*i];
            fields.push(DatastoreField {
                id: (*code).to_owned(),
                kind: if mask.is_some() { "text" } else { datastore_type(f.field_type) },
                info: DatastoreInfo {
                    label: f.name.clone(),
                    notes: f.description.clone(),
                    mask: mask.map(|m| m.as_str()),
                },
            });
        }
        let start = format!("/api/3/action/datastore_search?resource_id={}", s.resource_id);
        let next = format!(
            "/api/3/action/datastore_search?offset={}&resource_id={}",
            s.offset + limit,
            s.resource_id
        );
        detail.insert("records".into(), records_out.len().into());
        Ok(DatastoreResult {
            resource_id: s.resource_id.clone(),
            fields,
            records: records_out,
            records_format: s.records_format.clone(),
            limit,
            offset: s.offset,
            include_total: s.include_total,
            total: s.include_total.then_some(total),
            total_was_estimated: false,
            links: Links { start, next },
        })
        .map(|r| (r, e.row.id.clone()))
    }
    .await;
    match outcome {
        Ok((result, dataset_id)) => {
            a.record_batched(Some(serde_json::Value::Object(detail).to_string()))
                .await?;
            records::count_use(
                app,
                &dataset_id,
                pubdata_store::opening::datasets::Use::ApiCall,
            )
            .await;
            Ok(result)
        }
        Err(e) => a.finish(Err(e)).await,
    }
}

/// Orders JSON values as a column's: numbers by value, nulls last, else as text.
fn compare_json(a: &serde_json::Value, b: &serde_json::Value) -> std::cmp::Ordering {
    use serde_json::Value::*;
    use std::cmp::Ordering;
    match (a, b) {
        (Null, Null) => Ordering::Equal,
        (Null, _) => Ordering::Greater,
        (_, Null) => Ordering::Less,
        (Number(x), Number(y)) => x
            .as_f64()
            .partial_cmp(&y.as_f64())
            .unwrap_or(Ordering::Equal),
        (String(x), String(y)) => x.cmp(y),
        _ => a.to_string().cmp(&b.to_string()),
    }
}
