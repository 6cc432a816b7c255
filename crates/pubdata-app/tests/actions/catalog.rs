//! The catalog chapter: resources and their review, the rules, versions, search, duty
//! changes with their review tasks, and the information-system registry.

use super::*;
use pubdata_app::catalog::duty::{self, CloseTaskInput, DutyChangeInput, RuleInput, TaskQuery};
use pubdata_app::catalog::resources::{self, Resource};
use pubdata_app::catalog::search::{SearchInput, search_resources};
use pubdata_app::catalog::systems::{self, SystemInput};
use pubdata_core::catalog::{OpenAttr, ResourceDoc, ResourceStatus, ShareAttr};

/// A unit with a steward and a member, and the actors they act as.
struct Unit {
    org: Org,
    steward: Actor,
    member: Actor,
}

async fn unit(app: &App, slug: &str, name: &str, n: usize) -> Unit {
    let org = create_org(app, name, n).await;
    create_user(app, &org, &format!("{slug}_steward"), Role::Steward).await;
    create_user(app, &org, &format!("{slug}_member"), Role::Member).await;
    Unit {
        steward: web_actor(app, &format!("{slug}_steward")).await,
        member: web_actor(app, &format!("{slug}_member")).await,
        org,
    }
}

/// The authority's administrator, signed in.
async fn admin(app: &App) -> Actor {
    let org = create_org(app, "澜江市大数据局", 90).await;
    create_user(app, &org, "admin", Role::PlatformAdmin).await;
    web_actor(app, "admin").await
}

fn water_bills(provider: &str) -> ResourceDoc {
    serde_json::from_value(serde_json::json!({
        "code": "3/05/001/0001",
        "name": "居民用水缴费信息",
        "summary": "自来水用户的月度用水量、应缴水费与缴费状态",
        "provider_org_id": provider,
        "category": "departmental",
        "theme": "公用事业",
        "format": "database",
        "update_cycle": "monthly",
        "share_attr": "conditional",
        "share_condition": "用于水费减免与低保核查",
        "share_methods": ["api"],
        "open_attr": "not_open",
        "grade": 3,
        "tags": ["水务", "缴费"],
        "fields": [
            {"name": "用户号", "code": "account_no", "type": "C", "is_key": true, "grade": 2},
            {"name": "户主身份证号", "code": "holder_id", "type": "C", "grade": 3},
            {"name": "用水量", "code": "volume", "type": "N"},
            {"name": "应缴金额", "code": "amount", "type": "Y"}
        ]
    }))
    .expect("a resource document")
}

