//! The compact binary form of settings, actions and whole run records, and its text wrapping for
//! links: unsigned LEB128 varints (zigzag for signed values), then base64url without padding.
//!
//! A record is `[version] [every setting, in visit order] [action count] [Δtime Δevents action]…
//! [position] [checksum]`. The checksum (32-bit FNV-1a of everything before it) tells a mangled or
//! truncated link from a valid one; the version byte tells a link from an incompatible version.

use crate::action::Action;
use crate::config::SimConfig;
use crate::record::{Position, Record, Timed};
use crate::settings::{self, Meta, Visitor};
use raft::Op;

/// The format this build writes and reads. 2: the `fsync` dial joined the settings (a format-1
/// link would be read off by one number, so it is refused with a clear error instead).
pub const VERSION: u8 = 2;

#[derive(Default)]
pub struct Writer(pub Vec<u8>);

impl Writer {
    pub fn u64(&mut self, mut v: u64) {
        loop {
            let b = (v & 0x7f) as u8;
            v >>= 7;
            if v == 0 {
                self.0.push(b);
                return;
            }
            self.0.push(b | 0x80);
        }
    }
    pub fn i64(&mut self, v: i64) {
        self.u64(((v << 1) ^ (v >> 63)) as u64);
    }
    pub fn byte(&mut self, b: u8) {
        self.0.push(b);
    }
}

pub struct Reader<'a> {
    bytes: &'a [u8],
    pos: usize,
}

impl<'a> Reader<'a> {
    pub fn new(bytes: &'a [u8]) -> Self {
        Reader { bytes, pos: 0 }
    }
    pub fn byte(&mut self) -> Result<u8, String> {
        let b = *self.bytes.get(self.pos).ok_or_else(|| format!("the link is cut short (at byte {})", self.pos))?;
        self.pos += 1;
        Ok(b)
    }
    pub fn u64(&mut self) -> Result<u64, String> {
        let start = self.pos;
        let too_large = || format!("a number in the link is too large (at byte {start})");
        let mut v = 0u64;
        for shift in (0..64).step_by(7) {
            let b = self.byte()?;
            let bits = (b & 0x7f) as u64;
            if shift == 63 && bits > 1 {
                return Err(too_large());
            }
            v |= bits << shift;
            if b & 0x80 == 0 {
                return Ok(v);
            }
        }
        Err(too_large())
    }
    pub fn i64(&mut self) -> Result<i64, String> {
        let v = self.u64()?;
        Ok((v >> 1) as i64 ^ -((v & 1) as i64))
    }
    pub fn u32(&mut self) -> Result<u32, String> {
        let start = self.pos;
        u32::try_from(self.u64()?).map_err(|_| format!("a number in the link is too large (at byte {start})"))
    }
    pub fn is_empty(&self) -> bool {
        self.pos >= self.bytes.len()
    }
    /// Where the next byte is read from.
    pub fn pos(&self) -> usize {
        self.pos
    }
}

struct Put<'a>(&'a mut Writer);
impl Visitor for Put<'_> {
    fn visit(&mut self, _: &Meta, v: &mut u64) {
        self.0.u64(*v);
    }
}

struct Get<'a, 'b>(&'a mut Reader<'b>, Result<(), String>);
impl Visitor for Get<'_, '_> {
    fn visit(&mut self, meta: &Meta, v: &mut u64) {
        if self.1.is_err() {
            return;
        }
        let at = self.0.pos();
        match self.0.u64() {
            Ok(x) if x <= meta.max => *v = x,
            Ok(x) => {
                self.1 =
                    Err(format!("{} = {x} in the link is out of range (at most {}; at byte {at})", meta.name, meta.max))
            }
            Err(e) => self.1 = Err(e),
        }
    }
}

pub fn put_config(w: &mut Writer, c: &SimConfig) {
    c.clone().visit(&mut Put(w));
}

