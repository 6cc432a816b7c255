//! The sharing API over HTTP, as the HR unit's system and the police's would use it: a request
//! through its steps, a masked read with the response's hash in a header that matches the
//! body, the purpose header in UTF-8 and percent-encoded, the quota's 429 with Retry-After,
//! another unit refused, a shared version file with the granted fields only, an emergency and
//! an objection.

use super::*;
use sha2::Digest;

const HOUSEHOLD: &str = "1/01/001/0001";

fn person_id(n: u32) -> String {
    let first17 = format!("36990019850301{n:03}");
    format!(
        "{first17}{}",
        pubdata_core::identifiers::citizen_id_check_char(&first17).unwrap()
    )
}

impl Server {
    /// A shared GET with `X-Purpose` (as given: raw UTF-8 or percent-encoded).
    async fn share_get(
        &self,
        path: &str,
        token: &str,
        purpose: Option<&str>,
    ) -> (StatusCode, reqwest::header::HeaderMap, Vec<u8>) {
        let mut req = self.client.get(self.url(path)).bearer_auth(token);
        if let Some(p) = purpose {
            req = req.header(
                "x-purpose",
                reqwest::header::HeaderValue::from_bytes(p.as_bytes()).unwrap(),
            );
        }
        let r = req.header("x-case-id", "RS-2026-118").send().await.unwrap();
        let (status, headers) = (r.status(), r.headers().clone());
        (status, headers, r.bytes().await.unwrap().to_vec())
    }
}

fn sha_hex(b: &[u8]) -> String {
    hex::encode(sha2::Sha256::digest(b))
}

#[tokio::test]
async fn hr_reads_the_police_household_record_over_the_sharing_api_masked_and_hash_bound() {
    let s = spawn().await;
    let police = s.token("police_steward", "write").await;
    let hr = s.token("hrss_steward", "write").await;
    let hr_system = s.token("hrss_member", "read").await;
    let water = s.token("water_member", "read").await;
    let admin = s.token("admin", "write").await;
    let id = s.resource_id(&police, HOUSEHOLD).await;
    let key = person_id(7);

    let (status, b) = s
        .post(
            &format!("/api/v1/resources/{id}/batches"),
            &police,
            json!({"rows": [
                {"citizen_id": key, "name": "王建国", "gender": "男", "ethnicity": "汉族",
                 "birth_date": "1985-03-01", "domicile_address": "澜江市老城区解放街12号",
                 "household_no": "H3699001", "relation_to_head": "户主",
                 "police_station": "解放街派出所", "settled_on": "2001-09-01"}
            ]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");

    // The request, filed by the HR steward with a token.
    let today = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .date_naive()
        .to_string();
    let (status, r) = s
        .post(
            "/api/v1/share-requests",
            &hr,
            json!({"resource_id": id, "fields": ["citizen_id", "name", "gender", "domicile_address"],
                   "purpose": "社会保险参保登记身份核验", "scenario": "社保经办窗口",
                   "duty_basis": "《社会保险法》第五十八条", "period_start": today,
                   "period_end": "2027-12-31", "commitment_accepted": true, "rate_per_minute": 3}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    assert_eq!(r["status"], "conformity", "{r}");
    assert_eq!(r["steps"][0]["actor_org_id"], Value::Null, "{r}");
    assert!(
        r["steps"][0]["due_date"].as_str().unwrap() > today.as_str(),
        "{r}"
    );
    let rid = r["id"].as_str().unwrap().to_owned();

    let (status, p) = s
        .post(
            &format!("/api/v1/share-requests/{rid}/conformity"),
            &hr,
            json!({"decision": "pass"}),
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("role_required"))
    );
    let (status, r) = s
        .post(
            &format!("/api/v1/share-requests/{rid}/conformity"),
            &admin,
            json!({"decision": "pass"}),
        )
        .await;
    assert_eq!(
        (status, r["status"].as_str()),
        (StatusCode::OK, Some("reply")),
        "{r}"
    );
    let (status, r) = s
        .post(
            &format!("/api/v1/share-requests/{rid}/reply"),
            &police,
            json!({"decision": "approve"}),
        )
        .await;
    assert_eq!(
        (status, r["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{r}"
    );
    let grant = r["grant_id"].as_str().unwrap().to_owned();
    let (_, grants) = s
        .get(&format!("/api/v1/grants?resource_id={id}"), &police)
        .await;
    assert_eq!(grants["items"][0]["id"], grant, "{grants}");
    assert_eq!(grants["items"][0]["rate_per_minute"], 3, "{grants}");

    // The read, with the purpose in raw UTF-8.
    let path = format!("/api/v1/share/{id}/records/{key}");
    let (status, h, body) = s
        .share_get(&path, &hr_system, Some("核验参保人员身份"))
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    assert_eq!(
        h["x-pubdata-response-hash"].to_str().unwrap(),
        sha_hex(&body),
        "the header is the body's SHA-256"
    );
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        v["values"],
        json!({"citizen_id": format!("{}********{}", &key[..6], &key[14..]), "name": "王**",
               "gender": "男", "domicile_address": "澜江市老城区***"}),
        "{v}"
    );
    assert_eq!(
        v["masked"],
        json!(["citizen_id", "name", "domicile_address"])
    );
    // The audit entry behind it carries the same hash.
    let index = h["x-pubdata-audit-index"].to_str().unwrap().to_owned();
    let (status, e) = s
        .get(&format!("/api/v1/audit/entries/{index}"), &admin)
        .await;
    assert_eq!(status, StatusCode::OK, "{e}");
    let text = e.to_string();
    assert!(text.contains(&sha_hex(&body)), "{e}");
    assert!(text.contains("RS-2026-118"), "{e}");

    // Percent-encoded purpose; no purpose; another unit; the quota.
    let encoded = "%E6%A0%B8%E9%AA%8C%E8%BA%AB%E4%BB%BD";
    let (status, _, _) = s.share_get(&path, &hr_system, Some(encoded)).await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = s.share_get(&path, &hr_system, None).await;
    let p: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::BAD_REQUEST, Some("purpose_required"))
    );
    let (status, _, body) = s.share_get(&path, &water, Some("核验")).await;
    let p: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("grant_required"))
    );
    // A published version as a file: the granted fields only, masked.
    let (status, v) = s
        .post(
            &format!("/api/v1/resources/{id}/versions"),
            &police,
            json!({}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{v}");
    let n = v["number"].as_i64().unwrap();
    let (status, _) = s
        .post(
            &format!("/api/v1/grants/{grant}/revoke"),
            &hr,
            json!({"reason": "x"}),
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "the grantee cannot revoke");
    let (status, h, csv) = s
        .share_get(
            &format!("/api/v1/share/{id}/versions/{n}/file?format=csv"),
            &hr_system,
            Some("核验"),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&csv));
    assert_eq!(
        h["x-pubdata-response-hash"].to_str().unwrap(),
        sha_hex(&csv)
    );
    let text = String::from_utf8(csv).unwrap();
    let header = text
        .trim_start_matches('\u{feff}')
        .lines()
        .next()
        .unwrap()
        .to_owned();
    assert_eq!(header, "citizen_id,name,gender,domicile_address", "{text}");
    assert!(
        text.contains("王**") && !text.contains("王建国") && !text.contains(&key),
        "{text}"
    );
    // The third call of the minute was the file; the fourth is over the quota of 3.
    let (status, h2, body) = s.share_get(&path, &hr_system, Some("核验")).await;
    let p: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::TOO_MANY_REQUESTS, Some("over_quota"))
    );
    let retry: u64 = h2["retry-after"].to_str().unwrap().parse().unwrap();
    assert!((1..=60).contains(&retry), "{retry}");
}

