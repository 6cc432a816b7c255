//! The home page's content (工作台): who I am, my unit, for the authority an overview, and
//! the catalog work waiting (overdue review tasks and entries awaiting review for the
//! authority; a steward's open review tasks and returned entries). One action, so that a page
//! view is one audit entry: the store is read directly, in its transaction.

use super::users::User;
use crate::action::Audited;
use crate::{ActionError, App, now_ms};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::policy;
use pubdata_core::role::Role;

/// What waits in the opening chapter: proposals, applications, public feedback.
pub use pubdata_store::opening::datasets::WorkCounts as OpeningWork;

#[derive(Debug, Clone)]
pub struct Home {
    pub user: User,
    pub unit_name: Option<String>,
    /// For the platform administrator only.
    pub overview: Option<Overview>,
    /// For the platform administrator: every unit's overdue review tasks, every unit's
    /// entries by status.
    pub catalog_authority: Option<CatalogWork>,
    /// For a steward: the unit's open review tasks (soonest due, so overdue, first) and the
    /// unit's entries by status.
    pub catalog_unit: Option<CatalogWork>,
    /// Share requests, escalations and objections waiting (authority, stewards, members).
    pub sharing: Option<crate::sharing::work::SharingWork>,
    /// Opening: proposals, applications and public feedback waiting (authority, stewards).
    pub opening: Option<OpeningWork>,
}

/// Catalog work waiting on the home page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct CatalogWork {
    pub tasks: Vec<HomeTask>,
    /// Catalog entries by status (stored name → count).
    pub counts: Vec<(String, i64)>,
}

impl CatalogWork {
    /// The number of entries in one status.
    pub fn count(&self, status: &str) -> i64 {
        self.counts
            .iter()
            .find(|(s, _)| s == status)
            .map_or(0, |(_, n)| *n)
    }
}

/// An open review task as the home page lists it.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct HomeTask {
    pub id: String,
    pub org_id: String,
    pub org_name: String,
    /// The day of the duty change and what changed.
    pub changed_on: String,
    pub description: String,
    pub due_date: String,
    /// Past its due date (Beijing time).
    pub overdue: bool,
}

async fn home_tasks(
    tx: &mut pubdata_store::Tx,
    rows: Vec<pubdata_store::catalog::duty::TaskRow>,
    today: &str,
) -> Result<Vec<HomeTask>, ActionError> {
    let mut names: Vec<(String, String)> = Vec::new();
    let mut out = Vec::with_capacity(rows.len());
    for t in rows {
        let org_name = match names.iter().find(|(id, _)| *id == t.org_id) {
            Some((_, n)) => n.clone(),
            None => {
                let n = pubdata_store::orgs::get(tx, &t.org_id)
                    .await?
                    .map_or_else(|| t.org_id.clone(), |o| o.name);
                names.push((t.org_id.clone(), n.clone()));
                n
            }
        };
        out.push(HomeTask {
            overdue: t.status == "open" && t.due_date.as_str() < today,
            id: t.id,
            org_id: t.org_id,
            org_name,
            changed_on: t.changed_on,
            description: t.description,
            due_date: t.due_date,
        });
    }
    Ok(out)
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Overview {
    pub orgs_total: i64,
    pub orgs_disabled: i64,
    pub users_total: i64,
    pub users_disabled: i64,
}

pub async fn view_home(app: &App, actor: &Actor) -> Result<Home, ActionError> {
    let a = Audited::new(app, actor, Action::ViewHome);
    a.finish(
        async {
            policy::own_account(actor, a.action, false)?;
            let user_id = actor
                .user_id()
                .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
            a.set_target(Target::new("user", user_id));
            let mut tx = a.begin().await?;
            let row = pubdata_store::users::get(&mut tx, user_id)
                .await?
                .ok_or(ActionError::NotFound("user_not_found"))?;
            let unit_name = match &row.org_id {
                Some(id) => pubdata_store::orgs::get(&mut tx, id).await?.map(|o| o.name),
                None => None,
            };
            let overview = if actor.has_role(Role::PlatformAdmin) {
                let (orgs_total, orgs_disabled) =
                    pubdata_store::orgs::count_with_disabled(&mut tx).await?;
                let (users_total, users_disabled) =
                    pubdata_store::users::count_with_disabled(&mut tx).await?;
                Some(Overview {
                    orgs_total,
                    orgs_disabled,
                    users_total,
                    users_disabled,
                })
            } else {
                None
            };
            let today = crate::today().to_string();
            let catalog_authority = if actor.has_role(Role::PlatformAdmin) {
                let rows = pubdata_store::catalog::duty::list_tasks(
                    &mut tx,
                    None,
                    Some("open"),
                    Some(&today),
                )
                .await?;
                Some(CatalogWork {
                    tasks: home_tasks(&mut tx, rows, &today).await?,
                    counts: pubdata_store::catalog::resources::count_by_status(&mut tx, None)
                        .await?,
                })
            } else {
                None
            };
            let catalog_unit = match (&row.org_id, actor.has_role(Role::Steward)) {
                (Some(org), true) => {
                    let rows = pubdata_store::catalog::duty::list_tasks(
                        &mut tx,
                        Some(org),
                        Some("open"),
                        None,
                    )
                    .await?;
                    let mut tasks = home_tasks(&mut tx, rows, &today).await?;
                    // Overdue first (they are already soonest due first; kept as a rule here).
                    tasks.sort_by_key(|t| !t.overdue);
                    Some(CatalogWork {
                        tasks,
                        counts: pubdata_store::catalog::resources::count_by_status(
                            &mut tx,
                            Some(org),
                        )
                        .await?,
                    })
                }
                _ => None,
            };
            let authority = actor.has_role(Role::PlatformAdmin);
            let sharing = if authority
                || actor.has_role(Role::Steward)
                || actor.has_role(Role::Member)
            {
                Some(
                    crate::sharing::work::sharing_work(&mut tx, authority, row.org_id.as_deref())
                        .await?,
                )
            } else {
                None
            };
            let opening = if authority {
                Some(
                    pubdata_store::opening::datasets::work_counts(
                        &mut tx,
                        None,
                        &crate::today().to_string(),
                    )
                    .await?,
                )
            } else if actor.has_role(Role::Steward) {
                match row.org_id.as_deref() {
                    Some(org) => Some(
                        pubdata_store::opening::datasets::work_counts(
                            &mut tx,
                            Some(org),
                            &crate::today().to_string(),
                        )
                        .await?,
                    ),
                    None => None,
                }
            } else {
                None
            };
            a.commit(tx).await?;
            Ok(Home {
                sharing,
                opening,
                user: User::from_row(&row, now_ms()),
                unit_name,
                overview,
                catalog_authority,
                catalog_unit,
            })
        }
        .await,
    )
    .await
}
