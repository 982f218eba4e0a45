//! The datadriven transcript format, after etcd raft's and CockroachDB's datadriven tests and
//! toyDB's goldenscripts: every command, a separator, what the command printed, a blank line.
//!
//! ```text
//! # Comments belong to the command below them.
//! campaign 1
//! ----
//! S1 follower→candidate t2
//! send S1→S2 RequestVote t2 last=1@1
//!
//! status
//! ----
//! ```
//! An output holding a blank line is fenced by a doubled separator (`----`, `----`, the output,
//! `----`, `----`). The scenario transcripts (`tests/scenarios/*.golden`) and the node-level traces
//! (`tests/traces/*.txt`) are both in this form; [`first_difference`] reports a mismatch.

/// One command and what it printed.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Block {
    /// The comment lines above the command, as written.
    pub comments: Vec<String>,
    /// The command line, as written (an inline `# comment` included).
    pub command: String,
    /// Its line number in the text it was read from (1-based; 0 when made, not read).
    pub line: usize,
    /// What it printed, each line ending in `\n`. `None`: read from a file that gives no output
    /// (no separator under the command), as in a trace being written.
    pub output: Option<String>,
}

/// A whole transcript: its blocks, and comment lines after the last command.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Transcript {
    pub blocks: Vec<Block>,
    pub trailing: Vec<String>,
}

const SEPARATOR: &str = "----";

fn blank(line: &str) -> bool {
    line.trim().is_empty()
}

impl Transcript {
    /// Read a transcript. Lines starting with `#` are comments; every other non-blank line is a
    /// command, followed by `----` and its output if it has one.
    pub fn parse(text: &str) -> Result<Transcript, String> {
        let lines: Vec<&str> = text.lines().collect();
        let mut t = Transcript::default();
        let mut comments = Vec::new();
        let mut i = 0;
        while i < lines.len() {
            let l = lines[i];
            if blank(l) {
                i += 1;
                continue;
            }
            if l.trim_start().starts_with('#') {
                comments.push(l.to_string());
                i += 1;
                continue;
            }
            if l == SEPARATOR {
                return Err(format!("line {}: `{SEPARATOR}` with no command above it", i + 1));
            }
            let line = i + 1;
            i += 1;
            let mut output = None;
            if lines.get(i) == Some(&SEPARATOR) {
                i += 1;
                let mut out = String::new();
                if lines.get(i) == Some(&SEPARATOR) {
                    // Fenced: up to the doubled separator.
                    i += 1;
                    loop {
                        match (lines.get(i), lines.get(i + 1)) {
                            (Some(&SEPARATOR), Some(&SEPARATOR)) => break,
                            (Some(l), _) => out.push_str(l),
                            (None, _) => {
                                return Err(format!(
                                    "line {line}: the output fenced by `{SEPARATOR}` `{SEPARATOR}` never ends"
                                ))
                            }
                        }
                        out.push('\n');
                        i += 1;
                    }
                    i += 2;
                } else {
                    while let Some(l) = lines.get(i).filter(|l| !blank(l)) {
                        out.push_str(l);
                        out.push('\n');
                        i += 1;
                    }
                }
                output = Some(out);
            }
            t.blocks.push(Block {
                comments: std::mem::take(&mut comments),
                command: l.trim().to_string(),
                line,
                output,
            });
        }
        t.trailing = comments;
        Ok(t)
    }

    /// The transcript as text ([`Transcript::parse`] reads it back).
    pub fn render(&self) -> String {
        let mut s = String::new();
        for (k, b) in self.blocks.iter().enumerate() {
            if k > 0 {
                s.push('\n');
            }
            for c in &b.comments {
                s.push_str(c);
                s.push('\n');
            }
            s.push_str(&b.command);
            s.push('\n');
            s.push_str(SEPARATOR);
            s.push('\n');
            let out = b.output.as_deref().unwrap_or("");
            if out.lines().any(blank) {
                s.push_str(SEPARATOR);
                s.push('\n');
                s.push_str(out);
                s.push_str(SEPARATOR);
                s.push('\n');
                s.push_str(SEPARATOR);
                s.push('\n');
            } else {
                s.push_str(out);
            }
        }
        if !self.trailing.is_empty() {
            s.push('\n');
            for c in &self.trailing {
                s.push_str(c);
                s.push('\n');
            }
        }
        s
    }
}

