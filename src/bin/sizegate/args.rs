//! Command-line definitions (clap derive), and the writer behind each format of `check`.

use std::path::PathBuf;
use std::str::FromStr;

use clap::{Args, Parser, Subcommand, ValueEnum};
use sizegate::report::format::{self, Render};
use sizegate::report::source_links::SourceLinks;

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
    /// How `docker://` registries are reached.
    #[command(flatten)]
    pub registry: RegistryArgs,
    /// What to do.
    #[command(subcommand)]
    pub command: Command,
}

/// How `docker://` images are fetched, as skopeo's flags of the same names say it.
#[derive(Debug, Args)]
#[command(next_help_heading = "Registries (docker://)")]
pub(crate) struct RegistryArgs {
    /// Check the registry's TLS certificate. `--tls-verify=false` skips the check and allows
    /// plain HTTP (which a registry on localhost or 127.0.0.0/8 gets anyway when HTTPS fails).
    #[arg(
        long,
        value_name = "BOOL",
        global = true,
        env = "SIZEGATE_TLS_VERIFY",
        default_value_t = true,
        action = clap::ArgAction::Set,
        num_args = 0..=1,
        default_missing_value = "true",
        value_parser = clap::builder::BoolishValueParser::new()
    )]
    pub tls_verify: bool,
    /// A directory of CA certificates (`*.crt`, PEM) to trust besides the system's, as
    /// `/etc/containers/certs.d/HOST/` holds them; `SSL_CERT_FILE` replaces the system's.
    #[arg(long, value_name = "DIR", global = true, env = "SIZEGATE_CERT_DIR")]
    pub cert_dir: Option<PathBuf>,
    /// Seconds a registry may take to connect, to answer, or to send the next bytes of an
    /// answer, before the request is retried (a few times) and then given up.
    #[arg(
        long,
        value_name = "SECONDS",
        global = true,
        env = "SIZEGATE_TIMEOUT",
        default_value_t = 30,
        value_parser = clap::value_parser!(u64).range(1..=3600)
    )]
    pub timeout: u64,
}

impl RegistryArgs {
    /// The options of the library.
    pub(crate) fn options(&self) -> sizegate::RegistryOptions {
        sizegate::RegistryOptions {
            tls_verify: self.tls_verify,
            cert_dir: self.cert_dir.clone(),
            timeout: std::time::Duration::from_secs(self.timeout),
        }
    }
}

/// The subcommands.
#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Check the image against a policy: exit 0 when it passes (warnings allowed), 1 when a rule
    /// with severity error fails (see --fail-on), 2 when the check cannot run.
    Check(CheckArgs),
    /// Print a commented starter policy for the image: today's numbers plus headroom.
    Init {
        #[command(flatten)]
        image: ImageArgs,
        /// How far above today's numbers the limits go: `20%`, `20` or `0.2` (a bare number of
        /// 1 or more is a percentage, below 1 a fraction); at most 1000%.
        #[arg(
            long,
            value_name = "PERCENT",
            default_value = "10%",
            allow_hyphen_values = true
        )]
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
    /// Print the shell completion script for SHELL
    /// (`sizegate completions bash > ~/.local/share/bash-completion/completions/sizegate`).
    Completions {
        /// The shell.
        #[arg(value_enum, value_name = "SHELL")]
        shell: clap_complete::Shell,
    },
    /// Print the man page, sizegate(1), in roff (`sizegate man > sizegate.1`).
    Man,
}

/// The arguments of `check`.
#[derive(Debug, Args)]
pub(crate) struct CheckArgs {
    #[command(flatten)]
    pub image: ImageArgs,
    /// The policy file (default: ./sizegate.yml, then ./.sizegate.yml, then a lone ./.dive-ci).
    #[arg(long, value_name = "FILE", env = "SIZEGATE_POLICY")]
    pub policy: Option<PathBuf>,
    /// A dive CI rules file (`.dive-ci`), applied as dive applies it.
    #[arg(long, value_name = "FILE", env = "SIZEGATE_DIVE_CI")]
    pub dive_ci: Option<PathBuf>,
    #[command(flatten)]
    pub dockerfile: DockerfileArgs,
    /// What to print on stdout (on stderr when an `--output F=-` takes stdout).
    #[arg(long, value_enum, default_value_t = CheckFormat::Table, env = "SIZEGATE_FORMAT")]
    pub format: CheckFormat,
    /// Also write format F to the file PATH, or to stdout for `F=-` (`--format` then goes to
    /// stderr); may be repeated, or comma-separated
    /// (`--output sarif=sizegate.sarif,junit=sizegate.xml`).
    #[arg(
        long,
        value_name = "F=PATH",
        env = "SIZEGATE_OUTPUT",
        value_delimiter = ','
    )]
    pub output: Vec<Output>,
    /// The image (or saved JSON report of it) to compare with, usually the main branch's: every
    /// format then shows what changed, and the policy's `baseline:` rules are checked.
    #[arg(long, value_name = "BASE", env = "SIZEGATE_BASELINE")]
    pub baseline: Option<String>,
    /// Which findings fail the check (exit 1): `error` ones, `warning` ones too, or none (exit 0
    /// unless the check cannot run).
    #[arg(long, value_enum, value_name = "WHEN", default_value_t = FailOn::Error, env = "SIZEGATE_FAIL_ON")]
    pub fail_on: FailOn,
    /// Under GitHub Actions (`GITHUB_ACTIONS=true`), do not append the summary to
    /// `$GITHUB_STEP_SUMMARY` nor write the step outputs to `$GITHUB_OUTPUT`.
    #[arg(long)]
    pub no_github: bool,
    /// The SARIF run's category (its `automationDetails.id`), so that two uploads of one workflow
    /// keep their own alerts; default: `sizegate/` and the repositories of the images checked.
    #[arg(long, value_name = "CATEGORY", env = "SIZEGATE_SARIF_CATEGORY")]
    pub sarif_category: Option<String>,
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
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", env = "SIZEGATE_PLATFORM")]
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
    #[command(flatten)]
    pub dockerfile: DockerfileArgs,
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

