//! The open catalog as DCAT-AP 3, for harvesters (data.europa.eu, ckanext-dcat, udata…):
//! `/catalog.ttl` and `/catalog.jsonld`, paged with hydra as ckanext-dcat pages, and one
//! dataset at `/dataset/{name}.ttl` (or `.jsonld`). Only datasets open now are described.
//!
//! The document is built once as a list of nodes ([`Doc`]) and written either as Turtle
//! (through `oxttl`, which escapes and abbreviates) or as compact JSON-LD (prefixed names
//! under one `@context`), so the two forms hold the same triples. Every node carries its
//! `rdf:type`, so the class-range shapes of DCAT-AP (`range.ttl`) hold without loading the
//! vocabularies; every IRI is absolute, from the base URL the HTTP layer passes in.
//!
//! What it says, beside the obvious:
//! - a distribution per published file (each version × CSV, Parquet, JSON), its IRI ending in
//!   the CKAN resource id of that file, so a harvester of both doors sees one resource;
//! - the licence (EU licence authority IRIs), the update cycle as `dct:accrualPeriodicity`
//!   (EU frequency authority), the formats (EU file types and IANA media types);
//! - conditional data: `dct:accessRights` RESTRICTED (PUBLIC otherwise), and each
//!   distribution's `dct:rights` names the conditions; its files are still listed, since the
//!   download itself refuses anyone without an agreement;
//! - the contact point of a dataset is its provider, reached through the unit's portal page.

use super::ckan::resource_id;
use super::datasets::{self, OpenDataset};
use crate::action::Audited;
use crate::{ActionError, App, rfc3339};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::{OpenAttr, UpdateCycle};
use pubdata_core::opening;
use pubdata_core::policy;
use pubdata_store::orgs::OrgRow;
use serde::Deserialize;
use serde_json::{Map, Value, json};
use std::collections::{BTreeMap, HashMap};

/// Datasets on a page of the catalog unless the caller asks for another size (ckanext-dcat's
/// `ckanext.dcat.datasets_per_page`).
pub const PAGE_SIZE: usize = 100;
/// The largest `page_size` a caller may ask for.
pub const MAX_PAGE_SIZE: usize = 1000;

/// The language tag of the titles and descriptions the platform writes.
const LANG: &str = "zh-CN";

/// The two ways the export is written.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum RdfFormat {
    Turtle,
    JsonLd,
}

impl RdfFormat {
    /// By the file extension of the address (`ttl`, `jsonld`).
    pub fn from_extension(ext: &str) -> Option<RdfFormat> {
        match ext {
            "ttl" => Some(RdfFormat::Turtle),
            "jsonld" => Some(RdfFormat::JsonLd),
            _ => None,
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            RdfFormat::Turtle => "ttl",
            RdfFormat::JsonLd => "jsonld",
        }
    }

    pub fn content_type(self) -> &'static str {
        match self {
            RdfFormat::Turtle => "text/turtle; charset=utf-8",
            RdfFormat::JsonLd => "application/ld+json",
        }
    }
}

/// `?page=N&page_size=M`, as the caller wrote them (checked by the action, so a refusal is
/// in the log).
#[derive(Debug, Clone, Default, Deserialize)]
pub struct CatalogQuery {
    pub page: Option<String>,
    pub page_size: Option<String>,
}

/// The open catalog as DCAT-AP 3, one page of it: anyone, signed in or not. `base` is the
/// site's absolute address without a trailing slash (`https://data.example.gov.cn`).
pub async fn export_catalog(
    app: &App,
    actor: &Actor,
    base: &str,
    q: CatalogQuery,
    format: RdfFormat,
) -> Result<Vec<u8>, ActionError> {
    let a = Audited::new(app, actor, Action::ExportOpenCatalog);
    a.finish(
        async {
            policy::anyone(a.action)?;
            let (number, size) = parse_page(&q)?;
            let cat = datasets::catalog(app).await?;
            let mut open: Vec<(&OpenDataset, i64)> =
                cat.open().map(|e| (&e.dataset, e.updated_ms)).collect();
            // ckanext-dcat's order: the latest change first.
            open.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.name.cmp(&b.0.name)));
            let page = Page {
                number,
                size: size.unwrap_or(PAGE_SIZE),
                explicit_size: size.is_some(),
                total: open.len(),
            };
            let src = Source {
                base,
                orgs: &cat.orgs,
                theme_names: &cat.theme_names,
            };
            let dates = CatalogDates {
                issued_ms: cat.entries.iter().map(|e| e.row.opened_at).min(),
                modified_ms: cat.entries.iter().map(|e| e.updated_ms).max(),
            };
            let doc = catalog_doc(&src, &open[page.range()], dates, &page, format);
            let bytes = write(&doc, format)?;
            let detail = json!({
                "format": format.extension(),
                "page": number,
                "datasets": page.range().len(),
            });
            a.record_batched(Some(detail.to_string())).await?;
            Ok(bytes)
        }
        .await,
    )
    .await
}

/// One open dataset as DCAT-AP 3 (ckanext-dcat's `/dataset/{id}.ttl`): anyone.
pub async fn export_dataset(
    app: &App,
    actor: &Actor,
    base: &str,
    name: &str,
    format: RdfFormat,
) -> Result<Vec<u8>, ActionError> {
    let a = Audited::new(app, actor, Action::ExportOpenCatalog)
        .with_target(Target::new("open_dataset", name));
    a.finish(
        async {
            policy::anyone(a.action)?;
            let cat = datasets::catalog(app).await?;
            let e = cat
                .get(name)
                .filter(|e| e.row.status == "open")
                .ok_or(ActionError::NotFound("dataset_not_found"))?;
            let src = Source {
                base,
                orgs: &cat.orgs,
                theme_names: &cat.theme_names,
            };
            let mut doc = Doc::default();
            describe_dataset(&mut doc, &src, &e.dataset, e.updated_ms);
            let bytes = write(&doc, format)?;
            a.record_batched(Some(json!({"format": format.extension()}).to_string()))
                .await?;
            Ok(bytes)
        }
        .await,
    )
    .await
}

