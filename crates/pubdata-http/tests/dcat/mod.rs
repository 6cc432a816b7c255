//! The DCAT-AP 3 export, as a harvester reads it: the demo's catalog passes pySHACL against
//! the official shapes (mandatory and class ranges) with no violation, in Turtle and in
//! JSON-LD, which hold the same graph; the recommended shapes' warnings are printed. A
//! distribution's checksum and size are those of the file its download URL serves, and its
//! IRI ends in the CKAN resource id. One dataset alone; hydra pages followed to the end;
//! conditional data described as restricted, its files still behind an agreement; a closed
//! dataset gone from the export.

use super::*;
use sha2::Digest;
use std::collections::{BTreeSet, HashMap};
use std::path::{Path, PathBuf};

const NOTICES: &str = "2-03-002-0001";
const BUS_LINES: &str = "2-02-006-0001";
const SWIPES: &str = "3-09-001-0001";

const DCAT: &str = "http://www.w3.org/ns/dcat#";

/// The official DCAT-AP 3.0.1 shapes, copied unchanged from `../shared/data/dcat-ap-3.0.1`
/// (a clean clone has only itself).
fn shapes_dir() -> PathBuf {
    let dir = PathBuf::from(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/testdata/dcat-ap-3.0.1"
    ));
    assert!(dir.join("shapes.ttl").is_file(), "{}", dir.display());
    dir
}

/// The check `shacl` runs: its report as JSON on stdout.
const VALIDATE: &str = r##"
import json, sys
import rdflib, rdflib.compare, pyshacl
from rdflib.namespace import RDF, SH
data_path, fmt, shapes = sys.argv[1:4]
data = rdflib.Graph().parse(data_path, format=fmt)
DATASET = rdflib.URIRef("http://www.w3.org/ns/dcat#Dataset")
def check(files):
    sg = rdflib.Graph()
    for f in files:
        sg.parse(shapes + "/" + f, format="turtle")
    conforms, rg, _ = pyshacl.validate(data, shacl_graph=sg, inference="none")
    results = []
    for r in rg.subjects(RDF.type, SH.ValidationResult):
        results.append({
            "severity": str(rg.value(r, SH.resultSeverity)).rsplit("#", 1)[-1],
            "focus": str(rg.value(r, SH.focusNode)),
            "path": str(rg.value(r, SH.resultPath)),
            "message": str(rg.value(r, SH.resultMessage)),
        })
    return {"conforms": conforms, "results": results}
out = {
    "triples": len(data),
    "datasets": sorted(str(s) for s in data.subjects(RDF.type, DATASET)),
    "mandatory": check(["shapes.ttl"]),
    "range": check(["shapes.ttl", "range.ttl"]),
    "recommended": check(["shapes_recommended.ttl"]),
}
if len(sys.argv) > 5:
    other = rdflib.Graph().parse(sys.argv[4], format=sys.argv[5])
    out["isomorphic"] = rdflib.compare.isomorphic(data, other)
print(json.dumps(out))
"##;

/// Runs pySHACL over `data` (`turtle` or `json-ld`) with the mandatory shapes, the mandatory
/// shapes with the class ranges, and the recommended shapes; with `same_as`, also says
/// whether that other file holds the same graph. None when pyshacl is not installed.
/// `data` and `same_as` are (file name, body, rdflib format).
fn shacl(
    dir: &Path,
    data: (&str, &str, &str),
    same_as: Option<(&str, &str, &str)>,
) -> Option<Value> {
    if !python_has("pyshacl") {
        eprintln!("pyshacl is not installed: the SHACL check is skipped");
        return None;
    }
    let write = |(name, body, _): (&str, &str, &str)| {
        let path = dir.join(name);
        std::fs::write(&path, body).unwrap();
        path.to_str().unwrap().to_owned()
    };
    let mut args = vec![
        "-c".to_owned(),
        VALIDATE.to_owned(),
        write(data),
        data.2.to_owned(),
        shapes_dir().to_str().unwrap().to_owned(),
    ];
    if let Some(other) = same_as {
        args.push(write(other));
        args.push(other.2.to_owned());
    }
    let out = std::process::Command::new("python3")
        .args(&args)
        .output()
        .unwrap();
    assert!(
        out.status.success(),
        "pyshacl failed: {}",
        String::from_utf8_lossy(&out.stderr)
    );
    Some(serde_json::from_slice(&out.stdout).unwrap())
}