async fn search(app: &App, actor: &Actor, q: &str) -> pubdata_app::catalog::search::SearchPage {
    search_resources(
        app,
        actor,
        SearchInput {
            q: Some(q.into()),
            ..SearchInput::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("search {q}: {e:?}"))
}

/// `action outcome`, e.g. `create_resource deny:identifier_kind_required`.
fn step(e: &AuditEntry) -> String {
    format!("{} {}", e.action.as_str(), outcome(e))
}

fn names(page: &pubdata_app::catalog::search::SearchPage) -> Vec<&str> {
    page.items.iter().map(|r| r.doc.name.as_str()).collect()
}

#[tokio::test]
async fn a_water_resource_is_returned_fixed_resubmitted_published_and_found() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let authority = admin(app).await;
        let water = unit(app, "water", "澜江水务集团有限公司", 1).await;
        let bus = unit(app, "bus", "澜江公交集团有限责任公司", 2).await;

        // A field of ID numbers without its identifier kind breaks a rule: nothing is made.
        let refused =
            resources::create_resource(app, &water.steward, water_bills(&water.org.id)).await;
        let e = assert_refused!(
            refused,
            ActionError::Invalid {
                code: "identifier_kind_required",
                ..
            },
            b
        );
        assert_eq!(
            field_codes(&e),
            [(
                "fields[1].identifier".to_owned(),
                "identifier_kind_required".to_owned()
            )],
            "{b}"
        );
        assert_eq!(
            step(&last_entry(app).await),
            "create_resource deny:identifier_kind_required",
            "{b}"
        );

        let mut doc = water_bills(&water.org.id);
        doc.fields[1].identifier = Some(pubdata_core::catalog::IdentifierKind::CitizenId);
        let r = resources::create_resource(app, &water.steward, doc.clone())
            .await
            .expect(b);
        assert_eq!((r.status, r.version), (ResourceStatus::Draft, 1), "{b}");

        // Another unit sees neither the draft nor finds it.
        assert_refused!(
            resources::get_resource(app, &bus.member, &r.id).await,
            ActionError::Forbidden("other_org"),
            b
        );
        assert!(
            search(app, &bus.member, "用水").await.items.is_empty(),
            "{b}: a draft is the unit's own"
        );
        assert_eq!(
            names(&search(app, &water.member, "用水").await),
            ["居民用水缴费信息"],
            "{b}: its unit sees it"
        );

        // Only the authority approves; a steward of another unit cannot touch it.
        resources::submit_resource(app, &water.steward, &r.id)
            .await
            .expect(b);
        assert_refused!(
            resources::approve_resource(app, &water.steward, &r.id).await,
            ActionError::Forbidden("role_required"),
            b
        );
        assert_refused!(
            resources::submit_resource(app, &bus.steward, &r.id).await,
            ActionError::Forbidden("other_org"),
            b
        );
        assert_refused!(
            resources::update_resource(app, &water.steward, &r.id, doc.clone()).await,
            ActionError::Conflict("resource_under_review"),
            b
        );

        // Returned with reasons: a reason is required.
        assert_refused!(
            resources::return_resource(app, &authority, &r.id, "  ").await,
            ActionError::Invalid {
                code: "reason_required",
                ..
            },
            b
        );
        let reason = "信息项“户主身份证号”为个人信息，分级应为4级";
        let returned = resources::return_resource(app, &authority, &r.id, reason)
            .await
            .expect(b);
        assert_eq!(returned.status, ResourceStatus::Returned, "{b}");

        // The steward fixes it — the resource's grade must follow its fields' — and resubmits.
        doc.fields[1].grade = 4;
        let e = assert_refused!(
            resources::update_resource(app, &water.steward, &r.id, doc.clone()).await,
            ActionError::Invalid {
                code: "grade_below_fields",
                ..
            },
            b
        );
        assert_eq!(field_codes(&e)[0].0, "grade", "{b}");
        doc.grade = 4;
        let fixed = resources::update_resource(app, &water.steward, &r.id, doc.clone())
            .await
            .expect(b);
        assert_eq!(
            (fixed.status, fixed.version),
            (ResourceStatus::Returned, 1),
            "{b}: a draft keeps its version"
        );
        resources::submit_resource(app, &water.steward, &r.id)
            .await
            .expect(b);
        let published = resources::approve_resource(app, &authority, &r.id)
            .await
            .expect(b);
        assert_eq!(
            (published.status, published.version),
            (ResourceStatus::Published, 1),
            "{b}"
        );
        assert!(published.published_at.is_some(), "{b}");

        // Now every unit finds it with a two-character query, and reads it.
        for q in ["用水", "缴费", "水费", "居民用水缴费信息", "户主"] {
            assert_eq!(
                names(&search(app, &bus.member, q).await),
                ["居民用水缴费信息"],
                "{b}: {q}"
            );
        }
        for q in ["用电", "水缴用"] {
            assert!(
                search(app, &bus.member, q).await.items.is_empty(),
                "{b}: {q} is not in it"
            );
        }
        resources::get_resource(app, &bus.member, &r.id)
            .await
            .expect(b);

        // The history shows each review step with the reason given.
        let h = resources::resource_history(app, &water.member, &r.id)
            .await
            .expect(b);
        let steps: Vec<(&str, Option<&str>)> = h
            .events
            .iter()
            .map(|e| (e.kind.as_str(), e.reason.as_deref()))
            .collect();
        assert_eq!(
            steps,
            [
                ("created", None),
                ("submitted", None),
                ("returned", Some(reason)),
                ("updated", None),
                ("submitted", None),
                ("approved", None)
            ],
            "{b}"
        );

        // Every step is in the audit log, allowed or refused.
        let log: Vec<String> = audit_entries(app)
            .await
            .iter()
            .map(|(_, e)| step(e))
            .filter(|o| o.contains("_resource"))
            .collect();
        for step in [
            "create_resource deny:identifier_kind_required",
            "create_resource allow",
            "submit_resource allow",
            "approve_resource deny:role_required",
            "return_resource deny:reason_required",
            "return_resource allow",
            "update_resource deny:grade_below_fields",
            "approve_resource allow",
        ] {
            assert!(
                log.iter().any(|o| o == step),
                "{b}: {step} missing from {log:?}"
            );
        }
    }
}