fn parse_page(q: &CatalogQuery) -> Result<(usize, Option<usize>), ActionError> {
    let number = |s: &Option<String>, max: usize| -> Result<Option<usize>, ActionError> {
        match s.as_deref().map(str::trim).filter(|s| !s.is_empty()) {
            None => Ok(None),
            Some(s) => s
                .parse::<usize>()
                .ok()
                .filter(|n| (1..=max).contains(n))
                .map(Some)
                .ok_or(ActionError::BadRequest("invalid_page")),
        }
    };
    // A page past any catalog's end still parses (it answers empty, as ckanext-dcat does);
    // the bound only keeps the arithmetic in range.
    let page = number(&q.page, u32::MAX as usize)?.unwrap_or(1);
    let size = number(&q.page_size, MAX_PAGE_SIZE)?;
    Ok((page, size))
}

/// Which slice of the datasets a page holds, and the hydra view that links the pages.
#[derive(Debug, Clone, PartialEq, Eq)]
struct Page {
    /// From 1.
    number: usize,
    size: usize,
    /// The size was asked for: the page links keep it.
    explicit_size: bool,
    total: usize,
}

impl Page {
    fn last(&self) -> usize {
        self.total.div_ceil(self.size).max(1)
    }

    fn range(&self) -> std::ops::Range<usize> {
        let start = (self.number - 1).saturating_mul(self.size).min(self.total);
        start..(start + self.size).min(self.total)
    }

    /// Hydra paging is written only when there is more than one page (or a page past the
    /// first was asked for).
    fn paged(&self) -> bool {
        self.total > self.size || self.number > 1
    }

    fn url(&self, base: &str, format: RdfFormat, number: usize) -> String {
        let mut url = format!("{base}/catalog.{}?page={number}", format.extension());
        if self.explicit_size {
            url.push_str(&format!("&page_size={}", self.size));
        }
        url
    }
}

/// What the descriptions are built from: the site's address and the snapshot's units and
/// theme names.
struct Source<'a> {
    base: &'a str,
    orgs: &'a HashMap<String, OrgRow>,
    theme_names: &'a BTreeMap<String, String>,
}

impl Source<'_> {
    fn catalog(&self) -> String {
        format!("{}/catalog", self.base)
    }
    fn dataset(&self, name: &str) -> String {
        format!("{}/dataset/{name}", self.base)
    }
    fn landing_page(&self, name: &str) -> String {
        format!("{}/open/datasets/{name}", self.base)
    }
    fn theme_scheme(&self) -> String {
        format!("{}/group", self.base)
    }
}

// ---------------------------------------------------------------------------------------
// Vocabulary
// ---------------------------------------------------------------------------------------

/// `ns!($, dcat, "http://www.w3.org/ns/dcat#")` makes `dcat!("Dataset")`, a `&'static str`.
macro_rules! ns {
    ($d:tt, $name:ident, $iri:literal) => {
        macro_rules! $name {
                                                                    ($d local:literal) => {
                                                                        concat!($iri, $d local)
                                                                    };
                                                                }
    };
}

ns!($, rdf, "http://www.w3.org/1999/02/22-rdf-syntax-ns#");
ns!($, rdfs, "http://www.w3.org/2000/01/rdf-schema#");
ns!($, dcat, "http://www.w3.org/ns/dcat#");
ns!($, dct, "http://purl.org/dc/terms/");
ns!($, dcatap, "http://data.europa.eu/r5r/");
ns!($, foaf, "http://xmlns.com/foaf/0.1/");
ns!($, vcard, "http://www.w3.org/2006/vcard/ns#");
ns!($, spdx, "http://spdx.org/rdf/terms#");
ns!($, skos, "http://www.w3.org/2004/02/skos/core#");
ns!($, xsd, "http://www.w3.org/2001/XMLSchema#");
ns!($, hydra, "http://www.w3.org/ns/hydra/core#");
ns!($, euvoc, "http://publications.europa.eu/resource/authority/");
ns!($, adms, "http://purl.org/adms/");

/// The prefixes both forms abbreviate with.
const PREFIXES: &[(&str, &str)] = &[
    ("dcat", dcat!("")),
    ("dct", dct!("")),
    ("dcatap", dcatap!("")),
    ("foaf", foaf!("")),
    ("vcard", vcard!("")),
    ("spdx", spdx!("")),
    ("skos", skos!("")),
    ("rdfs", rdfs!("")),
    ("xsd", xsd!("")),
    ("hydra", hydra!("")),
];

const RDF_TYPE: &str = rdf!("type");

/// The EU frequency of an update cycle.
fn frequency(cycle: UpdateCycle) -> &'static str {
    match cycle {
        UpdateCycle::Realtime => euvoc!("frequency/UPDATE_CONT"),
        UpdateCycle::Daily => euvoc!("frequency/DAILY"),
        UpdateCycle::Weekly => euvoc!("frequency/WEEKLY"),
        UpdateCycle::Monthly => euvoc!("frequency/MONTHLY"),
        UpdateCycle::Quarterly => euvoc!("frequency/QUARTERLY"),
        UpdateCycle::HalfYearly => euvoc!("frequency/ANNUAL_2"),
        UpdateCycle::Yearly => euvoc!("frequency/ANNUAL"),
        UpdateCycle::Irregular => euvoc!("frequency/IRREG"),
    }
}