/// No result of any severity from the mandatory shapes, nor from the class ranges.
fn assert_no_violation(report: &Value, what: &str) {
    for set in ["mandatory", "range"] {
        let results = &report[set]["results"];
        assert_eq!(report[set]["conforms"], true, "{what}, {set}: {results:#}");
        assert_eq!(
            results.as_array().unwrap().len(),
            0,
            "{what}, {set}: {results:#}"
        );
    }
}

/// The recommended shapes' warnings, counted by property, for the report.
fn recommended_summary(report: &Value) -> BTreeSet<(String, String, usize)> {
    let mut by: HashMap<(String, String), usize> = HashMap::new();
    for r in report["recommended"]["results"].as_array().unwrap() {
        let key = (
            r["severity"].as_str().unwrap().to_owned(),
            r["path"].as_str().unwrap().to_owned(),
        );
        *by.entry(key).or_default() += 1;
    }
    by.into_iter().map(|((s, p), n)| (s, p, n)).collect()
}

/// The JSON-LD graph by `@id`.
fn nodes(doc: &Value) -> HashMap<String, Value> {
    assert!(doc["@context"]["dcat"] == DCAT, "{doc}");
    doc["@graph"]
        .as_array()
        .expect("a @graph")
        .iter()
        .map(|n| (n["@id"].as_str().unwrap().to_owned(), n.clone()))
        .collect()
}

fn list(v: &Value) -> Vec<Value> {
    match v {
        Value::Null => Vec::new(),
        Value::Array(a) => a.clone(),
        v => vec![v.clone()],
    }
}

fn has_type(n: &Value, t: &str) -> bool {
    list(&n["@type"]).iter().any(|v| v == t)
}

/// The `@id`s a property points at.
fn refs(n: &Value, key: &str) -> Vec<String> {
    list(&n[key])
        .iter()
        .map(|v| {
            v["@id"]
                .as_str()
                .unwrap_or_else(|| panic!("{key}: {v}"))
                .to_owned()
        })
        .collect()
}

fn value(n: &Value, key: &str) -> String {
    let v = list(&n[key]);
    assert_eq!(v.len(), 1, "{key} in {n:#}");
    match &v[0] {
        Value::String(s) => s.clone(),
        o => o["@value"].as_str().unwrap().to_owned(),
    }
}

fn datasets_in(graph: &HashMap<String, Value>) -> BTreeSet<String> {
    graph
        .values()
        .filter(|n| has_type(n, "dcat:Dataset"))
        .map(|n| n["@id"].as_str().unwrap().to_owned())
        .collect()
}

impl Server {
    async fn get_rdf(&self, path: &str, content_type: &str) -> String {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::OK, "{path}");
        let ct = r.headers()["content-type"].to_str().unwrap().to_owned();
        assert_eq!(ct, content_type, "{path}");
        r.text().await.unwrap()
    }

    async fn catalog_jsonld(&self, path: &str) -> HashMap<String, Value> {
        let body = self.get_rdf(path, "application/ld+json").await;
        nodes(&serde_json::from_str(&body).unwrap())
    }

    /// A problem answer's status and code.
    async fn problem(&self, path: &str) -> (StatusCode, String) {
        let r = self.client.get(self.url(path)).send().await.unwrap();
        let status = r.status();
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/problem+json",
            "{path}"
        );
        let v: Value = r.json().await.unwrap();
        (status, v["code"].as_str().unwrap().to_owned())
    }
}

