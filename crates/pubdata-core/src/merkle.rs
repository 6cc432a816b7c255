//! Merkle tree hashing and proofs for the tamper-evident audit log, as RFC 9162 §2.1
//! (Certificate Transparency v2) defines them.
//!
//! # The tree
//!
//! RFC 9162 §2.1.1: the hash of an empty list is `SHA-256("")`; of one entry `d`,
//! `SHA-256(0x00 ‖ d)` (the *leaf hash*); of `n > 1` entries, with `k` the largest power of two
//! smaller than `n`, `SHA-256(0x01 ‖ MTH(D[0:k]) ‖ MTH(D[k:n]))`. The two prefixes keep a leaf
//! from ever being passed off as an interior node (second-preimage resistance).
//!
//! # How the store keeps it
//!
//! Because `k` is always a power of two, every tree is a row of *perfect subtrees*, largest
//! first: the tree of 13 = 8 + 4 + 1 leaves is the perfect subtrees over leaves `[0, 8)`,
//! `[8, 12)` and `[12, 13)`, and its root folds them right to left. A perfect subtree never
//! changes once its last leaf is appended, so the database stores, for each leaf, its leaf
//! hash and every perfect subtree that leaf completes ([`Frontier::push`]). A node is addressed
//! as [`NodeId`] `(level L, index i)`, covering leaves `[i << L, (i + 1) << L)`.
//!
//! Every hash a proof needs is either such a node or the hash of a subtree on the tree's right
//! edge that is not perfect yet; the latter is folded from its own perfect parts, exactly like
//! a root. So every proof is computed from O(log n) stored nodes, never by re-reading leaves.
//! Proof generation comes in two steps — `*_needs` lists the nodes, the store fetches them in
//! one query, and `inclusion_proof` / `consistency_proof` / `root` assemble the result through
//! a lookup function.
//!
//! # Verification
//!
//! [`verify_inclusion`] and [`verify_consistency`] follow the algorithms of RFC 9162 §2.1.3.2
//! and §2.1.4.2 and agree with `github.com/transparency-dev/merkle` `proof.VerifyInclusion` /
//! `proof.VerifyConsistency`, including its edge cases: equal sizes need an empty proof and
//! equal roots; a consistency proof *from* the empty tree is refused as meaningless. One
//! stricter rule: a tree of size 0 has exactly one root, [`empty_root`], so `(0, 0)` only
//! verifies with that root.
//!
//! Note what a proof does *not* bind: the tree size. The verifier's computation depends on
//! `(index, size)` only through the left/right pattern of the path, and different sizes can
//! share a pattern (leaf 4's proof in the tree of 8 also "verifies" as leaf 4 of 7 against the
//! same root). The size must therefore be authenticated together with the root, as in a signed
//! checkpoint; a root alone is not enough.

use sha2::{Digest, Sha256};

/// A SHA-256 hash: a leaf hash, a node hash or a root.
pub type Hash = [u8; 32];

/// RFC 9162 §2.1.1: prefix of a leaf hash.
const LEAF_PREFIX: u8 = 0x00;
/// RFC 9162 §2.1.1: prefix of an interior node hash.
const NODE_PREFIX: u8 = 0x01;

/// The hash of one log entry: `SHA-256(0x00 ‖ data)` (RFC 9162 §2.1.1).
pub fn leaf_hash(data: &[u8]) -> Hash {
    Sha256::new()
        .chain_update([LEAF_PREFIX])
        .chain_update(data)
        .finalize()
        .into()
}

/// The hash of an interior node: `SHA-256(0x01 ‖ left ‖ right)` (RFC 9162 §2.1.1).
pub fn node_hash(left: &Hash, right: &Hash) -> Hash {
    Sha256::new()
        .chain_update([NODE_PREFIX])
        .chain_update(left)
        .chain_update(right)
        .finalize()
        .into()
}

/// The root of the empty tree: `SHA-256("")` (RFC 9162 §2.1.1).
pub fn empty_root() -> Hash {
    Sha256::digest(b"").into()
}

/// The address of a perfect subtree: the node at height `level` (leaves are level 0) and
/// position `index` on that level, covering leaves `[index << level, (index + 1) << level)`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct NodeId {
    pub level: u8,
    pub index: u64,
}

impl NodeId {
    pub const fn new(level: u8, index: u64) -> NodeId {
        NodeId { level, index }
    }

    /// The leaf node of entry `index`.
    pub const fn leaf(index: u64) -> NodeId {
        NodeId { level: 0, index }
    }

    /// Whether this perfect subtree is complete in a tree of `size` leaves, i.e. whether its
    /// last leaf is there: `(index + 1) << level <= size`.
    pub fn exists_in(&self, size: u64) -> bool {
        // A node of level 64 or more would cover at least 2^64 leaves; in u128 the shift
        // cannot overflow for smaller levels.
        self.level < 64 && (u128::from(self.index) + 1) << self.level <= u128::from(size)
    }
}

impl std::fmt::Display for NodeId {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "(level {}, index {})", self.level, self.index)
    }
}

/// Why a proof could not be made or did not verify.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub enum ProofError {
    #[error("leaf index {index} is beyond the tree size {size}")]
    IndexBeyondSize { index: u64, size: u64 },
    #[error("the first tree size {first} is after the second {second}")]
    FirstAfterSecond { first: u64, second: u64 },
    /// A consistency proof from the empty tree proves nothing (every tree extends it); as in
    /// transparency-dev, verifying one is refused rather than waved through.
    #[error("a consistency proof from the empty tree to size {second} is meaningless")]
    EmptyFirstTree { second: u64 },
    #[error("wrong proof size: expected {expected} hashes, got {got}")]
    WrongProofSize { expected: usize, got: usize },
    #[error("a tree of {size} leaves has {expected} frontier nodes, got {got}")]
    WrongFrontierSize {
        size: u64,
        expected: usize,
        got: usize,
    },
    /// The lookup did not have a node that a tree of that size must have (a corrupt store).
    #[error("tree node {0} is missing")]
    MissingNode(NodeId),
    #[error("the proof does not lead to the given root")]
    RootMismatch,
}

impl ProofError {
    /// A stable snake_case code for APIs and logs.
    pub fn code(&self) -> &'static str {
        match self {
            ProofError::IndexBeyondSize { .. } => "index_beyond_size",
            ProofError::FirstAfterSecond { .. } => "first_after_second",
            ProofError::EmptyFirstTree { .. } => "empty_first_tree",
            ProofError::WrongProofSize { .. } => "wrong_proof_size",
            ProofError::WrongFrontierSize { .. } => "wrong_frontier_size",
            ProofError::MissingNode(_) => "missing_node",
            ProofError::RootMismatch => "root_mismatch",
        }
    }
}

