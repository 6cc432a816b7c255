//! The demo city's first data: water-outage notices (停水计划公告) pushed by the water
//! company and published as version 1, so that a new visitor finds records, a batch with its
//! quality report and a downloadable Parquet file; and a few fictional residents in the
//! police's household register (户籍人口基本信息, conditional), so that a share request has
//! records to read once approved. The ID numbers carry valid GB 11643 check characters under
//! the demo city's fictional division code 369900.

use pubdata_core::Actor;
use serde_json::json;

use crate::aggregation::{batches, versions};
use crate::{ActionError, App};

const NOTICES: &str = "2/03/002/0001";
const HOUSEHOLD: &str = "1/01/001/0001";
const BUS_LINES: &str = "2/02/006/0001";
const BUS_SWIPES: &str = "3/09/001/0001";

/// A fictional resident's ID number: division 369900, the birth date, a sequence number.
fn citizen_id(birth: &str, seq: &str) -> String {
    let first17 = format!("369900{birth}{seq}");
    let check = pubdata_core::identifiers::citizen_id_check_char(&first17).expect("17 digits");
    format!("{first17}{check}")
}

pub(crate) async fn load(app: &App, actor: &Actor) -> Result<(), ActionError> {
    let mut tx = app.db().begin_read().await?;
    let found = pubdata_store::catalog::resources::get_by_code(&mut tx, NOTICES).await?;
    tx.rollback().await?;
    let Some(resource) = found else {
        return Ok(());
    };
    let rows = json!([
        {"notice_no": "TS-2026-0301", "area": "澜江区滨江路、望江路一带", "start_at": "2026-03-01 22:00", "end_at": "2026-03-02 06:00", "reason": "主干管阀门更换", "hotline": "96116"},
        {"notice_no": "TS-2026-0415", "area": "新城区高铁南站片区", "start_at": "2026-04-15 09:00", "end_at": "2026-04-15 17:00", "reason": "管网碰口施工", "hotline": "96116"},
        {"notice_no": "TS-2026-0603", "area": "老城区解放街、人民路", "start_at": "2026-06-03 01:00", "end_at": "2026-06-03 05:00", "reason": "抢修爆管", "hotline": "96116"},
        {"notice_no": "TS-2026-0822", "area": "开发区科技园一期", "start_at": "2026-08-22 23:00", "end_at": "2026-08-23 04:00", "reason": "二次供水设施清洗消毒", "hotline": "96116"}
    ]);
    let rows = rows
        .as_array()
        .expect("an array")
        .iter()
        .map(|r| r.as_object().expect("objects").clone())
        .collect();
    batches::push_batch(app, actor, &resource.id, rows).await?;
    versions::publish_version(app, actor, &resource.id).await?;
    load_household(app, actor).await?;
    load_open(app, actor, &resource.id).await
}

