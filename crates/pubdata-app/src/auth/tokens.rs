//! API tokens for systems: made by a user for itself (or by an operator at the command
//! line), shown once, stored hashed, scoped, expiring, revocable, listed with last use.

use crate::action::Audited;
use crate::error::FieldError;
use crate::rfc3339;
use crate::secrets::{random_token, token_hash};
use crate::{ActionError, App, new_id, now_ms};
use pubdata_core::Actor;
use pubdata_core::actor::{Channel, TokenScope};
use pubdata_core::audit::{Action, Target};
use pubdata_core::policy;
use pubdata_store::tokens::{self as store, TokenRow};
use serde::{Deserialize, Serialize};

/// A token as listed: never the raw value.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct TokenInfo {
    pub id: String,
    pub name: String,
    pub prefix: String,
    pub scope: TokenScope,
    pub created_at: String,
    pub expires_at: String,
    pub revoked_at: Option<String>,
    pub last_used_at: Option<String>,
    pub status: &'static str,
}

impl TokenInfo {
    fn from_row(r: &TokenRow, now: i64) -> TokenInfo {
        TokenInfo {
            id: r.id.clone(),
            name: r.name.clone(),
            prefix: r.prefix.clone(),
            scope: TokenScope::parse(&r.scope).unwrap_or(TokenScope::Read),
            created_at: rfc3339(r.created_at),
            expires_at: rfc3339(r.expires_at),
            revoked_at: r.revoked_at.map(rfc3339),
            last_used_at: r.last_used_at.map(rfc3339),
            status: if r.revoked_at.is_some() {
                "revoked"
            } else if r.expires_at <= now {
                "expired"
            } else {
                "active"
            },
        }
    }
}

/// The token just made, with its raw value, shown this once.
#[derive(Debug, Clone, Serialize)]
pub struct CreatedToken {
    #[serde(flatten)]
    pub info: TokenInfo,
    pub token: String,
}

#[derive(Debug, Clone, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewToken {
    pub name: String,
    pub scope: String,
    /// A lifetime such as `30d`, `12h`, `90m`.
    pub expires_in: String,
}

/// Parses `90m`, `12h`, `30d`, `2w` into milliseconds.
pub fn parse_lifetime(s: &str) -> Option<i64> {
    let s = s.trim();
    let unit = s.chars().last()?;
    let num = &s[..s.len() - unit.len_utf8()];
    let n: i64 = num.parse().ok().filter(|n| *n > 0)?;
    let unit_ms = match unit {
        'm' => 60_000,
        'h' => 3_600_000,
        'd' => 86_400_000,
        'w' => 7 * 86_400_000,
        _ => return None,
    };
    n.checked_mul(unit_ms)
}

fn parse(app: &App, input: &NewToken) -> Result<(String, TokenScope, i64), ActionError> {
    let mut p = crate::error::Problems::default();
    let name = p.text(
        "name",
        "invalid_name",
        &input.name,
        100,
        ("令牌名称", "name"),
    );
    let scope = TokenScope::parse(input.scope.trim());
    if scope.is_none() {
        p.add(
            "invalid_input",
            FieldError::new(
                "scope",
                "invalid_scope",
                "权限范围应为 read 或 write",
                "scope must be read or write",
            ),
        );
    }
    let max_ms = app.config().security.max_token_days * 86_400_000;
    let life = parse_lifetime(&input.expires_in);
    match life {
        None => p.add(
            "invalid_input",
            FieldError::new(
                "expires_in",
                "invalid_lifetime",
                "有效期格式如 30d、12h、90m",
                "lifetime must look like 30d, 12h or 90m",
            ),
        ),
        Some(ms) if ms > max_ms => p.add(
            "invalid_input",
            FieldError::new(
                "expires_in",
                "lifetime_too_long",
                format!("有效期不能超过{}天", max_ms / 86_400_000),
                format!("lifetime may not exceed {} days", max_ms / 86_400_000),
            ),
        ),
        Some(_) => {}
    }
    p.finish()?;
    Ok((
        name.to_owned(),
        scope.expect("checked"),
        life.expect("checked"),
    ))
}

async fn insert_token(
    a: &Audited<'_>,
    permit: &pubdata_core::policy::Permit,
    user_id: &str,
    name: String,
    scope: TokenScope,
    life_ms: i64,
) -> Result<CreatedToken, ActionError> {
    let now = now_ms();
    let raw = random_token("pd_");
    let row = TokenRow {
        id: new_id(),
        user_id: user_id.to_owned(),
        name,
        prefix: raw.chars().take(10).collect(),
        token_hash: token_hash(&raw),
        scope: scope.as_str().to_owned(),
        created_at: now,
        expires_at: now + life_ms,
        revoked_at: None,
        last_used_at: None,
    };
    a.set_target(Target::new("token", &row.id));
    let mut tx = a.begin().await?;
    store::insert(&mut tx, permit, &row).await?;
    a.commit(tx).await?;
    Ok(CreatedToken {
        info: TokenInfo::from_row(&row, now),
        token: raw,
    })
}