pub fn get_config(r: &mut Reader) -> Result<SimConfig, String> {
    let mut c = SimConfig::default();
    let mut g = Get(r, Ok(()));
    c.visit(&mut g);
    g.1?;
    c.validate()?;
    Ok(c)
}

fn put_op(w: &mut Writer, op: &Op) {
    match *op {
        Op::Set { key, value } => {
            w.byte(0);
            w.byte(key);
            w.i64(value);
        }
        Op::Add { key, delta } => {
            w.byte(1);
            w.byte(key);
            w.i64(delta);
        }
        Op::Get { key } => {
            w.byte(2);
            w.byte(key);
        }
    }
}

fn get_op(r: &mut Reader) -> Result<Op, String> {
    let at = r.pos();
    let tag = r.byte()?;
    let key = r.byte()?;
    if !key.is_ascii_lowercase() {
        return Err(format!("a command in the link has a bad key (at byte {})", at + 1));
    }
    Ok(match tag {
        0 => Op::Set { key, value: r.i64()? },
        1 => Op::Add { key, delta: r.i64()? },
        2 => Op::Get { key },
        _ => return Err(format!("a command in the link is not a read or write (at byte {at})")),
    })
}

/// An action's compact form (also what the run's digest hashes).
pub fn put_action(w: &mut Writer, a: &Action) {
    let id = |w: &mut Writer, id: u32| w.u64(id as u64);
    match a {
        Action::Crash(s) => {
            w.byte(0);
            id(w, *s);
        }
        Action::Restart(s) => {
            w.byte(1);
            id(w, *s);
        }
        Action::Timeout(s) => {
            w.byte(2);
            id(w, *s);
        }
        Action::Request { server, op } => {
            w.byte(3);
            id(w, *server);
            put_op(w, op);
        }
        Action::Isolate(s) => {
            w.byte(4);
            id(w, *s);
        }
        Action::Partition(groups) => {
            w.byte(5);
            w.u64(groups.len() as u64);
            for g in groups {
                w.u64(g.len() as u64);
                g.iter().for_each(|&m| id(w, m));
            }
        }
        Action::Link { a, b, up } => {
            w.byte(6);
            id(w, *a);
            id(w, *b);
            w.byte(*up as u8);
        }
        Action::OneWay { from, to, up } => {
            w.byte(13);
            id(w, *from);
            id(w, *to);
            w.byte(*up as u8);
        }
        Action::Heal => w.byte(7),
        Action::SetNet(n) => {
            w.byte(8);
            settings::visit_net(&mut n.clone(), &mut Put(w));
        }
        Action::SetOptions(o) => {
            w.byte(9);
            settings::visit_options(&mut o.clone(), &mut Put(w));
        }
        Action::AddServer => w.byte(10),
        Action::RemoveServer(s) => {
            w.byte(11);
            id(w, *s);
        }
        Action::Transfer(s) => {
            w.byte(12);
            id(w, *s);
        }
        Action::Change { add, remove } => {
            w.byte(17);
            for list in [add, remove] {
                w.u64(list.len() as u64);
                for s in list {
                    id(w, *s);
                }
            }
        }
        Action::SetLog { server, terms } => {
            w.byte(14);
            id(w, *server);
            w.u64(terms.len() as u64);
            terms.iter().for_each(|&t| w.u64(t));
        }
        Action::SetTerm { server, term } => {
            w.byte(15);
            id(w, *server);
            w.u64(*term);
        }
        Action::SetCommit { server, index } => {
            w.byte(16);
            id(w, *server);
            w.u64(*index);
        }
        Action::DropMessage(m) => {
            w.byte(18);
            w.u64(*m);
        }
        Action::DuplicateMessage(m) => {
            w.byte(19);
            w.u64(*m);
        }
        Action::DeliverMessage(m) => {
            w.byte(20);
            w.u64(*m);
        }
        Action::Heartbeat(s) => {
            w.byte(21);
            id(w, *s);
        }
        Action::Hold(on) => {
            w.byte(22);
            w.byte(*on as u8);
        }
        Action::Flush(s) => {
            w.byte(23);
            id(w, *s);
        }
        Action::Retry { request, server } => {
            w.byte(24);
            w.u64(*request);
            id(w, *server);
        }
    }
}

