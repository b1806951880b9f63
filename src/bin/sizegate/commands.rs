//! One function per subcommand: what the binary reads (files, the environment), what it asks of
//! the library, and what it prints.

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::path::{Path, PathBuf};
use std::sync::OnceLock;

use anyhow::Context;

use crate::args::{
    CheckArgs, CheckFormat, DiffArgs, DiffFormat, DockerfileArgs, ExplainArgs, ExplainFormat,
    Format, ImageArgs, Output, RenderContext,
};
use crate::repo_path::{as_given, RepoRoot};
use crate::ui::{self, Look, Sink};
use crate::{colour, progress};
use sizegate::report;
use sizegate::report::format::markdown::LARGEST_FILES;
use sizegate::report::format::Render;
use sizegate::report::github_actions::Actions;
use sizegate::report::source_links::SourceLinks;
use sizegate::{
    largest, parse_headroom, policy_schema, read_input, starter_policy, CheckOptions, CheckReport,
    Dockerfile, ImageSource, ImageSummary, Input, Inventory, Loaded, Policy, RegistryOptions,
    Selection, Snapshot, Verdict,
};

/// The policy files looked for when `check` is given none.
const DEFAULT_POLICIES: [&str; 2] = ["sizegate.yml", ".sizegate.yml"];
/// The dive CI rules file looked for when neither policy file is there (dive's own default).
const DEFAULT_DIVE_CI: &str = ".dive-ci";

/// `sizegate check`: the verdict of the policies on the image, written in every format asked for.
pub(crate) fn check(args: CheckArgs) -> anyhow::Result<Verdict> {
    let to_stdout = output_to_stdout(&args.output)?;
    // Reports name the files from the repository root; errors keep the paths as typed.
    let repo = RepoRoot::discover();
    let policies = load_policies(args.policy, args.dive_ci, &repo)?;
    let dockerfile = read_dockerfile(&args.dockerfile, &repo)?;
    let links = source_links();
    let actions = (!args.no_github).then(|| github_actions(&links)).flatten();
    // Every format written, to stdout, stderr or a file.
    let formats: Vec<CheckFormat> = std::iter::once(args.format)
        .chain(args.output.iter().map(|o| o.format))
        .collect();
    // The largest files cost a pass over every file: only for the markdown summary.
    let markdown = formats.contains(&CheckFormat::Markdown)
        || actions.as_ref().is_some_and(|a| a.step_summary.is_some());
    if args.image.source == "-" && args.baseline.as_deref() == Some("-") {
        anyhow::bail!("only one of IMAGE and --baseline can be `-` (stdin)");
    }
    // A registry image whose rules all need only its manifest is not downloaded, unless an
    // output lists its files (the inventory, the HTML treemap), a Dockerfile is traced to its
    // layers, or a base is compared with.
    let manifest_only = !policies.iter().any(Policy::needs_files)
        && args.baseline.is_none()
        && dockerfile.is_none()
        && !formats.iter().any(|f| f.lists_files());
    let selection = Selection {
        manifest_only,
        ..selection(&args.image)
    };
    let (baseline, loaded) = std::thread::scope(|s| {
        // The base is read beside the image: a diff costs little more than the check.
        // Every image of the base, whatever `--image` says: the checked images pair with them
        // by name, and a base tag (`app:main`) is rarely the checked one (`app:pr-42`).
        let base_selection = Selection {
            image: None,
            platform: selection.platform.clone(),
            manifest_only: false,
        };
        let baseline = args.baseline.as_deref().map(|base| {
            s.spawn(move || read_snapshots(base, &base_selection).context("--baseline"))
        });
        let loaded = load(&args.image.source, &selection);
        let baseline = baseline.map(|b| b.join().unwrap_or_else(|p| std::panic::resume_unwind(p)));
        (baseline.transpose(), loaded)
    });
    let (baseline, loaded) = (baseline?, loaded?);
    // The paths a saved report keeps cost a pass over every file: only for a JSON report (the
    // step's outputs under GitHub Actions point at one).
    let json = formats.contains(&CheckFormat::Json) || actions.is_some();
    let options = CheckOptions {
        dockerfile: dockerfile.as_ref().map(|(df, stage)| (df, *stage)),
        largest_files: if markdown { LARGEST_FILES } else { 0 },
        baseline: baseline.as_deref(),
        saved_paths: json,
        fail_on: args.fail_on.into(),
    };
    let report = sizegate::check(&policies, loaded.images, &options);
    let context = RenderContext {
        sarif_category: args.sarif_category.clone(),
        links,
    };
    // The files first: a closed stdout must not cost the CI its reports.
    for o in args.output.iter().filter(|o| !o.is_stdout()) {
        write_file(
            &o.path,
            &report,
            o.format.renderer(Look::of(Sink::File), &context),
        )?;
    }
    if let Some(actions) = actions {
        let json = args
            .output
            .iter()
            .rev()
            .find(|o| o.format == CheckFormat::Json && !o.is_stdout());
        actions
            .publish(&report, json.map(|o| o.path.as_path()))
            .context("GitHub Actions step summary and outputs")?;
    }
    // `--output F=-` takes stdout, which a tool reads (`… | jq`, a SARIF upload); `--format`
    // then goes to stderr, so that the log still shows the table, unless it is F itself.
    // A reader that stops early (`| head`) closes the pipe: the verdict stands all the same, or a
    // failed gate would pass a pipeline.
    if let Some(format) = to_stdout {
        let renderer = format.renderer(Look::of(Sink::File), &context);
        unless_closed(write_to(
            &mut io::stdout().lock(),
            &report,
            renderer.as_ref(),
        ))?;
        if format == args.format {
            return Ok(report.verdict());
        }
    }
    let sink = match to_stdout {
        Some(_) => Sink::Stderr,
        None => Sink::Stdout,
    };
    let look = Look::of(sink);
    let renderer = match (ui::quiet(), args.format) {
        // `--quiet`: the table's verdict line alone; the other formats are data, printed whole.
        (true, CheckFormat::Table) => Box::new(report::format::table::VerdictLine {
            styled: look.colour,
        }),
        _ => args.format.renderer(look, &context),
    };
    let written = match sink {
        Sink::Stderr => write_to(&mut io::stderr().lock(), &report, renderer.as_ref()),
        _ => write_to(&mut io::stdout().lock(), &report, renderer.as_ref()),
    };
    unless_closed(written)?;
    Ok(report.verdict())
}

