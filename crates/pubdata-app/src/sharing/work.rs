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
    /// The name of the unit the step waits on; None: the authority.
    pub actor_org_name: Option<String>,
    pub requester_org_name: String,
    pub due_date: String,
    pub overdue: bool,
}

/// One open objection as a home page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct WaitingObjection {
    pub id: String,
    pub resource_id: String,
    pub resource_name: String,
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

/// Names of units and resources, each looked up once per page.
#[derive(Default)]
struct Names(std::collections::HashMap<String, String>);

impl Names {
    async fn org(&mut self, tx: &mut Tx, id: &str) -> Result<String, ActionError> {
        if let Some(n) = self.0.get(id) {
            return Ok(n.clone());
        }
        let n = pubdata_store::orgs::get(tx, id)
            .await?
            .map_or_else(|| id.to_owned(), |o| o.name);
        self.0.insert(id.to_owned(), n.clone());
        Ok(n)
    }

    async fn resource(&mut self, tx: &mut Tx, id: &str) -> Result<String, ActionError> {
        if let Some(n) = self.0.get(id) {
            return Ok(n.clone());
        }
        let n = pubdata_store::catalog::resources::get(tx, id)
            .await?
            .map(|x| x.name)
            .unwrap_or_default();
        self.0.insert(id.to_owned(), n.clone());
        Ok(n)
    }
}

async fn waiting_steps(
    tx: &mut Tx,
    names: &mut Names,
    rows: Vec<StepRow>,
    today: &str,
) -> Result<Vec<WaitingStep>, ActionError> {
    let mut out = Vec::with_capacity(rows.len());
    for s in rows {
        let Some(r) = requests::get(tx, &s.request_id).await? else {
            continue;
        };
        let name = names.resource(tx, &r.resource_id).await?;
        let actor_org_name = match &s.actor_org_id {
            Some(o) => Some(names.org(tx, o).await?),
            None => None,
        };
        let requester_org_name = names.org(tx, &r.requester_org_id).await?;
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
            actor_org_name,
            requester_org_name,
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
    let mut names = Names::default();
    if authority {
        let rows = requests::waiting_steps(tx, WaitingOn::Authority, None, SHOWN).await?;
        work.waiting = waiting_steps(tx, &mut names, rows, &today).await?;
        let rows = requests::waiting_steps(tx, WaitingOn::Anyone, Some(&today), SHOWN).await?;
        work.escalated = waiting_steps(tx, &mut names, rows, &today).await?;
    } else if let Some(org) = org {
        let rows = requests::waiting_steps(tx, WaitingOn::Org(org), None, SHOWN).await?;
        work.waiting = waiting_steps(tx, &mut names, rows, &today).await?;
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
        work.my_requests = waiting_steps(tx, &mut names, open, &today).await?;
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
    let mut objs = Vec::new();
    for o in rows {
        let overdue = o.due_date.as_str() < today.as_str();
        if authority && !overdue && org.is_some() {
            continue;
        }
        objs.push(WaitingObjection {
            overdue,
            resource_name: names.resource(tx, &o.resource_id).await?,
            id: o.id,
            resource_id: o.resource_id,
            key: o.record_key,
            due_date: o.due_date,
        });
    }
    objs.sort_by(|a, b| (!a.overdue, &a.due_date).cmp(&(!b.overdue, &b.due_date)));
    objs.truncate(SHOWN as usize);
    work.objections = objs;
    Ok(work)
}
