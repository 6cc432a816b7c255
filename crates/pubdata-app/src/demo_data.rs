//! The demo city's first data: water-outage notices (停水计划公告) pushed by the water
//! company and published as version 1, so that a new visitor finds records, a batch with its
//! quality report and a downloadable Parquet file.

use pubdata_core::Actor;
use serde_json::json;

use crate::aggregation::{batches, versions};
use crate::{ActionError, App};

const NOTICES: &str = "2/03/002/0001";

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
    Ok(())
}
