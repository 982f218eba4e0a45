//! The operator's side of the simulator: carrying out a user's [`Action`] at the current time.
//! Bad input changes nothing and says why; what succeeds goes into the run's digest (by its compact
//! encoding) and its narration.

use crate::action::Action;
use crate::cluster::Sim;
use crate::codec;
use crate::config::MAX_SERVERS;
use crate::disk;
use crate::narrate::{CurrentEvent, What};
use raft::{Input, Membership, MembershipChange, NodeId, Ready, Set};

impl Sim {
    fn check_server(&self, id: NodeId) -> Result<(), String> {
        if id == 0 || id > self.servers.len() as NodeId {
            return Err(format!("no server S{id}: servers are S1–S{}", self.servers.len()));
        }
        Ok(())
    }

    /// Is `action` possible now? (It changes nothing either way.)
    pub fn validate(&self, action: &Action) -> Result<(), String> {
        for id in action.servers() {
            self.check_server(id)?;
        }
        if action.is_setup() {
            return self.validate_setup(action);
        }
        match action {
            Action::AddServer if self.servers.len() as u32 >= MAX_SERVERS => {
                return Err(format!("at most {MAX_SERVERS} servers"));
            }
            Action::Change { add, remove } => {
                let next = self.servers.len() as NodeId + 1;
                if add.iter().enumerate().any(|(k, &id)| id != next + k as NodeId) {
                    let want: Vec<String> = (0..add.len()).map(|k| format!("+{}", next + k as NodeId)).collect();
                    return Err(format!("new servers take the next ids, in order: {}", want.join(" ")));
                }
                if self.servers.len() + add.len() > MAX_SERVERS as usize {
                    return Err(format!("at most {MAX_SERVERS} servers"));
                }
                let mut seen = Set::EMPTY;
                for &id in remove {
                    if seen.contains(id) {
                        return Err(format!("S{id} is named twice"));
                    }
                    seen.insert(id);
                }
            }
            Action::Link { a, b, .. } if a == b => return Err("a link joins two different servers".into()),
            Action::OneWay { from, to, .. } if from == to => return Err("a link joins two different servers".into()),
            Action::Partition(groups) => {
                let mut seen = Set::EMPTY;
                for &m in groups.iter().flatten() {
                    if seen.contains(m) {
                        return Err(format!("S{m} is in more than one group"));
                    }
                    seen.insert(m);
                }
            }
            Action::SetNet(net) => net.validate()?,
            Action::SetOptions(o) => self.cfg.validate_options(o)?,
            Action::Crash(id) if self.server(*id).node.is_none() => return Err(format!("S{id} is already crashed")),
            Action::Restart(id) if self.server(*id).node.is_some() => return Err(format!("S{id} is running")),
            Action::DropMessage(m) | Action::DuplicateMessage(m) if !self.flights.contains_key(m) => {
                return Err(format!("no message {m} is in flight (it may have arrived already)"))
            }
            Action::Timeout(id) | Action::Request { server: id, .. } | Action::Heartbeat(id)
                if self.server(*id).node.is_none() =>
            {
                return Err(format!("S{id} is crashed"))
            }
            Action::Heartbeat(id) if self.server(*id).node.as_ref().is_some_and(|n| n.role != raft::Role::Leader) => {
                return Err(format!("S{id} is not leading: only a leader's heartbeat timer runs"))
            }
            Action::DeliverMessage(m) => match self.flights.get(m) {
                None => return Err(format!("no message {m} is in flight (it may have arrived already)")),
                Some(f) if f.lost => return Err(format!("message {m} is lost in transit: it cannot arrive")),
                Some(f) if self.server(f.msg.to).node.is_none() => {
                    return Err(format!("S{} is crashed: message {m} cannot arrive", f.msg.to))
                }
                Some(_) => {}
            },
            Action::Flush(id) if self.server(*id).node.is_none() => return Err(format!("S{id} is crashed")),
            Action::Retry { request, .. } => match usize::try_from(*request).ok().and_then(|k| self.client_op(k)) {
                None => return Err(format!("no request {request} (the first is 0; old ones are forgotten)")),
                Some(c) if c.outcome != crate::Outcome::Pending => {
                    return Err(format!("request {request} is answered already: nothing to retry"))
                }
                Some(_) => {}
            },
            Action::Flush(id) if self.server(*id).disk.is_idle() => {
                return Err(format!("S{id}'s disk has no write in flight"))
            }
            Action::Hold(true) if self.held.is_some() => {
                return Err("the network is already held: `release` it first".into())
            }
            Action::Hold(false) if self.held.is_none() => return Err("the network is not held".into()),
            _ => {}
        }
        Ok(())
    }

