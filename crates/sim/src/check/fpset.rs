//! The visited set: 64-bit fingerprints in an open-addressing table (linear probing; 0 marks an
//! empty slot, so fingerprints are never 0), 8 bytes a slot, at most 85 % full and grown by half
//! when it gets there, so it holds 9.4–14 bytes per fingerprint. A fingerprint's home slot comes
//! from its bits below the top [`SKIP`] (the search picks shards by those) by multiply-shift, so
//! the table can have any size. The search splits the set into shards, each owned by one thread
//! while inserting and shared read-only while expanding.

pub struct FpSet {
    slots: Vec<u64>,
    len: usize,
}

/// Top bits of a fingerprint that are not used for the home slot.
pub const SKIP: u32 = 8;

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
        (((fp << SKIP) as u128 * self.slots.len() as u128) >> 64) as usize
    }

    /// Ask the memory system for `fp`'s home slot now, to look it up a little later.
    #[inline]
    pub fn prefetch(&self, fp: u64) {
        #[cfg(target_arch = "x86_64")]
        {
            let p = self.slots[self.home(fp)..].as_ptr() as *const i8;
            // SAFETY: a prefetch is a hint: it reads nothing into the program and cannot fault, and
            // SSE (which it needs) is part of every x86-64 target.
            unsafe { std::arch::x86_64::_mm_prefetch::<{ std::arch::x86_64::_MM_HINT_T0 }>(p) };
        }
        #[cfg(not(target_arch = "x86_64"))]
        let _ = fp;
    }

    pub fn contains(&self, fp: u64) -> bool {
        debug_assert_ne!(fp, 0);
        let n = self.slots.len();
        let mut i = self.home(fp);
        loop {
            match self.slots[i] {
                0 => return false,
                x if x == fp => return true,
                _ => i = if i + 1 == n { 0 } else { i + 1 },
            }
        }
    }

    /// Add `fp`; true if it was not there.
    pub fn insert(&mut self, fp: u64) -> bool {
        debug_assert_ne!(fp, 0);
        if (self.len + 1) * 20 > self.slots.len() * 17 {
            self.grow();
        }
        let n = self.slots.len();
        let mut i = self.home(fp);
        loop {
            match self.slots[i] {
                0 => {
                    self.slots[i] = fp;
                    self.len += 1;
                    return true;
                }
                x if x == fp => return false,
                _ => i = if i + 1 == n { 0 } else { i + 1 },
            }
        }
    }

    fn grow(&mut self) {
        let bigger = vec![0; self.slots.len() / 2 * 3];
        let old = std::mem::replace(&mut self.slots, bigger);
        let n = self.slots.len();
        for fp in old.into_iter().filter(|&x| x != 0) {
            let mut i = self.home(fp);
            while self.slots[i] != 0 {
                i = if i + 1 == n { 0 } else { i + 1 };
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
        for k in 0..100_000 {
            assert!(s.insert(fp(k)));
        }
        for k in 0..100_000 {
            assert!(!s.insert(fp(k)), "a second insert finds it");
            assert!(s.contains(fp(k)));
        }
        assert!((100_000..200_000).all(|k| !s.contains(fp(k))));
        assert_eq!(s.len(), 100_000);
        let per = s.bytes() as f64 / s.len() as f64;
        assert!((8.0 / 0.85..=8.0 / 0.85 * 1.5).contains(&per), "{per} bytes per fingerprint");
        // Fingerprints that share their top bits (one shard's) spread over the whole table.
        let mut t = FpSet::default();
        for k in 0..10_000 {
            t.insert(fp(k) >> 4 | 0xA << 60);
        }
        assert!((0..10_000).all(|k| t.contains(fp(k) >> 4 | 0xA << 60)));
        assert!(t.bytes() < 10_000 * 16, "{} bytes", t.bytes());
    }
}
