//! Variable substitution where BuildKit does it before a path reaches the history: the
//! destinations of `COPY` and `ADD`, and `WORKDIR`. What the Dockerfile alone cannot tell (a
//! build arg given on the command line, the base image's environment) becomes a wildcard, [`ANY`],
//! so that `COPY app.jar $APP_HOME/` still matches `COPY app.jar /opt/app/ # buildkit`.
//!
//! Values that refer to each other grow geometrically (`ARG B=$A$A$A$A`, `ARG C=$B$B$B$B`, …: a
//! kilobyte of Dockerfile asks for gigabytes), so every expansion is bounded: one value or word
//! at most [`MAX_VALUE`] bytes, all of a Dockerfile's together at most [`MAX_TOTAL`], `${…}`
//! nested at most [`MAX_NESTING`] deep. Past a bound the Dockerfile is refused at the line that
//! crossed it; real Dockerfiles stay far below all three.

use std::collections::HashMap;

/// Stands for text that cannot be known here; [`wildcard_match`] lets it match any text.
pub(super) const ANY: char = '\0';

/// The most bytes one value or word may hold once expanded: 1 MiB. A real value (a `PATH`, a
/// list of packages) is a few kilobytes at most.
pub(super) const MAX_VALUE: usize = 1 << 20;

/// The most bytes all the expansions of one Dockerfile may produce together (the values of its
/// `ARG`s and `ENV`s, the paths of its `COPY`, `ADD` and `WORKDIR` instructions, the variables a
/// stage inherits from the stage it is built on): 64 MiB.
pub(super) const MAX_TOTAL: usize = 64 << 20;

/// How deep `${A:-${B:-…}}` may nest: 32 levels (real Dockerfiles use two or three).
pub(super) const MAX_NESTING: usize = 32;

/// Which bound an expansion crossed.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(super) enum Overflow {
    /// One value or word past [`MAX_VALUE`].
    Value,
    /// All expansions together past [`MAX_TOTAL`].
    Total,
    /// `${…}` nested past [`MAX_NESTING`].
    Nesting,
}

/// An expansion that crossed a bound: where, and what was being expanded (`ARG C`, `WORKDIR`).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(super) struct Stopped {
    /// The 1-based line of the instruction.
    pub line: usize,
    /// What was expanded, for the message: the instruction, and the variable it sets.
    pub what: String,
    /// The bound crossed.
    pub overflow: Overflow,
}

impl Overflow {
    /// This overflow at `line`, while expanding `what`.
    pub(super) fn at(self, line: usize, what: impl Into<String>) -> Stopped {
        Stopped {
            line,
            what: what.into(),
            overflow: self,
        }
    }
}

/// `KEYWORD NAME` for messages, the name escaped and cut short: it comes from the file.
pub(super) fn named(keyword: &str, name: &str) -> String {
    const SHOWN: usize = 64;
    let mut shown: String = name.chars().take(SHOWN).collect();
    if name.chars().nth(SHOWN).is_some() {
        shown.push('…');
    }
    format!("{keyword} {}", shown.escape_debug())
}

/// The bytes the expansions of one Dockerfile have produced so far, held to [`MAX_TOTAL`].
#[derive(Debug, Default)]
pub(super) struct Budget {
    used: usize,
}

impl Budget {
    /// Counts `bytes` more; fails once the total is past [`MAX_TOTAL`].
    pub(super) fn spend(&mut self, bytes: usize) -> Result<(), Overflow> {
        self.used = self.used.saturating_add(bytes);
        match self.used > MAX_TOTAL {
            true => Err(Overflow::Total),
            false => Ok(()),
        }
    }
}

/// The variables in scope at one instruction.
#[derive(Debug, Clone, Default)]
pub(super) struct Vars {
    /// `ENV` values (they may hold [`ANY`]).
    env: HashMap<String, String>,
    /// `ARG`s of the current stage: their default, `None` when they have none.
    args: HashMap<String, Option<String>>,
}

impl Vars {
    /// Records an `ENV`.
    pub(super) fn set_env(&mut self, name: &str, value: String) {
        self.env.insert(name.to_string(), value);
    }

    /// Records an `ARG`, with its default if it has one.
    pub(super) fn set_arg(&mut self, name: &str, default: Option<String>) {
        self.args.insert(name.to_string(), default);
    }

