//! The squarified treemap layout (Bruls, Huizing and van Wijk, 2000): rectangles whose areas are
//! proportional to their weights, tiling a given rectangle, kept as close to squares as the order
//! allows, so that a tile's area reads as its size and its label fits. Pure arithmetic on `f64` in
//! a fixed order: the same weights give the same picture on every machine.

/// A rectangle: its top-left corner and its size.
#[derive(Debug, Clone, Copy, PartialEq)]
pub(crate) struct Rect {
    /// Left.
    pub x: f64,
    /// Top.
    pub y: f64,
    /// Width.
    pub w: f64,
    /// Height.
    pub h: f64,
}

impl Rect {
    /// The area.
    pub(crate) fn area(&self) -> f64 {
        self.w * self.h
    }
}

/// One rectangle per weight, in order, tiling `rect`: each area is `rect`'s area times its share
/// of the weights. Weights should come largest first, as the algorithm assumes; a weight that is
/// not positive (or not finite) gets an empty rectangle.
pub(crate) fn squarify(weights: &[f64], rect: Rect) -> Vec<Rect> {
    let valid = |w: f64| w.is_finite() && w > 0.0;
    let total: f64 = weights.iter().copied().filter(|w| valid(*w)).sum();
    let empty = Rect {
        w: 0.0,
        h: 0.0,
        ..rect
    };
    let mut out = vec![empty; weights.len()];
    if total <= 0.0 || rect.w <= 0.0 || rect.h <= 0.0 {
        return out;
    }
    let scale = rect.area() / total;
    // The areas to place and where each goes back in `out`.
    let items: Vec<(usize, f64)> = weights
        .iter()
        .enumerate()
        .filter(|(_, w)| valid(**w))
        .map(|(i, w)| (i, w * scale))
        .collect();
    let mut free = rect;
    let mut start = 0;
    while start < items.len() {
        let side = free.w.min(free.h);
        let mut end = start + 1;
        let mut sum = items[start].1;
        let mut worst = worst_ratio(&items[start..end], sum, side);
        while end < items.len() {
            let grown = sum + items[end].1;
            let ratio = worst_ratio(&items[start..=end], grown, side);
            if ratio > worst {
                break;
            }
            (sum, worst, end) = (grown, ratio, end + 1);
        }
        let last = end == items.len();
        place_row(&items[start..end], sum, &mut free, last, &mut out);
        start = end;
    }
    out
}

/// The worst aspect ratio (≥ 1) of a row of areas laid along a side of length `side`.
fn worst_ratio(row: &[(usize, f64)], sum: f64, side: f64) -> f64 {
    let (mut min, mut max) = (f64::INFINITY, 0.0f64);
    for (_, a) in row {
        min = min.min(*a);
        max = max.max(*a);
    }
    let (s2, w2) = (sum * sum, side * side);
    (w2 * max / s2).max(s2 / (w2 * min))
}

