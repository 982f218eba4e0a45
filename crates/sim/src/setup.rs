//! Set-up: a run's starting state written by hand, to start from one of the paper's figures rather
//! than from empty logs: `log S1 1 1 4 4` (a server's log, by the terms of its entries from index
//! 1), `term S1 7` (its current term, no vote cast) and `commit S1 3` (it has committed and applied
//! its log through index 3). They are recorded actions like any other ([`Action::SetLog`],
//! [`Action::SetTerm`], [`Action::SetCommit`]), so seeking, replays and permalinks reproduce them,
//! but they are valid only before anything happens: before the first event and before any other
//! action.
//!
//! A set-up must be a state Raft can be in, and is refused (changing nothing) otherwise: terms
//! never decrease along a log; a server's term is at least its last entry's; the checker finds
//! nothing wrong (each entry's command is made from its index and term, so equal index and term
//! means an equal entry, and Log Matching asks that logs agreeing there agree on everything before);
//! and a committed entry cannot be lost, i.e. no server without it could collect a majority of votes.
//! What is set up is persisted at once: a crash and restart keeps the set-up log and term.

use crate::action::Action;
use crate::cluster::Sim;
use crate::invariants::Before;
use raft::{Command, Entry, EntryData, Index, Log, Node, Op, Ready, Term};

/// The longest set-up log.
pub const MAX_ENTRIES: usize = 1000;
/// The highest set-up term (elections count up from it, far from overflowing).
pub const MAX_TERM: Term = 1_000_000_000;
/// The client session set-up commands belong to (real clients start at [`crate::FIRST_CLIENT`]),
/// with the entry's index as sequence number: applying them never touches a real client's session.
pub const CLIENT: u32 = 1;

/// The entry a set-up log holds at `index` in `term`: a write of the term to x, y or z (by index).
pub fn entry(index: Index, term: Term) -> Entry {
    let key = b"xyz"[((index - 1) % 3) as usize];
    let op = Op::Set { key, value: term as i64 };
    Entry { term, data: EntryData::Command(Command { client: CLIENT, seq: index as u32, op }) }
}

impl Action {
    /// Is this a set-up action (valid only before anything happens)?
    pub fn is_setup(&self) -> bool {
        matches!(self, Action::SetLog { .. } | Action::SetTerm { .. } | Action::SetCommit { .. })
    }
}

impl Sim {
    /// Can set-up actions still be carried out? Only before the first event and any other action.
    pub fn in_setup(&self) -> bool {
        self.stats.events == 0 && self.time == 0 && !self.acted
    }

    /// Is this set-up possible now? (It changes nothing either way.)
    pub(crate) fn validate_setup(&self, action: &Action) -> Result<(), String> {
        if !self.in_setup() {
            return Err(
                "set-up (`log`, `term`, `commit`) only comes first: before the first event and before any other action"
                    .into(),
            );
        }
        let id = action.servers().next().expect("set-up names a server");
        let node = self.node(id).ok_or_else(|| format!("S{id} is crashed"))?;
        match action {
            Action::SetLog { terms, .. } => {
                if node.commit_index > 0 {
                    return Err(format!(
                        "S{id} has committed through index {}: set up its log before its commit",
                        node.commit_index
                    ));
                }
                if terms.len() > MAX_ENTRIES {
                    return Err(format!("a set-up log holds at most {MAX_ENTRIES} entries"));
                }
                if terms.first() == Some(&0) {
                    return Err("terms start at 1 (term 0 has no entries)".into());
                }
                if let Some(k) = terms.windows(2).position(|w| w[1] < w[0]) {
                    return Err(format!(
                        "terms never decrease along a log: term {} at index {} follows term {} at index {}",
                        terms[k + 1],
                        k + 2,
                        terms[k],
                        k + 1
                    ));
                }
                if terms.last().is_some_and(|&t| t > MAX_TERM) {
                    return Err(format!("terms go up to {MAX_TERM}"));
                }
            }
            &Action::SetTerm { term, .. } => {
                let last = node.log.last_term();
                if term < last {
                    return Err(format!(
                        "S{id}'s log ends with an entry of term {last}: its term must be at least {last}"
                    ));
                }
                if term > MAX_TERM {
                    return Err(format!("terms go up to {MAX_TERM}"));
                }
            }
            &Action::SetCommit { index, .. } => {
                let last = node.log.last_index();
                if index > last {
                    return Err(format!("S{id}'s log ends at index {last}: it cannot have committed index {index}"));
                }
                if index < node.commit_index {
                    return Err(format!(
                        "S{id} has committed through index {} already: commit only moves forward",
                        node.commit_index
                    ));
                }
            }
            _ => unreachable!("a set-up action"),
        }
        // What the checker says of the state it would make, on a copy.
        let mut probe = self.clone();
        probe.narrate = false;
        probe.apply_setup(action);
        if let Some(v) = probe.violations.first() {
            return Err(format!("Raft cannot reach that state ({}): {}", v.property.name(), v.detail));
        }
        probe.committed_is_safe()
    }

