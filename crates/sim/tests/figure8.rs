//! The paper's Figure 8, step by step, with every message routed by hand and the live invariant
//! checker watching every step. It shows why a leader must not commit an entry of an earlier term by
//! counting replicas — and, with that rule broken on purpose, that the checker catches the damage.

use raft::{Body, Command, Entry, EntryData, Input, Membership, Message, Node, Op, Options, Ready, Role};
use sim::invariants::{Before, Checker};
use sim::Property;

/// Five nodes and a hand-operated network: nothing is delivered unless the test says so.
#[derive(Clone)]
struct Bench {
    nodes: Vec<Option<Node>>,
    stored: Vec<raft::Persistent>,
    wire: Vec<Message>,
    checker: Checker,
    violations: Vec<Property>,
    opts: Options,
}

impl Bench {
    fn new(opts: Options) -> Bench {
        let mut b = Bench {
            nodes: (0..=5).map(|id| (id > 0).then(|| Node::new(id, Membership::first_n(5), opts))).collect(),
            stored: vec![Default::default(); 6],
            wire: vec![],
            checker: Checker::new(5),
            violations: vec![],
            opts,
        };
        // Every server starts with index 1 from term 1, committed (the figure's common prefix).
        for id in 1..=5 {
            let n = b.nodes[id].as_mut().unwrap();
            n.current_term = 1;
            n.log.append(Entry { term: 1, data: EntryData::Noop });
            b.stored[id] = n.persistent();
        }
        b
    }

    fn node(&self, id: u32) -> &Node {
        self.nodes[id as usize].as_ref().expect("running")
    }

    fn input(&mut self, id: u32, input: Input) {
        let mut ready = Ready::default();
        let node = self.nodes[id as usize].as_mut().expect("running");
        let before = Before::of(node);
        node.step(0, input, &mut ready);
        self.stored[id as usize] = node.persistent();
        let node = self.nodes[id as usize].as_ref().unwrap();
        let others = self.nodes.iter().flatten().filter(|n| n.id != id);
        let mut found = vec![];
        self.checker.after_step(
            node,
            before,
            ready.persist_log_from,
            ready.installed_snapshot,
            others,
            |p, _, _, _, _| found.push(p),
        );
        self.violations.extend(found);
        self.wire.extend(ready.messages);
    }

    /// Deliver (once) every message on the wire that matches, dropping messages to crashed servers;
    /// replies join the wire. Returns how many were delivered.
    fn deliver(&mut self, pred: impl Fn(&Message) -> bool) -> usize {
        let (now, keep): (Vec<_>, Vec<_>) = std::mem::take(&mut self.wire).into_iter().partition(|m| pred(m));
        self.wire = keep;
        let mut n = 0;
        for m in now {
            if self.nodes[m.to as usize].is_some() {
                n += 1;
                self.input(m.to, Input::Message(m));
            }
        }
        n
    }

    /// Deliver matching messages, and everything they cause between `among`, until quiet.
    fn exchange(&mut self, among: &[u32]) {
        while self.deliver(|m| among.contains(&m.from) && among.contains(&m.to)) > 0 {}
    }

    fn crash(&mut self, id: u32) {
        self.nodes[id as usize] = None;
        self.wire.retain(|m| m.from != id);
    }

    fn restart(&mut self, id: u32) {
        let p = self.stored[id as usize].clone();
        self.nodes[id as usize] = Some(Node::restart(id, self.opts, p));
    }

    /// `id` times out (its earlier, unanswered elections reach no one) until it campaigns in `term`,
    /// and wins with the votes of `voters`.
    fn elect(&mut self, id: u32, term: u64, voters: &[u32]) {
        while self.node(id).current_term + 1 < term {
            self.input(id, Input::ElectionTimeout);
            self.wire.retain(|m| m.from != id);
        }
        self.input(id, Input::ElectionTimeout);
        let mut among = voters.to_vec();
        among.push(id);
        self.deliver(|m| m.from == id && voters.contains(&m.to) && matches!(m.body, Body::RequestVote { .. }));
        self.deliver(|m| m.to == id && voters.contains(&m.from));
        assert_eq!(self.node(id).role, Role::Leader, "S{id} should have won");
        // Drop its remaining election traffic to servers that are not part of this step.
        self.wire.retain(|m| !matches!(m.body, Body::RequestVote { .. }));
    }

    fn propose(&mut self, id: u32, value: i64) {
        self.input(id, Input::Propose(Command { client: 1, seq: value as u32, op: Op::Set { key: b'x', value } }));
    }

    fn terms(&self, id: u32) -> Vec<u64> {
        let log = match &self.nodes[id as usize] {
            Some(n) => n.log.clone(),
            None => self.stored[id as usize].log.clone(),
        };
        log.entries().map(|e| e.term).collect()
    }
}

fn opts(unsafe_commit: bool) -> Options {
    // The figure's leaders append client entries, not no-ops; one entry per AppendEntries lets the
    // figure's partial replication happen. The bench has no clock, so the thesis' vote lease (which
    // needs time to run out) is off: this is the paper's basic algorithm.
    Options {
        leader_noop: false,
        max_entries_per_append: 1,
        broken: if unsafe_commit { raft::Broken::only(raft::Rule::CommitOldTerm) } else { raft::Broken::NONE },
        vote_lease: false,
        ..Options::default()
    }
}

