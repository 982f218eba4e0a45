//! The search tree: for every state found, level by level, the position of its parent in the
//! previous level and the event that led from there — 6 bytes a state, in append-only blocks (a
//! level never reallocates, so it never needs twice its size while growing). Within a level the
//! states are sorted by parent, so a walk along a level follows the tree left to right.

use super::model::{Event, EVENT_BITS};

const BLOCK: usize = 1 << 16;

/// An append-only vector in fixed blocks.
struct Column<T> {
    blocks: Vec<Vec<T>>,
    len: usize,
}

impl<T: Copy> Column<T> {
    fn new() -> Self {
        Column { blocks: Vec::new(), len: 0 }
    }
    fn push(&mut self, x: T) {
        if self.len.is_multiple_of(BLOCK) {
            // A block grows as a vector would up to BLOCK (small levels stay small), then the next.
            self.blocks.push(Vec::new());
        }
        self.blocks.last_mut().expect("a block").push(x);
        self.len += 1;
    }
    fn get(&self, i: usize) -> T {
        self.blocks[i / BLOCK][i % BLOCK]
    }
    fn bytes(&self) -> usize {
        self.blocks.iter().map(|b| b.capacity()).sum::<usize>() * std::mem::size_of::<T>()
    }
}

struct Level {
    parent: Column<u32>,
    event: Column<u16>,
}

pub struct Tree {
    levels: Vec<Level>,
}

impl Default for Tree {
    /// The root: level 0 holds the initial state.
    fn default() -> Self {
        let mut t = Tree { levels: Vec::new() };
        t.start_level();
        t.push(0, 0);
        t
    }
}

impl Tree {
    /// The number of levels (the deepest is `depth() - 1`).
    pub fn depth(&self) -> usize {
        self.levels.len()
    }

    pub fn len(&self, depth: usize) -> usize {
        self.levels[depth].parent.len
    }

    pub fn parent(&self, depth: usize, j: u64) -> u64 {
        self.levels[depth].parent.get(j as usize) as u64
    }

    pub fn event(&self, depth: usize, j: u64) -> Event {
        Event::from_code(self.levels[depth].event.get(j as usize) as u64)
    }

    pub fn start_level(&mut self) {
        self.levels.push(Level { parent: Column::new(), event: Column::new() });
    }

    /// Append a state to the deepest level: its parent's position in the level above and the code
    /// of its event ([`Event::code`]). Parents must come in order.
    pub fn push(&mut self, parent: u64, code: u64) {
        let parent = u32::try_from(parent).expect("a level of more than 4 billion states");
        debug_assert!(code < 1 << EVENT_BITS);
        let level = self.levels.last_mut().expect("a level");
        level.parent.push(parent);
        level.event.push(code as u16);
    }

    /// The path from the initial state to state `j` of level `depth`.
    pub fn path(&self, depth: usize, mut j: u64) -> Vec<Event> {
        let mut path = Vec::with_capacity(depth);
        for k in (1..=depth).rev() {
            path.push(self.event(k, j));
            j = self.parent(k, j);
        }
        path.reverse();
        path
    }

    pub fn bytes(&self) -> usize {
        self.levels.iter().map(|l| l.parent.bytes() + l.event.bytes()).sum()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn paths_come_back_from_parents_and_events() {
        let mut t = Tree::default();
        t.start_level();
        t.push(0, Event::Timeout(1).code());
        t.push(0, Event::Timeout(2).code());
        t.start_level();
        for k in 0..200_000u64 {
            // Children of state 1 of level 1 (S2's timeout): deliveries of message k % 8.
            t.push(1, Event::Deliver((k % 8) as u32).code());
        }
        assert_eq!((t.depth(), t.len(1), t.len(2)), (3, 2, 200_000));
        assert_eq!(t.path(2, 150_001), vec![Event::Timeout(2), Event::Deliver(1)]);
        assert_eq!(t.path(0, 0), vec![]);
        // 6 bytes a state, in blocks that fill up before the next one starts.
        assert!(t.bytes() >= 200_002 * 6 && t.bytes() <= 4 * BLOCK * 6 + 64 * 6, "{}", t.bytes());
    }
}
