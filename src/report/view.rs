//! What the outputs for people show alike, worked out once: the row of each rule with its
//! findings, the lines of a finding, the layer and the place it points at. The table, markdown,
//! JUnit, workflow-command and SARIF formats differ in how they mark these up, not in what they say.
//!
//! What these helpers return is already [`printable`]: every tag, platform, path, build
//! instruction, reason and file name in it is escaped here, once, so that no format can print
//! one raw (a tag holding a line break and `::error …` would otherwise forge an annotation in a
//! GitHub log, and ESC sequences would reach the terminal).

use crate::analysis::summary::ImageSummary;
use crate::analysis::waste::How;
use crate::check::{CheckReport, Finding, ImageCheck, Location, Outcome, RuleResult, SourceRow};
use crate::report::diff::{layer_status, path_cell};
use crate::report::fit::{cut_middle, Heading};
use crate::text::printable;
use crate::units::{human_size, Measure};

/// One rule as the rules tables show it, with the findings it gave.
pub(crate) struct RuleRow<'a> {
    /// The rule's result.
    pub rule: &'a RuleResult,
    /// The actual value and the detail: `12 MB (largest: layer 3 of 4 selected)`, or `n/a`.
    pub actual: String,
    /// The limit, or `none`.
    pub limit: String,
    /// The findings, in the order the rule gave them.
    pub findings: Vec<&'a Finding>,
}

impl RuleRow<'_> {
    /// How the rule came out.
    pub(crate) fn outcome(&self) -> Outcome {
        self.rule.status
    }
}

/// Every rule checked on an image, in policy order, each with its findings.
pub(crate) fn rule_rows(check: &ImageCheck) -> Vec<RuleRow<'_>> {
    check
        .rules
        .iter()
        .map(|r| RuleRow {
            rule: r,
            actual: match (&r.actual, &r.detail) {
                (Some(a), Some(d)) => format!("{a} ({d})"),
                (Some(a), None) => a.to_string(),
                (None, Some(d)) => d.clone(),
                (None, None) => "n/a".into(),
            },
            limit: r.limit.map_or_else(|| "none".into(), |l| l.to_string()),
            findings: check.findings_of(r).collect(),
        })
        .collect()
}

/// Waste sources the outputs for people show under a finding, the largest first; the JSON lists
/// more.
pub(crate) const SHOWN_SOURCES: usize = 5;

/// Columns of a path a finding shows (found, or a waste source's), cut in the middle (the file
/// name stays): a path may be 64 KiB long, and a GitHub annotation's message must stay well
/// under its 64 KB.
const PATH_WIDTH: usize = 400;

/// The text of a finding, escaped: sizegate's words (the message, the reason, the fix), then the
/// image's (the paths found and the sources of waste, which a format may have to mark up
/// differently).
pub(crate) struct FindingLines {
    /// The message, then `reason: …` and `fix: …` when the rule has them.
    pub words: Vec<String>,
    /// `  /path (size, layer N)` per listed path, then `  … and N more`.
    pub paths: Vec<String>,
    /// Per waste source shown, `  150 kB /tmp/wheels (2 files): added by layer 2
    /// (Dockerfile:3), deleted by layer 8 (Dockerfile:9)` and `    fix: …`; then
    /// `  … and N more sources`; each with where its path is in it (byte offsets), when it has
    /// one, so that a table can keep the path on one line and cut it rather than wrap it.
    pub sources: Vec<(String, Option<(usize, usize)>)>,
}

