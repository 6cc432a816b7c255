//! Web sign-in with lockout, sessions with an idle timeout, sign-out.

use crate::action::Audited;
use crate::platform::users::User;
use crate::secrets::{random_token, token_hash, verify_password};
use crate::{ActionError, App, now_ms};
use pubdata_core::Actor;
use pubdata_core::actor::{Channel, UserRef};
use pubdata_core::audit::{Action, Target};
use pubdata_core::policy;
use pubdata_core::role::roles_from_text;
use pubdata_store::users::UserRow;
use pubdata_store::{sessions, users};

/// A session just started: the raw cookie value is only ever here.
pub struct SessionStart {
    pub cookie_token: String,
    pub csrf_token: String,
    pub user: User,
}

/// A hash to verify against when the username is unknown, so that the answer takes as long
/// as for a known user and does not reveal which usernames exist.
fn dummy_hash() -> &'static str {
    static H: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    H.get_or_init(|| crate::secrets::hash_password("not-a-password-Xy1"))
}

pub async fn sign_in(
    app: &App,
    actor: &Actor,
    username: &str,
    password: &str,
) -> Result<SessionStart, ActionError> {
    // What was typed is kept only if it could be a user name: the log keeps everything for
    // good, and a password typed into the wrong box (or a megabyte of junk) must not be kept.
    let typed = username.trim();
    let shown = if crate::platform::users::is_username(typed) {
        typed
    } else {
        "?"
    };
    let a = Audited::new(app, actor, Action::SignIn).with_target(Target::new("user", shown));
    a.finish(
        async {
            let permit = policy::anyone(a.action)?;
            let sec = &app.config().security;
            let now = now_ms();
            let mut tx = a.begin().await?;
            let Some(user) = users::get_by_username(&mut tx, username.trim()).await? else {
                verify_password(password, dummy_hash());
                return Err(ActionError::Unauthenticated("bad_credentials"));
            };
            a.set_target(Target::new("user", &user.id));
            if user.locked_until.is_some_and(|t| t > now) {
                return Err(ActionError::Unauthenticated("account_locked"));
            }
            if user.locked_until.is_some() {
                // A served lockout starts the count of failures in a row afresh.
                users::clear_failed_sign_ins(&mut tx, &permit, &user.id).await?;
            }
            if !verify_password(password, &user.password_hash) {
                let lock_until = now + sec.lockout_minutes * 60_000;
                let n = users::record_failed_sign_in(
                    &mut tx,
                    &permit,
                    &user.id,
                    sec.max_failed_sign_ins,
                    lock_until,
                )
                .await?;
                tx.commit().await?;
                return Err(ActionError::Unauthenticated(
                    if n >= sec.max_failed_sign_ins {
                        "account_locked"
                    } else {
                        "bad_credentials"
                    },
                ));
            }
            check_enabled(&mut tx, &user).await?;
            users::clear_failed_sign_ins(&mut tx, &permit, &user.id).await?;
            let cookie_token = random_token("ps_");
            let csrf_token = random_token("");
            sessions::insert(
                &mut tx,
                &permit,
                &sessions::SessionRow {
                    token_hash: token_hash(&cookie_token),
                    user_id: user.id.clone(),
                    csrf_token: csrf_token.clone(),
                    created_at: now,
                    last_seen_at: now,
                },
            )
            .await?;
            a.commit(tx).await?;
            Ok(SessionStart {
                cookie_token,
                csrf_token,
                user: User::from_row(&user, now),
            })
        }
        .await,
    )
    .await
}

/// A disabled user, or a user of a disabled unit, cannot act.
pub(crate) async fn check_enabled(
    tx: &mut pubdata_store::Tx,
    user: &UserRow,
) -> Result<(), ActionError> {
    if user.disabled {
        return Err(ActionError::Unauthenticated("account_disabled"));
    }
    if let Some(org) = &user.org_id
        && pubdata_store::orgs::get(tx, org)
            .await?
            .is_some_and(|o| o.disabled)
    {
        return Err(ActionError::Unauthenticated("account_disabled"));
    }
    Ok(())
}

