//! GitHub Actions: the step summary and the step outputs of `sizegate check`. The binary reads the
//! environment (`GITHUB_ACTIONS`, `GITHUB_STEP_SUMMARY`, `GITHUB_OUTPUT`, `RUNNER_TEMP`) and hands
//! the paths here; this module only writes to the files they name.

use std::fs::{File, OpenOptions};
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};

use crate::check::CheckReport;
use crate::report::format::json::Json;
use crate::report::format::markdown::Markdown;
use crate::report::format::Render;

/// The files a GitHub Actions step names in its environment.
#[derive(Debug, Clone, Default)]
pub struct Actions {
    /// `$GITHUB_STEP_SUMMARY`: markdown appended to the job's summary page.
    pub step_summary: Option<PathBuf>,
    /// `$GITHUB_OUTPUT`: `key=value` lines that become the step's outputs.
    pub output: Option<PathBuf>,
    /// `$RUNNER_TEMP`: where the JSON report is written when no `--output json=PATH` names one.
    pub runner_temp: Option<PathBuf>,
}

impl Actions {
    /// Appends the markdown summary to the step summary, and the step outputs (`verdict`,
    /// `image-size`, `errors`, `warnings`, `report`) to the output file. `report` is the path of a
    /// JSON report: `json_report` when the run already wrote one, else one written now to
    /// `$RUNNER_TEMP` (or beside the output file), named after this process so that two checks in
    /// one job do not overwrite each other's.
    pub fn publish(&self, report: &CheckReport, json_report: Option<&Path>) -> io::Result<()> {
        if let Some(summary) = &self.step_summary {
            append(summary, |out| Markdown::default().render(report, out))?;
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
            ("image-size", report.image_size().to_string()),
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
pub fn output_line(key: &str, value: &str) -> String {
    if !value.contains(['\n', '\r']) {
        return format!("{key}={value}\n");
    }
    let mut delimiter = String::from("ghadelimiter_sizegate");
    while value.contains(&delimiter) {
        delimiter.push('_');
    }
    format!("{key}<<{delimiter}\n{value}\n{delimiter}\n")
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
