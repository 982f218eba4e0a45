//! FNV-1a over explicitly chosen fields: a run's fingerprint that is the same natively and in wasm
//! (no `Hash` derive, whose output depends on pointer width).

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Digest(pub u64);

impl Default for Digest {
    fn default() -> Self {
        Digest(0xcbf2_9ce4_8422_2325)
    }
}

impl Digest {
    pub fn u64(&mut self, v: u64) {
        for b in v.to_le_bytes() {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
        }
    }
    pub fn bytes(&mut self, v: &[u8]) {
        self.u64(v.len() as u64);
        for &b in v {
            self.0 ^= b as u64;
            self.0 = self.0.wrapping_mul(0x0000_0100_0000_01b3);
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
