//! The open API over HTTP, as a steward's script, the authority and an outside developer use
//! it: a proposal blocked by the security review with the field named, then passed once the
//! card number is masked and approved; an anonymous search in Chinese; the dataset with its
//! files; a download whose SHA-256 header matches its bytes; the records API refusing a caller
//! without a key, answering one with a key in either header; the open list as CSV.

use super::*;
use sha2::Digest;

const SWIPES: &str = "3/09/001/0001";

#[tokio::test]
async fn a_steward_opens_data_past_the_review_and_a_developer_reads_it_with_a_key() {
    let s = spawn().await;
    let bus = s.token("bus_steward", "write").await;
    let admin = s.token("admin", "write").await;
    let id = s.resource_id(&bus, SWIPES).await;

    // Everything kept: 201 with the failed review naming the card number.
    let (status, p) = s
        .post(
            &format!("/api/v1/resources/{id}/open-proposals"),
            &bus,
            json!({"open_attr": "conditional", "fields": [], "masks": {}, "quasi_identifiers": []}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["status"], "proposed");
    assert_eq!(p["review"]["passed"], false);
    let fields: Vec<&str> = p["review"]["findings"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert!(fields.contains(&"card_no"), "{p}");
    let blocked = p["id"].as_str().unwrap().to_owned();
    let (status, e) = s
        .post(
            &format!("/api/v1/open-proposals/{blocked}/approve"),
            &admin,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CONFLICT, "{e}");
    assert_eq!(e["code"], "security_review_failed");

    // A mask rule that does not exist, and a field the resource lacks: 422 at their fields.
    let (status, e) = s
        .post(
            &format!("/api/v1/resources/{id}/open-proposals"),
            &bus,
            json!({"open_attr": "conditional", "masks": {"card_no": "blur", "nope": "full"}}),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let at: Vec<&str> = e["errors"]
        .as_array()
        .unwrap()
        .iter()
        .map(|f| f["field"].as_str().unwrap())
        .collect();
    assert_eq!(at, ["masks.card_no", "masks.nope"], "{e}");

    // Masked: it passes; the steward cannot approve it, the authority does.
    let (status, p) = s
        .post(
            &format!("/api/v1/resources/{id}/open-proposals"),
            &bus,
            json!({"open_attr": "conditional", "masks": {"card_no": "bank_card"},
                   "quasi_identifiers": ["line_no"]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{p}");
    assert_eq!(p["review"]["passed"], true, "{p}");
    let pid = p["id"].as_str().unwrap().to_owned();
    let (status, _) = s
        .post(
            &format!("/api/v1/open-proposals/{pid}/approve"),
            &bus,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    let r = s
        .client
        .post(s.url(&format!("/api/v1/open-proposals/{pid}/approve")))
        .bearer_auth(&admin)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK, "an approval needs no body");
    let (status, old) = s
        .get(&format!("/api/v1/open-proposals/{blocked}"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(old["status"], "superseded");

    // An anonymous visitor searches in Chinese.
    let (status, body) = s
        .get_public("/api/v1/open/datasets?q=%E5%85%AC%E4%BA%A4&open_attr=unconditional")
        .await;
    assert_eq!(status, StatusCode::OK, "{body}");
    let found: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(found["items"][0]["title"], "公交线路信息", "{found}");
    let name = found["items"][0]["name"].as_str().unwrap().to_owned();
    let (status, body) = s.get_public(&format!("/api/v1/open/datasets/{name}")).await;
    assert_eq!(status, StatusCode::OK);
    let d: Value = serde_json::from_str(&body).unwrap();
    assert_eq!(d["preview"].as_array().unwrap().len(), 10);
    let parquet = d["versions"][0]["files"]
        .as_array()
        .unwrap()
        .iter()
        .find(|f| f["format"] == "parquet")
        .unwrap()
        .clone();

    let r = s
        .client
        .get(s.url(&format!(
            "/api/v1/open/datasets/{name}/versions/1/files/parquet"
        )))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let sha = r.headers()["x-pubdata-sha256"].to_str().unwrap().to_owned();
    let bytes = r.bytes().await.unwrap();
    assert!(bytes.starts_with(b"PAR1"));
    assert_eq!(hex::encode(sha2::Sha256::digest(&bytes)), sha);
    assert_eq!(parquet["sha256"], sha, "the catalog lists the same hash");
    let (status, _) = s
        .get_public(&format!(
            "/api/v1/open/datasets/{name}/versions/9/files/csv"
        ))
        .await;
    assert_eq!(status, StatusCode::NOT_FOUND);

    // The records API: no key 401; a developer key in either header.
    let (status, body) = s
        .get_public(&format!("/api/v1/open/datasets/{name}/records"))
        .await;
    assert_eq!(status, StatusCode::UNAUTHORIZED, "{body}");
    let (status, k) = s
        .post("/api/v1/open/keys", &bus, json!({"name": "脚本"}))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{k}");
    let key = k["key"].as_str().unwrap().to_owned();
    let (status, page) = s
        .get(
            &format!("/api/v1/open/datasets/{name}/records?limit=3"),
            &key,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 3);
    let r = s
        .client
        .get(s.url(&format!("/api/v1/open/datasets/{name}/records?line_no=K1")))
        .header("x-api-key", &key)
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let page: Value = r.json().await.unwrap();
    assert_eq!(page["items"][0]["line_name"], "快线1路", "{page}");
    let (status, e) = s
        .get("/api/v1/open/datasets/3-09-001-0001/records", &key)
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN);
    assert_eq!(e["code"], "agreement_required");

    // The open list, as a file.
    let (status, csv) = s.get_public("/api/v1/open/list?format=csv").await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        csv.contains("公交线路信息") && csv.contains("公交IC卡刷卡记录"),
        "{csv}"
    );
}