#[tokio::test]
async fn the_share_and_open_rules_are_refused_with_the_rule_as_code() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let water = unit(app, "water", "澜江水务集团有限公司", 1).await;
        let mut base = water_bills(&water.org.id);
        base.fields[1].identifier = Some(pubdata_core::catalog::IdentifierKind::CitizenId);

        let mut d = base.clone();
        d.share_condition = String::new();
        let e = assert_refused!(
            resources::create_resource(app, &water.steward, d).await,
            ActionError::Invalid {
                code: "share_condition_required",
                ..
            },
            b
        );
        assert_eq!(
            field_codes(&e),
            [(
                "share_condition".to_owned(),
                "share_condition_required".to_owned()
            )],
            "{b}"
        );

        let mut d = base.clone();
        d.share_attr = ShareAttr::NotShared;
        d.open_attr = OpenAttr::Unconditional;
        let e = assert_refused!(
            resources::create_resource(app, &water.steward, d).await,
            ActionError::Invalid {
                code: "share_legal_basis_required",
                ..
            },
            b
        );
        let codes: Vec<String> = field_codes(&e).into_iter().map(|(_, c)| c).collect();
        assert_eq!(
            codes,
            ["share_legal_basis_required", "not_shared_must_not_open"],
            "{b}"
        );

        let mut d = base.clone();
        d.open_attr = OpenAttr::Conditional;
        assert_refused!(
            resources::create_resource(app, &water.steward, d).await,
            ActionError::Invalid {
                code: "open_condition_required",
                ..
            },
            b
        );

        let mut d = base.clone();
        d.fields[0].is_key = false;
        assert_refused!(
            resources::create_resource(app, &water.steward, d).await,
            ActionError::Invalid {
                code: "key_field_required",
                ..
            },
            b
        );

        let mut d = base.clone();
        d.code = "1/05/001/0001".into();
        assert_refused!(
            resources::create_resource(app, &water.steward, d).await,
            ActionError::Invalid {
                code: "code_category_mismatch",
                ..
            },
            b
        );

        let mut d = base.clone();
        d.provider_org_id = "no-such-unit".into();
        assert_refused!(
            resources::create_resource(app, &operator(), d).await,
            ActionError::Invalid {
                code: "unknown_provider",
                ..
            },
            b
        );

        // A member cannot catalog, a steward not for another unit.
        assert_refused!(
            resources::create_resource(app, &water.member, base.clone()).await,
            ActionError::Forbidden("role_required"),
            b
        );
        let other = create_org(app, "澜江公交集团有限责任公司", 2).await;
        let mut d = base.clone();
        d.provider_org_id = other.id.clone();
        assert_refused!(
            resources::create_resource(app, &water.steward, d).await,
            ActionError::Forbidden("other_org"),
            b
        );

        // Nothing of that was made; the code is still free, then taken.
        resources::create_resource(app, &water.steward, base.clone())
            .await
            .expect(b);
        let mut again = base.clone();
        again.name = "另一个资源".into();
        assert_refused!(
            resources::create_resource(app, &water.steward, again).await,
            ActionError::Conflict("resource_code_taken"),
            b
        );
        let all = search_resources(app, &operator(), SearchInput::default())
            .await
            .expect(b);
        assert_eq!(all.total, 1, "{b}");
    }
}