/// `--fail-on`: which findings fail the check.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum FailOn {
    /// Errors fail; warnings are reported only.
    Error,
    /// Errors and warnings fail.
    Warning,
    /// Nothing fails: findings are reported only.
    Never,
}

impl From<FailOn> for sizegate::FailOn {
    fn from(arg: FailOn) -> sizegate::FailOn {
        match arg {
            FailOn::Error => sizegate::FailOn::Error,
            FailOn::Warning => sizegate::FailOn::Warning,
            FailOn::Never => sizegate::FailOn::Never,
        }
    }
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

/// The Dockerfile that built the image, for `check` and `explain`.
#[derive(Debug, Args)]
pub(crate) struct DockerfileArgs {
    /// The Dockerfile that built the image: findings and savings point at the lines that made
    /// their layers.
    #[arg(long, value_name = "FILE", env = "SIZEGATE_DOCKERFILE")]
    pub dockerfile: Option<PathBuf>,
    /// The stage of the Dockerfile the image was built from (`docker build --target`);
    /// default: the last.
    #[arg(
        long,
        value_name = "STAGE",
        requires = "dockerfile",
        env = "SIZEGATE_TARGET"
    )]
    pub target: Option<String>,
}

/// Which image to read, and which of the images it holds.
#[derive(Debug, Args)]
pub(crate) struct ImageArgs {
    /// A docker-archive or oci-archive tar (optionally gzip/zstd), an OCI layout directory, `-`
    /// for a tar on stdin (`docker save app | sizegate layers -`), `docker://NAME` in a
    /// registry, `docker-daemon:NAME`, `podman:NAME`, or an image name looked up in the daemon.
    #[arg(value_name = "IMAGE")]
    pub source: String,
    /// Only the image with this tag, in an archive that holds several (`app:1.2`, `app`).
    #[arg(long, value_name = "NAME")]
    pub image: Option<String>,
    /// The platform to read from a multi-platform index (default: linux/amd64 when there are
    /// several).
    #[arg(long, value_name = "OS/ARCH[/VARIANT]", env = "SIZEGATE_PLATFORM")]
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
    /// Whether the format lists the files of the image, which a registry image checked from its
    /// manifest alone does not have.
    pub(crate) fn lists_files(self) -> bool {
        matches!(self, CheckFormat::Csv | CheckFormat::Html)
    }
}

/// What the writers of `check` take besides the report, from the arguments and the environment.
#[derive(Debug, Clone, Default)]
pub(crate) struct RenderContext {
    /// `--sarif-category`.
    pub sarif_category: Option<String>,
    /// Where the markdown's places link to (GitHub Actions' server, repository and commit).
    pub links: Option<SourceLinks>,
}

impl CheckFormat {
    /// The name `--format` and `--output` take (`sarif`).
    pub(crate) fn name(self) -> String {
        self.to_possible_value()
            .map(|v| v.get_name().to_string())
            .unwrap_or_default()
    }

    /// The writer of this format; `look` is the colour and width of the table where it goes.
    pub(crate) fn renderer(self, look: Look, context: &RenderContext) -> Box<dyn Render> {
        match self {
            CheckFormat::Table => Box::new(format::table::Table {
                styled: look.colour,
                width: look.width,
            }),
            CheckFormat::Json => Box::new(format::json::Json),
            CheckFormat::Csv => Box::new(format::csv::Csv),
            CheckFormat::Markdown => Box::new(format::markdown::Markdown::with_links(
                context.links.clone(),
            )),
            CheckFormat::Github => Box::new(format::github::Github),
            CheckFormat::Sarif => Box::new(format::sarif::Sarif {
                category: context.sarif_category.clone(),
            }),
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

impl Output {
    /// `F=-`: the format goes to stdout instead of a file.
    pub(crate) fn is_stdout(&self) -> bool {
        self.path.as_os_str() == "-"
    }
}

impl FromStr for Output {
    type Err = String;

    fn from_str(arg: &str) -> Result<Output, String> {
        let names: Vec<String> = CheckFormat::value_variants()
            .iter()
            .filter_map(|f| f.to_possible_value())
            .map(|v| v.get_name().to_string())
            .collect();
        // `SIZEGATE_OUTPUT='json=a.json, sarif=b.sarif'`: the blanks YAML users put after a comma
        // are no part of a format or a path.
        let (format, path) = arg.trim().split_once('=').ok_or_else(|| {
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
