//! The catalogue of rules that can be broken on purpose.
//!
//! Every rule of Raft exists to prevent one failure; switching one off and watching the failure
//! happen is the quickest way to understand it. Each [`Rule`] here breaks exactly one rule, has a
//! stable id (the same on the page, in URLs and permalinks, the `break=` attribute, scripts'
//! `break <id>` and the command line) and a short explanation of what the rule prevents and why its
//! absence allows the failure. [`Broken`] is the set in force (normally empty); the core asks
//! [`Broken::has`] at the one place each rule lives.

/// One rule of the protocol that can be switched off. Declared once: [`Rule::ALL`] lists every
/// variant (the exhaustive match in [`Rule::info`] keeps the two in step).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Rule {
    CommitOldTerm,
    VoteWithoutLogCheck,
    VoteTwice,
    ForgetVoteOnRestart,
    ForgetTermOnRestart,
    ReplyBeforePersist,
    TruncateOnMatch,
    CommitWithoutMin,
    JointNewOnly,
    ReadWithoutQuorum,
    NoDedup,
}

/// What the page and the documentation say about a rule.
#[derive(Clone, Copy, Debug)]
pub struct RuleInfo {
    /// The stable id: lowercase words joined by `-`.
    pub id: &'static str,
    /// Where the rule is stated.
    pub source: &'static str,
    /// The rule that is broken, as the paper states it (a short label for the switch).
    pub rule: &'static str,
    /// What the broken implementation does instead, what the rule prevents, and why its absence
    /// allows exactly the failure the scenario shows.
    pub explanation: &'static str,
    /// The property that catches it.
    pub caught_by: &'static str,
}

impl Rule {
    /// Every rule, in the page's order.
    pub const ALL: [Rule; 11] = [
        Rule::CommitOldTerm,
        Rule::VoteWithoutLogCheck,
        Rule::VoteTwice,
        Rule::ForgetVoteOnRestart,
        Rule::ForgetTermOnRestart,
        Rule::ReplyBeforePersist,
        Rule::TruncateOnMatch,
        Rule::CommitWithoutMin,
        Rule::JointNewOnly,
        Rule::ReadWithoutQuorum,
        Rule::NoDedup,
    ];

