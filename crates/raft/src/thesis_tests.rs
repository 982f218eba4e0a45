//! Unit tests for the rules beyond Figure 2: membership changes (§6, thesis ch. 4), log compaction
//! (§7), client sessions (§8), ReadIndex (thesis §6.4), PreVote (§9.6), CheckQuorum (§6.2),
//! leadership transfer (§3.10) and asynchronous disks (thesis §10.2.1).

use crate::message::{Body, Message};
use crate::node::{ClientResult, Input, MembershipChange, Node, Options, Ready, Role};
use crate::quorum::{Membership, Set};
use crate::snapshot::Snapshot;
use crate::state_machine::KvStore;
use crate::types::{Command, Entry, EntryData, Op};
use alloc::vec;
use alloc::vec::Vec;

fn set(ids: &[u32]) -> Set {
    let mut s = Set::EMPTY;
    ids.iter().for_each(|&i| s.insert(i));
    s
}

use crate::progress::MAX_INFLIGHT;

fn step(n: &mut Node, now: u64, input: Input) -> Ready {
    let mut r = Ready::default();
    n.step(now, input, &mut r);
    r
}

fn deliver(n: &mut Node, now: u64, from: u32, term: u64, body: Body) -> Ready {
    let to = n.id;
    step(n, now, Input::Message(Message { from, to, term, body }))
}

fn ok_reply(index: u64) -> Body {
    Body::AppendEntriesReply { success: true, index, hint: None, ctx: 0, commit: 0 }
}

fn ae(prev: u64, prev_term: u64, entries: Vec<Entry>, commit: u64) -> Body {
    Body::AppendEntries { prev_log_index: prev, prev_log_term: prev_term, entries, leader_commit: commit, ctx: 0 }
}

fn cmd(seq: u32, op: Op) -> Command {
    Command { client: 7, seq, op }
}

/// A leader of term 1 in a cluster of `n` whose followers all match its no-op.
fn leader(n: u32, opts: Options) -> Node {
    let mut l = Node::new(1, Membership::first_n(n), opts);
    step(&mut l, 0, Input::ElectionTimeout);
    for v in 2..=n {
        deliver(&mut l, 0, v, 1, Body::RequestVoteReply { granted: true, pre_vote: false });
    }
    assert_eq!(l.role, Role::Leader);
    for f in 2..=n {
        deliver(&mut l, 0, f, 1, ok_reply(1));
    }
    assert_eq!(l.commit_index, 1);
    l
}

// ---- Membership ---------------------------------------------------------------------------------------

#[test]
fn joint_consensus_needs_separate_majorities_of_old_and_new() {
    let joint =
        Membership { voters: set(&[3, 4, 5]), outgoing: set(&[1, 2, 3]), learners: Set::EMPTY, leaving: Set::EMPTY };
    assert!(!joint.has_quorum(set(&[1, 2, 3])), "a majority of C_old alone is not enough");
    assert!(!joint.has_quorum(set(&[3, 4, 5])), "a majority of C_new alone is not enough");
    assert!(joint.has_quorum(set(&[2, 3, 4])));
    let m = |id: u32| [0, 9, 9, 5, 2, 2][id as usize];
    // C_old commits 9 (S1, S2), C_new only 2: the joint commit index is the lower.
    assert_eq!(joint.committed_index(m), 2);
}

#[test]
fn a_configuration_takes_effect_when_appended_and_is_undone_by_truncation() {
    let mut f = Node::new(2, Membership::first_n(3), Options::default());
    let joint =
        Membership { voters: set(&[1, 2, 3, 4]), outgoing: set(&[1, 2, 3]), learners: Set::EMPTY, leaving: Set::EMPTY };
    deliver(&mut f, 0, 1, 1, ae(0, 0, vec![Entry { term: 1, data: EntryData::Config(joint) }], 0));
    assert_eq!(f.config, joint, "in force before it is committed");
    assert_eq!(f.commit_index, 0);
    // A new leader overwrites it: the previous configuration is back.
    deliver(&mut f, 0, 3, 2, ae(0, 0, vec![Entry { term: 2, data: EntryData::Noop }], 0));
    assert_eq!(f.config, Membership::first_n(3));
}