/// Compare a transcript as expected (`want`, the file's text) with one as it came out (`got`):
/// `None` if they are the same text, else the first command block that differs, with a line diff
/// of its output (`-` expected, `+` got).
pub fn first_difference(want: &str, got: &str) -> Option<String> {
    if want == got {
        return None;
    }
    let (w, g) = match (Transcript::parse(want), Transcript::parse(got)) {
        (Ok(w), Ok(g)) => (w, g),
        (Err(e), _) | (_, Err(e)) => return Some(format!("unreadable transcript: {e}")),
    };
    for k in 0..w.blocks.len().max(g.blocks.len()) {
        let (a, b) = (w.blocks.get(k), g.blocks.get(k));
        let (a, b) = match (a, b) {
            (Some(a), Some(b)) if (&a.comments, &a.command, &a.output) == (&b.comments, &b.command, &b.output) => {
                continue
            }
            (Some(a), Some(b)) => (a, b),
            (Some(a), None) => {
                return Some(format!(
                    "block {} (line {}) `{}`: expected, but the run ended before it",
                    k + 1,
                    a.line,
                    a.command
                ))
            }
            (None, Some(b)) => {
                return Some(format!("block {} `{}`: the run went on past the expected end", k + 1, b.command))
            }
            (None, None) => unreachable!(),
        };
        let head = format!("first difference in block {} (line {}) `{}`", k + 1, a.line, a.command);
        if a.command != b.command || a.comments != b.comments {
            let was: Vec<&str> = a.comments.iter().map(String::as_str).chain([a.command.as_str()]).collect();
            let is: Vec<&str> = b.comments.iter().map(String::as_str).chain([b.command.as_str()]).collect();
            return Some(format!("{head}: the command differs\n{}", diff(&was, &is)));
        }
        let Some(want_out) = &a.output else {
            return Some(format!("{head}: no expected output (write it with UPDATE_GOLDEN=1)"));
        };
        let got_out = b.output.as_deref().unwrap_or("");
        let (x, y): (Vec<&str>, Vec<&str>) = (want_out.lines().collect(), got_out.lines().collect());
        return Some(format!("{head}: the output differs (- expected, + got)\n{}", diff(&x, &y)));
    }
    if w.trailing != g.trailing {
        return Some("the comments after the last command differ".into());
    }
    Some("the transcripts differ in layout only (blank lines or fences): rewrite with UPDATE_GOLDEN=1".into())
}

/// Most lines a diff shows.
const DIFF_LINES: usize = 60;

