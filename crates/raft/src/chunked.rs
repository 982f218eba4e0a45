//! A vector that is cheap to clone: its elements live in fixed-size chunks behind reference
//! counts, so a clone shares every full chunk and a write copies only the chunk it touches. The
//! simulator keeps checkpoints of whole clusters for seeking; with logs and tables in chunks, a
//! checkpoint costs what changed since the last one, not the length of the history. The last,
//! partial chunk is owned outright (a clone copies it): that is where pushes go, and a push then
//! never has to ask whether a clone shares its chunk.

use alloc::sync::Arc;
use alloc::vec::Vec;
use core::ops::Index;

/// Elements per chunk (a power of two).
pub const CHUNK: usize = 256;

#[derive(Clone, Debug)]
pub struct Chunked<T> {
    /// Full chunks of CHUNK elements, shared between clones.
    chunks: Vec<Arc<Vec<T>>>,
    /// The elements after the full chunks (fewer than CHUNK).
    tail: Vec<T>,
    /// Elements removed from the front of the first chunk, or of the tail while there is no full
    /// chunk (see [`Chunked::drop_front`]).
    head: usize,
    len: usize,
}

impl<T> Default for Chunked<T> {
    fn default() -> Self {
        Chunked { chunks: Vec::new(), tail: Vec::new(), head: 0, len: 0 }
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
        // Past the full chunks the tail's own bound is the length's (len = sealed + tail - head):
        // one test, not two, for the elements most reads are of.
        let j = i.checked_add(self.head)?;
        let sealed = self.chunks.len() * CHUNK;
        match j.checked_sub(sealed) {
            Some(t) => self.tail.get(t),
            None => Some(&self.chunks[j / CHUNK][j % CHUNK]),
        }
    }

    /// Element `i` (< len): in a full chunk, or in the tail.
    fn at(&self, i: usize) -> &T {
        let j = i + self.head;
        let sealed = self.chunks.len() * CHUNK;
        if j < sealed {
            &self.chunks[j / CHUNK][j % CHUNK]
        } else {
            &self.tail[j - sealed]
        }
    }

    /// Mutable access (copies the chunk if a clone shares it). (Most writes are to the newest
    /// elements, in the tail: that case is inlined, a full chunk's is not.)
    #[inline]
    pub fn get_mut(&mut self, i: usize) -> Option<&mut T> {
        if i >= self.len {
            return None;
        }
        let j = i + self.head;
        let sealed = self.chunks.len() * CHUNK;
        if j < sealed {
            Some(self.in_chunk_mut(j))
        } else {
            Some(&mut self.tail[j - sealed])
        }
    }

    /// Element `j` (counting the dead head) of a full chunk, which is copied first if shared.
    #[inline(never)]
    fn in_chunk_mut(&mut self, j: usize) -> &mut T {
        &mut Arc::make_mut(&mut self.chunks[j / CHUNK])[j % CHUNK]
    }

    pub fn last(&self) -> Option<&T> {
        self.len.checked_sub(1).and_then(|i| self.get(i))
    }

    /// (The usual push, into a tail with room that it does not fill, is inlined; a new tail and
    /// a full one are not.)
    #[inline]
    pub fn push(&mut self, x: T) {
        if self.tail.capacity() >= CHUNK && self.tail.len() + 1 < CHUNK {
            self.tail.push(x);
            self.len += 1;
        } else {
            self.push_at_edge(x);
        }
    }

    /// [`Chunked::push`] into a tail that is new, a clone's, or one short of full.
    #[inline(never)]
    fn push_at_edge(&mut self, x: T) {
        if self.tail.capacity() < CHUNK {
            // A new tail, or a clone's (which has only its length): room for the whole chunk once.
            self.tail.reserve_exact(CHUNK - self.tail.len());
        }
        self.tail.push(x);
        self.len += 1;
        if self.tail.len() == CHUNK {
            self.seal();
        }
    }

    /// The tail is full: it becomes a shared chunk, and a new tail starts (at the next push).
    fn seal(&mut self) {
        let full = core::mem::take(&mut self.tail);
        self.chunks.push(Arc::new(full));
    }

