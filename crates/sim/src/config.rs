//! What defines a run besides its actions: [`SimConfig`]. Its settings are named, documented and
//! walked in one place, [`crate::settings`].

use crate::network::NetConfig;

/// Smallest and largest cluster the simulator accepts.
pub const MIN_SERVERS: u32 = 1;
pub const MAX_SERVERS: u32 = 51;

/// Everything that defines a run besides the user's actions. The election timeout lives in one
/// place, `raft.election_timeout_min` (T): the simulator draws each timeout from [T, 2T] and the
/// core uses T as its lease.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct SimConfig {
    pub servers: u32,
    pub seed: u64,
    pub heartbeat_us: u64,
    /// A client that gets no answer within this time retries at the next server (§8).
    pub client_timeout_us: u64,
    /// A client gives up after this many attempts (the request may still take effect).
    pub client_attempts: u32,
    /// Background client writes per simulated second (0: none), sent to the leader.
    pub load: u32,
    pub net: NetConfig,
    pub raft: raft::Options,
    /// Also compare every server's stable storage with its node's persistent state after each
    /// event (O(1) per event, by the log's fingerprint; on in tests). Not part of the run: it only checks.
    pub check_persistence: bool,
}

impl Default for SimConfig {
    /// RaftScope-like timings: 5 servers, 10–15 ms latency, 100–200 ms election timeout, 50 ms
    /// heartbeats.
    fn default() -> Self {
        SimConfig {
            servers: 5,
            seed: 1,
            heartbeat_us: 50_000,
            client_timeout_us: 300_000,
            client_attempts: 20,
            load: 0,
            net: NetConfig::default(),
            raft: raft::Options { election_timeout_min: 100_000, ..raft::Options::default() },
            check_persistence: false,
        }
    }
}

impl SimConfig {
    /// The election timeout T, µs.
    pub fn election_timeout_us(&self) -> u64 {
        self.raft.election_timeout_min
    }

    pub fn validate(&self) -> Result<(), String> {
        if !(MIN_SERVERS..=MAX_SERVERS).contains(&self.servers) {
            return Err(format!("servers = {}: choose {MIN_SERVERS}–{MAX_SERVERS}", self.servers));
        }
        self.validate_options(&self.raft)?;
        if self.client_timeout_us == 0 || self.client_attempts == 0 {
            return Err("client timeout and attempts must be positive".into());
        }
        self.net.validate()
    }

    /// Protocol switches that can run with this configuration's timings.
    pub fn validate_options(&self, o: &raft::Options) -> Result<(), String> {
        if self.heartbeat_us == 0 || o.election_timeout_min == 0 {
            return Err("timings must be positive".into());
        }
        if self.heartbeat_us >= o.election_timeout_min {
            use crate::settings::{format_value, Unit};
            return Err(format!(
                "heartbeat {} must be shorter than the election timeout {} (§5.6)",
                format_value(Unit::Micros, self.heartbeat_us),
                format_value(Unit::Micros, o.election_timeout_min)
            ));
        }
        if o.max_entries_per_append == 0 {
            return Err("max entries per append must be at least 1".into());
        }
        Ok(())
    }
}
