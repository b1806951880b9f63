//! Command-line definitions (clap derive), and the writer behind each format of `check`.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sizegate::report::format::{self, Render};

use crate::ui::{ColorChoice, Look};

/// Keeps container images small: reads a docker-archive, OCI archive or OCI layout and reports
/// what every layer and file costs.
#[derive(Debug, Parser)]
#[command(name = "sizegate", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    /// When to colour: `auto` colours a terminal, unless `NO_COLOR` is set or `TERM=dumb`
    /// (`CLICOLOR_FORCE` colours a pipe too).
    #[arg(
        long,
        value_enum,
        value_name = "WHEN",
        global = true,
        env = "SIZEGATE_COLOR",
        default_value_t = ColorChoice::Auto
    )]
    pub color: ColorChoice,
    /// Print less: `check` prints only its verdict line instead of the table (its report files,
    /// step summary and outputs are still written); no notes, warnings or progress on stderr.
    /// Errors are always printed.
    #[arg(
        short,
        long,
        global = true,
        env = "SIZEGATE_QUIET",
        // `SIZEGATE_QUIET=1` as much as `=true`; empty, `0`, `false`, `no`, `off` are off.
        value_parser = clap::builder::FalseyValueParser::new()
    )]
    pub quiet: bool,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check the image against a policy: exit 0 when it passes (warnings allowed), 1 when a rule
    /// with severity error fails, 2 when the check cannot run.
    Check(CheckArgs),
    /// Print a commented starter policy for the image: today's numbers plus headroom.
    Init {
        #[command(flatten)]
        image: ImageArgs,
        /// How far above today's numbers the limits go (`10%`, `0.1`).
        #[arg(long, value_name = "RATIO", default_value = "10%")]
        headroom: String,
    },
    /// Print the JSON Schema of the policy file, for editors.
    Schema,
    /// One row per layer (size, files, created_by), then the image totals.
    Layers {
        #[command(flatten)]
        image: ImageArgs,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
    /// What grew, shrank, came or went between two images (or a saved JSON report and an image):
    /// the totals, each layer and the paths that changed most. A report, not a gate: exit 0, or 2
    /// when an input cannot be read.
    Diff(DiffArgs),
    /// What could be saved in the image, largest first, each with its evidence and the change that
    /// saves it; then where the final bytes are.
    Explain(ExplainArgs),
    /// Every entry of every layer as CSV: path, type, size, mode, owner, and whether it is visible
    /// at the end or was overwritten or deleted (and by which layer).
    Inventory {
        #[command(flatten)]
        image: ImageArgs,
        /// Where to write the CSV; `-` is stdout.
        #[arg(long, value_name = "PATH|-", default_value = "-")]
        csv: String,
    },
    /// The largest files (or directories) of the final filesystem.
    Top {
        #[command(flatten)]
        image: ImageArgs,
        /// How many rows.
        #[arg(short = 'n', long = "count", default_value_t = 20)]
        count: usize,
        /// Sum file sizes per directory instead of listing files.
        #[arg(long)]
        dirs: bool,
        /// Output format.
        #[arg(long, value_enum, default_value_t = Format::Table)]
        format: Format,
    },
}

/// The arguments of `check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub image: ImageArgs,
    /// The policy file (default: ./sizegate.yml, then ./.sizegate.yml).
    #[arg(long, value_name = "FILE")]
    pub policy: Option<PathBuf>,
    /// A dive CI rules file (`.dive-ci`), applied as dive applies it.
    #[arg(long, value_name = "FILE")]
    pub dive_ci: Option<PathBuf>,
    /// The Dockerfile that built the image: findings point at the line that made their layer.
    #[arg(long, value_name = "FILE")]
    pub dockerfile: Option<PathBuf>,
    /// The stage of the Dockerfile the image was built from (`docker build --target`);
    /// default: the last.
    #[arg(long, value_name = "STAGE", requires = "dockerfile")]
    pub target: Option<String>,
    /// What to print on stdout.
    #[arg(long, value_enum, default_value_t = CheckFormat::Table)]
    pub format: CheckFormat,
    /// Also write format F to the file PATH; may be repeated
    /// (`--output sarif=sizegate.sarif --output junit=sizegate.xml`).
    #[arg(long, value_name = "F=PATH")]
    pub output: Vec<Output>,
    /// The image (or saved JSON report of it) to compare with, usually the main branch's: every
    /// format then shows what changed, and the policy's `baseline:` rules are checked.
    #[arg(long, value_name = "BASE")]
    pub baseline: Option<String>,
    /// Under GitHub Actions (`GITHUB_ACTIONS=true`), do not append the summary to
    /// `$GITHUB_STEP_SUMMARY` nor write the step outputs to `$GITHUB_OUTPUT`.
    #[arg(long)]
    pub no_github: bool,
}

