//! The sharing work waiting on a role, for its home page: the authority sees the conformity
//! checks and disputes it must decide and every step overdue anywhere (overdue steps are
//! escalated to it); a unit sees the replies it owes and the objections to its data, overdue
//! first, and its own requests still in progress.

use crate::ActionError;
use pubdata_store::Tx;
use pubdata_store::sharing::objections::{self, ObjectionFilter};
use pubdata_store::sharing::requests::{self, RequestFilter, StepRow, WaitingOn};

/// One open step as a home page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingStep {
    pub request_id: String,
    pub resource_name: String,
    pub requester_org_id: String,
    pub provider_org_id: String,
    /// The step's stored name and label.
    pub step: String,
    pub step_label: &'static str,
    /// None: the authority.
    pub actor_org_id: Option<String>,
    pub due_date: String,
    pub overdue: bool,
}

/// One open objection as a home page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingObjection {
    pub id: String,
    pub resource_id: String,
    pub key: String,
    pub due_date: String,
    pub overdue: bool,
}

#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct SharingWork {
    /// Steps waiting on this role (the authority's own, or the unit's replies).
    pub waiting: Vec<WaitingStep>,
    /// For the authority: every overdue step of any unit (escalated to it).
    pub escalated: Vec<WaitingStep>,
    /// Objections waiting on the unit (or, for the authority, overdue anywhere).
    pub objections: Vec<WaitingObjection>,
    /// The unit's own requests still in progress.
    pub my_requests: Vec<WaitingStep>,
}

const SHOWN: u32 = 50;

async fn waiting_steps(
    tx: &mut Tx,
    rows: Vec<StepRow>,
    today: &str,
) -> Result<Vec<WaitingStep>, ActionError> {
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let Some(r) = requests::get(tx, &s.request_id).await? else {
            continue;
        };
        let name = pubdata_store::catalog::resources::get(tx, &r.resource_id)
            .await?
            .map(|x| x.name)
            .unwrap_or_default();
        let kind = pubdata_core::sharing::StepKind::parse(&s.step);
        out.push(WaitingStep {
            overdue: s.due_date.as_str() < today,
            request_id: s.request_id,
            resource_name: name,
            requester_org_id: r.requester_org_id,
            provider_org_id: r.provider_org_id,
            step: s.step,
            step_label: kind.map_or("", |k| k.label_zh()),
            actor_org_id: s.actor_org_id,
            due_date: s.due_date,
        });
    }
    out.sort_by_key(|w| !w.overdue);
    Ok(out)
}

/// What waits on the authority (`authority`) and on the unit `org` (if any), in `tx`.
pub(crate) async fn sharing_work(
    tx: &mut Tx,
    authority: bool,
    org: Option<&str>,
) -> Result<SharingWork, ActionError> {
    let today = crate::today().to_string();
    let mut work = SharingWork::default();
    if authority {
        let rows = requests::waiting_steps(tx, WaitingOn::Authority, None, SHOWN).await?;
        work.waiting = waiting_steps(tx, rows, &today).await?;
        let rows = requests::waiting_steps(tx, WaitingOn::Anyone, Some(&today), SHOWN).await?;
        work.escalated = waiting_steps(tx, rows, &today).await?;
    } else if let Some(org) = org {
        let rows = requests::waiting_steps(tx, WaitingOn::Org(org), None, SHOWN).await?;
        work.waiting = waiting_steps(tx, rows, &today).await?;
    }
    if let Some(org) = org {
        let mine = requests::list(
            tx,
            &RequestFilter {
                org_id: Some(org),
                ..Default::default()
            },
            SHOWN,
        )
        .await?;
        let ids: Vec<String> = mine
            .iter()
            .filter(|r| r.requester_org_id == org)
            .filter(|r| {
                pubdata_core::sharing::RequestStatus::parse(&r.status).is_some_and(|s| s.is_open())
            })
            .map(|r| r.id.clone())
            .collect();
        let open: Vec<StepRow> = requests::steps_of(tx, &ids)
            .await?
            .into_iter()
            .filter(|s| s.done_at.is_none())
            .collect();
        work.my_requests = waiting_steps(tx, open, &today).await?;
    }
    let rows = objections::list(
        tx,
        &ObjectionFilter {
            provider_org_id: if authority { None } else { org },
            status: Some("open"),
            ..Default::default()
        },
        if authority || org.is_some() { 500 } else { 0 },
    )
    .await?;
    let mut objs: Vec<WaitingObjection> = rows
        .into_iter()
        .map(|o| WaitingObjection {
            overdue: o.due_date.as_str() < today.as_str(),
            id: o.id,
            resource_id: o.resource_id,
            key: o.record_key,
            due_date: o.due_date,
        })
        .filter(|o| !authority || o.overdue || org.is_none())
        .collect();
    objs.sort_by(|a, b| (!a.overdue, &a.due_date).cmp(&(!b.overdue, &b.due_date)));
    objs.truncate(SHOWN as usize);
    work.objections = objs;
    Ok(work)
}