/// Steps (a)–(c). Returns the bench at (c): S1 leads term 4 and has just put its term-2 entry on a
/// majority (S1, S2, S3).
fn figure_8_up_to_c(unsafe_commit: bool) -> Bench {
    let mut b = Bench::new(opts(unsafe_commit));
    // (a) S1 is leader in term 2 and replicates the entry at index 2 to S2 only.
    b.elect(1, 2, &[2, 3]);
    assert_eq!(b.node(1).current_term, 2);
    b.wire.retain(|m| m.to == 2);
    b.exchange(&[1, 2]); // S2 answers S1's first AppendEntries: S1 now streams entries to it
    b.propose(1, 2);
    b.deliver(|m| m.from == 1 && m.to == 2);
    b.deliver(|m| m.from == 2 && m.to == 1);
    b.wire.clear();
    assert_eq!((b.terms(1), b.terms(2), b.terms(3)), (vec![1, 2], vec![1, 2], vec![1]));

    // (b) S1 crashes; S5 is elected in term 3 by S3, S4 and itself, and accepts a different entry at
    // index 2 that reaches nobody.
    b.crash(1);
    b.elect(5, 3, &[3, 4]);
    assert_eq!(b.node(5).current_term, 3);
    b.wire.clear();
    b.propose(5, 3);
    b.wire.clear();
    assert_eq!(b.terms(5), vec![1, 3]);

    // (c) S5 crashes; S1 restarts, is elected in term 4 (by S2 and S3) and accepts an entry of its
    // own term at index 3. Its first AppendEntries repair S3: now its term-2 entry is on S1, S2, S3
    // and S1 knows it.
    b.crash(5);
    b.restart(1);
    b.elect(1, 4, &[2, 3]);
    assert_eq!(b.node(1).current_term, 4);
    b.wire.retain(|m| m.to == 2 || m.to == 3);
    b.exchange(&[1, 2, 3]);
    b.propose(1, 4);
    b.wire.clear(); // its AppendEntries for index 3 are still on their way when (d) happens
    assert_eq!((b.terms(2), b.terms(3)), (vec![1, 2], vec![1, 2]), "S2 and S3 hold the term-2 entry");
    assert_eq!(b.terms(1), vec![1, 2, 4]);
    b
}

#[test]
fn figure_8_old_term_entry_on_a_majority_is_not_committed_and_may_be_overwritten() {
    let mut b = figure_8_up_to_c(false);
    let s1 = b.node(1);
    assert_eq!(s1.progress[3].match_index, 2);
    assert!(s1.commit_index < 2, "index 2 (term 2) is on a majority but must not be committed by counting");

    // (d) S1 crashes; S5 restarts and wins term 5 with votes from S2, S3, S4 (its last term 3 beats
    // their term 2), then overwrites index 2 everywhere.
    b.crash(1);
    b.restart(5);
    b.elect(5, 5, &[2, 3, 4]);
    assert_eq!(b.node(5).current_term, 5);
    for _ in 0..4 {
        b.input(5, Input::HeartbeatTimeout);
        b.exchange(&[2, 3, 4, 5]);
    }
    for id in [2, 3, 4, 5] {
        assert_eq!(b.terms(id)[..2], [1, 3], "S{id}'s index 2 was replaced by S5's term-3 entry");
    }
    assert!(b.violations.is_empty(), "nothing committed was lost: {:?}", b.violations);
}

#[test]
fn figure_8_once_a_current_term_entry_commits_the_old_entry_is_safe() {
    let mut b = figure_8_up_to_c(false);
    // (e) S1 replicates its term-4 entry to S2 and S3 before crashing: index 3 commits, and index 2
    // with it.
    for _ in 0..3 {
        b.input(1, Input::HeartbeatTimeout);
        b.exchange(&[1, 2, 3]);
    }
    assert_eq!(b.node(1).commit_index, 3);
    b.crash(1);
    b.restart(5);
    // S5 can no longer win: S2 and S3 hold a later last term (4) than S5 (3).
    b.input(5, Input::ElectionTimeout);
    b.exchange(&[2, 3, 4, 5]);
    assert_ne!(b.node(5).role, Role::Leader);
    assert!(b.violations.is_empty(), "{:?}", b.violations);
}

#[test]
fn figure_8_with_the_commit_rule_broken_the_checker_catches_the_lost_entry() {
    let mut b = figure_8_up_to_c(true);
    assert_eq!(b.node(1).commit_index, 2, "the broken rule commits index 2 by counting replicas");
    assert_eq!(b.node(1).last_applied, 2, "and S1 applies it");
    b.crash(1);
    b.restart(5);
    b.elect(5, 5, &[2, 3, 4]);
    for _ in 0..4 {
        b.input(5, Input::HeartbeatTimeout);
        b.exchange(&[2, 3, 4, 5]);
    }
    assert!(
        b.violations.contains(&Property::LeaderCompleteness),
        "S5 leads term 5 without the committed entry: {:?}",
        b.violations
    );
}
