//! One unit test per rule of Figure 2 (and the §5.3 / §5.4 / §8 refinements), named after the rule.

use crate::message::{Body, Message};
use crate::node::{ClientResult, Input, Node, Options, Ready, Role};
use crate::quorum::Membership;
use crate::types::{Command, Entry, EntryData, Op, Term};
use alloc::vec;
use alloc::vec::Vec;

fn opts() -> Options {
    Options { leader_noop: false, ..Options::default() }
}

fn node(id: u32, n: u32) -> Node {
    Node::new(id, Membership::first_n(n), opts())
}

fn with_log(mut n: Node, terms: &[Term]) -> Node {
    for &t in terms {
        n.log.append(Entry { term: t, data: EntryData::Noop });
    }
    n.current_term = terms.last().copied().unwrap_or(0);
    n
}

fn step(n: &mut Node, input: Input) -> Ready {
    let mut r = Ready::default();
    n.step(0, input, &mut r);
    r
}

fn deliver(n: &mut Node, from: u32, term: Term, body: Body) -> Ready {
    let to = n.id;
    step(n, Input::Message(Message { from, to, term, body }))
}

fn entries(terms: &[Term]) -> Vec<Entry> {
    terms.iter().map(|&t| Entry { term: t, data: EntryData::Noop }).collect()
}

fn ae(prev_log_index: u64, prev_log_term: Term, terms: &[Term], leader_commit: u64) -> Body {
    Body::AppendEntries { prev_log_index, prev_log_term, entries: entries(terms), leader_commit, ctx: 0 }
}

fn log_terms(n: &Node) -> Vec<Term> {
    n.log.entries().map(|e| e.term).collect()
}

fn reply(r: &Ready) -> &Body {
    assert_eq!(r.messages.len(), 1, "expected exactly one reply, got {:?}", r.messages);
    &r.messages[0].body
}

fn cmd(seq: u32, key: u8, value: i64) -> Command {
    Command { client: 9, seq, op: Op::Set { key, value } }
}

/// Make `n` leader of the next term with votes from `voters`.
fn elect(n: &mut Node, voters: &[u32]) -> Ready {
    let mut r = step(n, Input::ElectionTimeout);
    let term = n.current_term;
    for &v in voters {
        let more = deliver(n, v, term, Body::RequestVoteReply { granted: true, pre_vote: false });
        r.messages.extend(more.messages);
        r.arm_heartbeat |= more.arm_heartbeat;
    }
    assert_eq!(n.role, Role::Leader);
    r
}

// ---- Rules for all servers ------------------------------------------------------------------

#[test]
fn all_servers_apply_entries_up_to_commit_index_in_order() {
    let mut n = node(2, 3);
    let body = Body::AppendEntries {
        prev_log_index: 0,
        prev_log_term: 0,
        entries: vec![
            Entry { term: 1, data: EntryData::Command(cmd(1, b'x', 1)) },
            Entry { term: 1, data: EntryData::Command(cmd(2, b'x', 2)) },
            Entry { term: 1, data: EntryData::Command(cmd(3, b'y', 5)) },
        ],
        leader_commit: 2,
        ctx: 0,
    };
    deliver(&mut n, 1, 1, body);
    assert_eq!((n.commit_index, n.last_applied), (2, 2));
    assert_eq!(n.state_machine.get(b'x'), Some(2));
    assert_eq!(n.state_machine.get(b'y'), None, "index 3 is not committed yet");
    deliver(&mut n, 1, 1, ae(3, 1, &[], 3));
    assert_eq!(n.last_applied, 3);
    assert_eq!(n.state_machine.get(b'y'), Some(5));
}

#[test]
fn all_servers_adopt_a_higher_term_and_become_follower() {
    // From a response…
    let mut leader = with_log(node(1, 3), &[1]);
    elect(&mut leader, &[2]);
    let t = leader.current_term;
    let r = deliver(
        &mut leader,
        3,
        t + 3,
        Body::AppendEntriesReply { success: false, index: 0, hint: None, ctx: 0, commit: 0 },
    );
    assert_eq!((leader.role, leader.current_term, leader.voted_for), (Role::Follower, t + 3, None));
    assert!(r.persist_hard_state, "the new term must be persisted");
    // …and from a request.
    let mut c = node(2, 3);
    step(&mut c, Input::ElectionTimeout);
    assert_eq!(c.role, Role::Candidate);
    deliver(&mut c, 3, 7, Body::RequestVote { last_log_index: 0, last_log_term: 0, pre_vote: false, transfer: false });
    assert_eq!((c.role, c.current_term), (Role::Follower, 7));
}