#[test]
fn learners_replicate_but_neither_vote_nor_count_for_commit() {
    let mut l = leader(3, Options::default());
    let r = step(&mut l, 0, Input::ChangeMembership(MembershipChange::AddServer(4)));
    assert_eq!(l.config.learners, set(&[4]));
    assert!(r.messages.iter().any(|m| m.to == 4), "the learner gets AppendEntries");
    // The learner entry commits with the old voters alone.
    deliver(&mut l, 0, 2, 1, ok_reply(2));
    assert_eq!(l.commit_index, 2);
    // A learner never campaigns.
    let mut learner = Node::new(4, Membership::default(), Options::default());
    deliver(&mut learner, 0, 1, 1, ae(0, 0, l.log.entries().copied().collect(), 2));
    let r = step(&mut learner, 0, Input::ElectionTimeout);
    assert_eq!(learner.role, Role::Follower);
    assert!(r.messages.is_empty());
}

#[test]
fn a_caught_up_learner_is_promoted_through_joint_consensus_then_c_new() {
    let mut l = leader(3, Options::default());
    step(&mut l, 0, Input::ChangeMembership(MembershipChange::AddServer(4)));
    deliver(&mut l, 0, 2, 1, ok_reply(2));
    // The learner catches up: the leader appends C_old,new.
    deliver(&mut l, 0, 4, 1, ok_reply(2));
    assert!(l.config.is_joint());
    assert_eq!((l.config.outgoing, l.config.voters), (set(&[1, 2, 3]), set(&[1, 2, 3, 4])));
    assert_eq!(
        step(&mut l, 0, Input::ChangeMembership(MembershipChange::AddServer(5))).refused,
        Some("a configuration change is still in progress")
    );
    // C_old,new commits with majorities of both ({1,2} of C_old, {1,2,4} of C_new) → C_new appended.
    deliver(&mut l, 0, 2, 1, ok_reply(3));
    assert_eq!(l.commit_index, 2, "S4 has not acknowledged: no majority of C_new yet");
    deliver(&mut l, 0, 4, 1, ok_reply(3));
    assert_eq!(l.commit_index, 3);
    assert!(!l.config.is_joint());
    assert_eq!(l.config.voters, set(&[1, 2, 3, 4]));
    assert!(matches!(l.log.get(4).unwrap().data, EntryData::Config(m) if m == l.config));
}

#[test]
fn a_leader_removed_from_the_configuration_steps_down_once_c_new_commits() {
    let mut l = leader(3, Options::default());
    step(&mut l, 0, Input::ChangeMembership(MembershipChange::RemoveServer(1)));
    assert_eq!((l.config.outgoing, l.config.voters), (set(&[1, 2, 3]), set(&[2, 3])));
    deliver(&mut l, 0, 2, 1, ok_reply(2));
    deliver(&mut l, 0, 3, 1, ok_reply(2));
    // C_old,new committed → C_new {2,3} appended; the leader keeps managing without counting itself.
    assert_eq!(l.role, Role::Leader);
    assert_eq!(l.config.voters, set(&[2, 3]));
    deliver(&mut l, 0, 2, 1, ok_reply(3));
    assert_eq!(l.commit_index, 2, "its own copy does not count any more");
    deliver(&mut l, 0, 3, 1, ok_reply(3));
    assert_eq!(l.commit_index, 3);
    assert_eq!(l.role, Role::Follower);
    // Removed and committed: it never campaigns again.
    assert!(step(&mut l, 0, Input::ElectionTimeout).messages.is_empty());
}

