//! The policy file as a tree of YAML values, each with the place it was written, so that every
//! problem can be reported at its `file:line:column` — all of them, not just the first.

use std::fmt;

use serde::de::{self, Deserialize, Deserializer, MapAccess, SeqAccess, Visitor};
use serde_saphyr::{Location, Spanned};

/// Where a value or key stands in the policy text.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub struct Pos {
    /// 1-based line.
    pub line: u64,
    /// 1-based column (characters).
    pub column: u64,
    /// Byte offset of the start in the text.
    pub start: usize,
    /// Length in bytes (0 when unknown).
    pub len: usize,
}

impl Pos {
    fn from_location(loc: &Location) -> Pos {
        let span = loc.span();
        Pos {
            line: loc.line(),
            column: loc.column(),
            start: span.byte_offset().unwrap_or(0) as usize,
            len: span.byte_len().unwrap_or(0) as usize,
        }
    }
}

/// A YAML value with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Node {
    /// Where it was written.
    pub pos: Pos,
    /// What it is.
    pub value: Value,
}

/// The kinds of YAML values.
#[derive(Debug, Clone, PartialEq)]
pub(crate) enum Value {
    /// `~`, `null` or nothing.
    Null,
    /// `true` / `false`.
    Bool(bool),
    /// An integer.
    Int(i64),
    /// A floating-point number.
    Float(f64),
    /// A string.
    Str(String),
    /// A list.
    Seq(Vec<Node>),
    /// A mapping, in file order.
    Map(Vec<(Key, Node)>),
}

/// A mapping key with its position.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct Key {
    /// Where it was written.
    pub pos: Pos,
    /// The key text.
    pub name: String,
}

impl Value {
    /// What was found, for messages: the value itself when it is a scalar (`` `2.5` ``), else its
    /// kind ("a list").
    pub(crate) fn found(&self) -> String {
        match self {
            Value::Bool(b) => format!("`{b}`"),
            Value::Int(i) => format!("`{i}`"),
            Value::Float(f) => format!("`{f}`"),
            Value::Str(s) => format!("the string `{s}`"),
            other => other.kind().to_string(),
        }
    }

    /// What kind of value this is, for messages ("expected a size, found a list").
    pub(crate) fn kind(&self) -> &'static str {
        match self {
            Value::Null => "nothing",
            Value::Bool(_) => "a boolean",
            Value::Int(_) => "an integer",
            Value::Float(_) => "a number",
            Value::Str(_) => "a string",
            Value::Seq(_) => "a list",
            Value::Map(_) => "a mapping",
        }
    }
}

/// A YAML syntax error: where, and what.
#[derive(Debug, Clone, PartialEq)]
pub(crate) struct SyntaxError {
    /// Where the parser stopped.
    pub pos: Pos,
    /// What it says.
    pub message: String,
}

/// Parses the policy text into a tree.
pub(crate) fn parse(text: &str) -> Result<Node, SyntaxError> {
    let raw: Spanned<Raw> = serde_saphyr::from_str(text).map_err(|e| {
        let pos = e.location().map(|l| Pos::from_location(&l)).unwrap_or(Pos {
            line: 1,
            column: 1,
            ..Pos::default()
        });
        // The library's message carries its own rendering of the place; keep the first line.
        let message = e.to_string();
        let message = message.lines().next().unwrap_or_default();
        let message = message
            .strip_prefix("error: ")
            .unwrap_or(message)
            .split_once(": ")
            .filter(|(at, _)| at.starts_with("line "))
            .map_or(message, |(_, m)| m)
            .to_string();
        // The library names its own option to allow duplicates, which users cannot set.
        let message = match message.strip_prefix("duplicate mapping key: ") {
            Some(rest) => format!("duplicate key `{}`", rest.split(',').next().unwrap_or(rest)),
            None => message,
        };
        SyntaxError { pos, message }
    })?;
    Ok(convert(raw))
}

