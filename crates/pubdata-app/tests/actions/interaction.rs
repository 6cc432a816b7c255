//! Public interaction and the showcase: an anonymous visitor reports that a bus line's record
//! is wrong — the record is disputed at once, the bus company answers the objection on its
//! objections page, and the public item shows that answer with its time but never the
//! visitor's contact; a data request naming no dataset waits for the authority; bad input is
//! refused at its field and leaves nothing behind; an application submitted to the showcase
//! stays hidden until the authority shows it, and one it rejects is never public.

use super::opening::{OpenCity, open_city};
use super::*;
use pubdata_app::aggregation::records;
use pubdata_app::opening::feedback::{self, AnswerInput, FeedbackInput, FeedbackQuery};
use pubdata_app::opening::showcase::{self, ReviewInput, ShowcaseInput, ShowcaseQuery};
use pubdata_app::sharing::objections::{self, ObjectionQuery};
use pubdata_core::opening::{FeedbackKind, FeedbackStatus, ShowcaseStatus};

async fn due_in(app: &App, days: u32) -> String {
    calendar::add_working_days(app, &pubdata_app::today().to_string(), &days.to_string())
        .await
        .unwrap()
        .to_string()
}

fn error_report(dataset: &str, key: &str, text: &str, contact: &str) -> FeedbackInput {
    FeedbackInput {
        kind: "error_report".into(),
        dataset: Some(dataset.into()),
        record_key: Some(key.into()),
        text: text.into(),
        contact: Some(contact.into()),
    }
}

async fn waiting(app: &App, actor: &Actor) -> Vec<feedback::Feedback> {
    feedback::list_feedback(
        app,
        actor,
        FeedbackQuery {
            view: Some("waiting".into()),
            ..Default::default()
        },
    )
    .await
    .unwrap_or_else(|e| panic!("the waiting list: {e:?}"))
    .items
}

async fn public_list(app: &App, q: FeedbackQuery) -> Vec<feedback::Feedback> {
    feedback::list_feedback(app, &anonymous(), q)
        .await
        .unwrap_or_else(|e| panic!("the public list: {e:?}"))
        .items
}

