//! A vector that is cheap to clone: its elements live in fixed-size chunks behind reference
//! counts, so a clone shares every chunk and a write copies only the chunk it touches. The
//! simulator keeps checkpoints of whole clusters for seeking; with logs and tables in chunks, a
//! checkpoint costs what changed since the last one, not the length of the history.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Index;

/// Elements per chunk (a power of two).
pub const CHUNK: usize = 256;

#[derive(Clone, Debug)]
pub struct Chunked<T> {
    chunks: Vec<Arc<Vec<T>>>,
    /// Elements removed from the front of the first chunk (see [`Chunked::drop_front`]).
    head: usize,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), head: 0, len: 0 }
    }
}

impl<T: PartialEq + Clone> PartialEq for Chunked<T> {
    fn eq(&self, other: &Self) -> bool {
        self.len == other.len && self.iter().eq(other.iter())
    }
}
impl<T: Eq + Clone> Eq for Chunked<T> {}

impl<T: core::hash::Hash + Clone> core::hash::Hash for Chunked<T> {
    fn hash<H: core::hash::Hasher>(&self, state: &mut H) {
        self.len.hash(state);
        for x in self.iter() {
            x.hash(state);
        }
    }
}

impl<T: Clone> Chunked<T> {
    pub fn new() -> Self {
        Self::default()
    }

    pub fn len(&self) -> usize {
        self.len
    }

    pub fn is_empty(&self) -> bool {
        self.len == 0
    }

    pub fn get(&self, i: usize) -> Option<&T> {
        if i >= self.len {
            return None;
        }
        let j = i + self.head;
        Some(&self.chunks[j / CHUNK][j % CHUNK])
    }

    /// Mutable access (copies the chunk if a clone shares it).
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        let j = i + self.head;
        Some(&mut Arc::make_mut(&mut self.chunks[j / CHUNK])[j % CHUNK])
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    pub fn push(&mut self, x: T) {
        let j = self.head + self.len;
        if j / CHUNK == self.chunks.len() {
            self.chunks.push(Arc::new(Vec::with_capacity(CHUNK)));
        }
        let last = Arc::make_mut(self.chunks.last_mut().expect("a chunk"));
        if last.capacity() < CHUNK {
            // A chunk copied on write has only its length: give it the whole chunk once.
            last.reserve_exact(CHUNK - last.len());
        }
        last.push(x);
        self.len += 1;
    }

    /// Keep the first `n` elements.
    pub fn truncate(&mut self, n: usize) {
        if n >= self.len {
            return;
        }
        if n == 0 {
            self.clear();
            return;
        }
        let end = self.head + n; // elements kept, counting the dead head
        self.chunks.truncate(end.div_ceil(CHUNK));
        let keep = end - (self.chunks.len() - 1) * CHUNK;
        let last = self.chunks.last_mut().expect("a chunk");
        if last.len() > keep {
            Arc::make_mut(last).truncate(keep);
        }
        self.len = n;
    }

    /// Remove the first `n` elements (whole chunks are freed; a partial one stays until emptied).
    pub fn drop_front(&mut self, n: usize) {
        let n = n.min(self.len);
        if n == self.len {
            self.clear();
            return;
        }
        let dead = self.head + n;
        self.chunks.drain(..dead / CHUNK);
        self.head = dead % CHUNK;
        self.len -= n;
    }

    pub fn clear(&mut self) {
        self.chunks.clear();
        self.head = 0;
        self.len = 0;
    }