fn convert(raw: Spanned<Raw>) -> Node {
    let pos = Pos::from_location(&raw.referenced);
    let value = match raw.value {
        Raw::Null => Value::Null,
        Raw::Bool(b) => Value::Bool(b),
        Raw::Int(i) => Value::Int(i),
        Raw::Float(f) => Value::Float(f),
        Raw::Str(s) => Value::Str(s),
        Raw::Seq(items) => Value::Seq(items.into_iter().map(convert).collect()),
        Raw::Map(entries) => Value::Map(
            entries
                .into_iter()
                .map(|(k, v)| {
                    let key = Key {
                        pos: Pos::from_location(&k.referenced),
                        name: k.value,
                    };
                    (key, convert(v))
                })
                .collect(),
        ),
    };
    Node { pos, value }
}

/// What serde-saphyr hands over, before positions are converted.
enum Raw {
    Null,
    Bool(bool),
    Int(i64),
    Float(f64),
    Str(String),
    Seq(Vec<Spanned<Raw>>),
    Map(Vec<(Spanned<String>, Spanned<Raw>)>),
}

impl<'de> Deserialize<'de> for Raw {
    fn deserialize<D: Deserializer<'de>>(deserializer: D) -> Result<Self, D::Error> {
        deserializer.deserialize_any(RawVisitor)
    }
}

struct RawVisitor;

impl<'de> Visitor<'de> for RawVisitor {
    type Value = Raw;

    fn expecting(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str("a YAML value")
    }
    fn visit_unit<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_none<E>(self) -> Result<Raw, E> {
        Ok(Raw::Null)
    }
    fn visit_bool<E>(self, v: bool) -> Result<Raw, E> {
        Ok(Raw::Bool(v))
    }
    fn visit_i64<E>(self, v: i64) -> Result<Raw, E> {
        Ok(Raw::Int(v))
    }
    fn visit_u64<E: de::Error>(self, v: u64) -> Result<Raw, E> {
        // Beyond i64 no policy number makes sense; keep it as a float so the reader can say so.
        Ok(i64::try_from(v).map_or(Raw::Float(v as f64), Raw::Int))
    }
    fn visit_f64<E>(self, v: f64) -> Result<Raw, E> {
        Ok(Raw::Float(v))
    }
    fn visit_str<E>(self, v: &str) -> Result<Raw, E> {
        Ok(Raw::Str(v.to_string()))
    }
    fn visit_string<E>(self, v: String) -> Result<Raw, E> {
        Ok(Raw::Str(v))
    }
    fn visit_seq<A: SeqAccess<'de>>(self, mut seq: A) -> Result<Raw, A::Error> {
        let mut items = Vec::new();
        while let Some(item) = seq.next_element::<Spanned<Raw>>()? {
            items.push(item);
        }
        Ok(Raw::Seq(items))
    }
    fn visit_map<A: MapAccess<'de>>(self, mut map: A) -> Result<Raw, A::Error> {
        let mut entries = Vec::new();
        while let Some(key) = map.next_key::<Spanned<String>>()? {
            let value = map.next_value::<Spanned<Raw>>()?;
            entries.push((key, value));
        }
        Ok(Raw::Map(entries))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn values_keep_their_line_column_and_bytes() {
        let text = "image:\n  max_size: 450MB\n  max_layers: 20\n";
        let root = parse(text).expect("parses");
        let Value::Map(top) = &root.value else {
            panic!("map expected")
        };
        let Value::Map(image) = &top[0].1.value else {
            panic!("map expected")
        };
        let (key, value) = &image[0];
        assert_eq!(
            (key.name.as_str(), key.pos.line, key.pos.column),
            ("max_size", 2, 3)
        );
        assert_eq!(value.value, Value::Str("450MB".into()));
        assert_eq!(
            &text[value.pos.start..value.pos.start + value.pos.len],
            "450MB"
        );
        assert_eq!(image[1].1.value, Value::Int(20));
    }

    #[test]
    fn syntax_error_has_a_place() {
        let err = parse("image:\n  max_size: [1, 2\n").expect_err("unclosed");
        assert_eq!((err.pos.line, err.pos.column), (2, 13));
        assert_eq!(err.message, "unclosed bracket '['");
    }
}
