//! Conditional opening over HTTP, on the demo city's card swipes (open conditionally): a
//! registered developer applies through the API, bad applications answer problem+json with
//! their codes, the authority passes the materials, the bus company extends its reply once and
//! approves, the holder takes the agreement's key and reads the records with it; then the same
//! path through the pages, forms and CSRF included.

use super::*;

const SWIPES: &str = "3-09-001-0001";

impl Server {
    /// Registers a member of the public (with the demo password) and gives it a write token.
    async fn public_user(&self, username: &str) -> String {
        let r = self
            .client
            .post(self.url("/api/v1/register"))
            .json(&json!({"username": username, "display_name": "张开发",
                          "password": pubdata_app::demo::DEMO_PASSWORD,
                          "contact": "zhang@example.com"}))
            .send()
            .await
            .unwrap();
        assert_eq!(r.status(), StatusCode::CREATED);
        self.token(username, "write").await
    }
}

fn application(extra: Value) -> Value {
    let mut v = json!({
        "dataset": SWIPES,
        "purpose": "研究早高峰公交客流的时空分布",
        "scenario": "高校课题组内部分析，不对外提供原始数据",
        "applicant": {"kind": "organisation", "name": "澜江大学交通学院",
                      "uscc": pubdata_app::demo::demo_uscc(140, "12"),
                      "contact": "traffic@lju.example.cn"},
        "fields": ["txn_id", "line_no", "fare"],
        "commitment_accepted": true
    });
    if let (Some(v), Some(extra)) = (v.as_object_mut(), extra.as_object()) {
        for (k, x) in extra {
            v.insert(k.clone(), x.clone());
        }
    }
    v
}