#[tokio::test]
async fn the_demo_catalog_passes_the_dcat_ap_3_shapes_with_no_violation() {
    let s = spawn().await;
    let ttl = s
        .get_rdf("/catalog.ttl", "text/turtle; charset=utf-8")
        .await;
    let jsonld = s.get_rdf("/catalog.jsonld", "application/ld+json").await;
    let graph = nodes(&serde_json::from_str(&jsonld).unwrap());
    let ds = |name: &str| format!("{}/dataset/{name}", s.base);
    assert_eq!(
        datasets_in(&graph),
        [ds(BUS_LINES), ds(NOTICES), ds(SWIPES)]
            .into_iter()
            .collect()
    );
    let catalog = &graph[&format!("{}/catalog", s.base)];
    assert!(has_type(catalog, "dcat:Catalog"), "{catalog:#}");
    assert_eq!(refs(catalog, "dcat:dataset").len(), 3);
    assert!(
        ttl.contains(&format!("<{}> a dcat:Dataset ;", ds(NOTICES))),
        "{ttl}"
    );
    // One page only: no hydra.
    assert!(!ttl.contains("hydra:PartialCollectionView"), "{ttl}");

    // Each dataset: its publisher an agent, its theme a concept of the catalog's scheme, its
    // frequency and licence typed, a distribution per published file.
    for name in [NOTICES, BUS_LINES, SWIPES] {
        let d = &graph[&ds(name)];
        assert_eq!(value(d, "dct:identifier"), name.replace('-', "/"));
        assert_eq!(
            refs(d, "dcat:landingPage"),
            [format!("{}/open/datasets/{name}", s.base)]
        );
        let publisher = &graph[&refs(d, "dct:publisher")[0]];
        assert!(has_type(publisher, "foaf:Agent"), "{publisher:#}");
        assert!(
            publisher["@id"]
                .as_str()
                .unwrap()
                .starts_with(&format!("{}/organization/", s.base))
        );
        let theme = &graph[&refs(d, "dcat:theme")[0]];
        assert!(has_type(theme, "skos:Concept"));
        assert_eq!(
            refs(theme, "skos:inScheme"),
            refs(catalog, "dcat:themeTaxonomy")
        );
        let freq = refs(d, "dct:accrualPeriodicity");
        assert!(freq[0].starts_with("http://publications.europa.eu/resource/authority/frequency/"));
        assert!(has_type(&graph[&freq[0]], "dct:Frequency"));
        assert!(has_type(
            &graph[&refs(d, "dct:license")[0]],
            "dct:LicenseDocument"
        ));
        let contact = &graph[&refs(d, "dcat:contactPoint")[0]];
        assert!(has_type(contact, "vcard:Kind") && has_type(contact, "vcard:Organization"));
        let dists = refs(d, "dcat:distribution");
        assert!(
            !dists.is_empty() && dists.len().is_multiple_of(3),
            "{name}: {dists:?}"
        );
        for dist in &dists {
            let n = &graph[dist];
            assert!(has_type(n, "dcat:Distribution"));
            let url = refs(n, "dcat:downloadURL").remove(0);
            assert!(
                url.starts_with(&format!("{}/open/datasets/{name}/versions/", s.base)),
                "{url}"
            );
            let format = url.rsplit('/').next().unwrap().to_ascii_uppercase();
            assert_eq!(
                refs(n, "dct:format"),
                [format!(
                    "http://publications.europa.eu/resource/authority/file-type/{format}"
                )]
            );
            let checksum = &graph[&refs(n, "spdx:checksum")[0]];
            assert_eq!(
                refs(checksum, "spdx:algorithm"),
                ["http://spdx.org/rdf/terms#checksumAlgorithm_sha256"]
            );
            assert_eq!(checksum["spdx:checksumValue"]["@type"], "xsd:hexBinary");
            assert_eq!(n["dcat:byteSize"]["@type"], "xsd:nonNegativeInteger");
        }
    }

    // What a distribution says of its file is what its download URL serves.
    let csv = refs(&graph[&ds(NOTICES)], "dcat:distribution")
        .into_iter()
        .find(|d| refs(&graph[d], "dcat:downloadURL")[0].ends_with("/csv"))
        .unwrap();
    let n = &graph[&csv];
    let r = s
        .client
        .get(refs(n, "dcat:downloadURL").remove(0))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let bytes = r.bytes().await.unwrap();
    assert_eq!(value(n, "dcat:byteSize"), bytes.len().to_string());
    let checksum = &graph[&refs(n, "spdx:checksum")[0]];
    assert_eq!(
        value(checksum, "spdx:checksumValue"),
        hex::encode(sha2::Sha256::digest(&bytes))
    );

    let Some(report) = shacl(
        &s.dir,
        ("catalog.ttl", &ttl, "turtle"),
        Some(("catalog.jsonld", &jsonld, "json-ld")),
    ) else {
        return;
    };
    assert_no_violation(&report, "catalog.ttl");
    assert_eq!(
        report["isomorphic"], true,
        "the Turtle and the JSON-LD hold the same graph"
    );
    assert_eq!(report["datasets"].as_array().unwrap().len(), 3);
    let warnings = recommended_summary(&report);
    eprintln!(
        "DCAT-AP 3 recommended shapes on the demo catalog: {} results",
        report["recommended"]["results"].as_array().unwrap().len()
    );
    for (severity, path, n) in &warnings {
        eprintln!("  {severity} {path} ×{n}");
    }
    assert!(
        warnings.iter().all(|(s, _, _)| s == "Warning"),
        "{warnings:?}"
    );

    // The JSON-LD on its own, as pySHACL reads it.
    let report = shacl(&s.dir, ("catalog.jsonld", &jsonld, "json-ld"), None).unwrap();
    assert_no_violation(&report, "catalog.jsonld");

    // The command the issue names, as is.
    let out = std::process::Command::new("python3")
        .args(["-m", "pyshacl", "-s"])
        .arg(shapes_dir().join("shapes.ttl"))
        .args(["-df", "turtle", "-sf", "turtle"])
        .arg(s.dir.join("catalog.ttl"))
        .output()
        .unwrap();
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        out.status.success() && text.contains("Conforms: True"),
        "{text}"
    );
}