    /// Carry out a user action at the current time. Bad input changes nothing and says why.
    pub fn act(&mut self, action: Action) -> Result<(), String> {
        self.validate(&action)?;
        if action.is_setup() {
            // Recorded after it is carried out, so its narration carries the term it leaves.
            self.apply_setup(&action);
            self.record(&action);
            return Ok(());
        }
        // Operator requests go to the leader, which may refuse them: then nothing happened.
        let admin = match &action {
            Action::AddServer => {
                Some(Input::ChangeMembership(MembershipChange::AddServer(self.servers.len() as NodeId + 1)))
            }
            Action::RemoveServer(id) => Some(Input::ChangeMembership(MembershipChange::RemoveServer(*id))),
            Action::Transfer(id) => Some(Input::TransferLeadership(*id)),
            Action::Change { add, remove } => {
                let set = |ids: &[NodeId]| {
                    let mut s = Set::EMPTY;
                    ids.iter().for_each(|&i| s.insert(i));
                    s
                };
                Some(Input::ChangeMembership(MembershipChange::Replace { add: set(add), remove: set(remove) }))
            }
            _ => None,
        };
        if let Some(input) = admin {
            let leader = self.leader().ok_or_else(|| "there is no leader to ask right now".to_string())?;
            let mut probe = self.node(leader).unwrap().clone();
            let mut ready = Ready::default();
            probe.step(self.time, input.clone(), &mut ready);
            if let Some(why) = ready.refused {
                return Err(why.to_string());
            }
            self.record(&action);
            match &action {
                Action::AddServer => {
                    self.add_server(Membership::default());
                }
                Action::Change { add, .. } => {
                    for _ in add {
                        self.add_server(Membership::default());
                    }
                }
                _ => {}
            }
            self.step_node(leader, input);
            return Ok(());
        }
        self.record(&action);
        match action {
            Action::Crash(id) => {
                let server = self.server_mut(id);
                let node = server.node.take().expect("validated: running");
                if let Some(lost) = server.disk.crash(&server.storage, &node) {
                    server.lost_writes = true;
                    self.stats.lost_writes += 1;
                    let disk::Lost { entries, hard_state, snapshot } = lost;
                    if entries > 0 || hard_state || snapshot {
                        let what = What::LostWrites { entries, hard_state, vote: node.voted_for, snapshot };
                        self.note(id, node.current_term, what);
                    }
                }
                self.disarm(id);
            }
            Action::Restart(id) => {
                let opts = self.cfg.raft;
                self.server_mut(id).restart(opts);
                self.disk_mode(id);
                self.start_node(id);
            }
            Action::Timeout(id) => {
                self.server_mut(id).election.deadline = None;
                self.step_node(id, Input::ElectionTimeout);
            }
            Action::Heartbeat(id) => {
                self.server_mut(id).heartbeat.deadline = None;
                self.step_node(id, Input::HeartbeatTimeout);
            }
            Action::DeliverMessage(m) => self.deliver_now(m),
            Action::Flush(id) => {
                self.current_event = CurrentEvent::Disk { node: id };
                self.write_done(id);
            }
            Action::Retry { request, server } => {
                let k = request as usize;
                if let Some(c) = self.client_ops.get_mut(k - self.clients_dropped) {
                    c.timeouts += 1;
                }
                self.client_send(k, server);
            }
            Action::Hold(true) => self.hold(),
            Action::Hold(false) => self.release(),
            Action::Request { server, op } => self.client_request(server, op),
            Action::Isolate(id) => self.topology.isolate(id),
            Action::Partition(groups) => self.topology.partition(&groups),
            Action::Link { a, b, up } => self.topology.set_link(a, b, up),
            Action::OneWay { from, to, up } => self.topology.set_one_way(from, to, up),
            Action::Heal => self.topology.heal(),
            Action::SetNet(net) => {
                self.cfg.net = net;
                for id in 1..=self.servers.len() as NodeId {
                    self.disk_mode(id);
                }
            }
            Action::DropMessage(m) => {
                let f = self.flights.remove(&m).expect("validated");
                self.stats.lost += 1;
                self.note(
                    f.msg.from,
                    f.msg.term,
                    What::Message { kind: f.msg.body.kind(), to: f.msg.to, dropped: true },
                );
            }
            Action::DuplicateMessage(m) => {
                self.duplicate_flight(m).expect("validated");
                let msg = &self.flights[&m].msg;
                let (from, term, what) =
                    (msg.from, msg.term, What::Message { kind: msg.body.kind(), to: msg.to, dropped: false });
                self.note(from, term, what);
            }
            Action::SetOptions(opts) => {
                self.cfg.raft = opts;
                for node in self.servers.iter_mut().filter_map(|s| s.node.as_mut()) {
                    node.opts = opts;
                }
            }
            Action::AddServer | Action::RemoveServer(_) | Action::Transfer(_) | Action::Change { .. } => {
                unreachable!("handled above")
            }
            Action::SetLog { .. } | Action::SetTerm { .. } | Action::SetCommit { .. } => unreachable!("handled above"),
        }
        Ok(())
    }

    /// Count the action, fold its compact form into the digest and narrate it.
    fn record(&mut self, action: &Action) {
        self.meter.used += 1;
        self.digest.u64(0xAC71_0000 ^ self.time);
        let mut w = codec::Writer(std::mem::take(&mut self.action_bytes));
        codec::put_action(&mut w, action);
        self.digest.bytes(&w.0);
        w.0.clear();
        self.action_bytes = w.0;
        let index = self.stats.actions as usize;
        self.stats.actions += 1;
        self.acted |= !action.is_setup();
        let server = action.servers().next().unwrap_or(0);
        let term = self.node(server).map_or(0, |n| n.current_term);
        self.note(server, term, What::Action { index });
        self.current_event = CurrentEvent::Action(action.clone());
    }
}

impl crate::action::Context for Sim {
    fn leader(&self) -> Option<NodeId> {
        Sim::leader(self)
    }
    fn config(&self) -> &crate::SimConfig {
        &self.cfg
    }
}