// ---- Log compaction ------------------------------------------------------------------------------------

#[test]
fn a_server_snapshots_applied_entries_past_the_threshold() {
    let o = Options { snapshot_threshold: 3, ..Options::default() };
    let mut l = leader(3, o);
    let mut snapshots = 0;
    for v in 0..4 {
        let r = step(&mut l, 0, Input::Propose(cmd(v + 1, Op::Set { key: b'x', value: v as i64 })));
        snapshots += r.persist_snapshot as u32;
        assert!(!r.installed_snapshot);
        let last = l.log.last_index();
        deliver(&mut l, 0, 2, 1, ok_reply(last));
    }
    assert_eq!(snapshots, 1, "one snapshot once 3 applied entries piled up");
    let s = &l.snapshot;
    assert_eq!((s.last_index, s.last_term, s.config), (3, 1, Membership::first_n(3)));
    assert_eq!(s.state.get(b'x'), Some(1), "the state as of index 3");
    assert_eq!(l.log.offset(), 3);
    assert_eq!(l.log.last_index(), 5, "entries after the snapshot stay");
    assert_eq!(l.state_machine.get(b'x'), Some(3));
}

#[test]
fn the_leader_sends_install_snapshot_when_next_index_is_compacted_away() {
    let o = Options { snapshot_threshold: 2, ..Options::default() };
    let mut l = leader(3, o);
    for v in 0..3 {
        step(&mut l, 0, Input::Propose(cmd(v + 1, Op::Set { key: b'y', value: v as i64 })));
        let last = l.log.last_index();
        deliver(&mut l, 0, 2, 1, ok_reply(last));
    }
    step(&mut l, 0, Input::Propose(cmd(9, Op::Get { key: b'y' })));
    assert!(l.log.offset() >= 2);
    // S3 never acknowledged anything past index 1, which is gone from the log: after a heartbeat
    // interval without any acknowledgement the leader falls back to probing it, and sends the
    // snapshot instead.
    step(&mut l, 0, Input::HeartbeatTimeout);
    let r = step(&mut l, 0, Input::HeartbeatTimeout);
    let snap = r.messages.iter().find(|m| m.to == 3).expect("a message to S3");
    let Body::InstallSnapshot { snapshot } = &snap.body else {
        panic!("expected InstallSnapshot, got {:?}", snap.body)
    };
    assert_eq!(snapshot.last_index, l.snapshot.last_index);
    // The reply moves S3 on past the snapshot.
    deliver(&mut l, 0, 3, 1, Body::InstallSnapshotReply { last_index: snapshot.last_index });
    assert_eq!(l.progress[3].match_index, snapshot.last_index);
}

fn snapshot_at(index: u64, term: u64, x: i64) -> Snapshot {
    let mut state = KvStore::default();
    state.apply(&cmd(1, Op::Set { key: b'x', value: x }));
    Snapshot { last_index: index, last_term: term, config: Membership::first_n(3), state }
}

#[test]
fn install_snapshot_keeps_the_entries_after_a_matching_last_entry() {
    let mut f = Node::new(2, Membership::first_n(3), Options::default());
    let e = |t| Entry { term: t, data: EntryData::Noop };
    deliver(&mut f, 0, 1, 1, ae(0, 0, vec![e(1), e(1), e(1), e(1)], 0));
    let r = deliver(&mut f, 0, 1, 1, Body::InstallSnapshot { snapshot: alloc::boxed::Box::new(snapshot_at(2, 1, 5)) });
    assert!(r.persist_snapshot && r.installed_snapshot);
    assert_eq!((f.log.offset(), f.log.last_index()), (2, 4), "entries 3 and 4 survive");
    assert_eq!((f.commit_index, f.last_applied, f.state_machine.get(b'x')), (2, 2, Some(5)));
}

