//! The `sizegate` binary: parses arguments, calls the library, prints, and maps the outcome to an
//! exit code: 0 done (the policy passed), 1 the policy was violated, 2 could not run.

mod args;
mod progress;

use std::fs::File;
use std::io::{self, BufWriter, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use args::{CheckFormat, Cli, Command, Format, ImageArgs};
use sizegate::analysis::summary::ImageSummary;
use sizegate::analysis::{analyze, top};
use sizegate::dockerfile::Dockerfile;
use sizegate::policy::{dive_ci, schema, Policy, PolicyErrors};
use sizegate::report;
use sizegate::report::format::{self as formats, CheckReport, Render, Verdict};
use sizegate::report::github_actions::Actions;
use sizegate::source::{self, ImageSource, Loaded, Selection};
use sizegate::units::parse_ratio;

/// The policy was violated: a rule with severity error failed.
const EXIT_VIOLATION: u8 = 1;
/// The run could not be done: bad arguments, unreadable or malformed image, invalid policy.
const EXIT_ERROR: u8 = 2;

/// The policy files looked for when `check` is given none.
const DEFAULT_POLICIES: [&str; 2] = ["sizegate.yml", ".sizegate.yml"];

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(Verdict::Pass) => ExitCode::SUCCESS,
        Ok(Verdict::Fail) => ExitCode::from(EXIT_VIOLATION),
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            match e.downcast_ref::<PolicyErrors>() {
                Some(policy) => eprintln!("{}", policy.render(colour(&io::stderr()))),
                None => eprintln!("error: {e:#}"),
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// Colour only on a terminal, and never when `NO_COLOR` is set (no-color.org).
fn colour(stream: &impl IsTerminal) -> bool {
    stream.is_terminal() && std::env::var_os("NO_COLOR").is_none_or(|v| v.is_empty())
}

/// `sizegate … | head` closes the pipe early: that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<Verdict> {
    let stdout = io::stdout();
    let styled = colour(&stdout);
    let mut out = BufWriter::new(stdout.lock());
    let mut verdict = Verdict::Pass;
    match cli.command {
        Command::Check {
            image,
            policy,
            dive_ci,
            dockerfile,
            target,
            format,
            output,
            no_github,
        } => {
            let policies = load_policies(policy, dive_ci)?;
            let dockerfile = match dockerfile {
                Some(path) => Some(read_dockerfile(&path, target.as_deref())?),
                None => None,
            };
            let loaded = load(&image)?;
            let built = dockerfile.as_ref().map(|(df, stage)| (df, *stage));
            let report = CheckReport::check(&policies, loaded.images, built);
            // The files first: a closed stdout must not cost the CI its reports.
            for o in &output {
                write_file(&o.path, &report, renderer(o.format, false))?;
            }
            if !no_github {
                if let Some(actions) = github_actions() {
                    let json = output.iter().rev().find(|o| o.format == CheckFormat::Json);
                    actions
                        .publish(&report, json.map(|o| o.path.as_path()))
                        .context("GitHub Actions step summary and outputs")?;
                }
            }
            renderer(format, styled).render(&report, &mut out)?;
            verdict = report.verdict;
        }
        Command::Init { image, headroom } => {
            let headroom =
                parse_ratio(&headroom).map_err(|e| anyhow::anyhow!("--headroom: {e}"))?;
            let loaded = load(&image)?;
            let summaries: Vec<ImageSummary> = loaded.images.iter().map(ImageSummary::of).collect();
            // One policy for the whole archive, as `check` applies one policy to every image.
            if let Some(summary) = sizegate::policy::starter::covering(&summaries) {
                out.write_all(
                    sizegate::policy::starter::starter_policy(&summary, headroom).as_bytes(),
                )?;
            }
        }
        Command::Schema => out.write_all(schema::policy_schema().as_bytes())?,
        Command::Layers { image, format } => {
            let loaded = load(&image)?;
            let summaries: Vec<ImageSummary> = loaded.images.iter().map(ImageSummary::of).collect();
            match format {
                Format::Table => report::layers::write_table(&mut out, &summaries)?,
                Format::Json => report::layers::write_json(&mut out, summaries)?,
            }
        }
        Command::Inventory { image, csv } => {
            let loaded = load(&image)?;
            let sink: Box<dyn Write> = if csv == "-" {
                Box::new(&mut out)
            } else {
                let file = File::create(&csv).with_context(|| format!("cannot create {csv}"))?;
                Box::new(BufWriter::new(file))
            };
            let mut writer = csv::Writer::from_writer(sink);
            report::inventory::write_header(&mut writer)?;
            for img in &loaded.images {
                report::inventory::write_rows(&mut writer, img, &analyze(img))?;
            }
            writer.flush()?;
        }
        Command::Top {
            image,
            count,
            dirs,
            format,
        } => {
            let loaded = load(&image)?;
            let tops: Vec<report::top::ImageTop<'_>> = loaded
                .images
                .iter()
                .map(|img| {
                    let analysis = analyze(img);
                    let items = if dirs {
                        top::top_dirs(img, &analysis, count)
                    } else {
                        top::top_files(img, &analysis, count)
                    };
                    report::top::ImageTop { image: img, items }
                })
                .collect();
            match format {
                Format::Table => report::top::write_table(&mut out, &tops, dirs)?,
                Format::Json => report::top::write_json(&mut out, &tops)?,
            }
        }
    }
    out.flush()?;
    Ok(verdict)
}

/// The writer of a `check` format.
fn renderer(format: CheckFormat, styled: bool) -> Box<dyn Render> {
    match format {
        CheckFormat::Table => Box::new(formats::table::Table { styled }),
        CheckFormat::Json => Box::new(formats::json::Json),
        CheckFormat::Csv => Box::new(formats::csv::Csv),
        CheckFormat::Markdown => Box::new(formats::markdown::Markdown::default()),
        CheckFormat::Github => Box::new(formats::github::Github),
        CheckFormat::Sarif => Box::new(formats::sarif::Sarif),
        CheckFormat::Junit => Box::new(formats::junit::Junit),
        CheckFormat::Gitlab => Box::new(formats::gitlab::Gitlab),
    }
}

/// Writes one `--output F=PATH` file.
fn write_file(path: &Path, report: &CheckReport, format: Box<dyn Render>) -> anyhow::Result<()> {
    let create = || format!("cannot write {}", path.display());
    let mut file = BufWriter::new(File::create(path).with_context(create)?);
    format.render(report, &mut file).with_context(create)?;
    file.flush().with_context(create)
}

/// The step's files when running under GitHub Actions (`GITHUB_ACTIONS=true`).
fn github_actions() -> Option<Actions> {
    if std::env::var_os("GITHUB_ACTIONS").is_none_or(|v| v != "true") {
        return None;
    }
    let path = |name: &str| {
        std::env::var_os(name)
            .filter(|v| !v.is_empty())
            .map(PathBuf::from)
    };
    Some(Actions {
        step_summary: path("GITHUB_STEP_SUMMARY"),
        output: path("GITHUB_OUTPUT"),
        runner_temp: path("RUNNER_TEMP"),
    })
}

/// Reads the policies `check` applies: the one named, or the default file, plus a `.dive-ci`.
fn load_policies(policy: Option<PathBuf>, dive_ci: Option<PathBuf>) -> anyhow::Result<Vec<Policy>> {
    let policy = match (policy, &dive_ci) {
        (Some(p), _) => Some(p),
        (None, Some(_)) => None,
        (None, None) => Some(
            DEFAULT_POLICIES
                .iter()
                .map(PathBuf::from)
                .find(|p| p.is_file())
                .ok_or_else(|| {
                    anyhow::anyhow!(
                        "no policy: found neither sizegate.yml nor .sizegate.yml here; pass --policy FILE, or write one from today's image: sizegate init IMAGE > sizegate.yml"
                    )
                })?,
        ),
    };
    let mut policies = Vec::new();
    if let Some(path) = policy {
        let (file, text) = read_text(&path)?;
        policies.push(Policy::parse(&file, &text)?);
    }
    if let Some(path) = dive_ci {
        let (file, text) = read_text(&path)?;
        policies.push(dive_ci::parse(&file, &text)?);
    }
    Ok(policies)
}

/// Reads and parses a Dockerfile, with the index of the stage the image was built from. A
/// Dockerfile need not be UTF-8: odd bytes are replaced, they only ever appear in arguments.
fn read_dockerfile(path: &Path, target: Option<&str>) -> anyhow::Result<(Dockerfile, usize)> {
    let file = display_path(path);
    let bytes = std::fs::read(path).with_context(|| file.clone())?;
    let dockerfile = Dockerfile::parse(&file, &String::from_utf8_lossy(&bytes))?;
    let stage = match target {
        None => dockerfile.stages.len().saturating_sub(1),
        Some(name) => dockerfile.stage_named(name).ok_or_else(|| {
            let names: Vec<&str> = dockerfile
                .stages
                .iter()
                .filter_map(|s| s.name.as_deref())
                .collect();
            anyhow::anyhow!(
                "{file}: no stage named `{name}` (--target); named stages: {}",
                if names.is_empty() {
                    "none".to_string()
                } else {
                    names.join(", ")
                }
            )
        })?,
    };
    Ok((dockerfile, stage))
}

/// A path as findings show it: as given, without a leading `./` (GitHub and GitLab resolve
/// locations from the repository root).
fn display_path(path: &Path) -> String {
    let text = path.display().to_string();
    match text.strip_prefix("./") {
        Some(rest) if !rest.is_empty() => rest.to_string(),
        _ => text,
    }
}

fn read_text(path: &Path) -> anyhow::Result<(String, String)> {
    let file = display_path(path);
    let text = std::fs::read_to_string(path).with_context(|| file.clone())?;
    Ok((file, text))
}

/// Reads the image and prints the notes the reader left for the user.
fn load(args: &ImageArgs) -> anyhow::Result<Loaded> {
    let selection = Selection {
        image: args.image.clone(),
        platform: args.platform.clone(),
    };
    let display = progress::Display::start(&args.source);
    let loaded =
        source::load_with_progress(&ImageSource::from_arg(&args.source), &selection, &display);
    display.finish();
    let loaded = loaded?;
    for note in &loaded.notes {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: {note}");
        }
    }
    Ok(loaded)
}
