//! Every setting of a run, declared once.
//!
//! A run is its configuration ([`SimConfig`]: cluster size, seed, timings, network dials, protocol
//! switches, background load) plus its timed actions. [`SimConfig::visit`] walks every field with
//! its one name, unit and group, destructuring the structs exhaustively: a field added to
//! [`raft::Options`], [`NetConfig`] or [`SimConfig`] is a compile error here until it has a name,
//! and then the script language, the digest, the permalink encoding, the page's switches and the
//! JS config object all know it. Nothing else lists the settings.

use crate::config::SimConfig;
use crate::network::NetConfig;
use std::fmt::Write;

/// How a setting's value is written. Values are carried as `u64` in these units.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Unit {
    /// on / off.
    Bool,
    /// A whole number.
    Count,
    /// A duration in µs; scripts write `150ms`, `1.5s`, `300us`; JS and the page use milliseconds.
    Micros,
    /// A probability in parts per million; scripts, JS and the page use percentages.
    Ppm,
    /// A set of broken rules ([`raft::Broken`]) as a bitmask; written as rule ids
    /// (`vote-twice`, `vote-twice,no-dedup`) or `none`.
    Rules,
}

/// Where a setting belongs, which says when it may change.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Group {
    /// Fixed for the run: cluster size, seed, timings, clients, load.
    Run,
    /// Protocol switches ([`raft::Options`]): change live with a `set` action.
    Protocol,
    /// Network dials and the disks' fsync ([`NetConfig`]): change live with a `net` action.
    Network,
}

/// One setting: its name (the same in scripts, JS, URLs and the page), unit, group and a line of
/// documentation, "label (reference): explanation" (the page's switch label is the part before
/// the colon). `max` bounds what input may ask for.
#[derive(Clone, Copy, Debug)]
pub struct Meta {
    pub name: &'static str,
    pub unit: Unit,
    pub group: Group,
    pub max: u64,
    pub doc: &'static str,
}

/// A field a visitor can read and write as a `u64` in its unit.
pub trait Field: Copy {
    fn get(self) -> u64;
    fn put(&mut self, v: u64);
}

impl Field for bool {
    fn get(self) -> u64 {
        self as u64
    }
    fn put(&mut self, v: u64) {
        *self = v != 0;
    }
}

macro_rules! int_field {
    ($($t:ty),*) => {$(
        impl Field for $t {
            fn get(self) -> u64 {
                self as u64
            }
            fn put(&mut self, v: u64) {
                *self = v as $t;
            }
        }
    )*};
}
int_field!(u32, u64, usize);

impl Field for raft::Broken {
    fn get(self) -> u64 {
        self.0 as u64
    }
    fn put(&mut self, v: u64) {
        *self = raft::Broken(v as u32 & raft::Broken::mask());
    }
}

/// Something that walks the settings: reads them (encoding, digest, views), or writes them
/// (parsing, decoding). `value` is always in the setting's unit and within `meta.max`.
pub trait Visitor {
    fn visit(&mut self, meta: &Meta, value: &mut u64);
}

fn field<T: Field>(v: &mut impl Visitor, meta: Meta, slot: &mut T) {
    let mut x = slot.get();
    v.visit(&meta, &mut x);
    slot.put(x.min(meta.max));
}

const S: u64 = 1_000_000;
const fn m(name: &'static str, unit: Unit, group: Group, max: u64, doc: &'static str) -> Meta {
    Meta { name, unit, group, max, doc }
}

