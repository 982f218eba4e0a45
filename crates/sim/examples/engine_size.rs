//! The engine alone, for measuring how small the page's module could ever be (issue 13's page
//! weight): a cluster with its network, disks, timers, every protocol feature, the user's
//! actions and the live checker (the five safety properties and linearizability after every
//! event), and nothing of the page's extras — no view, time machine, permalink codec, scripts,
//! narration, inspector, settings text or JSON. `npm run bench` builds it the way the page's
//! module is built (profile `wasm-release`, `wasm-opt -Os` with the same flags) and prints its
//! size next to the page's:
//!
//! `cargo build --profile wasm-release --target wasm32-unknown-unknown -p sim --example engine_size`
//!
//! The exports are a C interface, so no wasm-bindgen glue is counted either. A page that runs
//! the engine needs at least this much wasm.

use raft::Op;
use sim::{Action, Sim, SimConfig};

/// A new cluster of `servers` from `seed` (null if the configuration is refused).
#[no_mangle]
pub extern "C" fn sim_new(servers: u32, seed: u64) -> *mut Sim {
    match Sim::new(SimConfig { servers, seed, ..SimConfig::default() }) {
        Ok(s) => Box::into_raw(Box::new(s)),
        Err(_) => core::ptr::null_mut(),
    }
}

/// # Safety
/// `s` must come from [`sim_new`].
#[no_mangle]
pub unsafe extern "C" fn sim_run(s: *mut Sim, us: u64) {
    (*s).run_for(us)
}

/// One of the user's actions on the cluster (the page's buttons); 1 if it was taken.
///
/// # Safety
/// `s` must come from [`sim_new`].
#[no_mangle]
pub unsafe extern "C" fn sim_act(s: *mut Sim, kind: u32, server: u32, value: i64) -> u32 {
    let id = server as _;
    let action = match kind {
        0 => Action::Crash(id),
        1 => Action::Restart(id),
        2 => Action::Timeout(id),
        3 => Action::Request { server: id, op: Op::Set { key: b'x', value } },
        4 => Action::Isolate(id),
        5 => Action::Heal,
        6 => Action::AddServer,
        7 => Action::RemoveServer(id),
        _ => Action::Transfer(id),
    };
    (*s).act(action).is_ok() as u32
}

/// The leader's id, or 0.
///
/// # Safety
/// `s` must come from [`sim_new`].
#[no_mangle]
pub unsafe extern "C" fn sim_leader(s: *const Sim) -> u32 {
    (*s).leader().map_or(0, |l| l as u32)
}

/// A server's term and commit index (what a drawing of the ring needs at the least).
///
/// # Safety
/// `s` must come from [`sim_new`].
#[no_mangle]
pub unsafe extern "C" fn sim_server(s: *const Sim, id: u32, commit: u32) -> u64 {
    (*s).node(id as _).map_or(0, |n| if commit != 0 { n.commit_index } else { n.current_term })
}

/// How many safety violations the checker found.
///
/// # Safety
/// `s` must come from [`sim_new`].
#[no_mangle]
pub unsafe extern "C" fn sim_violations(s: *const Sim) -> u32 {
    (*s).violations.len() as u32
}

/// The run's fingerprint.
///
/// # Safety
/// `s` must come from [`sim_new`].
#[no_mangle]
pub unsafe extern "C" fn sim_digest(s: *const Sim) -> u64 {
    (*s).digest()
}