/// The arguments of `diff`.
#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The base: an image (any form IMAGE takes) or a JSON report saved by
    /// `sizegate layers --format json` or `sizegate check --output json=PATH`.
    #[arg(value_name = "BASE")]
    pub base: String,
    /// The new image, or a saved report; `-` (for one of the two) reads an image from stdin.
    #[arg(value_name = "NEW")]
    pub new: String,
    /// Only the image with this tag, on both sides (`app`, `app:1.2`).
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// The platform to read from a multi-platform index, on both sides.
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
    /// How many changed paths to list per image (the rest are counted).
    #[arg(long, value_name = "N", default_value_t = sizegate::CHANGED_PATHS)]
    pub top: usize,
    /// Output format.
    #[arg(long, value_enum, default_value_t = DiffFormat::Table)]
    pub format: DiffFormat,
}

/// The arguments of `explain`.
#[derive(Debug, Args)]
pub(crate) struct ExplainArgs {
    #[command(flatten)]
    pub image: ImageArgs,
    /// The Dockerfile that built the image: savings name the lines that added and removed bytes.
    #[arg(long, value_name = "FILE")]
    pub dockerfile: Option<PathBuf>,
    /// The stage of the Dockerfile the image was built from; default: the last.
    #[arg(long, value_name = "STAGE", requires = "dockerfile")]
    pub target: Option<String>,
    /// Also read the data of files that share their size with another, to find copies of one
    /// file and files added again unchanged (the image must be a file or a layout, not stdin).
    #[arg(long)]
    pub content: bool,
    /// Output format.
    #[arg(long, value_enum, default_value_t = ExplainFormat::Table)]
    pub format: ExplainFormat,
    /// Where to write the output; default: stdout.
    #[arg(short = 'o', long = "output", value_name = "PATH")]
    pub output: Option<PathBuf>,
}

/// Output formats of `explain`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum ExplainFormat {
    /// Tables for people.
    Table,
    /// The versioned JSON contract (see the README).
    Json,
    /// One self-contained HTML page: the layers, a treemap of the final filesystem, the savings.
    Html,
}

/// Output formats of `diff`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum DiffFormat {
    /// Tables for people.
    Table,
    /// The versioned JSON contract (see the README).
    Json,
    /// A summary for a pull-request comment or `$GITHUB_STEP_SUMMARY`.
    Markdown,
}

/// Which image to read, and which of the images it holds.
#[derive(Debug, Args)]
pub(crate) struct ImageArgs {
    /// A docker-archive or oci-archive tar (optionally gzip/zstd), an OCI layout directory, or `-`
    /// for a tar on stdin (`docker save app | sizegate layers -`).
    #[arg(value_name = "IMAGE")]
    pub source: String,
    /// Only the image with this tag, in an archive that holds several (`app:1.2`, `app`).
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// The platform to read from a multi-platform index (default: linux/amd64 when there are
    /// several).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]")]
    pub platform: Option<String>,
}

/// Output formats of `layers` and `top`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A table for people.
    Table,
    /// The versioned JSON contract (see the README).
    Json,
}

/// Output formats of `check`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum CheckFormat {
    /// The rules and findings of each image as tables, then the verdict.
    Table,
    /// The versioned JSON contract (see the README).
    Json,
    /// The inventory of the checked images (the columns of `sizegate inventory`).
    Csv,
    /// A summary for `$GITHUB_STEP_SUMMARY` or a merge-request comment.
    Markdown,
    /// GitHub Actions workflow commands: one annotation per finding.
    Github,
    /// SARIF 2.1.0, for code scanning.
    Sarif,
    /// JUnit XML: one test suite per image, one test case per rule.
    Junit,
    /// GitLab Code Quality JSON.
    Gitlab,
    /// One self-contained HTML page: the layers, a treemap of the final filesystem, the findings.
    Html,
}

impl CheckFormat {
    /// The writer of this format; `look` is the colour and width of the table where it goes.
    pub(crate) fn renderer(self, look: Look) -> Box<dyn Render> {
        match self {
            CheckFormat::Table => Box::new(format::table::Table {
                styled: look.colour,
                width: look.width,
            }),
            CheckFormat::Json => Box::new(format::json::Json),
            CheckFormat::Csv => Box::new(format::csv::Csv),
            CheckFormat::Markdown => Box::new(format::markdown::Markdown::default()),
            CheckFormat::Github => Box::new(format::github::Github),
            CheckFormat::Sarif => Box::new(format::sarif::Sarif),
            CheckFormat::Junit => Box::new(format::junit::Junit),
            CheckFormat::Gitlab => Box::new(format::gitlab::Gitlab),
            CheckFormat::Html => Box::new(format::html::Html),
        }
    }
}

/// `--output F=PATH`: a format and the file it is written to.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Output {
    /// The format.
    pub format: CheckFormat,
    /// The file.
    pub path: PathBuf,
}

impl FromStr for Output {
    type Err = String;

    fn from_str(arg: &str) -> Result<Output, String> {
        let names: Vec<String> = CheckFormat::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        let (format, path) = arg.split_once('=').ok_or_else(|| {
            format!(
                "expected FORMAT=PATH, such as sarif=sizegate.sarif (formats: {})",
                names.join(", ")
            )
        })?;
        if path.is_empty() {
            return Err(format!("no PATH after `{format}=`"));
        }
        let format = CheckFormat::from_str(format, false)
            .map_err(|_| format!("unknown format `{format}` (formats: {})", names.join(", ")))?;
        Ok(Output {
            format,
            path: PathBuf::from(path),
        })
    }
}
