//! The CKAN Action API as CKAN's clients use it: ckanapi's `RemoteCKAN` (search with facets,
//! show, paging through every dataset, `NotFound` and `ValidationError` raised as against
//! CKAN, the DataStore behind a key) and `ckanapi dump datasets`; then the envelope, the
//! error types and statuses, GET and POST alike, a harvester's `fq`, and only open data.

use super::*;

const BUS_LINES: &str = "2-02-006-0001";

fn encode(query: &[(&str, &str)]) -> String {
    form_urlencoded::Serializer::new(String::new())
        .extend_pairs(query)
        .finish()
}

/// Runs a program to its end off the runtime (the server under test runs on it).
async fn run(program: &str, args: Vec<String>) -> std::io::Result<std::process::Output> {
    let program = program.to_owned();
    tokio::task::spawn_blocking(move || std::process::Command::new(program).args(args).output())
        .await
        .unwrap()
}

impl Server {
    /// A CKAN call over GET with raw query parameters; answers the status and the body.
    async fn ckan_get(&self, action: &str, query: &[(&str, &str)]) -> (StatusCode, Value) {
        let r = self
            .client
            .get(self.url(&format!("/api/3/action/{action}?{}", encode(query))))
            .send()
            .await
            .unwrap();
        let status = r.status();
        assert_eq!(
            r.headers()["content-type"].to_str().unwrap(),
            "application/json"
        );
        (status, r.json().await.unwrap())
    }

    async fn ckan_post(&self, action: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(&format!("/api/action/{action}")))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap())
    }
}