/// The protocol switches, in the order the page lists them.
pub fn visit_options(o: &mut raft::Options, v: &mut impl Visitor) {
    use Group::Protocol as P;
    use Unit::*;
    let raft::Options {
        pre_vote,
        check_quorum,
        vote_lease,
        read_index,
        conflict_hint,
        leader_noop,
        snapshot_threshold,
        max_entries_per_append,
        election_timeout_min,
        broken,
    } = o;
    field(v, m("pre_vote", Bool, P, 1, "PreVote (thesis §9.6): probe for a majority before bumping the term, so a server that was cut off cannot disrupt the cluster when it returns"), pre_vote);
    field(
        v,
        m(
            "check_quorum",
            Bool,
            P,
            1,
            "CheckQuorum (thesis §6.2): a leader that has not heard from a majority for an election timeout steps down",
        ),
        check_quorum,
    );
    field(v, m("vote_lease", Bool, P, 1, "vote lease (thesis §4.2.3): a server that heard from a leader within the minimum election timeout ignores RequestVote, so removed servers cannot depose the leader"), vote_lease);
    field(v, m("read_index", Bool, P, 1, "ReadIndex reads (thesis §6.4): the leader answers reads after one heartbeat round confirms it still leads, instead of going through the log"), read_index);
    field(v, m("conflict_hint", Bool, P, 1, "conflict hint (§5.3): a rejecting follower tells the leader the conflicting term, so nextIndex skips a whole term per round trip"), conflict_hint);
    field(v, m("leader_noop", Bool, P, 1, "leader no-op (§8): a new leader appends a no-op of its own term at once, so earlier entries commit without waiting for a client"), leader_noop);
    field(
        v,
        m("snapshot_threshold", Count, P, 1 << 32, "snapshot after N entries (§7): compact the log into a snapshot once this many applied entries sit in it (0 = never)"),
        snapshot_threshold,
    );
    field(
        v,
        m(
            "max_entries_per_append",
            Count,
            P,
            // One event may send 8 such messages (raft::progress::MAX_INFLIGHT) to every follower.
            1024,
            "max entries per append: most entries one AppendEntries carries",
        ),
        max_entries_per_append,
    );
    field(
        v,
        m(
            "election_timeout",
            Micros,
            P,
            60 * S,
            "election timeout (§5.2): each timeout is drawn from [T, 2T]; T is also the vote lease",
        ),
        election_timeout_min,
    );
    field(
        v,
        m(
            "break",
            Rules,
            P,
            raft::Broken::mask() as u64,
            "break a rule: switch off one of Raft's rules on purpose (`raft::rules`: ids such as commit-old-term, vote-twice) and watch the checker catch what it prevents",
        ),
        broken,
    );
}

/// The network dials.
pub fn visit_net(n: &mut NetConfig, v: &mut impl Visitor) {
    use Group::Network as N;
    use Unit::*;
    let NetConfig { latency_min_us, latency_max_us, drop_ppm, duplicate_ppm, reorder_ppm, fsync_us } = n;
    field(v, m("latency_min", Micros, N, 10 * S, "latency min: the shortest time a message takes"), latency_min_us);
    field(v, m("latency_max", Micros, N, 10 * S, "latency max: the longest time a message takes"), latency_max_us);
    field(v, m("drop", Ppm, N, 1_000_000, "drop: the chance a message is lost"), drop_ppm);
    field(v, m("duplicate", Ppm, N, 1_000_000, "duplicate: the chance a message is delivered twice"), duplicate_ppm);
    field(
        v,
        m("reorder", Ppm, N, 1_000_000, "reorder: the chance a message is held back so later ones overtake it"),
        reorder_ppm,
    );
    field(
        v,
        m(
            "fsync",
            Micros,
            N,
            10 * S,
            "fsync (Figure 2, thesis §10.2.1): how long a disk write takes to become durable; nothing that depends on it leaves the server before, and a crash loses what is not yet on disk (0 = at once)",
        ),
        fsync_us,
    );
}