#[test]
fn install_snapshot_discards_a_conflicting_log_and_ignores_stale_snapshots() {
    let mut f = Node::new(2, Membership::first_n(3), Options::default());
    let e = |t| Entry { term: t, data: EntryData::Noop };
    deliver(&mut f, 0, 1, 1, ae(0, 0, vec![e(1), e(1)], 0));
    deliver(&mut f, 0, 3, 2, Body::InstallSnapshot { snapshot: alloc::boxed::Box::new(snapshot_at(3, 2, 8)) });
    assert_eq!((f.log.offset(), f.log.last_index()), (3, 3), "the whole log went");
    assert_eq!(f.state_machine.get(b'x'), Some(8));
    // An older snapshot (index ≤ commit) changes nothing.
    let r = deliver(&mut f, 0, 3, 2, Body::InstallSnapshot { snapshot: alloc::boxed::Box::new(snapshot_at(1, 1, 1)) });
    assert!(!r.persist_snapshot);
    assert_eq!(f.state_machine.get(b'x'), Some(8));
    // And a restart starts from the snapshot.
    let back = Node::restart(2, Options::default(), f.persistent());
    assert_eq!((back.commit_index, back.last_applied, back.state_machine.get(b'x')), (3, 3, Some(8)));
}

// ---- Client sessions -----------------------------------------------------------------------------------

#[test]
fn the_state_machine_applies_a_client_sequence_number_once() {
    let mut kv = KvStore::default();
    let add = cmd(1, Op::Add { key: b'c', delta: 5 });
    assert_eq!(kv.apply(&add), crate::Applied::Done(Some(5)));
    assert_eq!(kv.apply(&add), crate::Applied::Duplicate(Some(5)), "the retry gets the cached answer");
    assert_eq!(kv.get(b'c'), Some(5));
    assert_eq!(kv.apply(&cmd(2, Op::Add { key: b'c', delta: 5 })), crate::Applied::Done(Some(10)));
}

// ---- ReadIndex -------------------------------------------------------------------------------------------

#[test]
fn read_index_answers_after_a_heartbeat_quorum_without_appending() {
    let mut l = leader(3, Options { read_index: true, ..Options::default() });
    let last = l.log.last_index();
    let r = step(&mut l, 0, Input::Propose(cmd(1, Op::Get { key: b'x' })));
    assert_eq!(l.log.last_index(), last, "no log entry for a read");
    assert!(r.client_replies.is_empty(), "not before leadership is confirmed");
    let ctx = l.ctx;
    assert!(r.messages.iter().all(|m| matches!(m.body, Body::AppendEntries { ctx: c, .. } if c == ctx)));
    let r = deliver(&mut l, 0, 2, 1, Body::AppendEntriesReply { success: true, index: 1, hint: None, ctx, commit: 0 });
    assert_eq!(r.client_replies[0].result, ClientResult::Ok { index: 1, value: None });
    // A reply to an earlier round does not confirm a later read.
    step(&mut l, 0, Input::Propose(cmd(2, Op::Get { key: b'x' })));
    let r = deliver(&mut l, 0, 2, 1, Body::AppendEntriesReply { success: true, index: 1, hint: None, ctx, commit: 0 });
    assert!(r.client_replies.is_empty());
}

// ---- CheckQuorum, PreVote leases, leadership transfer ------------------------------------------------------

#[test]
fn check_quorum_leader_steps_down_without_a_quorum_and_stays_with_one() {
    let mut l = leader(5, Options { check_quorum: true, ..Options::default() });
    deliver(&mut l, 0, 2, 1, ok_reply(1));
    deliver(&mut l, 0, 3, 1, ok_reply(1));
    step(&mut l, 0, Input::ElectionTimeout);
    assert_eq!(l.role, Role::Leader, "heard from S2 and S3: with itself a quorum of 5");
    deliver(&mut l, 0, 2, 1, ok_reply(1));
    step(&mut l, 0, Input::ElectionTimeout);
    assert_eq!(l.role, Role::Follower, "only S2 since the last check");
}