// ---- Followers ------------------------------------------------------------------------------

#[test]
fn followers_become_candidate_when_the_election_timeout_elapses() {
    let mut n = node(1, 3);
    step(&mut n, Input::ElectionTimeout);
    assert_eq!(n.role, Role::Candidate);
}

#[test]
fn followers_reset_the_election_timer_on_append_entries_and_on_granting_a_vote() {
    let mut n = node(1, 3);
    assert!(deliver(&mut n, 2, 1, ae(0, 0, &[], 0)).reset_election_timer);
    let mut m = node(1, 3);
    let r = deliver(
        &mut m,
        2,
        1,
        Body::RequestVote { last_log_index: 0, last_log_term: 0, pre_vote: false, transfer: false },
    );
    assert!(matches!(reply(&r), Body::RequestVoteReply { granted: true, .. }));
    assert!(r.reset_election_timer);
    // A denied vote does not reset it.
    let r = deliver(
        &mut m,
        3,
        1,
        Body::RequestVote { last_log_index: 0, last_log_term: 0, pre_vote: false, transfer: false },
    );
    assert!(matches!(reply(&r), Body::RequestVoteReply { granted: false, .. }));
    assert!(!r.reset_election_timer);
}

// ---- Candidates -----------------------------------------------------------------------------

#[test]
fn candidates_on_conversion_increment_term_vote_for_self_reset_timer_and_request_votes() {
    let mut n = with_log(node(1, 5), &[1, 1, 2]);
    let r = step(&mut n, Input::ElectionTimeout);
    assert_eq!((n.role, n.current_term, n.voted_for), (Role::Candidate, 3, Some(1)));
    assert!(r.persist_hard_state && r.reset_election_timer);
    let targets: Vec<u32> = r.messages.iter().map(|m| m.to).collect();
    assert_eq!(targets, vec![2, 3, 4, 5]);
    for m in &r.messages {
        assert_eq!(m.term, 3);
        assert_eq!(m.body, Body::RequestVote { last_log_index: 3, last_log_term: 2, pre_vote: false, transfer: false });
    }
}

#[test]
fn candidates_become_leader_with_votes_from_a_majority() {
    let mut n = node(1, 5);
    step(&mut n, Input::ElectionTimeout);
    deliver(&mut n, 2, 1, Body::RequestVoteReply { granted: true, pre_vote: false });
    deliver(&mut n, 3, 1, Body::RequestVoteReply { granted: false, pre_vote: false });
    assert_eq!(n.role, Role::Candidate, "2 of 5 is not a majority");
    // A duplicate of the same vote must not count twice.
    deliver(&mut n, 2, 1, Body::RequestVoteReply { granted: true, pre_vote: false });
    assert_eq!(n.role, Role::Candidate);
    deliver(&mut n, 4, 1, Body::RequestVoteReply { granted: true, pre_vote: false });
    assert_eq!(n.role, Role::Leader);
}

#[test]
fn candidates_return_to_follower_on_append_entries_from_the_new_leader() {
    let mut n = node(1, 3);
    step(&mut n, Input::ElectionTimeout);
    let r = deliver(&mut n, 2, 1, ae(0, 0, &[], 0));
    assert_eq!((n.role, n.leader_id, n.current_term), (Role::Follower, Some(2), 1));
    assert!(matches!(reply(&r), Body::AppendEntriesReply { success: true, .. }));
}

#[test]
fn candidates_start_a_new_election_when_the_election_timeout_elapses() {
    let mut n = node(1, 3);
    step(&mut n, Input::ElectionTimeout);
    let r = step(&mut n, Input::ElectionTimeout);
    assert_eq!((n.role, n.current_term), (Role::Candidate, 2));
    assert_eq!(r.messages.len(), 2);
    assert!(r.messages.iter().all(|m| m.term == 2));
}

// ---- Leaders --------------------------------------------------------------------------------