    /// A new stage starts: `ARG`s are scoped to their stage, `ENV` carries over to a stage built
    /// on this one.
    pub(super) fn clear_args(&mut self) {
        self.args.clear();
    }

    /// A variable's value, `None` when it cannot be known. `ENV` wins over `ARG`, as in Docker.
    /// An `ARG`'s default is taken as its value: `--build-arg` may override it, but the default
    /// is what most builds use.
    pub(super) fn get(&self, name: &str) -> Option<&str> {
        match self.env.get(name) {
            Some(v) => Some(v),
            None => self.args.get(name)?.as_deref(),
        }
    }

    /// The bytes the variables hold, names and values: what a copy of them costs.
    pub(super) fn bytes(&self) -> usize {
        let env = self.env.iter().map(|(k, v)| k.len() + v.len());
        let args = (self.args.iter()).map(|(k, v)| k.len() + v.as_ref().map_or(0, String::len));
        env.chain(args).sum()
    }
}

/// Expands one word as BuildKit's shell lexer does: quotes removed, the escape character applied,
/// `$NAME` and `${NAME}` replaced (with the `:-`, `-`, `:+`, `+`, `:?`, `?` forms). A variable
/// that cannot be known, and any other `${…}` form (`${X%.jar}`), becomes [`ANY`]. The result
/// counts against `budget`; a word past [`MAX_VALUE`] bytes, or nested past [`MAX_NESTING`], is
/// refused.
pub(super) fn expand(
    word: &str,
    escape: char,
    vars: &Vars,
    budget: &mut Budget,
) -> Result<String, Overflow> {
    let out = expand_nested(word, escape, vars, 0)?;
    budget.spend(out.len())?;
    Ok(out)
}

/// Appends `text` to `out` unless that takes `out` past [`MAX_VALUE`].
fn push_bounded(out: &mut String, text: &str) -> Result<(), Overflow> {
    if out.len().saturating_add(text.len()) > MAX_VALUE {
        return Err(Overflow::Value);
    }
    out.push_str(text);
    Ok(())
}

fn expand_nested(word: &str, escape: char, vars: &Vars, depth: usize) -> Result<String, Overflow> {
    if depth > MAX_NESTING {
        return Err(Overflow::Nesting);
    }
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len().min(MAX_VALUE));
    let mut quote = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some('\'') => out.push(c),
            None if c == '\'' || c == '"' => quote = Some(c),
            _ if c == '$' => {
                i = variable(&chars, i + 1, escape, vars, depth, &mut out)?;
                continue;
            }
            // Inside double quotes the escape character only escapes `"`, `$` and itself.
            Some(_)
                if c == escape
                    && matches!(chars.get(i + 1), Some(&n) if n == '"' || n == '$' || n == escape) =>
            {
                i += 1;
                out.push(chars[i]);
            }
            None if c == escape => {
                i += 1;
                out.extend(chars.get(i));
            }
            _ => out.push(c),
        }
        i += 1;
    }
    // Literal text grows `out` by at most the word itself; only a word that long is refused here.
    match out.len() > MAX_VALUE {
        true => Err(Overflow::Value),
        false => Ok(out),
    }
}

/// Expands the variable whose name starts at `i` (just after the `$`); returns where the text
/// goes on.
fn variable(
    chars: &[char],
    mut i: usize,
    escape: char,
    vars: &Vars,
    depth: usize,
    out: &mut String,
) -> Result<usize, Overflow> {
    let braced = chars.get(i) == Some(&'{');
    if braced {
        i += 1;
    }
    let start = i;
    while chars
        .get(i)
        .is_some_and(|c| c.is_ascii_alphanumeric() || *c == '_')
    {
        i += 1;
    }
    let name: String = chars[start..i].iter().collect();
    if !braced {
        match name.is_empty() {
            true => out.push('$'), // a lone `$` is literal
            false => push_value(vars.get(&name), out)?,
        }
        return Ok(i);
    }
    let Some(close) = closing_brace(chars, i) else {
        // `${` never closed: BuildKit rejects it; here it is just unknown.
        out.push(ANY);
        return Ok(chars.len());
    };
    let modifier: String = chars[i..close].iter().collect();
    let value = vars.get(&name);
    let word = |w: &str| expand_nested(w, escape, vars, depth + 1);
    let (op, arg) = split_modifier(&modifier);
    match (op, value) {
        _ if name.is_empty() => out.push(ANY),
        ("", v) | (":?" | "?", v) => push_value(v, out)?,
        (":-", Some(v)) if !v.is_empty() => push_bounded(out, v)?,
        (":-", Some(_)) => push_bounded(out, &word(arg)?)?,
        ("-", Some(v)) => push_bounded(out, v)?,
        (":+", Some("")) => {}
        (":+" | "+", Some(_)) => push_bounded(out, &word(arg)?)?,
        _ => out.push(ANY),
    }
    Ok(close + 1)
}