#[test]
fn followers_ignore_votes_within_the_lease_except_for_transfers() {
    let o = Options { election_timeout_min: 100, ..Options::default() };
    let mut f = Node::new(2, Membership::first_n(3), o);
    deliver(&mut f, 0, 1, 1, ae(0, 0, vec![], 0));
    let rv = |transfer| Body::RequestVote { last_log_index: 9, last_log_term: 9, pre_vote: false, transfer };
    let r = deliver(&mut f, 50, 3, 2, rv(false));
    assert!(r.messages.is_empty() && f.current_term == 1, "ignored: heard from the leader 50 ago");
    let r = deliver(&mut f, 60, 3, 2, rv(true));
    assert_eq!(
        r.messages[0].body,
        Body::RequestVoteReply { granted: true, pre_vote: false },
        "a transfer overrides the lease"
    );
    let mut g = Node::new(2, Membership::first_n(3), o);
    deliver(&mut g, 0, 1, 1, ae(0, 0, vec![], 0));
    let r = deliver(&mut g, 150, 3, 2, rv(false));
    assert_eq!(r.messages[0].body, Body::RequestVoteReply { granted: true, pre_vote: false }, "the lease has run out");
    // With the lease switched off, the vote is granted at once.
    let mut h = Node::new(2, Membership::first_n(3), Options { vote_lease: false, ..o });
    deliver(&mut h, 0, 1, 1, ae(0, 0, vec![], 0));
    let r = deliver(&mut h, 50, 3, 2, rv(false));
    assert_eq!(r.messages[0].body, Body::RequestVoteReply { granted: true, pre_vote: false });
}

#[test]
fn leadership_transfer_sends_timeout_now_once_the_target_is_up_to_date() {
    let mut l = leader(3, Options::default());
    step(&mut l, 0, Input::Propose(cmd(1, Op::Set { key: b'x', value: 1 })));
    let r = step(&mut l, 0, Input::TransferLeadership(3));
    assert!(!r.messages.iter().any(|m| m.body == Body::TimeoutNow), "S3 is behind");
    // Requests are turned away during the handover.
    let r = step(&mut l, 0, Input::Propose(cmd(2, Op::Set { key: b'x', value: 2 })));
    assert_eq!(r.client_replies[0].result, ClientResult::Redirect { leader: Some(3) });
    let r = deliver(&mut l, 0, 3, 1, ok_reply(2));
    assert!(r.messages.iter().any(|m| m.to == 3 && m.body == Body::TimeoutNow));
    // The target campaigns at once, flagged as a transfer.
    let mut t = Node::new(3, Membership::first_n(3), Options { pre_vote: true, ..Options::default() });
    deliver(&mut t, 0, 1, 1, ae(0, 0, l.log.entries().copied().collect(), 0));
    let r = deliver(&mut t, 0, 1, 1, Body::TimeoutNow);
    assert_eq!((t.role, t.current_term), (Role::Candidate, 2), "no PreVote round for a transfer");
    assert!(r.messages.iter().any(|m| matches!(m.body, Body::RequestVote { transfer: true, pre_vote: false, .. })));
}

#[test]
fn a_leader_ignores_higher_terms_from_servers_outside_its_configuration() {
    let mut l = leader(3, Options::default());
    // S9 is not a member: its inflated term is no reason to step down.
    deliver(&mut l, 0, 9, 7, Body::AppendEntriesReply { success: false, index: 0, hint: None, ctx: 0, commit: 0 });
    assert_eq!((l.role, l.current_term), (Role::Leader, 1));
    // A member's higher term still deposes it (Figure 2).
    deliver(&mut l, 0, 2, 7, Body::AppendEntriesReply { success: false, index: 0, hint: None, ctx: 0, commit: 0 });
    assert_eq!((l.role, l.current_term), (Role::Follower, 7));
}

