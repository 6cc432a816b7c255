//! The home page's content (工作台): who I am, my unit, and for the authority an overview.
//! One action, so that a page view is one audit entry.

use super::users::User;
use crate::action::Audited;
use crate::{ActionError, App, now_ms};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::policy;
use pubdata_core::role::Role;

#[derive(Debug, Clone)]
pub struct Home {
    pub user: User,
    pub unit_name: Option<String>,
    /// For the platform administrator only.
    pub overview: Option<Overview>,
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
            a.commit(tx).await?;
            Ok(Home {
                user: User::from_row(&row, now_ms()),
                unit_name,
                overview,
            })
        }
        .await,
    )
    .await
}