impl FindingLines {
    /// The lines of `f`.
    pub(crate) fn of(f: &Finding) -> FindingLines {
        // The message quotes the policy's globs.
        let mut words = vec![printable(&f.message).into_owned()];
        if let Some(reason) = &f.reason {
            let mut lines = reason_lines(reason).into_iter();
            let first = lines.next().unwrap_or_default();
            words.push(format!("reason: {first}"));
            words.extend(lines);
        }
        if let Some(hint) = &f.hint {
            words.push(format!("fix: {}", printable(hint)));
        }
        let mut paths: Vec<String> = f
            .paths
            .iter()
            .map(|p| {
                let path = cut_middle(&printable(&p.path), PATH_WIDTH);
                format!("  {path} ({}, layer {})", human_size(p.size), p.layer)
            })
            .collect();
        if f.more_paths > 0 {
            paths.push(format!("  … and {} more", f.more_paths));
        }
        paths.extend(grew_lines(f));
        let (shown, more) = source_lines(f);
        let mut sources = Vec::new();
        for s in shown {
            let line = format!("  {}", s.evidence(|t| t.to_string()));
            // Where `evidence` put the path: the one place it is written, found, not counted.
            let start = line.find(&format!(" {} (", s.path)).map(|at| at + 1);
            sources.push((line, start.map(|start| (start, start + s.path.len()))));
            if let Some(fix) = s.fix {
                sources.push((format!("    fix: {fix}"), None));
            }
        }
        if more > 0 {
            let line = format!("  … and {more} more source{}", plural(more as u64));
            sources.push((line, None));
        }
        FindingLines {
            words,
            paths,
            sources,
        }
    }

    /// Every line: the words, the paths, then the sources.
    pub(crate) fn all(self) -> Vec<String> {
        let mut lines = self.words;
        lines.extend(self.paths);
        lines.extend(self.sources.into_iter().map(|(line, _)| line));
        lines
    }
}

/// A source of wasted bytes as people read it, escaped: what and where, then the fix.
pub(crate) struct SourceLine {
    /// `150 kB`.
    pub size: String,
    /// The file or directory.
    pub path: String,
    /// Files in it.
    pub files: u64,
    /// The layer that added the bytes.
    pub added: usize,
    /// How the bytes went, and the layer that removed them.
    pub removed: (How, usize),
    /// The change that would spare them, when there is one.
    pub fix: Option<String>,
    /// The Dockerfile lines that made the layers of `added` and `removed`, when known.
    pub places: [Option<Location>; 2],
}

impl SourceLine {
    /// `150 kB /tmp/wheels (2 files): added by layer 2 (Dockerfile:3), deleted by layer 8
    /// (Dockerfile:9)`, with `mark` applied to the path and the places (a markdown code span).
    pub(crate) fn evidence(&self, mark: impl Fn(&str) -> String) -> String {
        self.evidence_placed(&mark, |place, _| mark(place))
    }

    /// [`Self::evidence`], with `place` marking each Dockerfile line instead, given its text and
    /// where it is (so that markdown can link it to the file).
    pub(crate) fn evidence_placed(
        &self,
        mark: impl Fn(&str) -> String,
        place: impl Fn(&str, Option<&Location>) -> String,
    ) -> String {
        let at = |location: &Option<Location>| {
            location
                .as_ref()
                .map(|l| format!(" ({})", place(&printable(&l.file_line()), Some(l))))
                .unwrap_or_default()
        };
        let (how, removed) = self.removed;
        format!(
            "{} {} ({} file{}): added by layer {}{}, {} by layer {removed}{}",
            self.size,
            mark(&self.path),
            self.files,
            plural(self.files),
            self.added,
            at(&self.places[0]),
            removed_as(how),
            at(&self.places[1]),
        )
    }

    /// What one layer did to the bytes, for a note on its Dockerfile line: `added /tmp/wheels
    /// (150 kB), deleted by layer 8` for the layer that added them (`added`), else `deleted
    /// /tmp/wheels (150 kB), added by layer 2`.
    pub(crate) fn as_seen_by(&self, added: bool) -> String {
        let (how, removed) = self.removed;
        let (path, size) = (&self.path, &self.size);
        match added {
            true => format!(
                "added {path} ({size}), {} by layer {removed}",
                removed_as(how)
            ),
            false => format!(
                "{} {path} ({size}), added by layer {}",
                removed_by(how),
                self.added
            ),
        }
    }
}

