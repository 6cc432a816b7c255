//! The portal's figures: datasets, units, themes, rows, and views, downloads and API calls
//! per month (开放数林 counts what is used, not only what is listed).

use super::datasets::{UseCounts, catalog};
use crate::action::Audited;
use crate::{ActionError, App};
use pubdata_core::Actor;
use pubdata_core::audit::Action;
use pubdata_core::catalog::OpenAttr;
use pubdata_core::policy;
use serde::Serialize;
use std::collections::BTreeMap;

#[derive(Debug, Clone, Serialize)]
pub struct UnitCount {
    pub org_id: String,
    pub name: String,
    pub datasets: usize,
}

#[derive(Debug, Clone, Serialize)]
pub struct MonthUse {
    /// `YYYY-MM`.
    pub month: String,
    pub views: i64,
    pub downloads: i64,
    pub api_calls: i64,
}

#[derive(Debug, Clone, Serialize)]
pub struct OpenStats {
    pub datasets: usize,
    pub unconditional: usize,
    pub conditional: usize,
    pub units: Vec<UnitCount>,
    /// Theme → datasets.
    pub themes: BTreeMap<String, usize>,
    /// Records in the latest opened version of every dataset.
    pub rows: i64,
    pub totals: UseCounts,
    pub months: Vec<MonthUse>,
}

/// The open portal's statistics. Public.
pub async fn open_stats(app: &App, actor: &Actor) -> Result<OpenStats, ActionError> {
    let a = Audited::new(app, actor, Action::ViewOpenStats);
    a.finish(
        async {
            policy::anyone(a.action)?;
            super::records::flush_uses(app).await;
            let cat = catalog(app).await?;
            let open: Vec<_> = cat
                .entries
                .iter()
                .filter(|e| e.row.status == "open")
                .collect();
            let mut units: BTreeMap<&str, usize> = BTreeMap::new();
            let mut themes = BTreeMap::new();
            let mut rows = 0;
            for e in &open {
                *units.entry(e.dataset.provider_org_id.as_str()).or_default() += 1;
                *themes.entry(e.dataset.theme.clone()).or_default() += 1;
                rows += e.dataset.versions.iter().find_map(|v| v.rows).unwrap_or(0);
            }
            let mut units: Vec<UnitCount> = units
                .into_iter()
                .map(|(id, n)| UnitCount {
                    org_id: id.to_owned(),
                    name: cat.org_names.get(id).cloned().unwrap_or_default(),
                    datasets: n,
                })
                .collect();
            units.sort_by(|a, b| b.datasets.cmp(&a.datasets).then(a.name.cmp(&b.name)));
            let mut tx = app.db().begin_read().await?;
            let stat_rows = pubdata_store::opening::datasets::stats(&mut tx).await;
            tx.rollback().await?;
            let mut months: BTreeMap<String, MonthUse> = BTreeMap::new();
            let mut totals = UseCounts::default();
            for s in stat_rows? {
                let m = months.entry(s.month.clone()).or_insert_with(|| MonthUse {
                    month: s.month.clone(),
                    views: 0,
                    downloads: 0,
                    api_calls: 0,
                });
                m.views += s.views;
                m.downloads += s.downloads;
                m.api_calls += s.api_calls;
                totals.views += s.views;
                totals.downloads += s.downloads;
                totals.api_calls += s.api_calls;
            }
            a.record_batched(None).await?;
            Ok(OpenStats {
                datasets: open.len(),
                unconditional: open
                    .iter()
                    .filter(|e| e.dataset.open_attr == OpenAttr::Unconditional)
                    .count(),
                conditional: open
                    .iter()
                    .filter(|e| e.dataset.open_attr == OpenAttr::Conditional)
                    .count(),
                units,
                themes,
                rows,
                totals,
                months: months.into_values().collect(),
            })
        }
        .await,
    )
    .await
}
