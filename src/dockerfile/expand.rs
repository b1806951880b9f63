//! Variable substitution where BuildKit does it before a path reaches the history: the
//! destinations of `COPY` and `ADD`, and `WORKDIR`. What the Dockerfile alone cannot tell (a
//! build arg given on the command line, the base image's environment) becomes a wildcard, [`ANY`],
//! so that `COPY app.jar $APP_HOME/` still matches `COPY app.jar /opt/app/ # buildkit`.

use std::collections::HashMap;

/// Stands for text that cannot be known here; [`wildcard_match`] lets it match any text.
pub(super) const ANY: char = '\0';

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
}

/// Expands one word as BuildKit's shell lexer does: quotes removed, the escape character applied,
/// `$NAME` and `${NAME}` replaced (with the `:-`, `-`, `:+`, `+`, `:?`, `?` forms). A variable
/// that cannot be known, and any other `${…}` form (`${X%.jar}`), becomes [`ANY`].
pub(super) fn expand(word: &str, escape: char, vars: &Vars) -> String {
    expand_nested(word, escape, vars, 0)
}

/// `${A:-${B:-…}}` nests; past this depth the value is unknown, which keeps the work (each level
/// copies its word) bounded on hostile input.
const MAX_NESTING: usize = 16;

fn expand_nested(word: &str, escape: char, vars: &Vars, depth: usize) -> String {
    if depth > MAX_NESTING {
        return ANY.to_string();
    }
    let chars: Vec<char> = word.chars().collect();
    let mut out = String::with_capacity(word.len());
    let mut quote = None;
    let mut i = 0;
    while i < chars.len() {
        let c = chars[i];
        match quote {
            Some(q) if c == q => quote = None,
            Some('\'') => out.push(c),
            None if c == '\'' || c == '"' => quote = Some(c),
            _ if c == '$' => {
                i = variable(&chars, i + 1, escape, vars, depth, &mut out);
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
    out
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
) -> usize {
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
            false => push_value(vars.get(&name), out),
        }
        return i;
    }
    let Some(close) = closing_brace(chars, i) else {
        // `${` never closed: BuildKit rejects it; here it is just unknown.
        out.push(ANY);
        return chars.len();
    };
    let modifier: String = chars[i..close].iter().collect();
    let value = vars.get(&name);
    let word = |w: &str| expand_nested(w, escape, vars, depth + 1);
    let (op, arg) = split_modifier(&modifier);
    match (op, value) {
        _ if name.is_empty() => out.push(ANY),
        ("", v) | (":?" | "?", v) => push_value(v, out),
        (":-", Some(v)) if !v.is_empty() => out.push_str(v),
        (":-", Some(_)) => out.push_str(&word(arg)),
        ("-", Some(v)) => out.push_str(v),
        (":+", Some("")) => {}
        (":+" | "+", Some(_)) => out.push_str(&word(arg)),
        _ => out.push(ANY),
    }
    close + 1
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
fn push_value(value: Option<&str>, out: &mut String) {
    match value {
        Some(v) => out.push_str(v),
        None => out.push(ANY),
    }
}

/// Whether `text` is `pattern`, each [`ANY`] in the pattern standing for any text (even none).
pub(super) fn wildcard_match(pattern: &str, text: &str) -> bool {
    let p: Vec<char> = pattern.chars().collect();
    let t: Vec<char> = text.chars().collect();
    let (mut pi, mut ti) = (0, 0);
    // The last ANY seen and the text position it was tried at, to backtrack to.
    let mut star: Option<(usize, usize)> = None;
    while ti < t.len() {
        if p.get(pi) == Some(&ANY) {
            star = Some((pi, ti));
            pi += 1;
        } else if p.get(pi) == Some(&t[ti]) {
            pi += 1;
            ti += 1;
        } else if let Some((sp, st)) = star {
            pi = sp + 1;
            ti = st + 1;
            star = Some((sp, st + 1));
        } else {
            return false;
        }
    }
    p[pi..].iter().all(|&c| c == ANY)
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
        expand(word, '\\', &vars()).replace(ANY, "*")
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
        assert_eq!(expand("C:\\app", '`', &vars()), "C:\\app");
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
    fn deep_nesting_is_cut_short_not_followed() {
        let mut word = String::from("x");
        for _ in 0..10_000 {
            word = format!("${{a:-{word}}}");
        }
        let mut vars = Vars::default();
        vars.set_env("a", String::new());
        assert_eq!(expand(&word, '\\', &vars), ANY.to_string());
    }
}