    /// Elements `from..` in order (double-ended, so `.rev()` works).
    pub fn iter_from(&self, from: usize) -> Iter<'_, T> {
        Iter { c: self, range: from.min(self.len)..self.len }
    }

    pub fn iter(&self) -> Iter<'_, T> {
        self.iter_from(0)
    }

    /// The first index whose element does not satisfy `pred` (which must hold for a prefix).
    pub fn partition_point(&self, mut pred: impl FnMut(&T) -> bool) -> usize {
        let (mut lo, mut hi) = (0, self.len);
        while lo < hi {
            let mid = lo + (hi - lo) / 2;
            if pred(self.get(mid).expect("in range")) {
                lo = mid + 1;
            } else {
                hi = mid;
            }
        }
        lo
    }

    /// The chunks' addresses and sizes in bytes, so a caller can count memory shared between
    /// clones once.
    pub fn chunks(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        self.chunks.iter().map(|c| (Arc::as_ptr(c) as usize, c.capacity() * core::mem::size_of::<T>()))
    }
}

/// An iterator over a [`Chunked`] range.
#[derive(Clone, Debug)]
pub struct Iter<'a, T> {
    c: &'a Chunked<T>,
    range: core::ops::Range<usize>,
}

impl<'a, T> Iter<'a, T> {
    fn at(&self, i: usize) -> &'a T {
        let j = i + self.c.head;
        &self.c.chunks[j / CHUNK][j % CHUNK]
    }
}

impl<'a, T> Iterator for Iter<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        let i = self.range.next()?;
        Some(self.at(i))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl<T> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let i = self.range.next_back()?;
        Some(self.at(i))
    }
}

impl<T> ExactSizeIterator for Iter<'_, T> {}

impl<'a, T: Clone> IntoIterator for &'a Chunked<T> {
    type Item = &'a T;
    type IntoIter = Iter<'a, T>;
    fn into_iter(self) -> Iter<'a, T> {
        self.iter()
    }
}

impl<T: Clone> Index<usize> for Chunked<T> {
    type Output = T;
    fn index(&self, i: usize) -> &T {
        self.get(i).expect("index out of range")
    }
}

impl<T: Clone> FromIterator<T> for Chunked<T> {
    fn from_iter<I: IntoIterator<Item = T>>(iter: I) -> Self {
        let mut c = Chunked::new();
        for x in iter {
            c.push(x);
        }
        c
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use alloc::vec;

    #[test]
    fn behaves_like_a_vector() {
        let mut c: Chunked<u32> = Chunked::new();
        let mut v: Vec<u32> = Vec::new();
        let mut x = 7u32;
        for step in 0..20_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            match x % 11 {
                0 if !v.is_empty() => {
                    let n = (x as usize / 11) % v.len();
                    c.truncate(n);
                    v.truncate(n);
                }
                1 if !v.is_empty() => {
                    let n = (x as usize / 11) % (v.len() + 1);
                    c.drop_front(n);
                    v.drain(..n);
                }
                2 if !v.is_empty() => {
                    let i = (x as usize / 11) % v.len();
                    *c.get_mut(i).unwrap() = step;
                    v[i] = step;
                }
                _ => {
                    c.push(step);
                    v.push(step);
                }
            }
            assert_eq!(c.len(), v.len());
            if step % 97 == 0 {
                assert!(c.iter().eq(v.iter()));
                assert!(c.iter().rev().eq(v.iter().rev()));
                assert_eq!(c.last(), v.last());
            }
        }
    }

    #[test]
    fn clones_share_chunks_and_copy_on_write() {
        let a: Chunked<u64> = (0..10 * CHUNK as u64).collect();
        let mut b = a.clone();
        let shared =
            |a: &Chunked<u64>, b: &Chunked<u64>| a.chunks().zip(b.chunks()).filter(|(x, y)| x.0 == y.0).count();
        assert_eq!(shared(&a, &b), 10);
        b.push(1);
        *b.get_mut(0).unwrap() = 99;
        assert_eq!(shared(&a, &b), 9, "only the written chunk was copied");
        assert_eq!(a[0], 0);
        assert_eq!(b[0], 99);
        assert_eq!(a.partition_point(|&x| x < 1000), 1000);
        assert_eq!(
            vec![1, 2, 3].into_iter().collect::<Chunked<i32>>().iter().copied().collect::<Vec<_>>(),
            vec![1, 2, 3]
        );
    }
}
