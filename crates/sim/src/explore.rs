//! The fault explorer: run the randomized fault campaign ([`crate::campaign`]) over many seeds,
//! with a rule broken on purpose or none, on every core; stop at the first seed whose run breaks a
//! property; shrink that run (drop every action the failure does not need, then the time after
//! the failure) and print it as a scenario script and a permalink.
//!
//! `cargo run --release -p sim --bin raft-sim -- explore --break vote-twice --seeds 2000`

use crate::campaign;
use crate::record::{Position, Record};
use crate::timeline::Timeline;
use raft::Rule;
use std::sync::atomic::{AtomicBool, AtomicU64, Ordering};
use std::sync::Mutex;

const MS: u64 = 1000;

/// One seed's run of the campaign with `rule` broken (or none).
pub fn run(seed: u64, rule: Option<Rule>) -> Timeline {
    campaign::campaign_breaking(seed, rule)
}

/// What one seed's run broke, if anything: a safety property (checked after every event), the
/// linearizability of its whole client history (acknowledged writes lost, stale reads, commands
/// applied twice), or liveness once the faults healed.
pub fn judge(t: &Timeline, live: &campaign::Liveness) -> Option<String> {
    let sim = t.sim();
    if let Some(v) = sim.violations.first() {
        return Some(v.to_string());
    }
    if sim.clients_dropped == 0 {
        if let Err(e) = crate::linearizability::check(sim.client_ops.iter()) {
            return Some(format!("Linearizability violated by the whole client history: {e}"));
        }
    }
    match (live.leader_us, live.write_us) {
        (None, _) => Some(format!(
            "Liveness: no leader within {} s of the faults healing with every server up",
            campaign::LEADER_BOUND_US / 1_000_000
        )),
        (Some(_), None) => Some(format!(
            "Liveness: a write to the leader was not answered within {} s of the faults healing",
            campaign::WRITE_BOUND_US / 1_000_000
        )),
        _ => None,
    }
}

/// What a search found.
#[derive(Clone, Debug)]
pub struct Found {
    pub seed: u64,
    pub record: Record,
    /// The first violation, as the checker reported it.
    pub violation: String,
}

/// Progress of a search, for a progress bar.
#[derive(Clone, Copy, Debug, Default)]
pub struct Progress {
    pub done: u64,
    pub total: u64,
    pub violations: u64,
    /// The slowest recovery seen so far: leader elected, then a write answered (µs after healing).
    pub worst_leader_us: u64,
    pub worst_write_us: u64,
}

/// Search seeds `first..first + count` on `threads` threads; stop at the first violation (the
/// smallest violating seed among those run). `progress` is called now and then from the caller's
/// thread.
pub fn search(
    rule: Option<Rule>,
    shape: &campaign::Shape,
    first: u64,
    count: u64,
    threads: usize,
    mut progress: impl FnMut(Progress),
) -> Option<Found> {
    let next = AtomicU64::new(first);
    let done = AtomicU64::new(0);
    let (worst_leader, worst_write) = (AtomicU64::new(0), AtomicU64::new(0));
    let stop = AtomicBool::new(false);
    let found: Mutex<Option<Found>> = Mutex::new(None);
    std::thread::scope(|s| {
        for _ in 0..threads.max(1) {
            s.spawn(|| loop {
                let seed = next.fetch_add(1, Ordering::Relaxed);
                if seed >= first + count || stop.load(Ordering::Relaxed) {
                    break;
                }
                let (t, live) = campaign::campaign_shaped(seed, rule, shape);
                worst_leader.fetch_max(live.leader_us.unwrap_or(0), Ordering::Relaxed);
                worst_write.fetch_max(live.write_us.unwrap_or(0), Ordering::Relaxed);
                if let Some(v) = judge(&t, &live) {
                    let mut f = found.lock().unwrap();
                    if f.as_ref().is_none_or(|f| seed < f.seed) {
                        *f = Some(Found { seed, record: t.record().clone(), violation: v });
                    }
                    stop.store(true, Ordering::Relaxed);
                }
                done.fetch_add(1, Ordering::Relaxed);
            });
        }
        loop {
            let d = done.load(Ordering::Relaxed);
            let v = found.lock().unwrap().is_some() as u64;
            progress(Progress {
                done: d,
                total: count,
                violations: v,
                worst_leader_us: worst_leader.load(Ordering::Relaxed),
                worst_write_us: worst_write.load(Ordering::Relaxed),
            });
            if d >= count || stop.load(Ordering::Relaxed) {
                break;
            }
            std::thread::sleep(std::time::Duration::from_millis(200));
        }
    });
    found.into_inner().unwrap()
}