#[tokio::test]
async fn a_change_to_a_published_resource_is_a_new_version_and_withdrawing_keeps_them_all() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let authority = admin(app).await;
        let water = unit(app, "water", "澜江水务集团有限公司", 1).await;
        let mut doc = water_bills(&water.org.id);
        doc.fields[1].identifier = Some(pubdata_core::catalog::IdentifierKind::CitizenId);
        let r = resources::create_resource(app, &water.steward, doc.clone())
            .await
            .expect(b);
        resources::submit_resource(app, &water.steward, &r.id)
            .await
            .expect(b);
        resources::approve_resource(app, &authority, &r.id)
            .await
            .expect(b);

        doc.update_cycle = pubdata_core::catalog::UpdateCycle::Daily;
        doc.fields.remove(3);
        let v2: Resource = resources::update_resource(app, &water.steward, &r.id, doc.clone())
            .await
            .expect(b);
        assert_eq!(
            (v2.status, v2.version),
            (ResourceStatus::Published, 2),
            "{b}"
        );
        let same = resources::update_resource(app, &water.steward, &r.id, doc.clone())
            .await
            .expect(b);
        assert_eq!(
            same.version, 2,
            "{b}: saving the same content makes no version"
        );

        let h = resources::resource_history(app, &water.steward, &r.id)
            .await
            .expect(b);
        assert_eq!(
            h.versions.iter().map(|v| v.version).collect::<Vec<_>>(),
            [2, 1],
            "{b}"
        );
        let changes = resources::compare(&h, 1, 2).expect(b);
        let paths: Vec<(&str, Option<&str>, Option<&str>)> = changes
            .iter()
            .map(|c| (c.path.as_str(), c.old.as_deref(), c.new.as_deref()))
            .collect();
        assert_eq!(
            paths,
            [
                ("update_cycle", Some("monthly"), Some("daily")),
                ("fields.amount", Some("应缴金额"), None)
            ],
            "{b}"
        );
        assert_refused!(
            resources::compare(&h, 1, 7),
            ActionError::Invalid {
                code: "unknown_version",
                ..
            },
            b
        );

        assert_refused!(
            resources::withdraw_resource(app, &water.steward, &r.id, "").await,
            ActionError::Invalid {
                code: "reason_required",
                ..
            },
            b
        );
        let w = resources::withdraw_resource(
            app,
            &water.steward,
            &r.id,
            "水费业务已移交市公用事业服务中心",
        )
        .await
        .expect(b);
        assert_eq!(w.status, ResourceStatus::Withdrawn, "{b}");
        assert_refused!(
            resources::update_resource(app, &water.steward, &r.id, doc.clone()).await,
            ActionError::Conflict("resource_withdrawn"),
            b
        );
        let h = resources::resource_history(app, &authority, &r.id)
            .await
            .expect(b);
        assert_eq!(h.versions.len(), 2, "{b}: every version is kept");
        assert!(
            search(app, &water.member, "用水").await.items.is_empty(),
            "{b}: withdrawn entries leave the search"
        );
        let withdrawn = search_resources(
            app,
            &water.member,
            SearchInput {
                status: Some("withdrawn".into()),
                ..SearchInput::default()
            },
        )
        .await
        .expect(b);
        assert_eq!(withdrawn.total, 1, "{b}: but can be asked for");
    }
}

/// Publishes `doc` as the operator (the authority at the command line).
async fn publish(app: &App, doc: ResourceDoc) -> Resource {
    let r = resources::create_resource(app, &operator(), doc)
        .await
        .expect("create");
    resources::submit_resource(app, &operator(), &r.id)
        .await
        .expect("submit");
    resources::approve_resource(app, &operator(), &r.id)
        .await
        .expect("approve")
}

fn simple(
    code: &str,
    name: &str,
    provider: &str,
    share: &str,
    open: &str,
    extra_field: &str,
) -> ResourceDoc {
    serde_json::from_value(serde_json::json!({
        "code": code, "name": name, "summary": format!("{name}的基本情况"), "provider_org_id": provider,
        "category": "basic", "theme": "综合", "format": "database", "update_cycle": "daily",
        "share_attr": share, "share_condition": "仅用于履职", "share_legal_basis": "《中华人民共和国统计法》第三十九条",
        "share_methods": if share == "not_shared" { serde_json::json!([]) } else { serde_json::json!(["api"]) },
        "open_attr": open, "tags": ["GDP"],
        "fields": [{"name": "编号", "code": "no", "type": "C", "is_key": true}, {"name": extra_field, "code": "x", "type": "C"}]
    }))
    .expect("a resource document")
}

