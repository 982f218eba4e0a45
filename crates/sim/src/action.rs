//! What a user (or a test, or a script) can do to a running cluster. Every action is stamped with
//! the simulated time it happened at and recorded, so seed + actions replays a run exactly.

use crate::network::NetConfig;
use raft::{NodeId, Op};

#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Action {
    /// Stop a server: it loses all volatile state; what it persisted survives.
    Crash(NodeId),
    /// Bring a crashed server back from its persistent state.
    Restart(NodeId),
    /// Make a server's election timer fire now.
    Timeout(NodeId),
    /// A client sends a command to a server.
    Request { server: NodeId, op: Op },
    /// Cut a server off from everyone.
    Isolate(NodeId),
    /// Split the cluster into these groups (servers not listed form one more group).
    Partition(Vec<Vec<NodeId>>),
    /// Cut or restore the link between two servers (both directions).
    Link { a: NodeId, b: NodeId, up: bool },
    /// Remove every partition and cut link.
    Heal,
    /// Change the network model from now on.
    SetNet(NetConfig),
    /// Change protocol switches on every server from now on.
    SetOptions(raft::Options),
    /// Ask the leader to add a new server (the next id) as a learner, promoted once caught up.
    AddServer,
    /// Ask the leader to remove a server from the configuration.
    RemoveServer(NodeId),
    /// Ask the leader to hand leadership to a server (TimeoutNow).
    Transfer(NodeId),
}

/// Parse a command as the page and scripts write it: `x <- 3` (write), `x += 1` (add) or `x?` (read).
/// Keys are one letter `a`–`z`; values are 64-bit integers.
pub fn parse_op(text: &str) -> Result<Op, String> {
    let t = text.trim();
    let key_of = |k: &str| -> Result<u8, String> {
        let k = k.trim();
        match k.as_bytes() {
            [c] if c.is_ascii_lowercase() => Ok(*c),
            _ => Err(format!("bad key {k:?}: keys are one letter a–z")),
        }
    };
    if let Some((k, v)) = t.split_once("<-") {
        let key = key_of(k)?;
        let value = v.trim().parse::<i64>().map_err(|_| format!("bad value {:?}: expected an integer", v.trim()))?;
        return Ok(Op::Set { key, value });
    }
    if let Some((k, v)) = t.split_once("+=") {
        let key = key_of(k)?;
        let delta =
            v.trim().parse::<i64>().map_err(|_| format!("bad increment {:?}: expected an integer", v.trim()))?;
        return Ok(Op::Add { key, delta });
    }
    if let Some(k) = t.strip_suffix('?') {
        return Ok(Op::Get { key: key_of(k)? });
    }
    Err(format!("cannot read command {t:?}: write `x <- 3`, add `x += 1` or read `x?`"))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_writes_and_reads() {
        assert_eq!(parse_op(" x <- 3 "), Ok(Op::Set { key: b'x', value: 3 }));
        assert_eq!(parse_op("y<--12"), Ok(Op::Set { key: b'y', value: -12 }));
        assert_eq!(parse_op("z?"), Ok(Op::Get { key: b'z' }));
        assert_eq!(parse_op("c += -2"), Ok(Op::Add { key: b'c', delta: -2 }));
    }

    #[test]
    fn rejects_malformed_commands_with_a_reason() {
        assert!(parse_op("xx <- 3").unwrap_err().contains("bad key"));
        assert!(parse_op("x <- three").unwrap_err().contains("bad value"));
        assert!(parse_op("X?").unwrap_err().contains("bad key"));
        assert!(parse_op("hello").unwrap_err().contains("cannot read"));
        assert!(parse_op("").is_err());
    }
}