#[test]
fn leaders_send_initial_empty_append_entries_upon_election() {
    let mut n = node(1, 3);
    let r = elect(&mut n, &[2]);
    let heartbeats: Vec<&Message> =
        r.messages.iter().filter(|m| matches!(m.body, Body::AppendEntries { .. })).collect();
    assert_eq!(heartbeats.len(), 2);
    assert!(heartbeats.iter().all(|m| m.body == ae(0, 0, &[], 0)));
    assert!(r.arm_heartbeat);
}

#[test]
fn leaders_append_a_no_op_of_their_term_upon_election() {
    let mut n = with_log(Node::new(1, Membership::first_n(3), Options::default()), &[1]);
    let r = elect(&mut n, &[2]);
    assert_eq!(log_terms(&n), vec![1, 2]);
    assert_eq!(n.log.get(2).unwrap().data, EntryData::Noop);
    assert!(r.messages.iter().any(|m| m.body == ae(2, 2, &[], 0) || m.body == ae(1, 1, &[2], 0)));
}

#[test]
fn leaders_repeat_heartbeats_during_idle_periods() {
    let mut n = node(1, 3);
    elect(&mut n, &[2]);
    let r = step(&mut n, Input::HeartbeatTimeout);
    assert_eq!(r.messages.len(), 2);
    assert!(r.arm_heartbeat);
    // Followers ignore the heartbeat timer.
    let mut f = node(2, 3);
    assert_eq!(step(&mut f, Input::HeartbeatTimeout), Ready::default());
}

#[test]
fn leaders_append_client_commands_and_respond_after_applying_them() {
    let mut n = node(1, 3);
    elect(&mut n, &[2]);
    // The followers answer the leader's first (probing) AppendEntries: they match at index 0.
    for f in [2, 3] {
        deliver(&mut n, f, 1, Body::AppendEntriesReply { success: true, index: 0, hint: None, ctx: 0, commit: 0 });
    }
    let r = step(&mut n, Input::Propose(cmd(1, b'x', 3)));
    assert_eq!(n.log.last_index(), 1);
    assert_eq!(r.persist_log_from, Some(1));
    assert!(r.client_replies.is_empty(), "no answer before the entry is committed and applied");
    assert_eq!(r.messages.len(), 2);
    let r = deliver(&mut n, 2, 1, Body::AppendEntriesReply { success: true, index: 1, hint: None, ctx: 0, commit: 0 });
    assert_eq!(n.commit_index, 1);
    assert_eq!(r.client_replies.len(), 1);
    assert_eq!(r.client_replies[0].result, ClientResult::Ok { index: 1, value: Some(3) });
}

#[test]
fn leaders_probe_one_request_at_a_time_then_stream_entries_once_a_follower_matches() {
    let mut n = node(1, 3);
    elect(&mut n, &[2]);
    // Follower 2 has not answered the first probe: new entries wait for its answer.
    let r = step(&mut n, Input::Propose(cmd(1, b'x', 1)));
    assert!(r.messages.iter().all(|m| m.to != 2), "a paused probe sends nothing more");
    deliver(&mut n, 2, 1, Body::AppendEntriesReply { success: true, index: 0, hint: None, ctx: 0, commit: 0 });
    // Now it matches: entries stream, and nextIndex moves past what was sent.
    let r = step(&mut n, Input::Propose(cmd(2, b'x', 2)));
    let to2: Vec<&Message> = r.messages.iter().filter(|m| m.to == 2).collect();
    assert!(to2.is_empty() || matches!(&to2[0].body, Body::AppendEntries { entries, .. } if entries.len() == 1));
    assert_eq!(n.progress[2].next_index, 3);
    let r = step(&mut n, Input::Propose(cmd(3, b'x', 3)));
    let to2: Vec<&Message> = r.messages.iter().filter(|m| m.to == 2).collect();
    assert_eq!(to2.len(), 1);
    assert_eq!(
        to2[0].body,
        Body::AppendEntries {
            prev_log_index: 2,
            prev_log_term: 1,
            entries: vec![Entry { term: 1, data: EntryData::Command(cmd(3, b'x', 3)) }],
            leader_commit: 0,
            ctx: 0
        }
    );
    assert_eq!(n.progress[2].next_index, 4);
}