/// The first waste sources of a finding ([`SHOWN_SOURCES`]), and how many more it has.
pub(crate) fn source_lines(f: &Finding) -> (Vec<SourceLine>, usize) {
    let Some(waste) = &f.waste else {
        return (Vec::new(), 0);
    };
    let line = |s: &SourceRow| SourceLine {
        size: human_size(s.bytes),
        path: cut_middle(&printable(&s.path), PATH_WIDTH),
        files: s.files,
        added: s.added_layer,
        removed: (s.how, s.removed_layer),
        fix: s.hint.as_deref().map(|h| printable(h).into_owned()),
        places: [s.added_by.clone(), s.removed_by.clone()],
    };
    let shown: Vec<SourceLine> = waste.sources.iter().take(SHOWN_SOURCES).map(line).collect();
    let more = waste.sources.len() - shown.len() + waste.more_sources;
    (shown, more)
}

/// How bytes went, said of them: `deleted` (a whiteout), `overwritten`, `emptied` (an opaque
/// directory).
fn removed_as(how: How) -> &'static str {
    match how {
        How::Deleted => "deleted",
        How::Overwritten => "overwritten",
        How::Opaque => "emptied",
    }
}

/// How bytes went, said of the layer that removed them: `deleted`, `overwrote`, `emptied`.
fn removed_by(how: How) -> &'static str {
    match how {
        How::Overwritten => "overwrote",
        _ => removed_as(how),
    }
}

/// `s` after a count that is not 1.
fn plural(n: u64) -> &'static str {
    if n == 1 {
        ""
    } else {
        "s"
    }
}

/// For a growth finding, what grew most: `  layer 3 (added, +5 kB): RUN … (Dockerfile:7)` per
/// layer, then `  /opt/extra/blob.bin (added, +5 kB)` per path.
fn grew_lines(f: &Finding) -> Vec<String> {
    let Some(grew) = &f.grew else {
        return Vec::new();
    };
    let layers = grew.layers.iter().map(|l| {
        let c = &l.change;
        let index = c.new_index.map_or_else(String::new, |i| format!(" {i}"));
        let dockerfile = l
            .dockerfile
            .as_ref()
            .map(|loc| format!(" ({})", printable(&loc.file_line())))
            .unwrap_or_default();
        format!(
            "  layer{index} ({}, {}): {}{dockerfile}",
            layer_status(c),
            Measure::ByteChange(c.size_delta),
            created_by(c.created_by.as_deref())
        )
    });
    let paths = grew.paths.iter().map(|p| {
        format!(
            "  {} ({}, {})",
            path_cell(p),
            p.status.as_str(),
            Measure::ByteChange(p.delta)
        )
    });
    layers.chain(paths).collect()
}

/// The rules skipped on one image, for the formats that show findings rather than rules (SARIF,
/// Code Quality, workflow commands): one note per image, so that a policy's five `baseline:`
/// rules make one note, not five.
pub(crate) struct SkippedNote<'a> {
    /// The image's place in the report's list of images.
    pub index: usize,
    /// The image, as the archive names it (not escaped: the formats escape it as they show it).
    pub image: &'a str,
    /// Where the first skipped rule is written; the note points there.
    pub location: Option<&'a Location>,
    /// `2 rules skipped (no --baseline given): baseline.max_growth, baseline.max_new_files`,
    /// escaped.
    pub message: String,
}

/// A note for every image with skipped rules, in image order.
pub(crate) fn skipped_notes(report: &CheckReport) -> Vec<SkippedNote<'_>> {
    report
        .images
        .iter()
        .enumerate()
        .filter_map(|(index, check)| {
            let skipped: Vec<&RuleResult> = check
                .rules
                .iter()
                .filter(|r| r.status == Outcome::Skipped)
                .collect();
            let first = skipped.first()?;
            let why = |r: &RuleResult| r.detail.clone().unwrap_or_default();
            let mut reasons: Vec<String> = skipped.iter().map(|r| why(r)).collect();
            reasons.dedup();
            let n = skipped.len();
            let count = format!("{n} rule{} skipped", if n == 1 { "" } else { "s" });
            let message = match reasons.as_slice() {
                [one] => {
                    let names: Vec<&str> = skipped.iter().map(|r| r.rule.as_str()).collect();
                    format!("{count} ({one}): {}", names.join(", "))
                }
                _ => {
                    let each: Vec<String> = skipped
                        .iter()
                        .map(|r| format!("{} ({})", r.rule, why(r)))
                        .collect();
                    format!("{count}: {}", each.join(", "))
                }
            };
            Some(SkippedNote {
                index,
                image: &check.summary.name,
                location: first.location.as_ref(),
                message: printable(&message).into_owned(),
            })
        })
        .collect()
}

