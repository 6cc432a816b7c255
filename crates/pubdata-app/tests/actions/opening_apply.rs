//! Conditional opening: a university's transport school, through a registered member of the
//! public, applies for the bus company's card-swipe records; the authority checks the
//! materials, the bus company extends its reply once and approves; the holder takes the
//! agreement's key and reads the records with it, where a developer key is refused. Bad
//! applications are refused with their codes and leave nothing behind; a refusal carries its
//! reason and legal basis to the applicant; missing monthly use reports are listed for the
//! provider once overdue.

use super::opening::{OpenCity, open_city};
use super::*;
use chrono::{Datelike, Months};
use pubdata_app::opening::applications::{
    self as oa, AgreementQuery, ApplicantInput, ApplicationInput, ApplicationQuery, ExtendInput,
    MaterialsInput, OpenRequest, ReportQuery, ReviewInput, UseReportInput,
};
use pubdata_app::opening::datasets::{self, CloseInput};
use pubdata_app::opening::keys::{self, NewKey};
use pubdata_app::opening::records;
use pubdata_core::opening::{AGREEMENT_OBLIGATIONS, ApplicationStatus, ApplicationStep};

fn school(city: &OpenCity) -> ApplicationInput {
    ApplicationInput {
        dataset: city.swipes_name.clone(),
        purpose: "研究早高峰公交客流的时空分布，为线路优化提供依据".into(),
        scenario: "高校交通规划课题组内部分析，不对外提供原始数据".into(),
        applicant: ApplicantInput {
            kind: "organisation".into(),
            name: "澜江大学交通学院".into(),
            uscc: Some(uscc(40)),
            contact: "traffic@lju.example.cn".into(),
        },
        fields: vec!["fare".into(), "txn_id".into(), "line_no".into()],
        commitment_accepted: true,
        ..Default::default()
    }
}

fn pass() -> MaterialsInput {
    MaterialsInput {
        decision: "pass".into(),
        reason: String::new(),
    }
}

fn approve() -> ReviewInput {
    ReviewInput {
        decision: "approve".into(),
        ..Default::default()
    }
}

async fn due(app: &App, from: &str, days: i64) -> String {
    calendar::add_working_days(app, from, &days.to_string())
        .await
        .expect("a date")
        .to_string()
}

/// Another unit with a steward of its own: not the provider.
async fn water_steward(app: &App) -> Actor {
    let water = create_org(app, "澜江市水务集团有限公司", 8).await;
    create_user(app, &water, "water_steward", Role::Steward).await;
    web_actor(app, "water_steward").await
}

/// A second member of the public.
async fn li(app: &App) -> Actor {
    users::register_user(
        app,
        &anonymous(),
        users::Registration {
            username: "li_dev".into(),
            display_name: "李开发".into(),
            password: PASSWORD.into(),
            contact: None,
        },
    )
    .await
    .expect("register");
    web_actor(app, "li_dev").await
}

/// Files the school's application and has the authority pass its materials.
async fn at_review(app: &App, city: &OpenCity) -> OpenRequest {
    let filed = oa::file_open_application(app, &city.public, school(city))
        .await
        .expect("filed");
    oa::check_open_materials(app, &city.admin, &filed.id, pass())
        .await
        .expect("materials pass")
}

