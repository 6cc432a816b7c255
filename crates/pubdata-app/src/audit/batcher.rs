//! Group commit of audit entries for the hot read paths: callers hand in an entry and wait
//! until the transaction holding it has committed (durable, as every other entry), while one
//! writer task appends whatever has queued meanwhile in a single transaction. Under load one
//! fsync covers hundreds of reads; alone, a read waits for one commit as it would anyway.

use crate::ActionError;
use pubdata_core::audit::AuditEntry;
use pubdata_store::Db;
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
    /// Starts the writer task on the current runtime.
    pub fn start(db: Db) -> AuditBatcher {
        let (queue, rx) = mpsc::channel(QUEUE);
        tokio::spawn(write(db, rx));
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
        match outcome {
            Ok(range) => {
                for (index, reply) in range.zip(replies) {
                    let _ = reply.send(Ok(index));
                }
            }
            Err(e) => {
                tracing::error!(error = %e, entries = entries.len(), "audit group commit failed");
                for reply in replies {
                    let _ = reply.send(Err(format!("audit append: {e}")));
                }
            }
        }
    }
}
