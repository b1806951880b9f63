//! The `sizegate` binary: parses arguments, calls the library, prints, and maps the outcome to an
//! exit code (0 done, 2 could not run).

mod cli;

use std::fs::File;
use std::io::{self, BufWriter, Write};
use std::process::ExitCode;

use anyhow::Context;
use clap::Parser;

use cli::{Cli, Command, Format, ImageArgs};
use sizegate::analysis::{analyze, top};
use sizegate::report;
use sizegate::source::{self, ImageSource, Loaded, Selection};
use sizegate::summary::ImageSummary;

/// The run could not be done: bad arguments, unreadable or malformed image.
const EXIT_ERROR: u8 = 2;

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            #[allow(clippy::print_stderr)]
            {
                eprintln!("error: {e:#}");
            }
            ExitCode::from(EXIT_ERROR)
        }
    }
}

/// `sizegate … | head` closes the pipe early: that is not an error.
fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|c| {
        c.downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> anyhow::Result<()> {
    let stdout = io::stdout();
    let mut out = BufWriter::new(stdout.lock());
    match cli.command {
        Command::Layers { image, format } => {
            let loaded = load(&image)?;
            let summaries: Vec<ImageSummary> = loaded
                .images
                .iter()
                .map(|img| ImageSummary::new(img, &analyze(img)))
                .collect();
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
    Ok(())
}

/// Reads the image and prints the notes the reader left for the user.
fn load(args: &ImageArgs) -> anyhow::Result<Loaded> {
    let selection = Selection {
        image: args.image.clone(),
        platform: args.platform.clone(),
    };
    let loaded = source::load(&ImageSource::from_arg(&args.source), &selection)?;
    for note in &loaded.notes {
        #[allow(clippy::print_stderr)]
        {
            eprintln!("note: {note}");
        }
    }
    Ok(loaded)
}