pub fn get_action(r: &mut Reader) -> Result<Action, String> {
    let id = |r: &mut Reader| -> Result<u32, String> {
        let at = r.pos();
        let v = r.u32()?;
        if v == 0 || v > raft::MAX_NODE_ID {
            return Err(format!("server S{v} in the link does not exist (at byte {at})"));
        }
        Ok(v)
    };
    let at = r.pos();
    let visit = |r: &mut Reader, f: &mut dyn FnMut(&mut Get)| -> Result<(), String> {
        let mut g = Get(r, Ok(()));
        f(&mut g);
        g.1
    };
    Ok(match r.byte()? {
        0 => Action::Crash(id(r)?),
        1 => Action::Restart(id(r)?),
        2 => Action::Timeout(id(r)?),
        3 => Action::Request { server: id(r)?, op: get_op(r)? },
        4 => Action::Isolate(id(r)?),
        5 => {
            let n = r.u64()?;
            if n > 64 {
                return Err(format!("a partition in the link has too many groups (at byte {})", at + 1));
            }
            let mut groups = Vec::new();
            for _ in 0..n {
                let at = r.pos();
                let k = r.u64()?;
                if k > 64 {
                    return Err(format!("a partition in the link has too many servers (at byte {at})"));
                }
                groups.push((0..k).map(|_| id(r)).collect::<Result<Vec<_>, _>>()?);
            }
            Action::Partition(groups)
        }
        6 => Action::Link { a: id(r)?, b: id(r)?, up: r.byte()? != 0 },
        7 => Action::Heal,
        8 => {
            let mut n = crate::NetConfig::default();
            visit(r, &mut |g| settings::visit_net(&mut n, g))?;
            Action::SetNet(n)
        }
        9 => {
            let mut o = raft::Options::default();
            visit(r, &mut |g| settings::visit_options(&mut o, g))?;
            Action::SetOptions(o)
        }
        10 => Action::AddServer,
        11 => Action::RemoveServer(id(r)?),
        12 => Action::Transfer(id(r)?),
        13 => Action::OneWay { from: id(r)?, to: id(r)?, up: r.byte()? != 0 },
        14 => {
            let server = id(r)?;
            let at = r.pos();
            let n = r.u64()?;
            if n > crate::setup::MAX_ENTRIES as u64 {
                return Err(format!("a set-up log in the link is too long (at byte {at})"));
            }
            Action::SetLog { server, terms: (0..n).map(|_| r.u64()).collect::<Result<_, _>>()? }
        }
        15 => Action::SetTerm { server: id(r)?, term: r.u64()? },
        16 => Action::SetCommit { server: id(r)?, index: r.u64()? },
        17 => {
            let list = |r: &mut Reader| -> Result<Vec<raft::NodeId>, String> {
                let at = r.pos();
                let n = r.u64()?;
                if n > 64 {
                    return Err(format!("a membership change in the link names too many servers (at byte {at})"));
                }
                (0..n).map(|_| id(r)).collect()
            };
            let add = list(r)?;
            Action::Change { add, remove: list(r)? }
        }
        18 => Action::DropMessage(r.u64()?),
        19 => Action::DuplicateMessage(r.u64()?),
        20 => Action::DeliverMessage(r.u64()?),
        21 => Action::Heartbeat(id(r)?),
        22 => Action::Hold(r.byte()? != 0),
        23 => Action::Flush(id(r)?),
        24 => Action::Retry { request: r.u64()?, server: id(r)? },
        t => return Err(format!("unknown action {t} in the link (at byte {at})")),
    })
}