impl SimConfig {
    /// Every setting of the run, once: run settings, then protocol switches, then network dials.
    pub fn visit(&mut self, v: &mut impl Visitor) {
        use Group::Run as R;
        use Unit::*;
        let SimConfig {
            servers,
            seed,
            heartbeat_us,
            client_timeout_us,
            client_attempts,
            load,
            net,
            raft,
            // A test-only cross-check: it changes nothing in the run.
            check_persistence: _,
        } = self;
        field(
            v,
            m("servers", Count, R, crate::MAX_SERVERS as u64, "servers: how many the cluster starts with"),
            servers,
        );
        field(v, m("seed", Count, R, u64::MAX, "seed: of the simulator's random draws"), seed);
        field(v, m("heartbeat", Micros, R, 60 * S, "heartbeat: the leader's heartbeat interval"), heartbeat_us);
        field(
            v,
            m(
                "client_timeout",
                Micros,
                R,
                600 * S,
                "client timeout: a client with no answer within this time retries at the next server",
            ),
            client_timeout_us,
        );
        field(
            v,
            m("client_attempts", Count, R, 1000, "client attempts: a client gives up after this many"),
            client_attempts,
        );
        field(v, m("load", Count, R, 10_000, "load: background client writes per simulated second"), load);
        visit_options(raft, v);
        visit_net(net, v);
    }

    /// Every setting's description, in order.
    pub fn settings() -> Vec<Meta> {
        struct List(Vec<Meta>);
        impl Visitor for List {
            fn visit(&mut self, meta: &Meta, _: &mut u64) {
                self.0.push(*meta);
            }
        }
        let mut l = List(Vec::new());
        SimConfig::default().visit(&mut l);
        l.0
    }

    /// Every setting as (meta, value).
    pub fn values(&self) -> Vec<(Meta, u64)> {
        struct Read(Vec<(Meta, u64)>);
        impl Visitor for Read {
            fn visit(&mut self, meta: &Meta, v: &mut u64) {
                self.0.push((*meta, *v));
            }
        }
        let mut r = Read(Vec::new());
        self.clone().visit(&mut r);
        r.0
    }

    /// Set one setting by name from a value in its unit (range-checked). `groups` limits which
    /// settings may change (live actions change only their own group).
    pub fn set(&mut self, name: &str, value: u64, groups: &[Group]) -> Result<(), String> {
        struct Set<'a> {
            name: &'a str,
            value: u64,
            groups: &'a [Group],
            found: Result<(), String>,
        }
        impl Visitor for Set<'_> {
            fn visit(&mut self, meta: &Meta, v: &mut u64) {
                if meta.name != self.name {
                    return;
                }
                self.found = if !self.groups.contains(&meta.group) {
                    let what = match meta.group {
                        Group::Run => "it is fixed for the run (scripts set it on the `config` line)",
                        Group::Protocol => "it is a protocol switch (`set`, or an options action)",
                        Group::Network => "it is a network dial (`net`, or a network action)",
                    };
                    Err(format!("{} cannot change here: {what}", meta.name))
                } else if self.value > meta.max {
                    Err(format!(
                        "{} = {}: at most {}",
                        meta.name,
                        format_value(meta.unit, self.value),
                        format_value(meta.unit, meta.max)
                    ))
                } else {
                    *v = self.value;
                    Ok(())
                };
            }
        }
        let mut s = Set { name, value, groups, found: Err(unknown(name)) };
        self.visit(&mut s);
        s.found
    }

    /// Set a setting from its script text (`on`, `150ms`, `5%`, `12`).
    pub fn set_text(&mut self, name: &str, text: &str, groups: &[Group]) -> Result<(), String> {
        let meta = meta(name)?;
        let v = parse_value(meta.unit, text).map_err(|e| format!("{name}: {e}"))?;
        self.set(name, v, groups)
    }

    /// The settings of `groups` as `name=value` words (script form), e.g. for a `set` line.
    pub fn words(&self, groups: &[Group]) -> String {
        let mut out = String::new();
        for (meta, v) in self.values().into_iter().filter(|(m, _)| groups.contains(&m.group)) {
            if !out.is_empty() {
                out.push(' ');
            }
            let _ = write!(out, "{}={}", meta.name, format_value(meta.unit, v));
        }
        out
    }
}

/// The description of a setting by name.
pub fn meta(name: &str) -> Result<Meta, String> {
    SimConfig::settings().into_iter().find(|m| m.name == name).ok_or_else(|| unknown(name))
}

fn unknown(name: &str) -> String {
    let names: Vec<&str> = SimConfig::settings().iter().map(|m| m.name).collect();
    format!("unknown setting {name:?} (settings: {})", names.join(", "))
}