/// Replay a record at its actions' times (skipping refused actions), then run on for two
/// simulated seconds; the time of the first violation, if any.
pub fn violates(rec: &Record) -> Option<u64> {
    let mut s = crate::Sim::new(rec.config.clone()).ok()?;
    for a in &rec.actions {
        s.run_until(a.time);
        if !s.violations.is_empty() {
            break;
        }
        let _ = s.act(a.action.clone());
    }
    s.run_until(rec.actions.last().map_or(0, |a| a.time) + 2000 * MS);
    s.violations.first().map(|v| v.time)
}

/// Shrink a violating record while it still violates: drop each action the violation does not
/// need (last first); then a kinder network (no loss, duplication or reordering, in the config
/// and in every `net` action), if the violation survives it; then fewer servers (the highest id
/// goes, with the actions that name it); then shorter waits between actions (each halved while it
/// still fails). Finally keep only the actions that still succeed when replayed. Returns the
/// smaller record and the time of its violation.
pub fn shrink(rec: &Record) -> (Record, u64) {
    let mut rec = rec.clone();
    rec.config.check_persistence = false;
    let fails = |r: &Record| violates(r).is_some();
    drop_actions(&mut rec, &fails);
    // A kinder network.
    let mut calm = rec.clone();
    let quiet = |n: &mut crate::NetConfig| {
        n.drop_ppm = 0;
        n.duplicate_ppm = 0;
        n.reorder_ppm = 0;
    };
    quiet(&mut calm.config.net);
    for a in &mut calm.actions {
        if let crate::Action::SetNet(n) = &mut a.action {
            quiet(n);
        }
    }
    if fails(&calm) {
        rec = calm;
        drop_actions(&mut rec, &fails);
    }
    // Fewer servers.
    while rec.config.servers > 1 {
        let gone = rec.config.servers;
        let mut fewer = rec.clone();
        fewer.config.servers -= 1;
        fewer.actions.retain(|a| !a.action.servers().any(|s| s == gone) && !names_new_servers(&a.action));
        if !fails(&fewer) {
            break;
        }
        rec = fewer;
    }
    // Shorter waits: halve each gap between consecutive actions while the run still fails.
    for k in 0..rec.actions.len() {
        for _ in 0..8 {
            let prev = if k == 0 { 0 } else { rec.actions[k - 1].time };
            let gap = rec.actions[k].time - prev;
            if gap < 2 * MS {
                break;
            }
            let mut shorter = rec.clone();
            let cut = gap / 2;
            for a in &mut shorter.actions[k..] {
                a.time -= cut;
            }
            if !fails(&shorter) {
                break;
            }
            rec = shorter;
        }
    }
    let end = violates(&rec).expect("a shrunk record still violates");
    let mut s = crate::Sim::new(rec.config.clone()).expect("a valid config");
    let mut kept = Record::new(rec.config.clone());
    for a in &rec.actions {
        s.run_until(a.time);
        if s.act(a.action.clone()).is_ok() {
            let mut a = a.clone();
            a.events = s.stats.events;
            kept.actions.push(a);
        }
    }
    (kept, end)
}

/// Actions that create servers (their ids depend on the cluster's size).
fn names_new_servers(a: &crate::Action) -> bool {
    matches!(a, crate::Action::AddServer) || matches!(a, crate::Action::Change { add, .. } if !add.is_empty())
}

/// Drop every action whose removal keeps the record failing, last first.
fn drop_actions(rec: &mut Record, fails: &impl Fn(&Record) -> bool) {
    let mut i = rec.actions.len();
    while i > 0 {
        i -= 1;
        let mut fewer = rec.clone();
        fewer.actions.remove(i);
        if fails(&fewer) {
            *rec = fewer;
        }
    }
}

/// A shrunk record as a scenario script ending at the violation.
pub fn script(rec: &Record, end: u64) -> String {
    let mut out = rec.script();
    let last = rec.actions.last().map_or(0, |a| a.time);
    out.push_str(&format!("run {}us\nshow\nexpect violation\n", end.saturating_sub(last) + 1));
    out
}

/// A permalink's `run=` value that opens the record at its violation.
pub fn permalink(rec: &Record, end: u64) -> String {
    let sim = rec.replay(end).expect("the record replays");
    let at = Position { time: sim.time, events: sim.stats.events, applied: rec.actions.len() };
    crate::codec::to_base64(&crate::codec::encode_record(rec, at))
}

/// The sequence diagram (SVG) of a record's last `span` µs before `end`.
pub fn diagram(rec: &Record, end: u64, span: u64) -> String {
    let mut t = Timeline::from_record(rec.clone()).expect("the record replays");
    t.seek(end);
    let from = end.saturating_sub(span);
    crate::diagram::svg(t.sim().servers.len() as u32, from, t.sim().time, &t.deliveries(from), &t.strip())
}
