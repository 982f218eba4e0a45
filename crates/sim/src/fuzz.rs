//! Fuzzing every parser of outside input, with a seeded generator (no nightly toolchain needed):
//! scenario scripts, permalinks (bytes and their base64 text), action lines and settings text.
//! The same targets run a few thousand inputs in `cargo test` (`tests/hostile.rs`) and millions in
//! `cargo run --release -p sim --example fuzz -- all 1000000` (figures in BENCHMARKS.md); the wasm
//! input layer has its own target in `crates/wasm/examples/fuzz_input.rs`, built on [`fuzz`].
//!
//! Every target checks, besides "no panic": the work an input causes stays within its budget
//! (so nothing hangs), errors name where the input went wrong (a script's line, a link's byte, a
//! character's position, the setting), what is accepted reads back to itself, and a refused
//! action leaves the run as it was.

use crate::action::{Action, Context};
use crate::cluster::Sim;
use crate::codec;
use crate::config::{SimConfig, MAX_SERVERS};
use crate::record::Position;
use crate::script::{self, Limits};
use crate::settings::{self, Group};
use crate::timeline::Timeline;
use std::fmt::Debug;
use std::panic::{catch_unwind, AssertUnwindSafe};
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// The most work one event can add past a budget: its own unit, every message it sends — up to
/// `MAX_INFLIGHT` (8) AppendEntries of at most 1,024 entries to each of 50 followers, twice if
/// duplicated — and the entries it writes (at most one message's worth).
pub const MAX_WORK_PER_EVENT: u64 =
    1 + 2 * 8 * 1024 * MAX_SERVERS as u64 + crate::cluster::WORK_PER_ENTRY_WRITTEN * 1024;

/// The limits a fuzzed script runs under: the real ones, but less work per input (so a million
/// inputs take minutes; the real cap is the same code with a larger number, tested on its own).
pub const FUZZ_LIMITS: Limits = Limits { work: 20_000, scan: 200_000, output: 1 << 20, ..Limits::DEFAULT };

/// A small, fast, seeded generator (SplitMix64).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Rng {
        Rng(seed ^ 0x9E37_79B9_7F4A_7C15)
    }
    pub fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }
    /// Uniform in `0..n` (n > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next() % n.max(1) as u64) as usize
    }
    /// True one time in `n`.
    pub fn one_in(&mut self, n: usize) -> bool {
        self.below(n) == 0
    }
    pub fn pick<'a, T>(&mut self, xs: &'a [T]) -> &'a T {
        &xs[self.below(xs.len())]
    }
}

/// What a fuzz run found.
#[derive(Debug, Default)]
pub struct Report {
    pub inputs: u64,
    pub failures: Vec<String>,
    pub elapsed: Duration,
    /// The slowest inputs: (wall time, input), slowest first.
    pub slowest: Vec<(Duration, String)>,
    /// How often each shape of error message came up (digits and quoted text folded), most first.
    pub errors: Vec<(String, u64)>,
}

impl Report {
    pub fn summary(&self, name: &str) -> String {
        let secs = self.elapsed.as_secs_f64();
        let mut s = format!(
            "{name}: {} inputs in {secs:.1} s ({:.0}/s), {} failures",
            self.inputs,
            self.inputs as f64 / secs.max(1e-9),
            self.failures.len()
        );
        if let Some((t, _)) = self.slowest.first() {
            s.push_str(&format!(", slowest input {:.1} ms", t.as_secs_f64() * 1000.0));
        }
        s
    }
}

/// An error message with its particulars folded away (numbers → N, quoted text → "…"), so the
/// kinds of error a target produced can be counted and read.
pub fn shape(e: &str) -> String {
    let mut out = String::new();
    let mut chars = e.chars().peekable();
    let mut quote: Option<char> = None;
    while let Some(c) = chars.next() {
        if let Some(q) = quote {
            if c == '\\' {
                chars.next();
            } else if c == q {
                quote = None;
                out.push_str("…");
                out.push(q);
            }
            continue;
        }
        match c {
            '"' | '`' => {
                quote = Some(c);
                out.push(c);
            }
            '0'..='9' => {
                while chars.peek().is_some_and(|c| c.is_ascii_digit() || *c == '.') {
                    chars.next();
                }
                out.push('N');
            }
            _ => out.push(c),
        }
        if out.len() > 160 {
            out.push('…');
            break;
        }
    }
    out
}