/// A line diff (longest common subsequence) with two lines of context around each change.
fn diff(a: &[&str], b: &[&str]) -> String {
    // Trim the common prefix and suffix; the table is only for the middle.
    let pre = a.iter().zip(b).take_while(|(x, y)| x == y).count();
    let suf = a[pre..].iter().rev().zip(b[pre..].iter().rev()).take_while(|(x, y)| x == y).count();
    let (am, bm) = (&a[pre..a.len() - suf], &b[pre..b.len() - suf]);
    let mut ops: Vec<(char, &str)> = a[..pre].iter().map(|l| (' ', *l)).collect();
    if am.len() * bm.len() <= 4_000_000 {
        // lcs[i][j]: the longest common subsequence of am[i..] and bm[j..].
        let w = bm.len() + 1;
        let mut lcs = vec![0u32; (am.len() + 1) * w];
        for i in (0..am.len()).rev() {
            for j in (0..bm.len()).rev() {
                lcs[i * w + j] = if am[i] == bm[j] {
                    lcs[(i + 1) * w + j + 1] + 1
                } else {
                    lcs[(i + 1) * w + j].max(lcs[i * w + j + 1])
                };
            }
        }
        let (mut i, mut j) = (0, 0);
        while i < am.len() || j < bm.len() {
            if i < am.len() && j < bm.len() && am[i] == bm[j] {
                ops.push((' ', am[i]));
                (i, j) = (i + 1, j + 1);
            } else if i < am.len() && (j == bm.len() || lcs[(i + 1) * w + j] >= lcs[i * w + j + 1]) {
                ops.push(('-', am[i]));
                i += 1;
            } else {
                ops.push(('+', bm[j]));
                j += 1;
            }
        }
    } else {
        ops.extend(am.iter().map(|l| ('-', *l)));
        ops.extend(bm.iter().map(|l| ('+', *l)));
    }
    ops.extend(a[a.len() - suf..].iter().map(|l| (' ', *l)));
    let near = |k: usize| ops[k.saturating_sub(2)..(k + 3).min(ops.len())].iter().any(|(c, _)| *c != ' ');
    let mut out = String::new();
    let (mut shown, mut skipped) = (0, false);
    for (k, (c, l)) in ops.iter().enumerate() {
        if !near(k) {
            skipped = true;
            continue;
        }
        if shown == DIFF_LINES {
            out.push_str("  …\n");
            break;
        }
        if skipped && shown > 0 {
            out.push_str("  …\n");
        }
        skipped = false;
        shown += 1;
        out.push(*c);
        out.push(' ');
        out.push_str(l);
        out.push('\n');
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_transcript_reads_back_from_its_text() {
        let t = Transcript {
            blocks: vec![
                Block {
                    comments: vec!["# two lines".into()],
                    command: "run 1s".into(),
                    line: 0,
                    output: Some("a\nb\n".into()),
                },
                Block { comments: vec![], command: "show".into(), line: 0, output: Some(String::new()) },
                Block { comments: vec![], command: "gap".into(), line: 0, output: Some("x\n\ny\n".into()) },
            ],
            trailing: vec!["# the end".into()],
        };
        let text = t.render();
        assert!(text.contains("run 1s\n----\na\nb\n\nshow\n----\n\ngap\n----\n----\nx\n\ny\n----\n----\n"), "{text}");
        let back = Transcript::parse(&text).unwrap();
        assert_eq!(back.blocks.iter().map(|b| b.line).collect::<Vec<_>>(), [2, 7, 10]);
        let strip = |t: Transcript| t.blocks.into_iter().map(|b| (b.comments, b.command, b.output)).collect::<Vec<_>>();
        assert_eq!(strip(back.clone()), strip(t.clone()));
        assert_eq!(back.trailing, t.trailing);
    }

    #[test]
    fn commands_without_output_are_read_as_such() {
        let t = Transcript::parse("cluster 3\ncampaign 1\n----\nx\n").unwrap();
        assert_eq!(t.blocks[0].output, None);
        assert_eq!(t.blocks[1].output.as_deref(), Some("x\n"));
        assert!(Transcript::parse("----\n").unwrap_err().starts_with("line 1"));
        assert!(Transcript::parse("a\n----\n----\nx\n").unwrap_err().contains("never ends"));
    }

    #[test]
    fn a_mismatch_names_the_first_differing_block_and_diffs_its_output() {
        let want = "config\n----\n\nrun 1s\n----\nS1 one\nS2 two\nS3 three\n\nshow\n----\nz\n";
        let got = "config\n----\n\nrun 1s\n----\nS1 one\nS2 TWO\nS3 three\n\nshow\n----\nq\n";
        assert_eq!(first_difference(want, want), None);
        let d = first_difference(want, got).unwrap();
        assert!(d.starts_with("first difference in block 2 (line 4) `run 1s`: the output differs"), "{d}");
        assert!(d.contains("\n  S1 one\n- S2 two\n+ S2 TWO\n  S3 three\n"), "{d}");
        assert!(!d.contains('z'), "only the first differing block: {d}");
        let d = first_difference(want, "config\n----\n\nrun 2s\n----\n").unwrap();
        assert!(d.contains("the command differs\n- run 1s\n+ run 2s"), "{d}");
        let d = first_difference(want, "config\n----\n\nrun 1s\n----\nS1 one\nS2 two\nS3 three\n").unwrap();
        assert!(d.contains("block 3 (line 10) `show`: expected, but the run ended"), "{d}");
    }
}