#[tokio::test]
async fn ckanapi_searches_shows_pages_and_dumps_the_open_catalog_and_reads_the_datastore_with_a_key()
 {
    if !python_has("ckanapi") {
        eprintln!("skipped: python3 cannot import ckanapi (pip install ckanapi)");
        return;
    }
    let s = spawn().await;
    let bus = s.token("bus_steward", "write").await;
    let (status, k) = s
        .post("/api/v1/open/keys", &bus, json!({"name": "ckanapi"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{k}");
    let key = k["key"].as_str().unwrap().to_owned();
    let dump = s.dir.join("dump.jsonl");
    let script = r#"
import json, sys, ckanapi
base, key, dump = sys.argv[1], sys.argv[2], sys.argv[3]
out = {}
ckan = ckanapi.RemoteCKAN(base)
out["status"] = ckan.action.status_show()
found = ckan.action.package_search(q="公交", rows=10,
    **{"facet.field": ["organization", "groups", "res_format", "tags"]})
out["search"] = {"count": found["count"], "names": [p["name"] for p in found["results"]],
                 "facets": found["facets"], "search_facets": found["search_facets"]}
# Paging through every dataset, as a harvester does.
names, start = [], 0
while True:
    page = ckan.action.package_search(rows=1, start=start, sort="id asc")
    if not page["results"]:
        break
    names += [p["name"] for p in page["results"]]
    start += 1
out["paged"] = names
out["list"] = ckan.action.package_list()
out["show"] = ckan.action.package_show(id="2-02-006-0001")
try:
    ckan.action.package_show(id="no-such-dataset")
    out["not_found"] = "no error"
except ckanapi.NotFound as e:
    out["not_found"] = "NotFound"
try:
    ckan.action.package_search(rows="many")
    out["validation"] = "no error"
except ckanapi.ValidationError as e:
    out["validation"] = e.error_dict
try:
    ckan.action.package_search(fq="organization:(a OR")
    out["query_error"] = "no error"
except ckanapi.SearchQueryError as e:
    out["query_error"] = "SearchQueryError"
out["harvest_since"] = ckan.action.package_search(
    fq="metadata_modified:[2020-01-01T00:00:00Z TO *]", rows=0)["count"]
out["harvest_future"] = ckan.action.package_search(
    fq="metadata_modified:[2099-01-01T00:00:00Z TO *]", rows=0)["count"]
out["orgs"] = ckan.action.organization_list(all_fields=True)
out["groups"] = ckan.action.group_list(all_fields=True)
out["licenses"] = [l["id"] for l in ckan.action.license_list()]
out["tags"] = ckan.action.tag_list()
csv = [r for r in out["show"]["resources"] if r["format"] == "CSV"][0]
out["resource"] = ckan.action.resource_show(id=csv["id"])
try:
    ckan.action.datastore_search(resource_id=csv["id"])
    out["datastore_anonymous"] = "no error"
except ckanapi.NotAuthorized:
    out["datastore_anonymous"] = "NotAuthorized"
keyed = ckanapi.RemoteCKAN(base, apikey=key)
out["datastore"] = keyed.action.datastore_search(resource_id=csv["id"], limit=2,
    filters={"fare": "2"}, sort="line_no desc")
json.dump(out, sys.stdout, ensure_ascii=False)
"#;
    let done = run(
        "python3",
        vec![
            "-c".into(),
            script.into(),
            s.base.clone(),
            key.clone(),
            dump.display().to_string(),
        ],
    )
    .await
    .unwrap();
    assert!(
        done.status.success(),
        "ckanapi script failed: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let out: Value = serde_json::from_slice(&done.stdout).unwrap();

    assert_eq!(out["status"]["ckan_version"], "2.10.0");
    assert_eq!(out["status"]["site_url"], s.base.as_str());
    // 公交: the bus lines and the bus card swipes (conditional data is listed, not read).
    let search = &out["search"];
    assert_eq!(search["count"], 2, "{search}");
    assert!(
        search["names"]
            .as_array()
            .unwrap()
            .contains(&json!(BUS_LINES))
    );
    assert_eq!(search["facets"]["res_format"]["CSV"], 2, "{search}");
    let org_items = search["search_facets"]["organization"]["items"]
        .as_array()
        .unwrap();
    assert_eq!(org_items.len(), 1, "one unit provides both: {search}");
    assert_eq!(org_items[0]["count"], 2);
    assert!(
        org_items[0]["display_name"]
            .as_str()
            .unwrap()
            .contains("公交")
    );

    // Paging one by one reaches every open dataset exactly once, as package_list names them.
    let mut paged: Vec<String> = serde_json::from_value(out["paged"].clone()).unwrap();
    let list: Vec<String> = serde_json::from_value(out["list"].clone()).unwrap();
    assert_eq!(list.len(), 3, "{list:?}");
    paged.sort();
    assert_eq!(paged, list);

    let show = &out["show"];
    assert_eq!(show["name"], BUS_LINES);
    assert_eq!(show["title"], "公交线路信息");
    assert_eq!(show["license_id"], "CC-BY-4.0");
    assert_eq!(show["organization"]["is_organization"], true);
    assert!(
        show["metadata_modified"]
            .as_str()
            .unwrap()
            .chars()
            .all(|c| c != 'Z' && c != '+'),
        "CKAN's times carry no zone: {}",
        show["metadata_modified"]
    );
    let formats: Vec<&str> = show["resources"]
        .as_array()
        .unwrap()
        .iter()
        .map(|r| r["format"].as_str().unwrap())
        .collect();
    assert_eq!(formats, ["CSV", "PARQUET", "JSON"], "{show}");
    assert_eq!(show["num_resources"], 3);
    // A resource's URL downloads the very bytes its hash names.
    let csv = &out["resource"];
    let bytes = s
        .client
        .get(csv["url"].as_str().unwrap())
        .send()
        .await
        .unwrap()
        .bytes()
        .await
        .unwrap();
    assert_eq!(
        hex::encode(<sha2::Sha256 as sha2::Digest>::digest(&bytes)),
        csv["hash"].as_str().unwrap()
    );
    assert_eq!(csv["size"], bytes.len());

    assert_eq!(out["not_found"], "NotFound");
    assert_eq!(out["validation"]["rows"], json!(["应为整数"]), "{out}");
    assert_eq!(out["query_error"], "SearchQueryError");
    assert_eq!(out["harvest_since"], 3);
    assert_eq!(out["harvest_future"], 0);
    let orgs = out["orgs"].as_array().unwrap();
    assert_eq!(
        orgs.len(),
        2,
        "the bus company and the water company: {orgs:?}"
    );
    assert!(orgs.iter().all(|o| {
        let n = o["name"].as_str().unwrap();
        n.len() == 18
            && n.bytes()
                .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit())
    }));
    assert!(out["groups"].as_array().unwrap().iter().all(|g| {
        g["name"]
            .as_str()
            .unwrap()
            .bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'-')
            && g["package_count"].as_u64().unwrap() > 0
    }));
    assert_eq!(
        out["licenses"],
        json!(["CC-BY-4.0", "CC0-1.0", "ODC-BY-1.0"])
    );
    assert!(!out["tags"].as_array().unwrap().is_empty());

    assert_eq!(out["datastore_anonymous"], "NotAuthorized");
    let ds = &out["datastore"];
    let records = ds["records"].as_array().unwrap();
    assert_eq!(records.len(), 2, "{ds}");
    assert!(
        records.iter().all(|r| r["fare"].as_f64() == Some(2.0)),
        "{ds}"
    );
    let total = ds["total"].as_u64().unwrap();
    assert!(total >= 2, "{ds}");
    assert!(
        records[0]["line_no"].as_str() >= records[1]["line_no"].as_str(),
        "sorted by line_no desc: {ds}"
    );
    assert_eq!(ds["fields"][0]["id"], "_id");
    assert!(ds["_links"]["next"].as_str().unwrap().contains("offset=2"));

    // `ckanapi dump datasets`: every open dataset, one JSON line each.
    let args: Vec<String> = ["dump", "datasets", "--all", "-q", "-r", &s.base, "-O"]
        .iter()
        .map(|a| a.to_string())
        .chain([dump.display().to_string()])
        .collect();
    let done = match run("ckanapi", args.clone()).await {
        Ok(r) => r,
        // The module without its script on PATH: run it as a module.
        Err(_) => run(
            "python3",
            ["-m".to_owned(), "ckanapi".to_owned()]
                .into_iter()
                .chain(args)
                .collect(),
        )
        .await
        .unwrap(),
    };
    assert!(
        done.status.success(),
        "ckanapi dump failed: {}",
        String::from_utf8_lossy(&done.stderr)
    );
    let text = std::fs::read_to_string(&dump).unwrap();
    let mut dumped: Vec<String> = text
        .lines()
        .map(|l| {
            serde_json::from_str::<Value>(l).unwrap()["name"]
                .as_str()
                .unwrap()
                .to_owned()
        })
        .collect();
    dumped.sort();
    assert_eq!(dumped, list);
}

#[tokio::test]
async fn the_action_api_answers_in_ckans_envelope_with_ckans_errors_over_get_and_post() {
    let s = spawn().await;

    for path in ["/api/3", "/api"] {
        let (status, body) = s.get_public(path).await;
        assert_eq!(status, StatusCode::OK);
        assert_eq!(
            serde_json::from_str::<Value>(&body).unwrap(),
            json!({"version": 3})
        );
    }

    // Any web page may read it.
    let r = s
        .client
        .get(s.url("/api/3/action/package_list"))
        .send()
        .await
        .unwrap();
    assert_eq!(r.headers()["access-control-allow-origin"], "*");

    // The envelope, with an absolute help URL.
    let (status, v) = s.ckan_get("package_show", &[("id", BUS_LINES)]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["success"], true);
    assert_eq!(
        v["help"],
        format!("{}/api/3/action/help_show?name=package_show", s.base)
    );
    let id = v["result"]["id"].as_str().unwrap().to_owned();
    // By id as by name; over POST as JSON and as a form; at /api/action as at /api/3/action.
    let (_, by_id) = s.ckan_post("package_show", json!({"id": id})).await;
    assert_eq!(by_id["result"], v["result"]);
    let r = s
        .client
        .post(s.url("/api/3/action/package_show"))
        .form(&[("id", BUS_LINES), ("unknown_parameter", "ignored")])
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let by_form: Value = r.json().await.unwrap();
    assert_eq!(by_form["result"], v["result"]);

    // Not found: 404 "Not Found Error" with a message.
    let (status, v) = s.ckan_get("package_show", &[("id", "nope")]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    assert_eq!(v["success"], false);
    assert_eq!(v["error"]["__type"], "Not Found Error");
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .starts_with("Not found")
    );
    assert!(v["help"].as_str().unwrap().starts_with("http"));

    // Validation: 409, the field → messages map and __type, no message.
    let (status, v) = s.ckan_get("package_search", &[("rows", "-1")]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert_eq!(v["error"]["__type"], "Validation Error");
    assert!(v["error"]["rows"].is_array(), "{v}");
    assert!(v["error"].get("message").is_none(), "{v}");
    let (status, v) = s.ckan_get("package_show", &[]).await;
    assert_eq!(status, StatusCode::CONFLICT, "{v}");
    assert!(v["error"]["id"].is_array());

    // An unknown action: 400.
    let (status, v) = s.ckan_get("package_create", &[]).await;
    assert_eq!(status, StatusCode::BAD_REQUEST, "{v}");
    assert_eq!(v["success"], false);
    assert!(
        v["error"]["message"]
            .as_str()
            .unwrap()
            .contains("Action name not known: package_create")
    );

    // A broken query or sort: 400 "Search Query Error"; an unknown field says which.
    for (k, q) in [
        ("fq", "metadata_modified:[2026-01-01 TO"),
        ("fq", "colour:blue"),
        ("sort", "colour asc"),
    ] {
        let (status, v) = s.ckan_get("package_search", &[(k, q)]).await;
        assert_eq!(status, StatusCode::BAD_REQUEST, "{q}: {v}");
        assert_eq!(v["error"]["__type"], "Search Query Error", "{v}");
    }

    // rows above the maximum is cut to it, as CKAN does; facets as a JSON list in text; the
    // sort a harvester sends.
    let (status, v) = s
        .ckan_get(
            "package_search",
            &[
                ("rows", "5000"),
                ("facet.field", r#"["license_id","groups"]"#),
                ("sort", "metadata_modified desc"),
                ("fq", "-organization:nobody res_format:PARQUET"),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    let r = &v["result"];
    assert_eq!(r["count"], 3);
    assert_eq!(r["facets"]["license_id"]["CC-BY-4.0"], 3, "{r}");
    let modified: Vec<&str> = r["results"]
        .as_array()
        .unwrap()
        .iter()
        .map(|p| p["metadata_modified"].as_str().unwrap())
        .collect();
    assert!(modified.windows(2).all(|w| w[0] >= w[1]), "{modified:?}");
    // An organization filter by its name, from the dataset itself.
    let org = r["results"][0]["organization"]["name"].as_str().unwrap();
    let (_, v) = s
        .ckan_get(
            "package_search",
            &[("fq", &format!("organization:{org}")), ("rows", "0")],
        )
        .await;
    let n = v["result"]["count"].as_u64().unwrap();
    assert!((1..3).contains(&n), "{v}");
    assert!(v["result"]["results"].as_array().unwrap().is_empty());

    // organization_show and group_show by name, with their datasets.
    let (status, v) = s
        .ckan_get(
            "organization_show",
            &[("id", org), ("include_datasets", "true")],
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["packages"].as_array().unwrap().len() as u64, n);
    let (_, groups) = s.ckan_get("group_list", &[]).await;
    let first = groups["result"][0].as_str().unwrap().to_owned();
    let (status, v) = s.ckan_get("group_show", &[("id", &first)]).await;
    assert_eq!(status, StatusCode::OK, "{v}");
    assert_eq!(v["result"]["is_organization"], false);
    // Terms of one character, of Latin letters in any case, and ones that only two fields
    // side by side would spell (the title's end, 信息, and the tags' start, 公交) find what the
    // portal's own search finds: substrings of one field.
    for (q, at_least) in [
        ("线", 3),
        ("公交 线路", 1),
        ("息公", 0),
        ("ic卡", 1),
        ("停水", 1),
    ] {
        let (_, v) = s.ckan_get("package_search", &[("q", q)]).await;
        let (_, portal) = s
            .get_public(&format!("/api/v1/open/datasets?{}", encode(&[("q", q)])))
            .await;
        let portal: Value = serde_json::from_str(&portal).unwrap();
        assert_eq!(v["result"]["count"], portal["total"], "{q}: {v}");
        let n = v["result"]["count"].as_u64().unwrap();
        assert!(n >= at_least && (at_least > 0 || n == 0), "{q}: {n}");
    }
    let (_, v) = s.ckan_get("site_read", &[]).await;
    assert_eq!(v["result"], true);
    let (status, v) = s
        .ckan_get("datastore_search", &[("resource_id", "nope")])
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND, "{v}");
}

#[tokio::test]
async fn a_closed_dataset_leaves_the_ckan_catalog_and_a_conditional_ones_records_need_its_agreement()
 {
    let s = spawn().await;
    let admin = s.token("admin", "write").await;
    let bus = s.token("bus_steward", "write").await;
    let (_, before) = s.ckan_get("package_list", &[]).await;
    assert!(
        before["result"]
            .as_array()
            .unwrap()
            .contains(&json!(BUS_LINES))
    );

    // The swipes are conditional: listed, but a developer key reads none of their records.
    let (_, key) = s
        .post("/api/v1/open/keys", &bus, json!({"name": "ckan"}))
        .await;
    let key = key["key"].as_str().unwrap().to_owned();
    let (_, swipes) = s.ckan_get("package_show", &[("id", "3-09-001-0001")]).await;
    let swipes = &swipes["result"];
    let open_attr = swipes["extras"]
        .as_array()
        .unwrap()
        .iter()
        .find(|x| x["key"] == "open_attr")
        .unwrap();
    assert_eq!(open_attr["value"], "conditional");
    let res = swipes["resources"][0]["id"].as_str().unwrap();
    let r = s
        .client
        .get(s.url(&format!(
            "/api/3/action/datastore_search?{}",
            encode(&[("resource_id", res)])
        )))
        .header("Authorization", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::FORBIDDEN);
    let v: Value = r.json().await.unwrap();
    assert_eq!(v["error"]["__type"], "Authorization Error", "{v}");

    // Closed by the authority: gone from the list, the search and show.
    let (status, v) = s
        .post(
            &format!("/api/v1/open/datasets/{BUS_LINES}/close"),
            &admin,
            json!({"reason": "数据口径调整"}),
        )
        .await;
    assert!(status.is_success(), "{v}");
    let (_, after) = s.ckan_get("package_list", &[]).await;
    assert!(
        !after["result"]
            .as_array()
            .unwrap()
            .contains(&json!(BUS_LINES)),
        "{after}"
    );
    let (status, _) = s.ckan_get("package_show", &[("id", BUS_LINES)]).await;
    assert_eq!(status, StatusCode::NOT_FOUND);
    let (_, v) = s.ckan_get("package_search", &[("q", "公交线路")]).await;
    assert_eq!(v["result"]["count"], 0, "{v}");
}