std::thread_local! {
    /// The last panic's message on a fuzzing thread (which prints nothing: it reports).
    static PANIC: std::cell::RefCell<Option<String>> = const { std::cell::RefCell::new(None) };
    static FUZZING: std::cell::Cell<bool> = const { std::cell::Cell::new(false) };
}

/// A panic hook, installed once, that keeps a fuzzing thread's panic message for its report and
/// leaves every other thread's panics to the hook that was there.
fn install_hook() {
    static ONCE: std::sync::Once = std::sync::Once::new();
    ONCE.call_once(|| {
        let prev = std::panic::take_hook();
        std::panic::set_hook(Box::new(move |info| {
            if FUZZING.with(|f| f.get()) {
                PANIC.with(|p| *p.borrow_mut() = Some(info.to_string()));
            } else {
                prev(info);
            }
        }));
    });
}

/// Run `n` inputs of one target on `threads` threads: `gen` makes an input from the generator,
/// `check` tests it (an `Err` is a failure: it should say what property broke). Panics are caught
/// and reported with their input. Deterministic for a seed (per thread).
pub fn fuzz<I: Debug>(
    n: u64,
    seed: u64,
    threads: usize,
    gen: impl Fn(&mut Rng) -> I + Sync,
    check: impl Fn(&I) -> Result<Option<String>, String> + Sync,
) -> Report {
    install_hook();
    let next = AtomicU64::new(0);
    let report = Mutex::new(Report::default());
    let start = Instant::now();
    let threads = threads.max(1);
    std::thread::scope(|s| {
        for t in 0..threads {
            let (next, report, gen, check) = (&next, &report, &gen, &check);
            s.spawn(move || {
                FUZZING.with(|f| f.set(true));
                let mut rng = Rng::new(seed.wrapping_mul(1_000_003).wrapping_add(t as u64));
                let mut failures = Vec::new();
                let mut slowest: Vec<(Duration, String)> = Vec::new();
                let mut errors = std::collections::HashMap::<String, u64>::new();
                let mut done = 0;
                // Claim inputs in batches (the counter is shared).
                loop {
                    let from = next.fetch_add(64, Ordering::Relaxed);
                    if from >= n {
                        break;
                    }
                    for _ in from..(from + 64).min(n) {
                        let input = gen(&mut rng);
                        let t0 = Instant::now();
                        let r = catch_unwind(AssertUnwindSafe(|| check(&input)));
                        let took = t0.elapsed();
                        done += 1;
                        match r {
                            Ok(Ok(Some(err))) => *errors.entry(shape(&err)).or_default() += 1,
                            Ok(Ok(None)) => {}
                            Ok(Err(why)) => failures.push(format!("{why}\n  input: {input:?}")),
                            Err(_) => {
                                let msg = PANIC.with(|p| p.borrow_mut().take()).unwrap_or_default();
                                failures.push(format!("panic: {msg}\n  input: {input:?}"));
                            }
                        }
                        if slowest.len() < 5 || took > slowest[slowest.len() - 1].0 {
                            slowest.push((took, format!("{input:?}")));
                            slowest.sort_by(|a, b| b.0.cmp(&a.0));
                            slowest.truncate(5);
                        }
                    }
                }
                let mut r = report.lock().unwrap();
                r.inputs += done;
                r.failures.extend(failures);
                r.slowest.extend(slowest);
                for (k, v) in errors {
                    match r.errors.iter_mut().find(|(e, _)| *e == k) {
                        Some(e) => e.1 += v,
                        None => r.errors.push((k, v)),
                    }
                }
            });
        }
    });
    let mut r = report.into_inner().unwrap();
    r.elapsed = start.elapsed();
    r.slowest.sort_by(|a, b| b.0.cmp(&a.0));
    r.slowest.truncate(5);
    r.errors.sort_by(|a, b| b.1.cmp(&a.1).then(a.0.cmp(&b.0)));
    r
}

