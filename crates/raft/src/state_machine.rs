//! The applied state machine: a key-value store over the keys `a`–`z`, with the client session
//! table of §8 so a retried command is answered from the cache and never applied twice.

use crate::types::{Command, Op};
use alloc::collections::BTreeMap;

#[derive(Clone, Debug, Default, PartialEq, Eq, Hash)]
pub struct KvStore {
    values: [Option<i64>; 26],
    /// client id → (last applied sequence number, its result).
    sessions: BTreeMap<u32, (u32, Option<i64>)>,
}

impl KvStore {
    pub fn get(&self, key: u8) -> Option<i64> {
        key.checked_sub(b'a').and_then(|k| self.values.get(k as usize).copied().flatten())
    }

    /// Apply a command once per (client, seq): a repeat of the client's last sequence number returns
    /// the cached result and changes nothing. Returns (result, whether it was a duplicate).
    pub fn apply(&mut self, cmd: &Command) -> (Option<i64>, bool) {
        if let Some(&(seq, result)) = self.sessions.get(&cmd.client) {
            if cmd.seq <= seq {
                return (result, true);
            }
        }
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
        self.sessions.insert(cmd.client, (cmd.seq, result));
        (result, false)
    }

    /// The cached answer to a client's command, if it is the last one the client had applied.
    pub fn cached(&self, client: u32, seq: u32) -> Option<Option<i64>> {
        self.sessions.get(&client).filter(|&&(s, _)| s == seq).map(|&(_, r)| r)
    }

    /// The session table: client → (last sequence number applied, its result).
    pub fn sessions(&self) -> impl Iterator<Item = (u32, u32, Option<i64>)> + '_ {
        self.sessions.iter().map(|(&c, &(s, r))| (c, s, r))
    }

    /// (key, value) pairs that are set, in key order.
    pub fn iter(&self) -> impl Iterator<Item = (u8, i64)> + '_ {
        self.values.iter().enumerate().filter_map(|(i, v)| v.map(|v| (b'a' + i as u8, v)))
    }
}
