//! Layers of two images side by side: aligned by `diff_id` first, then by build instruction, then
//! by position, each row saying whether the layer is the same, changed, added or removed.

use std::collections::{HashMap, VecDeque};

use serde::Serialize;

use crate::analysis::summary::LayerSummary;

/// How a layer of the new image relates to the base.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub(crate) enum LayerStatus {
    /// The same `diff_id` in both (possibly at another position).
    Same,
    /// Paired by build instruction or position, with other contents.
    Changed,
    /// Only in the new image.
    Added,
    /// Only in the base.
    Removed,
}

impl LayerStatus {
    /// The word of the contract and the tables.
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            LayerStatus::Same => "same",
            LayerStatus::Changed => "changed",
            LayerStatus::Added => "added",
            LayerStatus::Removed => "removed",
        }
    }
}

/// One row of the layer comparison.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub(crate) struct LayerDelta {
    /// Same, changed, added or removed.
    pub status: LayerStatus,
    /// Position in the base, bottom first; `null` for an added layer.
    pub base_index: Option<usize>,
    /// Position in the new image; `null` for a removed layer.
    pub new_index: Option<usize>,
    /// The new layer's `diff_id` (the base's for a removed one).
    pub digest: String,
    /// The new layer's build instruction (the base's for a removed one).
    pub created_by: Option<String>,
    /// The base layer's bytes, when there is one.
    pub base_size: Option<u64>,
    /// The new layer's bytes, when there is one.
    pub new_size: Option<u64>,
    /// `new_size - base_size`, a missing side counting 0.
    pub size_delta: i128,
}