/// The perfect subtrees that make up `[start, end)`, largest first. Only for ranges whose
/// start is a multiple of the largest part (`start` aligned to the top bit of `end - start`),
/// which holds for `[0, size)` and for the ragged right-edge subtrees of proofs: then each
/// part, taken in turn, is aligned to its own size.
fn range_nodes(start: u64, end: u64) -> Vec<NodeId> {
    let count = end - start;
    let mut nodes = Vec::with_capacity(count.count_ones() as usize);
    let mut at = start;
    for level in (0..64u8).rev() {
        if (count >> level) & 1 == 1 {
            nodes.push(NodeId::new(level, at >> level));
            at += 1 << level;
        }
    }
    nodes
}

/// The perfect subtrees that make up a tree of `size` leaves, left to right (largest first):
/// one per set bit of `size`. Empty for size 0.
///
/// Why this is the tree: RFC 9162 §2.1.1 splits `n` leaves at the largest power of two
/// `k < n`; for `n` not a power of two, `k` is the top bit of `n`, so the left part is
/// perfect and the right part is the tree of the remaining bits.
pub fn frontier(size: u64) -> Vec<NodeId> {
    range_nodes(0, size)
}

/// The root of a tree from the hashes of its frontier nodes (in [`frontier`] order): the
/// right-most (smallest) parts are combined first, mirroring the recursion of RFC 9162 §2.1.1.
/// The empty list is the empty tree, [`empty_root`].
pub fn root_from_frontier(hashes: &[Hash]) -> Hash {
    hashes
        .iter()
        .rev()
        .copied()
        .reduce(|right, left| node_hash(&left, &right))
        .unwrap_or_else(empty_root)
}

/// The left siblings that appending leaf number `index` (the tree had `index` leaves) needs to
/// complete its perfect subtrees, lowest first: `(0, index - 1)`, `(1, (index >> 1) - 1)`, …,
/// one per trailing 1 bit of `index`. They are the last nodes of `frontier(index)`.
pub fn append_needs(index: u64) -> Vec<NodeId> {
    (0..index.trailing_ones())
        .map(|level| NodeId::new(level as u8, (index >> level) - 1))
        .collect()
}

/// An in-memory appender holding only the frontier of a tree (O(log n) hashes), for batch
/// appends and for recomputing a log while streaming its entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Frontier {
    size: u64,
    /// The hashes of `frontier(size)`, in that order.
    hashes: Vec<Hash>,
}

impl Frontier {
    /// The tree of `size` leaves, from the hashes of `frontier(size)` in that order.
    pub fn new(size: u64, frontier_hashes: Vec<Hash>) -> Result<Frontier, ProofError> {
        let expected = size.count_ones() as usize;
        if frontier_hashes.len() != expected {
            return Err(ProofError::WrongFrontierSize {
                size,
                expected,
                got: frontier_hashes.len(),
            });
        }
        Ok(Frontier {
            size,
            hashes: frontier_hashes,
        })
    }

    /// The empty tree.
    pub fn empty() -> Frontier {
        Frontier {
            size: 0,
            hashes: Vec::new(),
        }
    }

    /// How many leaves the tree has.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// The hashes of `frontier(self.size())`, in that order.
    pub fn hashes(&self) -> &[Hash] {
        &self.hashes
    }

    /// The frontier nodes with their hashes.
    pub fn nodes(&self) -> Vec<(NodeId, Hash)> {
        frontier(self.size)
            .into_iter()
            .zip(self.hashes.iter().copied())
            .collect()
    }

    /// Appends a leaf hash. Pushes into `out` the leaf node (level 0) and then, lowest first,
    /// every perfect subtree that this leaf completes, each with its hash: what the store must
    /// keep so that later proofs never re-read leaves.
    ///
    /// # Panics
    /// If the tree already has `u64::MAX` leaves.
    pub fn push(&mut self, leaf: Hash, out: &mut Vec<(NodeId, Hash)>) {
        let index = self.size;
        assert!(
            index < u64::MAX,
            "a Merkle tree holds at most u64::MAX leaves"
        );
        out.push((NodeId::leaf(index), leaf));
        // Each trailing 1 bit of `index` is a perfect subtree of that level ending just before
        // the new leaf (the frontier's last nodes, see `append_needs`); the new node is its
        // right sibling, so together they complete the parent one level up.
        let mut hash = leaf;
        for level in 0..index.trailing_ones() {
            let left = self
                .hashes
                .pop()
                .expect("a frontier has one hash per set bit of its size");
            hash = node_hash(&left, &hash);
            out.push((NodeId::new(level as u8 + 1, index >> (level + 1)), hash));
        }
        self.hashes.push(hash);
        self.size += 1;
    }

    /// The root hash of the tree (RFC 9162 §2.1.1).
    pub fn root(&self) -> Hash {
        root_from_frontier(&self.hashes)
    }
}

/// The nodes that [`root`] needs: `frontier(size)`.
pub fn root_needs(size: u64) -> Vec<NodeId> {
    frontier(size)
}

/// The root of the tree of `size` leaves, from its frontier nodes.
pub fn root(size: u64, get: impl Fn(NodeId) -> Option<Hash>) -> Result<Hash, ProofError> {
    Ok(root_from_frontier(&fetch(&frontier(size), &get)?))
}

/// Looks up `ids`, failing on the first one the store does not have.
fn fetch(ids: &[NodeId], get: &impl Fn(NodeId) -> Option<Hash>) -> Result<Vec<Hash>, ProofError> {
    ids.iter()
        .map(|&id| get(id).ok_or(ProofError::MissingNode(id)))
        .collect()
}

/// One proof element per entry: the perfect nodes whose fold (as a root) is its hash — a
/// single node when the subtree is perfect, the subtree's own frontier when it is ragged.
type Plan = Vec<Vec<NodeId>>;

