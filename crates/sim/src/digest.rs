//! A word-at-a-time fingerprint over explicitly chosen fields (each 64-bit word folded in with a
//! splitmix64 round): a run's fingerprint that is the same natively and in wasm (no `Hash` derive,
//! whose output depends on pointer width), at two multiplications per word.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest(pub u64);

impl Default for Digest {
    fn default() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
}

impl Digest {
    pub fn u64(&mut self, v: u64) {
        let mut z = (self.0 ^ v).wrapping_add(0x9E37_79B9_7F4A_7C15);
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        self.0 = z ^ (z >> 31);
    }
    pub fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        for chunk in v.chunks(8) {
            let mut w = [0u8; 8];
            w[..chunk.len()].copy_from_slice(chunk);
            self.u64(u64::from_le_bytes(w));
        }
    }
    pub fn u32(&mut self, v: u32) {
        self.u64(v as u64)
    }
    pub fn of(fields: &[u64]) -> u64 {
        let mut d = Digest::default();
        for &f in fields {
            d.u64(f);
        }
        d.0
    }
}

/// A stable 64-bit fingerprint of a log entry (term and payload).
pub fn entry_hash(e: &raft::Entry) -> u64 {
    use raft::EntryData;
    let mut d = Digest::default();
    d.u64(e.term);
    match e.data {
        EntryData::Noop => d.u64(0),
        EntryData::Command(c) => {
            d.u64(1);
            d.u32(c.client);
            d.u32(c.seq);
            d.u64(op_hash(&c.op));
        }
        EntryData::Config(m) => {
            d.u64(2);
            d.u64(m.voters.0);
            d.u64(m.outgoing.0);
            d.u64(m.learners.0);
        }
    }
    d.0
}

/// A stable fingerprint of a client operation.
pub fn op_hash(op: &raft::Op) -> u64 {
    use raft::Op;
    match *op {
        Op::Set { key, value } => Digest::of(&[1, key as u64, value as u64]),
        Op::Get { key } => Digest::of(&[2, key as u64]),
        Op::Add { key, delta } => Digest::of(&[3, key as u64, delta as u64]),
    }
}
