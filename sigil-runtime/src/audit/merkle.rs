//! RFC 6962 Merkle tree hashing (SHA-256), kept incrementally: a compact range holds the roots of
//! the perfect subtrees that make up the tree (one per set bit of its size), so an append costs
//! O(1) amortised hashing and the state is O(log n).

use sha2::{Digest, Sha256};

/// SHA-256 of `0x00 || data`: the RFC 6962 leaf hash. Also the `prev` of the next record.
pub fn leaf_hash(data: &[u8]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([0u8]);
    h.update(data);
    h.finalize().into()
}

/// SHA-256 of `0x01 || left || right`: the RFC 6962 interior node hash.
pub fn node_hash(left: &[u8; 32], right: &[u8; 32]) -> [u8; 32] {
    let mut h = Sha256::new();
    h.update([1u8]);
    h.update(left);
    h.update(right);
    h.finalize().into()
}

/// The incremental Merkle tree state over leaf hashes.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct MerkleRange {
    size: u64,
    /// Roots of perfect subtrees, left to right, largest first.
    peaks: Vec<[u8; 32]>,
}

impl MerkleRange {
    /// An empty tree.
    pub fn new() -> Self {
        Self::default()
    }

    /// Number of leaves.
    pub fn size(&self) -> u64 {
        self.size
    }

    /// Appends one leaf, given as its leaf hash.
    pub fn push(&mut self, leaf: [u8; 32]) {
        let mut hash = leaf;
        let mut size = self.size;
        while size & 1 == 1 {
            let Some(left) = self.peaks.pop() else { break };
            hash = node_hash(&left, &hash);
            size >>= 1;
        }
        self.peaks.push(hash);
        self.size += 1;
    }

    /// The RFC 6962 Merkle tree hash of all leaves so far (SHA-256 of nothing when empty).
    pub fn root(&self) -> [u8; 32] {
        let mut peaks = self.peaks.iter().rev();
        let Some(last) = peaks.next() else {
            return Sha256::digest([]).into();
        };
        peaks.fold(*last, |acc, left| node_hash(left, &acc))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// The RFC 6962 definition, recursively, to check the incremental form against.
    fn reference_root(leaves: &[[u8; 32]]) -> [u8; 32] {
        match leaves.len() {
            0 => Sha256::digest([]).into(),
            1 => leaves[0],
            n => {
                let k = 1 << (usize::BITS - 1 - (n - 1).leading_zeros());
                node_hash(&reference_root(&leaves[..k]), &reference_root(&leaves[k..]))
            }
        }
    }

    #[test]
    fn incremental_root_matches_recursive_definition() {
        let leaves: Vec<[u8; 32]> = (0u32..70).map(|i| leaf_hash(&i.to_be_bytes())).collect();
        let mut tree = MerkleRange::new();
        for (i, leaf) in leaves.iter().enumerate() {
            tree.push(*leaf);
            assert_eq!(tree.root(), reference_root(&leaves[..=i]), "size {}", i + 1);
            assert!(tree.peaks.len() <= 7);
        }
    }
}