#[tokio::test]
async fn search_finds_two_character_and_mixed_queries_with_facets_and_pages() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let market = create_org(app, "澜江市市场监督管理局", 1).await;
        let police = create_org(app, "澜江市公安局", 2).await;
        publish(
            app,
            simple(
                "1/01/001/0001",
                "企业登记信息",
                &market.id,
                "conditional",
                "unconditional",
                "企业名称",
            ),
        )
        .await;
        publish(
            app,
            simple(
                "1/01/001/0002",
                "企业年报信息",
                &market.id,
                "unconditional",
                "unconditional",
                "年报年度",
            ),
        )
        .await;
        publish(
            app,
            simple(
                "1/02/001/0001",
                "常住人口信息",
                &police.id,
                "conditional",
                "not_open",
                "姓名",
            ),
        )
        .await;
        publish(
            app,
            simple(
                "1/02/001/0002",
                "人口统计数据",
                &police.id,
                "not_shared",
                "not_open",
                "统计口径",
            ),
        )
        .await;
        let me = operator();

        let p = search(app, &me, "企业").await;
        assert_eq!(p.total, 2, "{b}");
        assert_eq!(p.facets["provider_org_id"].get(&market.id), Some(&2), "{b}");
        assert_eq!(p.facets["share_attr"].get("conditional"), Some(&1), "{b}");
        assert_eq!(p.facets["share_attr"].get("unconditional"), Some(&1), "{b}");

        let p = search(app, &me, "人口").await;
        let mut got = names(&p);
        got.sort();
        assert_eq!(got, ["人口统计数据", "常住人口信息"], "{b}");
        assert_eq!(p.facets["open_attr"].get("not_open"), Some(&2), "{b}");

        // Field names are searched too; Latin words as prefixes, mixed with Chinese.
        assert_eq!(
            names(&search(app, &me, "姓名").await),
            ["常住人口信息"],
            "{b}"
        );
        assert_eq!(
            search(app, &me, "gd").await.total,
            4,
            "{b}: tags are searched, Latin as a prefix"
        );
        assert_eq!(
            names(&search(app, &me, "GDP 年报").await),
            ["企业年报信息"],
            "{b}"
        );
        assert_eq!(search(app, &me, "口").await.total, 2, "{b}: one character");
        assert_eq!(
            search(app, &me, "“”*\"OR").await.total,
            0,
            "{b}: operators are words, not syntax"
        );

        // Filters narrow; facets count what is left.
        let p = search_resources(
            app,
            &me,
            SearchInput {
                q: Some("信息".into()),
                share_attr: Some("conditional".into()),
                ..SearchInput::default()
            },
        )
        .await
        .expect(b);
        let mut got = names(&p);
        got.sort();
        assert_eq!(got, ["企业登记信息", "常住人口信息"], "{b}");

        // Cursor paging walks every result once.
        let mut seen = Vec::new();
        let mut cursor = None;
        loop {
            let p = search_resources(
                app,
                &me,
                SearchInput {
                    limit: Some(3),
                    cursor: cursor.clone(),
                    sort: Some("updated".into()),
                    ..SearchInput::default()
                },
            )
            .await
            .expect(b);
            seen.extend(p.items.iter().map(|r| r.doc.code.clone()));
            match p.next_cursor {
                Some(c) => cursor = Some(c),
                None => break,
            }
        }
        seen.sort();
        assert_eq!(
            seen,
            [
                "1/01/001/0001",
                "1/01/001/0002",
                "1/02/001/0001",
                "1/02/001/0002"
            ],
            "{b}"
        );
        assert_refused!(
            search_resources(
                app,
                &me,
                SearchInput {
                    cursor: Some("x".into()),
                    ..SearchInput::default()
                }
            )
            .await,
            ActionError::BadRequest("invalid_cursor"),
            b
        );
        assert_refused!(
            search_resources(app, &anonymous(), SearchInput::default()).await,
            ActionError::Unauthenticated(_),
            b
        );
    }
}