#[tokio::test]
async fn an_anonymous_error_report_on_a_record_reaches_the_provider_and_its_answer_shows_publicly()
{
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let city: OpenCity = open_city(app).await;
        let contact = "13812345678";
        let text = "快3路的末站已改为机场东站，数据仍写作机场";
        let item = feedback::submit_feedback(
            app,
            &anonymous(),
            error_report(&city.lines_name, "K3", text, contact),
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(
            (item.kind, item.status, item.record_key.as_deref()),
            (FeedbackKind::ErrorReport, FeedbackStatus::Open, Some("K3")),
            "{b}"
        );
        assert_eq!(item.dataset_title.as_deref(), Some("公交线路信息"), "{b}");
        assert_eq!(
            item.answerer_org_id.as_deref(),
            Some(city.bus_org.id.as_str()),
            "the provider answers: {b}"
        );
        assert_eq!(
            item.due_date,
            due_in(app, 5).await,
            "due as its objection is (objection_check): {b}"
        );
        assert!(item.staff.is_none(), "{b}");

        // The record reads as disputed, and the objection waits on the provider.
        let rec = records::get_record(app, &city.bus, &city.lines, "K3", None)
            .await
            .unwrap();
        assert!(rec.disputed, "{b}");
        let objs = objections::list_objections(
            app,
            &city.bus,
            ObjectionQuery {
                view: Some("provider".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap()
        .items;
        assert_eq!(objs.len(), 1, "{b}");
        let o = &objs[0];
        assert_eq!(
            (o.key.as_str(), o.reason.as_str(), o.filed_by.as_str()),
            ("K3", text, "anonymous"),
            "{b}"
        );
        assert!(o.evidence.contains(&item.id), "{}: {}", b, o.evidence);

        // The provider sees it waiting, with the contact the public never sees.
        let w = waiting(app, &city.bus).await;
        assert_eq!(w.len(), 1, "{b}");
        let staff = w[0].staff.as_ref().expect("the staff view");
        assert_eq!(
            (staff.contact.as_deref(), staff.objection_id.as_deref()),
            (Some(contact), Some(o.id.as_str())),
            "{b}"
        );
        // It is answered through its objection, not as a feedback item.
        let e = feedback::answer_feedback(
            app,
            &city.bus,
            &item.id,
            AnswerInput {
                answer: "已核实".into(),
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, ActionError::Conflict("answer_through_objection")),
            "{b}: {e:?}"
        );
        let explanation = "经核对线路批复文件，快3路末站仍为机场，数据无误";
        objections::answer_objection(
            app,
            &city.bus,
            &o.id,
            objections::AnswerInput {
                outcome: "confirmed".into(),
                explanation: explanation.into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));

        // The public item shows the answer with its time, and no contact anywhere.
        let shown = feedback::get_feedback(app, &anonymous(), &item.id)
            .await
            .unwrap();
        assert_eq!(
            (shown.status, shown.answer.as_deref()),
            (FeedbackStatus::Answered, Some(explanation)),
            "{b}"
        );
        assert_eq!(shown.outcome_label, Some("经核实无误"), "{b}");
        assert!(shown.answered_at.is_some(), "{b}");
        let json = serde_json::to_string(&shown).unwrap();
        assert!(
            !json.contains(contact) && !json.contains("\"contact\""),
            "{b}: {json}"
        );
        let listed = public_list(app, FeedbackQuery::default()).await;
        assert_eq!(listed.len(), 1, "{b}");
        assert_eq!(listed[0].answer.as_deref(), Some(explanation), "{b}");
        assert!(
            !serde_json::to_string(&listed).unwrap().contains(contact),
            "{b}"
        );

        // Answered: no longer disputed, no longer waiting.
        let rec = records::get_record(app, &city.bus, &city.lines, "K3", None)
            .await
            .unwrap();
        assert!(!rec.disputed, "{b}");
        assert!(waiting(app, &city.bus).await.is_empty(), "{b}");
    }
}

#[tokio::test]
async fn a_data_request_naming_no_dataset_waits_for_the_authority_and_is_answered_once() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let city = open_city(app).await;
        // Signed in: no contact needed.
        let item = feedback::submit_feedback(
            app,
            &city.public,
            FeedbackInput {
                kind: "data_request".into(),
                text: "希望开放公交车辆实时位置数据，用于出行导航应用".into(),
                ..Default::default()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(item.answerer_org_id, None, "{b}");
        assert_eq!(item.answerer_name, "数据主管部门", "{b}");
        assert_eq!(item.due_date, due_in(app, 10).await, "{b}");
        assert_eq!(item.rule_days, 10, "{b}");

        // Not the bus company's to answer, nor on its list; the authority's.
        assert!(waiting(app, &city.bus).await.is_empty(), "{b}");
        let w = waiting(app, &city.admin).await;
        assert_eq!(
            w.iter().map(|i| i.id.as_str()).collect::<Vec<_>>(),
            [item.id.as_str()],
            "{b}"
        );
        let e = feedback::answer_feedback(
            app,
            &city.bus,
            &item.id,
            AnswerInput {
                answer: "不归我们答".into(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "role_required", "{b}");
        let e = feedback::answer_feedback(
            app,
            &city.admin,
            &item.id,
            AnswerInput {
                answer: "   ".into(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(
            field_codes(&e),
            [("answer".into(), "invalid_answer".into())]
        );

        let answer = "已转公交集团研究，计划于第三季度开放车辆实时位置接口";
        let answered = feedback::answer_feedback(
            app,
            &city.admin,
            &item.id,
            AnswerInput {
                answer: answer.into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(answered.status, FeedbackStatus::Answered, "{b}");
        let again = feedback::answer_feedback(
            app,
            &city.admin,
            &item.id,
            AnswerInput {
                answer: "再答一次".into(),
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(again, ActionError::Conflict("already_answered")),
            "{b}"
        );

        let shown = feedback::get_feedback(app, &anonymous(), &item.id)
            .await
            .unwrap();
        assert_eq!(shown.answer.as_deref(), Some(answer), "{b}");
        assert!(shown.answered_at.is_some() && shown.staff.is_none(), "{b}");

        // The kind filter, and the submitter's own list.
        let requests = public_list(
            app,
            FeedbackQuery {
                kind: Some("data_request".into()),
                ..Default::default()
            },
        )
        .await;
        assert_eq!(requests.len(), 1, "{b}");
        let reports = public_list(
            app,
            FeedbackQuery {
                kind: Some("error_report".into()),
                ..Default::default()
            },
        )
        .await;
        assert!(reports.is_empty(), "{b}");
        let mine = feedback::list_feedback(
            app,
            &city.public,
            FeedbackQuery {
                view: Some("mine".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(mine.items.len(), 1, "{b}");
        let anon_waiting = feedback::list_feedback(
            app,
            &anonymous(),
            FeedbackQuery {
                view: Some("waiting".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(anon_waiting.code(), "not_signed_in", "{b}");

        let entries = audit_entries(app).await;
        assert_eq!(
            outcomes(&entries, Action::AnswerFeedback, |_| true),
            [
                "deny:role_required",
                "deny:invalid_answer",
                "allow",
                "deny:already_answered"
            ],
            "{b}"
        );
    }
}

#[tokio::test]
async fn bad_feedback_is_refused_at_its_field_and_leaves_nothing_behind() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let city = open_city(app).await;
        let visitor = anonymous();
        let refused = |input: FeedbackInput| {
            let visitor = visitor.clone();
            async move {
                feedback::submit_feedback(app, &visitor, input)
                    .await
                    .unwrap_err()
            }
        };
        let ok = error_report(&city.lines_name, "K3", "票价有误", "zhang@example.com");

        let e = refused(FeedbackInput {
            contact: None,
            text: " ".into(),
            ..ok.clone()
        })
        .await;
        assert_eq!(
            field_codes(&e),
            [
                ("text".into(), "invalid_text".into()),
                ("contact".into(), "contact_required".into())
            ],
            "every problem at once: {b}"
        );
        let e = refused(FeedbackInput {
            kind: "praise".into(),
            ..ok.clone()
        })
        .await;
        assert_eq!(field_codes(&e), [("kind".into(), "invalid_kind".into())]);
        let e = refused(FeedbackInput {
            dataset: Some("9-99-999-9999".into()),
            ..ok.clone()
        })
        .await;
        assert_eq!(
            field_codes(&e),
            [("dataset".into(), "dataset_not_found".into())]
        );
        let e = refused(FeedbackInput {
            dataset: None,
            ..ok.clone()
        })
        .await;
        assert_eq!(
            field_codes(&e),
            [("dataset".into(), "dataset_required".into())]
        );
        let e = refused(FeedbackInput {
            record_key: Some("K9".into()),
            ..ok.clone()
        })
        .await;
        assert_eq!(
            field_codes(&e),
            [("record_key".into(), "record_not_found".into())],
            "{b}"
        );
        let e = refused(FeedbackInput {
            kind: "suggestion".into(),
            ..ok.clone()
        })
        .await;
        assert_eq!(
            field_codes(&e),
            [("record_key".into(), "record_key_not_allowed".into())]
        );
        // A record of conditional data is named only under an agreement: otherwise its
        // existence would leak.
        let e = refused(error_report(
            &city.swipes_name,
            "T0001",
            "扣款金额有误",
            "zhang@example.com",
        ))
        .await;
        assert_eq!(e.code(), "agreement_required", "{b}");

        assert!(
            public_list(app, FeedbackQuery::default()).await.is_empty(),
            "{b}"
        );
        let objs = objections::list_objections(app, &operator(), ObjectionQuery::default())
            .await
            .unwrap();
        assert!(objs.items.is_empty(), "{b}");
        let rec = records::get_record(app, &city.bus, &city.lines, "K3", None)
            .await
            .unwrap();
        assert!(!rec.disputed, "{b}");

        // An error report on the dataset as a whole is answered as feedback by its provider.
        let whole = feedback::submit_feedback(
            app,
            &visitor,
            FeedbackInput {
                record_key: None,
                ..ok.clone()
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(whole.due_date, due_in(app, 10).await, "{b}");
        let answered = feedback::answer_feedback(
            app,
            &city.bus,
            &whole.id,
            AnswerInput {
                answer: "票价已按最新批复更新".into(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(answered.status, FeedbackStatus::Answered, "{b}");
        let missing = feedback::get_feedback(app, &visitor, "no-such-item")
            .await
            .unwrap_err();
        assert!(
            matches!(missing, ActionError::NotFound("feedback_not_found")),
            "{b}"
        );
    }
}

fn app_input(title: &str, datasets: &[&str]) -> ShowcaseInput {
    ShowcaseInput {
        title: title.into(),
        description: "基于公交线路开放数据的换乘查询小程序".into(),
        url: "https://bus-app.example.com/".into(),
        datasets: datasets.iter().map(|d| d.to_string()).collect(),
    }
}

async fn shown(app: &App) -> Vec<showcase::Showcase> {
    showcase::list_showcase(app, &anonymous(), ShowcaseQuery::default())
        .await
        .unwrap()
        .items
}

#[tokio::test]
async fn a_showcase_entry_is_hidden_until_shown_and_a_rejected_one_is_never_public() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let city = open_city(app).await;
        let e = showcase::submit_showcase(app, &anonymous(), app_input("匿名应用", &[]))
            .await
            .unwrap_err();
        assert_eq!(e.code(), "not_signed_in", "{b}");
        let e = showcase::submit_showcase(
            app,
            &city.public,
            ShowcaseInput {
                url: "javascript:alert(1)".into(),
                ..app_input("坏链接", &["9-99-999-9999"])
            },
        )
        .await
        .unwrap_err();
        assert_eq!(
            field_codes(&e),
            [
                ("url".into(), "invalid_url".into()),
                ("datasets".into(), "dataset_not_found".into())
            ],
            "{b}"
        );
        let e = showcase::submit_showcase(app, &city.public, app_input("无数据集", &[]))
            .await
            .unwrap_err();
        assert_eq!(
            field_codes(&e),
            [("datasets".into(), "datasets_required".into())]
        );

        let good = showcase::submit_showcase(
            app,
            &city.public,
            app_input("澜江公交换乘通", &[&city.lines_name]),
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(good.status, ShowcaseStatus::Submitted, "{b}");
        assert_eq!(good.datasets[0].title, "公交线路信息", "{b}");
        let bad = showcase::submit_showcase(
            app,
            &city.public,
            app_input("客流分析", &[&city.lines_name, &city.swipes_name]),
        )
        .await
        .unwrap();
        assert!(shown(app).await.is_empty(), "hidden until reviewed: {b}");

        // Only the authority reviews.
        let e = showcase::review_showcase(
            app,
            &city.public,
            &good.id,
            ReviewInput {
                decision: "show".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "role_required", "{b}");
        showcase::review_showcase(
            app,
            &city.admin,
            &good.id,
            ReviewInput {
                decision: "show".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        let e = showcase::review_showcase(
            app,
            &city.admin,
            &bad.id,
            ReviewInput {
                decision: "reject".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap_err();
        assert_eq!(
            field_codes(&e),
            [("reason".into(), "invalid_reason".into())]
        );
        let reason = "页面展示了未脱敏的卡号，请整改后重新提交";
        showcase::review_showcase(
            app,
            &city.admin,
            &bad.id,
            ReviewInput {
                decision: "reject".into(),
                reason: reason.into(),
            },
        )
        .await
        .unwrap();

        let public = shown(app).await;
        assert_eq!(
            public.iter().map(|s| s.id.as_str()).collect::<Vec<_>>(),
            [good.id.as_str()],
            "{b}"
        );
        assert_eq!(public[0].author, "zhang_dev", "{b}");
        // Asking for rejected entries publicly still gives shown ones only.
        let asked = showcase::list_showcase(
            app,
            &anonymous(),
            ShowcaseQuery {
                status: Some("rejected".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert!(
            asked
                .items
                .iter()
                .all(|s| s.status == ShowcaseStatus::Shown),
            "{b}"
        );
        // The submitter reads the reason.
        let mine = showcase::list_showcase(
            app,
            &city.public,
            ShowcaseQuery {
                view: Some("mine".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        let rejected = mine.items.iter().find(|s| s.id == bad.id).unwrap();
        assert_eq!(rejected.review_reason.as_deref(), Some(reason), "{b}");
        let e = showcase::list_showcase(
            app,
            &city.public,
            ShowcaseQuery {
                view: Some("review".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(e.code(), "role_required", "{b}");

        // A rejected entry is not shown later; a shown one can be taken down.
        let e = showcase::review_showcase(
            app,
            &city.admin,
            &bad.id,
            ReviewInput {
                decision: "show".into(),
                reason: String::new(),
            },
        )
        .await
        .unwrap_err();
        assert!(
            matches!(e, ActionError::Conflict("showcase_already_reviewed")),
            "{b}"
        );
        showcase::review_showcase(
            app,
            &city.admin,
            &good.id,
            ReviewInput {
                decision: "reject".into(),
                reason: "应用已停止服务".into(),
            },
        )
        .await
        .unwrap();
        assert!(shown(app).await.is_empty(), "{b}");
        let all = showcase::list_showcase(
            app,
            &city.admin,
            ShowcaseQuery {
                view: Some("review".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap();
        assert_eq!(all.items.len(), 2, "{b}");
    }
}

/// Moves an item's due date, as time would.
async fn set_due(app: &App, id: &str, due: &str) {
    let sql = "UPDATE feedback SET due_date = $1 WHERE id = $2";
    let n = match app.db() {
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(due)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(due)
            .bind(id)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    }
    .unwrap();
    assert_eq!(n, 1);
}

#[tokio::test]
async fn what_waits_for_an_answer_comes_overdue_first_a_page_at_a_time() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let city = open_city(app).await;
        let mut ids = Vec::new();
        for text in [
            "希望开放停车场泊位数据",
            "希望开放充电桩位置",
            "希望开放公厕位置",
        ] {
            let f = feedback::submit_feedback(
                app,
                &anonymous(),
                FeedbackInput {
                    kind: "data_request".into(),
                    text: text.into(),
                    contact: Some("0791-12345678".into()),
                    ..Default::default()
                },
            )
            .await
            .unwrap();
            ids.push(f.id);
        }
        set_due(app, &ids[1], "2020-01-02").await;

        let page = |cursor: Option<String>, view: &str| {
            let q = FeedbackQuery {
                view: Some(view.into()),
                cursor,
                limit: Some(2),
                ..Default::default()
            };
            let actor = if view == "waiting" {
                city.admin.clone()
            } else {
                anonymous()
            };
            async move { feedback::list_feedback(app, &actor, q).await.unwrap() }
        };
        let first = page(None, "waiting").await;
        assert_eq!(
            first
                .items
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>(),
            [ids[1].as_str(), ids[0].as_str()],
            "the overdue one first: {b}"
        );
        assert!(first.items[0].overdue && !first.items[1].overdue, "{b}");
        let second = page(first.next_cursor.clone(), "waiting").await;
        assert_eq!(
            second
                .items
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>(),
            [ids[2].as_str()],
            "{b}"
        );
        assert_eq!(second.next_cursor, None, "{b}");

        // The public list: newest first.
        let first = page(None, "public").await;
        assert_eq!(
            first
                .items
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>(),
            [ids[2].as_str(), ids[1].as_str()],
            "{b}"
        );
        let second = page(first.next_cursor.clone(), "public").await;
        assert_eq!(
            second
                .items
                .iter()
                .map(|i| i.id.as_str())
                .collect::<Vec<_>>(),
            [ids[0].as_str()],
            "{b}"
        );
        let bad = feedback::list_feedback(
            app,
            &city.admin,
            FeedbackQuery {
                view: Some("waiting".into()),
                cursor: Some("not-a-cursor".into()),
                ..Default::default()
            },
        )
        .await
        .unwrap_err();
        assert_eq!(bad.code(), "invalid_cursor", "{b}");
    }
}