/// The EU licence IRI of a licence id (`opening::LICENCES`), with its ADMS licence type.
fn licence(id: &str) -> Option<(&'static str, &'static str, &'static str)> {
    match id {
        "CC-BY-4.0" => Some((
            euvoc!("licence/CC_BY_4_0"),
            adms!("licencetype/Attribution"),
            "Attribution",
        )),
        "CC0-1.0" => Some((
            euvoc!("licence/CC0"),
            adms!("licencetype/PublicDomain"),
            "Public domain",
        )),
        "ODC-BY-1.0" => Some((
            euvoc!("licence/ODC_BY"),
            adms!("licencetype/Attribution"),
            "Attribution",
        )),
        _ => None,
    }
}

/// The EU file type and the IANA media type of an open format.
fn file_type(format: &str) -> Option<(&'static str, &'static str)> {
    match format {
        "csv" => Some((
            euvoc!("file-type/CSV"),
            "https://www.iana.org/assignments/media-types/text/csv",
        )),
        "parquet" => Some((
            euvoc!("file-type/PARQUET"),
            "https://www.iana.org/assignments/media-types/application/vnd.apache.parquet",
        )),
        "json" => Some((
            euvoc!("file-type/JSON"),
            "https://www.iana.org/assignments/media-types/application/json",
        )),
        _ => None,
    }
}

/// The ADMS publisher type of a unit: government departments are local authorities;
/// public-service units are companies, but schools, hospitals and care homes non-profits.
fn publisher_type(org: Option<&OrgRow>) -> (&'static str, &'static str) {
    match org.map(|o| (o.kind.as_str(), o.sector.as_str())) {
        Some(("public_service", "education" | "healthcare" | "elderly_care")) => (
            adms!("publishertype/NonProfitOrganisation"),
            "Non-Profit Organisation",
        ),
        Some(("public_service", _)) => (adms!("publishertype/Company"), "Company"),
        _ => (adms!("publishertype/LocalAuthority"), "Local Authority"),
    }
}

// ---------------------------------------------------------------------------------------
// The document: nodes, each an IRI with its properties in the order written
// ---------------------------------------------------------------------------------------

