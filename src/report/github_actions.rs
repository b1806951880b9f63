//! GitHub Actions: the step summary and the step outputs of `sizegate check`. The binary reads the
//! environment (`GITHUB_ACTIONS`, `GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`, `RUNNER_TEMP`, and the
//! server, repository and commit the summary links to) and hands them here; this module only
//! writes to the files they name.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Read, Seek, SeekFrom, Write};
use std::path::{Path, PathBuf};

use crate::check::CheckReport;
use crate::report::format::json::Json;
use crate::report::format::markdown::Markdown;
use crate::report::format::Render;
use crate::report::source_links::SourceLinks;

/// The files a GitHub Actions step names in its environment.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    /// `$GITHUB_STEP_SUMMARY`: markdown appended to the job's summary page.
    pub step_summary: Option<PathBuf>,
    /// `$GITHUB_OUTPUT`: `key=value` lines that become the step's outputs.
    pub output: Option<PathBuf>,
    /// `$RUNNER_TEMP`: where the JSON report is written when no `--output json=PATH` names one.
    pub runner_temp: Option<PathBuf>,
    /// Where the summary's places link to (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`,
    /// `GITHUB_SHA`).
    pub links: Option<SourceLinks>,
}

impl Actions {
    /// Appends the markdown summary to the step summary, and the step outputs (`verdict`,
    /// `image-size`, `errors`, `warnings`, `report`) to the output file. `report` is the path of a
    /// JSON report: `json_report` when the run already wrote one, else one written now to
    /// `$RUNNER_TEMP` (or beside the output file), named after this process so that two checks in
    /// one job do not overwrite each other's.
    pub fn publish(&self, report: &CheckReport, json_report: Option<&Path>) -> io::Result<()> {
        if let Some(summary) = &self.step_summary {
            let markdown = Markdown::with_links(self.links.clone());
            let gap = blank_line_before(summary).map_err(|e| at(summary, e))?;
            append(summary, |out| {
                out.write_all(gap.as_bytes())?;
                markdown.render(report, out)
            })?;
        }
        let Some(output) = &self.output else {
            return Ok(());
        };
        let json = match json_report {
            Some(path) => path.to_path_buf(),
            None => {
                let dir = match (&self.runner_temp, output.parent()) {
                    (Some(temp), _) => temp.clone(),
                    (None, Some(parent)) => parent.to_path_buf(),
                    (None, None) => PathBuf::from("."),
                };
                let path = dir.join(format!("sizegate-report-{}.json", std::process::id()));
                let file = File::create(&path).map_err(|e| at(&path, e))?;
                let mut out = BufWriter::new(file);
                Json.render(report, &mut out)
                    .and_then(|()| out.flush())
                    .map_err(|e| at(&path, e))?;
                path
            }
        };
        let json = std::path::absolute(&json).unwrap_or(json);
        let outputs = [
            ("verdict", report.verdict.as_str().to_string()),
            // Empty when an image was checked from its manifest alone: its size is not known.
            (
                "image-size",
                report
                    .image_size()
                    .map(|s| s.to_string())
                    .unwrap_or_default(),
            ),
            ("errors", report.errors.to_string()),
            ("warnings", report.warnings.to_string()),
            ("report", json.display().to_string()),
        ];
        append(output, |out| {
            for (key, value) in &outputs {
                out.write_all(output_line(key, value).as_bytes())?;
            }
            Ok(())
        })
    }
}

/// `key=value\n`, or for a value of several lines the runner's heredoc form
/// (`key<<DELIMITER\nvalue\nDELIMITER\n`).
pub(crate) fn output_line(key: &str, value: &str) -> String {
    if !value.contains(['\n', '\r']) {
        return format!("{key}={value}\n");
    }
    let mut delimiter = String::from("ghadelimiter_sizegate");
    while value.contains(&delimiter) {
        delimiter.push('_');
    }
    format!("{key}<<{delimiter}\n{value}\n{delimiter}\n")
}

/// What ends an earlier step's summary in `path` with a blank line before the report, so that
/// the report's marker starts a block of its own rather than continuing that step's last
/// paragraph or table: `\n\n` after a line left open, `\n` after a closed one, nothing for an
/// empty or missing file.
fn blank_line_before(path: &Path) -> io::Result<&'static str> {
    let mut file = match File::open(path) {
        Ok(file) => file,
        Err(e) if e.kind() == io::ErrorKind::NotFound => return Ok(""),
        Err(e) => return Err(e),
    };
    if file.metadata()?.len() == 0 {
        return Ok("");
    }
    file.seek(SeekFrom::End(-1))?;
    let mut last = [0u8; 1];
    file.read_exact(&mut last)?;
    Ok(if last[0] == b'\n' { "\n" } else { "\n\n" })
}

/// Appends to `path` (creating it), as the runner expects of its command files.
fn append(path: &Path, write: impl FnOnce(&mut dyn Write) -> io::Result<()>) -> io::Result<()> {
    let file = OpenOptions::new()
        .create(true)
        .append(true)
        .open(path)
        .map_err(|e| at(path, e))?;
    let mut out = BufWriter::new(file);
    write(&mut out)
        .and_then(|()| out.flush())
        .map_err(|e| at(path, e))
}

/// The error, naming the file.
fn at(path: &Path, e: io::Error) -> io::Error {
    io::Error::new(e.kind(), format!("{}: {e}", path.display()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_report_is_set_apart_from_what_earlier_steps_wrote() {
        let dir = tempfile::tempdir().expect("temp dir");
        let path = dir.path().join("summary.md");
        assert_eq!(blank_line_before(&path).ok(), Some(""), "no file yet");
        for (earlier, gap) in [("", ""), ("| a | b |\n", "\n"), ("| a | b |", "\n\n")] {
            std::fs::write(&path, earlier).expect("written");
            assert_eq!(blank_line_before(&path).ok(), Some(gap), "{earlier:?}");
        }
    }

    #[test]
    fn outputs_are_key_value_lines_or_heredocs() {
        assert_eq!(output_line("errors", "3"), "errors=3\n");
        assert_eq!(
            output_line("report", "a\nb"),
            "report<<ghadelimiter_sizegate\na\nb\nghadelimiter_sizegate\n"
        );
        assert_eq!(
            output_line("x", "ghadelimiter_sizegate\n"),
            "x<<ghadelimiter_sizegate_\nghadelimiter_sizegate\n\nghadelimiter_sizegate_\n"
        );
    }
}
