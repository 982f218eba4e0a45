//! The visited set: 64-bit fingerprints in an open-addressing table (linear probing, 0 marks an
//! empty slot, so fingerprints are never 0), 8 bytes a slot, grown ×2 past three quarters full.
//! The search splits it into shards by the fingerprint's top bits, each owned by one thread while
//! inserting and shared read-only while expanding.

pub struct FpSet {
    slots: Vec<u64>,
    len: usize,
}

impl Default for FpSet {
    fn default() -> Self {
        FpSet { slots: vec![0; 1024], len: 0 }
    }
}

impl FpSet {
    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    /// Bytes the table holds.
    pub fn bytes(&self) -> usize {
        self.slots.len() * 8
    }

    fn home(&self, fp: u64) -> usize {
        // The low bits (the top ones choose the shard).
        fp as usize & (self.slots.len() - 1)
    }

    pub fn contains(&self, fp: u64) -> bool {
        debug_assert_ne!(fp, 0);
        let mask = self.slots.len() - 1;
        let mut i = self.home(fp);
        loop {
            match self.slots[i] {
                0 => return false,
                x if x == fp => return true,
                _ => i = (i + 1) & mask,
            }
        }
    }

    /// Add `fp`; true if it was not there.
    pub fn insert(&mut self, fp: u64) -> bool {
        debug_assert_ne!(fp, 0);
        if (self.len + 1) * 4 > self.slots.len() * 3 {
            self.grow();
        }
        let mask = self.slots.len() - 1;
        let mut i = self.home(fp);
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = fp;
                    self.len += 1;
                    return true;
                }
                x if x == fp => return false,
                _ => i = (i + 1) & mask,
            }
        }
    }

    fn grow(&mut self) {
        let bigger = vec![0; self.slots.len() * 2];
        let old = std::mem::replace(&mut self.slots, bigger);
        let mask = self.slots.len() - 1;
        for fp in old.into_iter().filter(|&x| x != 0) {
            let mut i = self.home(fp);
            while self.slots[i] != 0 {
                i = (i + 1) & mask;
            }
            self.slots[i] = fp;
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn holds_what_was_inserted_and_nothing_else() {
        let mut s = FpSet::default();
        let fp = |k: u64| crate::digest::Digest::of(&[k]).max(1);
        for k in 0..10_000 {
            assert!(s.insert(fp(k)));
        }
        for k in 0..10_000 {
            assert!(!s.insert(fp(k)), "a second insert finds it");
            assert!(s.contains(fp(k)));
        }
        assert!((10_000..20_000).all(|k| !s.contains(fp(k))));
        assert_eq!(s.len(), 10_000);
        assert!(s.bytes() <= 16 * 8 * 1024 * 2, "grown by doubling only: {}", s.bytes());
    }
}