/// Writes the report in one format to a stream, buffered.
fn write_to(stream: &mut dyn Write, report: &CheckReport, renderer: &dyn Render) -> io::Result<()> {
    let mut out = BufWriter::new(stream);
    renderer.render(report, &mut out)?;
    out.flush()
}

/// A write's error, unless it is a closed pipe (the reader has what it wanted).
fn unless_closed(written: io::Result<()>) -> io::Result<()> {
    match written {
        Err(e) if e.kind() == io::ErrorKind::BrokenPipe => Ok(()),
        other => other,
    }
}

/// The format of the `--output F=-` that takes stdout, if one does; two cannot share it.
fn output_to_stdout(outputs: &[Output]) -> anyhow::Result<Option<CheckFormat>> {
    let mut to_stdout = outputs.iter().filter(|o| o.is_stdout());
    match (to_stdout.next(), to_stdout.next()) {
        (Some(first), Some(second)) => anyhow::bail!(
            "--output {}=- and --output {}=- both write to stdout; give one of them a file",
            first.format.name(),
            second.format.name()
        ),
        (first, _) => Ok(first.map(|o| o.format)),
    }
}

/// `sizegate init`: one starter policy for the whole archive, as `check` applies one policy to
/// every image.
pub(crate) fn init(image: &ImageArgs, headroom: &str) -> anyhow::Result<()> {
    let headroom = parse_headroom(headroom).map_err(|e| anyhow::anyhow!("--headroom: {e}"))?;
    let loaded = load(&image.source, &selection(image))?;
    let summaries: Vec<ImageSummary> = loaded.images.iter().map(ImageSummary::of).collect();
    if let Some(policy) = starter_policy(&summaries, headroom) {
        print(policy.as_bytes())?;
    }
    Ok(())
}

/// `sizegate schema`: the policy's JSON Schema.
pub(crate) fn schema() -> anyhow::Result<()> {
    print(policy_schema().as_bytes())
}

