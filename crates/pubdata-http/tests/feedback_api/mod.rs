//! Public interaction over HTTP, as a visitor and the authority would use it: an anonymous
//! data request through the API (refused without a contact), read back publicly without the
//! contact, answered by the authority; the same through the portal's form with its
//! double-submit CSRF cookie, and the answer given on the staff page shown on the item's page.

use super::*;

impl Server {
    /// A POST with no credentials at all.
    async fn post_anonymous(&self, path: &str, body: Value) -> (StatusCode, Value) {
        let r = self
            .client
            .post(self.url(path))
            .json(&body)
            .send()
            .await
            .unwrap();
        let status = r.status();
        (status, r.json().await.unwrap_or(Value::Null))
    }
}

#[tokio::test]
async fn an_anonymous_data_request_is_public_without_its_contact_and_answered_by_the_authority() {
    let s = spawn().await;
    let admin = s.token("admin", "write").await;
    let contact = "lanjiang.reader@example.com";
    let body = json!({"kind": "data_request", "text": "希望开放全市公共自行车站点及可借车辆数"});

    let (status, p) = s.post_anonymous("/api/v1/feedback", body.clone()).await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::UNPROCESSABLE_ENTITY, Some("contact_required")),
        "{p}"
    );
    assert_eq!(p["errors"][0]["field"], "contact", "{p}");

    let mut with_contact = body.clone();
    with_contact["contact"] = json!(contact);
    let (status, item) = s.post_anonymous("/api/v1/feedback", with_contact).await;
    assert_eq!(status, StatusCode::CREATED, "{item}");
    assert_eq!(item["status"], "open", "{item}");
    assert_eq!(item["kind"], "data_request", "{item}");
    let due = item["due_date"].as_str().unwrap();
    assert_eq!(due.len(), 10, "YYYY-MM-DD: {item}");
    let id = item["id"].as_str().unwrap().to_owned();

    let (status, text) = s.get_public(&format!("/api/v1/feedback/{id}")).await;
    assert_eq!(status, StatusCode::OK, "{text}");
    assert!(
        !text.contains(contact) && !text.contains("\"contact\""),
        "{text}"
    );
    let shown: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(shown["answer"], Value::Null, "{shown}");

    // Only the authority answers an item naming no dataset.
    let police = s.token("police_steward", "write").await;
    let (status, p) = s
        .post(
            &format!("/api/v1/feedback/{id}/answer"),
            &police,
            json!({"answer": "不归本单位"}),
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::FORBIDDEN, Some("role_required")),
        "{p}"
    );
    let answer = "已列入下一批开放计划，预计第三季度开放";
    let (status, a) = s
        .post(
            &format!("/api/v1/feedback/{id}/answer"),
            &admin,
            json!({"answer": answer}),
        )
        .await;
    assert_eq!(status, StatusCode::OK, "{a}");
    let (status, p) = s
        .post(
            &format!("/api/v1/feedback/{id}/answer"),
            &admin,
            json!({"answer": "again"}),
        )
        .await;
    assert_eq!(
        (status, p["code"].as_str()),
        (StatusCode::CONFLICT, Some("already_answered")),
        "{p}"
    );

    let (_, text) = s.get_public(&format!("/api/v1/feedback/{id}")).await;
    let shown: Value = serde_json::from_str(&text).unwrap();
    assert_eq!(
        (shown["status"].as_str(), shown["answer"].as_str()),
        (Some("answered"), Some(answer)),
        "{shown}"
    );
    assert!(shown["answered_at"].is_string(), "{shown}");
    assert!(!text.contains(contact), "{text}");
    let (status, list) = s.get_public("/api/v1/feedback?kind=data_request").await;
    assert_eq!(status, StatusCode::OK, "{list}");
    assert!(list.contains(answer) && !list.contains(contact), "{list}");
    let (status, _) = s.get_public("/api/v1/feedback/no-such-item").await;
    assert_eq!(status, StatusCode::NOT_FOUND);
}

/// The value of `name="csrf"` in a page.
fn csrf_of(html: &str) -> String {
    let at = html.find("name=\"csrf\" value=\"").expect("a csrf field") + 19;
    html[at..].split('"').next().unwrap().to_owned()
}