    pub fn id(self) -> &'static str {
        self.info().id
    }

    /// The rule with this id.
    pub fn from_id(id: &str) -> Option<Rule> {
        Rule::ALL.into_iter().find(|r| r.id() == id)
    }

    fn bit(self) -> u32 {
        1 << self as u32
    }

    pub fn info(self) -> RuleInfo {
        let i = |id, source, rule, explanation, caught_by| RuleInfo { id, source, rule, explanation, caught_by };
        match self {
            Rule::CommitOldTerm => i(
                "commit-old-term",
                "§5.4.2, Figure 8",
                "only entries of the leader's own term commit by counting replicas",
                "The leader commits an entry of an earlier term as soon as a majority stores it. But a majority storing an old-term entry does not stop a server without it from winning an election: its last entry can be of a newer term, which makes its log more up-to-date. That leader then overwrites the \"committed\" entry (Figure 8 (d)). Counting replicas is safe only for an entry of the current term: a majority holding it cannot elect a server that lacks it.",
                "Leader Completeness / State Machine Safety",
            ),
            Rule::VoteWithoutLogCheck => i(
                "vote-without-log-check",
                "§5.4.1",
                "vote only for a candidate whose log is at least as up-to-date",
                "Voters grant their vote without comparing logs. The election restriction is what guarantees that every leader holds every committed entry: a committed entry sits on a majority, every winner needs a majority, and the two majorities share a voter who refuses a candidate missing the entry. Without it a server with a short log wins and overwrites committed entries on the others.",
                "Leader Completeness",
            ),
            Rule::VoteTwice => i(
                "vote-twice",
                "§5.2, Figure 2",
                "at most one vote per term (votedFor)",
                "A server grants every RequestVote of its term, ignoring whom it already voted for. Two candidates of the same term can then both collect a majority, because the voters in the overlap vote for both, and the term has two leaders. One vote per term is what makes any two majorities of a term agree on one winner.",
                "Election Safety",
            ),
            Rule::ForgetVoteOnRestart => i(
                "forget-vote-on-restart",
                "§5.2, Figure 2 (persistent state)",
                "votedFor survives a crash",
                "A server that crashes and restarts comes back with its term but without its vote, so it can vote again in the same term for a different candidate. Its first vote already helped elect a leader; the second can elect another one in the same term. votedFor is on stable storage for exactly this reason.",
                "Election Safety",
            ),
            Rule::ForgetTermOnRestart => i(
                "forget-term-on-restart",
                "§5.1, Figure 2 (persistent state)",
                "currentTerm survives a crash",
                "A server restarts with the term of its last log entry instead of the term it had reached, and with no vote. It can then vote again in a term it already voted in (it does not remember that term started), and two leaders of one term follow. currentTerm and votedFor are persisted together before any message that depends on them is sent.",
                "Election Safety",
            ),
            Rule::ReplyBeforePersist => i(
                "reply-before-persist",
                "§5.1, Figure 2 (\"updated on stable storage before responding to RPCs\")",
                "persist before replying",
                "A server sends its vote or its AppendEntries acknowledgement while the disk write is still in flight. If it crashes before the write completes, the vote or the entry it acknowledged is gone, yet the leader counted it: a second vote in the same term, or a committed entry that is no longer on a majority. Replies must wait for the write to be durable. (It takes a disk that is slow to write for the window to exist: the simulator's fsync dial above 0.)",
                "Election Safety / Leader Completeness",
            ),
            Rule::TruncateOnMatch => i(
                "truncate-on-match",
                "§5.3, Figure 2 (AppendEntries receiver, rule 3)",
                "delete entries only when they conflict",
                "A follower deletes everything after prevLogIndex before appending, even entries that match. A stale AppendEntries, delayed or duplicated by the network and arriving after a newer one, then cuts off entries the follower had already acknowledged, and which the leader may already have committed. Rule 3 deletes only from the first entry whose term differs, so an old message can never take anything away.",
                "Committed entries kept / Leader Completeness",
            ),
            Rule::CommitWithoutMin => i(
                "commit-without-min",
                "§5.3, Figure 2 (AppendEntries receiver, rule 5)",
                "commitIndex = min(leaderCommit, index of last new entry)",
                "A follower sets its commitIndex to the leader's commitIndex (capped only by its own log's length) on every AppendEntries of the current term — even one whose consistency check failed, and past the entries the message carried. Its entries beyond what the check verified may be stale ones from an old term that the leader never had; it applies them as committed, and its state machine diverges from everybody else's. Only the entries covered by a successful consistency check are known to match the leader's log.",
                "State Machine Safety",
            ),
            Rule::JointNewOnly => i(
                "joint-new-only",
                "§6, Figure 11",
                "during C_old,new, decisions need a majority of C_old and of C_new",
                "While a change of several servers is in its joint phase, elections and commits count only C_new. A majority of C_new need not overlap a majority of C_old when more than one server changes, so what C_new's majority commits can be unknown to a majority of C_old, which still elects leaders of its own: a leader without committed entries, or two leaders of one term. A single-server change needs no joint phase: any majority of the old set meets any majority of the new one.",
                "Leader Completeness / Election Safety",
            ),
            Rule::ReadWithoutQuorum => i(
                "read-without-quorum",
                "thesis §6.4 (ReadIndex)",
                "a leader confirms it still leads before answering a read",
                "A leader answers ReadIndex reads from its own state machine at once, without the heartbeat round that shows a majority still follows it. A leader cut off from the others does not know it was replaced; it answers with a value a newer leader has already overwritten, so a read returns a stale value after a later write was acknowledged — not linearizable.",
                "Linearizability",
            ),
            Rule::NoDedup => i(
                "no-dedup",
                "§8, thesis §6.3 (client sessions)",
                "a retried command is applied once",
                "The state machine applies every command, even one whose (client, sequence number) it has applied before. A client whose request timed out retries it; if the first attempt was in fact committed, the command runs twice (x += 1 adds 2). Session tables make each command take effect exactly once.",
                "Linearizability",
            ),
        }
    }
}

/// The set of rules broken in a run (normally empty).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash)]
pub struct Broken(pub u32);

impl Broken {
    pub const NONE: Broken = Broken(0);

    pub fn only(rule: Rule) -> Broken {
        Broken(rule.bit())
    }
    pub fn has(self, rule: Rule) -> bool {
        self.0 & rule.bit() != 0
    }
    pub fn insert(&mut self, rule: Rule) {
        self.0 |= rule.bit();
    }
    pub fn is_empty(self) -> bool {
        self.0 == 0
    }
    /// The rules in the set, in catalogue order.
    pub fn iter(self) -> impl Iterator<Item = Rule> {
        Rule::ALL.into_iter().filter(move |r| self.has(*r))
    }
    /// Every bit that names a rule.
    pub const fn mask() -> u32 {
        (1 << Rule::ALL.len()) - 1
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ids_are_unique_lowercase_and_round_trip() {
        for (k, r) in Rule::ALL.into_iter().enumerate() {
            assert_eq!(r as usize, k, "ALL is in declaration order");
            assert_eq!(Rule::from_id(r.id()), Some(r));
            assert!(r.id().bytes().all(|b| b.is_ascii_lowercase() || b == b'-'), "{}", r.id());
        }
        assert_eq!(Rule::from_id("none"), None);
        let mut b = Broken::NONE;
        b.insert(Rule::NoDedup);
        b.insert(Rule::VoteTwice);
        assert_eq!(b.iter().collect::<alloc::vec::Vec<_>>(), [Rule::VoteTwice, Rule::NoDedup]);
        assert_eq!(Broken(Broken::mask()).iter().count(), Rule::ALL.len());
    }
}