/// `sizegate layers`: one row per layer.
pub(crate) fn layers(image: &ImageArgs, format: Format) -> anyhow::Result<()> {
    let loaded = load(&image.source, &selection(image))?;
    // Only the JSON, which a later `diff` may read, keeps the paths (a pass over every file).
    let summarize = match format {
        Format::Table => ImageSummary::of,
        Format::Json => ImageSummary::for_report,
    };
    let summaries: Vec<ImageSummary> = loaded.images.iter().map(summarize).collect();
    let mut out = BufWriter::new(io::stdout().lock());
    match format {
        Format::Table => report::layers::write_table(&mut out, &summaries, ui::stdout_width())?,
        Format::Json => report::layers::write_json(&mut out, summaries)?,
    }
    Ok(out.flush()?)
}

/// `sizegate inventory`: every entry of every layer as CSV, to stdout (`-`) or a file.
pub(crate) fn inventory(image: &ImageArgs, csv: &str) -> anyhow::Result<()> {
    let loaded = load(&image.source, &selection(image))?;
    let stdout = io::stdout();
    let sink: Box<dyn Write> = if csv == "-" {
        Box::new(BufWriter::new(stdout.lock()))
    } else {
        let file = File::create(csv).with_context(|| format!("cannot create {csv}"))?;
        Box::new(BufWriter::new(file))
    };
    let mut writer = ::csv::Writer::from_writer(sink);
    report::inventory::write_header(&mut writer)?;
    for image in loaded.images {
        report::inventory::write_rows(&mut writer, &Inventory::new(image))?;
    }
    Ok(writer.flush()?)
}

/// `sizegate top`: the largest files, or directories, of each image's final filesystem.
pub(crate) fn top(
    image: &ImageArgs,
    count: usize,
    dirs: bool,
    format: Format,
) -> anyhow::Result<()> {
    let loaded = load(&image.source, &selection(image))?;
    let tops: Vec<report::top::ImageTop<'_>> = loaded
        .images
        .iter()
        .map(|img| report::top::ImageTop {
            image: img,
            items: largest(img, count, dirs),
        })
        .collect();
    let mut out = BufWriter::new(io::stdout().lock());
    match format {
        Format::Table => report::top::write_table(&mut out, &tops, dirs, ui::stdout_width())?,
        Format::Json => report::top::write_json(&mut out, &tops)?,
    }
    Ok(out.flush()?)
}

/// `sizegate diff`: what changed between two images, or a saved report and an image.
pub(crate) fn diff(args: &DiffArgs) -> anyhow::Result<()> {
    if args.base == "-" && args.new == "-" {
        anyhow::bail!("only one of BASE and NEW can be `-` (stdin)");
    }
    let selection = Selection {
        image: args.image.clone(),
        platform: args.platform.clone(),
        manifest_only: false,
    };
    // Both sides are read at once: the diff costs about what reading the larger one does.
    let (base, new) = std::thread::scope(|s| {
        let base = s.spawn(|| read_snapshots(&args.base, &selection));
        let new = read_snapshots(&args.new, &selection);
        let base = base.join().unwrap_or_else(|p| std::panic::resume_unwind(p));
        (base, new)
    });
    let diff = sizegate::diff(&base?, &new?, args.top);
    let mut out = BufWriter::new(io::stdout().lock());
    match args.format {
        DiffFormat::Table => report::diff::write_table(&mut out, &diff, ui::stdout_width())?,
        DiffFormat::Json => report::diff::write_json(&mut out, &diff)?,
        DiffFormat::Markdown => report::diff::write_markdown(&mut out, &diff)?,
    }
    Ok(out.flush()?)
}

/// `sizegate explain`: the savings of each image, largest first, and where its bytes are.
pub(crate) fn explain(args: &ExplainArgs) -> anyhow::Result<()> {
    let dockerfile = read_dockerfile(&args.dockerfile, &RepoRoot::discover())?;
    let loaded = load(&args.image.source, &selection(&args.image))?;
    let options = sizegate::ExplainOptions {
        dockerfile: dockerfile.as_ref().map(|(df, stage)| (df, *stage)),
        content: args.content.then_some(&loaded.data),
        treemap: args.format == ExplainFormat::Html,
    };
    let explanation = sizegate::explain(&loaded.images, &options).context("--content")?;
    let (sink, look): (Box<dyn Write>, _) = match &args.output {
        Some(path) => {
            let create = || format!("cannot write {}", path.display());
            let file = File::create(path).with_context(create)?;
            (Box::new(file), Look::of(Sink::File))
        }
        None => (Box::new(io::stdout().lock()), Look::of(Sink::Stdout)),
    };
    let mut out = BufWriter::new(sink);
    match args.format {
        ExplainFormat::Table => report::explain::write_table(&mut out, &explanation, look.width)?,
        ExplainFormat::Json => report::explain::write_json(&mut out, &explanation)?,
        ExplainFormat::Html => report::html::write_explain(&mut out, &explanation)?,
    }
    Ok(out.flush()?)
}