#[test]
fn a_retried_command_is_answered_from_the_session_table_or_left_to_its_log_entry() {
    let mut l = leader(3, Options::default());
    let add = cmd(1, Op::Add { key: b'n', delta: 1 });
    step(&mut l, 0, Input::Propose(add));
    let last = l.log.last_index();
    // Retried before it commits: it is already in the log, so nothing is appended.
    step(&mut l, 0, Input::Propose(add));
    assert_eq!(l.log.last_index(), last);
    let r = deliver(&mut l, 0, 2, 1, ok_reply(last));
    assert_eq!(r.client_replies.len(), 1);
    // Retried after it was applied: answered at once from the cache, not run again.
    let r = step(&mut l, 0, Input::Propose(add));
    assert_eq!(l.log.last_index(), last);
    assert!(matches!(r.client_replies[0].result, ClientResult::Ok { value: Some(1), .. }));
    assert_eq!(l.state_machine.get(b'n'), Some(1));
}

/// The entries of each AppendEntries `r` sends to `to`, by first index and count.
fn appends_to(r: &Ready, to: u32) -> Vec<(u64, usize)> {
    r.messages
        .iter()
        .filter(|m| m.to == to)
        .filter_map(|m| match &m.body {
            Body::AppendEntries { prev_log_index, entries, .. } => Some((prev_log_index + 1, entries.len())),
            _ => None,
        })
        .collect()
}

#[test]
fn the_leader_streams_a_backlog_up_to_the_inflight_window() {
    let o = Options { max_entries_per_append: 1, ..Options::default() };
    let mut l = leader(3, o);
    // S3 is far behind: the leader has 40 entries it has not sent.
    for v in 0..40 {
        step(&mut l, 0, Input::Propose(cmd(v + 1, Op::Set { key: b'q', value: v as i64 })));
    }
    l.progress[3].become_probe(2);
    let r = deliver(&mut l, 0, 3, 1, ok_reply(1));
    let to3 = appends_to(&r, 3);
    assert_eq!(to3.len() as u64, MAX_INFLIGHT, "one acknowledgement opens the whole window: {to3:?}");
    assert!(to3.iter().enumerate().all(|(k, &(first, n))| first == 2 + k as u64 && n == 1), "{to3:?}");
}

#[test]
fn a_burst_of_proposals_keeps_at_most_the_window_in_flight_and_the_rest_goes_out_batched() {
    let o = Options { max_entries_per_append: 4, ..Options::default() };
    let mut l = leader(3, o);
    // 40 proposals at once (indexes 2..=41): each goes to S3 by itself only while fewer than
    // MAX_INFLIGHT messages of entries are unacknowledged; the rest wait.
    let mut sent = vec![];
    for v in 0..40 {
        let r = step(&mut l, 0, Input::Propose(cmd(v + 1, Op::Set { key: b'q', value: v as i64 })));
        sent.extend(appends_to(&r, 3));
    }
    assert_eq!(sent, (2..2 + MAX_INFLIGHT).map(|i| (i, 1)).collect::<Vec<_>>());
    assert!(l.progress[3].is_throttled());
    // A heartbeat meanwhile still reaches S3 (its election timer), but carries no entries.
    let r = step(&mut l, 0, Input::HeartbeatTimeout);
    assert_eq!(appends_to(&r, 3), vec![(2 + MAX_INFLIGHT, 0)]);
    // S3 acknowledges the first two: two places free up and the backlog fills them, four entries
    // a message.
    let r = deliver(&mut l, 0, 3, 1, ok_reply(3));
    assert_eq!(appends_to(&r, 3), vec![(10, 4), (14, 4)]);
    // A stale (reordered) acknowledgement frees nothing.
    assert_eq!(appends_to(&deliver(&mut l, 0, 3, 1, ok_reply(2)), 3), vec![]);
    // Everything acknowledged: the rest of the backlog, 24 entries in six messages.
    let r = deliver(&mut l, 0, 3, 1, ok_reply(17));
    assert_eq!(appends_to(&r, 3), (0..6).map(|k| (18 + 4 * k, 4)).collect::<Vec<_>>());
    assert_eq!(l.progress[3].inflight.lasts(), &[21, 25, 29, 33, 37, 41]);
    // Lost answers: a heartbeat interval with no acknowledgement sends S3 back to Probe, which
    // forgets the window and re-sends from matchIndex + 1.
    step(&mut l, 0, Input::HeartbeatTimeout);
    let r = step(&mut l, 0, Input::HeartbeatTimeout);
    assert_eq!(l.progress[3].state, crate::progress::State::Probe);
    assert!(l.progress[3].inflight.lasts().is_empty());
    assert_eq!(appends_to(&r, 3), vec![(18, 4)]);
}