// ---- inputs ----

/// The real scenario scripts (`tests/scenarios/*.script`), the seeds of the script and link
/// targets.
pub fn corpus() -> Vec<String> {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tests/scenarios");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "script"))
        .collect();
    files.sort();
    files.iter().map(|p| std::fs::read_to_string(p).unwrap()).collect()
}

/// Words that mean something somewhere in a script besides the actions' ([`Action::WORDS`], picked
/// as often), and some that nearly do.
const WORDS: &[&str] = &[
    "config",
    "run",
    "expect",
    "show",
    "digest",
    "trace",
    "restart-all",
    "leader",
    "no-leader",
    "committed",
    "not-committed",
    "voters",
    "learners",
    "outgoing",
    "role",
    "term-of",
    "answered",
    "value",
    "last-index",
    "snapshot",
    "kv",
    "violation",
    "on",
    "off",
    "follower",
    "candidate",
    "precandidate",
    "none",
    "|",
    ",",
    "-",
    "+",
    ">",
    "<-",
    "+=",
    "?",
    "=",
    "_",
    "#",
];

/// Values of every kind, ordinary and extreme.
const VALUES: &[&str] = &[
    "0",
    "1",
    "2",
    "3",
    "5",
    "7",
    "9",
    "51",
    "52",
    "63",
    "64",
    "65",
    "100",
    "1000",
    "1024",
    "1025",
    "4294967295",
    "4294967296",
    "18446744073709551615",
    "18446744073709551616",
    "99999999999999999999999",
    "-1",
    "-0",
    "1.5",
    "0.000001",
    "1e13",
    "1e-300",
    "NaN",
    "inf",
    "-inf",
    "1e13s",
    "3600s",
    "3601s",
    "1ms",
    "0ms",
    "1us",
    "0us",
    "150ms",
    "2.5s",
    "60s",
    "61s",
    "600s",
    "10-15ms",
    "1us-1us",
    "15-10ms",
    "0-0ms",
    "5%",
    "100%",
    "101%",
    "-5%",
    "0.0001%",
    "on",
    "off",
    "true",
    "maybe",
    "S1",
    "S3",
    "S0",
    "S64",
    "SSS2",
    "leader",
    "x",
    "a",
    "z",
    "X",
    "xx",
    "x<-3",
    "x?",
    "x+=1",
    "vote-twice",
    "commit-old-term,no-dedup",
    "none",
    "vote-thrice",
    "1,2",
    "1,2,3",
    "1,1",
    "-",
    "1>2",
    "2>2",
    "1-2",
    "+6",
    "-1",
    "+64",
    "é",
    "日本",
    "\u{0}",
    "\u{200b}",
    "",
    " ",
];

/// `name=value` words, with every setting's name and some that are not.
fn setting_word(rng: &mut Rng) -> String {
    let names = SimConfig::settings();
    let name = if rng.one_in(8) {
        rng.pick(&["latency", "sevrers", "", "pre_vote=on", "break"]).to_string()
    } else {
        rng.pick(&names).name.to_string()
    };
    format!("{name}={}", rng.pick(VALUES))
}

/// A word of the script language: an action's or another.
fn word(rng: &mut Rng) -> String {
    if rng.below(2) == 0 { rng.pick(Action::WORDS) } else { rng.pick(WORDS) }.to_string()
}

fn token(rng: &mut Rng) -> String {
    match rng.below(10) {
        0..=3 => word(rng),
        4..=7 => rng.pick(VALUES).to_string(),
        8 => setting_word(rng),
        _ => junk(rng, 6),
    }
}

/// A few random characters: ASCII, control characters, multi-byte.
fn junk(rng: &mut Rng, max: usize) -> String {
    (0..1 + rng.below(max))
        .map(|_| match rng.below(8) {
            0 => char::from_u32(rng.below(0x80) as u32).unwrap_or('?'),
            1 => *rng.pick(&['é', 'λ', '→', '€', '😀', '\u{feff}', '\t', '\r']),
            _ => (b'!' + rng.below(94) as u8) as char,
        })
        .collect()
}