/// The siblings on the path from the perfect node `(level, index)` up to the root of the tree
/// of `size` leaves, bottom to top: RFC 9162 §2.1.3.1 `PATH`, started at that node instead of
/// at a leaf. The node must exist in the tree.
///
/// The path splits in two where it meets the path of the last leaf (`size - 1`):
/// - *inner* levels, below that point: the sibling at each level is on the left or on the
///   right as the bit of `index` says. All of them are perfect except possibly the right
///   sibling at the highest inner level, which holds the last leaf; that one is ragged and is
///   folded from its own perfect parts (the frontier nodes below that level).
/// - *border* levels, above it: the path runs along the right edge of the tree. Where the
///   path node is a right child its left sibling is perfect and is in the proof; where it is a
///   left child it has no sibling in RFC 9162's unbalanced tree (`k` is the largest power of
///   two *below* n, so the edge node is lifted unchanged) and the level adds nothing.
fn path_plan(level: u8, index: u64, size: u64) -> Plan {
    debug_assert!(NodeId::new(level, index).exists_in(size));
    let level = u32::from(level);
    let last = (size - 1) >> level;
    let inner = 64 - (index ^ last).leading_zeros();
    let mut plan = Plan::new();
    for up in 0..inner {
        let at = level + up;
        let sibling = NodeId::new(at as u8, (index >> up) ^ 1);
        if sibling.exists_in(size) {
            plan.push(vec![sibling]);
        } else {
            // The ragged right sibling over [sibling.index << at, size): it starts on a
            // multiple of 2^at and holds fewer than 2^at leaves, as `range_nodes` requires.
            plan.push(range_nodes(sibling.index << at, size));
        }
    }
    let mut above = index.checked_shr(inner).unwrap_or(0);
    let mut at = level + inner;
    while above != 0 {
        if above & 1 == 1 {
            plan.push(vec![NodeId::new(at as u8, above - 1)]);
        }
        above >>= 1;
        at += 1;
    }
    plan
}

/// The length of the inclusion proof of leaf `index` in a tree of `size > index` leaves:
/// inner levels plus left siblings on the border (see [`path_plan`]).
fn inclusion_proof_len(index: u64, size: u64) -> usize {
    let inner = 64 - (index ^ (size - 1)).leading_zeros();
    inner as usize + index.checked_shr(inner).unwrap_or(0).count_ones() as usize
}

fn inclusion_plan(index: u64, size: u64) -> Result<Plan, ProofError> {
    if index >= size {
        return Err(ProofError::IndexBeyondSize { index, size });
    }
    Ok(path_plan(0, index, size))
}

/// The stored nodes that the inclusion proof of leaf `index` in the tree of `size` leaves
/// needs (at most about 2·64, all perfect subtrees of that tree).
pub fn inclusion_needs(index: u64, size: u64) -> Result<Vec<NodeId>, ProofError> {
    Ok(inclusion_plan(index, size)?.concat())
}

/// The inclusion proof (RFC 9162 §2.1.3.1 `PATH(index, D[size])`, bottom to top) of leaf
/// `index` in the tree of `size` leaves, from the nodes listed by [`inclusion_needs`].
pub fn inclusion_proof(
    index: u64,
    size: u64,
    get: impl Fn(NodeId) -> Option<Hash>,
) -> Result<Vec<Hash>, ProofError> {
    assemble(&inclusion_plan(index, size)?, &get)
}

fn assemble(plan: &Plan, get: &impl Fn(NodeId) -> Option<Hash>) -> Result<Vec<Hash>, ProofError> {
    plan.iter()
        .map(|parts| Ok(root_from_frontier(&fetch(parts, get)?)))
        .collect()
}

/// The consistency proof, planned.
///
/// RFC 9162 §2.1.4.1 `SUBPROOF(m, D[n], true)` descends the tree of `n = second` until it
/// reaches a subtree that is exactly `D[…:m]`'s last part; that is the last (smallest) perfect
/// subtree of the first tree, `(level, index)` with `level` = trailing zeros of `first` and
/// `index = (first - 1) >> level`. The proof is that node's hash — left out when it is the
/// whole first tree (`first` a power of two, `index == 0`), because the verifier has it as
/// the first root — followed by its path up to the second root. The verifier rebuilds the
/// first root from the left-hand elements of that path, and the second root from all of them.
fn consistency_plan(first: u64, second: u64) -> Result<Plan, ProofError> {
    if first > second {
        return Err(ProofError::FirstAfterSecond { first, second });
    }
    // Equal trees need no proof; from the empty tree there is nothing to prove (RFC 9162
    // defines PROOF only for 0 < m < n; transparency-dev's `Consistency` returns an empty one).
    if first == 0 || first == second {
        return Ok(Plan::new());
    }
    let level = first.trailing_zeros();
    let index = (first - 1) >> level;
    let mut plan = Plan::new();
    if index != 0 {
        plan.push(vec![NodeId::new(level as u8, index)]);
    }
    plan.extend(path_plan(level as u8, index, second));
    Ok(plan)
}

/// The length of the consistency proof for `0 < first < second` (see [`consistency_plan`]).
fn consistency_proof_len(first: u64, second: u64) -> usize {
    let level = first.trailing_zeros();
    let index = (first - 1) >> level;
    let inner = 64 - (index ^ ((second - 1) >> level)).leading_zeros();
    let border = index.checked_shr(inner).unwrap_or(0).count_ones();
    usize::from(index != 0) + inner as usize + border as usize
}

/// The stored nodes that the consistency proof between sizes `first` and `second` needs.
pub fn consistency_needs(first: u64, second: u64) -> Result<Vec<NodeId>, ProofError> {
    Ok(consistency_plan(first, second)?.concat())
}

/// The consistency proof (RFC 9162 §2.1.4.1 `PROOF(first, D[second])`) that the tree of
/// `first` leaves is a prefix of the tree of `second` leaves, from the nodes listed by
/// [`consistency_needs`]. Empty when `first == second` or `first == 0`.
pub fn consistency_proof(
    first: u64,
    second: u64,
    get: impl Fn(NodeId) -> Option<Hash>,
) -> Result<Vec<Hash>, ProofError> {
    assemble(&consistency_plan(first, second)?, &get)
}

/// Right-shifts both `fn` and `sn` until `fn`'s lowest bit is set or `fn` is 0: the step of
/// RFC 9162 §2.1.3.2 / §2.1.4.2 that skips the levels where the path runs along the right
/// edge as a left child without a sibling.
fn skip_lone_levels(fn_: &mut u64, sn: &mut u64) {
    while *fn_ & 1 == 0 && *fn_ != 0 {
        *fn_ >>= 1;
        *sn >>= 1;
    }
}