/// The bus company's lines and card swipes with a first version each, and the open list's
/// first entries: the water-outage notices and the bus lines unconditionally, the swipes
/// conditionally (card numbers masked, line as the quasi-identifier) after a first proposal
/// that the security review blocked — so that the authority's proposal list shows both.
async fn load_open(app: &App, actor: &Actor, notices_id: &str) -> Result<(), ActionError> {
    use crate::opening::proposals::{self, DecisionInput, ProposalInput};
    let mut tx = app.db().begin_read().await?;
    let lines = pubdata_store::catalog::resources::get_by_code(&mut tx, BUS_LINES).await?;
    let swipes = pubdata_store::catalog::resources::get_by_code(&mut tx, BUS_SWIPES).await?;
    tx.rollback().await?;
    let (Some(lines), Some(swipes)) = (lines, swipes) else {
        return Ok(());
    };
    let line_rows = [
        (
            "1",
            "1路",
            "火车站",
            "高铁南站",
            "06:00",
            "22:30",
            "2.00",
            "18.6",
        ),
        (
            "2",
            "2路",
            "老城区解放街",
            "开发区科技园",
            "06:10",
            "22:00",
            "2.00",
            "15.2",
        ),
        (
            "3",
            "3路",
            "滨江公园",
            "新城区政务中心",
            "06:20",
            "21:30",
            "2.00",
            "12.8",
        ),
        (
            "5",
            "5路",
            "望江路",
            "澜江大学",
            "06:00",
            "22:00",
            "1.00",
            "9.4",
        ),
        (
            "8",
            "8路",
            "人民路",
            "高铁南站",
            "06:30",
            "21:00",
            "2.00",
            "16.1",
        ),
        (
            "11",
            "11路",
            "澜江市第一人民医院",
            "城北客运站",
            "06:00",
            "20:30",
            "2.00",
            "11.7",
        ),
        (
            "15",
            "15路",
            "老城区解放街",
            "澜江机场",
            "05:50",
            "21:50",
            "3.00",
            "32.5",
        ),
        (
            "K1",
            "快线1路",
            "火车站",
            "澜江机场",
            "06:00",
            "23:00",
            "5.00",
            "35.0",
        ),
        (
            "K3",
            "快线3路",
            "滨江公园",
            "开发区科技园",
            "06:30",
            "22:30",
            "4.00",
            "26.3",
        ),
        (
            "N1",
            "夜班1路",
            "火车站",
            "高铁南站",
            "22:30",
            "05:30",
            "3.00",
            "18.6",
        ),
    ];
    let rows = line_rows
        .iter()
        .map(|(no, name, first, last, fb, lb, fare, km)| {
            json!({"line_no": no, "line_name": name, "first_stop": first, "last_stop": last,
                   "first_bus": fb, "last_bus": lb, "fare": fare, "length_km": km,
                   "operator": "澜江市公交集团有限公司"})
            .as_object()
            .expect("an object")
            .clone()
        })
        .collect();
    batches::push_batch(app, actor, &lines.id, rows).await?;
    versions::publish_version(app, actor, &lines.id).await?;
    let stops = [
        "火车站",
        "人民路",
        "解放街",
        "望江路",
        "滨江公园",
        "高铁南站",
    ];
    let rows = (1..=36)
        .map(|n: u32| {
            let line = ["1", "2", "K1"][(n % 3) as usize];
            json!({"txn_id": format!("TX20261101{n:05}"), "card_no": format!("3199{n:012}"),
                   "txn_time": format!("2026-11-01 07:{:02}:00", n),
                   "line_no": line, "vehicle_no": format!("澜A{:05}", 10_000 + n),
                   "boarding_stop": stops[(n % 6) as usize], "fare": "2.00",
                   "card_type": if n.is_multiple_of(4) { "老年卡" } else { "普通卡" }})
            .as_object()
            .expect("an object")
            .clone()
        })
        .collect();
    batches::push_batch(app, actor, &swipes.id, rows).await?;
    versions::publish_version(app, actor, &swipes.id).await?;

    for id in [notices_id, lines.id.as_str()] {
        let p = proposals::propose_opening(
            app,
            actor,
            id,
            ProposalInput {
                open_attr: "unconditional".into(),
                ..Default::default()
            },
        )
        .await?;
        proposals::approve_opening(app, actor, &p.id, DecisionInput::default()).await?;
    }
    // Everything kept: the review blocks the card numbers. The authority sees it superseded.
    proposals::propose_opening(
        app,
        actor,
        &swipes.id,
        ProposalInput {
            open_attr: "conditional".into(),
            ..Default::default()
        },
    )
    .await?;
    let p = proposals::propose_opening(
        app,
        actor,
        &swipes.id,
        ProposalInput {
            open_attr: "conditional".into(),
            masks: [("card_no".to_owned(), "bank_card".to_owned())].into(),
            quasi_identifiers: vec!["line_no".into()],
            ..Default::default()
        },
    )
    .await?;
    proposals::approve_opening(app, actor, &p.id, DecisionInput::default()).await?;
    Ok(())
}

async fn load_household(app: &App, actor: &Actor) -> Result<(), ActionError> {
    let mut tx = app.db().begin_read().await?;
    let found = pubdata_store::catalog::resources::get_by_code(&mut tx, HOUSEHOLD).await?;
    tx.rollback().await?;
    let Some(resource) = found else {
        return Ok(());
    };
    let people = [
        (
            "19800312",
            "011",
            "王建国",
            "男",
            "1980-03-12",
            "澜江市老城区解放街12号2单元301",
            "H369900010001",
            "户主",
            "解放街派出所",
        ),
        (
            "19830705",
            "022",
            "李秀兰",
            "女",
            "1983-07-05",
            "澜江市老城区解放街12号2单元301",
            "H369900010001",
            "配偶",
            "解放街派出所",
        ),
        (
            "20090918",
            "031",
            "王子涵",
            "男",
            "2009-09-18",
            "澜江市老城区解放街12号2单元301",
            "H369900010001",
            "子",
            "解放街派出所",
        ),
        (
            "19760120",
            "048",
            "欧阳明华",
            "男",
            "1976-01-20",
            "澜江市滨江区望江路18号3栋201",
            "H369900020017",
            "户主",
            "滨江派出所",
        ),
        (
            "19921111",
            "066",
            "陈静怡",
            "女",
            "1992-11-11",
            "澜江市新城区高铁南路9号1栋1502",
            "H369900030102",
            "户主",
            "新城派出所",
        ),
    ];
    let rows = people
        .iter()
        .map(
            |(birth, seq, name, gender, born, address, household, relation, station)| {
                json!({
                    "citizen_id": citizen_id(birth, seq), "name": name, "gender": gender,
                    "ethnicity": "汉族", "birth_date": born, "birthplace": "江西省澜江市",
                    "domicile_address": address, "household_no": household,
                    "relation_to_head": relation, "police_station": station,
                    "settled_on": born,
                })
                .as_object()
                .expect("an object")
                .clone()
            },
        )
        .collect();
    batches::push_batch(app, actor, &resource.id, rows).await?;
    Ok(())
}