// ---- Asynchronous disks (thesis §10.2.1) --------------------------------------------------------------

#[test]
fn with_asynchronous_disks_a_server_counts_its_own_vote_only_once_it_is_durable() {
    use crate::node::Durable;
    // Alone in its configuration, its own vote is a majority — but not before it is on disk.
    let mut n = Node::new(1, Membership::first_n(1), Options::default());
    n.durable = Some(Durable::default());
    let r = step(&mut n, 0, Input::ElectionTimeout);
    assert!(r.persist_hard_state);
    assert_eq!((n.role, n.current_term), (Role::Candidate, 1));
    // An older write finishing changes nothing…
    step(&mut n, 1, Input::Persisted(Durable { term: 0, index: 0 }));
    assert_eq!(n.role, Role::Candidate);
    // …the one with the term-1 vote makes it leader.
    step(&mut n, 2, Input::Persisted(Durable { term: 1, index: 0 }));
    assert_eq!(n.role, Role::Leader);
    // Without asynchronous disks the same election is won at once.
    let mut m = Node::new(1, Membership::first_n(1), Options::default());
    step(&mut m, 0, Input::ElectionTimeout);
    assert_eq!(m.role, Role::Leader);
}

#[test]
fn with_asynchronous_disks_a_leader_counts_its_own_log_only_as_far_as_it_is_durable() {
    use crate::node::Durable;
    let mut n = Node::new(1, Membership::first_n(1), Options::default());
    n.durable = Some(Durable::default());
    step(&mut n, 0, Input::ElectionTimeout);
    step(&mut n, 1, Input::Persisted(Durable { term: 1, index: 0 }));
    assert_eq!((n.role, n.log.last_index(), n.commit_index), (Role::Leader, 1, 0), "the no-op waits for the disk");
    let r = step(&mut n, 2, Input::Propose(cmd(1, Op::Set { key: b'x', value: 5 })));
    assert!(r.client_replies.is_empty());
    assert_eq!(n.commit_index, 0);
    // The no-op reaches the disk: it commits; the command is still only in memory.
    step(&mut n, 3, Input::Persisted(Durable { term: 1, index: 1 }));
    assert_eq!(n.commit_index, 1);
    let r = step(&mut n, 4, Input::Persisted(Durable { term: 1, index: 2 }));
    assert_eq!(n.commit_index, 2);
    assert_eq!(r.client_replies.len(), 1, "answered once applied");
    // In a cluster of three one durable follower is not enough while the leader's own copy is
    // not on disk, and is enough once it is.
    let mut l = leader(3, Options::default());
    l.durable = Some(Durable { term: 1, index: 1 });
    step(&mut l, 5, Input::Propose(cmd(1, Op::Set { key: b'y', value: 1 })));
    deliver(&mut l, 6, 2, 1, ok_reply(2));
    assert_eq!(l.commit_index, 1);
    step(&mut l, 7, Input::Persisted(Durable { term: 1, index: 2 }));
    assert_eq!(l.commit_index, 2);
}
