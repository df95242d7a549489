//! RFC 6962 Merkle tree hash known answers (the certificate-transparency test vectors), from a
//! data file.

use sigil_runtime::audit::{MerkleRange, leaf_hash};

fn unhex(text: &str) -> Vec<u8> {
    (0..text.len())
        .step_by(2)
        .map(|i| u8::from_str_radix(&text[i..i + 2], 16).unwrap())
        .collect()
}

#[test]
fn roots_for_sizes_one_to_eight_match_the_vectors() {
    let data = include_str!("data/audit_rfc6962_vectors.txt");
    let mut leaves = Vec::new();
    let mut roots = Vec::new();
    for line in data.lines().filter(|l| !l.starts_with('#')) {
        match line.split(' ').collect::<Vec<_>>().as_slice() {
            ["leaf"] => leaves.push(Vec::new()),
            ["leaf", hex] => leaves.push(unhex(hex)),
            ["root", n, hex] => roots.push((n.parse::<usize>().unwrap(), unhex(hex))),
            other => panic!("bad vector line {other:?}"),
        }
    }
    assert_eq!((leaves.len(), roots.len()), (8, 8));
    let mut tree = MerkleRange::new();
    for (i, leaf) in leaves.iter().enumerate() {
        tree.push(leaf_hash(leaf));
        let (n, expected) = &roots[i];
        assert_eq!(*n, i + 1);
        assert_eq!(tree.root().to_vec(), *expected, "root of size {n}");
    }
}

#[test]
fn the_empty_tree_is_the_hash_of_nothing() {
    let empty = "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855";
    assert_eq!(MerkleRange::new().root().to_vec(), unhex(empty));
}