/// A time in µs as milliseconds with three decimals ("1221.207"), in integer arithmetic (no float
/// formatting in the browser build).
pub fn ms3(us: u64) -> String {
    format!("{}.{:03}", us / 1000, us % 1000)
}

/// A number as a person reads it (up to six decimals), without float formatting.
pub fn num(x: f64) -> String {
    if x.is_nan() {
        return "NaN".into();
    }
    if x.is_infinite() {
        return (if x > 0.0 { "Infinity" } else { "-Infinity" }).into();
    }
    let sign = if x < 0.0 { "-" } else { "" };
    let a = x.abs();
    if a >= 1e15 {
        return format!("{sign}{}e15+", (a / 1e15) as u64);
    }
    let micro = (a * 1e6).round() as u64;
    let (int, frac) = (micro / 1_000_000, micro % 1_000_000);
    if frac == 0 {
        format!("{sign}{int}")
    } else {
        let f = format!("{frac:06}");
        format!("{sign}{int}.{}", f.trim_end_matches('0'))
    }
}

/// A value in script form: `on`/`off`, `150ms` (shortest exact unit), `2.5%`, `12`.
pub fn format_value(unit: Unit, v: u64) -> String {
    match unit {
        Unit::Bool => (if v != 0 { "on" } else { "off" }).into(),
        Unit::Count => v.to_string(),
        Unit::Micros if !v.is_multiple_of(1000) => format!("{v}us"),
        Unit::Micros => format!("{}ms", v / 1000),
        Unit::Ppm => {
            let s = format!("{}.{:04}", v / 10_000, v % 10_000);
            format!("{}%", s.trim_end_matches('0').trim_end_matches('.'))
        }
        Unit::Rules if v == 0 => "none".into(),
        Unit::Rules => raft::Broken(v as u32).iter().map(|r| r.id()).collect::<Vec<_>>().join(","),
    }
}

/// Rule ids separated by `,` (or `none`) → a [`raft::Broken`] bitmask.
pub fn parse_rules(s: &str) -> Result<u64, String> {
    let mut b = raft::Broken::NONE;
    for id in s.split(',').map(str::trim).filter(|w| !w.is_empty() && *w != "none") {
        let rule = raft::Rule::from_id(id).ok_or_else(|| {
            let ids: Vec<&str> = raft::Rule::ALL.iter().map(|r| r.id()).collect();
            format!("unknown rule {id:?} (rules: {})", ids.join(", "))
        })?;
        b.insert(rule);
    }
    Ok(b.0 as u64)
}

/// Parse a value in script form.
pub fn parse_value(unit: Unit, s: &str) -> Result<u64, String> {
    let s = s.trim();
    match unit {
        Unit::Bool => match s {
            "on" | "true" | "yes" | "1" => Ok(1),
            "off" | "false" | "no" | "0" => Ok(0),
            _ => Err(format!("expected on/off, got {s:?}")),
        },
        Unit::Count => s.parse::<u64>().map_err(|_| format!("expected a whole number, got {s:?}")),
        Unit::Micros => parse_duration(s),
        Unit::Ppm => {
            let out = || format!("percentage {s:?} out of 0–100");
            match decimal(s.trim_end_matches('%'), 4) {
                Decimal::Bad => Err(format!("bad percentage {s:?}")),
                Decimal::Negative | Decimal::NotFinite => Err(out()),
                Decimal::Value { whole, exact, .. } if whole > 1_000_000 || (whole == 1_000_000 && !exact) => {
                    Err(out())
                }
                d => Ok(d.rounded()),
            }
        }
        Unit::Rules => parse_rules(s),
    }
}

/// The longest duration any input may name: an hour of simulated time.
pub const MAX_DURATION_US: u64 = 3_600 * S;