pub(crate) fn user_ref(user: &UserRow) -> UserRef {
    UserRef {
        user_id: user.id.clone(),
        username: user.username.clone(),
        org_id: user.org_id.clone(),
        roles: roles_from_text(&user.roles),
    }
}

/// The actor of a web request carrying `cookie_token`, and the session's CSRF token.
/// Only failures are audited: a success is the start of some other action, which is.
pub async fn authenticate_session(
    app: &App,
    cookie_token: &str,
    request_id: &str,
) -> Result<(Actor, String), ActionError> {
    let anon = Actor::anonymous(Channel::Web, request_id);
    let a = Audited::new(app, &anon, Action::Authenticate);
    a.finish(
        async {
            let now = now_ms();
            let hash = token_hash(cookie_token);
            let mut tx = a.begin().await?;
            let session = sessions::get(&mut tx, &hash)
                .await?
                .ok_or(ActionError::Unauthenticated("session_invalid"))?;
            let idle_ms = app.config().security.idle_timeout_minutes * 60_000;
            if session.last_seen_at + idle_ms < now {
                sessions::delete(&mut tx, &hash).await?;
                tx.commit().await?;
                return Err(ActionError::Unauthenticated("session_expired"));
            }
            let user = users::get(&mut tx, &session.user_id)
                .await?
                .ok_or(ActionError::Unauthenticated("session_invalid"))?;
            a.set_target(Target::new("user", &user.id));
            check_enabled(&mut tx, &user).await?;
            sessions::touch(&mut tx, &hash, now).await?;
            tx.commit().await?;
            Ok((
                Actor::user(user_ref(&user), Channel::Web, None, request_id),
                session.csrf_token,
            ))
        }
        .await,
    )
    .await
}

pub async fn sign_out(app: &App, actor: &Actor, cookie_token: &str) -> Result<(), ActionError> {
    let a = Audited::new(app, actor, Action::SignOut);
    a.finish(
        async {
            policy::own_account(actor, a.action, false)?;
            if let Some(id) = actor.user_id() {
                a.set_target(Target::new("user", id));
            }
            let mut tx = a.begin().await?;
            sessions::delete(&mut tx, &token_hash(cookie_token)).await?;
            a.commit(tx).await
        }
        .await,
    )
    .await
}

/// Changing one's own password: needs the current one; ends every session of the user,
/// this one included, so that whoever else held one is out.
pub async fn change_password(
    app: &App,
    actor: &Actor,
    current: &str,
    new: &str,
) -> Result<(), ActionError> {
    let a = Audited::new(app, actor, Action::ChangePassword);
    a.finish(
        async {
            let permit = policy::own_account(actor, a.action, true)?;
            let id = actor
                .user_id()
                .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
            a.set_target(Target::new("user", id));
            let mut tx = a.begin().await?;
            let mut row = users::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("user_not_found"))?;
            if !verify_password(current, &row.password_hash) {
                return Err(ActionError::invalid(
                    "invalid_input",
                    crate::FieldError::new(
                        "current_password",
                        "wrong_password",
                        "当前密码不正确",
                        "the current password is wrong",
                    ),
                ));
            }
            if let Err(e) = app.config().security.password.check(new, &row.username) {
                return Err(ActionError::invalid(
                    "weak_password",
                    crate::FieldError::new("password", e.code(), e.message_zh(), e.to_string()),
                ));
            }
            let now = now_ms();
            row.password_hash = crate::secrets::hash_password(new);
            row.password_changed_at = now;
            row.updated_at = now;
            users::update(&mut tx, &permit, &row).await?;
            sessions::delete_for_user(&mut tx, id).await?;
            a.commit(tx).await
        }
        .await,
    )
    .await
}
