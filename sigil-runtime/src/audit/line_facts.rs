//! The parallel half of verification: per line, independently of the others, its leaf hash,
//! whether it parses as a canonical record, and whether its MAC holds under the key of the epoch
//! it claims. The chain, sequence and epoch checks then run sequentially over these facts.

use super::canonical_line_reader::scan;
use super::epoch_key::EpochKey;
use super::keys::MacKey;
use super::merkle::leaf_hash;
use super::record::Record;

/// What one line says.
pub(crate) struct LineFacts {
    pub(crate) leaf: [u8; 32],
    pub(crate) record: Option<RecordFacts>,
}

/// The fields the sequential checks need, from a canonical line.
pub(crate) struct RecordFacts {
    pub(crate) seq: u64,
    pub(crate) epoch: u64,
    pub(crate) is_key_epoch: bool,
    pub(crate) log: Option<String>,
    pub(crate) prev: [u8; 32],
    pub(crate) mac_ok: bool,
}

/// Epoch keys derived on demand from the initial key, up to `cap`.
pub(crate) struct KeyChain {
    keys: Vec<EpochKey>,
    cap: u64,
}

impl KeyChain {
    pub(crate) fn new(mac_key: &MacKey, cap: u64) -> Self {
        Self {
            keys: vec![EpochKey::new(0, mac_key.bytes())],
            cap,
        }
    }

    /// The key of `epoch`; `None` past `cap` (no log of this length reaches that epoch).
    pub(crate) fn get(&mut self, epoch: u64) -> Option<&EpochKey> {
        if epoch > self.cap {
            return None;
        }
        while (self.keys.len() as u64) <= epoch {
            let next = self.keys.last()?.next();
            self.keys.push(next);
        }
        self.keys.get(usize::try_from(epoch).ok()?)
    }
}

/// Analyses `lines` on up to `threads` threads, each with its own key chain.
pub(crate) fn analyse(lines: &[&[u8]], chains: &mut [KeyChain]) -> Vec<LineFacts> {
    let per_thread = lines.len().div_ceil(chains.len().max(1)).max(1);
    if chains.len() <= 1 || lines.len() < 2048 {
        return analyse_on(lines, &mut chains[0]);
    }
    std::thread::scope(|scope| {
        let handles: Vec<_> = lines
            .chunks(per_thread)
            .zip(chains.iter_mut())
            .map(|(chunk, chain)| scope.spawn(move || analyse_on(chunk, chain)))
            .collect();
        handles
            .into_iter()
            .flat_map(|h| h.join().unwrap_or_default())
            .collect()
    })
}

fn analyse_on(lines: &[&[u8]], chain: &mut KeyChain) -> Vec<LineFacts> {
    lines
        .iter()
        .map(|line| LineFacts {
            leaf: leaf_hash(line),
            record: facts(line, chain),
        })
        .collect()
}

fn facts(line: &[u8], chain: &mut KeyChain) -> Option<RecordFacts> {
    let record = scan(line)?;
    let body = &line[..Record::mac_input_len(line)];
    let mac_ok = chain
        .get(record.epoch)
        .is_some_and(|k| k.mac(&[body, b"}"]) == record.mac);
    Some(RecordFacts {
        seq: record.seq,
        epoch: record.epoch,
        is_key_epoch: record.event == b"key_epoch",
        log: record.log.map(str::to_owned),
        prev: record.prev,
        mac_ok,
    })
}