/// The `}` that closes a `${`, counting nested braces.
fn closing_brace(chars: &[char], from: usize) -> Option<usize> {
    let mut depth = 0;
    for (i, &c) in chars.iter().enumerate().skip(from) {
        match c {
            '{' => depth += 1,
            '}' if depth == 0 => return Some(i),
            '}' => depth -= 1,
            _ => {}
        }
    }
    None
}

/// `:-word` → (`:-`, `word`); an unknown operator comes back whole, to become [`ANY`].
fn split_modifier(modifier: &str) -> (&str, &str) {
    for op in [":-", ":+", ":?", "-", "+", "?"] {
        if let Some(arg) = modifier.strip_prefix(op) {
            return (op, arg);
        }
    }
    (modifier, "")
}

/// Appends a variable's value, or [`ANY`] when it is not known.
fn push_value(value: Option<&str>, out: &mut String) -> Result<(), Overflow> {
    match value {
        Some(v) => push_bounded(out, v),
        None => {
            out.push(ANY);
            Ok(())
        }
    }
}

/// Whether `text` is `pattern`, each [`ANY`] in the pattern standing for any text (even none).
/// Linear in the two lengths: the text between the first and the last [`ANY`] is searched for
/// each literal piece in turn, leftmost first (which finds a match whenever there is one), so a
/// long pattern cannot make a history entry cost its length times the entry's.
pub(super) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let Some((first, rest)) = pattern.split_once(ANY) else {
        return pattern == text;
    };
    let (middle, last) = rest.rsplit_once(ANY).unwrap_or(("", rest));
    if first.len() + last.len() > text.len() || !text.starts_with(first) || !text.ends_with(last) {
        return false;
    }
    let mut hay = &text[first.len()..text.len() - last.len()];
    for piece in middle.split(ANY) {
        match hay.find(piece) {
            Some(at) => hay = &hay[at + piece.len()..],
            None => return false,
        }
    }
    true
}

#[cfg(test)]
mod tests {
    use super::*;

    fn vars() -> Vars {
        let mut v = Vars::default();
        v.set_env("APP_HOME", "/opt/app".into());
        v.set_env("EMPTY", String::new());
        v.set_arg("VERSION", Some("1.2".into()));
        v.set_arg("TOKEN", None);
        v
    }

    fn x(word: &str) -> String {
        expand(word, '\\', &vars(), &mut Budget::default())
            .expect("within the bounds")
            .replace(ANY, "*")
    }

    #[test]
    fn known_variables_are_replaced() {
        assert_eq!(x("$APP_HOME/lib"), "/opt/app/lib");
        assert_eq!(x("${APP_HOME}_v$VERSION"), "/opt/app_v1.2");
        assert_eq!(x("\"$APP_HOME/my dir\""), "/opt/app/my dir");
    }

    #[test]
    fn unknown_variables_become_wildcards() {
        assert_eq!(x("$TOKEN/x"), "*/x");
        assert_eq!(x("$HOME/.cache"), "*/.cache");
        assert_eq!(x("${JAR%.jar}"), "*");
    }

    #[test]
    fn default_and_alternative_forms() {
        assert_eq!(x("${EMPTY:-/srv}"), "/srv");
        assert_eq!(x("${EMPTY-/srv}"), "");
        assert_eq!(x("${APP_HOME:-/srv}"), "/opt/app");
        assert_eq!(x("${APP_HOME:+set}"), "set");
        assert_eq!(x("${EMPTY:+set}"), "");
        assert_eq!(x("${NOPE:-/srv}"), "*");
    }