#[tokio::test]
async fn a_developer_applies_over_the_api_and_reads_the_card_swipes_with_the_agreements_key() {
    let s = spawn().await;
    let dev = s.public_user("zhang_dev").await;
    let admin = s.token("admin", "write").await;
    let bus = s.token("bus_steward", "write").await;
    let water = s.token("water_steward", "write").await;

    // Bad applications: problem+json with the code, the field and nothing filed.
    let (status, e) = s
        .post(
            "/api/v1/open/applications",
            &dev,
            application(json!({"commitment_accepted": false})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["code"], "commitment_required");
    assert_eq!(e["errors"][0]["field"], "commitment_accepted");
    let mut bad = application(json!({}));
    bad["applicant"]["uscc"] = json!("91110000600037341N");
    let (status, e) = s.post("/api/v1/open/applications", &dev, bad).await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    assert_eq!(e["code"], "invalid_uscc");
    assert_eq!(e["errors"][0]["field"], "applicant.uscc");
    let (status, e) = s
        .post(
            "/api/v1/open/applications",
            &dev,
            application(json!({"dataset": "2-02-006-0001"})),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("not_conditional")),
        "{e}"
    );
    let (status, e) = s
        .post(
            "/api/v1/open/applications",
            &dev,
            application(json!({"dataset": "1-01-004-0001"})),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::NOT_FOUND, Some("dataset_not_found")),
        "a not_open resource is not on the open list: {e}"
    );
    let (status, e) = s
        .post(
            "/api/v1/open/applications",
            &dev,
            application(json!({"surprise": 1})),
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{e}");
    let (_, mine) = s.get("/api/v1/open/applications", &dev).await;
    assert_eq!(mine["items"], json!([]), "{mine}");

    // Filed: 201 with the authority's step due in 5 working days.
    let (status, a) = s
        .post("/api/v1/open/applications", &dev, application(json!({})))
        .await;
    assert_eq!(status, StatusCode::CREATED, "{a}");
    assert_eq!(a["status"], "materials");
    assert_eq!(a["steps"][0]["actor_org_id"], Value::Null);
    assert_eq!(a["steps"][0]["rule_days"], 5);
    assert_eq!(a["commitment_version"], "2026-1");
    let id = a["id"].as_str().unwrap().to_owned();
    let path = |tail: &str| format!("/api/v1/open/applications/{id}{tail}");

    let (status, e) = s
        .post(&path("/materials"), &bus, json!({"decision": "pass"}))
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("role_required"))
    );
    let (status, a) = s
        .post(&path("/materials"), &admin, json!({"decision": "pass"}))
        .await;
    assert_eq!(
        (status, a["status"].as_str()),
        (StatusCode::OK, Some("review")),
        "{a}"
    );
    let due = a["steps"][1]["due_date"].as_str().unwrap().to_owned();

    let (status, e) = s
        .post(
            &path("/extend"),
            &water,
            json!({"reason": "不是我们的数据"}),
        )
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("other_org"))
    );
    let (status, a) = s
        .post(&path("/extend"), &bus, json!({"reason": "需评估脱敏效果"}))
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    assert_eq!(a["steps"][1]["extension_reason"], "需评估脱敏效果");
    assert!(
        a["steps"][1]["due_date"].as_str().unwrap() > due.as_str(),
        "{a}"
    );
    let (status, e) = s
        .post(&path("/extend"), &bus, json!({"reason": "再延一次"}))
        .await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::CONFLICT, Some("reply_already_extended"))
    );
    let (status, seen) = s.get(&path(""), &dev).await;
    assert_eq!(status, StatusCode::OK);
    assert_eq!(seen["steps"][1]["extension_reason"], "需评估脱敏效果");
    let (status, _) = s.get(&path(""), &water).await;
    assert_eq!(status, StatusCode::FORBIDDEN);

    // Approved: the agreement, and no key in the provider's answer.
    let (status, a) = s
        .post(&path("/review"), &bus, json!({"decision": "approve"}))
        .await;
    assert_eq!(
        (status, a["status"].as_str()),
        (StatusCode::OK, Some("approved")),
        "{a}"
    );
    assert!(!a.to_string().contains("pdk_"), "{a}");
    let agreement = a["agreement_id"].as_str().unwrap().to_owned();
    assert_eq!(
        a["agreement"]["fields"],
        json!(["txn_id", "line_no", "fare"])
    );
    let (_, list) = s.get("/api/v1/open/agreements", &bus).await;
    assert_eq!(list["items"][0]["id"], agreement.as_str(), "{list}");

    let key_path = format!("/api/v1/open/agreements/{agreement}/key");
    let (status, e) = s.post(&key_path, &bus, json!({})).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("not_agreement_holder"))
    );
    let (status, k) = s.post(&key_path, &dev, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{k}");
    let key = k["key"].as_str().unwrap().to_owned();
    assert_eq!(k["agreement_id"], agreement.as_str());
    let records = format!("/api/v1/open/datasets/{SWIPES}/records?limit=5");
    let (status, page) = s.get(&records, &key).await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 5, "{page}");
    let (status, dev_key) = s.post("/api/v1/open/keys", &dev, json!({})).await;
    assert_eq!(status, StatusCode::CREATED, "{dev_key}");
    let (status, e) = s.get(&records, dev_key["key"].as_str().unwrap()).await;
    assert_eq!(
        (status, e["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("agreement_required"))
    );

    // A use report for this month; none is overdue yet.
    let month = pubdata_app::today().format("%Y-%m").to_string();
    let (status, r) = s
        .post(
            &format!("/api/v1/open/agreements/{agreement}/reports"),
            &dev,
            json!({"period": month, "use_summary": "调用约300次", "results": "客流模型初稿"}),
        )
        .await;
    assert_eq!(status, StatusCode::CREATED, "{r}");
    let (status, again) = s
        .post(
            &format!("/api/v1/open/agreements/{agreement}/reports"),
            &dev,
            json!({"period": month, "use_summary": "重复", "results": "重复"}),
        )
        .await;
    assert_eq!(
        (status, again["code"].as_str()),
        (StatusCode::CONFLICT, Some("use_report_exists"))
    );
    let (status, reports) = s.get("/api/v1/open/use-reports", &bus).await;
    assert_eq!(status, StatusCode::OK, "{reports}");
    assert_eq!(reports["items"][0]["period"], month.as_str());
    assert_eq!(reports["overdue"], json!([]));
}

#[tokio::test]
async fn a_developer_applies_in_the_portal_and_the_staff_handle_it_in_their_pages() {
    let s = spawn().await;
    s.public_user("zhang_dev").await;
    let form_path = format!("/open/datasets/{SWIPES}/apply");

    // Not signed in: to sign-in, and back to the form after it.
    let r = s.client.get(s.url(&form_path)).send().await.unwrap();
    assert_eq!(r.status(), 303);
    assert_eq!(
        r.headers()["location"],
        "/signin?next=%2Fopen%2Fdatasets%2F3-09-001-0001%2Fapply"
    );

    let (dev, csrf) = page_session(&s, "zhang_dev").await;
    let (status, body) = s.page(&form_path, &dev).await;
    assert_eq!(status, 200);
    assert!(
        body.contains("不以任何方式尝试识别特定自然人"),
        "the commitment in full"
    );
    assert!(body.contains(r#"name="commitment_accepted""#));

    let mut fields = vec![
        ("csrf", csrf.as_str()),
        ("applicant.kind", "person"),
        ("applicant.name", "张开发"),
        ("applicant.contact", "13800000000"),
        ("purpose", "课程作业：公交客流分析"),
        ("scenario", "个人学习研究，不对外提供"),
        ("fields", "line_no"),
        ("fields", "fare"),
    ];
    // Without the commitment: the form again, with the message at the box and what was typed.
    let (status, body) = s.form(&form_path, &dev, &fields).await;
    assert_eq!(status, 422, "{body}");
    assert!(body.contains(r#"id="commitment-error""#), "{body}");
    assert!(body.contains("课程作业：公交客流分析"));
    // A forged CSRF value: refused, nothing filed.
    let mut forged = fields.clone();
    forged[0] = ("csrf", "forged-value-0123456789");
    forged.push(("commitment_accepted", "yes"));
    let (status, _) = s.form(&form_path, &dev, &forged).await;
    assert_eq!(status, 403);

    fields.push(("commitment_accepted", "yes"));
    let (status, to) = s.form(&form_path, &dev, &fields).await;
    assert_eq!(status, 303, "{to}");
    assert!(
        to.starts_with("/open/me/applications?notice=filed#app-"),
        "{to}"
    );
    let id = to.rsplit("#app-").next().unwrap().to_owned();
    let (status, mine) = s.page("/open/me/applications", &dev).await;
    assert_eq!(status, 200);
    assert!(mine.contains(&format!(r#"id="app-{id}""#)));
    assert!(mine.contains("待材料审核"), "{mine}");

    // The authority passes the materials in its page; the bus company extends and approves.
    let (admin, admin_csrf) = page_session(&s, "admin").await;
    let (status, list) = s.page("/opening/applications", &admin).await;
    assert_eq!(status, 200);
    assert!(list.contains(&format!(r#"id="line-{id}""#)), "{list}");
    let detail = format!("/opening/applications/{id}");
    let (_, page) = s.page(&detail, &admin).await;
    assert!(page.contains(r#"id="materials-form""#) && !page.contains(r#"id="review-form""#));
    let (status, to) = s
        .form(
            &format!("{detail}/materials"),
            &admin,
            &[("csrf", &admin_csrf), ("decision", "pass")],
        )
        .await;
    assert_eq!(status, 303, "{to}");
    assert_eq!(to, format!("{detail}?notice=materials_passed"));

    let (bus, bus_csrf) = page_session(&s, "bus_steward").await;
    let (_, page) = s.page(&detail, &bus).await;
    assert!(page.contains(r#"id="review-form""#) && page.contains(r#"id="extend-form""#));
    // An extension without its reason: the form again, the message at the field.
    let (status, body) = s
        .form(
            &format!("{detail}/extend"),
            &bus,
            &[("csrf", &bus_csrf), ("reason", "")],
        )
        .await;
    assert_eq!(status, 422);
    assert!(body.contains(r#"id="extend-form""#) && body.contains("延期理由不能为空"));
    let (status, _) = s
        .form(
            &format!("{detail}/extend"),
            &bus,
            &[("csrf", &bus_csrf), ("reason", "需会同信息中心评估")],
        )
        .await;
    assert_eq!(status, 303);
    let (_, page) = s.page(&detail, &bus).await;
    assert!(!page.contains(r#"id="extend-form""#), "once only");
    let (status, _) = s
        .form(
            &format!("{detail}/review"),
            &bus,
            &[("csrf", &bus_csrf), ("decision", "approve")],
        )
        .await;
    assert_eq!(status, 303);

    // The applicant sees the extension's reason and the agreement, and takes the key once.
    let (_, mine) = s.page("/open/me/applications", &dev).await;
    assert!(mine.contains("需会同信息中心评估"), "{mine}");
    assert!(mine.contains("已同意"));
    let agreement = mine
        .split(r#"id="ag-"#)
        .nth(1)
        .and_then(|rest| rest.split('"').next())
        .expect("the agreement on the page")
        .to_owned();
    let (status, body) = s
        .form(
            &format!("/open/me/agreements/{agreement}/key"),
            &dev,
            &[("csrf", &csrf)],
        )
        .await;
    assert_eq!(status, 200);
    let key = body
        .split(r#"id="new-key-value">"#)
        .nth(1)
        .and_then(|rest| rest.split('<').next())
        .expect("the key, shown once")
        .to_owned();
    assert!(key.starts_with("pdk_"), "{key}");
    let (_, mine) = s.page("/open/me/applications", &dev).await;
    assert!(!mine.contains(&key), "shown once only");
    let (status, page) = s
        .get(
            &format!("/api/v1/open/datasets/{SWIPES}/records?limit=1"),
            &key,
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{page}");
    assert_eq!(page["items"].as_array().unwrap().len(), 1, "{page}");
}