#[tokio::test]
async fn a_duty_change_opens_a_task_due_fifteen_working_days_later_that_an_update_closes() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let authority = admin(app).await;
        let water = unit(app, "water", "澜江水务集团有限公司", 1).await;
        let bus = unit(app, "bus", "澜江公交集团有限责任公司", 2).await;
        let change = |date: &str| DutyChangeInput {
            date: date.into(),
            description: "《城市供水条例》修订，新增二次供水设施管理职责".into(),
            legal_source: "《城市供水条例》（2020年修订）".into(),
        };

        // 2026-09-21 + 15 working days: past the Mid-Autumn and National Day holidays and
        // the Saturday worked on 10-10 — 2026-10-19, not the 10-12 of a weekday count.
        let task =
            duty::record_duty_change(app, &water.steward, &water.org.id, change("2026-09-21"))
                .await
                .expect(b);
        assert_eq!(
            (task.due_date.as_str(), task.status.as_str(), task.rule_days),
            ("2026-10-19", "open", 15),
            "{b}"
        );
        assert!(
            task.rule_source.contains("济南市公共数据管理办法"),
            "{b}: the rule shows its legal source"
        );
        assert!(task.overdue, "{b}: due before today");
        assert_refused!(
            duty::record_duty_change(app, &bus.steward, &water.org.id, change("2026-09-21")).await,
            ActionError::Forbidden("other_org"),
            b
        );
        assert_refused!(
            duty::record_duty_change(app, &water.steward, &water.org.id, change("2026-13-01"))
                .await,
            ActionError::Invalid { .. },
            b
        );

        // The unit sees its task; another unit does not; the authority sees the overdue ones.
        let mine = duty::list_review_tasks(app, &water.member, TaskQuery::default())
            .await
            .expect(b);
        assert_eq!(
            mine.iter().map(|t| t.id.as_str()).collect::<Vec<_>>(),
            [task.id.as_str()],
            "{b}"
        );
        assert!(
            duty::list_review_tasks(app, &bus.member, TaskQuery::default())
                .await
                .expect(b)
                .is_empty(),
            "{b}"
        );
        assert_refused!(
            duty::list_review_tasks(
                app,
                &bus.member,
                TaskQuery {
                    org_id: Some(water.org.id.clone()),
                    ..TaskQuery::default()
                }
            )
            .await,
            ActionError::Forbidden("other_org"),
            b
        );
        let overdue = duty::list_review_tasks(
            app,
            &authority,
            TaskQuery {
                overdue: true,
                ..TaskQuery::default()
            },
        )
        .await
        .expect(b);
        assert_eq!(overdue.len(), 1, "{b}");

        // The rule is the authority's to change; tasks already open keep their due date.
        assert_refused!(
            duty::set_deadline_rule(
                app,
                &water.steward,
                "catalog_update",
                RuleInput {
                    days: 10,
                    legal_source: "x".into()
                }
            )
            .await,
            ActionError::Forbidden("role_required"),
            b
        );
        duty::set_deadline_rule(
            app,
            &authority,
            "catalog_update",
            RuleInput {
                days: 10,
                legal_source: "本市规定".into(),
            },
        )
        .await
        .expect(b);
        let later =
            duty::record_duty_change(app, &water.steward, &water.org.id, change("2026-09-21"))
                .await
                .expect(b);
        assert_eq!(
            (later.due_date.as_str(), later.rule_days),
            ("2026-10-12", 10),
            "{b}"
        );

        // Cataloguing closes the unit's open tasks; "no change needed" needs a reason.
        let mut doc = water_bills(&water.org.id);
        doc.fields[1].identifier = Some(pubdata_core::catalog::IdentifierKind::CitizenId);
        let r = resources::create_resource(app, &water.steward, doc)
            .await
            .expect(b);
        let tasks = duty::list_review_tasks(app, &water.steward, TaskQuery::default())
            .await
            .expect(b);
        assert!(
            tasks
                .iter()
                .all(|t| t.status == "closed" && t.resource_id.as_deref() == Some(r.id.as_str())),
            "{b}: {tasks:?}"
        );
        let third =
            duty::record_duty_change(app, &water.steward, &water.org.id, change("2026-11-20"))
                .await
                .expect(b);
        assert!(
            !third.overdue || third.due_date.as_str() < pubdata_app::today().to_string().as_str(),
            "{b}"
        );
        assert_refused!(
            duty::close_review_task(
                app,
                &water.steward,
                &third.id,
                CloseTaskInput {
                    resolution: "no_change".into(),
                    note: "".into()
                }
            )
            .await,
            ActionError::Invalid {
                code: "reason_required",
                ..
            },
            b
        );
        let closed = duty::close_review_task(
            app,
            &water.steward,
            &third.id,
            CloseTaskInput {
                resolution: "no_change".into(),
                note: "新增职责不产生新的数据".into(),
            },
        )
        .await
        .expect(b);
        assert_eq!(
            (closed.status.as_str(), closed.closed_by.as_deref()),
            ("closed", Some("water_steward")),
            "{b}"
        );
        assert_refused!(
            duty::close_review_task(
                app,
                &water.steward,
                &third.id,
                CloseTaskInput {
                    resolution: "updated".into(),
                    note: "".into()
                }
            )
            .await,
            ActionError::Conflict("review_task_closed"),
            b
        );
    }
}