/// Lays a row along the shorter side of `free` and takes it out of `free`. The last item of a row
/// ends where the row does, and the last row fills what is left, so that rounding never leaves a
/// gap or an overlap.
fn place_row(row: &[(usize, f64)], sum: f64, free: &mut Rect, last: bool, out: &mut [Rect]) {
    let vertical = free.w >= free.h;
    // The row's thickness across the free rectangle.
    let along = if vertical { free.h } else { free.w };
    let thick = if last {
        if vertical {
            free.w
        } else {
            free.h
        }
    } else {
        sum / along
    };
    let mut offset = 0.0;
    for (k, (i, a)) in row.iter().enumerate() {
        let length = if k + 1 == row.len() {
            along - offset
        } else {
            a / thick
        };
        out[*i] = if vertical {
            Rect {
                x: free.x,
                y: free.y + offset,
                w: thick,
                h: length,
            }
        } else {
            Rect {
                x: free.x + offset,
                y: free.y,
                w: length,
                h: thick,
            }
        };
        offset += length;
    }
    if vertical {
        free.x += thick;
        free.w = (free.w - thick).max(0.0);
    } else {
        free.y += thick;
        free.h = (free.h - thick).max(0.0);
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FRAME: Rect = Rect {
        x: 10.0,
        y: 20.0,
        w: 1200.0,
        h: 720.0,
    };

    fn overlap(a: &Rect, b: &Rect) -> f64 {
        let w = (a.x + a.w).min(b.x + b.w) - a.x.max(b.x);
        let h = (a.y + a.h).min(b.y + b.h) - a.y.max(b.y);
        w.max(0.0) * h.max(0.0)
    }

    fn check(weights: &[f64]) -> Vec<Rect> {
        let rects = squarify(weights, FRAME);
        assert_eq!(rects.len(), weights.len());
        let total: f64 = weights.iter().sum();
        let areas: f64 = rects.iter().map(Rect::area).sum();
        assert!(
            (areas - FRAME.area()).abs() < 1e-6 * FRAME.area(),
            "{areas}"
        );
        for (r, w) in rects.iter().zip(weights) {
            let want = FRAME.area() * w / total;
            assert!(
                (r.area() - want).abs() < 1e-6 * FRAME.area(),
                "{r:?} {want}"
            );
            assert!(r.x >= FRAME.x - 1e-9 && r.y >= FRAME.y - 1e-9);
            assert!(r.x + r.w <= FRAME.x + FRAME.w + 1e-6);
            assert!(r.y + r.h <= FRAME.y + FRAME.h + 1e-6);
        }
        for (i, a) in rects.iter().enumerate() {
            for b in &rects[i + 1..] {
                assert!(overlap(a, b) < 1e-6, "{a:?} overlaps {b:?}");
            }
        }
        rects
    }

    #[test]
    fn areas_add_up_are_proportional_and_never_overlap() {
        check(&[6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0]);
        check(&[1.0]);
        let many: Vec<f64> = (1..=500).rev().map(|i| f64::from(i).powf(1.7)).collect();
        check(&many);
    }

    #[test]
    fn the_paper_example_gives_near_squares() {
        // Bruls et al.'s example: 6, 6, 4, 3, 2, 2, 1 in a 6×4 rectangle.
        let rects = squarify(
            &[6.0, 6.0, 4.0, 3.0, 2.0, 2.0, 1.0],
            Rect {
                x: 0.0,
                y: 0.0,
                w: 6.0,
                h: 4.0,
            },
        );
        let worst = rects
            .iter()
            .map(|r| (r.w / r.h).max(r.h / r.w))
            .fold(0.0, f64::max);
        assert!(worst < 3.0, "{rects:?}");
        assert_eq!(
            rects[0],
            Rect {
                x: 0.0,
                y: 0.0,
                w: 3.0,
                h: 2.0
            }
        );
        assert_eq!(
            rects[1],
            Rect {
                x: 0.0,
                y: 2.0,
                w: 3.0,
                h: 2.0
            }
        );
    }

    #[test]
    fn a_dominant_weight_and_a_crowd_of_tiny_ones_still_tile() {
        let mut weights = vec![1e12];
        weights.extend(std::iter::repeat_n(1.0, 300));
        check(&weights);
    }

    #[test]
    fn weights_that_are_not_positive_get_empty_rectangles() {
        let rects = squarify(&[3.0, 0.0, f64::NAN, 1.0], FRAME);
        assert_eq!((rects[1].area(), rects[2].area()), (0.0, 0.0));
        assert!((rects[0].area() + rects[3].area() - FRAME.area()).abs() < 1e-6);
        assert!(squarify(&[0.0], FRAME).iter().all(|r| r.area() == 0.0));
        assert!(squarify(&[], FRAME).is_empty());
    }

    #[test]
    fn the_same_weights_give_the_same_layout() {
        let weights: Vec<f64> = (1..=50).rev().map(f64::from).collect();
        assert_eq!(squarify(&weights, FRAME), squarify(&weights, FRAME));
    }
}