/// Pairs the layers of `base` and `new` and says how each pair differs; rows in the new image's
/// order, a removed layer after the row of the base layer below it.
pub(crate) fn align(base: &[LayerSummary], new: &[LayerSummary]) -> Vec<LayerDelta> {
    let mut pair: Vec<Option<usize>> = vec![None; new.len()];
    let mut taken = vec![false; base.len()];
    // diff_id, then build instruction: the first free base layer with the same key, in order.
    let keys: [fn(&LayerSummary) -> Option<&str>; 2] =
        [|l| Some(l.digest.as_str()), |l| l.created_by.as_deref()];
    for key in keys {
        let mut free: HashMap<&str, VecDeque<usize>> = HashMap::new();
        for (j, l) in base.iter().enumerate().filter(|(j, _)| !taken[*j]) {
            if let Some(k) = key(l) {
                free.entry(k).or_default().push_back(j);
            }
        }
        for (i, l) in new.iter().enumerate() {
            if pair[i].is_some() {
                continue;
            }
            if let Some(j) = key(l).and_then(|k| free.get_mut(k)?.pop_front()) {
                pair[i] = Some(j);
                taken[j] = true;
            }
        }
    }
    for (i, p) in pair.iter_mut().enumerate() {
        if p.is_none() && taken.get(i) == Some(&false) {
            *p = Some(i);
            taken[i] = true;
        }
    }
    let rows: Vec<LayerDelta> = new
        .iter()
        .zip(&pair)
        .enumerate()
        .map(|(i, (n, p))| {
            let b = p.map(|j| &base[j]);
            let status = match b {
                None => LayerStatus::Added,
                Some(b) if b.digest == n.digest => LayerStatus::Same,
                Some(_) => LayerStatus::Changed,
            };
            LayerDelta {
                status,
                base_index: *p,
                new_index: Some(i),
                digest: n.digest.clone(),
                created_by: n.created_by.clone(),
                base_size: b.map(|b| b.size),
                new_size: Some(n.size),
                size_delta: i128::from(n.size) - i128::from(b.map_or(0, |b| b.size)),
            }
        })
        .collect();
    // A removed layer goes after the last row whose base layer is below it. `lowest[p]`, the
    // least base index from row p on, only grows with p, so that row is found by bisection: no
    // quadratic insertion, even for a saved report of a million layers.
    let mut lowest: Vec<usize> = rows
        .iter()
        .map(|r| r.base_index.unwrap_or(usize::MAX))
        .collect();
    for p in (0..lowest.len().saturating_sub(1)).rev() {
        lowest[p] = lowest[p].min(lowest[p + 1]);
    }
    let mut removed: Vec<(usize, LayerDelta)> = base
        .iter()
        .enumerate()
        .filter(|(j, _)| !taken[*j])
        .map(|(j, b)| {
            let after = lowest.partition_point(|&m| m < j);
            let row = LayerDelta {
                status: LayerStatus::Removed,
                base_index: Some(j),
                new_index: None,
                digest: b.digest.clone(),
                created_by: b.created_by.clone(),
                base_size: Some(b.size),
                new_size: None,
                size_delta: -i128::from(b.size),
            };
            (after, row)
        })
        .collect();
    if removed.is_empty() {
        return rows;
    }
    // Stable: removed layers keep the base's order among themselves.
    removed.sort_by_key(|(after, _)| *after);
    let mut merged = Vec::with_capacity(rows.len() + removed.len());
    let mut removed = removed.into_iter().peekable();
    for (p, row) in rows.into_iter().enumerate() {
        while let Some((_, r)) = removed.next_if(|(after, _)| *after <= p) {
            merged.push(r);
        }
        merged.push(row);
    }
    merged.extend(removed.map(|(_, r)| r));
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn layer(index: usize, digest: &str, size: u64, created_by: &str) -> LayerSummary {
        LayerSummary {
            index,
            digest: digest.into(),
            size,
            files: 1,
            created_by: Some(created_by.into()),
        }
    }

    fn statuses(rows: &[LayerDelta]) -> Vec<(LayerStatus, Option<usize>, Option<usize>, i128)> {
        rows.iter()
            .map(|r| (r.status, r.base_index, r.new_index, r.size_delta))
            .collect()
    }

    #[test]
    fn layers_pair_by_digest_then_instruction_then_position() {
        use LayerStatus::*;
        let base = [
            layer(0, "a", 100, "FROM"),
            layer(1, "b", 10, "COPY app"),
            layer(2, "c", 5, "RUN x"),
            layer(3, "d", 7, "RUN gone"),
        ];
        let new = [
            layer(0, "a", 100, "FROM"),
            layer(1, "b2", 30, "COPY app"),
            layer(2, "e", 1, "RUN other"),
            layer(3, "c", 5, "RUN x"),
            layer(4, "f", 2, "RUN new"),
        ];
        assert_eq!(
            statuses(&align(&base, &new)),
            vec![
                (Same, Some(0), Some(0), 0),
                (Changed, Some(1), Some(1), 20),
                (Added, None, Some(2), 1),
                (Same, Some(2), Some(3), 0),
                (Removed, Some(3), None, -7),
                (Added, None, Some(4), 2),
            ]
        );
    }

    #[test]
    fn removed_layers_sit_after_the_layer_below_them() {
        use LayerStatus::*;
        let base = [
            layer(0, "a", 1, "A"),
            layer(1, "b", 2, "B"),
            layer(2, "c", 3, "C"),
        ];
        let new = [layer(0, "a", 1, "A"), layer(1, "c", 3, "C")];
        assert_eq!(
            statuses(&align(&base, &new)),
            vec![
                (Same, Some(0), Some(0), 0),
                (Removed, Some(1), None, -2),
                (Same, Some(2), Some(1), 0),
            ]
        );
    }

    #[test]
    fn reordered_layers_are_the_same_layers_at_new_positions() {
        use LayerStatus::*;
        let base = [layer(0, "a", 1, "A"), layer(1, "b", 2, "B")];
        let new = [layer(0, "b", 2, "B"), layer(1, "a", 1, "A")];
        assert_eq!(
            statuses(&align(&base, &new)),
            vec![(Same, Some(1), Some(0), 0), (Same, Some(0), Some(1), 0)]
        );
    }
}
