//! The applied state machine: a key-value store over the keys `a`–`z`, with the client session
//! table of §8 so a retried command is answered from the cache and never applied twice.
//!
//! The table is bounded (thesis §6.3): it holds at most [`MAX_SESSIONS`] sessions, and when a new
//! one would exceed that, the oldest (smallest client id: ids are handed out in order) is evicted.
//! Every server applies the same commands in the same order, so every server evicts the same
//! sessions. A command from an evicted session is not applied: the client is told its session
//! expired (it cannot know whether its command took effect before, so neither can the table).

use crate::types::{Command, Op};
use alloc::collections::VecDeque;

/// Most client sessions a state machine remembers.
pub const MAX_SESSIONS: usize = 1024;

/// What applying a command did.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Applied {
    /// Applied now; the key's value after a write, or the value read.
    Done(Option<i64>),
    /// Already applied: the cached result, nothing changed.
    Duplicate(Option<i64>),
    /// The client's session was evicted: not applied.
    Expired,
}

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KvStore {
    values: [Option<i64>; 26],
    /// (client id, last applied sequence number, its result), sorted by client id: a new client
    /// (ids are handed out in order) goes at the back and the oldest leaves from the front, both
    /// O(1); a lookup is a binary search over contiguous memory.
    sessions: VecDeque<(u32, u32, Option<i64>)>,
    /// Sessions of clients with ids up to this one were evicted (0: none).
    expired_upto: u32,
}

impl KvStore {
    pub fn get(&self, key: u8) -> Option<i64> {
        key.checked_sub(b'a').and_then(|k| self.values.get(k as usize).copied().flatten())
    }

    /// Apply a command once per (client, seq): a repeat of the client's last sequence number returns
    /// the cached result and changes nothing; a command of an evicted session changes nothing.
    pub fn apply(&mut self, cmd: &Command) -> Applied {
        if let Some(&(_, seq, result)) = self.session(cmd.client) {
            if cmd.seq <= seq {
                return Applied::Duplicate(result);
            }
        } else if self.is_expired(cmd.client) {
            return Applied::Expired;
        }
        self.run(cmd)
    }

    /// Apply a command without asking the session table whether it ran before (the broken rule
    /// `no-dedup`): a retried command runs again.
    pub fn apply_without_dedup(&mut self, cmd: &Command) -> Applied {
        self.run(cmd)
    }

    // Forced inline: with `session`'s test inlined into `apply`, LLVM otherwise kept `run` out of
    // line, a call per applied entry (the copy in `apply_without_dedup`, a broken rule's, is small).
    #[inline(always)]
    fn run(&mut self, cmd: &Command) -> Applied {
        let result = match cmd.op {
            Op::Set { key, value } => {
                if let Some(slot) = key.checked_sub(b'a').and_then(|k| self.values.get_mut(k as usize)) {
                    *slot = Some(value);
                }
                Some(value)
            }
            Op::Get { key } => self.get(key),
            Op::Add { key, delta } => {
                let v = self.get(key).unwrap_or(0).wrapping_add(delta);
                if let Some(slot) = key.checked_sub(b'a').and_then(|k| self.values.get_mut(k as usize)) {
                    *slot = Some(v);
                }
                Some(v)
            }
        };
        let entry = (cmd.client, cmd.seq, result);
        let newest = self.sessions.back().is_none_or(|b| b.0 < cmd.client);
        let found =
            if newest { Err(self.sessions.len()) } else { self.sessions.binary_search_by_key(&cmd.client, |s| s.0) };
        match found {
            Ok(at) => self.sessions[at] = entry,
            Err(at) => {
                // A new client (the usual case) goes at the back: a push, not an insert's shifting.
                if newest {
                    self.sessions.push_back(entry);
                } else {
                    self.sessions.insert(at, entry);
                }
                if self.sessions.len() > MAX_SESSIONS {
                    if let Some((old, _, _)) = self.sessions.pop_front() {
                        self.expired_upto = self.expired_upto.max(old);
                    }
                }
            }
        }
        Applied::Done(result)
    }

    /// (Most lookups are of the newest clients, looked for at the back: that test is inlined.)
    #[inline]
    fn session(&self, client: u32) -> Option<&(u32, u32, Option<i64>)> {
        match self.sessions.back() {
            Some(b) if b.0 == client => Some(b),
            Some(b) if b.0 < client => None,
            _ => self.older_session(client),
        }
    }

    /// [`KvStore::session`] of a client older than the newest: by binary search.
    #[inline(never)]
    fn older_session(&self, client: u32) -> Option<&(u32, u32, Option<i64>)> {
        self.sessions.binary_search_by_key(&client, |s| s.0).ok().map(|at| &self.sessions[at])
    }

    /// Was this client's session evicted (so its commands are refused)?
    pub fn is_expired(&self, client: u32) -> bool {
        client <= self.expired_upto && self.session(client).is_none()
    }

    /// The cached answer to a client's command, if it is the last one the client had applied.
    pub fn cached(&self, client: u32, seq: u32) -> Option<Option<i64>> {
        self.session(client).filter(|&&(_, s, _)| s == seq).map(|&(_, _, r)| r)
    }

    /// The session table: client → (last sequence number applied, its result).
    pub fn sessions(&self) -> impl Iterator<Item = (u32, u32, Option<i64>)> + '_ {
        self.sessions.iter().copied()
    }

    /// (key, value) pairs that are set, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (u8, i64)> + '_ {
        self.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (b'a' + i as u8, v)))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(client: u32, value: i64) -> Command {
        Command { client, seq: 1, op: Op::Set { key: b'x', value } }
    }

    #[test]
    fn the_session_table_is_bounded_and_evicted_sessions_are_refused() {
        let mut kv = KvStore::default();
        for c in 1..=MAX_SESSIONS as u32 + 10 {
            assert_eq!(kv.apply(&set(c, c as i64)), Applied::Done(Some(c as i64)));
        }
        assert_eq!(kv.sessions().count(), MAX_SESSIONS);
        // The oldest ten were evicted: a retry of theirs is refused, not applied again.
        assert!(kv.is_expired(3) && !kv.is_expired(11));
        assert_eq!(kv.apply(&set(3, 999)), Applied::Expired);
        assert_eq!(kv.get(b'x'), Some(MAX_SESSIONS as i64 + 10));
        // Live sessions still deduplicate; new clients are welcome.
        assert_eq!(kv.apply(&set(500, 7)), Applied::Duplicate(Some(500)));
        assert_eq!(kv.apply(&set(5000, 1)), Applied::Done(Some(1)));
        assert!(kv.is_expired(11), "the next oldest made room");
    }
}
