//! Users of units, and public users who register themselves.

use super::{Page, page_limit};
use crate::action::Audited;
use crate::error::{FieldError, Problems};
use crate::secrets::hash_password;
use crate::{ActionError, App, new_id, now_ms};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::policy;
use pubdata_core::role::{Role, roles_from_text, roles_to_text};
use pubdata_store::users::{self as store, UserRow};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct User {
    pub id: String,
    pub username: String,
    pub display_name: String,
    pub org_id: Option<String>,
    pub roles: Vec<Role>,
    pub disabled: bool,
    pub locked: bool,
}

impl User {
    pub fn from_row(r: &UserRow, now: i64) -> User {
        User {
            id: r.id.clone(),
            username: r.username.clone(),
            display_name: r.display_name.clone(),
            org_id: r.org_id.clone(),
            roles: roles_from_text(&r.roles),
            disabled: r.disabled,
            locked: r.locked_until.is_some_and(|t| t > now),
        }
    }
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewUser {
    pub username: String,
    pub display_name: String,
    pub org_id: Option<String>,
    pub roles: Vec<String>,
    pub password: String,
}

/// A change to a user; absent fields stay as they are.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct UserChanges {
    pub display_name: Option<String>,
    pub org_id: Option<String>,
    pub roles: Option<Vec<String>>,
    pub password: Option<String>,
}

/// 3 to 32 letters, digits or `_ - .`, starting with a letter or digit.
pub(crate) fn is_username(username: &str) -> bool {
    (3..=32).contains(&username.len())
        && username
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.'))
        && username
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphanumeric())
}

fn check_username(p: &mut Problems, username: &str) {
    if !is_username(username) {
        p.add("invalid_input", FieldError::new("username", "invalid_username", "用户名为3至32位字母、数字或 _ - .，以字母或数字开头", "username must be 3 to 32 letters, digits or _ - ., starting with a letter or digit"));
    }
}

fn check_display_name(p: &mut Problems, name: &str) {
    p.text(
        "display_name",
        "invalid_display_name",
        name,
        50,
        ("姓名", "display name"),
    );
}

fn check_password(app: &App, p: &mut Problems, password: &str, username: &str) {
    if let Err(e) = app.config().security.password.check(password, username) {
        p.add(
            "weak_password",
            FieldError::new("password", e.code(), e.message_zh(), e.to_string()),
        );
    }
}

fn parse_roles(p: &mut Problems, roles: &[String]) -> Vec<Role> {
    let mut out = Vec::new();
    for r in roles {
        match Role::parse(r.trim()) {
            Some(role) => out.push(role),
            None => p.add(
                "invalid_input",
                FieldError::new(
                    "roles",
                    "invalid_role",
                    format!("未知角色：{r}"),
                    format!("unknown role: {r}"),
                ),
            ),
        }
    }
    if out.is_empty() && roles.is_empty() {
        p.add(
            "invalid_input",
            FieldError::new(
                "roles",
                "roles_required",
                "至少需要一个角色",
                "at least one role is required",
            ),
        );
    }
    if out.contains(&Role::Public) && out.len() > 1 {
        p.add(
            "invalid_input",
            FieldError::new(
                "roles",
                "public_role_alone",
                "公众用户角色不能与单位角色同时持有",
                "the public role cannot be combined with staff roles",
            ),
        );
    }
    out
}

fn new_row(
    username: &str,
    display_name: &str,
    org_id: Option<String>,
    roles: &[Role],
    contact: Option<String>,
    password: &str,
    now: i64,
) -> UserRow {
    UserRow {
        id: new_id(),
        username: username.to_owned(),
        display_name: display_name.trim().to_owned(),
        org_id,
        roles: roles_to_text(roles),
        contact,
        password_hash: hash_password(password),
        disabled: false,
        failed_attempts: 0,
        locked_until: None,
        password_changed_at: now,
        created_at: now,
        updated_at: now,
    }
}

/// A concurrent registration of the same username reached the unique index first.
fn clash(e: pubdata_store::StoreError) -> ActionError {
    if e.is_unique_violation_on("users", "username") {
        ActionError::Conflict("username_taken")
    } else {
        e.into()
    }
}

