//! Developer keys (开发者密钥) for the records API of open data. A key is an API token of
//! the user (read scope) registered in `open_keys` with its rate quota; a key an agreement
//! issues reads only that agreement's dataset. Free: any signed-in user takes one in the
//! developer centre.

use crate::action::Audited;
use crate::secrets::{random_token, token_hash};
use crate::{ActionError, App, new_id, now_ms, rfc3339};
use pubdata_core::Actor;
use pubdata_core::actor::TokenScope;
use pubdata_core::audit::{Action, Target};
use pubdata_core::policy::{self, Permit};
use pubdata_store::Tx;
use pubdata_store::opening::datasets::{self as store, KeyRow};
use pubdata_store::tokens::TokenRow;
use serde::{Deserialize, Serialize};

/// Calls a minute a developer key may make.
pub const DEVELOPER_RATE_PER_MINUTE: i64 = 1_000;
/// How long a developer key lives.
pub const KEY_LIFETIME_DAYS: i64 = 365;

#[derive(Debug, Clone, Serialize)]
pub struct DeveloperKey {
    pub id: String,
    pub name: String,
    /// The first characters of the key, to tell keys apart.
    pub prefix: String,
    pub rate_per_minute: i64,
    /// The agreement an agreement's key is limited to.
    pub agreement_id: Option<String>,
    pub created_at: String,
    pub expires_at: String,
    pub revoked: bool,
}

#[derive(Debug, Clone, Serialize)]
pub struct CreatedKey {
    #[serde(flatten)]
    pub info: DeveloperKey,
    /// Shown once.
    pub key: String,
}

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct NewKey {
    #[serde(default)]
    pub name: String,
}

/// Issues a key in the caller's transaction: a read token of `user_id` and its `open_keys`
/// row. Used by the developer centre and by an agreement's approval.
pub(crate) async fn issue(
    tx: &mut Tx,
    permit: &Permit,
    user_id: &str,
    name: &str,
    agreement_id: Option<&str>,
    rate_per_minute: i64,
) -> Result<CreatedKey, ActionError> {
    let now = now_ms();
    let raw = random_token("pdk_");
    let token = TokenRow {
        id: new_id(),
        user_id: user_id.to_owned(),
        name: name.to_owned(),
        prefix: raw.chars().take(12).collect(),
        token_hash: token_hash(&raw),
        scope: TokenScope::Read.as_str().to_owned(),
        created_at: now,
        expires_at: now + KEY_LIFETIME_DAYS * 86_400_000,
        revoked_at: None,
        last_used_at: None,
    };
    pubdata_store::tokens::insert(tx, permit, &token).await?;
    store::insert_key(
        tx,
        permit,
        &KeyRow {
            token_id: token.id.clone(),
            user_id: user_id.to_owned(),
            agreement_id: agreement_id.map(str::to_owned),
            rate_per_minute,
            created_at: now,
        },
    )
    .await?;
    Ok(CreatedKey {
        info: DeveloperKey {
            id: token.id,
            name: token.name,
            prefix: token.prefix,
            rate_per_minute,
            agreement_id: agreement_id.map(str::to_owned),
            created_at: rfc3339(now),
            expires_at: rfc3339(token.expires_at),
            revoked: false,
        },
        key: raw,
    })
}

/// Takes a free developer key (the developer centre): any signed-in user.
pub async fn create_developer_key(
    app: &App,
    actor: &Actor,
    input: NewKey,
) -> Result<CreatedKey, ActionError> {
    let a = Audited::new(app, actor, Action::CreateDeveloperKey);
    a.finish(
        async {
            let permit = policy::own_account(actor, a.action, true)?;
            let user_id = actor
                .user_id()
                .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
            let name = match input.name.trim() {
                "" => "开发者密钥".to_owned(),
                n if n.chars().count() > 100 => {
                    return Err(super::invalid(
                        "name",
                        "invalid_name",
                        "密钥名称不超过100字".into(),
                        "name must be at most 100 characters".into(),
                    ));
                }
                n => n.to_owned(),
            };
            let mut tx = a.begin().await?;
            let created = issue(
                &mut tx,
                &permit,
                user_id,
                &name,
                None,
                DEVELOPER_RATE_PER_MINUTE,
            )
            .await?;
            a.set_target(Target::new("token", &created.info.id));
            a.commit(tx).await?;
            Ok(created)
        }
        .await,
    )
    .await
}

/// The caller's developer keys, newest first.
pub async fn list_developer_keys(
    app: &App,
    actor: &Actor,
) -> Result<Vec<DeveloperKey>, ActionError> {
    let a = Audited::new(app, actor, Action::ListTokens);
    a.finish(
        async {
            policy::own_account(actor, a.action, false)?;
            let user_id = actor
                .user_id()
                .ok_or(ActionError::Unauthenticated("not_signed_in"))?;
            let mut tx = a.app.db().begin_read().await?;
            let keys = store::keys_of_user(&mut tx, user_id).await?;
            let tokens = pubdata_store::tokens::list_for_user(&mut tx, user_id).await?;
            a.record_read(tx).await?;
            Ok(keys
                .into_iter()
                .filter_map(|k| {
                    let t = tokens.iter().find(|t| t.id == k.token_id)?;
                    Some(DeveloperKey {
                        id: t.id.clone(),
                        name: t.name.clone(),
                        prefix: t.prefix.clone(),
                        rate_per_minute: k.rate_per_minute,
                        agreement_id: k.agreement_id,
                        created_at: rfc3339(t.created_at),
                        expires_at: rfc3339(t.expires_at),
                        revoked: t.revoked_at.is_some(),
                    })
                })
                .collect())
        }
        .await,
    )
    .await
}

/// The developer key a raw key is, if it is one (cached like tokens).
pub(crate) async fn key_of(app: &App, raw: &str) -> Result<Option<KeyRow>, ActionError> {
    let hash = token_hash(raw.trim());
    let generation = app.caches().generation.current();
    let cache = &app.caches().opening.keys;
    if let Some(k) = cache.get(&hash, generation) {
        return Ok(k);
    }
    let mut tx = app.db().begin_read().await?;
    let k = store::get_key_by_hash(&mut tx, &hash).await;
    tx.rollback().await?;
    let k = k?;
    cache.put(hash, k.clone(), generation);
    Ok(k)
}

/// Whether the user holds an agreement in force for the dataset.
pub(crate) async fn agreement_in_force(
    app: &App,
    user_id: &str,
    dataset_id: &str,
) -> Result<bool, ActionError> {
    Ok(agreement_for(app, user_id, dataset_id).await?.is_some())
}

/// An agreement in force: its id and the fields it covers.
pub(crate) struct InForce {
    pub id: String,
    pub fields: Vec<String>,
}

/// The agreement in force that lets the user read the dataset, if any.
pub(crate) async fn agreement_for(
    app: &App,
    user_id: &str,
    dataset_id: &str,
) -> Result<Option<InForce>, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let found = async {
        let today = crate::today().to_string();
        let Some(id) = store::agreement_in_force(&mut tx, user_id, dataset_id, &today).await?
        else {
            return Ok(None);
        };
        let fields = match store::agreement_fields(&mut tx, &id).await? {
            Some(f) => serde_json::from_str(&f).map_err(ActionError::unexpected)?,
            None => Vec::new(),
        };
        Ok(Some(InForce { id, fields }))
    }
    .await;
    tx.rollback().await?;
    found
}