#[test]
fn non_leaders_redirect_clients_to_the_leader_they_know() {
    let mut n = node(2, 3);
    deliver(&mut n, 1, 1, ae(0, 0, &[], 0));
    let r = step(&mut n, Input::Propose(cmd(1, b'x', 3)));
    assert_eq!(r.client_replies[0].result, ClientResult::Redirect { leader: Some(1) });
    assert_eq!(n.log.last_index(), 0);
}

#[test]
fn leaders_send_entries_starting_at_next_index() {
    let mut n = with_log(node(1, 3), &[1, 1]);
    elect(&mut n, &[2]);
    step(&mut n, Input::Propose(cmd(1, b'x', 3)));
    // Follower 3 has only index 1: after its rejection the leader resends from nextIndex = 2.
    n.progress[3].next_index = 2;
    let r = step(&mut n, Input::HeartbeatTimeout);
    let to3 = r.messages.iter().find(|m| m.to == 3).unwrap();
    match &to3.body {
        Body::AppendEntries { prev_log_index, prev_log_term, entries, .. } => {
            assert_eq!((*prev_log_index, *prev_log_term), (1, 1));
            assert_eq!(entries.iter().map(|e| e.term).collect::<Vec<_>>(), vec![1, 2]);
        }
        b => panic!("expected AppendEntries, got {b:?}"),
    }
}

#[test]
fn leaders_update_next_index_and_match_index_on_success() {
    let mut n = node(1, 3);
    elect(&mut n, &[2]);
    step(&mut n, Input::Propose(cmd(1, b'x', 3)));
    step(&mut n, Input::Propose(cmd(2, b'x', 4)));
    deliver(&mut n, 2, 1, Body::AppendEntriesReply { success: true, index: 2, hint: None, ctx: 0, commit: 0 });
    assert_eq!((n.progress[2].next_index, n.progress[2].match_index), (3, 2));
    // A stale, reordered success never moves them back.
    deliver(&mut n, 2, 1, Body::AppendEntriesReply { success: true, index: 1, hint: None, ctx: 0, commit: 0 });
    assert_eq!((n.progress[2].next_index, n.progress[2].match_index), (3, 2));
}

#[test]
fn leaders_decrement_next_index_and_retry_on_inconsistency() {
    let mut n =
        with_log(Node::new(1, Membership::first_n(3), Options { conflict_hint: false, ..opts() }), &[1, 1, 1, 2]);
    elect(&mut n, &[2]);
    assert_eq!(n.progress[3].next_index, 5);
    let r = deliver(&mut n, 3, 3, Body::AppendEntriesReply { success: false, index: 4, hint: None, ctx: 0, commit: 0 });
    assert_eq!(n.progress[3].next_index, 4);
    assert_eq!(reply(&r), &ae(3, 1, &[2], 0));
    // A duplicate of the same rejection is stale now and changes nothing.
    let r = deliver(&mut n, 3, 3, Body::AppendEntriesReply { success: false, index: 4, hint: None, ctx: 0, commit: 0 });
    assert_eq!(n.progress[3].next_index, 4);
    assert!(r.messages.is_empty());
}

#[test]
fn leaders_skip_the_conflicting_term_with_the_hint() {
    // Figure 7 (f): the follower has terms 1 1 1 2 2 2 3 3 3 3 3; the leader of term 8 has
    // 1 1 1 4 4 5 5 6 6 6.
    let mut leader = with_log(node(1, 3), &[1, 1, 1, 4, 4, 5, 5, 6, 6, 6]);
    leader.current_term = 7;
    elect(&mut leader, &[2]);
    let mut f = with_log(node(3, 3), &[1, 1, 1, 2, 2, 2, 3, 3, 3, 3, 3]);
    let mut probe = leader.progress[3].next_index - 1;
    let mut round_trips = 0;
    loop {
        round_trips += 1;
        let pt = leader.log.term(probe).unwrap();
        let to_send = leader.log.slice(probe + 1, 64).map(|e| e.term).collect::<Vec<_>>();
        let r = deliver(&mut f, 1, 8, ae(probe, pt, &to_send, 0));
        let Body::AppendEntriesReply { success, index, hint, .. } = reply(&r).clone() else { panic!() };
        deliver(&mut leader, 3, 8, Body::AppendEntriesReply { success, index, hint, ctx: 0, commit: 0 });
        if success {
            break;
        }
        probe = leader.progress[3].next_index - 1;
    }
    assert_eq!(log_terms(&f), log_terms(&leader));
    assert!(round_trips <= 3, "the hint skips whole terms: took {round_trips} round trips");
}

