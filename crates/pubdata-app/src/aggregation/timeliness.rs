//! Timeliness (及时性): from each published resource's update cycle and its last accepted
//! batch (or its publication, before the first), when the next update is due; the resources
//! past due, per unit and city-wide. The evaluation chapter scores units on the same figures.

use std::collections::HashMap;

use pubdata_core::Actor;
use pubdata_core::aggregation::due::next_due;
use pubdata_core::audit::{Action, Target};
use pubdata_core::catalog::UpdateCycle;
use pubdata_core::policy;
use pubdata_store::aggregation::batches;
use pubdata_store::catalog::resources;
use serde::Serialize;

use crate::action::Audited;
use crate::{ActionError, App, local_date, today};

/// One published resource's update duty.
#[derive(Debug, Clone, Serialize)]
pub struct Due {
    pub resource_id: String,
    pub code: String,
    pub name: String,
    pub provider_org_id: String,
    pub update_cycle: UpdateCycle,
    /// The day of the last accepted batch, none before the first.
    pub last_update: Option<String>,
    /// None for an irregular cycle.
    pub due_date: Option<String>,
    /// Days past the due date (0 when not overdue).
    pub days_overdue: i64,
}

impl Due {
    pub fn overdue(&self) -> bool {
        self.days_overdue > 0
    }
}

/// The update duties of the published resources of one unit (`Some`) or of all, most
/// overdue first.
pub async fn update_duties(
    app: &App,
    actor: &Actor,
    org: Option<&str>,
) -> Result<Vec<Due>, ActionError> {
    let a = Audited::new(app, actor, Action::ViewTimeliness)
        .with_target(Target::new("org", org.unwrap_or("*")));
    a.finish(
        async {
            policy::view_unit_catalog(a.actor, a.action, org)?;
            let mut tx = a.app.db().begin_read().await?;
            let published = resources::published(&mut tx, org).await?;
            let last: HashMap<String, i64> =
                batches::last_accepted(&mut tx).await?.into_iter().collect();
            a.record_read(tx).await?;
            let today = today();
            let mut out: Vec<Due> = published
                .into_iter()
                .filter_map(|r| {
                    let cycle = UpdateCycle::parse(&r.update_cycle)?;
                    let last_update = last.get(&r.id).copied().map(local_date);
                    let since = last_update.or(r.published_at.map(local_date));
                    let due = since.and_then(|d| next_due(cycle, d));
                    let days_overdue = due.map_or(0, |d| (today - d).num_days().max(0));
                    Some(Due {
                        resource_id: r.id,
                        code: r.code,
                        name: r.name,
                        provider_org_id: r.provider_org_id,
                        update_cycle: cycle,
                        last_update: last_update.map(|d| d.to_string()),
                        due_date: due.map(|d| d.to_string()),
                        days_overdue,
                    })
                })
                .collect();
            out.sort_by(|a, b| {
                b.days_overdue
                    .cmp(&a.days_overdue)
                    .then(a.code.cmp(&b.code))
            });
            Ok(out)
        }
        .await,
    )
    .await
}

/// Per unit: how many published resources it must keep updated and how many are overdue.
#[derive(Debug, Clone, Default, Serialize)]
pub struct UnitTimeliness {
    pub org_id: String,
    pub resources: u64,
    pub overdue: u64,
}

pub fn by_unit(duties: &[Due]) -> Vec<UnitTimeliness> {
    let mut m: HashMap<&str, UnitTimeliness> = HashMap::new();
    for d in duties.iter().filter(|d| d.due_date.is_some()) {
        let u = m
            .entry(&d.provider_org_id)
            .or_insert_with(|| UnitTimeliness {
                org_id: d.provider_org_id.clone(),
                ..Default::default()
            });
        u.resources += 1;
        u.overdue += u64::from(d.overdue());
    }
    let mut v: Vec<_> = m.into_values().collect();
    v.sort_by(|a, b| b.overdue.cmp(&a.overdue).then(a.org_id.cmp(&b.org_id)));
    v
}
