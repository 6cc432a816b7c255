//! The shape every action follows:
//!
//! ```text
//! parse input → authorize (policy → Permit) → begin → work → audit entry → commit
//! ```
//!
//! [`Audited`] holds what the audit entry needs. On success the action records the entry in
//! its own transaction with [`Audited::commit`]; on any failure [`Audited::finish`] records a
//! `deny` entry with the error's code in a fresh transaction (the action's own rolled back),
//! so refusals are in the log too and nothing half-done is.

use crate::{ActionError, App, now_ms};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, AuditEntry, Decision, Target};
use pubdata_store::Tx;

pub struct Audited<'a> {
    pub app: &'a App,
    pub actor: &'a Actor,
    pub action: Action,
    target: std::sync::Mutex<Option<Target>>,
}

impl<'a> Audited<'a> {
    pub fn new(app: &'a App, actor: &'a Actor, action: Action) -> Self {
        Audited {
            app,
            actor,
            action,
            target: std::sync::Mutex::new(None),
        }
    }

    pub fn with_target(self, target: Target) -> Self {
        self.set_target(target);
        self
    }

    /// Names what the action is about, as soon as it is known.
    pub fn set_target(&self, target: Target) {
        *self.target.lock().expect("target lock") = Some(target);
    }

    pub async fn begin(&self) -> Result<Tx, ActionError> {
        Ok(self.app.db().begin().await?)
    }

    fn entry(&self, decision: Decision) -> AuditEntry {
        let target = self.target.lock().expect("target lock").clone();
        AuditEntry::new(self.actor, self.action, target, decision, now_ms())
    }

    /// Records the `allow` entry in `tx` and commits the action's work with it.
    pub async fn commit(&self, mut tx: Tx) -> Result<(), ActionError> {
        self.record(&mut tx).await?;
        tx.commit().await?;
        if changes_decisions(self.action) {
            self.app.caches().generation.bump();
        }
        Ok(())
    }

    /// Records the `allow` entry in `tx` without committing, for an action whose work goes on
    /// after its own entry is in the log (signing a tree head that covers it). The caller
    /// commits `tx`. Returns the entry's index.
    pub async fn record(&self, tx: &mut Tx) -> Result<u64, ActionError> {
        Ok(pubdata_store::audit::append(tx, &self.entry(Decision::Allow)).await?)
    }

    /// Records the `allow` entry of a read through the group commit (the hot read paths: the
    /// open portal and the open-data API), returning its index once it is durable.
    pub async fn record_batched(&self, detail: Option<String>) -> Result<u64, ActionError> {
        let entry = self.entry(Decision::Allow).with_detail(detail);
        self.app.audit_batcher().append(entry).await
    }

    /// Ends a read: its transaction rolled back, then the `allow` entry committed in a write
    /// transaction of its own (a read never holds the write lock while it reads).
    pub async fn record_read(&self, read: Tx) -> Result<(), ActionError> {
        read.rollback().await?;
        let tx = self.begin().await?;
        self.commit(tx).await
    }

    /// Passes the action's result through; a failure is recorded as a `deny` entry.
    pub async fn finish<T>(&self, result: Result<T, ActionError>) -> Result<T, ActionError> {
        if let Err(e) = &result {
            if let ActionError::Unexpected(cause) = e {
                tracing::error!(action = self.action.as_str(), request_id = self.actor.request_id(), %cause, "action failed");
            }
            let entry = self.entry(Decision::Deny(e.code().to_owned()));
            let recorded = async {
                let mut tx = self.app.db().begin().await?;
                pubdata_store::audit::append(&mut tx, &entry).await?;
                tx.commit().await
            };
            if let Err(audit_err) = recorded.await {
                // The refusal stands either way; losing its entry is itself a fault to see.
                tracing::error!(%audit_err, action = self.action.as_str(), "could not record denial");
            }
        }
        result
    }
}

/// Whether an action can change what a cached decision read (see `crate::cache`): who a
/// token acts for, a resource's class, fields or record table, a grant, an emergency, the
/// disputed marks.
fn changes_decisions(action: Action) -> bool {
    use Action::*;
    matches!(
        action,
        RevokeToken
            | UpdateUser
            | DisableUser
            | EnableUser
            | UpdateOrg
            | DisableOrg
            | EnableOrg
            | UpdateResource
            | ApproveResource
            | WithdrawResource
            | ImportCatalog
            | UploadBatch
            | PushBatch
            | PullBatch
            | ReplyShareRequest
            | CoordinateShareDispute
            | SuspendGrant
            | ResumeGrant
            | RevokeGrant
            | DeclareEmergency
            | EndEmergency
            | FileObjection
            | AnswerObjection
            | PublishDataVersion
            | ApproveOpening
            | CloseOpenDataset
            | SubmitFeedback
    )
}

/// Records a request refused before any action could run (malformed or oversized body,
/// forged CSRF token): `target` names what was asked for, e.g. `POST /api/v1/orgs`.
pub async fn record_rejected_request(
    app: &App,
    actor: &Actor,
    target: &str,
    error: ActionError,
) -> ActionError {
    let a =
        Audited::new(app, actor, Action::RejectRequest).with_target(Target::new("request", target));
    match a.finish::<()>(Err(error)).await {
        Err(e) => e,
        Ok(()) => unreachable!("finish passes the error through"),
    }
}