/// A signed-in user makes a token for itself.
pub async fn create_token(
    app: &App,
    actor: &Actor,
    input: NewToken,
) -> Result<CreatedToken, ActionError> {
    let a = Audited::new(app, actor, Action::CreateToken);
    a.finish(
        async {
            let (name, scope, life) = parse(app, &input)?;
            let permit = policy::own_account(actor, a.action, true)?;
            if scope == TokenScope::Write && !actor.may_write() {
                return Err(ActionError::Forbidden("read_only_token"));
            }
            let user_id = actor
                .user_id()
                .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
            insert_token(&a, &permit, user_id, name, scope, life).await
        }
        .await,
    )
    .await
}

/// An operator at the command line makes a token for a named user.
pub async fn create_token_for_user(
    app: &App,
    actor: &Actor,
    username: &str,
    input: NewToken,
) -> Result<CreatedToken, ActionError> {
    let a =
        Audited::new(app, actor, Action::CreateToken).with_target(Target::new("user", username));
    a.finish(
        async {
            let (name, scope, life) = parse(app, &input)?;
            let permit = policy::issue_token_for_user(actor, a.action)?;
            let mut tx = a.begin().await?;
            let user = pubdata_store::users::get_by_username(&mut tx, username)
                .await?
                .ok_or(ActionError::NotFound("user_not_found"))?;
            crate::auth::session::check_enabled(&mut tx, &user).await?;
            tx.rollback().await?;
            insert_token(&a, &permit, &user.id, name, scope, life).await
        }
        .await,
    )
    .await
}

pub async fn list_tokens(app: &App, actor: &Actor) -> Result<Vec<TokenInfo>, ActionError> {
    let a = Audited::new(app, actor, Action::ListTokens);
    a.finish(
        async {
            policy::own_account(actor, a.action, false)?;
            let user_id = actor
                .user_id()
                .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
            let mut tx = a.begin().await?;
            let rows = store::list_for_user(&mut tx, user_id).await?;
            a.commit(tx).await?;
            let now = now_ms();
            Ok(rows.iter().map(|r| TokenInfo::from_row(r, now)).collect())
        }
        .await,
    )
    .await
}

/// Revokes one of the actor's own tokens.
pub async fn revoke_token(app: &App, actor: &Actor, id: &str) -> Result<TokenInfo, ActionError> {
    let a = Audited::new(app, actor, Action::RevokeToken).with_target(Target::new("token", id));
    a.finish(
        async {
            let permit = policy::own_account(actor, a.action, true)?;
            let mut tx = a.begin().await?;
            let mut row = store::get(&mut tx, id)
                .await?
                .filter(|t| Some(t.user_id.as_str()) == actor.user_id())
                .ok_or(ActionError::NotFound("token_not_found"))?;
            let now = now_ms();
            if !store::revoke(&mut tx, &permit, id, now).await? {
                return Err(ActionError::Conflict("token_already_revoked"));
            }
            row.revoked_at = Some(now);
            a.commit(tx).await?;
            Ok(TokenInfo::from_row(&row, now))
        }
        .await,
    )
    .await
}

/// The actor of an API request carrying `Authorization: Bearer <raw>`. Failures are audited.
pub async fn authenticate_token(
    app: &App,
    raw: &str,
    request_id: &str,
) -> Result<Actor, ActionError> {
    let hash = token_hash(raw.trim());
    let generation = app.caches().generation.current();
    if let Some(t) = app.caches().tokens.get(&hash, generation)
        && t.expires_at > now_ms()
    {
        return Ok(t.actor(request_id));
    }
    let anon = Actor::anonymous(Channel::Api, request_id);
    let a = Audited::new(app, &anon, Action::Authenticate);
    a.finish(
        async {
            let now = now_ms();
            let mut tx = a.begin().await?;
            let t = store::get_by_hash(&mut tx, &hash)
                .await?
                .ok_or(ActionError::Unauthenticated("token_invalid"))?;
            a.set_target(Target::new("token", &t.id));
            if t.revoked_at.is_some() {
                return Err(ActionError::Unauthenticated("token_revoked"));
            }
            if t.expires_at <= now {
                return Err(ActionError::Unauthenticated("token_expired"));
            }
            let user = pubdata_store::users::get(&mut tx, &t.user_id)
                .await?
                .ok_or(ActionError::Unauthenticated("token_invalid"))?;
            crate::auth::session::check_enabled(&mut tx, &user).await?;
            store::touch_last_used(&mut tx, &t.id, now, 60_000).await?;
            tx.commit().await?;
            let verified = crate::cache::VerifiedToken {
                user: crate::auth::session::user_ref(&user),
                scope: TokenScope::parse(&t.scope).unwrap_or(TokenScope::Read),
                expires_at: t.expires_at,
            };
            let actor = verified.actor(request_id);
            app.caches().tokens.put(hash.clone(), verified, generation);
            Ok(actor)
        }
        .await,
    )
    .await
}

#[cfg(test)]
mod tests {
    use super::parse_lifetime;

    #[test]
    fn lifetimes_parse_in_minutes_hours_days_weeks() {
        assert_eq!(parse_lifetime("1d"), Some(86_400_000));
        assert_eq!(parse_lifetime("90m"), Some(5_400_000));
        assert_eq!(parse_lifetime("2w"), Some(14 * 86_400_000));
        for bad in ["", "d", "0d", "-1d", "1y", "1.5d", "١d", "1١"] {
            assert_eq!(parse_lifetime(bad), None, "{bad:?}");
        }
    }
}