/// `250ms`, `1.5s`, `300us`, or a bare number of milliseconds → µs (at most an hour).
pub fn parse_duration(s: &str) -> Result<u64, String> {
    let s = s.trim();
    let (num, scale) = if let Some(v) = s.strip_suffix("us") {
        (v, 0)
    } else if let Some(v) = s.strip_suffix("ms") {
        (v, 3)
    } else if let Some(v) = s.strip_suffix('s') {
        (v, 6)
    } else {
        (s, 3)
    };
    match decimal(num.trim(), scale) {
        Decimal::Bad | Decimal::Negative | Decimal::NotFinite => Err(format!("bad duration {s:?}")),
        d if d.rounded() > MAX_DURATION_US => Err(format!("duration {s:?} is longer than an hour")),
        d => Ok(d.rounded()),
    }
}

/// A number as `str::parse::<f64>` reads it, times 10^`shift`: exactly, without floats (f64
/// parsing brought ~15 KB gzipped of code and tables into the wasm module).
#[derive(Debug, Clone, Copy, PartialEq)]
enum Decimal {
    Bad,
    /// Below zero (`-0` is zero).
    Negative,
    /// `inf`, `infinity`, `nan` (any case, any sign).
    NotFinite,
    /// `whole` is the integer part (saturated at u64::MAX); `exact` if there is no fraction;
    /// `half_up` if the fraction is at least one half.
    Value {
        whole: u64,
        exact: bool,
        half_up: bool,
    },
}

impl Decimal {
    /// Rounded half away from zero, as `f64::round`.
    fn rounded(self) -> u64 {
        match self {
            Decimal::Value { whole, half_up, .. } => whole.saturating_add(half_up as u64),
            _ => u64::MAX,
        }
    }
}

/// `[+-]digits[.digits][(e|E)[+-]digits]` (at least one digit before the exponent), or `inf`,
/// `infinity`, `nan`: the grammar of `str::parse::<f64>`.
fn decimal(text: &str, shift: i32) -> Decimal {
    let (negative, rest) = match text.as_bytes().first() {
        Some(b'-') => (true, &text[1..]),
        Some(b'+') => (false, &text[1..]),
        _ => (false, text),
    };
    if ["inf", "infinity", "nan"].iter().any(|w| rest.eq_ignore_ascii_case(w)) {
        return Decimal::NotFinite;
    }
    let (number, exponent) = match rest.find(['e', 'E']) {
        Some(i) => (&rest[..i], Some(&rest[i + 1..])),
        None => (rest, None),
    };
    let (int, frac) = number.split_once('.').unwrap_or((number, ""));
    let digits = |t: &str| t.bytes().all(|b| b.is_ascii_digit());
    if int.len() + frac.len() == 0 || !digits(int) || !digits(frac) {
        return Decimal::Bad;
    }
    // The exponent, clamped far beyond where it matters.
    let mut exp: i64 = 0;
    if let Some(e) = exponent {
        let (sign, d) = match e.as_bytes().first() {
            Some(b'-') => (-1, &e[1..]),
            Some(b'+') => (1, &e[1..]),
            _ => (1, e),
        };
        if d.is_empty() || !digits(d) {
            return Decimal::Bad;
        }
        for b in d.bytes() {
            exp = (exp * 10 + (b - b'0') as i64).min(1 << 20);
        }
        exp *= sign;
    }
    // The significant digits as an integer `m` (at most 18, more than an f64 has; u64 arithmetic:
    // u128 would bring its multiplication and division into the wasm), times 10^`exp`; `sticky`
    // if a nonzero digit was dropped.
    let (mut m, mut sticky) = (0u64, false);
    for (k, b) in int.bytes().chain(frac.bytes()).enumerate() {
        let d = (b - b'0') as u64;
        if m < 10u64.pow(17) {
            m = m * 10 + d;
        } else {
            sticky |= d != 0;
            if k < int.len() {
                exp += 1;
            }
            continue;
        }
        if k >= int.len() {
            exp -= 1;
        }
    }
    if m == 0 {
        return Decimal::Value { whole: 0, exact: !sticky, half_up: false };
    }
    // From f64::MAX and half an ulp (1.7976931348623158e308, to 17 digits) a float was infinite.
    let digits_m = m.ilog10() as i64 + 1;
    let first17 =
        if digits_m > 17 { m / 10u64.pow((digits_m - 17) as u32) } else { m * 10u64.pow((17 - digits_m) as u32) };
    if digits_m + exp > 309 || (digits_m + exp == 309 && first17 >= 17_976_931_348_623_158) {
        return Decimal::NotFinite;
    }
    if negative {
        return Decimal::Negative;
    }
    let x = exp + shift as i64;
    if x >= 0 {
        let whole = if x > 19 { None } else { 10u64.checked_pow(x as u32).and_then(|p| m.checked_mul(p)) };
        return Decimal::Value { whole: whole.unwrap_or(u64::MAX), exact: !sticky, half_up: false };
    }
    if -x > 19 {
        // m < 10^18, so the value is below 1/10.
        return Decimal::Value { whole: 0, exact: false, half_up: false };
    }
    let d = 10u64.pow((-x) as u32);
    let (q, r) = (m / d, m % d);
    Decimal::Value { whole: q, exact: r == 0 && !sticky, half_up: r >= d - r }
}

