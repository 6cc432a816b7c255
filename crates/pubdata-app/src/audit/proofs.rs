//! Inclusion and consistency proofs over the stored tree. Public and not recorded: a proof
//! reveals only hashes, and recording every check would let anyone grow the log at will.

use crate::{ActionError, App};
use pubdata_core::merkle::{self, Hash, NodeId};
use pubdata_store::audit as store;

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct InclusionProof {
    pub leaf_index: u64,
    pub tree_size: u64,
    pub leaf_hash: Hash,
    pub audit_path: Vec<Hash>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct ConsistencyProof {
    pub first: u64,
    pub second: u64,
    pub consistency_path: Vec<Hash>,
}

/// Proves that entry `index` is in the tree of `tree_size` leaves (default: the latest
/// checkpoint's size).
pub async fn inclusion_proof(
    app: &App,
    index: u64,
    tree_size: Option<u64>,
) -> Result<InclusionProof, ActionError> {
    let tree_size = match tree_size {
        Some(s) => s,
        None => super::latest_checkpoint(app).await?.tree_size,
    };
    let mut tx = app.db().begin_read().await?;
    let size = store::size(&mut tx).await?;
    if tree_size > size {
        return Err(ActionError::BadRequest("tree_size_beyond_log"));
    }
    if index >= tree_size {
        return Err(ActionError::BadRequest("index_beyond_size"));
    }
    let leaf = NodeId { level: 0, index };
    let mut needs = merkle::inclusion_needs(index, tree_size)?;
    needs.push(leaf);
    let (leaf_hash, audit_path) = store::with_nodes(&mut tx, needs, |get| {
        let leaf_hash = get(leaf).ok_or(merkle::ProofError::MissingNode(leaf))?;
        Ok((leaf_hash, merkle::inclusion_proof(index, tree_size, get)?))
    })
    .await??;
    tx.rollback().await?;
    Ok(InclusionProof {
        leaf_index: index,
        tree_size,
        leaf_hash,
        audit_path,
    })
}

/// Proves that the tree of `first` leaves is a prefix of the tree of `second` leaves.
pub async fn consistency_proof(
    app: &App,
    first: u64,
    second: u64,
) -> Result<ConsistencyProof, ActionError> {
    if first > second {
        return Err(ActionError::BadRequest("first_after_second"));
    }
    let mut tx = app.db().begin_read().await?;
    if second > store::size(&mut tx).await? {
        return Err(ActionError::BadRequest("tree_size_beyond_log"));
    }
    let path = store::with_nodes(&mut tx, merkle::consistency_needs(first, second)?, |get| {
        merkle::consistency_proof(first, second, get)
    })
    .await??;
    tx.rollback().await?;
    Ok(ConsistencyProof {
        first,
        second,
        consistency_path: path,
    })
}