#[test]
fn leaders_commit_only_current_term_entries_by_counting_replicas() {
    // Figure 8 (c): S1 leads term 4 with log 1 2; index 2 (term 2) is on a majority.
    let mut s1 = with_log(node(1, 5), &[1, 2]);
    s1.current_term = 3;
    elect(&mut s1, &[2, 3]);
    assert_eq!(s1.current_term, 4);
    deliver(&mut s1, 2, 4, Body::AppendEntriesReply { success: true, index: 2, hint: None, ctx: 0, commit: 0 });
    deliver(&mut s1, 3, 4, Body::AppendEntriesReply { success: true, index: 2, hint: None, ctx: 0, commit: 0 });
    assert_eq!(s1.commit_index, 0, "a term-2 entry on a majority must not be committed by counting");
    // (e): once an entry of term 4 is on a majority, it and everything before it commit.
    step(&mut s1, Input::Propose(cmd(1, b'x', 1)));
    deliver(&mut s1, 2, 4, Body::AppendEntriesReply { success: true, index: 3, hint: None, ctx: 0, commit: 0 });
    assert_eq!(s1.commit_index, 0);
    deliver(&mut s1, 3, 4, Body::AppendEntriesReply { success: true, index: 3, hint: None, ctx: 0, commit: 0 });
    assert_eq!(s1.commit_index, 3);
}

// ---- RequestVote RPC ------------------------------------------------------------------------

#[test]
fn request_vote_replies_false_if_term_is_less_than_current_term() {
    let mut n = node(1, 3);
    n.current_term = 5;
    let r = deliver(
        &mut n,
        2,
        4,
        Body::RequestVote { last_log_index: 9, last_log_term: 4, pre_vote: false, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: false, pre_vote: false });
    assert_eq!(r.messages[0].term, 5);
    assert_eq!(n.voted_for, None);
}

#[test]
fn request_vote_grants_at_most_one_vote_per_term() {
    let mut n = node(1, 3);
    let r = deliver(
        &mut n,
        2,
        1,
        Body::RequestVote { last_log_index: 0, last_log_term: 0, pre_vote: false, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: true, pre_vote: false });
    assert!(r.persist_hard_state, "the vote must be persisted before the reply leaves");
    assert_eq!(n.voted_for, Some(2));
    let r = deliver(
        &mut n,
        3,
        1,
        Body::RequestVote { last_log_index: 0, last_log_term: 0, pre_vote: false, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: false, pre_vote: false });
    // The same candidate asking again (a duplicate) gets the vote again.
    let r = deliver(
        &mut n,
        2,
        1,
        Body::RequestVote { last_log_index: 0, last_log_term: 0, pre_vote: false, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: true, pre_vote: false });
}

#[test]
fn request_vote_denies_a_candidate_whose_log_is_less_up_to_date() {
    let mut n = with_log(node(1, 3), &[1, 2, 2]);
    // Lower last term, longer log: denied (§5.4.1: the later term wins).
    let r = deliver(
        &mut n,
        2,
        3,
        Body::RequestVote { last_log_index: 9, last_log_term: 1, pre_vote: false, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: false, pre_vote: false });
    // Same last term, shorter log: denied.
    let r = deliver(
        &mut n,
        2,
        3,
        Body::RequestVote { last_log_index: 2, last_log_term: 2, pre_vote: false, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: false, pre_vote: false });
    // Same last term, same length: granted.
    let r = deliver(
        &mut n,
        2,
        3,
        Body::RequestVote { last_log_index: 3, last_log_term: 2, pre_vote: false, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: true, pre_vote: false });
    // Later last term, shorter log: granted by another server.
    let mut m = with_log(node(3, 3), &[1, 2, 2]);
    let r = deliver(
        &mut m,
        2,
        4,
        Body::RequestVote { last_log_index: 1, last_log_term: 3, pre_vote: false, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: true, pre_vote: false });
}

// ---- AppendEntries RPC ----------------------------------------------------------------------

