//! Sharing: the human-resources unit requests the police's conditional household resource;
//! the authority and the police approve on their due dates; the HR unit reads one record by ID
//! number and sees only the granted fields, masked by grade, with the response's hash in the
//! audit log; grants are suspended, revoked, over quota; an emergency raises a class and
//! reverts; a refusal is disputed and coordinated; an objection runs to its answer.

use super::*;
use pubdata_app::aggregation::{batches, records};
use pubdata_app::catalog::resources;
use pubdata_app::sharing::emergencies::{self, EmergencyInput, EndInput, RaiseInput};
use pubdata_app::sharing::grants::{self, GrantChange, GrantQuery};
use pubdata_app::sharing::objections::{self, AnswerInput, ObjectionInput, ObjectionQuery};
use pubdata_app::sharing::read;
use pubdata_app::sharing::requests::{
    self, ConformityInput, CoordinationInput, DisputeInput, ReplyInput, ShareRequestInput,
};
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::identifiers::citizen_id_check_char;
use pubdata_core::sharing::{GrantStatus, RequestStatus, StepKind};
use serde_json::{Value, json};
use sha2::Digest;

fn household(provider: &str) -> ResourceDoc {
    serde_json::from_value(json!({
        "code": "1/01/001/0001", "name": "户籍人口基本信息", "summary": "户籍人口的身份信息",
        "provider_org_id": provider, "category": "basic", "theme": "人口", "format": "database",
        "update_cycle": "daily", "share_attr": "conditional",
        "share_condition": "仅限依法履职时逐条核验", "share_methods": ["api"],
        "open_attr": "not_open", "grade": 4, "tags": ["户籍"],
        "fields": [
            {"name": "公民身份号码", "code": "citizen_id", "type": "C", "is_key": true, "identifier": "citizen_id", "sensitive": true, "grade": 4},
            {"name": "姓名", "code": "name", "type": "C", "required": true, "sensitive": true, "grade": 3},
            {"name": "性别", "code": "gender", "type": "C", "grade": 2},
            {"name": "户籍地址", "code": "domicile_address", "type": "C", "sensitive": true, "grade": 3},
            {"name": "户籍所属派出所", "code": "police_station", "type": "C"}
        ]
    }))
    .expect("a resource document")
}

fn sealed_records(provider: &str) -> ResourceDoc {
    serde_json::from_value(json!({
        "code": "1/01/004/0001", "name": "封存犯罪记录", "summary": "依法封存的犯罪记录",
        "provider_org_id": provider, "category": "basic", "theme": "公共安全", "format": "database",
        "update_cycle": "daily", "share_attr": "not_shared",
        "share_legal_basis": "《中华人民共和国刑事诉讼法》第二百八十六条",
        "open_attr": "not_open", "grade": 4,
        "fields": [
            {"name": "公民身份号码", "code": "citizen_id", "type": "C", "is_key": true, "identifier": "citizen_id", "grade": 4},
            {"name": "封存日期", "code": "sealed_on", "type": "D", "grade": 3}
        ]
    }))
    .expect("a resource document")
}

fn person_id(n: u32) -> String {
    let first17 = format!("36990019850301{n:03}");
    format!("{first17}{}", citizen_id_check_char(&first17).unwrap())
}

async fn published(app: &App, doc: ResourceDoc) -> String {
    let r = resources::create_resource(app, &operator(), doc)
        .await
        .expect("create");
    resources::submit_resource(app, &operator(), &r.id)
        .await
        .expect("submit");
    resources::approve_resource(app, &operator(), &r.id)
        .await
        .expect("approve");
    r.id
}

fn rows(v: Value) -> Vec<serde_json::Map<String, Value>> {
    v.as_array()
        .unwrap()
        .iter()
        .map(|r| r.as_object().unwrap().clone())
        .collect()
}

fn today() -> String {
    pubdata_app::today().to_string()
}

async fn due_in(app: &App, days: u32) -> String {
    calendar::add_working_days(app, &today(), &days.to_string())
        .await
        .unwrap()
        .to_string()
}