/// A line in the script language: a known command with arguments of any kind.
fn line(rng: &mut Rng) -> String {
    let first = word(rng);
    let mut words = vec![first];
    for _ in 0..rng.below(5) {
        words.push(token(rng));
    }
    words.join(if rng.one_in(10) { "  " } else { " " })
}

/// Change a text at random: a token replaced, a line dropped, doubled or moved, a number made
/// extreme, a line from elsewhere spliced in, the text cut short, bytes inserted.
fn mutate(rng: &mut Rng, text: &str, corpus: &[String]) -> String {
    let mut lines: Vec<String> = text.lines().map(String::from).collect();
    for _ in 0..1 + rng.below(3) {
        if lines.is_empty() {
            lines.push(line(rng));
        }
        let k = rng.below(lines.len());
        match rng.below(12) {
            0..=3 => {
                // Replace one word of a line.
                let mut words: Vec<String> = lines[k].split_whitespace().map(String::from).collect();
                if words.is_empty() {
                    words.push(token(rng));
                } else {
                    let w = rng.below(words.len());
                    words[w] = token(rng);
                }
                lines[k] = words.join(" ");
            }
            4 => {
                lines.remove(k);
            }
            5 => {
                let l = lines[k].clone();
                lines.insert(k, l);
            }
            6 => {
                let l = lines.remove(k);
                let to = rng.below(lines.len() + 1);
                lines.insert(to, l);
            }
            7 => lines.insert(k, line(rng)),
            8 => {
                // Add a word.
                let t = token(rng);
                lines[k].push(' ');
                lines[k].push_str(&t);
            }
            9 => {
                let other = rng.pick(corpus);
                let ol: Vec<&str> = other.lines().collect();
                if !ol.is_empty() {
                    lines.insert(k, rng.pick(&ol).to_string());
                }
            }
            10 => {
                // Cut a line short, inside a word.
                let l = &lines[k];
                let cut = rng.below(l.len() + 1);
                let cut = (0..=cut).rev().find(|&c| l.is_char_boundary(c)).unwrap_or(0);
                lines[k] = l[..cut].to_string();
            }
            _ => {
                let j = junk(rng, 4);
                let l = &mut lines[k];
                let at = rng.below(l.len() + 1);
                let at = (0..=at).rev().find(|&c| l.is_char_boundary(c)).unwrap_or(0);
                l.insert_str(at, &j);
            }
        }
    }
    let mut out = lines.join(if rng.one_in(20) { "\r\n" } else { "\n" });
    if !rng.one_in(10) {
        out.push('\n');
    }
    out
}

/// A script to fuzz with: a real one mutated (most), or lines of random tokens.
pub fn gen_script(rng: &mut Rng, corpus: &[String]) -> String {
    if rng.one_in(4) || corpus.is_empty() {
        (0..rng.below(12)).map(|_| line(rng) + "\n").collect()
    } else {
        let k = rng.below(corpus.len());
        mutate(rng, &corpus[k], corpus)
    }
}

/// Is `e` an error of `text` that names its line (with the line's command as the script wrote
/// it), or one about the script as a whole?
fn names_its_line(text: &str, e: &str) -> bool {
    if e.starts_with("the script is ") {
        return true;
    }
    let Some(rest) = e.strip_prefix("line ") else { return false };
    let Some((n, rest)) = rest.split_once(": `") else { return false };
    let Ok(n) = n.parse::<usize>() else { return false };
    let Some(raw) = text.lines().nth(n.wrapping_sub(1)) else { return false };
    let command = raw.split('#').next().unwrap_or("").trim();
    rest.starts_with(&format!("{command}`: "))
}