/// A value as JS writes it (bool, or a number in ms / percent / count) → the setting's unit.
pub fn from_js(unit: Unit, name: &str, x: f64) -> Result<u64, String> {
    let bad = || format!("{name} = {}: expected {}", num(x), unit_words(unit));
    if !x.is_finite() || x < 0.0 {
        return Err(bad());
    }
    let v = match unit {
        Unit::Bool | Unit::Count if x.fract() != 0.0 => return Err(bad()),
        Unit::Bool if x > 1.0 => return Err(bad()),
        Unit::Bool | Unit::Count => x,
        Unit::Micros => (x * 1000.0).round(),
        Unit::Ppm if x > 100.0 => return Err(bad()),
        Unit::Ppm => (x * 10_000.0).round(),
        Unit::Rules => return Err(bad()),
    };
    if v > u64::MAX as f64 / 2.0 {
        return Err(bad());
    }
    Ok(v as u64)
}

/// A value in the setting's unit → as JS shows it (ms, percent, count, 0/1).
pub fn to_js(unit: Unit, v: u64) -> f64 {
    match unit {
        Unit::Bool | Unit::Count | Unit::Rules => v as f64,
        Unit::Micros => v as f64 / 1000.0,
        Unit::Ppm => v as f64 / 10_000.0,
    }
}

