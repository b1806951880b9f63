//! The line above a table that names its image: fitted to the log as the table is, by cutting
//! the names in it rather than wrapping it.

use super::{cut_middle, text_width};

/// A line above a table that names images (`app:1 (linux/amd64)`, `app:2 (base app:1)`): its
/// words are sizegate's and stay whole, its names (references, platforms: the archive's, any
/// length) are cut in the middle when the line is wider than the log, so that each keeps its
/// end (the tag) and its start (the registry, the repository). The room left by the words is
/// shared fairly: a short name stays whole and the longest ones give way; each keeps
/// [`LEAST_NAME`] columns at least, the line is then wider than asked rather than nameless.
/// Cutting, not wrapping, keeps the heading one line over its table: the JSON reports keep the
/// names whole.
#[derive(Debug, Clone, Default)]
pub(crate) struct Heading {
    /// The pieces in order, each with whether it is a name (cut) or words (kept).
    pieces: Vec<(String, bool)>,
}

/// The fewest columns a name of a heading is cut to.
const LEAST_NAME: usize = 12;

impl Heading {
    /// Adds sizegate's own words.
    pub(crate) fn words(mut self, words: impl Into<String>) -> Heading {
        self.pieces.push((words.into(), false));
        self
    }

    /// Adds a name, already escaped.
    pub(crate) fn name(mut self, name: impl Into<String>) -> Heading {
        self.pieces.push((name.into(), true));
        self
    }

    /// Adds the pieces of `other`.
    pub(crate) fn then(mut self, other: Heading) -> Heading {
        self.pieces.extend(other.pieces);
        self
    }

    /// The whole line (for the formats that are not read in a log of some width).
    pub(crate) fn text(&self) -> String {
        self.pieces.iter().map(|(p, _)| p.as_str()).collect()
    }

    /// The line at most `width` columns wide, its names cut as the type's documentation says.
    pub(crate) fn fit(&self, width: usize) -> String {
        let whole = self.text();
        if text_width(&whole) <= width {
            return whole;
        }
        let fixed: usize = self
            .pieces
            .iter()
            .filter(|(_, name)| !name)
            .map(|(p, _)| text_width(p))
            .sum();
        let mut left = width.saturating_sub(fixed);
        // The shortest names first: each takes its width or its share of what is left.
        let mut names: Vec<(usize, usize)> = self
            .pieces
            .iter()
            .enumerate()
            .filter(|(_, (_, name))| *name)
            .map(|(i, (p, _))| (i, text_width(p)))
            .collect();
        names.sort_by_key(|(_, w)| *w);
        let mut rooms = vec![usize::MAX; self.pieces.len()];
        let count = names.len();
        for (k, (i, w)) in names.into_iter().enumerate() {
            let share = left / (count - k);
            let room = w.min(share.max(LEAST_NAME));
            left = left.saturating_sub(room);
            if let Some(r) = rooms.get_mut(i) {
                *r = room;
            }
        }
        self.pieces
            .iter()
            .zip(rooms)
            .map(|((p, name), room)| match name {
                true => cut_middle(p, room),
                false => p.clone(),
            })
            .collect()
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_heading_cuts_its_names_and_keeps_its_words() {
        let tag = "t".repeat(100);
        let heading = Heading::default()
            .name(format!("team/app:{tag}"))
            .words(" (")
            .name("linux/amd64")
            .words(")");
        assert_eq!(heading.fit(200), heading.text());
        let fitted = heading.fit(40);
        assert_eq!(text_width(&fitted), 40, "{fitted}");
        assert!(fitted.starts_with("team/app…t"), "{fitted}");
        assert!(fitted.ends_with("ttt (linux/amd64)"), "{fitted}");
        // Two long names share the room; a width too small keeps a few columns of each.
        let two = heading
            .clone()
            .words(" (base ")
            .then(Heading::default().name(format!("team/app:{}", "u".repeat(100))))
            .words(")");
        let fitted = two.fit(80);
        assert_eq!(text_width(&fitted), 80, "{fitted}");
        assert!(fitted.contains("ttt (linux/amd64) (base team"), "{fitted}");
        assert!(fitted.ends_with("uuu)"), "{fitted}");
        let narrow = two.fit(1);
        let platform = "linux/amd64".len();
        assert_eq!(
            text_width(&narrow),
            platform + 12 * 2 + text_width(" () (base )")
        );
    }
}