#[derive(Debug, Clone, PartialEq, Eq)]
enum Obj {
    Iri(String),
    /// A literal in [`LANG`].
    Text(String),
    /// A literal in another language.
    Lang(String, &'static str),
    /// A typed literal (datatype IRI).
    Typed(String, &'static str),
    /// A plain string.
    Plain(String),
}

#[derive(Debug, Clone, Default)]
struct Node {
    iri: String,
    props: Vec<(&'static str, Obj)>,
}

impl Node {
    fn a(&mut self, class: &'static str) -> &mut Self {
        self.iri(RDF_TYPE, class)
    }
    fn iri(&mut self, p: &'static str, o: impl Into<String>) -> &mut Self {
        self.props.push((p, Obj::Iri(o.into())));
        self
    }
    /// Skips an empty text.
    fn text(&mut self, p: &'static str, o: &str) -> &mut Self {
        let o = o.trim();
        if !o.is_empty() {
            self.props.push((p, Obj::Text(o.to_owned())));
        }
        self
    }
    fn lang(&mut self, p: &'static str, o: &str, lang: &'static str) -> &mut Self {
        self.props.push((p, Obj::Lang(o.to_owned(), lang)));
        self
    }
    fn typed(&mut self, p: &'static str, o: impl Into<String>, dt: &'static str) -> &mut Self {
        self.props.push((p, Obj::Typed(o.into(), dt)));
        self
    }
    fn plain(&mut self, p: &'static str, o: impl Into<String>) -> &mut Self {
        self.props.push((p, Obj::Plain(o.into())));
        self
    }
    fn date_time(&mut self, p: &'static str, ms: i64) -> &mut Self {
        self.typed(p, rfc3339(ms), xsd!("dateTime"))
    }
}

/// Groups of shared nodes, written after the datasets in this order.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Group {
    Publisher,
    Contact,
    Theme,
    Rights,
    Term,
}

#[derive(Debug, Default)]
struct Doc {
    /// The catalog, the datasets and their distributions, in order.
    main: Vec<Node>,
    /// Nodes several others point at (units, themes, vocabulary terms), each written once.
    shared: BTreeMap<(Group, String), Node>,
    /// The hydra view, last.
    view: Option<Node>,
}

impl Doc {
    fn push(&mut self, iri: String) -> &mut Node {
        self.main.push(Node {
            iri,
            props: Vec::new(),
        });
        self.main.last_mut().expect("just pushed")
    }

    /// The shared node `iri`, to describe — or None when it is described already.
    fn shared(&mut self, group: Group, iri: &str) -> Option<&mut Node> {
        let key = (group, iri.to_owned());
        if self.shared.contains_key(&key) {
            return None;
        }
        Some(self.shared.entry(key).or_insert_with(|| Node {
            iri: iri.to_owned(),
            props: Vec::new(),
        }))
    }

    fn nodes(&self) -> impl Iterator<Item = &Node> {
        self.main
            .iter()
            .chain(self.shared.values())
            .chain(self.view.iter())
    }

    /// A vocabulary term with only its class.
    fn term(&mut self, iri: &str, class: &'static str) {
        if let Some(n) = self.shared(Group::Term, iri) {
            n.a(class);
        }
    }

    /// A SKOS concept of someone else's scheme, with the label the shapes require.
    fn concept(&mut self, iri: &str, label: &str) {
        if let Some(n) = self.shared(Group::Term, iri) {
            n.a(skos!("Concept")).lang(skos!("prefLabel"), label, "en");
        }
    }
}

#[derive(Debug, Clone, Copy, Default)]
struct CatalogDates {
    issued_ms: Option<i64>,
    modified_ms: Option<i64>,
}

const CATALOG_DESCRIPTION: (&str, &str) = (
    "本平台依法开放的公共数据集：无条件开放的数据可直接下载，\
     有条件开放的数据经申请并签订安全保密协议后使用。",
    "The public data this platform opens: unconditional data is downloaded by anyone, \
     conditional data under an agreement.",
);

/// The catalog with one page of datasets, `page` saying which.
fn catalog_doc(
    src: &Source<'_>,
    datasets: &[(&OpenDataset, i64)],
    dates: CatalogDates,
    page: &Page,
    format: RdfFormat,
) -> Doc {
    let mut doc = Doc::default();
    let catalog = src.catalog();
    let publisher = format!("{catalog}#publisher");
    let home = format!("{}/open", src.base);
    let c = doc.push(catalog.clone());
    c.a(dcat!("Catalog"))
        .text(dct!("title"), "公共数据开放目录")
        .lang(dct!("title"), "Open public data catalog", "en")
        .text(dct!("description"), CATALOG_DESCRIPTION.0)
        .lang(dct!("description"), CATALOG_DESCRIPTION.1, "en")
        .iri(dct!("publisher"), publisher.clone())
        .iri(foaf!("homepage"), home.clone())
        .iri(dct!("language"), euvoc!("language/ZHO"))
        .iri(dcat!("themeTaxonomy"), src.theme_scheme());
    if let Some(ms) = dates.issued_ms {
        c.date_time(dct!("issued"), ms);
    }
    if let Some(ms) = dates.modified_ms {
        c.date_time(dct!("modified"), ms);
    }
    for (d, _) in datasets {
        c.iri(dcat!("dataset"), src.dataset(&d.name));
    }
    for (d, updated_ms) in datasets {
        describe_dataset(&mut doc, src, d, *updated_ms);
    }
    // The catalog's own publisher: the data authority that runs the platform.
    if let Some(p) = doc.shared(Group::Publisher, &publisher) {
        p.a(foaf!("Agent"))
            .a(foaf!("Organization"))
            .text(foaf!("name"), "公共数据主管部门")
            .lang(foaf!("name"), "Public data authority", "en")
            .iri(dct!("type"), adms!("publishertype/LocalAuthority"))
            .iri(foaf!("homepage"), home.clone());
    }
    doc.concept(adms!("publishertype/LocalAuthority"), "Local Authority");
    doc.term(&home, foaf!("Document"));
    doc.term(euvoc!("language/ZHO"), dct!("LinguisticSystem"));
    theme_scheme(&mut doc, src);
    if page.paged() {
        let last = page.last();
        let mut v = Node {
            iri: page.url(src.base, format, page.number),
            props: Vec::new(),
        };
        v.a(hydra!("PartialCollectionView"))
            .typed(
                hydra!("totalItems"),
                page.total.to_string(),
                xsd!("integer"),
            )
            .typed(
                hydra!("itemsPerPage"),
                page.size.to_string(),
                xsd!("integer"),
            )
            .iri(hydra!("first"), page.url(src.base, format, 1))
            .iri(hydra!("last"), page.url(src.base, format, last));
        if page.number > 1 {
            // Past the end, the previous page is the last one (as ckanext-dcat says).
            let previous = (page.number - 1).min(last);
            v.iri(hydra!("previous"), page.url(src.base, format, previous));
        }
        if page.number < last {
            v.iri(hydra!("next"), page.url(src.base, format, page.number + 1));
        }
        doc.view = Some(v);
    }
    doc
}

fn theme_scheme(doc: &mut Doc, src: &Source<'_>) {
    if let Some(s) = doc.shared(Group::Theme, &src.theme_scheme()) {
        s.a(skos!("ConceptScheme"))
            .text(dct!("title"), "开放数据主题")
            .lang(dct!("title"), "Open data themes", "en");
    }
}

/// A dataset, its distributions, and the shared nodes they point at.
fn describe_dataset(doc: &mut Doc, src: &Source<'_>, d: &OpenDataset, updated_ms: i64) {
    let iri = src.dataset(&d.name);
    let landing = src.landing_page(&d.name);
    let org = src.orgs.get(&d.provider_org_id);
    let publisher = format!(
        "{}/organization/{}",
        src.base,
        org.map_or(d.provider_org_id.clone(), |o| opening::org_name(&o.uscc))
    );
    let contact = format!("{publisher}#contact");
    let theme = src.theme_names.get(d.theme.trim());
    let lic = licence(&d.licence);
    let access = match d.open_attr {
        OpenAttr::Unconditional => euvoc!("access-right/PUBLIC"),
        _ => euvoc!("access-right/RESTRICTED"),
    };
    let conditions = (d.open_attr != OpenAttr::Unconditional).then(|| format!("{iri}#conditions"));

    let n = doc.push(iri.clone());
    n.a(dcat!("Dataset"))
        .text(dct!("title"), &d.title)
        .text(
            dct!("description"),
            if d.summary.trim().is_empty() {
                &d.title
            } else {
                &d.summary
            },
        )
        .plain(dct!("identifier"), d.resource_code.clone())
        .iri(dcat!("landingPage"), landing.clone())
        .iri(dct!("publisher"), publisher.clone())
        .iri(dcat!("contactPoint"), contact.clone())
        .iri(dct!("accrualPeriodicity"), frequency(d.update_cycle))
        .iri(dct!("accessRights"), access)
        .iri(dct!("language"), euvoc!("language/ZHO"));
    for tag in &d.tags {
        n.text(dcat!("keyword"), tag);
    }
    if let Some(slug) = theme {
        n.iri(dcat!("theme"), format!("{}/group/{slug}", src.base));
    }
    if let Some((l, _, _)) = lic {
        n.iri(dct!("license"), l);
    }
    n.typed(dct!("issued"), d.opened_at.clone(), xsd!("dateTime"));
    n.date_time(dct!("modified"), updated_ms);
    if let Some(v) = d.versions.first() {
        n.plain(dcat!("version"), v.number.to_string());
    }
    let mut distributions = Vec::new();
    for v in &d.versions {
        for f in &v.files {
            let id = resource_id(&d.id, v.number, &f.format);
            let dist = format!("{iri}/resource/{id}");
            n.iri(dcat!("distribution"), dist.clone());
            distributions.push((v, f, dist));
        }
    }

    for (v, f, dist) in distributions {
        let label = opening::OpenFormat::parse(&f.format)
            .map_or(f.format.to_uppercase(), |o| o.label_en().to_owned());
        let n = doc.push(dist.clone());
        n.a(dcat!("Distribution"))
            .text(
                dct!("title"),
                &format!("{}（第{}版，{label}）", d.title, v.number),
            )
            .text(
                dct!("description"),
                &match v.rows {
                    Some(rows) => format!("第{}版 {label} 文件，{rows} 条记录。", v.number),
                    None => format!("第{}版 {label} 文件。", v.number),
                },
            )
            .iri(dcat!("accessURL"), landing.clone())
            .iri(dcat!("downloadURL"), format!("{}{}", src.base, f.url));
        if let Some((ft, media)) = file_type(&f.format) {
            n.iri(dct!("format"), ft).iri(dcat!("mediaType"), media);
        }
        if f.size >= 0 {
            n.typed(
                dcat!("byteSize"),
                f.size.to_string(),
                xsd!("nonNegativeInteger"),
            );
        }
        let checksum = (!f.sha256.is_empty()).then(|| format!("{dist}#checksum"));
        if let Some(c) = &checksum {
            n.iri(spdx!("checksum"), c.clone());
        }
        if let Some((l, _, _)) = lic {
            n.iri(dct!("license"), l);
        }
        if let Some(c) = &conditions {
            n.iri(dct!("rights"), c.clone());
        }
        n.typed(dct!("issued"), v.published_at.clone(), xsd!("dateTime"))
            .iri(
                dcatap!("availability"),
                euvoc!("planned-availability/STABLE"),
            );
        if let Some(c) = checksum {
            let n = doc.push(c);
            n.a(spdx!("Checksum"))
                .iri(spdx!("algorithm"), spdx!("checksumAlgorithm_sha256"))
                .typed(spdx!("checksumValue"), f.sha256.clone(), xsd!("hexBinary"));
        }
        if let Some((ft, media)) = file_type(&f.format) {
            doc.term(ft, dct!("MediaTypeOrExtent"));
            doc.term(media, dct!("MediaType"));
        }
        doc.concept(euvoc!("planned-availability/STABLE"), "stable");
    }

    // What the dataset and its distributions point at.
    let (ptype, ptype_label) = publisher_type(org);
    if let Some(p) = doc.shared(Group::Publisher, &publisher) {
        p.a(foaf!("Agent"))
            .a(foaf!("Organization"))
            .text(
                foaf!("name"),
                org.map_or(d.provider_name.as_str(), |o| o.name.as_str()),
            )
            .iri(dct!("type"), ptype);
        if let Some(o) = org {
            p.plain(dct!("identifier"), o.uscc.clone());
        }
    }
    doc.concept(ptype, ptype_label);
    if let Some(c) = doc.shared(Group::Contact, &contact) {
        c.a(vcard!("Kind"))
            .a(vcard!("Organization"))
            .text(
                vcard!("fn"),
                org.map_or(d.provider_name.as_str(), |o| o.name.as_str()),
            )
            .iri(
                vcard!("hasURL"),
                format!("{}/open/orgs/{}", src.base, d.provider_org_id),
            );
    }
    if let Some(slug) = theme {
        let t = format!("{}/group/{slug}", src.base);
        let scheme = src.theme_scheme();
        if let Some(n) = doc.shared(Group::Theme, &t) {
            n.a(skos!("Concept"))
                .text(skos!("prefLabel"), &d.theme)
                .iri(skos!("inScheme"), scheme);
        }
        theme_scheme(doc, src);
    }
    if let Some(c) = conditions
        && let Some(n) = doc.shared(Group::Rights, &c)
    {
        let text = if d.conditions.trim().is_empty() {
            "有条件开放：须经申请并签订安全保密协议后使用。".to_owned()
        } else {
            format!(
                "有条件开放：须经申请并签订安全保密协议后使用。开放条件：{}",
                d.conditions.trim()
            )
        };
        n.a(dct!("RightsStatement")).text(rdfs!("label"), &text);
    }
    doc.term(&landing, foaf!("Document"));
    doc.term(frequency(d.update_cycle), dct!("Frequency"));
    doc.term(access, dct!("RightsStatement"));
    doc.term(euvoc!("language/ZHO"), dct!("LinguisticSystem"));
    if let Some((l, ltype, ltype_label)) = lic {
        if let Some(n) = doc.shared(Group::Term, l) {
            n.a(dct!("LicenseDocument"))
                .iri(dct!("type"), ltype)
                .text(rdfs!("label"), &d.licence_title);
        }
        doc.concept(ltype, ltype_label);
    }
}

// ---------------------------------------------------------------------------------------
// Writing
// ---------------------------------------------------------------------------------------

fn write(doc: &Doc, format: RdfFormat) -> Result<Vec<u8>, ActionError> {
    match format {
        RdfFormat::Turtle => turtle(doc),
        RdfFormat::JsonLd => Ok(jsonld(doc)),
    }
}

/// Turtle with the prefixes, one subject at a time, a blank line between subjects.
fn turtle(doc: &Doc) -> Result<Vec<u8>, ActionError> {
    use oxrdf::{Literal, NamedNode, NamedNodeRef, Term, TripleRef};
    let mut ser = oxttl::TurtleSerializer::new();
    for (p, ns) in PREFIXES {
        ser = ser.with_prefix(*p, *ns).map_err(ActionError::unexpected)?;
    }
    let mut w = ser.for_writer(Vec::new());
    let iri = |s: &str| NamedNode::new(s).map_err(|e| ActionError::unexpected(format!("{s}: {e}")));
    for n in doc.nodes() {
        let subject = iri(&n.iri)?;
        for (p, o) in &n.props {
            let object: Term = match o {
                Obj::Iri(s) => iri(s)?.into(),
                Obj::Text(s) => Literal::new_language_tagged_literal_unchecked(s, LANG).into(),
                Obj::Lang(s, l) => Literal::new_language_tagged_literal_unchecked(s, *l).into(),
                Obj::Typed(s, dt) => {
                    Literal::new_typed_literal(s, NamedNodeRef::new_unchecked(dt)).into()
                }
                Obj::Plain(s) => Literal::new_simple_literal(s).into(),
            };
            w.serialize_triple(TripleRef::new(
                &subject,
                NamedNodeRef::new_unchecked(p),
                &object,
            ))
            .map_err(ActionError::unexpected)?;
        }
    }
    let out = w.finish().map_err(ActionError::unexpected)?;
    // A blank line before each subject: a subject starts a line without indentation (line
    // breaks inside literals are escaped), and so does a prefix, which stay together.
    let mut spaced = Vec::with_capacity(out.len() + doc.main.len() * 2);
    for line in out.split_inclusive(|b| *b == b'\n') {
        if !spaced.is_empty() && !line.starts_with(b"\t") && !line.starts_with(b"@prefix") {
            spaced.push(b'\n');
        }
        spaced.extend_from_slice(line);
    }
    Ok(spaced)
}

/// `dcat:Dataset` for an IRI under one of [`PREFIXES`], else the IRI itself.
fn compact(iri: &str) -> String {
    for (p, ns) in PREFIXES {
        if let Some(local) = iri.strip_prefix(ns)
            && !local.is_empty()
            && !local.starts_with("//")
        {
            return format!("{p}:{local}");
        }
    }
    iri.to_owned()
}

/// Compact JSON-LD: one `@context` of prefixes, a `@graph` of nodes; properties by their
/// prefixed names, node references as absolute `@id`s, literals as value objects.
fn jsonld(doc: &Doc) -> Vec<u8> {
    let context: Map<String, Value> = PREFIXES
        .iter()
        .map(|(p, ns)| ((*p).to_owned(), Value::from(*ns)))
        .collect();
    let graph: Vec<Value> = doc
        .nodes()
        .map(|n| {
            let mut types = Vec::new();
            let mut props: BTreeMap<String, Vec<Value>> = BTreeMap::new();
            for (p, o) in &n.props {
                if *p == RDF_TYPE
                    && let Obj::Iri(class) = o
                {
                    types.push(Value::from(compact(class)));
                    continue;
                }
                let value = match o {
                    Obj::Iri(s) => json!({"@id": s}),
                    Obj::Text(s) => json!({"@value": s, "@language": LANG}),
                    Obj::Lang(s, l) => json!({"@value": s, "@language": l}),
                    Obj::Typed(s, dt) => json!({"@value": s, "@type": compact(dt)}),
                    Obj::Plain(s) => Value::from(s.as_str()),
                };
                props.entry(compact(p)).or_default().push(value);
            }
            let mut m = Map::new();
            m.insert("@id".into(), Value::from(n.iri.as_str()));
            if !types.is_empty() {
                m.insert("@type".into(), Value::Array(types));
            }
            for (k, mut vs) in props {
                let v = if vs.len() == 1 {
                    vs.pop().expect("one value")
                } else {
                    Value::Array(vs)
                };
                m.insert(k, v);
            }
            Value::Object(m)
        })
        .collect();
    let mut out = serde_json::to_vec_pretty(&json!({"@context": context, "@graph": graph}))
        .expect("JSON values serialize");
    out.push(b'\n');
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::opening::datasets::{OpenFile, OpenVersion, UseCounts};
    use std::collections::HashSet;

    const BASE: &str = "http://127.0.0.1:8080";

    fn dataset(name: &str, attr: OpenAttr, versions: i64) -> OpenDataset {
        OpenDataset {
            id: format!("id-{name}"),
            name: name.into(),
            title: format!("数据集 \"{name}\"\n第二行"),
            summary: String::new(),
            resource_id: format!("r-{name}"),
            resource_code: name.replace('-', "/"),
            provider_org_id: "org-bus".into(),
            provider_name: "澜江公交集团有限责任公司".into(),
            theme: "交通出行".into(),
            tags: vec!["公交".into(), "线路".into()],
            open_attr: attr,
            open_attr_label: attr.label_zh(),
            conditions: "仅用于交通研究".into(),
            licence: "CC-BY-4.0".into(),
            licence_title: "知识共享署名 4.0 国际（CC BY 4.0）".into(),
            update_cycle: UpdateCycle::HalfYearly,
            update_cycle_label: UpdateCycle::HalfYearly.label_zh(),
            last_updated: None,
            next_update_due: None,
            overdue: false,
            formats: vec!["csv".into()],
            fields: Vec::new(),
            row_filter: BTreeMap::new(),
            versions: (1..=versions)
                .rev()
                .map(|n| OpenVersion {
                    number: n,
                    published_at: rfc3339(1_767_225_600_000 + n),
                    published_ms: 1_767_225_600_000 + n,
                    rows: Some(10),
                    files: ["csv", "parquet", "json"]
                        .iter()
                        .map(|f| OpenFile {
                            format: (*f).into(),
                            url: datasets::file_url(name, n, f),
                            sha256: "ab".repeat(32),
                            size: 1234,
                        })
                        .collect(),
                })
                .collect(),
            quality_score: None,
            counts: UseCounts::default(),
            records_url: format!("/api/v1/open/datasets/{name}/records"),
            opened_at: rfc3339(1_767_225_600_000),
            status: "open".into(),
        }
    }

    fn orgs() -> HashMap<String, OrgRow> {
        let org = OrgRow {
            id: "org-bus".into(),
            name: "澜江公交集团有限责任公司".into(),
            kind: "public_service".into(),
            sector: "public_transport".into(),
            uscc: "91369900MA0000001X".into(),
            parent_id: None,
            accountable_head: "某某".into(),
            disabled: false,
            created_at: 0,
            updated_at: 0,
        };
        HashMap::from([(org.id.clone(), org)])
    }

    fn themes() -> BTreeMap<String, String> {
        opening::theme_names(["交通出行"])
    }

    /// Every (subject, predicate, object) of the Turtle, parsed back, as N-Triples text.
    fn triples_of_turtle(bytes: &[u8]) -> std::collections::BTreeSet<String> {
        oxttl::TurtleParser::new()
            .for_slice(bytes)
            .map(|t| t.expect("the Turtle parses").to_string())
            .collect()
    }

    /// The same from our JSON-LD, expanded by its own context (the subset of JSON-LD the
    /// writer uses: prefixed names, `@id`, `@type`, value objects and plain strings).
    fn triples_of_jsonld(bytes: &[u8]) -> std::collections::BTreeSet<String> {
        use oxrdf::{Literal, NamedNode, Term, Triple};
        let v: Value = serde_json::from_slice(bytes).expect("JSON");
        let ctx = v["@context"].as_object().expect("a context");
        let expand = |s: &str| -> String {
            match s.split_once(':') {
                Some((p, local)) if ctx.contains_key(p) => {
                    format!("{}{local}", ctx[p].as_str().unwrap())
                }
                _ => s.to_owned(),
            }
        };
        let mut out = std::collections::BTreeSet::new();
        for n in v["@graph"].as_array().expect("a graph") {
            let n = n.as_object().unwrap();
            let s = NamedNode::new(n["@id"].as_str().unwrap()).unwrap();
            for (k, vs) in n {
                if k == "@id" {
                    continue;
                }
                let vs = match vs {
                    Value::Array(a) => a.clone(),
                    v => vec![v.clone()],
                };
                for o in vs {
                    let (p, o): (NamedNode, Term) = if k == "@type" {
                        (
                            NamedNode::new(RDF_TYPE).unwrap(),
                            NamedNode::new(expand(o.as_str().unwrap())).unwrap().into(),
                        )
                    } else {
                        let p = NamedNode::new(expand(k)).unwrap();
                        let o: Term = match &o {
                            Value::String(s) => Literal::new_simple_literal(s).into(),
                            Value::Object(m) if m.contains_key("@id") => {
                                NamedNode::new(m["@id"].as_str().unwrap()).unwrap().into()
                            }
                            Value::Object(m) if m.contains_key("@language") => {
                                Literal::new_language_tagged_literal(
                                    m["@value"].as_str().unwrap(),
                                    m["@language"].as_str().unwrap(),
                                )
                                .unwrap()
                                .into()
                            }
                            Value::Object(m) => Literal::new_typed_literal(
                                m["@value"].as_str().unwrap(),
                                NamedNode::new(expand(m["@type"].as_str().unwrap())).unwrap(),
                            )
                            .into(),
                            other => panic!("unexpected value {other}"),
                        };
                        (p, o)
                    };
                    out.insert(Triple::new(s.clone(), p, o).to_string());
                }
            }
        }
        out
    }

    fn page(number: usize, size: usize, total: usize) -> Page {
        Page {
            number,
            size,
            explicit_size: false,
            total,
        }
    }

    #[test]
    fn pages_split_the_datasets_and_say_when_there_is_more_than_one() {
        // (number, size, total) → (range, last, paged)
        let cases = [
            ((1, 100, 0), (0..0, 1, false)),
            ((1, 100, 3), (0..3, 1, false)),
            ((1, 100, 100), (0..100, 1, false)),
            ((1, 100, 101), (0..100, 2, true)),
            ((2, 100, 101), (100..101, 2, true)),
            ((3, 100, 101), (101..101, 2, true)),
            ((2, 2, 3), (2..3, 2, true)),
            ((2, 5, 3), (3..3, 1, true)),
            ((u32::MAX as usize, MAX_PAGE_SIZE, 3), (3..3, 1, true)),
        ];
        for ((n, size, total), (range, last, paged)) in cases {
            let p = page(n, size, total);
            assert_eq!(
                (p.range(), p.last(), p.paged()),
                (range, last, paged),
                "{n}, {size}, {total}"
            );
        }
    }

    #[test]
    fn page_parameters_are_positive_integers_within_bounds() {
        let q = |page: &str, size: &str| CatalogQuery {
            page: (!page.is_empty()).then(|| page.into()),
            page_size: (!size.is_empty()).then(|| size.into()),
        };
        assert_eq!(parse_page(&q("", "")).unwrap(), (1, None));
        assert_eq!(parse_page(&q(" 2 ", "10")).unwrap(), (2, Some(10)));
        assert_eq!(parse_page(&q("1", "1000")).unwrap(), (1, Some(1000)));
        for (p, s) in [
            ("0", ""),
            ("-1", ""),
            ("a", ""),
            ("1.5", ""),
            ("", "0"),
            ("", "1001"),
        ] {
            let e = parse_page(&q(p, s)).unwrap_err();
            assert_eq!(e.code(), "invalid_page", "{p:?} {s:?}");
        }
        assert!(parse_page(&q("99999999999999999999999", "")).is_err());
    }

    #[test]
    fn the_hydra_view_links_first_last_and_neighbours_keeping_an_asked_page_size() {
        let (orgs, themes) = (orgs(), themes());
        let src = Source {
            base: BASE,
            orgs: &orgs,
            theme_names: &themes,
        };
        let d = dataset("2-02-006-0001", OpenAttr::Unconditional, 1);
        let mut p = page(2, 1, 3);
        p.explicit_size = true;
        let doc = catalog_doc(
            &src,
            &[(&d, 0)],
            CatalogDates::default(),
            &p,
            RdfFormat::Turtle,
        );
        let v = doc.view.expect("paged");
        let url = |n: usize| format!("{BASE}/catalog.ttl?page={n}&page_size=1");
        assert_eq!(v.iri, url(2));
        let get = |p: &str| {
            v.props
                .iter()
                .find(|(k, _)| *k == p)
                .map(|(_, o)| o.clone())
        };
        assert_eq!(get(hydra!("first")), Some(Obj::Iri(url(1))));
        assert_eq!(get(hydra!("last")), Some(Obj::Iri(url(3))));
        assert_eq!(get(hydra!("previous")), Some(Obj::Iri(url(1))));
        assert_eq!(get(hydra!("next")), Some(Obj::Iri(url(3))));
        assert_eq!(
            get(hydra!("totalItems")),
            Some(Obj::Typed("3".into(), xsd!("integer")))
        );

        // One page only: no view at all.
        let doc = catalog_doc(
            &src,
            &[(&d, 0)],
            CatalogDates::default(),
            &page(1, 100, 1),
            RdfFormat::JsonLd,
        );
        assert!(doc.view.is_none());
    }

    #[test]
    fn turtle_and_json_ld_hold_the_same_triples_and_every_reference_is_typed() {
        let (orgs, themes) = (orgs(), themes());
        let src = Source {
            base: BASE,
            orgs: &orgs,
            theme_names: &themes,
        };
        let open = dataset("2-02-006-0001", OpenAttr::Unconditional, 2);
        let cond = dataset("3-09-001-0001", OpenAttr::Conditional, 1);
        let dates = CatalogDates {
            issued_ms: Some(1_767_225_600_000),
            modified_ms: Some(1_767_225_600_002),
        };
        let doc = catalog_doc(
            &src,
            &[(&open, 2), (&cond, 1)],
            dates,
            &page(1, 2, 3),
            RdfFormat::Turtle,
        );
        let ttl = turtle(&doc).unwrap();
        let text = String::from_utf8(ttl.clone()).unwrap();
        assert!(
            text.contains("@prefix dcat: <http://www.w3.org/ns/dcat#> .\n"),
            "{text}"
        );
        assert!(
            text.contains("\n\n<http://127.0.0.1:8080/dataset/2-02-006-0001> a dcat:Dataset ;\n"),
            "{text}"
        );
        let from_ttl = triples_of_turtle(&ttl);
        let from_jsonld = triples_of_jsonld(&jsonld(&doc));
        assert_eq!(from_ttl, from_jsonld);
        let count: usize = doc.nodes().map(|n| n.props.len()).sum();
        assert_eq!(from_ttl.len(), count, "no triple said twice");

        // Six files each version: one distribution per file, its IRI the CKAN resource id.
        let dists: Vec<&Node> = doc
            .nodes()
            .filter(|n| {
                n.props
                    .contains(&(RDF_TYPE, Obj::Iri(dcat!("Distribution").into())))
            })
            .collect();
        assert_eq!(dists.len(), 2 * 3 + 3);
        let rid = resource_id("id-2-02-006-0001", 2, "parquet");
        assert!(
            dists
                .iter()
                .any(|n| n.iri == format!("{BASE}/dataset/2-02-006-0001/resource/{rid}"))
        );
        // A literal with a quote and a line break survives the round trip.
        assert!(
            from_ttl
                .iter()
                .any(|t| t.contains(r#"数据集 \"2-02-006-0001\"\n第二行"#))
        );

        // Everything a range shape checks is typed in the document itself.
        let typed: HashSet<&str> = doc
            .nodes()
            .filter(|n| n.props.iter().any(|(p, _)| *p == RDF_TYPE))
            .map(|n| n.iri.as_str())
            .collect();
        let ranged = [
            dcat!("dataset"),
            dcat!("distribution"),
            dct!("publisher"),
            dcat!("contactPoint"),
            dcat!("theme"),
            dcat!("themeTaxonomy"),
            dcat!("landingPage"),
            foaf!("homepage"),
            dct!("accrualPeriodicity"),
            dct!("accessRights"),
            dct!("rights"),
            dct!("format"),
            dcat!("mediaType"),
            dct!("license"),
            dct!("language"),
            dct!("type"),
            spdx!("checksum"),
            dcatap!("availability"),
            skos!("inScheme"),
        ];
        for n in doc.nodes() {
            for (p, o) in &n.props {
                if let (true, Obj::Iri(o)) = (ranged.contains(p), o) {
                    assert!(typed.contains(o.as_str()), "{} {p} {o} is untyped", n.iri);
                }
            }
        }
        // Conditional data says so, unconditional data too.
        let rights = |name: &str| {
            doc.main
                .iter()
                .find(|n| n.iri == format!("{BASE}/dataset/{name}"))
                .unwrap()
                .props
                .iter()
                .find(|(p, _)| *p == dct!("accessRights"))
                .map(|(_, o)| o.clone())
        };
        assert_eq!(
            rights("2-02-006-0001"),
            Some(Obj::Iri(euvoc!("access-right/PUBLIC").into()))
        );
        assert_eq!(
            rights("3-09-001-0001"),
            Some(Obj::Iri(euvoc!("access-right/RESTRICTED").into()))
        );
        assert!(text.contains("仅用于交通研究"));
    }

    #[test]
    fn every_update_cycle_and_licence_maps_to_an_eu_authority_iri() {
        for c in UpdateCycle::ALL {
            assert!(frequency(*c).starts_with(euvoc!("frequency/")), "{c:?}");
        }
        for (id, _) in opening::LICENCES {
            assert!(licence(id).is_some(), "{id}");
        }
        for f in opening::OpenFormat::ALL {
            assert!(file_type(f.as_str()).is_some(), "{f:?}");
        }
    }
}