pub fn unit_words(unit: Unit) -> &'static str {
    match unit {
        Unit::Bool => "true or false",
        Unit::Count => "a whole number ≥ 0",
        Unit::Micros => "a number of milliseconds ≥ 0",
        Unit::Ppm => "a percentage 0–100",
        Unit::Rules => "rule ids separated by commas, or none",
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_setting_has_a_unique_name_and_round_trips_through_its_text() {
        let all = SimConfig::settings();
        let mut names: Vec<_> = all.iter().map(|m| m.name).collect();
        names.sort();
        names.dedup();
        assert_eq!(names.len(), all.len(), "duplicate setting names");
        let c = SimConfig { seed: 77, load: 5, ..SimConfig::default() };
        let mut d = SimConfig::default();
        for (meta, v) in c.values() {
            d.set_text(meta.name, &format_value(meta.unit, v), &[Group::Run, Group::Protocol, Group::Network]).unwrap();
        }
        assert_eq!(c, d);
    }

    /// The float-free parsers agree with the f64 ones they replaced, on the grammar's corners.
    #[test]
    fn decimals_parse_as_floats_did() {
        let old_duration = |num: &str, scale: f64| -> Result<u64, &str> {
            let v: f64 = num.parse().map_err(|_| "bad")?;
            if !(v.is_finite() && v >= 0.0) {
                return Err("bad");
            }
            let us = (v * scale).round();
            if us > MAX_DURATION_US as f64 {
                return Err("hour");
            }
            Ok(us as u64)
        };
        let old_percent = |num: &str| -> Result<u64, &str> {
            let v: f64 = num.trim().trim_end_matches('%').parse().map_err(|_| "bad")?;
            if !(0.0..=100.0).contains(&v) {
                return Err("range");
            }
            Ok((v * 10_000.0).round() as u64)
        };
        let new_duration = |num: &str, shift: i32| match decimal(num, shift) {
            Decimal::Bad | Decimal::Negative | Decimal::NotFinite => Err("bad"),
            d if d.rounded() > MAX_DURATION_US => Err("hour"),
            d => Ok(d.rounded()),
        };
        let new_percent = |num: &str| match parse_value(Unit::Ppm, num) {
            Ok(v) => Ok(v),
            Err(e) if e.starts_with("bad") => Err("bad"),
            Err(_) => Err("range"),
        };
        let inputs = [
            "",
            ".",
            "1.",
            ".5",
            "+1",
            "-0",
            "-0.0",
            "+0",
            "-",
            "+",
            "1e3",
            "1E-3",
            "1e",
            "e3",
            ".e3",
            "1.5e2",
            "1.5e+2",
            "2.5e-1",
            "inf",
            "-Infinity",
            "+inf",
            "NaN",
            "nan",
            "infinit",
            "0x10",
            "1_000",
            "00012.5000",
            "3600",
            "3600000",
            "3600000000",
            "3600000001",
            "1e13",
            "1e400",
            "1e-400",
            "0.0004",
            "0.0005",
            "0.0015",
            "2.5",
            "12.25",
            "100",
            "100.0",
            "100.00001",
            "99.99995",
            "99.99994",
            "1.2.3",
            "1e3e3",
            " 1",
            "1 ",
            "1e308",
            "1e309",
            "-1e309",
            "2e308",
            "1.7976931348623157e308",
            "1.797693134862316e308",
            "12345678901234567890123456789012345678901234",
            "0.000000000000000000000000000000000000000000000001",
            "5-",
            "--5",
            "-5",
            "7.777777777777777777777777777",
            "5%",
            "5%%",
            "%",
            "0.5 %",
        ];
        for t in inputs {
            for (shift, scale) in [(0, 1.0), (3, 1e3), (6, 1e6)] {
                assert_eq!(new_duration(t, shift), old_duration(t, scale), "duration {t:?} × 10^{shift}");
            }
            assert_eq!(new_percent(t), old_percent(t), "percentage {t:?}");
        }
        // Where f64 was inexact, the decimal is exact.
        assert_eq!(parse_duration("3600.0000005s").unwrap_err(), "duration \"3600.0000005s\" is longer than an hour");
        assert_eq!(parse_duration("0.0000005s"), Ok(1));
    }

    #[test]
    fn values_are_checked() {
        let mut c = SimConfig::default();
        assert!(c.set_text("servers", "99", &[Group::Run]).unwrap_err().contains("at most"));
        assert!(c.set_text("pre_vote", "maybe", &[Group::Protocol]).unwrap_err().contains("on/off"));
        assert!(c.set_text("servers", "3", &[Group::Protocol]).unwrap_err().contains("cannot change"));
        assert!(c.set_text("bogus", "3", &[Group::Run]).unwrap_err().contains("unknown setting"));
        assert!(parse_duration("1e13s").unwrap_err().contains("hour"));
        assert_eq!(format_value(Unit::Ppm, 45_796), "4.5796%");
        assert_eq!(format_value(Unit::Micros, 22_000), "22ms");
        assert_eq!(format_value(Unit::Micros, 22_500), "22500us");
        assert_eq!(from_js(Unit::Micros, "x", 2.5), Ok(2500));
        assert!(from_js(Unit::Count, "x", 2.5).is_err());
        assert_eq!(
            parse_value(Unit::Rules, "vote-twice, no-dedup").map(|v| format_value(Unit::Rules, v)),
            Ok("vote-twice,no-dedup".into())
        );
        assert_eq!(parse_value(Unit::Rules, "none"), Ok(0));
        assert!(parse_value(Unit::Rules, "vote-thrice")
            .unwrap_err()
            .contains("unknown rule \"vote-thrice\" (rules: commit-old-term"));
    }
}
