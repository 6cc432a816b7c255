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
    load_household(app, actor).await
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
