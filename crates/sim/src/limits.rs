//! How much one call from outside may ask of the simulator.
//!
//! Everything that reaches the simulator from outside — a script, a permalink, a `Playground`
//! call from JavaScript — is bounded, so no input can hang the page or exhaust its memory: a
//! call does at most [`MAX_WORK_PER_CALL`] units of work ([`crate::Meter`]: one per event, one
//! per log entry copied into a message, four per entry a server writes) and says so when it stops
//! short. That bounds time (about a second natively at worst, two or three in the browser) and
//! memory (at most a million log entries written, ~160 MB at worst). The settings are bounded
//! one by one (`Meta::max`; durations at most an hour, [`crate::settings::MAX_DURATION_US`]);
//! scripts have their own limits ([`crate::script::Limits`]).

/// The most work one call may do: a `Playground` call from JavaScript (`advance`, `run_until`,
/// `seek`, opening a link, `bench`), or a whole script. A few seconds in the browser at worst.
pub const MAX_WORK_PER_CALL: u64 = 4_000_000;