/// Verifies that `leaf` (a leaf hash) is entry `index` of the tree of `size` leaves whose root
/// is `root`, by RFC 9162 §2.1.3.2.
pub fn verify_inclusion(
    index: u64,
    size: u64,
    leaf: &Hash,
    proof: &[Hash],
    root: &Hash,
) -> Result<(), ProofError> {
    if index >= size {
        return Err(ProofError::IndexBeyondSize { index, size });
    }
    // The RFC's loop rejects a wrong length by itself (step 3a or the `sn == 0` check);
    // checking first gives a precise error.
    let expected = inclusion_proof_len(index, size);
    if proof.len() != expected {
        return Err(ProofError::WrongProofSize {
            expected,
            got: proof.len(),
        });
    }
    // `fn` is the path node's position, `sn` the last node's, on the current level.
    let (mut fn_, mut sn) = (index, size - 1);
    let mut r = *leaf;
    for p in proof {
        if sn == 0 {
            return Err(ProofError::WrongProofSize {
                expected,
                got: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            // The path node is a right child, or the last node of its level: the proof
            // element is its left sibling.
            r = node_hash(p, &r);
            if fn_ & 1 == 0 {
                skip_lone_levels(&mut fn_, &mut sn);
            }
        } else {
            r = node_hash(&r, p);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    if sn != 0 {
        return Err(ProofError::WrongProofSize {
            expected,
            got: proof.len(),
        });
    }
    if r != *root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// Verifies that the tree of `first` leaves with root `first_root` is a prefix of the tree of
/// `second` leaves with root `second_root`, by RFC 9162 §2.1.4.2, with transparency-dev's edge
/// cases: `first > second` fails; `first == second` needs an empty proof and equal roots (and,
/// at size 0, the empty root); `0 == first < second` is refused as meaningless.
pub fn verify_consistency(
    first: u64,
    second: u64,
    first_root: &Hash,
    second_root: &Hash,
    proof: &[Hash],
) -> Result<(), ProofError> {
    if first > second {
        return Err(ProofError::FirstAfterSecond { first, second });
    }
    if first == second {
        if !proof.is_empty() {
            return Err(ProofError::WrongProofSize {
                expected: 0,
                got: proof.len(),
            });
        }
        if first_root != second_root || (first == 0 && *first_root != empty_root()) {
            return Err(ProofError::RootMismatch);
        }
        return Ok(());
    }
    if first == 0 {
        return Err(ProofError::EmptyFirstTree { second });
    }
    let expected = consistency_proof_len(first, second);
    if proof.len() != expected {
        return Err(ProofError::WrongProofSize {
            expected,
            got: proof.len(),
        });
    }
    // Step 2: if `first` is a power of two, the proof's implicit first element is the first
    // root itself (the whole first tree is one perfect subtree of the second).
    let (seed, rest) = if first.is_power_of_two() {
        (first_root, proof)
    } else {
        (&proof[0], &proof[1..])
    };
    // Steps 3–4: start at the level of that subtree.
    let (mut fn_, mut sn) = (first - 1, second - 1);
    while fn_ & 1 == 1 {
        fn_ >>= 1;
        sn >>= 1;
    }
    // Steps 5–6: `fr` rebuilds the first root from the left-hand elements only, `sr` the
    // second root from all of them.
    let (mut fr, mut sr) = (*seed, *seed);
    for c in rest {
        if sn == 0 {
            return Err(ProofError::WrongProofSize {
                expected,
                got: proof.len(),
            });
        }
        if fn_ & 1 == 1 || fn_ == sn {
            fr = node_hash(c, &fr);
            sr = node_hash(c, &sr);
            if fn_ & 1 == 0 {
                skip_lone_levels(&mut fn_, &mut sn);
            }
        } else {
            sr = node_hash(&sr, c);
        }
        fn_ >>= 1;
        sn >>= 1;
    }
    // Step 7.
    if sn != 0 {
        return Err(ProofError::WrongProofSize {
            expected,
            got: proof.len(),
        });
    }
    if fr != *first_root || sr != *second_root {
        return Err(ProofError::RootMismatch);
    }
    Ok(())
}

/// A simple in-memory tree for tests and small uses: every perfect subtree node, per level
/// (`levels[L][i]` is node `(L, i)`) — the same nodes the store keeps.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MemoryTree {
    levels: Vec<Vec<Hash>>,
}

impl MemoryTree {
    pub fn new() -> MemoryTree {
        MemoryTree::default()
    }

    /// How many leaves the tree has.
    pub fn size(&self) -> u64 {
        self.levels.first().map_or(0, |leaves| leaves.len() as u64)
    }

    /// Appends a leaf hash and returns its index.
    pub fn push(&mut self, leaf: Hash) -> u64 {
        let index = self.size();
        if self.levels.is_empty() {
            self.levels.push(Vec::new());
        }
        self.levels[0].push(leaf);
        // An even count on a level means its last two nodes just became siblings.
        let mut level = 0;
        while self.levels[level].len().is_multiple_of(2) {
            let n = self.levels[level].len();
            let parent = node_hash(&self.levels[level][n - 2], &self.levels[level][n - 1]);
            if self.levels.len() == level + 1 {
                self.levels.push(Vec::new());
            }
            self.levels[level + 1].push(parent);
            level += 1;
        }
        index
    }

    /// Appends an entry (hashing it as a leaf) and returns its index.
    pub fn push_data(&mut self, data: &[u8]) -> u64 {
        self.push(leaf_hash(data))
    }

    /// The hash of a perfect subtree, if the tree has it.
    pub fn get(&self, id: NodeId) -> Option<Hash> {
        let index = usize::try_from(id.index).ok()?;
        self.levels.get(usize::from(id.level))?.get(index).copied()
    }

    /// The root of the whole tree.
    pub fn root(&self) -> Hash {
        self.root_at(self.size())
            .expect("a tree has the frontier of its own size")
    }

    /// The root of the tree as it was at `size` leaves.
    pub fn root_at(&self, size: u64) -> Result<Hash, ProofError> {
        root(size, |id| self.get(id))
    }

    /// The appender for the tree as it was at `size` leaves.
    pub fn frontier_at(&self, size: u64) -> Result<Frontier, ProofError> {
        Frontier::new(size, fetch(&frontier(size), &|id| self.get(id))?)
    }

    pub fn inclusion_proof(&self, index: u64, size: u64) -> Result<Vec<Hash>, ProofError> {
        inclusion_proof(index, size, |id| self.get(id))
    }

    pub fn consistency_proof(&self, first: u64, second: u64) -> Result<Vec<Hash>, ProofError> {
        consistency_proof(first, second, |id| self.get(id))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use base64::Engine as _;
    use proptest::prelude::*;
    use std::collections::BTreeSet;
    use std::path::{Path, PathBuf};

    // ----- A reference implementation, straight from RFC 9162 §2.1, over leaf hashes -----

    /// The largest power of two smaller than `n` (n >= 2).
    fn split(n: usize) -> usize {
        let mut k = 1;
        while k << 1 < n {
            k <<= 1;
        }
        k
    }

    /// §2.1.1 MTH (the entries here are already leaf hashes).
    fn ref_mth(leaves: &[Hash]) -> Hash {
        match leaves.len() {
            0 => empty_root(),
            1 => leaves[0],
            n => {
                let k = split(n);
                node_hash(&ref_mth(&leaves[..k]), &ref_mth(&leaves[k..]))
            }
        }
    }

    /// §2.1.3.1 PATH(m, D[n]).
    fn ref_path(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        let n = leaves.len();
        if n <= 1 {
            return vec![];
        }
        let k = split(n);
        let (mut path, other) = if m < k {
            (ref_path(m, &leaves[..k]), ref_mth(&leaves[k..]))
        } else {
            (ref_path(m - k, &leaves[k..]), ref_mth(&leaves[..k]))
        };
        path.push(other);
        path
    }

    /// §2.1.4.1 SUBPROOF(m, D[n], b).
    fn ref_subproof(m: usize, leaves: &[Hash], b: bool) -> Vec<Hash> {
        let n = leaves.len();
        if m == n {
            return if b { vec![] } else { vec![ref_mth(leaves)] };
        }
        let k = split(n);
        let (mut proof, other) = if m <= k {
            (ref_subproof(m, &leaves[..k], b), ref_mth(&leaves[k..]))
        } else {
            (
                ref_subproof(m - k, &leaves[k..], false),
                ref_mth(&leaves[..k]),
            )
        };
        proof.push(other);
        proof
    }

    /// §2.1.4.1 PROOF(m, D[n]), defined for 0 < m < n; empty otherwise (as generated here).
    fn ref_proof(m: usize, leaves: &[Hash]) -> Vec<Hash> {
        if m == 0 || m == leaves.len() {
            vec![]
        } else {
            ref_subproof(m, leaves, true)
        }
    }

    /// What a verifier's computation depends on besides hashes, derived from the reference
    /// recursion: for each PATH element, whether it is the left operand.
    fn ref_path_shape(m: u64, n: u64) -> Vec<bool> {
        if n <= 1 {
            return vec![];
        }
        let k = split(n as usize) as u64;
        let mut shape = if m < k {
            ref_path_shape(m, k)
        } else {
            ref_path_shape(m - k, n - k)
        };
        shape.push(m >= k);
        shape
    }

    fn inclusion_shape(index: u64, size: u64) -> Option<Vec<bool>> {
        (index < size).then(|| ref_path_shape(index, size))
    }

    /// The same for consistency: whether the first element comes from the first root (b =
    /// true at the bottom of SUBPROOF), then for each element whether it is on the left (and
    /// so part of both trees).
    fn ref_subproof_shape(m: u64, n: u64, b: bool) -> (bool, Vec<bool>) {
        if m == n {
            return (b, vec![]);
        }
        let k = split(n as usize) as u64;
        let (seed, mut ops) = if m <= k {
            ref_subproof_shape(m, k, b)
        } else {
            ref_subproof_shape(m - k, n - k, false)
        };
        ops.push(m > k);
        (seed, ops)
    }

    #[derive(Debug, PartialEq, Eq)]
    enum ConsistencyShape {
        Invalid,
        Equal { zero: bool },
        Proof(bool, Vec<bool>),
    }

    fn consistency_shape(first: u64, second: u64) -> ConsistencyShape {
        if first > second || (first == 0 && second > 0) {
            ConsistencyShape::Invalid
        } else if first == second {
            ConsistencyShape::Equal { zero: first == 0 }
        } else {
            let (seed, ops) = ref_subproof_shape(first, second, true);
            ConsistencyShape::Proof(seed, ops)
        }
    }

    // ----- Helpers -----

    fn leaves(n: usize, seed: u64) -> Vec<Hash> {
        (0..n)
            .map(|i| leaf_hash(format!("{seed}/{i}").as_bytes()))
            .collect()
    }

    fn tree_of(leaves: &[Hash]) -> MemoryTree {
        let mut tree = MemoryTree::new();
        for leaf in leaves {
            tree.push(*leaf);
        }
        tree
    }

    /// A lookup that only answers for nodes of the tree of `size` leaves.
    fn get_at(tree: &MemoryTree, size: u64) -> impl Fn(NodeId) -> Option<Hash> + '_ {
        move |id| {
            if id.exists_in(size) {
                tree.get(id)
            } else {
                None
            }
        }
    }

    fn assert_needs_ok(needs: &[NodeId], size: u64) {
        assert!(needs.len() <= 128, "{} nodes needed", needs.len());
        let unique: BTreeSet<_> = needs.iter().collect();
        assert_eq!(unique.len(), needs.len(), "duplicate needs {needs:?}");
        for id in needs {
            assert!(id.exists_in(size), "{id} is not in the tree of {size}");
        }
    }

    fn flip(hash: &Hash, bit: usize) -> Hash {
        let mut h = *hash;
        h[bit / 8 % 32] ^= 1 << (bit % 8);
        h
    }

    fn hex(s: &str) -> Vec<u8> {
        (0..s.len())
            .step_by(2)
            .map(|i| u8::from_str_radix(&s[i..i + 2], 16).unwrap())
            .collect()
    }

    // ----- 1. The transparency-dev / RFC 9162 vectors -----

    const EIGHT_LEAVES: [&str; 8] = [
        "",
        "00",
        "10",
        "2021",
        "3031",
        "40414243",
        "5051525354555657",
        "606162636465666768696a6b6c6d6e6f",
    ];
    const EIGHT_ROOT: &str = "5dc9da79a70659a9ad559cb701ded9a2ab9d823aad2f4960cfe370eff4604328";

    fn eight_leaf_tree() -> MemoryTree {
        let mut tree = MemoryTree::new();
        for data in EIGHT_LEAVES {
            tree.push_data(&hex(data));
        }
        tree
    }

    fn vectors_dir() -> PathBuf {
        PathBuf::from(concat!(
            env!("CARGO_MANIFEST_DIR"),
            "/testdata/rfc9162-vectors"
        ))
    }

    fn json_files(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in std::fs::read_dir(dir).unwrap() {
            let path = entry.unwrap().path();
            if path.is_dir() {
                json_files(&path, out);
            } else if path.extension().is_some_and(|e| e == "json") {
                out.push(path);
            }
        }
        out.sort();
    }

    struct Case {
        name: String,
        json: serde_json::Value,
    }

    impl Case {
        fn u64(&self, key: &str) -> u64 {
            self.json[key]
                .as_u64()
                .unwrap_or_else(|| panic!("{}: {key}", self.name))
        }
        fn bytes(&self, key: &str) -> Vec<u8> {
            decode(&self.json[key], &self.name)
        }
        fn hash(&self, key: &str) -> Hash {
            as_hash(&self.bytes(key))
        }
        fn proof(&self) -> Vec<Hash> {
            match &self.json["proof"] {
                serde_json::Value::Null => vec![],
                serde_json::Value::Array(items) => items
                    .iter()
                    .map(|v| as_hash(&decode(v, &self.name)))
                    .collect(),
                other => panic!("{}: proof {other}", self.name),
            }
        }
        fn want_err(&self) -> bool {
            self.json["wantErr"].as_bool().unwrap()
        }
    }

    fn decode(value: &serde_json::Value, name: &str) -> Vec<u8> {
        let text = value.as_str().unwrap_or_else(|| panic!("{name}: {value}"));
        base64::engine::general_purpose::STANDARD
            .decode(text)
            .unwrap_or_else(|e| panic!("{name}: {e}"))
    }

    /// Some vectors carry values that are not 32 bytes ("" or "don't care 1"), which a typed
    /// `Hash` cannot hold. Map them to 32-byte values that are no tree's hash, keeping equal
    /// inputs equal and different inputs different, which is all the verifier looks at.
    fn as_hash(bytes: &[u8]) -> Hash {
        bytes.try_into().unwrap_or_else(|_| {
            Sha256::new()
                .chain_update(b"test: not a 32-byte hash\0")
                .chain_update(bytes)
                .finalize()
                .into()
        })
    }

    fn cases(kind: &str) -> Vec<Case> {
        let mut files = Vec::new();
        json_files(&vectors_dir().join(kind), &mut files);
        files
            .into_iter()
            .map(|path| Case {
                name: path
                    .strip_prefix(vectors_dir())
                    .unwrap()
                    .display()
                    .to_string(),
                json: serde_json::from_str(&std::fs::read_to_string(&path).unwrap()).unwrap(),
            })
            .collect()
    }

    #[test]
    fn eight_leaf_root_matches_the_readme() {
        let tree = eight_leaf_tree();
        assert_eq!(tree.root().to_vec(), hex(EIGHT_ROOT));
        let mut f = Frontier::empty();
        for data in EIGHT_LEAVES {
            f.push(leaf_hash(&hex(data)), &mut Vec::new());
        }
        assert_eq!(f.root().to_vec(), hex(EIGHT_ROOT));
    }

    #[test]
    fn inclusion_vectors() {
        let tree = eight_leaf_tree();
        let (mut happy, mut rejected, mut generated) = (0, 0, 0);
        for case in cases("inclusion") {
            let (index, size) = (case.u64("leafIdx"), case.u64("treeSize"));
            let (root, proof) = (case.hash("root"), case.proof());
            // A leaf hash that is not 32 bytes cannot even be passed as a `Hash`: the typed
            // counterpart of transparency-dev's "leafHash has unexpected size" error. (Roots
            // and proof elements it only compares or hashes, hence `as_hash` for those.)
            let Ok(leaf) = Hash::try_from(case.bytes("leafHash")) else {
                assert!(case.want_err(), "{}: leaf hash not 32 bytes", case.name);
                rejected += 1;
                continue;
            };
            let result = verify_inclusion(index, size, &leaf, &proof, &root);
            if case.want_err() {
                assert!(result.is_err(), "{} verified", case.name);
                rejected += 1;
                continue;
            }
            assert_eq!(result, Ok(()), "{}", case.name);
            happy += 1;
            if size <= tree.size() && tree.root_at(size) == Ok(root) {
                assert_eq!(tree.get(NodeId::leaf(index)), Some(leaf), "{}", case.name);
                assert_eq!(
                    tree.inclusion_proof(index, size),
                    Ok(proof),
                    "{}",
                    case.name
                );
                generated += 1;
            }
        }
        assert_eq!((happy, rejected, generated), (6, 92, 5));
    }

    #[test]
    fn consistency_vectors() {
        let tree = eight_leaf_tree();
        let (mut happy, mut rejected, mut generated) = (0, 0, 0);
        for case in cases("consistency") {
            let (first, second) = (case.u64("size1"), case.u64("size2"));
            let (root1, root2, proof) = (case.hash("root1"), case.hash("root2"), case.proof());
            let result = verify_consistency(first, second, &root1, &root2, &proof);
            if case.want_err() {
                assert!(result.is_err(), "{} verified", case.name);
                rejected += 1;
                continue;
            }
            assert_eq!(result, Ok(()), "{}", case.name);
            happy += 1;
            if second <= tree.size()
                && tree.root_at(first) == Ok(root1)
                && tree.root_at(second) == Ok(root2)
            {
                assert_eq!(
                    tree.consistency_proof(first, second),
                    Ok(proof),
                    "{}",
                    case.name
                );
                generated += 1;
            }
        }
        assert_eq!((happy, rejected, generated), (6, 92, 5));
    }

    // ----- 2. Against the reference, exhaustively for small trees -----

    #[test]
    fn small_trees_match_the_reference() {
        const N: usize = 70;
        let leaves = leaves(N, 0);
        let tree = tree_of(&leaves);
        let roots: Vec<Hash> = (0..=N).map(|n| ref_mth(&leaves[..n])).collect();
        let mut size_changes_that_verify = 0;
        for size in 0..=N {
            let n = size as u64;
            assert_needs_ok(&root_needs(n), n);
            assert_eq!(root(n, get_at(&tree, n)), Ok(roots[size]), "size {size}");
            assert_eq!(tree.root_at(n), Ok(roots[size]));

            for index in 0..size {
                let i = index as u64;
                assert_needs_ok(&inclusion_needs(i, n).unwrap(), n);
                let proof = inclusion_proof(i, n, get_at(&tree, n)).unwrap();
                assert_eq!(proof, ref_path(index, &leaves[..size]), "{index} in {size}");
                assert_eq!(proof.len(), inclusion_proof_len(i, n));
                assert_eq!(
                    verify_inclusion(i, n, &leaves[index], &proof, &roots[size]),
                    Ok(())
                );

                // Each corruption fails.
                for e in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[e] = flip(&bad[e], e * 37);
                    assert!(verify_inclusion(i, n, &leaves[index], &bad, &roots[size]).is_err());
                }
                let mut longer = proof.clone();
                longer.push(roots[size]);
                assert!(verify_inclusion(i, n, &leaves[index], &longer, &roots[size]).is_err());
                if !proof.is_empty() {
                    let shorter = &proof[..proof.len() - 1];
                    assert!(verify_inclusion(i, n, &leaves[index], shorter, &roots[size]).is_err());
                }
                for other in 0..=N as u64 + 1 {
                    let wrong_index =
                        verify_inclusion(other, n, &leaves[index], &proof, &roots[size]);
                    assert_eq!(
                        wrong_index.is_ok(),
                        other == i,
                        "{index} as {other} in {size}"
                    );
                    if other == n {
                        continue;
                    }
                    let ok =
                        verify_inclusion(i, other, &leaves[index], &proof, &roots[size]).is_ok();
                    assert_eq!(ok, inclusion_shape(i, other) == inclusion_shape(i, n));
                    size_changes_that_verify += usize::from(ok);
                }
            }
            assert_eq!(
                inclusion_needs(n, n),
                Err(ProofError::IndexBeyondSize { index: n, size: n })
            );

            for first in 0..=size {
                let f = first as u64;
                assert_needs_ok(&consistency_needs(f, n).unwrap(), n);
                let proof = consistency_proof(f, n, get_at(&tree, n)).unwrap();
                assert_eq!(
                    proof,
                    ref_proof(first, &leaves[..size]),
                    "{first} to {size}"
                );
                let result = verify_consistency(f, n, &roots[first], &roots[size], &proof);
                if first == 0 && size > 0 {
                    assert_eq!(result, Err(ProofError::EmptyFirstTree { second: n }));
                    continue;
                }
                assert_eq!(result, Ok(()), "{first} to {size}");
                if first < size {
                    assert_eq!(proof.len(), consistency_proof_len(f, n));
                }
                for e in 0..proof.len() {
                    let mut bad = proof.clone();
                    bad[e] = flip(&bad[e], e * 53);
                    assert!(verify_consistency(f, n, &roots[first], &roots[size], &bad).is_err());
                }
                let (r1, r2) = (flip(&roots[first], 3), flip(&roots[size], 200));
                assert!(verify_consistency(f, n, &r1, &roots[size], &proof).is_err());
                assert!(verify_consistency(f, n, &roots[first], &r2, &proof).is_err());
            }
            assert_eq!(
                consistency_needs(n + 1, n),
                Err(ProofError::FirstAfterSecond {
                    first: n + 1,
                    second: n
                })
            );
        }
        // A proof does not bind the tree size (see the module docs): some do verify for
        // another size with the same left/right pattern.
        assert!(size_changes_that_verify > 0);
    }

    #[test]
    fn frontier_push_emits_exactly_the_perfect_subtrees() {
        const N: usize = 70;
        let leaves = leaves(N, 1);
        let mut f = Frontier::empty();
        assert_eq!(f.root(), empty_root());
        let mut emitted = BTreeSet::new();
        for (index, leaf) in leaves.iter().enumerate() {
            let before = f.size();
            let mut out = Vec::new();
            f.push(*leaf, &mut out);
            assert_eq!(f.size(), before + 1);
            assert_eq!(f.root(), ref_mth(&leaves[..=index]), "after {index}");
            assert_eq!(
                f.nodes().iter().map(|n| n.0).collect::<Vec<_>>(),
                frontier(f.size())
            );
            assert_eq!(out[0], (NodeId::leaf(before), *leaf));
            for (id, hash) in &out {
                // Completed by this very push, and hashed as RFC 9162 says.
                assert!(
                    id.exists_in(f.size()) && !id.exists_in(before),
                    "{id} at {index}"
                );
                let start = (id.index << id.level) as usize;
                assert_eq!(*hash, ref_mth(&leaves[start..start + (1 << id.level)]));
                assert!(emitted.insert(*id), "{id} twice");
            }
            // append_needs lists exactly the left children of the completed parents, and
            // they are nodes of the tree before the push.
            let needs = append_needs(before);
            let lefts: Vec<_> = out[1..]
                .iter()
                .map(|(id, _)| NodeId::new(id.level - 1, 2 * id.index))
                .collect();
            assert_eq!(needs, lefts);
            assert_needs_ok(&needs, before);
        }
        let all: BTreeSet<_> = (0..8u8)
            .flat_map(|level| (0..(N as u64 >> level)).map(move |i| NodeId::new(level, i)))
            .collect();
        assert_eq!(emitted, all);

        // Restarting from any stored frontier continues the same tree.
        let tree = tree_of(&leaves);
        for start in 0..=N {
            let mut f = tree.frontier_at(start as u64).unwrap();
            assert_eq!(f.root(), ref_mth(&leaves[..start]));
            for leaf in &leaves[start..] {
                f.push(*leaf, &mut Vec::new());
            }
            assert_eq!(f.root(), tree.root());
        }
        assert_eq!(
            Frontier::new(3, vec![empty_root()]),
            Err(ProofError::WrongFrontierSize {
                size: 3,
                expected: 2,
                got: 1
            })
        );
    }

    #[test]
    fn edge_cases() {
        assert!(frontier(0).is_empty());
        assert_eq!(root(0, |_| None), Ok(empty_root()));
        assert_eq!(MemoryTree::new().root(), empty_root());
        assert_eq!(
            verify_inclusion(0, 0, &empty_root(), &[], &empty_root()),
            Err(ProofError::IndexBeyondSize { index: 0, size: 0 })
        );
        assert_eq!(
            verify_consistency(0, 0, &empty_root(), &empty_root(), &[]),
            Ok(())
        );
        let other = leaf_hash(b"x");
        assert_eq!(
            verify_consistency(0, 0, &other, &other, &[]),
            Err(ProofError::RootMismatch)
        );
        assert_eq!(verify_consistency(1, 1, &other, &other, &[]), Ok(()));
        assert_eq!(consistency_needs(0, 5), Ok(vec![]));
        assert_eq!(consistency_needs(5, 5), Ok(vec![]));
        assert_eq!(
            root(1, |_| None),
            Err(ProofError::MissingNode(NodeId::leaf(0)))
        );
        assert_eq!(
            frontier(13),
            vec![NodeId::new(3, 0), NodeId::new(2, 2), NodeId::new(0, 12)]
        );
        assert_eq!(append_needs(3), vec![NodeId::new(0, 2), NodeId::new(1, 0)]);
        assert!(!NodeId::new(64, 0).exists_in(u64::MAX));
        assert!(NodeId::new(63, 0).exists_in(u64::MAX));
        assert!(!NodeId::new(63, 1).exists_in(u64::MAX));
        assert_eq!(NodeId::new(2, 5).to_string(), "(level 2, index 5)");

        // The module docs' example: a proof does not bind the tree size.
        let tree = tree_of(&leaves(8, 2));
        let proof = tree.inclusion_proof(4, 8).unwrap();
        let leaf = tree.get(NodeId::leaf(4)).unwrap();
        assert_eq!(verify_inclusion(4, 7, &leaf, &proof, &tree.root()), Ok(()));
        assert_ne!(tree.root_at(7).unwrap(), tree.root());
        let codes = [
            ProofError::IndexBeyondSize { index: 0, size: 0 }.code(),
            ProofError::FirstAfterSecond {
                first: 1,
                second: 0,
            }
            .code(),
            ProofError::EmptyFirstTree { second: 1 }.code(),
            ProofError::WrongProofSize {
                expected: 0,
                got: 1,
            }
            .code(),
            ProofError::WrongFrontierSize {
                size: 1,
                expected: 1,
                got: 0,
            }
            .code(),
            ProofError::MissingNode(NodeId::leaf(0)).code(),
            ProofError::RootMismatch.code(),
        ];
        assert_eq!(codes.iter().collect::<BTreeSet<_>>().len(), codes.len());
    }

    // ----- 3. and 4. Properties -----

    /// A tree whose leaves are all equal: a perfect node's hash depends only on its level, so
    /// trees of any size up to u64::MAX can be "stored" in 64 hashes.
    fn uniform_levels() -> Vec<Hash> {
        let mut levels = vec![leaf_hash(b"uniform")];
        for l in 0..63 {
            let h = levels[l];
            levels.push(node_hash(&h, &h));
        }
        levels
    }

    proptest! {
        #![proptest_config(ProptestConfig::with_cases(128))]

        #[test]
        fn random_inclusion_proofs(
            size in 1u64..=2000,
            seed: u64,
            pick: u64,
            elem: usize,
            bit in 0usize..256,
            other_index in 0u64..2100,
            other_size in 1u64..2100,
        ) {
            let leaves = leaves(size as usize, seed);
            let tree = tree_of(&leaves);
            let index = pick % size;
            let leaf = leaves[index as usize];
            let root = tree.root();
            prop_assert_eq!(root, ref_mth(&leaves));
            let needs = inclusion_needs(index, size).unwrap();
            assert_needs_ok(&needs, size);
            let proof = tree.inclusion_proof(index, size).unwrap();
            prop_assert_eq!(&proof, &ref_path(index as usize, &leaves));
            prop_assert_eq!(verify_inclusion(index, size, &leaf, &proof, &root), Ok(()));

            if !proof.is_empty() {
                let mut bad = proof.clone();
                let e = elem % bad.len();
                bad[e] = flip(&bad[e], bit);
                prop_assert!(verify_inclusion(index, size, &leaf, &bad, &root).is_err());
            }
            prop_assert!(verify_inclusion(index, size, &flip(&leaf, bit), &proof, &root).is_err());
            prop_assert!(verify_inclusion(index, size, &leaf, &proof, &flip(&root, bit)).is_err());

            // Another index never verifies; another size only where the verifier does the
            // very same computation (the same left/right pattern).
            let original = inclusion_shape(index, size);
            for (i, n) in [(other_index, size), (index, other_size), (other_index, other_size)] {
                if (i, n) != (index, size) {
                    let ok = verify_inclusion(i, n, &leaf, &proof, &root).is_ok();
                    prop_assert_eq!(ok, inclusion_shape(i, n) == original, "{} in {}", i, n);
                }
            }
            if other_index != index {
                prop_assert!(verify_inclusion(other_index, size, &leaf, &proof, &root).is_err());
            }
        }

        #[test]
        fn random_consistency_proofs(
            second in 1u64..=2000,
            seed: u64,
            pick: u64,
            elem: usize,
            bit in 0usize..256,
            other_first in 0u64..2100,
            other_second in 0u64..2100,
        ) {
            let leaves = leaves(second as usize, seed);
            let tree = tree_of(&leaves);
            let first = 1 + pick % second;
            let (root1, root2) = (tree.root_at(first).unwrap(), tree.root());
            let needs = consistency_needs(first, second).unwrap();
            assert_needs_ok(&needs, second);
            let proof = tree.consistency_proof(first, second).unwrap();
            prop_assert_eq!(&proof, &ref_proof(first as usize, &leaves));
            prop_assert_eq!(verify_consistency(first, second, &root1, &root2, &proof), Ok(()));

            if !proof.is_empty() {
                let mut bad = proof.clone();
                let e = elem % bad.len();
                bad[e] = flip(&bad[e], bit);
                prop_assert!(verify_consistency(first, second, &root1, &root2, &bad).is_err());
            }
            let (bad1, bad2) = (flip(&root1, bit), flip(&root2, bit));
            prop_assert!(verify_consistency(first, second, &bad1, &root2, &proof).is_err());
            prop_assert!(verify_consistency(first, second, &root1, &bad2, &proof).is_err());

            let original = consistency_shape(first, second);
            for (f, s) in [(other_first, second), (first, other_second), (other_first, other_second)] {
                if (f, s) != (first, second) {
                    let ok = verify_consistency(f, s, &root1, &root2, &proof).is_ok();
                    prop_assert_eq!(ok, consistency_shape(f, s) == original, "{} to {}", f, s);
                }
            }
        }

        #[test]
        fn huge_trees_need_few_nodes_and_verify(size in 1u64..=u64::MAX, pick: u64, pick_first: u64) {
            let levels = uniform_levels();
            let get = |id: NodeId| {
                assert!(id.exists_in(size), "{id} is not in the tree of {size}");
                Some(levels[usize::from(id.level)])
            };
            let index = pick % size;
            let first = 1 + pick_first % size;
            assert_needs_ok(&root_needs(size), size);
            assert_needs_ok(&inclusion_needs(index, size).unwrap(), size);
            assert_needs_ok(&consistency_needs(first, size).unwrap(), size);
            assert_needs_ok(&append_needs(size), size);
            prop_assert!(append_needs(size).len() <= 64);

            let root2 = root(size, get).unwrap();
            let proof = inclusion_proof(index, size, get).unwrap();
            prop_assert_eq!(proof.len(), inclusion_proof_len(index, size));
            prop_assert_eq!(verify_inclusion(index, size, &levels[0], &proof, &root2), Ok(()));
            let root1 = root(first, |id| Some(levels[usize::from(id.level)])).unwrap();
            let proof = consistency_proof(first, size, get).unwrap();
            prop_assert_eq!(verify_consistency(first, size, &root1, &root2, &proof), Ok(()));
        }
    }

    #[test]
    fn the_largest_tree() {
        let levels = uniform_levels();
        let get = |id: NodeId| {
            id.exists_in(u64::MAX)
                .then(|| levels[usize::from(id.level)])
        };
        let max = u64::MAX;
        let root_max = root(max, get).unwrap();
        for index in [0, 1, max / 2, max - 2, max - 1] {
            let needs = inclusion_needs(index, max).unwrap();
            assert_needs_ok(&needs, max);
            let proof = inclusion_proof(index, max, get).unwrap();
            assert_eq!(
                verify_inclusion(index, max, &levels[0], &proof, &root_max),
                Ok(())
            );
        }
        for first in [1, 2, 3, max / 2, max - 1] {
            assert_needs_ok(&consistency_needs(first, max).unwrap(), max);
            let proof = consistency_proof(first, max, get).unwrap();
            let root1 = root(first, get).unwrap();
            assert_eq!(
                verify_consistency(first, max, &root1, &root_max, &proof),
                Ok(())
            );
        }
        // Appending the last possible leaf.
        let hashes = frontier(max - 1)
            .iter()
            .map(|id| levels[usize::from(id.level)])
            .collect();
        let mut f = Frontier::new(max - 1, hashes).unwrap();
        let mut out = Vec::new();
        f.push(levels[0], &mut out);
        assert_eq!(out, vec![(NodeId::leaf(max - 1), levels[0])]);
        assert_eq!(f.root(), root_max);
    }
}