/// A policy's `reason`, line by line as its author wrote it (a YAML block may run over several),
/// each line escaped: a line break in it stays one, but no line can start a CI command.
pub(crate) fn reason_lines(reason: &str) -> Vec<String> {
    reason.lines().map(|l| printable(l).into_owned()).collect()
}

/// `layer 1: COPY …` for a finding about a layer.
pub(crate) fn layer_line(f: &Finding) -> Option<String> {
    f.layer
        .map(|layer| format!("layer {layer}: {}", created_by(f.created_by.as_deref())))
}

/// A layer's build instruction as people read it: trimmed and escaped, `(unknown)` when the
/// history does not say.
pub(crate) fn created_by(created_by: Option<&str>) -> String {
    printable(created_by.unwrap_or("(unknown)").trim()).into_owned()
}

/// A place in the policy or the Dockerfile, `sizegate.yml:3:13`, as people read it (the file name
/// is the user's, and escaped).
pub(crate) fn place_text(loc: &Location) -> String {
    printable(&loc.to_string()).into_owned()
}

/// Where a finding is shown: the Dockerfile line that made its layer when known, else the rule in
/// the policy; `None` when neither is known.
pub(crate) fn place(finding: &Finding) -> Option<&Location> {
    finding.dockerfile.as_ref().or(finding.location.as_ref())
}

/// An image's name, with its platform when the archive says: `app:1 (linux/amd64)`. Both come
/// from the archive, are escaped, and are cut in the middle when the heading is fitted to a log
/// too narrow for them.
pub(crate) fn image_title(image: &ImageSummary) -> Heading {
    let title = Heading::default().name(printable(&image.name));
    match &image.platform {
        Some(p) => title.words(" (").name(printable(p)).words(")"),
        None => title,
    }
}

#[cfg(test)]
pub(crate) mod tests {
    use super::*;
    use crate::check::tests::{finding, report, rule};
    use crate::check::{Code, PathHit, Sources};
    use crate::severity::Severity;

    /// A source of 1.5 kB emptied by layer 2, added by layer 1 at `Dockerfile:3`.
    pub(crate) fn source_row(path: &str, hint: Option<&str>) -> SourceRow {
        SourceRow {
            path: path.into(),
            bytes: 1500,
            files: 1,
            how: How::Opaque,
            added_layer: 1,
            removed_layer: 2,
            added_by: Some(Location {
                file: "Dockerfile".into(),
                line: 3,
                column: 1,
            }),
            removed_by: None,
            hint: hint.map(str::to_string),
        }
    }

    #[test]
    fn a_found_path_is_cut_in_the_middle_as_a_source_s_is() {
        let mut f = finding(Code::ForbiddenPath, Severity::Error, "paths", "found");
        f.paths = vec![PathHit {
            path: format!("/{}/app.bin", "d".repeat(70_000)),
            size: 10,
            layer: 2,
            created_by: None,
        }];
        let lines = FindingLines::of(&f);
        let line = &lines.paths[0];
        assert!(line.ends_with("app.bin (10 B, layer 2)"), "{line}");
        assert!(line.chars().count() < PATH_WIDTH + 40, "{}", line.len());
    }