    /// Carry out a validated set-up action, persist what it changed and check it.
    pub(crate) fn apply_setup(&mut self, action: &Action) {
        let id = action.servers().next().expect("set-up names a server");
        let mut ready = Ready::default();
        let node = self.server_mut(id).node.as_mut().expect("validated: running");
        let before = Before::of(node);
        match *action {
            Action::SetLog { ref terms, .. } => {
                node.log = Log::new();
                for (k, &term) in terms.iter().enumerate() {
                    node.log.append(entry(k as Index + 1, term));
                }
                // A server's term is never below the terms in its log.
                if node.log.last_term() > node.current_term {
                    node.current_term = node.log.last_term();
                    node.voted_for = None;
                }
                ready.persist_log_from = Some(1);
                ready.persist_hard_state = true;
            }
            Action::SetTerm { term, .. } => {
                node.current_term = term;
                node.voted_for = None;
                ready.persist_hard_state = true;
            }
            Action::SetCommit { index, .. } => node.commit_to(index, &mut ready),
            _ => unreachable!("a set-up action"),
        }
        let stored = node.persistent();
        self.server_mut(id).storage = stored;
        self.check(id, &before, &ready);
    }

    /// A committed entry survives every election: a server without it must not be able to collect
    /// a majority of votes (§5.4.1: a voter refuses a candidate whose log is less up-to-date than
    /// its own). Checked for the highest committed entry, which covers those before it.
    fn committed_is_safe(&self) -> Result<(), String> {
        let nodes: Vec<&Node> = self.servers.iter().filter_map(|s| s.node.as_ref()).collect();
        let Some(holder) = nodes.iter().filter(|n| n.commit_index > 0).max_by_key(|n| n.commit_index) else {
            return Ok(());
        };
        let (index, term) = (holder.commit_index, holder.log.term(holder.commit_index).expect("in its log"));
        let voters = holder.config.voters;
        let holds = |n: &Node| n.log.term(index) == Some(term);
        let (count, majority) = (voters.len() as usize, voters.len() as usize / 2 + 1);
        for n in nodes.iter().filter(|n| voters.contains(n.id) && !holds(n)) {
            let (last_index, last_term) = (n.log.last_index(), n.log.last_term());
            let refuse = nodes
                .iter()
                .filter(|v| voters.contains(v.id) && holds(v) && !v.log.is_up_to_date(last_index, last_term))
                .count();
            if count - refuse >= majority {
                return Err(format!(
                    "S{} has committed index {index} (term {term}), but S{} lacks it and could still be elected \
                     (its log ends at index {last_index}, term {last_term}): a committed entry must be on a \
                     majority of servers whose logs are more up-to-date than any log without it",
                    holder.id, n.id
                ));
            }
        }
        Ok(())
    }
}