#[test]
fn append_entries_replies_false_if_term_is_less_than_current_term() {
    let mut n = node(1, 3);
    n.current_term = 3;
    let r = deliver(&mut n, 2, 2, ae(0, 0, &[2], 0));
    assert!(matches!(reply(&r), Body::AppendEntriesReply { success: false, .. }));
    assert_eq!(r.messages[0].term, 3, "the reply carries the newer term so the stale leader steps down");
    assert_eq!(n.log.last_index(), 0);
    assert!(!r.reset_election_timer, "a stale leader does not reset the timer");
}

#[test]
fn append_entries_replies_false_if_log_has_no_matching_entry_at_prev_log_index() {
    let mut n = with_log(node(1, 3), &[1, 1]);
    // Too short.
    let r = deliver(&mut n, 2, 3, ae(3, 1, &[3], 0));
    assert!(matches!(reply(&r), Body::AppendEntriesReply { success: false, index: 3, .. }));
    // Present but with another term.
    let r = deliver(&mut n, 2, 3, ae(2, 2, &[3], 0));
    assert!(matches!(reply(&r), Body::AppendEntriesReply { success: false, index: 2, .. }));
    assert_eq!(log_terms(&n), vec![1, 1], "a rejected request changes no entry");
}

#[test]
fn append_entries_deletes_a_conflicting_entry_and_all_that_follow() {
    let mut n = with_log(node(1, 3), &[1, 1, 2, 2, 2]);
    let r = deliver(&mut n, 2, 3, ae(2, 1, &[3], 0));
    assert_eq!(log_terms(&n), vec![1, 1, 3]);
    assert_eq!(r.persist_log_from, Some(3));
}

#[test]
fn append_entries_never_truncates_on_a_matching_entry() {
    // A stale AppendEntries (prev 1, one entry) arrives after a newer one appended 2..=4.
    let mut n = with_log(node(1, 3), &[1]);
    deliver(&mut n, 2, 2, ae(1, 1, &[2, 2, 2], 0));
    let r = deliver(&mut n, 2, 2, ae(1, 1, &[2], 0));
    assert_eq!(log_terms(&n), vec![1, 2, 2, 2]);
    assert_eq!(r.persist_log_from, None, "nothing changed, nothing to persist");
    assert!(matches!(reply(&r), Body::AppendEntriesReply { success: true, index: 2, .. }));
}

#[test]
fn append_entries_appends_new_entries_not_already_in_the_log() {
    let mut n = with_log(node(1, 3), &[1, 1]);
    let r = deliver(&mut n, 2, 1, ae(1, 1, &[1, 1, 1], 0));
    assert_eq!(log_terms(&n), vec![1, 1, 1, 1]);
    assert_eq!(r.persist_log_from, Some(3));
    assert!(matches!(reply(&r), Body::AppendEntriesReply { success: true, index: 4, .. }));
}

#[test]
fn append_entries_sets_commit_index_to_min_of_leader_commit_and_last_new_entry() {
    let mut n = with_log(node(1, 3), &[1, 1, 1, 1, 1]);
    // The leader has committed 5, but this request only vouches for entries up to 2.
    deliver(&mut n, 2, 1, ae(1, 1, &[1], 5));
    assert_eq!(n.commit_index, 2);
    deliver(&mut n, 2, 1, ae(3, 1, &[1], 3));
    assert_eq!(n.commit_index, 3);
    // A stale request with a lower leaderCommit never moves it back.
    deliver(&mut n, 2, 1, ae(1, 1, &[], 1));
    assert_eq!(n.commit_index, 3);
}

// ---- Crashes ----------------------------------------------------------------------------------

#[test]
fn restart_keeps_persistent_state_and_loses_volatile_state() {
    let mut n = node(1, 3);
    elect(&mut n, &[2]);
    step(&mut n, Input::Propose(cmd(1, b'x', 3)));
    deliver(&mut n, 2, 1, Body::AppendEntriesReply { success: true, index: 1, hint: None, ctx: 0, commit: 0 });
    assert_eq!((n.commit_index, n.last_applied, n.role), (1, 1, Role::Leader));
    let r = Node::restart(1, opts(), n.persistent());
    assert_eq!((r.current_term, r.voted_for, log_terms(&r)), (1, Some(1), vec![1]));
    assert_eq!((r.commit_index, r.last_applied, r.role, r.leader_id), (0, 0, Role::Follower, None));
    assert_eq!(r.state_machine.get(b'x'), None, "the state machine is rebuilt by re-applying");
}

