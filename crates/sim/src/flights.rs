//! The messages in flight, by id. Ids are handed out in order and most messages arrive in about
//! the order they were sent, so the map is a window of slots from the oldest id still in flight to
//! the newest: insert, find and remove are O(1), with no tree and no hashing. A straggler (a
//! message that stays in flight while many newer ones come and go) would stretch the window, so
//! once the window is mostly empty its oldest slots move to a short sorted list on the side (a
//! `Vec`, not a `BTreeMap`: stragglers are few, and the B-tree's code was ~10 KB of the page's wasm).

use crate::cluster::Flight;
use std::collections::VecDeque;

#[derive(Clone, Debug, Default)]
pub struct Flights {
    /// The id of `slots[0]`.
    base: u64,
    slots: VecDeque<Option<Flight>>,
    /// Occupied slots.
    live: usize,
    /// Stragglers older than `base`, by id (each flight holds its id).
    old: Vec<Flight>,
}

/// The window may hold this many empty slots beyond four per message in it.
const SLACK: usize = 1024;

impl Flights {
    pub fn len(&self) -> usize {
        self.live + self.old.len()
    }

    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    pub fn get(&self, id: &u64) -> Option<&Flight> {
        match id.checked_sub(self.base) {
            Some(k) => self.slots.get(k as usize).and_then(Option::as_ref),
            None => self.old.get(self.old_at(*id).ok()?),
        }
    }

    pub fn get_mut(&mut self, id: &u64) -> Option<&mut Flight> {
        match id.checked_sub(self.base) {
            Some(k) => self.slots.get_mut(k as usize).and_then(Option::as_mut),
            None => {
                let at = self.old_at(*id).ok()?;
                self.old.get_mut(at)
            }
        }
    }

    pub fn contains_key(&self, id: &u64) -> bool {
        self.get(id).is_some()
    }

    /// Add flight `id`, newer than every id so far.
    pub fn insert(&mut self, id: u64, flight: Flight) {
        let end = self.base + self.slots.len() as u64;
        assert!(id >= end, "flight ids are handed out in order ({id} after {end})");
        if self.slots.is_empty() {
            self.base = id;
        } else if id > end {
            self.slots.extend((end..id).map(|_| None));
        }
        self.slots.push_back(Some(flight));
        self.live += 1;
        if self.stretched() {
            self.trim();
        }
    }

    pub fn remove(&mut self, id: &u64) -> Option<Flight> {
        let Some(k) = id.checked_sub(self.base) else { return Some(self.old.remove(self.old_at(*id).ok()?)) };
        let window = self.slots.len();
        let slot = self.slots.get_mut(k as usize)?;
        slot.as_ref()?;
        self.live -= 1;
        // Taken straight into the return value: a flight is large, and each move copies it. The
        // usual removal, behind the front of a window that is not stretched (`stretched`, with
        // the window as long as before), returns as it takes: anything done after the take kept
        // the flight in a copy of its own until the return.
        if k != 0 && window <= 4 * self.live + SLACK {
            return slot.take();
        }
        let f = slot.take();
        if k == 0 {
            self.drop_empty_front();
        }
        if self.stretched() {
            self.trim();
        }
        f
    }

    /// Where flight `id` is, or would be, in `old`.
    fn old_at(&self, id: u64) -> Result<usize, usize> {
        self.old.binary_search_by_key(&id, |f| f.id)
    }

    /// The window holds too many empty slots for the flights in it.
    fn stretched(&self) -> bool {
        self.slots.len() > 4 * self.live + SLACK
    }

    /// Drop the empty slots at the front: afterwards the front slot, if any, is occupied, so only
    /// a removal there calls for this. (Inlined there: the loop is a step or two, the call cost
    /// more.)
    #[inline]
    fn drop_empty_front(&mut self) {
        while self.slots.front().is_some_and(Option::is_none) {
            self.slots.pop_front();
            self.base += 1;
        }
    }

    /// While the window is stretched, move its oldest flights to the side map (kept out of line:
    /// only a straggler calls for it).
    #[inline(never)]
    fn trim(&mut self) {
        loop {
            self.drop_empty_front();
            if self.slots.is_empty() || !self.stretched() {
                return;
            }
            let f = self.slots.pop_front().flatten().expect("occupied");
            self.live -= 1;
            // (Every id in `old` is below `base`: the list stays sorted.)
            self.old.push(f);
            self.base += 1;
        }
    }

    /// Every flight, oldest id first.
    pub fn values(&self) -> impl Iterator<Item = &Flight> {
        self.old.iter().chain(self.slots.iter().flatten())
    }

    pub fn values_mut(&mut self) -> impl Iterator<Item = &mut Flight> {
        self.old.iter_mut().chain(self.slots.iter_mut().flatten())
    }

    pub fn keys(&self) -> impl Iterator<Item = u64> + '_ {
        self.values().map(|f| f.id)
    }

    /// Bytes held besides the flights' own (for the memory estimate).
    pub fn overhead(&self) -> usize {
        self.slots.capacity() * std::mem::size_of::<Option<Flight>>() + self.old.len() * 64
    }
}

impl std::ops::Index<&u64> for Flights {
    type Output = Flight;
    fn index(&self, id: &u64) -> &Flight {
        self.get(id).expect("a flight in flight")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::collections::BTreeMap;

    fn flight(id: u64) -> Flight {
        Flight {
            id,
            msg: raft::Message { from: 1, to: 2, term: 1, body: raft::Body::TimeoutNow },
            send_time: 0,
            deliver_time: 0,
            lost: false,
        }
    }

    /// Against a BTreeMap: any order of removals, with stragglers that outlive thousands of newer
    /// flights; the window stays within four slots per flight (plus slack).
    #[test]
    fn behaves_as_an_ordered_map_and_stays_small() {
        let mut rng = crate::rng::SimRng::new(5);
        let (mut f, mut m) = (Flights::default(), BTreeMap::new());
        let (mut next, mut sidelined) = (0, 0);
        for step in 0..200_000u64 {
            if rng.chance(520_000) || m.is_empty() {
                next += rng.range(1, 3); // ids may skip (a send the network dropped)
                f.insert(next, flight(next));
                m.insert(next, flight(next));
            } else {
                // Mostly the oldest few; now and then any; id 7 and every 10,000th stay long.
                let keys: Vec<u64> = m.keys().copied().take(8).collect();
                let id = if rng.chance(100_000) {
                    *m.keys().nth(rng.range(0, m.len() as u64 - 1) as usize).unwrap()
                } else {
                    keys[rng.range(0, keys.len() as u64 - 1) as usize]
                };
                if (id == 7 || id % 10_000 == 0) && step < 190_000 {
                    continue;
                }
                assert_eq!(f.remove(&id).map(|x| x.id), m.remove(&id).map(|x| x.id));
            }
            assert_eq!(f.len(), m.len());
            sidelined = sidelined.max(f.old.len());
            assert!(f.slots.len() <= 4 * f.live + SLACK + 1, "{} slots for {}", f.slots.len(), f.live);
            if step % 997 == 0 {
                assert!(f.keys().eq(m.keys().copied()), "in id order");
                for probe in [0, 7, next / 2, next, next + 1] {
                    assert_eq!(f.get(&probe).map(|x| x.id), m.get(&probe).map(|x| x.id));
                }
            }
        }
        assert!(sidelined >= 2, "the stragglers went to the side map: {sidelined}");
        assert_eq!(f.remove(&u64::MAX).map(|x| x.id), None);
    }
}