/// Run a script under `limits` and check it: no panic (the caller catches), its work within the
/// limits, an error naming its line; a script that ran replays live (the page's scenarios) to the
/// same fingerprint, and its record survives a permalink. `Ok(Some(e))`: refused, as it should
/// be, with `e`.
pub fn check_script(text: &str, limits: &Limits) -> Result<Option<String>, String> {
    let (r, used) = script::run_limited(text, limits);
    if used.work > limits.work + MAX_WORK_PER_EVENT || used.time_us > limits.time_us {
        return Err(format!("the script went past its limits: {used:?}"));
    }
    let rec = match r {
        Err(e) if names_its_line(text, &e) => return Ok(Some(e)),
        Err(e) => return Err(format!("an error that does not name its line: {e}")),
        Ok(rec) => rec,
    };
    // The record plays live, event for event, to the same state.
    let mut tl = Timeline::from_record(rec.record.clone()).map_err(|e| format!("the record does not load: {e}"))?;
    tl.set_budget(limits.work + MAX_WORK_PER_EVENT);
    tl.run_until(rec.end);
    if tl.sim().digest() != rec.digest && !tl.budget_exhausted() {
        return Err(format!(
            "played live it ends at digest {:016x}, the script at {:016x}",
            tl.sim().digest(),
            rec.digest
        ));
    }
    // Its permalink reads back to the same record.
    let at = Position { time: rec.end, events: tl.sim().stats.events, applied: tl.position().applied };
    let bytes = codec::encode_record(&rec.record, at);
    match codec::decode_record(&codec::from_base64(&codec::to_base64(&bytes))?) {
        // (`check_persistence` is a test-only cross-check, not part of the run: links do not carry it.)
        Ok((back, pos))
            if back.actions == rec.record.actions
                && back.config == SimConfig { check_persistence: false, ..rec.record.config.clone() }
                && pos == at =>
        {
            Ok(None)
        }
        other => Err(format!("its permalink does not read back: {other:?}")),
    }
}

/// Links to fuzz with: the real scenarios' runs at their end, encoded.
pub fn link_corpus(scripts: &[String]) -> Vec<Vec<u8>> {
    scripts
        .iter()
        .filter_map(|t| script::record(t).ok())
        .filter_map(|r| {
            let mut tl = Timeline::from_record(r.record.clone()).ok()?;
            tl.run_until(r.end);
            Some(codec::encode_record(&r.record, tl.position()))
        })
        .collect()
}

/// The checksum a link must end in (so mutated bytes get past it and into the decoder).
pub fn seal(mut body: Vec<u8>) -> Vec<u8> {
    let sum = codec::fnv32(&body);
    body.extend_from_slice(&sum.to_le_bytes());
    body
}

/// Bytes to decode as a link: a real link changed (a byte set, bits flipped, bytes inserted or
/// removed, a varint made huge, cut short), or random bytes; usually with its checksum fixed.
pub fn gen_link(rng: &mut Rng, corpus: &[Vec<u8>]) -> Vec<u8> {
    let mut b: Vec<u8> = if rng.one_in(5) || corpus.is_empty() {
        let mut b: Vec<u8> = (0..rng.below(80)).map(|_| rng.next() as u8).collect();
        if !b.is_empty() && !rng.one_in(10) {
            b[0] = codec::VERSION;
        }
        b
    } else {
        let mut b = rng.pick(corpus).clone();
        b.truncate(b.len() - 4); // the checksum: made again below
        b
    };
    for _ in 0..1 + rng.below(4) {
        if b.is_empty() {
            break;
        }
        let k = 1 + rng.below(b.len().max(2) - 1).min(b.len() - 1);
        let k = k.min(b.len() - 1);
        match rng.below(8) {
            0 => b[k] = *rng.pick(&[0x00, 0x01, 0x7f, 0x80, 0xff, 0x3f, 0x40, 63, 64, 65]),
            1 => b[k] ^= 1 << rng.below(8),
            2 => b.insert(k, rng.next() as u8),
            3 => {
                b.remove(k);
            }
            4 => {
                // A varint as large as it gets.
                for _ in 0..9 {
                    b.insert(k, 0xff);
                }
                b.insert(k + 9, 0x01);
            }
            5 => b.truncate(k),
            6 => {
                let (a, c) = (rng.below(b.len()), rng.below(b.len()));
                b.swap(a, c);
            }
            _ => {
                // Splice in a piece of another link.
                if let Some(other) = corpus.get(rng.below(corpus.len().max(1))) {
                    let from = rng.below(other.len());
                    let piece = &other[from..(from + 1 + rng.below(8)).min(other.len())];
                    b.splice(k..k, piece.iter().copied());
                }
            }
        }
    }
    if rng.one_in(10) {
        b
    } else {
        seal(b)
    }
}