/// Reads one side of a comparison: a saved JSON report (of the images `selection` names), or an
/// image.
fn read_snapshots(arg: &str, selection: &Selection) -> anyhow::Result<Vec<Snapshot>> {
    let path = Path::new(arg);
    if arg != "-" && starts_like_a_report(path) {
        let file = as_given(path);
        let bytes = read_input(path, &Input::REPORT).with_context(|| file.clone())?;
        let mut snapshots = Snapshot::read_report(&file, &bytes)?;
        if let Some(name) = &selection.image {
            snapshots.retain(|s| s.is_named(name));
            if snapshots.is_empty() {
                anyhow::bail!("{file}: the report has no image named `{name}` (--image)");
            }
        }
        if let Some(platform) = &selection.platform {
            snapshots.retain(|s| s.platform() == Some(platform.as_str()));
            if snapshots.is_empty() {
                anyhow::bail!("{file}: the report has no image for {platform} (--platform)");
            }
        }
        return Ok(snapshots);
    }
    let loaded = load(arg, selection)?;
    Ok(loaded.images.iter().map(Snapshot::of).collect())
}

/// Whether `path` is a regular file whose first bytes are JSON's (anything else is read as an
/// image, whose reader says what is wrong with it).
fn starts_like_a_report(path: &Path) -> bool {
    use std::io::Read;
    if !path.metadata().is_ok_and(|m| m.is_file()) {
        return false;
    }
    let mut head = [0u8; 512];
    let read = File::open(path).and_then(|mut f| f.read(&mut head));
    read.is_ok_and(|n| Snapshot::is_report(&head[..n]))
}

/// Writes bytes to stdout.
fn print(bytes: &[u8]) -> anyhow::Result<()> {
    let mut out = BufWriter::new(io::stdout().lock());
    out.write_all(bytes)?;
    Ok(out.flush()?)
}

/// Writes one `--output F=PATH` file.
fn write_file(path: &Path, report: &CheckReport, format: Box<dyn Render>) -> anyhow::Result<()> {
    let create = || format!("cannot write {}", path.display());
    let mut file = BufWriter::new(File::create(path).with_context(create)?);
    format.render(report, &mut file).with_context(create)?;
    file.flush().with_context(create)
}

/// The step's files when running under GitHub Actions, its summary linking to `links`.
fn github_actions(links: &Option<SourceLinks>) -> Option<Actions> {
    if !ui::under_github_actions() {
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
        links: links.clone(),
    })
}

/// Where the files of the commit checked are shown, when GitHub Actions' variables say
/// (`GITHUB_SERVER_URL`, `GITHUB_REPOSITORY`, `GITHUB_SHA`): the markdown links its places there.
fn source_links() -> Option<SourceLinks> {
    let var = |name: &str| std::env::var(name).ok().filter(|v| !v.is_empty());
    SourceLinks::new(
        &var("GITHUB_SERVER_URL")?,
        &var("GITHUB_REPOSITORY")?,
        &var("GITHUB_SHA")?,
    )
}

