//! The randomized fault campaign: for a seed, a schedule of crashes, restarts, partitions, cut
//! links, forced timeouts, membership changes, leadership transfers and client traffic over a lossy,
//! duplicating, reordering network, with snapshots and the protocol switches drawn per seed, and on
//! a third of the seeds disks that take time to write (so crashes lose what is not yet durable); then
//! the faults stop (healed network, every server back, PreVote and CheckQuorum on so that removed
//! servers cannot keep deposing leaders) and a client reads every key. The tests check what it
//! leaves behind: no violation, a leader, converged members, a linearizable client history.

use crate::action::Action;
use crate::config::SimConfig;
use crate::network::NetConfig;
use crate::rng::SimRng;
use crate::timeline::Timeline;
use raft::{NodeId, Op};

const MS: u64 = 1000;

/// A random lossy, duplicating, reordering network.
pub fn faulty_net(r: &mut SimRng) -> NetConfig {
    NetConfig {
        latency_min_us: 5 * MS,
        latency_max_us: r.range(10, 40) * MS,
        drop_ppm: r.range(0, 150_000) as u32,
        duplicate_ppm: r.range(0, 100_000) as u32,
        reorder_ppm: r.range(0, 100_000) as u32,
        fsync_us: 0,
    }
}

/// Random protocol switches (snapshots on most seeds).
pub fn options(r: &mut SimRng) -> raft::Options {
    raft::Options {
        pre_vote: r.chance(500_000),
        check_quorum: r.chance(500_000),
        vote_lease: r.chance(500_000),
        read_index: r.chance(500_000),
        conflict_hint: r.chance(500_000),
        snapshot_threshold: if r.chance(700_000) { r.range(3, 20) } else { 0 },
        max_entries_per_append: r.range(1, 8) as usize,
        ..raft::Options::default()
    }
}

/// The seed's disks: how long a write takes to become durable, drawn from a stream of its own so
/// that the other draws (and so the runs of seeds with instant disks) stay as they were. A third
/// of the seeds get 1–30 ms, and each network change redraws it with a 30% chance (0 included, so
/// the dial goes both ways while writes are in flight); `always`: never 0 (a rule about the disk
/// needs a disk that takes time).
struct Disks {
    r: SimRng,
    on: bool,
    always: bool,
}

impl Disks {
    fn new(seed: u64, always: bool) -> Disks {
        let mut r = SimRng::new(seed ^ 0xD15C_F5C0);
        let on = always || r.chance(333_333);
        Disks { r, on, always }
    }
    fn first(&mut self) -> u64 {
        if self.on {
            self.r.range(1, 30) * MS
        } else {
            0
        }
    }
    /// With slow disks, now and then: crash a server while it has a write in flight, and restart
    /// it this long after.
    fn crash_in_flight(&mut self) -> Option<u64> {
        (self.on && self.r.chance(250_000)).then(|| self.r.range(0, 40) * MS)
    }
    fn next(&mut self, now: u64) -> u64 {
        if !self.on || !self.r.chance(300_000) {
            return now;
        }
        self.r.range(self.always as u64, 30) * MS
    }
}

/// Run one seed's campaign. Returns the run at its end (violations are left in its simulator; a
/// run stops at the first) with its record. `broken`: run with these protocol options and without
/// membership changes (used to show the checker catching a deliberately broken rule).
pub fn campaign(seed: u64, broken: Option<raft::Options>) -> Timeline {
    let membership = broken.is_none();
    run(seed, move |r| broken.unwrap_or_else(|| options(r)), membership, &Shape::default()).0
}

/// How busy a campaign is. `Light` (the test suite's): 60 actions 10–150 ms apart. `Heavy` (the
/// explorer's default): 150 actions 5–60 ms apart, and every crash followed by a restart of the
/// same server 5–80 ms later (votes and terms are lost or kept across restarts far more often).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum Workload {
    #[default]
    Light,
    Heavy,
}

/// The shape of a campaign run besides its protocol options.
#[derive(Clone, Copy, Debug, Default)]
pub struct Shape {
    pub workload: Workload,
    /// The initial cluster size (default: 3–5 by seed).
    pub servers: Option<u32>,
}

/// What the end of a campaign showed about liveness: once every fault is healed and every
/// server is back up, how long until there is a leader, and how long a new write then takes to
/// be answered (`None`: not within the bound).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Liveness {
    pub leader_us: Option<u64>,
    pub write_us: Option<u64>,
}

