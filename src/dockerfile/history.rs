//! A layer's `created_by`, taken apart into the instruction that wrote it and that instruction's
//! text. Builders write it in three shapes:
//!
//! - BuildKit: the keyword, then the text, then ` # buildkit` when the step ran in a container or
//!   copied files (`RUN /bin/sh -c make # buildkit`, `COPY app/ /opt/app/ # buildkit`,
//!   `WORKDIR /app`). Kaniko writes the keyword and the text as written, without the suffix.
//! - The classic builder (and buildah) for steps that run nothing: the shell, `#(nop)`, the
//!   keyword, the text (`/bin/sh -c #(nop) COPY file:3b1f… in /dst `).
//! - The classic builder for `RUN`: the command line alone, build args first
//!   (`|1 X=y /bin/sh -c make`, or `make all` for the exec form).

use super::words::squash;

/// Keywords that can start a BuildKit or Kaniko `created_by`.
const KEYWORDS: [&str; 4] = ["RUN", "COPY", "ADD", "WORKDIR"];

/// One history entry, read.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Entry {
    /// The instruction that wrote it, upper-cased (`RUN` for a classic builder's command line).
    pub keyword: String,
    /// What follows the keyword, whitespace squashed (for a classic `RUN`, the whole line).
    pub text: String,
    /// Written by the classic builder with `#(nop)`: `COPY`/`ADD` sources are content hashes,
    /// followed by `in` and the destination.
    pub nop: bool,
}

impl Entry {
    /// Reads one `created_by`.
    pub(super) fn parse(created_by: &str) -> Entry {
        let squashed = squash(created_by);
        let line = squashed
            .strip_suffix("# buildkit")
            .map_or(squashed.as_str(), str::trim_end);
        if let Some((shell, after)) = line.split_once("#(nop) ") {
            // Only a shell invocation may come before `#(nop)`: otherwise the marker is part of
            // a command.
            if ends_with_shell_flag(shell.trim_end()) {
                let (keyword, text) = split_keyword(after);
                return Entry {
                    keyword: keyword.to_ascii_uppercase(),
                    text: text.to_string(),
                    nop: true,
                };
            }
        }
        let (first, rest) = split_keyword(line);
        if KEYWORDS.contains(&first) {
            return Entry {
                keyword: first.to_string(),
                text: rest.to_string(),
                nop: false,
            };
        }
        Entry {
            keyword: "RUN".to_string(),
            text: line.to_string(),
            nop: false,
        }
    }

    /// For `COPY`/`ADD` by the classic builder, the destination after `in`.
    pub(super) fn nop_destination(&self) -> Option<&str> {
        let (_, dest) = self.text.split_once(" in ")?;
        Some(dest)
    }
}

/// Whether a text ends with the flag after which a shell takes its command: `-c` for `sh`,
/// `bash` and friends, `/S /C` for Windows' `cmd`, `-Command` for PowerShell.
pub(super) fn ends_with_shell_flag(text: &str) -> bool {
    let last = text.rsplit(' ').next().unwrap_or("");
    ["-c", "/c", "-command"]
        .iter()
        .any(|flag| last.eq_ignore_ascii_case(flag))
}

/// The first word and the rest.
fn split_keyword(text: &str) -> (&str, &str) {
    text.split_once(' ').unwrap_or((text, ""))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn entry(keyword: &str, text: &str, nop: bool) -> Entry {
        Entry {
            keyword: keyword.into(),
            text: text.into(),
            nop,
        }
    }

    #[test]
    fn buildkit_entries() {
        assert_eq!(
            Entry::parse("RUN /bin/sh -c apt-get update &&     apt-get install -y x # buildkit"),
            entry(
                "RUN",
                "/bin/sh -c apt-get update && apt-get install -y x",
                false
            )
        );
        assert_eq!(
            Entry::parse("COPY app/ /opt/app/ # buildkit"),
            entry("COPY", "app/ /opt/app/", false)
        );
        assert_eq!(
            Entry::parse("ADD file.tar / # buildkit"),
            entry("ADD", "file.tar /", false)
        );
        assert_eq!(
            Entry::parse("RUN |2 ARG1=a ARG2=b /bin/sh -c make # buildkit"),
            entry("RUN", "|2 ARG1=a ARG2=b /bin/sh -c make", false)
        );
        assert_eq!(
            Entry::parse("WORKDIR /app"),
            entry("WORKDIR", "/app", false)
        );
    }

    #[test]
    fn classic_builder_entries() {
        let copy = Entry::parse(
            "/bin/sh -c #(nop) COPY file:2678f27a9f06a25fe942c92d65aa2fbe3f3bbb4e0814c468ec20ef8a66157a92 in /usr/lib/libfoo.so.1.2.3 ",
        );
        assert_eq!(copy.keyword, "COPY");
        assert!(copy.nop);
        assert_eq!(copy.nop_destination(), Some("/usr/lib/libfoo.so.1.2.3"));
        let add = Entry::parse("/bin/sh -c #(nop) ADD dir:7ec14b81 in /root/.data/ ");
        assert_eq!(add.nop_destination(), Some("/root/.data/"));
        assert_eq!(
            Entry::parse("/bin/sh -c #(nop)  CMD [\"sh\"]"),
            entry("CMD", "[\"sh\"]", true)
        );
        assert_eq!(
            Entry::parse("/bin/sh -c #(nop) WORKDIR /app"),
            entry("WORKDIR", "/app", true)
        );
        assert_eq!(
            Entry::parse("cmd /S /C #(nop) COPY file:ab in C:\\app "),
            entry("COPY", "file:ab in C:\\app", true)
        );
    }

    #[test]
    fn classic_run_is_the_command_line() {
        assert_eq!(
            Entry::parse("/bin/sh -c apt-get update"),
            entry("RUN", "/bin/sh -c apt-get update", false)
        );
        assert_eq!(
            Entry::parse("|1 X=y /bin/sh -c make"),
            entry("RUN", "|1 X=y /bin/sh -c make", false)
        );
        // `#(nop)` inside a command is text, not the classic marker.
        assert_eq!(
            Entry::parse("/bin/sh -c echo '#(nop) COPY x in /'").keyword,
            "RUN"
        );
    }

    #[test]
    fn kaniko_entries_are_the_instruction_as_written() {
        assert_eq!(
            Entry::parse("ADD README.md /somefile.txt"),
            entry("ADD", "README.md /somefile.txt", false)
        );
        assert_eq!(
            Entry::parse("RUN mkdir -p /root/example/really/nested"),
            entry("RUN", "mkdir -p /root/example/really/nested", false)
        );
    }
}