/// How a decoder error may begin: each names where in the link it went wrong.
fn names_its_byte(e: &str) -> bool {
    e.contains("at byte")
        || e.contains("from byte")
        || e.starts_with("the link's settings: ")
        || e.starts_with("the link holds no run")
        || e.starts_with("this link was made by another version")
        || e == "the link is cut short"
        || e.starts_with("the link is damaged, cut short or not a link to a run (its checksum")
        || e.starts_with("the link is damaged (it claims")
}

/// Decode a link and check it: an error names the byte; what decodes encodes back to what
/// decodes the same; opening it (replaying to its moment) stays within its budget; a few
/// operations on it (seeks, a step back) too.
pub fn check_link(bytes: &[u8], budget: u64) -> Result<Option<String>, String> {
    let (record, at) = match codec::decode_record(bytes) {
        Err(e) if names_its_byte(&e) => return Ok(Some(e)),
        Err(e) => return Err(format!("a link error that does not say where: {e}")),
        Ok(r) => r,
    };
    let again = codec::encode_record(&record, at);
    if codec::decode_record(&again) != Ok((record.clone(), at)) {
        return Err("a decoded link does not encode back to itself".into());
    }
    let text = codec::to_base64(bytes);
    let mut tl = match Timeline::from_permalink(&text, budget) {
        Ok(tl) => tl,
        Err(e) => {
            // Refusals happen in opening (too long, out of order, does not replay): bounded?
            return Ok(Some(e));
        }
    };
    if tl.work_done() > budget + MAX_WORK_PER_EVENT {
        return Err(format!("opening the link did {} units of work, over its budget {budget}", tl.work_done()));
    }
    // What the page may do next, each within a budget.
    for t in [0, at.time / 2, at.time.saturating_add(1_000_000)] {
        tl.set_budget(budget);
        tl.seek(t);
        if tl.work_done() > budget + MAX_WORK_PER_EVENT {
            return Err(format!("a seek to {t} did {} units of work, over its budget", tl.work_done()));
        }
    }
    tl.set_budget(budget);
    tl.step_back();
    Ok(None)
}

/// Text to decode as base64: the alphabet with strays (spaces, padding, other bytes, multi-byte
/// characters), or a real link's text with a character changed.
pub fn gen_base64(rng: &mut Rng) -> String {
    const B64: &[u8] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    (0..rng.below(60))
        .map(|_| {
            if rng.one_in(30) {
                *rng.pick(&['=', '+', '/', ' ', '\n', '%', 'é', '😀', '\u{0}', '.'])
            } else {
                *rng.pick(B64) as char
            }
        })
        .collect()
}

/// Decode base64 text: an error names the first character that does not belong and its
/// position (counting characters, from 1, after trimming); bytes encode to text that decodes back.
pub fn check_base64(text: &str) -> Result<Option<String>, String> {
    match codec::from_base64(text) {
        Ok(bytes) => {
            if codec::from_base64(&codec::to_base64(&bytes)).as_deref() != Ok(&bytes[..]) {
                return Err("bytes do not survive base64".into());
            }
            Ok(None)
        }
        Err(e) => {
            let t = text.trim();
            let (k, c) = t
                .chars()
                .enumerate()
                .find(|(_, c)| !(c.is_ascii_alphanumeric() || *c == '-' || *c == '_'))
                .ok_or_else(|| format!("refused text with no stray character: {e}"))?;
            if !e.contains(&format!("{c:?} at position {}", k + 1)) {
                return Err(format!("the error does not name {c:?} at position {}: {e}", k + 1));
            }
            Ok(Some(e))
        }
    }
}

