//! A deterministic discrete-event simulator for the [`raft`] core.
//!
//! [`Sim`] owns everything the core leaves out: simulated time, the seeded RNG (randomized
//! election timeouts, latencies, loss), the network model with partitions, stable storage for
//! crashes (with disks that may take time to write), and the live invariant [`Checker`](invariants::Checker).

pub mod action;
pub mod bench;
pub mod campaign;
pub mod check;
pub mod clients;
pub mod cluster;
pub mod codec;
pub mod config;
pub mod datadriven;
pub mod diagram;
pub mod digest;
pub mod disk;
#[cfg(not(target_arch = "wasm32"))]
pub mod explore;
pub mod flights;
#[cfg(not(target_arch = "wasm32"))]
pub mod fuzz;
pub mod invariants;
pub mod limits;
pub mod linearizability;
pub mod narrate;
pub mod network;
pub mod operator;
mod queue;
pub mod record;
pub mod rng;
pub mod script;
pub mod settings;
pub mod setup;
pub mod sorted;
pub mod testenv;
pub mod timeline;

pub use action::{parse_op, Action};
pub use clients::{ClientOp, Outcome, FIRST_CLIENT};
pub use cluster::{Flight, Meter, Server, Sim, Stats};
pub use config::{SimConfig, MAX_SERVERS, MIN_SERVERS};
pub use invariants::{Property, Violation};
pub use network::{NetConfig, Topology};
pub use record::{Position, Record, Timed};
pub use timeline::Timeline;