    /// Keep the first `n` elements. (Mostly asked with nothing to cut, as when a log is rewritten
    /// from just past its end: the test is inlined.)
    #[inline]
    pub fn truncate(&mut self, n: usize) {
        if n < self.len {
            self.cut(n);
        }
    }

    fn cut(&mut self, n: usize) {
        if n == 0 {
            self.clear();
            return;
        }
        let end = self.head + n; // elements kept, counting the dead head
        let sealed = self.chunks.len() * CHUNK;
        if end >= sealed {
            self.tail.truncate(end - sealed);
        } else {
            // The chunk the end falls in becomes the tail.
            self.chunks.truncate(end / CHUNK + 1);
            let last = self.chunks.pop().expect("a chunk");
            self.tail = Arc::try_unwrap(last).unwrap_or_else(|shared| (*shared).clone());
            self.tail.truncate(end % CHUNK);
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
        let sealed = self.chunks.len() * CHUNK;
        if dead >= sealed {
            self.chunks.clear();
            self.tail.drain(..dead - sealed);
            self.head = 0;
        } else {
            self.chunks.drain(..dead / CHUNK);
            self.head = dead % CHUNK;
        }
        self.len -= n;
    }

    pub fn clear(&mut self) {
        self.chunks.clear();
        self.tail.clear();
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

    /// The chunks' addresses and sizes in bytes (the tail's too: no clone shares it, so its
    /// address is its own), so a caller can count memory shared between clones once.
    pub fn chunks(&self) -> impl Iterator<Item = (usize, usize)> + '_ {
        let size = core::mem::size_of::<T>();
        let tail = (self.tail.capacity() > 0).then(|| (self.tail.as_ptr() as usize, self.tail.capacity() * size));
        self.chunks.iter().map(move |c| (Arc::as_ptr(c) as usize, c.capacity() * size)).chain(tail)
    }
}

impl<T: Clone + PartialEq> Chunked<T> {
    /// Hold `other`'s full chunks in place of this one's own copies wherever the two hold the same
    /// elements at the same places: a server's stable storage repeats its log, and sharing halves
    /// what the two cost (memory, and the pages a growing run touches for the first time). Looks
    /// only when the newest full chunk is not shared yet, from it back to the first one already
    /// shared or different, so a copy that keeps up costs a comparison of each chunk once.
    #[inline]
    pub fn share_with(&mut self, other: &Chunked<T>) {
        let Some(k) = self.chunks.len().checked_sub(1) else { return };
        match other.chunks.get(k) {
            Some(theirs) if self.head == other.head && !Arc::ptr_eq(&self.chunks[k], theirs) => self.adopt(other),
            _ => {}
        }
    }

    /// Did the last push fill a chunk (and nothing was pushed since)?
    #[inline]
    pub fn just_sealed(&self) -> bool {
        self.tail.is_empty() && !self.chunks.is_empty()
    }

    #[inline(never)]
    fn adopt(&mut self, other: &Chunked<T>) {
        // Zipped from the back, the pairs stay aligned by position (the longer side is trimmed).
        for (mine, theirs) in self.chunks.iter_mut().zip(&other.chunks).rev() {
            if Arc::ptr_eq(mine, theirs) || **mine != **theirs {
                break;
            }
            *mine = Arc::clone(theirs);
        }
    }

    /// Do the two share full chunk `k` (the same memory, not just equal elements)? For tests.
    pub fn shares_chunk(&self, other: &Chunked<T>, k: usize) -> bool {
        matches!((self.chunks.get(k), other.chunks.get(k)), (Some(a), Some(b)) if Arc::ptr_eq(a, b))
    }
}

/// An iterator over a [`Chunked`] range.
#[derive(Clone, Debug)]
pub struct Iter<'a, T> {
    c: &'a Chunked<T>,
    range: core::ops::Range<usize>,
}

impl<'a, T: Clone> Iterator for Iter<'a, T> {
    type Item = &'a T;
    fn next(&mut self) -> Option<&'a T> {
        let i = self.range.next()?;
        Some(self.c.at(i))
    }
    fn size_hint(&self) -> (usize, Option<usize>) {
        self.range.size_hint()
    }
}