/// Simulators in the states an action may meet: fresh at time 0 (set-up allowed), with a
/// leader, with a server down and a partition, with every server down.
pub fn sims() -> Vec<Sim> {
    let mut out = Vec::new();
    let fresh = Sim::new(SimConfig { servers: 5, seed: 3, ..SimConfig::default() }).unwrap();
    out.push(fresh.clone());
    let mut led = fresh.clone();
    led.run_until(1_000_000);
    out.push(led.clone());
    let mut hurt = led.clone();
    hurt.act(Action::Crash(2)).unwrap();
    hurt.act(Action::Partition(vec![vec![1, 3], vec![4, 5]])).unwrap();
    hurt.run_until(1_300_000);
    out.push(hurt);
    let mut down = Sim::new(SimConfig { servers: 3, seed: 4, ..SimConfig::default() }).unwrap();
    down.run_until(800_000);
    for id in 1..=3 {
        down.act(Action::Crash(id)).unwrap();
    }
    out.push(down);
    out
}

/// Lines of every action, to mutate: each action's own text form, and hand-written ones.
fn action_lines(sims: &[Sim]) -> Vec<String> {
    let mut v: Vec<String> = [
        "crash 1",
        "restart 2",
        "timeout 3",
        "isolate leader",
        "request leader x <- 3",
        "request 2 y += -4",
        "request 1 z?",
        "partition 1,2 | 3,4,5",
        "cut 1 2",
        "cut 1-2",
        "cut 5>1",
        "repair 5>1",
        "repair 1 2",
        "heal",
        "net drop=5% latency=10-20ms",
        "set pre_vote=on check_quorum=on",
        "add-server",
        "remove 3",
        "transfer 2",
        "change -1 -2 +6 +7",
        "break vote-twice",
        "break none",
        "log S1 1 1 4 4",
        "term S2 7",
        "commit S1 2",
    ]
    .iter()
    .map(|s| s.to_string())
    .collect();
    let c = &sims[0].cfg;
    v.push(Action::SetOptions(c.raft).to_string());
    v.push(Action::SetNet(c.net).to_string());
    v
}

/// An action line: a real one mutated, or random tokens after an action word.
pub fn gen_action_line(rng: &mut Rng, lines: &[String]) -> String {
    if rng.one_in(3) {
        let mut words = vec![rng.pick(Action::WORDS).to_string()];
        for _ in 0..rng.below(6) {
            words.push(token(rng));
        }
        words.join(" ")
    } else {
        let k = rng.below(lines.len());
        mutate(rng, &lines[k], lines).trim_end_matches('\n').replace('\n', " ")
    }
}

/// Parse an action line against each simulator: a line that is not an action is one whose first
/// word is no action's; what parses prints back to a line that parses to the same action; carried
/// out, a refused action changes nothing, an accepted one runs on (within a budget).
pub fn check_action_line(line: &str, sims: &[Sim]) -> Result<Option<String>, String> {
    let mut last_err = None;
    for sim in sims {
        let first = line.split_whitespace().next().unwrap_or("");
        let a = match Action::parse(line, sim) {
            None if Action::WORDS.contains(&first) => return Err("an action word, yet not an action".into()),
            None => return Ok(None),
            Some(Err(e)) if e.trim().is_empty() => return Err("an empty error".into()),
            Some(Err(e)) => {
                last_err = Some(e);
                continue;
            }
            Some(Ok(a)) => a,
        };
        let back = a.to_string();
        if Action::parse(&back, sim) != Some(Ok(a.clone())) {
            return Err(format!("{a:?} prints as {back:?}, which reads back as {:?}", Action::parse(&back, sim)));
        }
        let mut s = sim.clone();
        let before = state(&s);
        match s.act(a) {
            Err(e) => {
                if state(&s) != before {
                    return Err(format!("a refused action changed the run ({e})"));
                }
                last_err = Some(e);
            }
            Ok(()) => {
                s.meter = crate::Meter::budget(20_000);
                s.run_for(200_000);
            }
        }
    }
    Ok(last_err)
}