fn request_input(resource_id: &str, fields: &[&str]) -> ShareRequestInput {
    ShareRequestInput {
        resource_id: resource_id.into(),
        fields: fields.iter().map(|s| s.to_string()).collect(),
        purpose: "办理社会保险参保登记时核验身份".into(),
        scenario: "社保经办窗口逐人核验".into(),
        duty_basis: "《社会保险法》第五十八条".into(),
        period_start: today(),
        period_end: "2027-12-31".into(),
        commitment_accepted: true,
        system_id: None,
        rate_per_minute: None,
    }
}

/// The two units, their stewards (web actors) and one published household resource with two
/// records; the HR member reads through a read token.
struct City {
    police: Actor,
    hr: Actor,
    hr_reader: Actor,
    resource: String,
}

async fn city(app: &App) -> City {
    let police_org = create_org(app, "澜江市公安局", 1).await;
    let hr_org = create_org(app, "澜江市人力资源和社会保障局", 2).await;
    create_user(app, &police_org, "police_steward", Role::Steward).await;
    create_user(app, &hr_org, "hr_steward", Role::Steward).await;
    let police = web_actor(app, "police_steward").await;
    let hr = web_actor(app, "hr_steward").await;
    let token = token_for(app, "hr_steward", "read", "1d").await;
    let hr_reader = tokens::authenticate_token(app, &token.token, &rid())
        .await
        .expect("the HR token");
    let resource = published(app, household(&police_org.id)).await;
    batches::push_batch(
        app,
        &police,
        &resource,
        rows(json!([
            {"citizen_id": person_id(1), "name": "欧阳明华", "gender": "男",
             "domicile_address": "澜江市滨江区望江路18号3栋201", "police_station": "滨江派出所"},
            {"citizen_id": person_id(2), "name": "李秀兰", "gender": "女",
             "domicile_address": "澜江市新城区高铁南路9号", "police_station": "新城派出所"}
        ])),
    )
    .await
    .expect("the police push their records");
    City {
        police,
        hr,
        hr_reader,
        resource,
    }
}

fn purpose(actor: &Actor) -> Actor {
    actor.clone().with_purpose(Some("核验参保人员身份".into()))
}

async fn read_one(
    app: &App,
    actor: &Actor,
    resource: &str,
    key: &str,
) -> Result<Value, ActionError> {
    let b =
        read::read_shared_record(app, &purpose(actor), resource, key, Some("SB-2026-0001")).await?;
    assert_eq!(
        b.sha256,
        hex::encode(sha2::Sha256::digest(&b.body)),
        "the hash is of exactly the bytes sent"
    );
    Ok(serde_json::from_slice(&b.body).unwrap())
}

/// Files the request and takes it through conformity and the provider's approval.
async fn approved(
    app: &App,
    c: &City,
    fields: &[&str],
    reply: ReplyInput,
) -> requests::ShareRequest {
    let r = requests::file_share_request(app, &c.hr, request_input(&c.resource, fields))
        .await
        .expect("file");
    requests::check_conformity(
        app,
        &operator(),
        &r.id,
        ConformityInput {
            decision: "pass".into(),
            reason: String::new(),
        },
    )
    .await
    .expect("conformity");
    requests::reply_share_request(app, &c.police, &r.id, reply)
        .await
        .expect("reply")
}

fn approve() -> ReplyInput {
    ReplyInput {
        decision: "approve".into(),
        ..Default::default()
    }
}