impl<T: Clone> DoubleEndedIterator for Iter<'_, T> {
    fn next_back(&mut self) -> Option<Self::Item> {
        let i = self.range.next_back()?;
        Some(self.c.at(i))
    }
}

impl<T: Clone> ExactSizeIterator for Iter<'_, T> {}

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
        // A clone taken now and then, so that writes meet shared chunks; it must not change.
        let (mut kept, mut kept_v) = (c.clone(), v.clone());
        let mut x = 7u32;
        let mut longest = 0;
        for step in 0..20_000u32 {
            x = x.wrapping_mul(1_103_515_245).wrapping_add(12_345);
            // The low bits of this generator cycle quickly: draw from the high ones.
            let r = (x >> 8) as usize;
            // Mostly pushes; cuts of up to 40 from either end (across chunk edges), now and then
            // of everything.
            match r % 64 {
                3 if step % 7 == 0 => {
                    assert!(kept.iter().eq(kept_v.iter()));
                    (kept, kept_v) = (c.clone(), v.clone());
                }
                0 if !v.is_empty() => {
                    let n = if step % 50 == 0 { 0 } else { v.len().saturating_sub((r / 64) % 40) };
                    c.truncate(n);
                    v.truncate(n);
                }
                1 if !v.is_empty() => {
                    let n = ((r / 64) % 40).min(v.len());
                    c.drop_front(n);
                    v.drain(..n);
                }
                2 if !v.is_empty() => {
                    let i = (r / 64) % v.len();
                    *c.get_mut(i).unwrap() = step;
                    v[i] = step;
                }
                _ => {
                    c.push(step);
                    v.push(step);
                }
            }
            assert_eq!(c.len(), v.len());
            longest = longest.max(v.len());
            if step % 97 == 0 {
                assert!(c.iter().eq(v.iter()));
                assert!(c.iter().rev().eq(v.iter().rev()));
                assert_eq!(c.last(), v.last());
            }
        }
        assert!(longest > 4 * CHUNK, "the vector spanned several chunks: {longest}");
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

    #[test]
    fn a_copy_shares_the_chunks_it_holds_alike_and_stays_its_own_where_written() {
        let a: Chunked<u64> = (0..4 * CHUNK as u64 + 5).collect();
        let mut b: Chunked<u64> = Chunked::new();
        for x in 0..4 * CHUNK as u64 {
            b.push(if x == CHUNK as u64 + 3 { 999 } else { x });
            b.share_with(&a);
        }
        // The second chunk differs (999): it stays b's own, the others are shared (each when it
        // was sealed).
        let shared: Vec<bool> = (0..4).map(|k| b.shares_chunk(&a, k)).collect();
        assert_eq!(shared, [true, false, true, true]);
        // Sharing walks back from the newest full chunk to the first that differs or is shared.
        let mut e: Chunked<u64> = (0..3 * CHUNK as u64).map(|x| if x == 5 { 999 } else { x }).collect();
        e.share_with(&a);
        assert_eq!((0..3).map(|k| e.shares_chunk(&a, k)).collect::<Vec<_>>(), [false, true, true]);
        assert_eq!(b[CHUNK + 3], 999);
        // A write to a shared chunk copies it: the other side keeps its element.
        *b.get_mut(2 * CHUNK).unwrap() = 7;
        assert!(!b.shares_chunk(&a, 2) && b.shares_chunk(&a, 3));
        assert_eq!((a[2 * CHUNK], b[2 * CHUNK]), (2 * CHUNK as u64, 7));
        // A cut into a shared chunk takes a copy of it as the tail.
        b.truncate(3 * CHUNK + 1);
        assert_eq!(a.len(), 4 * CHUNK + 5);
        assert_eq!(a[3 * CHUNK + 1], 3 * CHUNK as u64 + 1);
        // Dropped fronts of different lengths put the chunks at different places: nothing shared.
        let mut c: Chunked<u64> = (0..2 * CHUNK as u64).collect();
        c.drop_front(1);
        let mut d: Chunked<u64> = (0..2 * CHUNK as u64).collect();
        d.share_with(&c);
        assert!(!d.shares_chunk(&c, 0));
    }
}
