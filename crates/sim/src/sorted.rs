//! [`SortedMap`]: an ordered map as a sorted `Vec`, for the small, mostly appended-to tables of
//! the checker. Each `BTreeMap<K, V>` instantiation is 4–10 KB of the page's wasm; this is a
//! binary search and a `Vec` insert. Same calls as `BTreeMap` for what is used of it.

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SortedMap<K, V>(Vec<(K, V)>);

impl<K, V> Default for SortedMap<K, V> {
    fn default() -> Self {
        SortedMap(Vec::new())
    }
}

impl<K: Ord, V> SortedMap<K, V> {
    pub fn new() -> Self {
        Self::default()
    }

    fn find(&self, k: &K) -> Result<usize, usize> {
        // Keys mostly arrive in order: the last one first.
        match self.0.last() {
            Some((last, _)) if last < k => Err(self.0.len()),
            _ => self.0.binary_search_by(|(x, _)| x.cmp(k)),
        }
    }

    pub fn get(&self, k: &K) -> Option<&V> {
        self.find(k).ok().map(|at| &self.0[at].1)
    }

    /// Insert, returning the value `k` had.
    pub fn insert(&mut self, k: K, v: V) -> Option<V> {
        match self.find(&k) {
            Ok(at) => Some(std::mem::replace(&mut self.0[at].1, v)),
            Err(at) => {
                self.0.insert(at, (k, v));
                None
            }
        }
    }

    pub fn retain(&mut self, mut keep: impl FnMut(&K, &mut V) -> bool) {
        self.0.retain_mut(|(k, v)| keep(k, v));
    }

    pub fn len(&self) -> usize {
        self.0.len()
    }

    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }

    /// In key order.
    pub fn iter(&self) -> impl Iterator<Item = (&K, &V)> {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

impl<'a, K: Ord, V> IntoIterator for &'a SortedMap<K, V> {
    type Item = (&'a K, &'a V);
    type IntoIter = std::iter::Map<std::slice::Iter<'a, (K, V)>, fn(&'a (K, V)) -> (&'a K, &'a V)>;
    fn into_iter(self) -> Self::IntoIter {
        self.0.iter().map(|(k, v)| (k, v))
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    #[test]
    fn behaves_as_a_btreemap() {
        let mut rng = crate::rng::SimRng::new(3);
        let (mut s, mut b) = (SortedMap::new(), BTreeMap::new());
        for step in 0..20_000u64 {
            let k = if rng.chance(700_000) { step / 3 } else { rng.range(0, step / 3 + 1) };
            assert_eq!(s.insert(k, step), b.insert(k, step));
            if step % 1000 == 999 {
                let floor = step / 6;
                s.retain(|&k, _| k > floor);
                b.retain(|&k, _| k > floor);
            }
            let probe = rng.range(0, step / 3 + 2);
            assert_eq!(s.get(&probe), b.get(&probe));
            assert_eq!(s.len(), b.len());
        }
        assert!(s.iter().eq(b.iter()));
    }
}