    #[test]
    fn five_sources_are_shown_escaped_and_the_rest_counted() {
        let mut f = finding(Code::TooMuchWaste, Severity::Error, "image.max_wasted", "w");
        let long = format!("/{}", "x".repeat(1000));
        let mut sources = vec![source_row("/srv/\x1b[31mconf", Some("do it\n::error::"))];
        sources.extend((0..6).map(|_| source_row(&long, None)));
        f.waste = Some(Sources {
            sources,
            more_sources: 3,
        });
        let (shown, more) = source_lines(&f);
        assert_eq!((shown.len(), more), (5, 5));
        assert_eq!(
            shown[0].evidence(|t| format!("<{t}>")),
            "1.50 kB </srv/\\u{1b}[31mconf> (1 file): added by layer 1 (<Dockerfile:3>), emptied by layer 2"
        );
        assert_eq!(shown[0].fix.as_deref(), Some("do it\\n::error::"));
        assert_eq!(shown[1].path.chars().count(), 400, "a long path is cut");
        assert_eq!(
            shown[0].as_seen_by(false),
            "emptied /srv/\\u{1b}[31mconf (1.50 kB), added by layer 1"
        );
        let lines = FindingLines::of(&f);
        let (first, span) = &lines.sources[0];
        let (start, end) = span.expect("a source line holds its path");
        assert_eq!(&first[start..end], "/srv/\\u{1b}[31mconf");
        assert_eq!(lines.sources[1].1, None, "a fix holds none");
        let lines: Vec<String> = lines.sources.into_iter().map(|(l, _)| l).collect();
        assert_eq!(lines[1], "    fix: do it\\n::error::");
        assert_eq!(
            lines.last().map(String::as_str),
            Some("  … and 5 more sources")
        );
    }

    #[test]
    fn a_long_source_path_keeps_its_file_name() {
        let mut f = finding(Code::TooMuchWaste, Severity::Error, "image.max_wasted", "w");
        let deep = format!("/opt/{}libfoo.so.1", "a-long-directory/".repeat(60));
        f.waste = Some(Sources {
            sources: vec![source_row(&deep, None)],
            more_sources: 0,
        });
        let (shown, _) = source_lines(&f);
        assert!(shown[0].path.chars().count() <= PATH_WIDTH);
        assert!(shown[0].path.starts_with("/opt/a-long-directory/"));
        assert!(
            shown[0].path.ends_with("/…/libfoo.so.1"),
            "{}",
            shown[0].path
        );
    }

    #[test]
    fn rows_carry_their_rules_findings_and_cells() {
        let rules = vec![
            rule("image.max_size", Outcome::Error),
            rule("layers[0]", Outcome::Pass),
            rule("layers[1]", Outcome::Error),
        ];
        let f1 = finding(Code::ImageTooLarge, Severity::Error, "image.max_size", "1");
        let f2 = finding(Code::LayerOverBudget, Severity::Error, "layers[1]", "2");
        let f3 = finding(Code::LayerTooManyFiles, Severity::Error, "layers[1]", "3");
        let r = report(rules, vec![f1, f2, f3]);
        let rows = rule_rows(&r.images[0]);
        let grouped: Vec<(&str, Vec<&str>)> = rows
            .iter()
            .map(|row| {
                let found = row.findings.iter().map(|f| f.message.as_str()).collect();
                (row.rule.rule.as_str(), found)
            })
            .collect();
        assert_eq!(
            grouped,
            [
                ("image.max_size", vec!["1"]),
                ("layers[0]", vec![]),
                ("layers[1]", vec!["2", "3"])
            ]
        );
        assert_eq!(
            (rows[0].actual.as_str(), rows[0].limit.as_str()),
            ("2 kB", "1 kB")
        );
    }

    #[test]
    fn details_list_reason_fix_and_paths() {
        let mut f = finding(
            Code::ForbiddenPath,
            Severity::Warn,
            "forbid[0]",
            "1 forbidden path",
        );
        f.reason = Some("no keys".into());
        f.hint = Some("delete it".into());
        f.paths = vec![PathHit {
            path: "/k.pem".into(),
            size: 1000,
            layer: 2,
            created_by: None,
        }];
        f.more_paths = 3;
        assert_eq!(
            FindingLines::of(&f).all(),
            [
                "1 forbidden path",
                "reason: no keys",
                "fix: delete it",
                "  /k.pem (1 kB, layer 2)",
                "  … and 3 more"
            ]
        );
    }
}
