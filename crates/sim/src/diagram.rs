//! The sequence (space-time) diagram of a stretch of a run: one lane per server, time running
//! down, an arrow per message from when it was sent to when it arrived (dashed and crossed when
//! lost), each lane coloured by the server's term, crashed stretches grey, elections marked. One
//! definition draws it as SVG for the page (shown and exported) and for the command line
//! (`raft-sim explore --svg FILE` draws the counterexample).

use crate::narrate::describe;
use crate::timeline::{Strip, Timeline};
use raft::{Message, NodeId, Term};
use std::fmt::Write;

/// One message that arrived (or was lost on arrival) in the stretch drawn.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Delivery {
    pub from: NodeId,
    pub to: NodeId,
    pub sent: u64,
    pub arrived: u64,
    pub term: Term,
    pub kind: &'static str,
    /// The message in words (the arrow's tooltip).
    pub text: String,
    pub lost: bool,
}

impl Delivery {
    pub(crate) fn of(msg: &Message, sent: u64, arrived: u64, lost: bool) -> Delivery {
        Delivery {
            from: msg.from,
            to: msg.to,
            sent,
            arrived,
            term: msg.term,
            kind: msg.body.kind(),
            text: describe(msg),
            lost,
        }
    }
}

/// Most arrows one diagram draws (the latest ones); beyond, it says how many it left out.
pub const MAX_ARROWS: usize = 600;

impl Timeline {
    /// Every message that arrived between `from` and the position shown (µs), replayed on the
    /// side from the nearest checkpoint before `from`; the timeline itself is untouched.
    pub fn deliveries(&self, from: u64) -> Vec<Delivery> {
        let target = self.sim().position();
        let from = from.min(target.time);
        let mut sim = self.checkpoint_before(from);
        sim.narrate = false;
        sim.deliveries = Some(Vec::new());
        for a in &self.record().actions[sim.stats.actions as usize..target.applied.min(self.record().actions.len())] {
            sim.process_until(a.time, a.events);
            if !sim.violations.is_empty() || sim.stats.events < a.events {
                break;
            }
            sim.time = sim.time.max(a.time);
            if sim.act(a.action.clone()).is_err() {
                break;
            }
        }
        sim.process_until(target.time, target.events);
        let mut out = sim.deliveries.take().unwrap_or_default();
        out.retain(|d| d.arrived >= from);
        out
    }
}