// ---- PreVote (thesis §9.6) -----------------------------------------------------------------------

#[test]
fn pre_vote_does_not_bump_terms_without_a_majority() {
    let o = Options { pre_vote: true, ..opts() };
    let mut n = Node::new(1, Membership::first_n(3), o);
    let r = step(&mut n, Input::ElectionTimeout);
    assert_eq!((n.role, n.current_term), (Role::PreCandidate, 0));
    assert!(r.messages.iter().all(|m| m.term == 1 && matches!(m.body, Body::RequestVote { pre_vote: true, .. })));
    // A follower that hears from its leader refuses and keeps its term.
    let mut f = Node::new(2, Membership::first_n(3), o);
    deliver(&mut f, 3, 1, ae(0, 0, &[], 0));
    let r = deliver(
        &mut f,
        1,
        2,
        Body::RequestVote { last_log_index: 0, last_log_term: 0, pre_vote: true, transfer: false },
    );
    assert_eq!(reply(&r), &Body::RequestVoteReply { granted: false, pre_vote: true });
    assert_eq!(f.current_term, 1);
    // With a granted PreVote the pre-candidate starts a real election.
    deliver(&mut n, 3, 1, Body::RequestVoteReply { granted: true, pre_vote: true });
    assert_eq!((n.role, n.current_term), (Role::Candidate, 1));
}

/// Figure 2, Followers: the election timer restarts on hearing from the current leader or on
/// granting a vote — not on merely seeing a higher term. (Restarting it then let candidates with
/// stale logs keep pushing everyone's timers back: with 7 servers an election could stall for
/// seconds while terms climbed.)
#[test]
fn a_higher_term_alone_does_not_restart_the_election_timer() {
    // A follower with a longer log denies a candidate whose log is behind, and keeps its timer.
    let mut f = with_log(node(1, 3), &[1, 1, 1]);
    let rv = Body::RequestVote { last_log_index: 1, last_log_term: 1, pre_vote: false, transfer: false };
    let r = deliver(&mut f, 2, 5, rv);
    assert_eq!(f.current_term, 5, "it adopts the higher term");
    assert!(matches!(reply(&r), Body::RequestVoteReply { granted: false, .. }));
    assert!(!r.reset_election_timer, "a denied vote keeps the running timer");
    // Granting a vote restarts it.
    let rv = Body::RequestVote { last_log_index: 3, last_log_term: 1, pre_vote: false, transfer: false };
    let r = deliver(&mut f, 3, 6, rv);
    assert!(matches!(reply(&r), Body::RequestVoteReply { granted: true, .. }));
    assert!(r.reset_election_timer);
    // A higher term in a reply does not either; AppendEntries from the leader does.
    let mut c = node(1, 3);
    step(&mut c, Input::ElectionTimeout);
    let r = deliver(&mut c, 2, 7, Body::RequestVoteReply { granted: false, pre_vote: false });
    assert_eq!(c.role, Role::Follower);
    assert!(!r.reset_election_timer, "a candidate stepping down keeps the timer its election started");
    let r = deliver(&mut c, 3, 7, ae(0, 0, &[], 0));
    assert!(r.reset_election_timer);
    // A leader stepping down has no election timer running: it starts one.
    let mut l = node(1, 3);
    elect(&mut l, &[2]);
    let term = l.current_term;
    let r = deliver(
        &mut l,
        2,
        term + 1,
        Body::AppendEntriesReply { success: false, index: 0, hint: None, ctx: 0, commit: 0 },
    );
    assert_eq!(l.role, Role::Follower);
    assert!(r.reset_election_timer);
}

#[test]
fn readys_compare_by_what_the_step_asks_for_not_their_spare_vectors() {
    let mut a = Ready { reset_election_timer: true, ..Ready::default() };
    let b = a.clone();
    a.spare_entries.push(Vec::with_capacity(4));
    assert_eq!(a, b, "the spare vectors are scratch");
    a.arm_heartbeat = true;
    assert_ne!(a, b);
}