/// What a refused action must leave as it was: the run's fingerprint and position, the settings,
/// the network, the messages in flight and every server's role, term, vote, log and commit index.
#[allow(clippy::type_complexity)]
fn state(
    s: &Sim,
) -> (u64, Position, SimConfig, crate::Topology, usize, Vec<Option<(raft::Role, u64, Option<u32>, u64, u64)>>) {
    let nodes = s
        .servers
        .iter()
        .map(|x| x.node.as_ref().map(|n| (n.role, n.current_term, n.voted_for, n.log.last_index(), n.commit_index)))
        .collect();
    (s.digest(), s.position(), s.cfg.clone(), s.topology.clone(), s.flights.len(), nodes)
}

/// A setting's name and a value as scripts write it.
pub fn gen_setting(rng: &mut Rng) -> (String, String) {
    let names = SimConfig::settings();
    let name = if rng.one_in(10) { junk(rng, 8) } else { rng.pick(&names).name.to_string() };
    let value = match rng.below(4) {
        0 => junk(rng, 8),
        1 => format!("{}{}", rng.pick(VALUES), rng.pick(&["", "ms", "s", "us", "%", "-", "e3", ".5"])),
        _ => rng.pick(VALUES).to_string(),
    };
    (name, value)
}

/// Set a setting from text: an error names the setting (or says it is unknown); a value accepted
/// is within its range and prints back to text that sets the same; the parsers of each unit agree.
pub fn check_setting(name: &str, value: &str) -> Result<Option<String>, String> {
    let all = [Group::Run, Group::Protocol, Group::Network];
    let mut c = SimConfig::default();
    for unit in [
        settings::Unit::Bool,
        settings::Unit::Count,
        settings::Unit::Micros,
        settings::Unit::Ppm,
        settings::Unit::Rules,
    ] {
        if let Ok(v) = settings::parse_value(unit, value) {
            let text = settings::format_value(unit, v);
            if settings::parse_value(unit, &text) != Ok(v) {
                return Err(format!("{unit:?} {v} prints as {text:?}, which does not read back"));
            }
        }
    }
    if let Ok(us) = settings::parse_duration(value) {
        if us > settings::MAX_DURATION_US {
            return Err(format!("a duration of {us} µs, over an hour"));
        }
    }
    match crate::action::set_word(&mut c, name, value, Group::Run) {
        Err(e) if e.contains(&format!("{name:?}")) || e.starts_with(&format!("{name}")) || name == "latency" => {
            Ok(Some(e))
        }
        Err(e) => Err(format!("an error that does not name the setting: {e}")),
        Ok(()) if name == "latency" => Ok(None),
        Ok(()) => {
            let (meta, v) = c.values().into_iter().find(|(m, _)| m.name == name).expect("it was set");
            if v > meta.max {
                return Err(format!("{name} = {v}, over its maximum {}", meta.max));
            }
            let mut d = SimConfig::default();
            d.set_text(name, &settings::format_value(meta.unit, v), &all)
                .map_err(|e| format!("{name} = {v} does not read back from its text: {e}"))?;
            if d != c {
                return Err(format!("{name}: {value:?} and its text set different values"));
            }
            Ok(None)
        }
    }
}

/// The simulators an action line is checked against, and the lines mutated.
pub struct ActionCorpus {
    pub sims: Vec<Sim>,
    pub lines: Vec<String>,
}

impl ActionCorpus {
    pub fn new() -> ActionCorpus {
        let sims = sims();
        let lines = action_lines(&sims);
        ActionCorpus { sims, lines }
    }
}

impl Default for ActionCorpus {
    fn default() -> Self {
        ActionCorpus::new()
    }
}

/// A context with a leader and the default settings, for parsing without a simulator.
pub struct Ctx(pub SimConfig);
impl Context for Ctx {
    fn leader(&self) -> Option<raft::NodeId> {
        Some(1)
    }
    fn config(&self) -> &SimConfig {
        &self.0
    }
}