/// The diagram of `[from, to]` as an SVG document. Coordinates are whole pixels (integer
/// arithmetic: the browser build carries no float formatting).
pub fn svg(servers: u32, from: u64, to: u64, deliveries: &[Delivery], strip: &Strip) -> String {
    let to = to.max(from + 1);
    let (lane, left, top, height) = (120u64, 70u64, 40u64, 640u64);
    let width = left + lane * servers as u64 + 20;
    let x = |id: NodeId| left + lane * id as u64 - lane / 2;
    let y = |t: u64| top + ((t.clamp(from, to) - from) as u128 * height as u128 / (to - from) as u128) as u64;
    let ms = crate::settings::ms3;
    let mut s = String::new();
    let _ = write!(
        s,
        r#"<svg xmlns="http://www.w3.org/2000/svg" viewBox="0 0 {width} {h}" width="{width}" height="{h}" font-family="system-ui, sans-serif" font-size="11" role="img" aria-label="sequence diagram from {a} ms to {b} ms">"#,
        h = top + height + 30,
        a = ms(from),
        b = ms(to),
    );
    s.push_str(
        r##"<defs><marker id="arrow" viewBox="0 0 8 8" refX="7" refY="4" markerWidth="7" markerHeight="7" orient="auto"><path d="M0,0 L8,4 L0,8 z" fill="context-stroke"/></marker></defs><rect width="100%" height="100%" fill="#fff"/>"##,
    );
    // Time ticks.
    let step = tick(to - from);
    let mut t = from.div_ceil(step) * step;
    while t <= to {
        let _ = write!(
            s,
            r##"<line x1="{l}" x2="{r}" y1="{y}" y2="{y}" stroke="#eee"/><text x="{tx}" y="{ty}" fill="#888" text-anchor="end">{label} ms</text>"##,
            l = left - 6,
            r = width - 10,
            y = y(t),
            tx = left - 10,
            ty = y(t) + 4,
            label = t / 1000,
        );
        t += step;
    }
    // Lanes: a band per stretch of one term (crashed: grey), and the lane's name.
    for id in 1..=servers {
        let _ = write!(
            s,
            r##"<text x="{x}" y="{ty}" text-anchor="middle" font-weight="bold" fill="#333">S{id}</text><line x1="{x}" x2="{x}" y1="{top}" y2="{b}" stroke="#ccc"/>"##,
            x = x(id),
            ty = top - 14,
            b = top + height,
        );
    }
    for &(id, a, b, term, up) in &strip.bands {
        if id > servers || b < from || a > to {
            continue;
        }
        let (y0, y1) = (y(a), y(b));
        let fill = if up { term_colour(term) } else { "#d0d0d0".to_string() };
        let _ = write!(
            s,
            r#"<rect x="{x}" y="{y0}" width="8" height="{h}" fill="{fill}"><title>S{id} {what} from {ta} to {tb} ms</title></rect>"#,
            x = x(id) - 4,
            h = (y1 - y0).max(1),
            what = if up { format!("term {term}") } else { "crashed".to_string() },
            ta = ms(a),
            tb = ms(b),
        );
        if up && y1 - y0 > 14 {
            let _ = write!(
                s,
                r##"<text x="{tx}" y="{ty}" fill="#666" font-size="9">t{term}</text>"##,
                tx = x(id) + 7,
                ty = y0 + 11
            );
        }
    }
    for &(id, t, what) in &strip.marks {
        if id > servers || t < from || t > to {
            continue;
        }
        let (mark, title) = match what {
            0 => ("●", "starts an election"),
            1 => ("◆", "wins the election"),
            _ => ("✗", "split vote"),
        };
        let _ = write!(
            s,
            r##"<text x="{tx}" y="{ty}" text-anchor="middle" fill="#b54708">{mark}<title>S{id} {title} at {at} ms</title></text>"##,
            tx = x(id) - 12,
            ty = y(t) + 4,
            at = ms(t),
        );
    }
    // Arrows, the latest MAX_ARROWS.
    let skip = deliveries.len().saturating_sub(MAX_ARROWS);
    for d in &deliveries[skip..] {
        if d.from > servers || d.to > servers {
            continue;
        }
        let colour = kind_colour(d.kind);
        let dash = if d.lost { r#" stroke-dasharray="4 3""# } else { "" };
        let (x0, y0, x1, y1) = (x(d.from), y(d.sent), x(d.to), y(d.arrived));
        let end = if d.lost { "" } else { r#" marker-end="url(#arrow)""# };
        let _ = write!(
            s,
            r#"<line x1="{x0}" y1="{y0}" x2="{x1}" y2="{y1}" stroke="{colour}" stroke-width="1.3"{dash}{end}><title>{text}{lost}</title></line>"#,
            text = escape(&d.text),
            lost = if d.lost { " (lost)" } else { "" },
        );
        if d.lost {
            let _ = write!(s, r#"<text x="{x1}" y="{ty}" text-anchor="middle" fill="{colour}">✗</text>"#, ty = y1 + 4);
        }
    }
    if skip > 0 {
        let _ = write!(
            s,
            r##"<text x="{left}" y="{ty}" fill="#888">({skip} earlier messages not drawn)</text>"##,
            ty = top + height + 20
        );
    }
    s.push_str("</svg>");
    s
}

/// A round tick interval giving 5–12 ticks over `span` µs.
fn tick(span: u64) -> u64 {
    let mut step = 1_000;
    for m in [1, 2, 5].iter().cycle().scan(1_000u64, |base, &k| {
        let v = *base * k;
        if k == 5 {
            *base *= 10;
        }
        Some(v)
    }) {
        step = m;
        if span / m <= 12 {
            break;
        }
    }
    step
}

fn term_colour(term: Term) -> String {
    let hue = (term * 47 + 200) % 360;
    format!("hsl({hue},60%,72%)")
}

fn kind_colour(kind: &str) -> &'static str {
    match kind {
        "RequestVote" | "PreVote" => "#d9480f",
        "RequestVoteReply" | "PreVoteReply" => "#f08c00",
        "AppendEntries" => "#1c6dd0",
        "Heartbeat" => "#74a9e8",
        "AppendEntriesReply" | "HeartbeatReply" => "#2f9e44",
        "InstallSnapshot" | "InstallSnapshotReply" => "#7048e8",
        "TimeoutNow" => "#c2255c",
        _ => "#555",
    }
}

fn escape(t: &str) -> String {
    t.replace('&', "&amp;").replace('<', "&lt;").replace('>', "&gt;").replace('"', "&quot;")
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::{Action, SimConfig};

    #[test]
    fn the_diagram_holds_every_message_of_the_stretch_and_leaves_the_timeline_alone() {
        let mut t = Timeline::new(SimConfig { servers: 3, seed: 5, ..SimConfig::default() }).unwrap();
        t.run_for(600_000);
        t.act(Action::Crash(1)).unwrap();
        t.run_for(600_000);
        let (digest, at) = (t.sim().digest(), t.sim().position());
        let d = t.deliveries(0);
        assert_eq!((t.sim().digest(), t.sim().position()), (digest, at), "untouched");
        // Every delivery the simulator counted, and only those (lost ones included).
        let s = t.sim().stats;
        assert_eq!(d.len() as u64, s.delivered + s.lost);
        assert!(d.iter().any(|m| m.kind == "RequestVote") && d.iter().any(|m| m.kind == "AppendEntries"));
        assert!(d.iter().all(|m| m.sent <= m.arrived));
        // A later window holds the messages that arrived in it.
        let late = t.deliveries(900_000);
        assert!(!late.is_empty() && late.iter().all(|m| m.arrived >= 900_000));
        assert_eq!(late.as_slice(), &d[d.len() - late.len()..]);
        let svg = svg(3, 0, t.sim().time, &d, &t.strip());
        assert!(svg.starts_with("<svg") && svg.ends_with("</svg>"));
        assert_eq!(svg.matches("<line x1").count() - svg.matches("stroke=\"#eee\"").count() - 3, d.len());
        assert!(svg.contains("crashed"), "the crash is drawn");
    }

    #[test]
    fn ticks_are_round() {
        assert_eq!(tick(1_000_000), 100_000);
        assert_eq!(tick(5_000_000), 500_000);
        assert_eq!(tick(12_000), 1_000);
    }
}