/// The bytes of a record with a position in it (what a permalink carries).
pub fn encode_record(rec: &Record, at: Position) -> Vec<u8> {
    let mut w = Writer::default();
    w.byte(VERSION);
    put_config(&mut w, &rec.config);
    w.u64(rec.actions.len() as u64);
    let (mut t, mut e) = (0, 0);
    for a in &rec.actions {
        w.u64(a.time - t);
        w.u64(a.events - e);
        (t, e) = (a.time, a.events);
        put_action(&mut w, &a.action);
    }
    w.u64(at.time);
    w.u64(at.events);
    w.u64(at.applied as u64);
    let sum = fnv32(&w.0);
    w.0.extend_from_slice(&sum.to_le_bytes());
    w.0
}

/// Read a record and position back. Errors say what is wrong in words a reader of the page can act on.
pub fn decode_record(bytes: &[u8]) -> Result<(Record, Position), String> {
    let Some(&version) = bytes.first() else { return Err("the link holds no run".into()) };
    // Every format ends in the same checksum: one that matches with another format's number is a
    // link from another version; one that does not is damaged, or not a link to a run at all.
    let whole = bytes.len() >= 5 && {
        let (body, sum) = bytes.split_at(bytes.len() - 4);
        fnv32(body).to_le_bytes() == sum
    };
    if version != VERSION && whole {
        return Err(format!(
            "this link was made by another version of the playground (run format {version}; this page reads format {VERSION})"
        ));
    }
    if bytes.len() < 5 {
        return Err("the link is cut short".into());
    }
    if !whole {
        return Err("the link is damaged, cut short or not a link to a run (its checksum does not match)".into());
    }
    let body = &bytes[..bytes.len() - 4];
    // Byte positions in messages count from the link's first byte (the version).
    let mut r = Reader { bytes: body, pos: 1 };
    let config = get_config(&mut r).map_err(|e| format!("the link's settings: {e}"))?;
    let n = r.u64()?;
    if n > body.len() as u64 {
        return Err(format!("the link is damaged (it claims {n} actions in {} bytes)", body.len()));
    }
    let mut actions = Vec::with_capacity(n as usize);
    let (mut time, mut events) = (0u64, 0u64);
    for k in 0..n {
        let at = r.pos();
        let action = |e: String| format!("action {} of the link: {e}", k + 1);
        time = time
            .checked_add(r.u64().map_err(action)?)
            .ok_or_else(|| action(format!("its time is too large (at byte {at})")))?;
        let at = r.pos();
        events = events
            .checked_add(r.u64().map_err(action)?)
            .ok_or_else(|| action(format!("its event count is too large (at byte {at})")))?;
        actions.push(Timed { time, events, action: get_action(&mut r).map_err(action)? });
    }
    let position = |e: String| format!("the link's moment: {e}");
    let at = Position {
        time: r.u64().map_err(position)?,
        events: r.u64().map_err(position)?,
        applied: {
            let at = r.pos();
            let applied = r.u64().map_err(position)?;
            if applied > n {
                return Err(format!("the link's moment comes after action {applied} of {n} (at byte {at})"));
            }
            applied as usize
        },
    };
    if !r.is_empty() {
        return Err(format!("the link is damaged (bytes left over from byte {})", r.pos()));
    }
    Ok((Record { config, actions }, at))
}

pub(crate) fn fnv32(bytes: &[u8]) -> u32 {
    let mut h: u32 = 0x811c_9dc5;
    for &b in bytes {
        h ^= b as u32;
        h = h.wrapping_mul(0x0100_0193);
    }
    h
}

const B64: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";

/// base64url without padding.
pub fn to_base64(bytes: &[u8]) -> String {
    let mut s = String::with_capacity(bytes.len().div_ceil(3) * 4);
    for chunk in bytes.chunks(3) {
        let n = chunk.iter().enumerate().fold(0u32, |acc, (i, &b)| acc | (b as u32) << (16 - 8 * i));
        for i in 0..chunk.len() + 1 {
            s.push(B64[(n >> (18 - 6 * i) & 63) as usize] as char);
        }
    }
    s
}