#[tokio::test]
async fn a_system_is_approved_only_when_every_resource_it_declares_is_published() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let authority = admin(app).await;
        let water = unit(app, "water", "澜江水务集团有限公司", 1).await;
        let input = |ids: Vec<String>| SystemInput {
            name: "营业收费系统".into(),
            owner_org_id: water.org.id.clone(),
            purpose: "水费抄表、计费与收缴".into(),
            resource_ids: ids,
        };
        let s = systems::create_system(app, &water.steward, input(vec![]))
            .await
            .expect(b);
        systems::submit_system(app, &water.steward, &s.id)
            .await
            .expect(b);
        let e = assert_refused!(
            systems::approve_system(app, &authority, &s.id).await,
            ActionError::Invalid {
                code: "system_declares_no_resources",
                ..
            },
            b
        );
        assert!(matches!(e, ActionError::Invalid { .. }));
        let kept = systems::get_system(app, &water.member, &s.id)
            .await
            .expect(b);
        assert!(
            kept.review_note
                .as_deref()
                .unwrap_or("")
                .contains("不予批准"),
            "{b}: the reason is shown to the unit: {kept:?}"
        );

        let mut doc = water_bills(&water.org.id);
        doc.fields[1].identifier = Some(pubdata_core::catalog::IdentifierKind::CitizenId);
        let r = resources::create_resource(app, &water.steward, doc)
            .await
            .expect(b);
        systems::update_system(app, &water.steward, &s.id, input(vec![r.id.clone()]))
            .await
            .expect(b);
        let e = assert_refused!(
            systems::approve_system(app, &authority, &s.id).await,
            ActionError::Invalid {
                code: "system_resources_unpublished",
                ..
            },
            b
        );
        assert!(
            format!("{e:?}").contains("居民用水缴费信息"),
            "{b}: names the resource: {e:?}"
        );
        assert_refused!(
            systems::approve_system(app, &water.steward, &s.id).await,
            ActionError::Forbidden("role_required"),
            b
        );

        resources::submit_resource(app, &water.steward, &r.id)
            .await
            .expect(b);
        resources::approve_resource(app, &authority, &r.id)
            .await
            .expect(b);
        let ok = systems::approve_system(app, &authority, &s.id)
            .await
            .expect(b);
        assert_eq!(
            (ok.status.as_str(), ok.review_note.as_deref()),
            ("approved", None),
            "{b}"
        );
        assert_eq!(ok.resource_ids, std::slice::from_ref(&r.id), "{b}");
        let live = systems::set_system_status(app, &water.steward, &s.id, "in_service")
            .await
            .expect(b);
        assert_eq!(live.status.as_str(), "in_service", "{b}");
        assert_refused!(
            systems::set_system_status(app, &water.steward, &s.id, "approved").await,
            ActionError::Invalid {
                code: "invalid_status",
                ..
            },
            b
        );
    }
}