#[tokio::test]
async fn a_visitor_posts_on_the_portal_form_and_reads_the_answer_given_on_the_staff_page() {
    let s = spawn().await;
    // The first visit sets the double-submit cookie the form's value must match.
    let r = s.client.get(s.url("/open/feedback")).send().await.unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().to_owned())
        .find(|c| c.starts_with("pubdata_csrf="))
        .expect("a CSRF cookie");
    let cookie = cookie.split(';').next().unwrap().to_owned();
    let html = r.text().await.unwrap();
    let csrf = csrf_of(&html);
    assert_eq!(cookie, format!("pubdata_csrf={csrf}"));
    let contact = "13700001111";
    let text = "建议在数据集页面标注数据更新时间";

    // A forged value changes nothing.
    let (status, page) = s
        .form(
            "/open/feedback",
            &cookie,
            &[
                ("csrf", "forged-forged-forged-forged"),
                ("kind", "suggestion"),
                ("text", text),
                ("contact", contact),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::FORBIDDEN, "{page}");
    let (_, list) = s.get_public("/api/v1/feedback").await;
    assert!(!list.contains(text), "{list}");

    // Without a contact, the message is at its field and what was typed stays.
    let (status, page) = s
        .form(
            "/open/feedback",
            &cookie,
            &[("csrf", &csrf), ("kind", "suggestion"), ("text", text)],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("class=\"ferr\"") && page.contains(text),
        "{page}"
    );

    let (status, to) = s
        .form(
            "/open/feedback",
            &cookie,
            &[
                ("csrf", &csrf),
                ("kind", "suggestion"),
                ("dataset", ""),
                ("record_key", ""),
                ("text", text),
                ("contact", contact),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    assert!(to.starts_with("/open/feedback/"), "{to}");
    let (status, item_page) = s.get_public(&to).await;
    assert_eq!(status, StatusCode::OK);
    assert!(
        item_page.contains(text) && !item_page.contains(contact),
        "{item_page}"
    );
    let id = to
        .trim_start_matches("/open/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // The authority sees it waiting, with the contact, and answers it there.
    let (admin, admin_csrf) = page_session(&s, "admin").await;
    let (status, staff) = s.page("/opening/feedback", &admin).await;
    assert_eq!(status, StatusCode::OK, "{staff}");
    assert!(staff.contains(text) && staff.contains(contact), "{staff}");
    let answer = "感谢建议，数据集页面已显示最近更新时间";
    let (status, to) = s
        .form(
            &format!("/opening/feedback/{id}/answer"),
            &admin,
            &[("csrf", &admin_csrf), ("answer", answer)],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let (_, item_page) = s.get_public(&format!("/open/feedback/{id}")).await;
    assert!(item_page.contains(answer), "{item_page}");
    let (_, list_page) = s.get_public("/open/feedback").await;
    assert!(
        list_page.contains(answer) && !list_page.contains(contact),
        "{list_page}"
    );
    // Anonymous visitors have no staff page.
    let (status, _) = s.page("/opening/feedback", "").await;
    assert_eq!(status, StatusCode::SEE_OTHER);
}

#[tokio::test]
async fn an_error_report_from_the_dataset_page_reaches_the_bus_company_and_its_answer_shows_publicly()
 {
    let s = spawn().await;
    let lines = "2-02-006-0001";
    let r = s
        .client
        .get(s.url(&format!("/open/datasets/{lines}/feedback?key=N1")))
        .send()
        .await
        .unwrap();
    assert_eq!(r.status(), StatusCode::OK);
    let cookie = r
        .headers()
        .get_all("set-cookie")
        .iter()
        .map(|v| v.to_str().unwrap().split(';').next().unwrap().to_owned())
        .find(|c| c.starts_with("pubdata_csrf="))
        .expect("a CSRF cookie");
    let form = r.text().await.unwrap();
    assert!(
        form.contains("value=\"N1\""),
        "the key is prefilled: {form}"
    );
    let csrf = csrf_of(&form);
    let contact = "13911112222";
    let text = "夜班1路末班车时间应为05:00，不是05:30";

    // A key that is no record of the dataset is refused at its field.
    let (status, page) = s
        .form(
            &format!("/open/datasets/{lines}/feedback"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("record_key", "N404"),
                ("text", text),
                ("contact", contact),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::UNPROCESSABLE_ENTITY, "{page}");
    assert!(
        page.contains("N404") && page.contains("class=\"ferr\""),
        "{page}"
    );

    let (status, to) = s
        .form(
            &format!("/open/datasets/{lines}/feedback"),
            &cookie,
            &[
                ("csrf", &csrf),
                ("record_key", "N1"),
                ("text", text),
                ("contact", contact),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");
    let id = to
        .trim_start_matches("/open/feedback/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // The record reads as disputed to the provider.
    let bus = s.token("bus_steward", "write").await;
    let (_, res) = s.get("/api/v1/resources?q=2/02/006/0001", &bus).await;
    let resource = res["items"][0]["id"].as_str().unwrap().to_owned();
    let (_, rec) = s
        .get(&format!("/api/v1/resources/{resource}/records/N1"), &bus)
        .await;
    assert_eq!(rec["disputed"], true, "{rec}");

    // The bus company finds it on its page, with the contact, and answers the objection.
    let (steward, steward_csrf) = page_session(&s, "bus_steward").await;
    let (status, staff) = s.page("/opening/feedback", &steward).await;
    assert_eq!(status, StatusCode::OK, "{staff}");
    assert!(staff.contains(text) && staff.contains(contact), "{staff}");
    let at = staff
        .find("action=\"/sharing/objections/")
        .expect("the objection's answer form")
        + "action=\"/sharing/objections/".len();
    let objection = staff[at..].split('/').next().unwrap().to_owned();
    let answer = "经核对排班表，夜班1路末班车为05:30，数据无误";
    let (status, to) = s
        .form(
            &format!("/sharing/objections/{objection}/answer"),
            &steward,
            &[
                ("csrf", &steward_csrf),
                ("outcome", "confirmed"),
                ("explanation", answer),
            ],
        )
        .await;
    assert_eq!(status, StatusCode::SEE_OTHER, "{to}");

    let (_, item) = s.get_public(&format!("/api/v1/feedback/{id}")).await;
    let item: Value = serde_json::from_str(&item).unwrap();
    assert_eq!(
        (item["status"].as_str(), item["answer"].as_str()),
        (Some("answered"), Some(answer)),
        "{item}"
    );
    assert_eq!(item["record_key"], "N1", "{item}");
    let (_, page) = s.get_public(&format!("/open/feedback/{id}")).await;
    assert!(
        page.contains(answer) && page.contains("经核实无误") && !page.contains(contact),
        "{page}"
    );
    let (_, rec) = s
        .get(&format!("/api/v1/resources/{resource}/records/N1"), &bus)
        .await;
    assert_eq!(rec["disputed"], false, "{rec}");
}