#[tokio::test]
async fn an_emergency_and_an_objection_over_the_api() {
    let s = spawn().await;
    let police = s.token("police_steward", "write").await;
    let hr = s.token("hrss_steward", "write").await;
    let admin = s.token("admin", "write").await;
    let id = s.resource_id(&police, HOUSEHOLD).await;
    let key = person_id(8);
    let (status, b) = s
        .post(
            &format!("/api/v1/resources/{id}/batches"),
            &police,
            json!({"rows": [{"citizen_id": key, "name": "赵敏", "gender": "女"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{b}");
    let ends = (chrono::Utc::now() + chrono::Duration::hours(2)).to_rfc3339();
    let (status, e) = s
        .post(
            "/api/v1/emergencies",
            &admin,
            json!({"name": "澜江市流感疫情", "legal_basis": "《突发事件应对法》",
                   "ordered_by": "澜江市人民政府", "ends_at": ends,
                   "raises": [{"resource_id": id, "share_attr": "unconditional"}]}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{e}");
    assert_eq!(e["state"], "in_force");
    let path = format!("/api/v1/share/{id}/records/{key}");
    let (status, _, body) = s.share_get(&path, &hr, Some("疫情防控")).await;
    assert_eq!(status, StatusCode::OK, "{}", String::from_utf8_lossy(&body));
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["emergency_id"], e["id"]);

    let (status, o) = s
        .post(
            "/api/v1/objections",
            &hr,
            json!({"resource_id": id, "key": key, "reason": "姓名登记有误"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{o}");
    assert!(o["due_date"].is_string(), "{o}");
    let (_, _, body) = s.share_get(&path, &hr, Some("疫情防控")).await;
    let v: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(v["disputed"], true, "{v}");
    let (status, a) = s
        .post(
            &format!("/api/v1/objections/{}/answer", o["id"].as_str().unwrap()),
            &police,
            json!({"outcome": "confirmed", "explanation": "经核对户籍档案，登记无误"}),
        )
        .await;
    assert_eq!(
        (status, a["status"].as_str()),
        (StatusCode::OK, Some("answered")),
        "{a}"
    );

    let (status, _) = s
        .post(
            &format!("/api/v1/emergencies/{}/end", e["id"].as_str().unwrap()),
            &admin,
            json!({"reason": "疫情结束"}),
        )
        .await;
    assert_eq!(status, StatusCode::OK);
    let (status, _, body) = s.share_get(&path, &hr, Some("疫情防控")).await;
    let p: Value = serde_json::from_slice(&body).unwrap();
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("grant_required")),
        "reverted"
    );
}