/// Staff belong to one enabled unit; public users to none.
async fn check_org(
    tx: &mut pubdata_store::Tx,
    org_id: Option<&str>,
    roles: &[Role],
) -> Result<(), ActionError> {
    let is_public = roles.contains(&Role::Public);
    match (org_id, is_public) {
        (None, true) => Ok(()),
        (Some(_), true) => Err(ActionError::invalid(
            "invalid_input",
            FieldError::new(
                "org_id",
                "public_user_has_no_org",
                "公众用户不属于任何单位",
                "public users belong to no unit",
            ),
        )),
        (None, false) => Err(ActionError::invalid(
            "invalid_input",
            FieldError::new(
                "org_id",
                "org_required",
                "单位用户必须属于一个单位",
                "staff users must belong to a unit",
            ),
        )),
        (Some(id), false) => match pubdata_store::orgs::get(tx, id).await? {
            None => Err(ActionError::invalid(
                "invalid_input",
                FieldError::new("org_id", "unknown_org", "单位不存在", "unknown org"),
            )),
            Some(o) if o.disabled => Err(ActionError::invalid(
                "invalid_input",
                FieldError::new(
                    "org_id",
                    "org_disabled",
                    "单位已停用",
                    "the unit is disabled",
                ),
            )),
            Some(_) => Ok(()),
        },
    }
}

pub async fn create_user(app: &App, actor: &Actor, input: NewUser) -> Result<User, ActionError> {
    let a = Audited::new(app, actor, Action::CreateUser)
        .with_target(Target::new("user", input.username.trim()));
    a.finish(
        async {
            let username = input.username.trim();
            let org_id = input
                .org_id
                .as_deref()
                .map(str::trim)
                .filter(|s| !s.is_empty());
            let mut p = Problems::default();
            check_username(&mut p, username);
            check_display_name(&mut p, &input.display_name);
            let roles = parse_roles(&mut p, &input.roles);
            check_password(app, &mut p, &input.password, username);
            p.finish()?;
            let permit = policy::manage_user(actor, a.action, org_id, &roles)?;
            let mut tx = a.begin().await?;
            check_org(&mut tx, org_id, &roles).await?;
            if store::get_by_username(&mut tx, username).await?.is_some() {
                return Err(ActionError::Conflict("username_taken"));
            }
            let now = now_ms();
            let row = new_row(
                username,
                &input.display_name,
                org_id.map(str::to_owned),
                &roles,
                None,
                &input.password,
                now,
            );
            a.set_target(Target::new("user", &row.id));
            store::insert(&mut tx, &permit, &row).await.map_err(clash)?;
            a.commit(tx).await?;
            Ok(User::from_row(&row, now))
        }
        .await,
    )
    .await
}

/// Self-registration on the open portal: a `public` user, no unit.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Registration {
    pub username: String,
    pub display_name: String,
    pub password: String,
    #[serde(default)]
    pub contact: Option<String>,
}

pub async fn register_user(
    app: &App,
    actor: &Actor,
    input: Registration,
) -> Result<User, ActionError> {
    let a = Audited::new(app, actor, Action::RegisterUser)
        .with_target(Target::new("user", input.username.trim()));
    a.finish(
        async {
            let username = input.username.trim();
            let mut p = Problems::default();
            check_username(&mut p, username);
            check_display_name(&mut p, &input.display_name);
            check_password(app, &mut p, &input.password, username);
            p.finish()?;
            let permit = policy::anyone(a.action)?;
            let mut tx = a.begin().await?;
            if store::get_by_username(&mut tx, username).await?.is_some() {
                return Err(ActionError::Conflict("username_taken"));
            }
            let now = now_ms();
            let contact = input
                .contact
                .map(|c| c.trim().to_owned())
                .filter(|c| !c.is_empty());
            let row = new_row(
                username,
                &input.display_name,
                None,
                &[Role::Public],
                contact,
                &input.password,
                now,
            );
            a.set_target(Target::new("user", &row.id));
            store::insert(&mut tx, &permit, &row).await.map_err(clash)?;
            a.commit(tx).await?;
            Ok(User::from_row(&row, now))
        }
        .await,
    )
    .await
}