/// How long a healed cluster may take to elect a leader, and then to answer a write. The write
/// bound allows for repairing long divergent logs one entry per round trip (the conflict hint off,
/// two entries per AppendEntries: 1.5–2.5 s measured on the heavy workload).
pub const LEADER_BOUND_US: u64 = 3_000 * MS;
pub const WRITE_BOUND_US: u64 = 5_000 * MS;

/// Run one seed's campaign with a rule of the catalogue broken (or none), membership changes
/// included. `commit-old-term` runs with [`broken_options`]; `read-without-quorum` with ReadIndex
/// reads on (the rule lives there).
pub fn campaign_breaking(seed: u64, rule: Option<raft::Rule>) -> Timeline {
    campaign_shaped(seed, rule, &Shape::default()).0
}

/// [`campaign_breaking`] with a workload and cluster size, and what it showed about liveness.
pub fn campaign_shaped(seed: u64, rule: Option<raft::Rule>, shape: &Shape) -> (Timeline, Liveness) {
    match rule {
        None => run(seed, options, true, shape),
        Some(raft::Rule::CommitOldTerm) => run(seed, |_| broken_options(), false, shape),
        Some(rule) => run(
            seed,
            move |r| {
                let mut o = options(r);
                o.broken = raft::Broken::only(rule);
                o.read_index |= rule == raft::Rule::ReadWithoutQuorum;
                o
            },
            true,
            shape,
        ),
    }
}