#[tokio::test]
async fn one_dataset_is_described_alone_and_missing_or_closed_ones_are_not_found() {
    let s = spawn().await;
    let ttl = s
        .get_rdf(
            &format!("/dataset/{NOTICES}.ttl"),
            "text/turtle; charset=utf-8",
        )
        .await;
    let graph = s
        .catalog_jsonld(&format!("/dataset/{NOTICES}.jsonld"))
        .await;
    let me = format!("{}/dataset/{NOTICES}", s.base);
    assert_eq!(datasets_in(&graph), [me.clone()].into_iter().collect());
    assert!(!graph.values().any(|n| has_type(n, "dcat:Catalog")));
    assert!(ttl.contains(&format!("<{me}> a dcat:Dataset ;")), "{ttl}");
    if let Some(report) = shacl(&s.dir, ("dataset.ttl", &ttl, "turtle"), None) {
        assert_no_violation(&report, "dataset.ttl");
        assert_eq!(report["datasets"], json!([me]));
    }

    for (path, status, code) in [
        (
            "/dataset/no-such-dataset.ttl",
            StatusCode::NOT_FOUND,
            "dataset_not_found",
        ),
        (
            &format!("/dataset/{NOTICES}.rdf"),
            StatusCode::NOT_FOUND,
            "not_found",
        ),
        ("/dataset/.ttl", StatusCode::NOT_FOUND, "not_found"),
        ("/dataset/a%0Ab", StatusCode::NOT_FOUND, "not_found"),
    ] {
        assert_eq!(s.problem(path).await, (status, code.to_owned()), "{path}");
    }
    // The dataset's IRI itself (CKAN's address of a dataset page) leads to the portal's page.
    let r = s
        .client
        .get(s.url(&format!("/dataset/{NOTICES}")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::SEE_OTHER);
    assert_eq!(
        r.headers()["location"].to_str().unwrap(),
        format!("/open/datasets/{NOTICES}")
    );
    // So do a publisher's and a theme's: the unit's page, the search by theme.
    let (_, v) = s
        .get_public(&format!("/api/3/action/package_show?id={NOTICES}"))
        .await;
    let v: Value = serde_json::from_str(&v).unwrap();
    let (org, org_id) = (
        v["result"]["organization"]["name"].as_str().unwrap(),
        v["result"]["organization"]["id"].as_str().unwrap(),
    );
    let theme = v["result"]["groups"][0]["name"].as_str().unwrap();
    for (path, to) in [
        (
            format!("/organization/{org}"),
            format!("/open/orgs/{org_id}"),
        ),
        (
            format!("/group/{theme}"),
            "/open/datasets?theme=".to_owned(),
        ),
    ] {
        let r = s.client.get(s.url(&path)).send().await.unwrap();
        assert_eq!(r.status(), StatusCode::SEE_OTHER, "{path}");
        let at = r.headers()["location"].to_str().unwrap().to_owned();
        assert!(at.starts_with(&to), "{path} → {at}");
        let page = s.client.get(s.url(&at)).send().await.unwrap();
        assert_eq!(page.status(), StatusCode::OK, "{at}");
    }
    assert_eq!(
        s.problem("/organization/nobody").await,
        (StatusCode::NOT_FOUND, "organization_not_found".to_owned())
    );

    // The authority closes a dataset: it leaves the export at once.
    let admin = s.token("admin", "write").await;
    let (status, v) = s
        .post(
            &format!("/api/v1/open/datasets/{BUS_LINES}/close"),
            &admin,
            json!({"reason": "数据口径调整，暂停开放"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let graph = s.catalog_jsonld("/catalog.jsonld").await;
    let ds = |name: &str| format!("{}/dataset/{name}", s.base);
    assert_eq!(
        datasets_in(&graph),
        [ds(NOTICES), ds(SWIPES)].into_iter().collect()
    );
    assert!(
        !graph.keys().any(|k| k.contains(BUS_LINES)),
        "nothing of it is left"
    );
    assert_eq!(
        s.problem(&format!("/dataset/{BUS_LINES}.ttl")).await,
        (StatusCode::NOT_FOUND, "dataset_not_found".to_owned())
    );
}

#[tokio::test]
async fn a_harvester_follows_the_hydra_pages_to_every_dataset() {
    let s = spawn().await;
    let mut path = "/catalog.jsonld?page_size=2".to_owned();
    let mut seen = Vec::new();
    let mut pages = 0;
    loop {
        let graph = s.catalog_jsonld(&path).await;
        pages += 1;
        let view = graph
            .values()
            .find(|n| has_type(n, "hydra:PartialCollectionView"))
            .unwrap_or_else(|| panic!("a view on {path}"));
        // The view is the page's canonical address (the first page's names its number).
        let canonical = s.url(&format!("/catalog.jsonld?page={pages}&page_size=2"));
        assert_eq!(view["@id"], canonical);
        assert_eq!(value(view, "hydra:totalItems"), "3");
        assert_eq!(
            refs(view, "hydra:first"),
            [s.url("/catalog.jsonld?page=1&page_size=2")]
        );
        assert_eq!(
            refs(view, "hydra:last"),
            [s.url("/catalog.jsonld?page=2&page_size=2")]
        );
        let on_page = datasets_in(&graph);
        assert_eq!(on_page.len(), if pages == 1 { 2 } else { 1 }, "{path}");
        seen.extend(on_page);
        if pages > 1 {
            assert_eq!(
                refs(view, "hydra:previous"),
                [s.url("/catalog.jsonld?page=1&page_size=2")]
            );
        }
        match refs(view, "hydra:next").pop() {
            Some(next) => path = next.strip_prefix(&s.base).unwrap().to_owned(),
            None => break,
        }
        assert!(pages < 5, "the pages end");
    }
    assert_eq!(pages, 2);
    let distinct: BTreeSet<&String> = seen.iter().collect();
    assert_eq!((seen.len(), distinct.len()), (3, 3), "{seen:?}");

    // Past the end: empty, pointing back at the last page (as ckanext-dcat answers).
    let graph = s.catalog_jsonld("/catalog.jsonld?page=3&page_size=2").await;
    assert!(datasets_in(&graph).is_empty());
    let view = graph
        .values()
        .find(|n| has_type(n, "hydra:PartialCollectionView"))
        .unwrap();
    assert_eq!(
        refs(view, "hydra:previous"),
        [s.url("/catalog.jsonld?page=2&page_size=2")]
    );
    assert!(view.get("hydra:next").is_none());

    // The second page in Turtle passes the shapes too.
    let ttl = s
        .get_rdf(
            "/catalog.ttl?page=2&page_size=2",
            "text/turtle; charset=utf-8",
        )
        .await;
    assert!(ttl.contains("hydra:PartialCollectionView"), "{ttl}");
    if let Some(report) = shacl(&s.dir, ("page2.ttl", &ttl, "turtle"), None) {
        assert_no_violation(&report, "page 2");
        assert_eq!(report["datasets"].as_array().unwrap().len(), 1);
    }

    for path in [
        "/catalog.ttl?page=0",
        "/catalog.ttl?page=-1",
        "/catalog.ttl?page=abc",
        "/catalog.jsonld?page_size=0",
        "/catalog.jsonld?page_size=1001",
    ] {
        assert_eq!(
            s.problem(path).await,
            (StatusCode::BAD_REQUEST, "invalid_page".to_owned()),
            "{path}"
        );
    }
}

#[tokio::test]
async fn conditional_data_is_restricted_and_its_files_still_need_an_agreement() {
    let s = spawn().await;
    let graph = s.catalog_jsonld("/catalog.jsonld").await;
    let ds = |name: &str| graph[&format!("{}/dataset/{name}", s.base)].clone();
    let authority = "http://publications.europa.eu/resource/authority/access-right/";
    assert_eq!(
        refs(&ds(NOTICES), "dct:accessRights"),
        [format!("{authority}PUBLIC")]
    );
    assert_eq!(
        refs(&ds(SWIPES), "dct:accessRights"),
        [format!("{authority}RESTRICTED")]
    );
    assert!(has_type(
        &graph[&format!("{authority}RESTRICTED")],
        "dct:RightsStatement"
    ));

    for dist in refs(&ds(NOTICES), "dcat:distribution") {
        assert!(graph[&dist].get("dct:rights").is_none());
    }
    let dists = refs(&ds(SWIPES), "dcat:distribution");
    assert!(!dists.is_empty());
    for dist in &dists {
        let rights = &graph[&refs(&graph[dist], "dct:rights")[0]];
        assert!(has_type(rights, "dct:RightsStatement"));
        assert!(
            value(rights, "rdfs:label").contains("安全保密协议"),
            "{rights:#}"
        );
    }
    // Listed with its download URL; the download itself refuses a stranger.
    let url = refs(&graph[&dists[0]], "dcat:downloadURL").remove(0);
    let r = s.client.get(&url).send().await.unwrap();
    assert!(r.status().is_client_error(), "{url}: {}", r.status());
}

#[tokio::test]
async fn a_distribution_is_named_by_the_ckan_resource_id_of_its_file() {
    let s = spawn().await;
    let graph = s.catalog_jsonld("/catalog.jsonld").await;
    let (status, d) = s
        .get_public(&format!("/api/v1/open/datasets/{NOTICES}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{d}");
    let d: Value = serde_json::from_str(&d).unwrap();
    let id = d["id"].as_str().unwrap();
    let mut expected = BTreeSet::new();
    for v in d["versions"].as_array().unwrap() {
        for f in v["files"].as_array().unwrap() {
            let rid = uuid::Uuid::new_v5(
                &uuid::Uuid::NAMESPACE_URL,
                format!(
                    "pubdata:{id}/{}/{}",
                    v["number"],
                    f["format"].as_str().unwrap()
                )
                .as_bytes(),
            );
            expected.insert(format!("{}/dataset/{NOTICES}/resource/{rid}", s.base));
        }
    }
    let dists: BTreeSet<String> = refs(
        &graph[&format!("{}/dataset/{NOTICES}", s.base)],
        "dcat:distribution",
    )
    .into_iter()
    .collect();
    assert!(!expected.is_empty());
    assert_eq!(dists, expected);

    // The CKAN door names its resources the same.
    let (status, body) = s
        .get_public(&format!("/api/3/action/package_show?id={NOTICES}"))
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let v: Value = serde_json::from_str(&body).unwrap();
    let ckan: BTreeSet<String> = v["result"]["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| {
            format!(
                "{}/dataset/{NOTICES}/resource/{}",
                s.base,
                r["id"].as_str().unwrap()
            )
        })
        .collect();
    assert!(dists.is_subset(&ckan), "{dists:?} ⊄ {ckan:?}");
}