pub async fn update_user(
    app: &App,
    actor: &Actor,
    id: &str,
    changes: UserChanges,
) -> Result<User, ActionError> {
    let a = Audited::new(app, actor, Action::UpdateUser).with_target(Target::new("user", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let mut row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("user_not_found"))?;
            // The actor must be allowed over the user as it is and as it will be.
            policy::manage_user(
                actor,
                a.action,
                row.org_id.as_deref(),
                &roles_from_text(&row.roles),
            )?;
            let mut p = Problems::default();
            if let Some(n) = &changes.display_name {
                check_display_name(&mut p, n);
            }
            let roles = match &changes.roles {
                Some(r) => parse_roles(&mut p, r),
                None => roles_from_text(&row.roles),
            };
            if let Some(pw) = &changes.password {
                check_password(app, &mut p, pw, &row.username);
            }
            p.finish()?;
            let org_id = match &changes.org_id {
                Some(o) => Some(o.trim().to_owned()).filter(|s| !s.is_empty()),
                None => row.org_id.clone(),
            };
            let permit = policy::manage_user(actor, a.action, org_id.as_deref(), &roles)?;
            check_org(&mut tx, org_id.as_deref(), &roles).await?;
            let now = now_ms();
            if let Some(n) = changes.display_name {
                row.display_name = n.trim().to_owned();
            }
            row.org_id = org_id;
            row.roles = roles_to_text(&roles);
            if let Some(pw) = changes.password {
                row.password_hash = hash_password(&pw);
                row.password_changed_at = now;
                row.failed_attempts = 0;
                row.locked_until = None;
                pubdata_store::sessions::delete_for_user(&mut tx, id).await?;
            }
            row.updated_at = now;
            store::update(&mut tx, &permit, &row).await?;
            a.commit(tx).await?;
            Ok(User::from_row(&row, now))
        }
        .await,
    )
    .await
}

/// Disables (ending its sessions) or re-enables a user; re-enabling also lifts a lockout.
pub async fn set_user_disabled(
    app: &App,
    actor: &Actor,
    id: &str,
    disabled: bool,
) -> Result<User, ActionError> {
    let action = if disabled {
        Action::DisableUser
    } else {
        Action::EnableUser
    };
    let a = Audited::new(app, actor, action).with_target(Target::new("user", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let mut row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("user_not_found"))?;
            let permit = policy::manage_user(
                actor,
                a.action,
                row.org_id.as_deref(),
                &roles_from_text(&row.roles),
            )?;
            if disabled && actor.user_id() == Some(id) {
                return Err(ActionError::Conflict("cannot_disable_self"));
            }
            row.disabled = disabled;
            if !disabled {
                row.failed_attempts = 0;
                row.locked_until = None;
            }
            row.updated_at = now_ms();
            store::update(&mut tx, &permit, &row).await?;
            if disabled {
                pubdata_store::sessions::delete_for_user(&mut tx, id).await?;
            }
            a.commit(tx).await?;
            Ok(User::from_row(&row, row.updated_at))
        }
        .await,
    )
    .await
}

pub async fn get_user(app: &App, actor: &Actor, id: &str) -> Result<User, ActionError> {
    let a = Audited::new(app, actor, Action::GetUser).with_target(Target::new("user", id));
    a.finish(
        async {
            let mut tx = a.begin().await?;
            let row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("user_not_found"))?;
            if actor.user_id() != Some(id) {
                policy::view_users(actor, a.action, row.org_id.as_deref())?;
            }
            a.commit(tx).await?;
            Ok(User::from_row(&row, now_ms()))
        }
        .await,
    )
    .await
}

pub async fn list_users(
    app: &App,
    actor: &Actor,
    org_id: Option<&str>,
    cursor: Option<&str>,
    limit: Option<i64>,
) -> Result<Page<User>, ActionError> {
    let a = Audited::new(app, actor, Action::ListUsers);
    a.finish(
        async {
            policy::view_users(actor, a.action, org_id)?;
            if let Some(o) = org_id {
                a.set_target(Target::new("org", o));
            }
            let limit = page_limit(limit);
            let mut tx = a.begin().await?;
            let rows = store::list(&mut tx, org_id, cursor, limit + 1).await?;
            a.commit(tx).await?;
            let now = now_ms();
            let more = rows.len() as i64 > limit;
            let items: Vec<User> = rows
                .iter()
                .take(limit as usize)
                .map(|r| User::from_row(r, now))
                .collect();
            let next_cursor = if more {
                items.last().map(|u| u.id.clone())
            } else {
                None
            };
            Ok(Page { items, next_cursor })
        }
        .await,
    )
    .await
}
