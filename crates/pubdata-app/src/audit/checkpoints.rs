//! Signed tree heads: the latest one (public), one on an administrator's request, the
//! periodic one while the log grows, and the rotation of the signing key.

use super::signer::{self, LogSigner};
use crate::action::Audited;
use crate::{ActionError, App, now_ms};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::note::VerifierKey;
use pubdata_core::policy;
use pubdata_store::audit::{self as store, CheckpointRow, KeyRow};
use std::sync::Arc;

/// The latest signed checkpoint. Public: it reveals nothing but the log's size and root.
pub async fn latest_checkpoint(app: &App) -> Result<CheckpointRow, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let latest = store::latest_checkpoint(&mut tx).await?;
    tx.rollback().await?;
    match latest {
        Some(c) => Ok(c),
        // Only between a first start's migration and its first checkpoint.
        None => sign_if_grown(app).await,
    }
}

/// The signer to sign with now, inside `tx`: the cached one, unless another process (the
/// command line, another server instance) rotated the key since; then the new key is read
/// from the data directory.
pub(crate) async fn current_signer(
    app: &App,
    tx: &mut pubdata_store::Tx,
) -> Result<Arc<LogSigner>, ActionError> {
    let cached = app.signer();
    let current = store::keys(tx)
        .await?
        .into_iter()
        .find(|k| k.retired_at.is_none());
    match current {
        Some(row) if row.verifier != cached.key.verifier().encode() => {
            let key = signer::read_key(&app.config().data_dir, &row)?;
            let fresh = Arc::new(LogSigner {
                origin: cached.origin.clone(),
                key,
            });
            app.set_signer(fresh.clone());
            Ok(fresh)
        }
        _ => Ok(cached),
    }
}

/// Signs a checkpoint if the log grew since the latest one (system work, not an action: it
/// changes nothing but publishes what is there, and recording it would grow the log forever).
pub async fn sign_if_grown(app: &App) -> Result<CheckpointRow, ActionError> {
    let mut tx = app.db().begin().await?;
    let signer = current_signer(app, &mut tx).await?;
    let dir = &app.config().data_dir;
    let row = signer::sign_head(&mut tx, dir, &signer.origin, &[&signer.key]).await?;
    signer::commit_signed(tx, &row, dir).await?;
    Ok(row)
}

/// An administrator asks for a checkpoint now; it covers this request's own entry.
pub async fn create_checkpoint(app: &App, actor: &Actor) -> Result<CheckpointRow, ActionError> {
    let a = Audited::new(app, actor, Action::CreateCheckpoint);
    a.finish(
        async {
            policy::manage_audit_log(actor, a.action)?;
            let mut tx = a.begin().await?;
            let index = a.record(&mut tx).await?;
            a.set_target(Target::new("audit", index + 1));
            let signer = current_signer(app, &mut tx).await?;
            let dir = &app.config().data_dir;
            let row = signer::sign_head(&mut tx, dir, &signer.origin, &[&signer.key]).await?;
            signer::commit_signed(tx, &row, dir).await?;
            Ok(row)
        }
        .await,
    )
    .await
}

/// The keys a verifier needs: every key the log has signed with, the current one first.
#[derive(Debug, Clone)]
pub struct PublicKeys {
    pub origin: String,
    pub current: String,
    pub keys: Vec<KeyRow>,
}

/// The log's verification keys. Public.
pub async fn public_keys(app: &App) -> Result<PublicKeys, ActionError> {
    let mut tx = app.db().begin_read().await?;
    let mut keys = store::keys(&mut tx).await?;
    tx.rollback().await?;
    keys.sort_by_key(|k| (k.retired_at.is_some(), std::cmp::Reverse(k.created_at)));
    let signer = app.signer();
    Ok(PublicKeys {
        origin: signer.origin.clone(),
        current: signer.key.verifier().encode(),
        keys,
    })
}

/// Replaces the signing key. The first checkpoint after the change is signed by the old key
/// and the new one, so that anyone who trusts the old key can learn the new one from the log.
pub async fn rotate_audit_key(app: &App, actor: &Actor) -> Result<VerifierKey, ActionError> {
    let a = Audited::new(app, actor, Action::RotateAuditKey);
    a.finish(
        async {
            policy::manage_audit_log(actor, a.action)?;
            let mut tx = a.begin().await?;
            store::lock(&mut tx).await?;
            let old = current_signer(app, &mut tx).await?;
            let new = signer::new_key(&app.config().data_dir, &old.origin)?;
            let verifier = new.verifier();
            a.set_target(Target::new("audit-key", format!("{:08x}", verifier.id())));
            store::add_current_key(&mut tx, &signer::key_row(&new, now_ms())).await?;
            a.record(&mut tx).await?;
            let dir = &app.config().data_dir;
            let row = signer::sign_head(&mut tx, dir, &old.origin, &[&old.key, &new]).await?;
            signer::commit_signed(tx, &row, dir).await?;
            app.set_signer(Arc::new(LogSigner {
                origin: old.origin.clone(),
                key: new,
            }));
            tracing::info!(key = %verifier.encode(), "rotated the audit log's signing key");
            Ok(verifier)
        }
        .await,
    )
    .await
}

/// Signs a checkpoint every `interval` while the log grows, until the app is dropped.
pub fn spawn_checkpointer(app: App) -> tokio::task::JoinHandle<()> {
    let interval = app.config().audit.checkpoint_interval;
    tokio::spawn(async move {
        let mut tick = tokio::time::interval(interval);
        tick.set_missed_tick_behavior(tokio::time::MissedTickBehavior::Delay);
        loop {
            tick.tick().await;
            if let Err(e) = sign_if_grown(&app).await {
                tracing::error!(error = %e, "could not sign an audit checkpoint");
            }
        }
    })
}
