//! Snapshots (§7): the applied state up to an index, so the log prefix can be discarded.

use crate::quorum::Membership;
use crate::state_machine::KvStore;
use crate::types::{Index, Term};

/// Everything a server needs in place of the log up to `last_index`: the state machine (with its
/// client session table), the last included index and term, and the configuration as of that index.
/// A server's bootstrap configuration is a snapshot at index 0.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Snapshot {
    pub last_index: Index,
    pub last_term: Term,
    pub config: Membership,
    pub state: KvStore,
}
