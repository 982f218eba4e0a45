//! A linearizability checker for the key-value histories clients see, in the style of Wing & Gong
//! with Lowe's memoization (as in Porcupine): each key is an independent register, so the history
//! is split per key and each part searched for a legal sequential order that respects real time.
//!
//! A completed operation must appear to take effect at one instant between its invocation and its
//! response, and return what the register would return then. An operation that never got an answer
//! (the client gave up, or the run ended) may take effect at any time after its invocation, or never.

use crate::clients::{ClientOp, Outcome};
use raft::Op;
use std::collections::{BTreeMap, HashSet};

/// One operation on a single key.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct Call {
    pub op: Op,
    pub invoke: u64,
    /// Response time and the value returned (the value after a write or add, the value read).
    pub response: Option<(u64, Option<i64>)>,
}

/// The register: what an operation returns and leaves behind.
fn apply(state: Option<i64>, op: Op) -> (Option<i64>, Option<i64>) {
    match op {
        Op::Set { value, .. } => (Some(value), Some(value)),
        Op::Add { delta, .. } => {
            let v = state.unwrap_or(0).wrapping_add(delta);
            (Some(v), Some(v))
        }
        Op::Get { .. } => (state, state),
    }
}

/// Most states the search may visit per key before it gives up (and says so).
pub const BUDGET: usize = 2_000_000;

/// Is this single-key history linearizable? `Err` explains why not (or that it was too large).
pub fn check_key(calls: &[Call]) -> Result<(), String> {
    // A read that never returned constrains nothing.
    let calls: Vec<Call> =
        calls.iter().copied().filter(|c| c.response.is_some() || !matches!(c.op, Op::Get { .. })).collect();
    let n = calls.len();
    let words = n.div_ceil(64).max(1);
    let done = |l: &[u64]| (0..n).all(|i| calls[i].response.is_none() || l[i / 64] & (1 << (i % 64)) != 0);
    let mut seen: HashSet<(Vec<u64>, Option<i64>)> = HashSet::new();
    // Depth-first search over (linearized set, register value).
    let mut stack: Vec<(Vec<u64>, Option<i64>)> = vec![(vec![0; words], None)];
    while let Some((lin, state)) = stack.pop() {
        if done(&lin) {
            return Ok(());
        }
        if !seen.insert((lin.clone(), state)) {
            continue;
        }
        if seen.len() > BUDGET {
            return Err(format!("history of {n} operations too large to check"));
        }
        let is_in = |i: usize| lin[i / 64] & (1 << (i % 64)) != 0;
        // Whatever goes next must be invoked before every pending completed op has responded.
        let deadline =
            (0..n).filter(|&i| !is_in(i)).filter_map(|i| calls[i].response.map(|r| r.0)).min().unwrap_or(u64::MAX);
        for i in (0..n).filter(|&i| !is_in(i) && calls[i].invoke <= deadline) {
            let (next, out) = apply(state, calls[i].op);
            if let Some((_, returned)) = calls[i].response {
                if returned != out {
                    continue;
                }
            }
            let mut l = lin.clone();
            l[i / 64] |= 1 << (i % 64);
            stack.push((l, next));
        }
    }
    Err(describe_failure(&calls))
}

fn describe_failure(calls: &[Call]) -> String {
    let mut s = String::from("no legal order for:");
    for c in calls {
        match c.response {
            Some((t, v)) => s += &format!(" [{} @{}..{} → {:?}]", c.op, c.invoke, t, v),
            None => s += &format!(" [{} @{}.. pending]", c.op, c.invoke),
        }
    }
    s
}

/// Check a whole client history, key by key.
pub fn check<'a>(history: impl IntoIterator<Item = &'a ClientOp>) -> Result<(), String> {
    let mut per_key: BTreeMap<u8, Vec<Call>> = BTreeMap::new();
    for c in history {
        // Failed and expired requests may or may not have taken effect: no response.
        let response = match (c.outcome, c.answered) {
            (Outcome::Ok { value, .. }, Some(t)) => Some((t, value)),
            _ => None,
        };
        per_key.entry(c.op.key()).or_default().push(Call { op: c.op, invoke: c.sent, response });
    }
    for (key, calls) in per_key {
        check_key(&calls).map_err(|e| format!("key {}: {e}", key as char))?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn set(v: i64, invoke: u64, resp: Option<u64>) -> Call {
        Call { op: Op::Set { key: b'x', value: v }, invoke, response: resp.map(|t| (t, Some(v))) }
    }
    fn get(v: Option<i64>, invoke: u64, resp: u64) -> Call {
        Call { op: Op::Get { key: b'x' }, invoke, response: Some((resp, v)) }
    }
    fn add(d: i64, ret: i64, invoke: u64, resp: u64) -> Call {
        Call { op: Op::Add { key: b'x', delta: d }, invoke, response: Some((resp, Some(ret))) }
    }

    #[test]
    fn sequential_histories() {
        assert!(check_key(&[set(1, 0, Some(1)), get(Some(1), 2, 3)]).is_ok());
        // A read after a completed write must see it.
        assert!(check_key(&[set(1, 0, Some(1)), get(None, 2, 3)]).is_err());
        // Two writes in order, then a read of the first: stale.
        assert!(check_key(&[set(1, 0, Some(1)), set(2, 2, Some(3)), get(Some(1), 4, 5)]).is_err());
        assert!(check_key(&[add(1, 1, 0, 1), add(1, 2, 2, 3), get(Some(2), 4, 5)]).is_ok());
        // An increment applied twice shows as a skipped value.
        assert!(check_key(&[add(1, 1, 0, 1), add(1, 3, 2, 3)]).is_err());
    }

    #[test]
    fn concurrent_operations_may_order_either_way() {
        assert!(check_key(&[set(1, 0, Some(10)), get(Some(1), 1, 2)]).is_ok());
        assert!(check_key(&[set(1, 0, Some(10)), get(None, 1, 2)]).is_ok());
        // …but not both ways at once: the register cannot go back.
        assert!(check_key(&[set(1, 0, Some(10)), get(Some(1), 1, 2), get(None, 3, 4)]).is_err());
        assert!(
            check_key(&[set(1, 0, Some(10)), set(2, 0, Some(10)), get(Some(1), 11, 12), get(Some(1), 13, 14)]).is_ok()
        );
        assert!(
            check_key(&[set(1, 0, Some(10)), set(2, 0, Some(10)), get(Some(1), 11, 12), get(Some(2), 13, 14)]).is_err()
        );
    }

    #[test]
    fn unanswered_writes_may_or_may_not_have_happened() {
        assert!(check_key(&[set(1, 0, None), get(Some(1), 5, 6)]).is_ok());
        assert!(check_key(&[set(1, 0, None), get(None, 5, 6)]).is_ok());
        assert!(check_key(&[set(1, 0, None), get(Some(1), 5, 6), get(None, 7, 8)]).is_err());
        // It cannot take effect before it was invoked.
        assert!(check_key(&[get(Some(1), 0, 1), set(1, 5, None)]).is_err());
    }

    #[test]
    fn many_concurrent_operations_stay_tractable() {
        let mut calls = vec![];
        for i in 0..60 {
            calls.push(add(1, i + 1, i as u64 * 10, i as u64 * 10 + 25));
        }
        assert!(check_key(&calls).is_ok());
    }
}