pub fn from_base64(s: &str) -> Result<Vec<u8>, String> {
    let mut out = Vec::with_capacity(s.len() * 3 / 4);
    let (mut acc, mut bits) = (0u32, 0);
    let s = s.trim();
    for (k, c) in s.bytes().enumerate() {
        let Some(v) = B64.iter().position(|&x| x == c) else {
            let ch = s[k..].chars().next().unwrap_or('?');
            return Err(format!(
                "the link has a character that does not belong in it: {ch:?} at position {} (links use A–Z a–z 0–9 - _)",
                s[..k].chars().count() + 1
            ));
        };
        let v = v as u32;
        acc = acc << 6 | v;
        bits += 6;
        if bits >= 8 {
            bits -= 8;
            out.push((acc >> bits) as u8);
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::action::tests::every_action;

    #[test]
    fn every_action_round_trips() {
        for a in every_action() {
            let mut w = Writer::default();
            put_action(&mut w, &a);
            let mut r = Reader::new(&w.0);
            assert_eq!(get_action(&mut r).unwrap(), a);
            assert!(r.is_empty());
        }
    }

    #[test]
    fn records_round_trip_with_every_setting_changed() {
        let mut config = SimConfig {
            servers: 7,
            seed: u64::MAX,
            heartbeat_us: 40_000,
            load: 100,
            client_attempts: 3,
            ..SimConfig::default()
        };
        config.raft =
            raft::Options { pre_vote: true, snapshot_threshold: 9, election_timeout_min: 150_000, ..config.raft };
        config.net.drop_ppm = 12_345;
        let actions: Vec<Timed> = every_action()
            .into_iter()
            .enumerate()
            .map(|(k, action)| Timed { time: 1000 * k as u64 * k as u64, events: 7 * k as u64, action })
            .collect();
        let rec = Record { config, actions };
        let at = Position { time: 123_456_789, events: 4321, applied: 3 };
        let bytes = encode_record(&rec, at);
        let text = to_base64(&bytes);
        assert_eq!(from_base64(&text).unwrap(), bytes);
        let (back, pos) = decode_record(&from_base64(&text).unwrap()).unwrap();
        assert_eq!(back, rec);
        assert_eq!(pos, at);
    }

    #[test]
    fn base64_matches_the_standard_alphabet() {
        assert_eq!(to_base64(b"Man"), "TWFu");
        assert_eq!(to_base64(b"Ma"), "TWE");
        assert_eq!(to_base64(&[0xfb, 0xff]), "-_8");
        assert_eq!(from_base64("TWE").unwrap(), b"Ma");
    }

    #[test]
    fn damaged_and_foreign_links_say_so() {
        let rec =
            Record { config: SimConfig::default(), actions: vec![Timed { time: 5, events: 2, action: Action::Heal }] };
        let bytes = encode_record(&rec, Position::default());
        let mut other = bytes.clone();
        other[0] = 9;
        let n = other.len() - 4;
        let sum = fnv32(&other[..n]).to_le_bytes();
        other[n..].copy_from_slice(&sum);
        assert!(decode_record(&other).unwrap_err().contains("another version"));
        // Another format's number without its checksum: not a link from another version.
        let mut junk = bytes.clone();
        junk[0] = 129;
        let e = decode_record(&junk).unwrap_err();
        assert!(e.contains("not a link to a run") && !e.contains("another version"), "{e}");
        for cut in 0..bytes.len() {
            assert!(decode_record(&bytes[..cut]).is_err(), "truncated to {cut} bytes");
        }
        let mut flipped = bytes.clone();
        flipped[3] ^= 0x10;
        assert!(decode_record(&flipped).unwrap_err().contains("damaged"));
        assert!(from_base64("a b").is_err());
        // Random garbage never panics.
        let mut x = 1u64;
        for len in 0..300 {
            let junk: Vec<u8> = (0..len)
                .map(|_| {
                    x = x.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                    (x >> 56) as u8
                })
                .collect();
            let mut j = junk.clone();
            if !j.is_empty() {
                j[0] = VERSION;
            }
            let _ = decode_record(&j);
        }
    }
}