/// Runs `sql` with a text value and a key on the store's pool, to put an agreement where
/// only time would bring it.
async fn set_text(app: &App, sql: &'static str, value: &str, key: &str) {
    let n = match app.db() {
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(value)
            .bind(key)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(value)
            .bind(key)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(n, 1, "{sql} should change one row");
}

#[tokio::test]
async fn a_registered_user_applies_for_conditional_data_and_receives_an_agreement_and_a_key() {
    for t in apps().await {
        let app = &t.app;
        let b = t.backend;
        let city = open_city(app).await;
        let today = pubdata_app::today();
        let today_s = today.to_string();

        let filed = oa::file_open_application(app, &city.public, school(&city))
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(filed.status, ApplicationStatus::Materials, "{b}");
        assert_eq!(filed.dataset, city.swipes_name);
        assert_eq!(filed.dataset_title, "公交IC卡刷卡记录");
        assert_eq!(filed.provider_org_id, city.bus_org.id);
        assert_eq!(filed.username, "zhang_dev");
        assert_eq!(
            filed.fields,
            ["txn_id", "line_no", "fare"],
            "in the dataset's order"
        );
        assert_eq!(filed.applicant.uscc.as_deref(), Some(uscc(40).as_str()));
        assert_eq!(
            filed.commitment_version,
            pubdata_core::opening::COMMITMENT_VERSION
        );
        assert_eq!(filed.period_start, today_s, "from today by default");
        assert_eq!(
            filed.period_end,
            today
                .checked_add_months(Months::new(12))
                .unwrap()
                .to_string(),
            "a year by default"
        );
        let materials = &filed.steps[0];
        assert_eq!(materials.step, ApplicationStep::Materials);
        assert_eq!(materials.actor_org_id, None, "waits on the authority");
        assert_eq!(materials.rule_key, "open_materials");
        assert_eq!(materials.due_date, due(app, &today_s, 5).await, "{b}");
        let id = filed.id.clone();

        // Only the authority checks the materials; the provider's turn has not come.
        let e = assert_refused!(
            oa::check_open_materials(app, &city.bus, &id, pass()).await,
            ActionError::Forbidden(_),
            b
        );
        assert_eq!(e.code(), "role_required");
        let e = assert_refused!(
            oa::review_open_application(app, &city.bus, &id, approve()).await,
            ActionError::Conflict(_),
            b
        );
        assert_eq!(e.code(), "open_application_not_at_this_step");

        let passed = oa::check_open_materials(app, &city.admin, &id, pass())
            .await
            .unwrap();
        assert_eq!(passed.status, ApplicationStatus::Review);
        let review = &passed.steps[1];
        assert_eq!(review.step, ApplicationStep::Review);
        assert_eq!(
            review.actor_org_id.as_deref(),
            Some(city.bus_org.id.as_str())
        );
        assert_eq!(review.opened_on, today_s, "counted from its receipt");
        assert_eq!(review.due_date, due(app, &today_s, 15).await, "{b}");
        assert_eq!(review.rule_days, 15);

        // Another unit cannot extend or approve; the applicant cannot approve its own.
        let water = water_steward(app).await;
        let extension = || ExtendInput {
            reason: "涉及全部线路的刷卡记录，需会同信息中心评估脱敏效果".into(),
        };
        let e = assert_refused!(
            oa::extend_open_reply(app, &water, &id, extension()).await,
            ActionError::Forbidden(_),
            b
        );
        assert_eq!(e.code(), "other_org");
        let e = assert_refused!(
            oa::review_open_application(app, &city.public, &id, approve()).await,
            ActionError::Forbidden(_),
            b
        );
        assert_eq!(e.code(), "role_required");
        let e = assert_refused!(
            oa::extend_open_reply(app, &city.bus, &id, ExtendInput::default()).await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(
            field_codes(&e),
            [("reason".into(), "reason_required".into())]
        );

        // The extension, once: 15 working days after the date the reply was due.
        let extended = oa::extend_open_reply(app, &city.bus, &id, extension())
            .await
            .unwrap();
        let step = &extended.steps[1];
        assert_eq!(step.extended_days, Some(15));
        assert_eq!(step.due_date, due(app, &review.due_date, 15).await, "{b}");
        let e = assert_refused!(
            oa::extend_open_reply(app, &city.bus, &id, extension()).await,
            ActionError::Conflict(_),
            b
        );
        assert_eq!(e.code(), "reply_already_extended");
        // The applicant sees why.
        let seen = oa::get_open_application(app, &city.public, &id)
            .await
            .unwrap();
        assert_eq!(
            seen.steps[1].extension_reason.as_deref(),
            Some(extension().reason.as_str())
        );
        assert_eq!(seen.steps[1].due_date, step.due_date);

        // Who sees it in a list: the applicant (its own), the provider (its unit), the
        // authority (all); not another member of the public, nor another unit.
        let listed = |actor: Actor, scope: Option<&'static str>| async move {
            oa::list_open_applications(
                app,
                &actor,
                ApplicationQuery {
                    scope: scope.map(str::to_owned),
                    ..Default::default()
                },
            )
            .await
            .map(|p| p.items.into_iter().map(|a| a.id).collect::<Vec<_>>())
        };
        assert_eq!(
            listed(city.public.clone(), None).await.unwrap(),
            vec![id.clone()]
        );
        assert_eq!(
            listed(city.bus.clone(), None).await.unwrap(),
            vec![id.clone()]
        );
        assert_eq!(
            listed(city.admin.clone(), None).await.unwrap(),
            vec![id.clone()]
        );
        assert!(listed(water.clone(), None).await.unwrap().is_empty());
        let li = li(app).await;
        assert!(listed(li.clone(), None).await.unwrap().is_empty());
        let e = listed(li.clone(), Some("all")).await.unwrap_err();
        assert_eq!(e.code(), "role_required");
        let e = assert_refused!(
            oa::get_open_application(app, &li, &id).await,
            ActionError::Forbidden(_),
            b
        );
        assert_eq!(e.code(), "role_required");

        // The approval makes the agreement; its key is the holder's to take.
        let approved = oa::review_open_application(app, &city.bus, &id, approve())
            .await
            .unwrap();
        assert_eq!(approved.status, ApplicationStatus::Approved, "{b}");
        let ag = approved.agreement.clone().expect("an agreement");
        assert_eq!(approved.agreement_id.as_deref(), Some(ag.id.as_str()));
        assert_eq!(ag.fields, ["txn_id", "line_no", "fare"]);
        assert_eq!(ag.obligations, AGREEMENT_OBLIGATIONS);
        assert_eq!(
            (ag.starts_on.as_str(), ag.ends_on.as_str()),
            (filed.period_start.as_str(), filed.period_end.as_str())
        );
        assert_eq!(ag.purpose, school(&city).purpose);
        assert_eq!(ag.rate_per_minute, keys::DEVELOPER_RATE_PER_MINUTE);
        assert!(ag.in_force);
        assert_eq!(ag.key, None, "no key is handed to the provider");
        assert_eq!(ag.holder, "zhang_dev");

        let e = assert_refused!(
            oa::take_agreement_key(app, &city.bus, &ag.id).await,
            ActionError::Forbidden(_),
            b
        );
        assert_eq!(e.code(), "not_agreement_holder");
        let key = oa::take_agreement_key(app, &city.public, &ag.id)
            .await
            .unwrap();
        assert_eq!(key.info.agreement_id.as_deref(), Some(ag.id.as_str()));
        let holder = tokens::authenticate_token(app, &key.key, &rid())
            .await
            .unwrap();
        let page = records::read_open_records(
            app,
            &holder,
            Some(&key.key),
            &city.swipes_name,
            Default::default(),
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: the agreement's key reads: {e:?}"));
        assert_eq!(page.items.len(), 10, "{b}");
        assert_eq!(
            page.fields,
            ["txn_id", "line_no", "fare"],
            "{b}: the agreement's fields only"
        );
        assert!(
            page.items[0].get("card_no").is_none(),
            "{b}: a field the agreement does not name is not read"
        );
        // The files hold every opened field: this agreement reads through the API.
        let file = pubdata_app::opening::files::download_open_file(
            app,
            &city.public,
            &city.swipes_name,
            1,
            "csv",
        )
        .await;
        assert_eq!(file.err().unwrap().code(), "agreement_limits_fields", "{b}");
        // The key reads only its agreement's dataset.
        let other = records::read_open_records(
            app,
            &holder,
            Some(&key.key),
            &city.lines_name,
            Default::default(),
        )
        .await;
        assert_eq!(other.err().unwrap().code(), "key_not_for_dataset", "{b}");
        // A developer key of the same user is not an agreement.
        let dev = keys::create_developer_key(app, &city.public, NewKey::default())
            .await
            .unwrap();
        let dev_actor = tokens::authenticate_token(app, &dev.key, &rid())
            .await
            .unwrap();
        let refused = records::read_open_records(
            app,
            &dev_actor,
            Some(&dev.key),
            &city.swipes_name,
            Default::default(),
        )
        .await;
        assert_eq!(refused.err().unwrap().code(), "agreement_required", "{b}");

        // A lost key is replaced: the new one reads, the old one no longer does.
        let again = oa::take_agreement_key(app, &city.public, &ag.id)
            .await
            .unwrap();
        let old = tokens::authenticate_token(app, &key.key, &rid()).await;
        assert_eq!(old.err().unwrap().code(), "token_revoked", "{b}");
        let holder = tokens::authenticate_token(app, &again.key, &rid())
            .await
            .unwrap();
        records::read_open_records(
            app,
            &holder,
            Some(&again.key),
            &city.swipes_name,
            Default::default(),
        )
        .await
        .unwrap();
        let mine = oa::list_agreements(app, &city.public, AgreementQuery::default())
            .await
            .unwrap();
        assert_eq!(mine.items.len(), 1);
        let shown = mine.items[0].key.as_ref().expect("the live key");
        assert_eq!(shown.prefix, again.info.prefix);
        let provider_view = oa::list_agreements(app, &city.bus, AgreementQuery::default())
            .await
            .unwrap();
        assert_eq!(provider_view.items[0].id, ag.id);
        assert!(
            oa::list_agreements(app, &water, AgreementQuery::default())
                .await
                .unwrap()
                .items
                .is_empty()
        );

        // Every step is in the audit log, refusals too.
        let entries = audit_entries(app).await;
        let of = |action| outcomes(&entries, action, |_| true);
        assert_eq!(of(Action::FileOpenApplication), ["allow"]);
        assert_eq!(
            of(Action::CheckOpenMaterials),
            ["deny:role_required", "allow"]
        );
        assert_eq!(
            of(Action::ExtendOpenReply),
            [
                "deny:other_org",
                "deny:invalid_input",
                "allow",
                "deny:reply_already_extended"
            ]
        );
        assert_eq!(
            of(Action::ReviewOpenApplication),
            [
                "deny:open_application_not_at_this_step",
                "deny:role_required",
                "allow"
            ]
        );
        let approval = entries
            .iter()
            .map(|(_, e)| e)
            .rfind(|e| e.action == Action::ReviewOpenApplication)
            .unwrap();
        assert_eq!(
            target_of(approval),
            Some(format!("agreement/{}", ag.id).as_str())
        );
    }
}

#[tokio::test]
async fn bad_applications_are_refused_with_their_codes_and_leave_nothing_behind() {
    for t in apps().await {
        let app = &t.app;
        let b = t.backend;
        let city = open_city(app).await;
        let today = pubdata_app::today();
        let file = |input: ApplicationInput| oa::file_open_application(app, &city.public, input);

        let e = assert_refused!(
            file(ApplicationInput {
                commitment_accepted: false,
                ..school(&city)
            })
            .await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(e.code(), "commitment_required");
        assert_eq!(
            field_codes(&e),
            [("commitment_accepted".into(), "commitment_required".into())]
        );

        let mut bad = school(&city);
        bad.applicant.uscc = Some(BAD_USCC.into());
        let e = assert_refused!(file(bad).await, ActionError::Invalid { .. }, b);
        assert_eq!(e.code(), "invalid_uscc");
        assert_eq!(
            field_codes(&e),
            [("applicant.uscc".into(), "uscc_check".into())]
        );
        let mut missing = school(&city);
        missing.applicant.uscc = None;
        let e = assert_refused!(file(missing).await, ActionError::Invalid { .. }, b);
        assert_eq!(e.code(), "invalid_uscc");
        assert_eq!(
            field_codes(&e),
            [("applicant.uscc".into(), "uscc_required".into())]
        );

        let e = assert_refused!(
            file(ApplicationInput {
                dataset: city.lines_name.clone(),
                ..school(&city)
            })
            .await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(
            e.code(),
            "not_conditional",
            "unconditional data is downloaded"
        );
        let e = assert_refused!(
            file(ApplicationInput {
                dataset: "1-01-001-0001".into(),
                ..school(&city)
            })
            .await,
            ActionError::NotFound(_),
            b
        );
        assert_eq!(e.code(), "dataset_not_found", "never opened");

        let e = assert_refused!(
            file(ApplicationInput {
                fields: vec!["holder_id".into()],
                ..school(&city)
            })
            .await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(
            field_codes(&e),
            [("fields".into(), "unknown_field".into())],
            "removed by the opening: not to be asked for"
        );
        let e = assert_refused!(
            file(ApplicationInput {
                period_end: Some(
                    today
                        .checked_add_months(Months::new(37))
                        .unwrap()
                        .to_string()
                ),
                ..school(&city)
            })
            .await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(e.code(), "invalid_period");
        assert_eq!(
            field_codes(&e),
            [("period_end".into(), "period_too_long".into())]
        );
        let e = assert_refused!(
            file(ApplicationInput {
                period_start: Some(today.pred_opt().unwrap().to_string()),
                ..school(&city)
            })
            .await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(e.code(), "period_in_past");
        // Every problem of a form at once.
        let e = assert_refused!(
            file(ApplicationInput {
                dataset: city.swipes_name.clone(),
                applicant: ApplicantInput {
                    kind: "company".into(),
                    ..Default::default()
                },
                ..Default::default()
            })
            .await,
            ActionError::Invalid { .. },
            b
        );
        let fields: Vec<String> = field_codes(&e).into_iter().map(|(f, _)| f).collect();
        assert_eq!(
            fields,
            [
                "commitment_accepted",
                "applicant.kind",
                "applicant.name",
                "applicant.contact",
                "purpose",
                "scenario"
            ]
        );
        let e = assert_refused!(
            oa::file_open_application(app, &anonymous(), school(&city)).await,
            ActionError::Unauthenticated(_),
            b
        );
        assert_eq!(e.code(), "not_signed_in");

        let mine = oa::list_open_applications(app, &city.public, ApplicationQuery::default())
            .await
            .unwrap();
        assert!(mine.items.is_empty(), "{b}: nothing filed");

        // A person applies without a credit code; a second application while one is open
        // is refused.
        let person = ApplicationInput {
            applicant: ApplicantInput {
                kind: "person".into(),
                name: "张开发".into(),
                uscc: None,
                contact: "13800000000".into(),
            },
            ..school(&city)
        };
        let filed = file(person.clone()).await.unwrap();
        assert_eq!(filed.applicant.uscc, None);
        let e = assert_refused!(file(person).await, ActionError::Conflict(_), b);
        assert_eq!(e.code(), "open_application_pending");

        // A dataset taken off the open list takes no applications.
        datasets::close_open_dataset(
            app,
            &city.admin,
            &city.swipes_name,
            CloseInput {
                reason: "数据核查中".into(),
            },
        )
        .await
        .unwrap();
        let mut other = school(&city);
        other.applicant.name = "另一单位".into();
        let e = assert_refused!(
            oa::file_open_application(app, &li(app).await, other).await,
            ActionError::NotFound(_),
            b
        );
        assert_eq!(e.code(), "dataset_not_found");
        // Nor is an application of it approved.
        oa::check_open_materials(app, &city.admin, &filed.id, pass())
            .await
            .unwrap();
        let e = assert_refused!(
            oa::review_open_application(app, &city.bus, &filed.id, approve()).await,
            ActionError::Conflict(_),
            b
        );
        assert_eq!(e.code(), "dataset_not_open");
    }
}

#[tokio::test]
async fn a_rejection_and_a_refusal_carry_their_reasons_to_the_applicant() {
    for t in apps().await {
        let app = &t.app;
        let b = t.backend;
        let city = open_city(app).await;

        let filed = oa::file_open_application(app, &city.public, school(&city))
            .await
            .unwrap();
        let e = assert_refused!(
            oa::check_open_materials(
                app,
                &city.admin,
                &filed.id,
                MaterialsInput {
                    decision: "reject".into(),
                    reason: " ".into()
                }
            )
            .await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(
            field_codes(&e),
            [("reason".into(), "reason_required".into())]
        );
        let e = assert_refused!(
            oa::check_open_materials(
                app,
                &city.admin,
                &filed.id,
                MaterialsInput {
                    decision: "maybe".into(),
                    reason: String::new()
                }
            )
            .await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(e.code(), "invalid_decision");
        let rejected = oa::check_open_materials(
            app,
            &city.admin,
            &filed.id,
            MaterialsInput {
                decision: "reject".into(),
                reason: "单位证明材料与统一社会信用代码不符".into(),
            },
        )
        .await
        .unwrap();
        assert_eq!(rejected.status, ApplicationStatus::Rejected, "{b}");
        assert_eq!(rejected.steps.len(), 1, "the provider never receives it");
        assert_eq!(rejected.steps[0].decision.as_deref(), Some("reject"));

        // Filed again, passed, refused by the provider.
        let id = at_review(app, &city).await.id;
        let refuse = |reason: &str, basis: &str| ReviewInput {
            decision: "refuse".into(),
            reason: reason.into(),
            legal_basis: basis.into(),
            rate_per_minute: None,
        };
        let e = assert_refused!(
            oa::review_open_application(app, &city.bus, &id, refuse("涉及乘客出行轨迹", "")).await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(
            field_codes(&e),
            [("legal_basis".into(), "legal_basis_required".into())]
        );
        let water = water_steward(app).await;
        let basis = "《个人信息保护法》第二十八条";
        let e = assert_refused!(
            oa::review_open_application(app, &water, &id, refuse("不同意", basis)).await,
            ActionError::Forbidden(_),
            b
        );
        assert_eq!(e.code(), "other_org");
        let refused = oa::review_open_application(
            app,
            &city.bus,
            &id,
            refuse("刷卡记录可还原乘客出行轨迹，属敏感个人信息", basis),
        )
        .await
        .unwrap();
        assert_eq!(refused.status, ApplicationStatus::Refused, "{b}");
        assert_eq!(refused.agreement, None);
        let seen = oa::get_open_application(app, &city.public, &id)
            .await
            .unwrap();
        let step = &seen.steps[1];
        assert_eq!(step.decision.as_deref(), Some("refuse"));
        assert_eq!(step.legal_basis.as_deref(), Some(basis), "{b}");
        assert!(step.reason.as_deref().unwrap().contains("出行轨迹"));
        let e = assert_refused!(
            oa::extend_open_reply(
                app,
                &city.bus,
                &id,
                ExtendInput {
                    reason: "迟了".into()
                }
            )
            .await,
            ActionError::Conflict(_),
            b
        );
        assert_eq!(e.code(), "open_application_not_at_this_step");
        let agreements = oa::list_agreements(app, &city.public, AgreementQuery::default())
            .await
            .unwrap();
        assert!(agreements.items.is_empty(), "{b}: no agreement");
    }
}

#[tokio::test]
async fn missing_use_reports_are_listed_for_the_provider_once_overdue() {
    for t in apps().await {
        let app = &t.app;
        let b = t.backend;
        let city = open_city(app).await;
        let id = at_review(app, &city).await.id;
        let approved = oa::review_open_application(app, &city.bus, &id, approve())
            .await
            .unwrap();
        let ag = approved.agreement.unwrap();

        // The agreement began on the first day of the month three months back.
        let today = pubdata_app::today();
        let this_month = today.with_day(1).unwrap();
        let month = |back: u32| this_month.checked_sub_months(Months::new(back)).unwrap();
        let name = |d: chrono::NaiveDate| d.format("%Y-%m").to_string();
        set_text(
            app,
            "UPDATE agreements SET starts_on = $1 WHERE id = $2",
            &month(3).to_string(),
            &ag.id,
        )
        .await;

        let report = |period: String| UseReportInput {
            period,
            use_summary: "调用刷卡记录接口约1200次，用于早高峰客流建模".into(),
            results: "形成《1路、2路早高峰客流分析报告》初稿".into(),
        };
        let filed = oa::report_open_use(app, &city.public, &ag.id, report(name(month(2))))
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(filed.period, name(month(2)));
        oa::report_open_use(app, &city.public, &ag.id, report(name(this_month)))
            .await
            .expect("the current month may be reported");
        let e = assert_refused!(
            oa::report_open_use(app, &city.public, &ag.id, report(name(month(2)))).await,
            ActionError::Conflict(_),
            b
        );
        assert_eq!(e.code(), "use_report_exists");
        let next = this_month.checked_add_months(Months::new(1)).unwrap();
        for period in [name(next), name(month(4))] {
            let e = assert_refused!(
                oa::report_open_use(app, &city.public, &ag.id, report(period.clone())).await,
                ActionError::Invalid { .. },
                &period
            );
            assert_eq!(e.code(), "invalid_report_period", "{period}");
        }
        let e = assert_refused!(
            oa::report_open_use(app, &city.public, &ag.id, report("2026/09".into())).await,
            ActionError::Invalid { .. },
            b
        );
        assert_eq!(field_codes(&e), [("period".into(), "invalid_month".into())]);
        let e = assert_refused!(
            oa::report_open_use(app, &city.bus, &ag.id, report(name(month(1)))).await,
            ActionError::Forbidden(_),
            b
        );
        assert_eq!(e.code(), "not_agreement_holder");

        // What is overdue: each month that has ended, unreported, past its due date — ten
        // working days after the month's end.
        let mut expected = Vec::new();
        for back in [3, 1] {
            let end = month(back)
                .checked_add_months(Months::new(1))
                .unwrap()
                .pred_opt()
                .unwrap();
            let due_on = due(app, &end.to_string(), 10).await;
            if due_on < today.to_string() {
                expected.push((name(month(back)), due_on));
            }
        }
        assert_eq!(
            expected.first().map(|(m, _)| m.clone()),
            Some(name(month(3))),
            "three months back is always overdue"
        );
        let list = oa::list_use_reports(app, &city.bus, ReportQuery::default())
            .await
            .unwrap();
        let overdue: Vec<(String, String)> = list
            .overdue
            .iter()
            .map(|o| (o.period.clone(), o.due_date.clone()))
            .collect();
        assert_eq!(overdue, expected, "{b}");
        assert!(list.overdue.iter().all(|o| o.agreement_id == ag.id
            && o.holder == "zhang_dev"
            && o.applicant_name == "澜江大学交通学院"));
        let periods: Vec<&str> = list.items.iter().map(|r| r.period.as_str()).collect();
        assert_eq!(periods, [name(this_month), name(month(2))]);

        // The holder sees its own; the authority everyone's; another unit nothing of it.
        let holder = oa::list_use_reports(app, &city.public, ReportQuery::default())
            .await
            .unwrap();
        assert_eq!(holder.overdue.len(), expected.len());
        let all = oa::list_use_reports(app, &city.admin, ReportQuery::default())
            .await
            .unwrap();
        assert_eq!(all.items.len(), 2);
        let water = water_steward(app).await;
        let theirs = oa::list_use_reports(app, &water, ReportQuery::default())
            .await
            .unwrap();
        assert!(theirs.items.is_empty() && theirs.overdue.is_empty());
        let e = assert_refused!(
            oa::list_use_reports(
                app,
                &water,
                ReportQuery {
                    org_id: Some(city.bus_org.id.clone()),
                    ..Default::default()
                }
            )
            .await,
            ActionError::Forbidden(_),
            b
        );
        assert_eq!(e.code(), "other_org");

        // Reporting a month takes it off the list.
        let (first, _) = expected[0].clone();
        oa::report_open_use(app, &city.public, &ag.id, report(first.clone()))
            .await
            .unwrap();
        let list = oa::list_use_reports(app, &city.bus, ReportQuery::default())
            .await
            .unwrap();
        assert!(list.overdue.iter().all(|o| o.period != first), "{b}");
        assert_eq!(list.overdue.len(), expected.len() - 1);
    }
}
