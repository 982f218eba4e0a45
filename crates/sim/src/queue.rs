//! The event queue: events in (time, sequence number) order, the number handed out as each event
//! is pushed, so ties break by who came first, the same way every run.
//!
//! A calendar of buckets rather than a binary heap: nearly every event is due within half a second
//! (deliveries in 10–15 ms, heartbeats, election and retry timers), so each goes into the bucket of
//! its time slot in O(1) and leaves from the front bucket, which is sorted once when it becomes the
//! front. Events beyond the calendar's span wait in a heap on the side and move in as it turns.
//! The order is exactly the heap's: the front bucket holds every event of the earliest occupied
//! slot (and any pushed for a time already passed), later buckets hold later slots, and the side
//! heap later ones still.

use std::cmp::Reverse;
use std::collections::BinaryHeap;

/// An event in the queue, ordered by (time, sequence number): the sequence number is unique, so
/// the order never looks at the kind.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Event<K> {
    pub time: u64,
    pub seq: u64,
    pub kind: K,
}

impl<K> Event<K> {
    fn key(&self) -> (u64, u64) {
        (self.time, self.seq)
    }
}

impl<K> PartialEq for Event<K> {
    fn eq(&self, other: &Self) -> bool {
        self.key() == other.key()
    }
}
impl<K> Eq for Event<K> {}
impl<K> PartialOrd for Event<K> {
    fn partial_cmp(&self, other: &Self) -> Option<std::cmp::Ordering> {
        Some(self.cmp(other))
    }
}
impl<K> Ord for Event<K> {
    fn cmp(&self, other: &Self) -> std::cmp::Ordering {
        self.key().cmp(&other.key())
    }
}

/// A slot is 2^SHIFT µs (~2 ms): a few events each under load.
const SHIFT: u32 = 11;
/// Slots in the calendar: it spans ~0.5 s ahead of its front.
const BUCKETS: usize = 256;
const WORDS: usize = BUCKETS / 64;

#[derive(Clone, Debug)]
pub(crate) struct Queue<K> {
    /// `buckets[s % BUCKETS]` holds the events of slot `s` (time >> SHIFT), for `front <= s <
    /// front + BUCKETS`; the front bucket also holds any event pushed for an earlier slot.
    buckets: Vec<Vec<Event<K>>>,
    /// Which buckets hold events (a bit per bucket).
    occupied: [u64; WORDS],
    /// The slot of the front bucket.
    front: u64,
    /// The front bucket is sorted, latest first (so the earliest event leaves from its end).
    sorted: bool,
    /// Events at or after slot `front + BUCKETS`.
    later: BinaryHeap<Reverse<Event<K>>>,
    len: usize,
    /// The last sequence number handed out.
    seq: u64,
}

impl<K: Copy> Default for Queue<K> {
    fn default() -> Self {
        Queue {
            buckets: vec![Vec::new(); BUCKETS],
            occupied: [0; WORDS],
            front: 0,
            sorted: true,
            later: BinaryHeap::new(),
            len: 0,
            seq: 0,
        }
    }
}

impl<K: Copy> Queue<K> {
    /// Queue `kind` at `time`, after everything queued for the same time before it.
    pub fn push(&mut self, time: u64, kind: K) {
        self.seq += 1;
        self.insert(Event { time, seq: self.seq, kind });
    }

    #[inline]
    fn insert(&mut self, e: Event<K>) {
        self.len += 1;
        let slot = (e.time >> SHIFT).max(self.front);
        if slot >= self.front + BUCKETS as u64 {
            return self.later.push(Reverse(e));
        }
        let b = slot as usize % BUCKETS;
        if slot == self.front && self.sorted {
            self.insert_sorted(b, e);
        } else {
            self.buckets[b].push(e);
        }
        self.occupied[b / 64] |= 1 << (b % 64);
    }

    /// Into the front bucket, sorted already: in its place (rarely far from the end, where the
    /// events pushed last go).
    #[inline(never)]
    fn insert_sorted(&mut self, b: usize, e: Event<K>) {
        let bucket = &mut self.buckets[b];
        let at = bucket.partition_point(|x| x > &e);
        bucket.insert(at, e);
    }

    /// The earliest event, if any.
    pub fn peek(&mut self) -> Option<&Event<K>> {
        if !self.settle() {
            return None;
        }
        self.buckets[self.front as usize % BUCKETS].last()
    }

    pub fn pop(&mut self) -> Option<Event<K>> {
        self.pop_due(u64::MAX)
    }

    /// The earliest event, if it is due by `time` (one look at the front: not a peek, then a pop).
    pub fn pop_due(&mut self, time: u64) -> Option<Event<K>> {
        if !self.settle() {
            return None;
        }
        let b = self.front as usize % BUCKETS;
        let bucket = &mut self.buckets[b];
        if bucket.last()?.time > time {
            return None;
        }
        let e = bucket.pop();
        if bucket.is_empty() {
            self.occupied[b / 64] &= !(1 << (b % 64));
        }
        self.len -= 1;
        e
    }

    /// Every event, in no particular order, leaving the queue empty (its sequence numbers go on).
    pub fn drain(&mut self) -> Vec<Event<K>> {
        let mut all: Vec<Event<K>> = self.later.drain().map(|Reverse(e)| e).collect();
        for b in &mut self.buckets {
            all.append(b);
        }
        (self.occupied, self.front, self.sorted, self.len) = ([0; WORDS], 0, true, 0);
        all
    }