fn run(
    seed: u64,
    opts: impl FnOnce(&mut SimRng) -> raft::Options,
    membership: bool,
    shape: &Shape,
) -> (Timeline, Liveness) {
    let mut r = SimRng::new(seed ^ 0x5EED_FA17);
    let servers = shape.servers.unwrap_or(3 + (seed % 3) as u32); // 3..=5 to start with
    let heavy = shape.workload == Workload::Heavy;
    let (steps, gap) = if heavy { (150, (5, 60)) } else { (60, (10, 150)) };
    let raft = raft::Options { election_timeout_min: 100 * MS, ..opts(&mut r) };
    let mut disks = Disks::new(seed, raft.broken.has(raft::Rule::ReplyBeforePersist));
    let net = NetConfig { fsync_us: disks.first(), ..faulty_net(&mut r) };
    let cfg = SimConfig { servers, seed, net, raft, check_persistence: true, ..SimConfig::default() };
    let mut s = Timeline::new(cfg).unwrap();
    s.set_checkpoint_every(u64::MAX); // nobody seeks in a campaign
    let key = |r: &mut SimRng| b'a' + r.range(0, 2) as u8;
    for _ in 0..steps {
        s.run_for(r.range(gap.0, gap.1) * MS);
        if !s.sim().violations.is_empty() {
            return (s, Liveness::default());
        }
        let n = s.sim().servers.len() as u64;
        let pick = |r: &mut SimRng| r.range(1, n) as NodeId;
        let action = match r.range(0, 15) {
            0 | 1 => Action::Crash(pick(&mut r)),
            2 | 3 => Action::Restart(pick(&mut r)),
            4 => {
                let mut groups = vec![vec![], vec![]];
                for id in 1..=n as NodeId {
                    groups[r.range(0, 1) as usize].push(id);
                }
                Action::Partition(groups)
            }
            5 => Action::Isolate(pick(&mut r)),
            6 if r.chance(400_000) => Action::OneWay { from: pick(&mut r), to: pick(&mut r), up: r.chance(300_000) },
            6 => Action::Link { a: pick(&mut r), b: pick(&mut r), up: r.chance(300_000) },
            7 => Action::Heal,
            8 => Action::Timeout(pick(&mut r)),
            9 => {
                let fsync_us = disks.next(s.sim().cfg.net.fsync_us);
                Action::SetNet(NetConfig { fsync_us, ..faulty_net(&mut r) })
            }
            10 if membership && n < 8 => Action::AddServer,
            11 if membership => Action::RemoveServer(pick(&mut r)),
            12 if membership => Action::Transfer(pick(&mut r)),
            13 if membership && r.chance(250_000) => {
                // Replace one or two servers in one joint step.
                let k = r.range(1, 2) as NodeId;
                let add = if n + (k as u64) <= 9 { (1..=k).map(|j| n as NodeId + j).collect() } else { vec![] };
                let remove = (0..k).map(|_| pick(&mut r)).collect::<Vec<_>>();
                Action::Change { add, remove }
            }
            _ => {
                let k = key(&mut r);
                let op = match r.range(0, 2) {
                    0 => Op::Set { key: k, value: r.range(0, 99) as i64 },
                    1 => Op::Add { key: k, delta: 1 },
                    _ => Op::Get { key: k },
                };
                // Clients mostly find the leader; the others get redirected or time out.
                let server = match s.sim().leader() {
                    Some(l) if r.chance(600_000) => l,
                    _ => pick(&mut r),
                };
                Action::Request { server, op }
            }
        };
        let crashed = match action {
            Action::Crash(id) if heavy => Some(id),
            _ => None,
        };
        let _ = s.act(action); // refused actions (crash a crashed server, …) change nothing
        if let Some(id) = crashed {
            s.run_for(r.range(5, 80) * MS);
            let _ = s.act(Action::Restart(id));
        }
        if let Some(pause) = disks.crash_in_flight() {
            crash_while_writing(&mut s, pause);
        }
    }
    // Faults stop: heal everything, perfect network, every server back up. Servers removed from the
    // configuration that never learned of it would keep deposing leaders (thesis §4.2.3; the PreVote
    // and CheckQuorum scenarios show it), so the operator turns both protections on.
    s.act(Action::Heal).unwrap();
    s.act(Action::SetNet(NetConfig { fsync_us: s.sim().cfg.net.fsync_us, ..NetConfig::default() })).unwrap();
    if membership {
        let opts = raft::Options { pre_vote: true, check_quorum: true, ..s.sim().cfg.raft };
        s.act(Action::SetOptions(opts)).unwrap();
    }
    for id in 1..=s.sim().servers.len() as NodeId {
        let _ = s.act(Action::Restart(id));
    }
    // Liveness: a leader within the bound, then a new write answered within the bound.
    let mut live = Liveness::default();
    let healed = s.sim().time;
    while s.sim().violations.is_empty() && s.sim().time - healed < LEADER_BOUND_US {
        if s.sim().leader().is_some() {
            live.leader_us = Some(s.sim().time - healed);
            break;
        }
        s.run_for(MS);
    }
    if let Some(l) = s.sim().leader() {
        let k = s.sim().client_ops.len() + s.sim().clients_dropped;
        if s.act(Action::Request { server: l, op: Op::Set { key: b'a', value: 1000 } }).is_ok() {
            let sent = s.sim().time;
            while s.sim().violations.is_empty() && s.sim().time - sent < WRITE_BOUND_US {
                if s.sim().client_op(k).is_some_and(|c| c.answered.is_some()) {
                    live.write_us = Some(s.sim().time - sent);
                    break;
                }
                s.run_for(MS);
            }
        }
    }
    let rest = (3000 * MS).saturating_sub(s.sim().time - healed);
    s.run_for(rest);
    // Finally a client reads every key, so that acknowledged writes are checked against it.
    if let Some(l) = s.sim().leader() {
        for k in b'a'..=b'c' {
            let _ = s.act(Action::Request { server: l, op: Op::Get { key: k } });
        }
    }
    s.run_for(1000 * MS);
    (s, live)
}

/// Step the run until a live server has a write in flight (a little while at most), crash it,
/// and restart it `pause` later: what it had only in memory is gone.
fn crash_while_writing(s: &mut Timeline, pause: u64) {
    for _ in 0..1000 {
        let busy = s.sim().servers.iter().find(|sv| sv.node.is_some() && !sv.disk.is_idle()).map(|sv| sv.id);
        if let Some(id) = busy {
            s.act(Action::Crash(id)).expect("a live server");
            s.run_for(pause);
            let _ = s.act(Action::Restart(id)); // unless the run stopped on a violation
            return;
        }
        if !s.step() {
            return;
        }
    }
}

/// Options for a campaign with one rule broken (on top of the defaults).
pub fn breaking(rule: raft::Rule) -> raft::Options {
    raft::Options { broken: raft::Broken::only(rule), ..SimConfig::default().raft }
}

/// The protocol options the broken-rule campaigns run with: the Figure 8 mistake switched on, and
/// the no-op and vote lease off so that it shows up in fewer seeds.
pub fn broken_options() -> raft::Options {
    raft::Options {
        broken: raft::Broken::only(raft::Rule::CommitOldTerm),
        leader_noop: false,
        vote_lease: false,
        ..SimConfig::default().raft
    }
}
