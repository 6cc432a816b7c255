//! Group commit of audit entries for the hot read paths: callers hand in an entry and wait
//! until the transaction holding it has committed (durable, as every other entry), while one
//! writer task appends whatever has queued meanwhile in a single transaction. Under load one
//! fsync covers hundreds of reads; alone, a read waits for one commit as it would anyway.
//!
//! On SQLite the writer is a thread of its own with its own connection (`HotSqlite`): it may
//! wait for the disk without holding a runtime worker, and runs no statement through sqlx.

use crate::ActionError;
use pubdata_core::audit::AuditEntry;
use pubdata_store::Db;
use pubdata_store::hot::HotSqlite;
use std::sync::Arc;
use tokio::sync::{mpsc, oneshot};

/// Entries one transaction takes at most.
const MAX_GROUP: usize = 4096;
/// Entries waiting before callers are held back (back-pressure, not a drop).
const QUEUE: usize = 65_536;

type Reply = oneshot::Sender<Result<u64, String>>;

pub struct AuditBatcher {
    queue: mpsc::Sender<(AuditEntry, Reply)>,
}

impl AuditBatcher {
    /// Starts the writer: a thread on SQLite, else a task on the current runtime.
    pub fn start(db: Db, hot: Option<Arc<HotSqlite>>) -> AuditBatcher {
        let (queue, rx) = mpsc::channel(QUEUE);
        match hot {
            Some(hot) => {
                std::thread::Builder::new()
                    .name("audit-writer".into())
                    .spawn(move || write_blocking(&hot, rx))
                    .expect("start the audit writer thread");
            }
            None => {
                tokio::spawn(write(db, rx));
            }
        }
        AuditBatcher { queue }
    }

    /// Appends `entry` and returns its index once it is committed.
    pub async fn append(&self, entry: AuditEntry) -> Result<u64, ActionError> {
        let (reply, done) = oneshot::channel();
        self.queue
            .send((entry, reply))
            .await
            .map_err(|_| ActionError::Unexpected("the audit writer has stopped".into()))?;
        done.await
            .map_err(|_| ActionError::Unexpected("the audit writer has stopped".into()))?
            .map_err(ActionError::Unexpected)
    }
}

fn answer(
    entries: usize,
    replies: Vec<Reply>,
    outcome: Result<std::ops::Range<u64>, pubdata_store::StoreError>,
) {
    match outcome {
        Ok(range) => {
            for (index, reply) in range.zip(replies) {
                let _ = reply.send(Ok(index));
            }
        }
        Err(e) => {
            tracing::error!(error = %e, entries, "audit group commit failed");
            for reply in replies {
                let _ = reply.send(Err(format!("audit append: {e}")));
            }
        }
    }
}

fn write_blocking(hot: &HotSqlite, mut rx: mpsc::Receiver<(AuditEntry, Reply)>) {
    while let Some(first) = rx.blocking_recv() {
        let mut group = vec![first];
        while group.len() < MAX_GROUP {
            match rx.try_recv() {
                Ok(job) => group.push(job),
                Err(_) => break,
            }
        }
        let (entries, replies): (Vec<AuditEntry>, Vec<Reply>) = group.into_iter().unzip();
        answer(entries.len(), replies, hot.append_audit(&entries));
    }
}

async fn write(db: Db, mut rx: mpsc::Receiver<(AuditEntry, Reply)>) {
    let mut group = Vec::with_capacity(MAX_GROUP);
    while rx.recv_many(&mut group, MAX_GROUP).await > 0 {
        let (entries, replies): (Vec<AuditEntry>, Vec<Reply>) = group.drain(..).unzip();
        let outcome = async {
            let mut tx = db.begin().await?;
            let range = pubdata_store::audit::append_batch(&mut tx, &entries).await?;
            tx.commit().await?;
            Ok::<_, pubdata_store::StoreError>(range)
        }
        .await;
        answer(entries.len(), replies, outcome);
    }
}