    /// Put back events taken out by [`Queue::drain`] (each keeps its sequence number).
    pub fn refill(&mut self, events: impl IntoIterator<Item = Event<K>>) {
        for e in events {
            self.insert(e);
        }
    }

    /// Bytes held (for the memory estimate).
    pub fn memory(&self) -> usize {
        let events: usize = self.buckets.iter().map(Vec::capacity).sum::<usize>() + self.later.capacity();
        events * std::mem::size_of::<Event<K>>() + BUCKETS * std::mem::size_of::<Vec<Event<K>>>()
    }

    /// Make the front bucket the earliest occupied one, sorted. False when the queue is empty.
    #[inline]
    fn settle(&mut self) -> bool {
        (self.sorted && !self.buckets[self.front as usize % BUCKETS].is_empty()) || self.advance()
    }

    /// [`Queue::settle`] when the front bucket is empty or not yet sorted (kept out of line: the
    /// common case is a sorted front bucket).
    #[inline(never)]
    fn advance(&mut self) -> bool {
        let b = self.front as usize % BUCKETS;
        if self.buckets[b].is_empty() {
            if self.len == 0 {
                return false;
            }
            // Every event in the calendar is earlier than every event on the side.
            self.front = match self.next_occupied(b) {
                Some(ahead) => self.front + ahead as u64,
                None => self.later.peek().expect("queued on the side").0.time >> SHIFT,
            };
            self.sorted = false;
            while let Some(&Reverse(e)) = self.later.peek() {
                if e.time >> SHIFT >= self.front + BUCKETS as u64 {
                    break;
                }
                self.later.pop();
                self.len -= 1;
                self.insert(e);
            }
        }
        let bucket = &mut self.buckets[self.front as usize % BUCKETS];
        if bucket.len() > 1 {
            sort_latest_first(bucket);
        }
        self.sorted = true;
        true
    }

    /// How many buckets after bucket `b` (1 to BUCKETS - 1) the next occupied one is, if any.
    fn next_occupied(&self, b: usize) -> Option<usize> {
        let from = (b + 1) % BUCKETS;
        for step in 0..=WORDS {
            let w = (from / 64 + step) % WORDS;
            let mut bits = self.occupied[w];
            if step == 0 {
                bits &= !0 << (from % 64);
            }
            if step == WORDS {
                bits &= (1 << (from % 64)) - 1;
            }
            if bits != 0 {
                let found = w * 64 + bits.trailing_zeros() as usize;
                return Some((found + BUCKETS - b) % BUCKETS);
            }
        }
        None
    }
}

/// Sort a bucket latest first. The usual bucket holds two or three events: a plain insertion sort
/// over their (time, sequence) keys, cheaper there than the library sort's general machinery; a
/// larger one (a burst at one instant) goes to the library sort.
fn sort_latest_first<K: Copy>(v: &mut [Event<K>]) {
    if v.len() > 8 {
        return v.sort_unstable_by(|x, y| y.cmp(x));
    }
    for i in 1..v.len() {
        let e = v[i];
        let mut j = i;
        while j > 0 && v[j - 1].key() < e.key() {
            v[j] = v[j - 1];
            j -= 1;
        }
        v[j] = e;
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Against a binary heap of (time, seq): pushes near and far, ties, times already passed, a
    /// shift of everything (as a release does); the same pops in the same order.
    #[test]
    fn pops_in_the_order_of_a_heap() {
        let mut rng = crate::rng::SimRng::new(3);
        let mut q: Queue<u32> = Queue::default();
        let mut heap = BinaryHeap::new();
        let (mut now, mut seq) = (0u64, 0u64);
        for step in 0..300_000u32 {
            if rng.chance(500_000) || heap.is_empty() {
                let time = match rng.range(0, 9) {
                    0 => now.saturating_sub(rng.range(0, 5_000)), // already passed
                    1 => now,                                     // a tie with what is due now
                    2 => now + rng.range(0, 3_000_000),           // beyond the calendar
                    3 => now + 300_000,                           // retry timers, in order
                    _ => now + rng.range(10_000, 15_000),         // deliveries
                };
                seq += 1;
                q.push(time, step);
                heap.push(Reverse((time, seq, step)));
            } else {
                let Reverse((time, _, step)) = heap.pop().unwrap();
                assert_eq!(q.peek().map(|e| (e.time, e.kind)), Some((time, step)));
                assert!(time == 0 || q.pop_due(time - 1).is_none(), "not due before its time");
                assert_eq!(q.pop_due(time).map(|e| (e.time, e.kind)), Some((time, step)));
                now = now.max(time);
            }
            assert_eq!(q.len, heap.len());
            if step % 50_000 == 49_999 {
                let delta = rng.range(0, 1_000_000);
                let events = q.drain();
                assert_eq!(q.len, 0);
                q.refill(events.into_iter().map(|e| Event { time: e.time + delta, ..e }));
                heap = heap.into_iter().map(|Reverse((t, s, k))| Reverse((t + delta, s, k))).collect();
                now += delta;
            }
        }
        while let Some(Reverse((time, _, step))) = heap.pop() {
            assert_eq!(q.pop().map(|e| (e.time, e.kind)), Some((time, step)));
        }
        assert!(q.pop().is_none() && q.peek().is_none());
    }
}