/// Reads the policies `check` applies: the one named, or the default file, plus a `.dive-ci`;
/// their findings named as `repo` names them. Without either, a lone `.dive-ci` here is read as
/// dive reads it by default.
fn load_policies(
    policy: Option<PathBuf>,
    dive_ci: Option<PathBuf>,
    repo: &RepoRoot,
) -> anyhow::Result<Vec<Policy>> {
    // Whatever is there under a default name is taken, and refused when read if it is not a
    // regular file (a link to /dev/zero): never passed over in silence.
    let present = |name: &str| Path::new(name).symlink_metadata().is_ok();
    let (policy, dive_ci) = match (policy, dive_ci) {
        (None, None) => match DEFAULT_POLICIES.iter().find(|p| present(p)) {
            Some(found) => (Some(PathBuf::from(found)), None),
            None if present(DEFAULT_DIVE_CI) => (None, Some(PathBuf::from(DEFAULT_DIVE_CI))),
            None => anyhow::bail!(
                "no policy: found neither sizegate.yml, .sizegate.yml nor .dive-ci here; pass --policy FILE, or write one from today's image: sizegate init IMAGE > sizegate.yml"
            ),
        },
        given => given,
    };
    let mut policies = Vec::new();
    let mut paths = Vec::new();
    if let Some(path) = policy {
        let (file, text) = read_text(&path, &Input::POLICY)?;
        policies.push(Policy::parse(&file, &text)?);
        paths.push(path);
    }
    if let Some(path) = dive_ci {
        let (file, text) = read_text(&path, &Input::DIVE_CI)?;
        policies.push(Policy::parse_dive_ci(&file, &text)?);
        paths.push(path);
    }
    // Valid values that are likely mistakes (`max_layers: 0`, a misspelled `.dive-ci` key).
    for warnings in policies
        .iter()
        .filter(|_| !ui::quiet())
        .filter_map(|p| p.render_warnings(colour(&io::stderr())))
    {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("{warnings}");
        }
    }
    Ok(policies
        .into_iter()
        .zip(&paths)
        .map(|(policy, path)| policy.reported_as(repo.name(path)))
        .collect())
}

/// Reads and parses the `--dockerfile` given, if one is, with the index of the stage the image
/// was built from (`--target`); its errors name it as typed, the reports as `repo` names it. A
/// Dockerfile need not be UTF-8: odd bytes are replaced, they only ever appear in arguments.
fn read_dockerfile(
    args: &DockerfileArgs,
    repo: &RepoRoot,
) -> anyhow::Result<Option<(Dockerfile, usize)>> {
    let Some(path) = &args.dockerfile else {
        return Ok(None);
    };
    let file = as_given(path);
    let bytes = read_input(path, &Input::DOCKERFILE).with_context(|| file.clone())?;
    let dockerfile = Dockerfile::parse(&file, &String::from_utf8_lossy(&bytes))?;
    let stage = match args.target.as_deref() {
        None => dockerfile.final_stage(),
        Some(name) => dockerfile.stage_named(name).ok_or_else(|| {
            let names = dockerfile.stage_names();
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
    Ok(Some((dockerfile.reported_as(repo.name(path)), stage)))
}

/// Reads a policy or a `.dive-ci`: a regular file, under the cap of `input`, in UTF-8; with its
/// name as typed, for its errors and warnings.
fn read_text(path: &Path, input: &'static Input) -> anyhow::Result<(String, String)> {
    let file = as_given(path);
    let bytes = read_input(path, input).with_context(|| file.clone())?;
    let text = String::from_utf8(bytes)
        .map_err(|_| anyhow::anyhow!("{file}: stream did not contain valid UTF-8"))?;
    Ok((file, text))
}

/// The images of the archive the arguments select.
fn selection(args: &ImageArgs) -> Selection {
    Selection {
        image: args.image.clone(),
        platform: args.platform.clone(),
        manifest_only: false,
    }
}

/// How registries are reached: the global flags, read once before any command runs.
static REGISTRY: OnceLock<RegistryOptions> = OnceLock::new();

/// Sets how registries are reached, from the global flags.
pub(crate) fn init_registry(options: RegistryOptions) {
    let _ = REGISTRY.set(options);
}

/// Reads the image and prints the notes the reader left for the user.
fn load(source: &str, selection: &Selection) -> anyhow::Result<Loaded> {
    let display = progress::Display::start(source);
    let registry = REGISTRY.get().cloned().unwrap_or_default();
    let loaded = ImageSource::parse(source).and_then(|source| {
        let source = source.with_registry_options(&registry);
        sizegate::load(&source, selection, &display)
    });
    display.finish();
    let loaded = loaded?;
    for note in loaded.notes.iter().filter(|_| !ui::quiet()) {
        // Notes quote the archive (platforms, names): escaped, as in every output for people.
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: {}", report::printable(note));
        }
    }
    Ok(loaded)
}