    #[test]
    fn quotes_and_escapes_stop_expansion() {
        assert_eq!(x("'$APP_HOME'"), "$APP_HOME");
        assert_eq!(x("\\$APP_HOME"), "$APP_HOME");
        assert_eq!(x("a$"), "a$");
        let backtick = expand("C:\\app", '`', &vars(), &mut Budget::default());
        assert_eq!(backtick, Ok("C:\\app".to_string()));
    }

    #[test]
    fn arguments_are_scoped_to_their_stage_and_env_wins() {
        let mut v = vars();
        v.set_arg("APP_HOME", Some("/elsewhere".into()));
        assert_eq!(v.get("APP_HOME"), Some("/opt/app"));
        v.clear_args();
        assert_eq!(v.get("VERSION"), None);
        assert_eq!(v.get("APP_HOME"), Some("/opt/app"));
    }

    #[test]
    fn wildcards_match_any_text() {
        let any = |s: &str| s.replace('*', &ANY.to_string());
        assert!(wildcard_match("/opt/app", "/opt/app"));
        assert!(!wildcard_match("/opt/app", "/opt/app2"));
        assert!(wildcard_match(&any("*/app"), "/home/me/app"));
        assert!(wildcard_match(&any("*/app"), "/app"));
        assert!(wildcard_match(&any("/a/*/c*"), "/a/b/b/c/c"));
        assert!(!wildcard_match(&any("/a/*/c"), "/a/b/d"));
        assert!(wildcard_match(&any("*"), ""));
    }

    #[test]
    fn deep_nesting_is_refused_not_followed() {
        let mut word = String::from("x");
        for _ in 0..10_000 {
            word = format!("${{a:-{word}}}");
        }
        let mut vars = Vars::default();
        vars.set_env("a", String::new());
        let mut budget = Budget::default();
        assert_eq!(
            expand(&word, '\\', &vars, &mut budget),
            Err(Overflow::Nesting)
        );
        // Up to the bound, nesting is followed.
        let mut word = String::from("x");
        for _ in 0..MAX_NESTING {
            word = format!("${{a:-{word}}}");
        }
        assert_eq!(expand(&word, '\\', &vars, &mut budget), Ok("x".into()));
    }

    #[test]
    fn a_value_past_a_mebibyte_is_refused() {
        let mut vars = Vars::default();
        vars.set_arg("A", Some("x".repeat(MAX_VALUE / 4)));
        vars.set_arg("E", Some(String::new()));
        let mut budget = Budget::default();
        let four = expand("$A$A$A$A", '\\', &vars, &mut budget).expect("exactly the bound");
        assert_eq!(four.len(), MAX_VALUE);
        assert_eq!(
            expand("$A$A$A$A$A", '\\', &vars, &mut budget),
            Err(Overflow::Value)
        );
        assert_eq!(
            expand("${E:-$A$A$A$A}x", '\\', &vars, &mut budget),
            Err(Overflow::Value)
        );
        let literal = "y".repeat(MAX_VALUE + 1);
        assert_eq!(
            expand(&literal, '\\', &vars, &mut budget),
            Err(Overflow::Value)
        );
    }

    #[test]
    fn all_expansions_together_are_bounded() {
        let mut vars = Vars::default();
        vars.set_arg("A", Some("x".repeat(MAX_VALUE)));
        let mut budget = Budget::default();
        for _ in 0..MAX_TOTAL / MAX_VALUE {
            assert!(expand("$A", '\\', &vars, &mut budget).is_ok());
        }
        assert_eq!(expand("$A", '\\', &vars, &mut budget), Err(Overflow::Total));
    }

    #[test]
    fn names_in_messages_are_escaped_and_cut_short() {
        assert_eq!(named("ARG", "C"), "ARG C");
        assert_eq!(named("ENV", "a\nb"), "ENV a\\nb");
        let long = named("ARG", &"n".repeat(100));
        assert_eq!(long, format!("ARG {}…", "n".repeat(64)));
    }

    #[test]
    fn wildcard_match_is_linear_on_long_near_misses() {
        let any = ANY.to_string();
        let pattern = format!("{any}{}b", "a".repeat(200_000));
        let text = "a".repeat(400_000);
        assert!(!wildcard_match(&pattern, &text));
        let pattern = format!("{}{any}", "a".repeat(100)).repeat(2_000);
        assert!(!wildcard_match(&pattern, &"a".repeat(150_000)));
        assert!(wildcard_match(&pattern, &"a".repeat(200_000)));
    }
}