#[tokio::test]
async fn hr_requests_the_household_resource_and_reads_one_record_masked_under_the_grant() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let c = city(app).await;
        let key = person_id(1);

        // Before any grant: conditional data needs one, and the refusal is audited.
        let e = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap_err();
        assert!(
            matches!(e, ActionError::Forbidden("grant_required")),
            "{b}: {e:?}"
        );
        let denied = last_entry(app).await;
        assert_eq!(
            (denied.action, outcome(&denied)),
            (Action::ReadSharedRecord, "deny:grant_required".into()),
            "{b}"
        );

        // The request: the conformity step waits on the authority for 2 working days.
        let r = requests::file_share_request(
            app,
            &c.hr,
            request_input(
                &c.resource,
                &["citizen_id", "name", "gender", "domicile_address"],
            ),
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(r.status, RequestStatus::Conformity, "{b}");
        assert_eq!(r.steps.len(), 1, "{b}");
        let s = &r.steps[0];
        assert_eq!(
            (
                s.step,
                s.actor_org_id.as_deref(),
                s.due_date.clone(),
                s.rule_days
            ),
            (StepKind::Conformity, None, due_in(app, 2).await, 2),
            "{b}"
        );
        assert!(
            s.rule_source.contains("2个工作日"),
            "{b}: {}",
            s.rule_source
        );

        // The provider cannot reply before the authority's check.
        assert!(
            matches!(
                requests::reply_share_request(app, &c.police, &r.id, approve()).await,
                Err(ActionError::Conflict("share_request_not_at_this_step"))
            ),
            "{b}"
        );
        // Nor can the requester pass its own request.
        assert!(
            matches!(
                requests::check_conformity(
                    app,
                    &c.hr,
                    &r.id,
                    ConformityInput {
                        decision: "pass".into(),
                        reason: String::new()
                    }
                )
                .await,
                Err(ActionError::Forbidden("role_required"))
            ),
            "{b}"
        );
        let r = requests::check_conformity(
            app,
            &operator(),
            &r.id,
            ConformityInput {
                decision: "pass".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(r.status, RequestStatus::Reply, "{b}");
        // The data is on the platform: the police owe a reply in 5 working days.
        let reply = &r.steps[1];
        assert_eq!(
            (
                reply.step,
                reply.actor_org_id.clone(),
                reply.due_date.clone(),
                reply.rule_key.as_str()
            ),
            (
                StepKind::Reply,
                Some(r.provider_org_id.clone()),
                due_in(app, 5).await,
                "share_reply_on_platform"
            ),
            "{b}"
        );

        // Another unit's steward cannot answer for the police.
        assert!(
            matches!(
                requests::reply_share_request(app, &c.hr, &r.id, approve()).await,
                Err(ActionError::Forbidden("other_org"))
            ),
            "{b}"
        );
        let r = requests::reply_share_request(app, &c.police, &r.id, approve())
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(r.status, RequestStatus::Approved, "{b}");
        let grant_id = r.grant_id.clone().expect("a grant");

        // The read: only the granted fields; grade 3 and 4 masked by their rules.
        let v = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        let values = v["values"].as_object().unwrap();
        let mut codes: Vec<&str> = values.keys().map(String::as_str).collect();
        codes.sort();
        assert_eq!(
            codes,
            ["citizen_id", "domicile_address", "gender", "name"],
            "{b}: no police_station"
        );
        assert_eq!(
            values["citizen_id"],
            json!(format!("{}********{}", &key[..6], &key[14..])),
            "{b}"
        );
        assert_eq!(
            values["name"],
            json!("欧阳**"),
            "{b}: the compound family name"
        );
        assert_eq!(values["gender"], json!("男"), "{b}: grade 2 as it is");
        assert_eq!(values["domicile_address"], json!("澜江市滨江区***"), "{b}");
        assert_eq!(
            v["masked"],
            json!(["citizen_id", "name", "domicile_address"]),
            "{b}"
        );
        assert_eq!(v["disputed"], json!(false), "{b}");
        assert_eq!(v["grant_id"], json!(grant_id), "{b}");

        // The entry names the grant, purpose, case, key, fields and the response's hash.
        let entry = last_entry(app).await;
        assert_eq!(
            (entry.action, outcome(&entry), entry.purpose.as_deref()),
            (
                Action::ReadSharedRecord,
                "allow".into(),
                Some("核验参保人员身份")
            ),
            "{b}"
        );
        let detail: Value = serde_json::from_str(entry.detail.as_deref().unwrap()).unwrap();
        let body = read::read_shared_record(app, &purpose(&c.hr_reader), &c.resource, &key, None)
            .await
            .unwrap();
        let again = last_entry(app).await;
        let again_detail: Value = serde_json::from_str(again.detail.as_deref().unwrap()).unwrap();
        assert_eq!(again_detail["sha256"], json!(body.sha256), "{b}");
        assert_eq!(detail["grant_id"], json!(grant_id), "{b}");
        assert_eq!(detail["case_id"], json!("SB-2026-0001"), "{b}");
        assert_eq!(detail["keys"], json!([key]), "{b}");
        assert_eq!(
            detail["masked"],
            json!(["citizen_id", "name", "domicile_address"]),
            "{b}"
        );
        assert_eq!(detail["basis"], json!("grant"), "{b}");

        // Without a purpose: refused (400), and audited.
        let e = read::read_shared_record(app, &c.hr_reader, &c.resource, &key, None)
            .await
            .unwrap_err();
        assert!(
            matches!(e, ActionError::BadRequest("purpose_required")),
            "{b}: {e:?}"
        );
        assert_eq!(
            outcome(&last_entry(app).await),
            "deny:purpose_required",
            "{b}"
        );

        // A filtered page by a granted field; a filter on a field not granted is refused.
        let page = read::list_shared_records(
            app,
            &purpose(&c.hr_reader),
            &c.resource,
            &[("gender".into(), "女".into())],
            None,
            None,
            None,
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        let page: Value = serde_json::from_slice(&page.body).unwrap();
        assert_eq!(page["items"].as_array().unwrap().len(), 1, "{b}");
        assert_eq!(page["items"][0]["values"]["name"], json!("李**"), "{b}");
        let e = read::list_shared_records(
            app,
            &purpose(&c.hr_reader),
            &c.resource,
            &[("police_station".into(), "新城派出所".into())],
            None,
            None,
            None,
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "filter_not_granted", "{b}");

        // The police read their own data whole.
        let own = read_one(app, &c.police, &c.resource, &key).await.unwrap();
        assert_eq!(own["values"]["citizen_id"], json!(key), "{b}");
        assert_eq!(own["masked"], json!([]), "{b}");

        // Suspended, resumed, revoked: each takes effect on the next call.
        let change = || GrantChange {
            reason: "核查调用情况".into(),
        };
        grants::set_grant_status(app, &c.police, &grant_id, GrantStatus::Suspended, change())
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        let e = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap_err();
        assert!(
            matches!(e, ActionError::Forbidden("grant_suspended")),
            "{b}: {e:?}"
        );
        grants::set_grant_status(app, &c.police, &grant_id, GrantStatus::Active, change())
            .await
            .unwrap();
        read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap();
        assert!(
            matches!(
                grants::set_grant_status(app, &c.hr, &grant_id, GrantStatus::Revoked, change())
                    .await,
                Err(ActionError::Forbidden("other_org"))
            ),
            "{b}: the grantee cannot revoke"
        );
        grants::set_grant_status(app, &operator(), &grant_id, GrantStatus::Revoked, change())
            .await
            .unwrap();
        let e = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap_err();
        assert!(
            matches!(e, ActionError::Forbidden("grant_revoked")),
            "{b}: {e:?}"
        );
        let listed = grants::list_grants(
            app,
            &c.hr,
            GrantQuery {
                resource_id: Some(c.resource.clone()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(listed.items[0].status, GrantStatus::Revoked, "{b}");
    }
}

#[tokio::test]
async fn raw_fields_quota_and_bad_requests() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let c = city(app).await;
        let key = person_id(2);
        let r = approved(
            app,
            &c,
            &["citizen_id", "name"],
            ReplyInput {
                decision: "approve".into(),
                reason: "社保待遇发放须核对真实姓名".into(),
                raw_fields: vec!["name".into()],
                rate_per_minute: Some(2),
                ..Default::default()
            },
        )
        .await;
        let v = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap();
        assert_eq!(v["values"]["name"], json!("李秀兰"), "{b}: allowed raw");
        assert_eq!(v["masked"], json!(["citizen_id"]), "{b}");
        read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap();
        let e = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap_err();
        assert!(
            matches!(
                e,
                ActionError::TooManyRequests {
                    code: "over_quota",
                    retry_after: 1..=60
                }
            ),
            "{b}: {e:?}"
        );
        assert_eq!(r.status, RequestStatus::Approved);

        // Bad requests: each a typed error, nothing filed.
        let bad = |f: &dyn Fn(&mut ShareRequestInput)| {
            let mut i = request_input(&c.resource, &["citizen_id"]);
            f(&mut i);
            i
        };
        for (input, code) in [
            (bad(&|i| i.fields = vec!["salary".into()]), "unknown_field"),
            (bad(&|i| i.fields = vec![]), "fields_required"),
            (
                bad(&|i| i.commitment_accepted = false),
                "commitment_required",
            ),
            (
                bad(&|i| {
                    i.period_start = "2026-01-05".into();
                    i.period_end = "2026-02-05".into();
                }),
                "period_in_past",
            ),
            (
                bad(&|i| i.period_end = "2026-01-01".into()),
                "invalid_period",
            ),
        ] {
            let e = requests::file_share_request(app, &c.hr, input)
                .await
                .unwrap_err();
            assert_eq!(e.code(), code, "{b}: {e:?}");
        }
        // Every problem of a form at once, each at its field.
        let e = requests::file_share_request(
            app,
            &c.hr,
            bad(&|i| {
                i.fields = vec!["salary".into()];
                i.purpose = " ".into();
                i.commitment_accepted = false;
            }),
        )
        .await
        .unwrap_err();
        assert_eq!(
            field_codes(&e),
            [
                ("fields".to_owned(), "unknown_field".to_owned()),
                ("purpose".into(), "invalid_purpose".into()),
                ("commitment_accepted".into(), "commitment_required".into())
            ],
            "{b}"
        );
        let e = requests::file_share_request(app, &c.police, request_input(&c.resource, &["name"]))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "own_resource", "{b}");
        // A refusal needs its reasons and legal basis.
        let r = requests::file_share_request(app, &c.hr, request_input(&c.resource, &["gender"]))
            .await
            .unwrap();
        requests::check_conformity(
            app,
            &operator(),
            &r.id,
            ConformityInput {
                decision: "pass".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap();
        let e = requests::reply_share_request(
            app,
            &c.police,
            &r.id,
            ReplyInput {
                decision: "refuse".into(),
                reason: "不符合共享条件".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "invalid_input", "{b}");
        assert!(
            field_codes(&e).contains(&("legal_basis".into(), "legal_basis_required".into())),
            "{b}: {e:?}"
        );
    }
}

#[tokio::test]
async fn a_refusal_is_disputed_and_the_authority_coordinates_it_into_a_grant() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let c = city(app).await;
        let r = requests::file_share_request(app, &c.hr, request_input(&c.resource, &["gender"]))
            .await
            .unwrap();
        requests::check_conformity(
            app,
            &operator(),
            &r.id,
            ConformityInput {
                decision: "pass".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap();
        let r = requests::reply_share_request(
            app,
            &c.police,
            &r.id,
            ReplyInput {
                decision: "refuse".into(),
                reason: "性别信息可由申请人提供".into(),
                legal_basis: "《澜江市公共数据管理办法》第二十条".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(r.status, RequestStatus::Refused, "{b}");
        let r = requests::dispute_share_refusal(
            app,
            &c.hr,
            &r.id,
            DisputeInput {
                reason: "经办须核验户籍登记的性别，申请人自述不能代替".into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(r.status, RequestStatus::Disputed, "{b}");
        let s = r.steps.last().unwrap();
        assert_eq!(
            (s.step, s.actor_org_id.clone(), s.due_date.clone()),
            (StepKind::Coordination, None, due_in(app, 10).await),
            "{b}"
        );
        assert!(s.opened_reason.as_deref().unwrap().contains("核验"), "{b}");
        let r = requests::coordinate_share_dispute(
            app,
            &operator(),
            &r.id,
            CoordinationInput {
                decision: "approve".into(),
                reason: "履职确需，按性别字段共享".into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(r.status, RequestStatus::Approved, "{b}");
        let v = read_one(app, &c.hr_reader, &c.resource, &person_id(1))
            .await
            .unwrap();
        assert_eq!(v["values"], json!({"gender": "男"}), "{b}");
        // The home pages list what waits: nothing for the HR unit now.
        let home = pubdata_app::platform::home::view_home(app, &c.hr)
            .await
            .unwrap();
        assert!(home.sharing.unwrap().my_requests.is_empty(), "{b}");
    }
}

#[tokio::test]
async fn an_emergency_raises_classes_while_in_force_and_everything_reverts_when_it_ends() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let c = city(app).await;
        let police_org = c.police.org_id().unwrap().to_owned();
        let sealed = published(app, sealed_records(&police_org)).await;
        let key = person_id(1);

        // not_shared: cannot be requested, and the legal basis is said.
        let e = requests::file_share_request(app, &c.hr, request_input(&sealed, &["citizen_id"]))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "not_shared", "{b}");
        assert!(
            format!("{:?}", field_codes(&e)).contains("not_shared"),
            "{b}"
        );
        let ActionError::Invalid { errors, .. } = &e else {
            panic!("{b}: {e:?}")
        };
        assert!(errors[0].message_zh.contains("第二百八十六条"), "{b}");

        let ends = (chrono::Utc::now() + chrono::Duration::hours(48)).to_rfc3339();
        let bad = emergencies::declare_emergency(
            app,
            &operator(),
            EmergencyInput {
                name: "澜江市特大洪涝灾害".into(),
                legal_basis: "《突发事件应对法》".into(),
                ordered_by: "澜江市人民政府".into(),
                starts_at: None,
                ends_at: ends.clone(),
                raises: vec![RaiseInput {
                    resource_id: sealed.clone(),
                    share_attr: "unconditional".into(),
                }],
            },
        )
        .await
        .unwrap_err();
        assert_eq!(bad.code(), "raise_not_allowed", "{b}: one step only");
        let e = emergencies::declare_emergency(
            app,
            &c.police,
            EmergencyInput {
                name: "x".into(),
                legal_basis: "x".into(),
                ordered_by: "x".into(),
                starts_at: None,
                ends_at: ends.clone(),
                raises: vec![],
            },
        )
        .await
        .unwrap_err();
        assert!(matches!(e, ActionError::Forbidden("role_required")), "{b}");

        let em = emergencies::declare_emergency(
            app,
            &operator(),
            EmergencyInput {
                name: "澜江市特大洪涝灾害".into(),
                legal_basis: "《中华人民共和国突发事件应对法》第四十五条".into(),
                ordered_by: "澜江市人民政府防汛抗旱指挥部".into(),
                starts_at: None,
                ends_at: ends,
                raises: vec![
                    RaiseInput {
                        resource_id: c.resource.clone(),
                        share_attr: "unconditional".into(),
                    },
                    RaiseInput {
                        resource_id: sealed.clone(),
                        share_attr: "conditional".into(),
                    },
                ],
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(em.state, "in_force", "{b}");
        use pubdata_core::catalog::ShareAttr;
        assert_eq!(
            emergencies::class_in_force(app, &sealed, ShareAttr::NotShared)
                .await
                .unwrap(),
            (ShareAttr::Conditional, Some(em.id.clone())),
            "{b}: what the catalog page shows"
        );

        // Household is unconditional now: read without a grant, every field masked by grade,
        // the entry traceable to the emergency.
        let v = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(v["basis"], json!("unconditional"), "{b}");
        assert_eq!(v["emergency_id"], json!(em.id), "{b}");
        assert_eq!(v["values"]["police_station"], json!("滨江派出所"), "{b}");
        assert_eq!(v["values"]["name"], json!("欧阳**"), "{b}");
        let detail: Value =
            serde_json::from_str(last_entry(app).await.detail.as_deref().unwrap()).unwrap();
        assert_eq!(detail["emergency_id"], json!(em.id), "{b}");
        // The sealed records may be requested now, and the grant ends with the emergency.
        let r = requests::file_share_request(app, &c.hr, request_input(&sealed, &["citizen_id"]))
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(r.emergency_id.as_deref(), Some(em.id.as_str()), "{b}");

        emergencies::end_emergency(
            app,
            &operator(),
            &em.id,
            EndInput {
                reason: "灾情解除".into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        // Reverted: conditional again, and the request can no longer be approved.
        let e = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap_err();
        assert!(
            matches!(e, ActionError::Forbidden("grant_required")),
            "{b}: {e:?}"
        );
        requests::check_conformity(
            app,
            &operator(),
            &r.id,
            ConformityInput {
                decision: "pass".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap();
        let e = requests::reply_share_request(app, &c.police, &r.id, approve())
            .await
            .unwrap_err();
        assert_eq!(
            e.code(),
            "not_shared",
            "{b}: an emergency that ended during the request"
        );
        let listed = emergencies::list_emergencies(app, &c.hr).await.unwrap();
        assert_eq!(listed[0].state, "ended", "{b}");
        assert_eq!(
            emergencies::class_in_force(app, &sealed, ShareAttr::NotShared)
                .await
                .unwrap(),
            (ShareAttr::NotShared, None),
            "{b}"
        );
    }
}

#[tokio::test]
async fn an_objection_marks_the_record_disputed_until_the_provider_corrects_it() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let c = city(app).await;
        approved(app, &c, &["citizen_id", "name", "gender"], approve()).await;
        let key = person_id(2);
        let o = objections::file_objection(
            app,
            &c.hr,
            ObjectionInput {
                resource_id: c.resource.clone(),
                key: key.clone(),
                reason: "性别登记有误，本人持出生医学证明为男".into(),
                evidence: "出生医学证明编号 R360012345".into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(o.due_date, due_in(app, 5).await, "{b}");

        // Disputed for every reader: the grantee through sharing, the provider in its view.
        let v = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap();
        assert_eq!(v["disputed"], json!(true), "{b}");
        let own = records::get_record(app, &c.police, &c.resource, &key, None)
            .await
            .unwrap();
        assert!(own.disputed, "{b}");

        // The provider marks it complex: 10 working days from the day it was filed.
        let o = objections::mark_objection_complex(
            app,
            &c.police,
            &o.id,
            objections::ComplexInput {
                reason: "须调取原始户籍档案核对".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(o.due_date, due_in(app, 10).await, "{b}");

        // "Corrected" needs a corrected record.
        let e = objections::answer_objection(
            app,
            &c.police,
            &o.id,
            AnswerInput {
                outcome: "corrected".into(),
                explanation: "已更正".into(),
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, ActionError::Conflict("record_not_corrected")),
            "{b}"
        );
        let batch = batches::push_batch(
            app,
            &c.police,
            &c.resource,
            rows(json!([{"citizen_id": key, "name": "李秀兰", "gender": "男",
                "domicile_address": "澜江市新城区高铁南路9号", "police_station": "新城派出所"}])),
        )
        .await
        .unwrap();
        let o = objections::answer_objection(
            app,
            &c.police,
            &o.id,
            AnswerInput {
                outcome: "corrected".into(),
                explanation: "经核对原始档案，性别登记错误，已更正为男".into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(o.batch_id.as_deref(), Some(batch.id.as_str()), "{b}");

        let v = read_one(app, &c.hr_reader, &c.resource, &key)
            .await
            .unwrap();
        assert_eq!(
            (v["disputed"].clone(), v["values"]["gender"].clone()),
            (json!(false), json!("男")),
            "{b}"
        );
        // The one who flagged it sees the answer.
        let mine = objections::list_objections(
            app,
            &c.hr,
            ObjectionQuery {
                view: Some("mine".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(
            mine.items[0].explanation.as_deref(),
            Some("经核对原始档案，性别登记错误，已更正为男"),
            "{b}"
        );
        let entries = audit_entries(app).await;
        assert_eq!(
            outcomes(&entries, Action::AnswerObjection, |_| true),
            ["deny:record_not_corrected", "allow"],
            "{b}"
        );
    }
}
