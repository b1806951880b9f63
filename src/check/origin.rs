//! Where each layer of a checked image came from, per `--dockerfile`: a line of the final stage, the
//! base image of its `FROM`, or unknown. Findings about a layer then point at that line.

use serde::Serialize;

use super::report::{ImageCheck, Location};
use crate::dockerfile::{attribute_stage, Attribution, Dockerfile};
use crate::image::Image;

/// The origin of one layer.
#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
#[serde(tag = "origin", rename_all = "kebab-case")]
pub(crate) enum LayerOrigin {
    /// An instruction of the final stage made the layer.
    Instruction {
        /// The layer.
        layer: usize,
        /// The instruction's place in the Dockerfile.
        location: Location,
        /// The instruction, `RUN apt-get …`.
        instruction: String,
    },
    /// The layer is part of the base image the final stage starts `FROM`.
    BaseImage {
        /// The layer.
        layer: usize,
        /// The `FROM` line.
        location: Location,
        /// The base image, as the `FROM` names it.
        from: String,
    },
    /// No instruction of the final stage matches the layer.
    Unknown {
        /// The layer.
        layer: usize,
    },
}

impl LayerOrigin {
    /// The Dockerfile place a finding about this layer points at.
    pub(crate) fn location(&self) -> Option<&Location> {
        match self {
            LayerOrigin::Instruction { location, .. } | LayerOrigin::BaseImage { location, .. } => {
                Some(location)
            }
            LayerOrigin::Unknown { .. } => None,
        }
    }

    /// A short label: `Dockerfile:12` or `base image debian:12 (Dockerfile:1)`.
    pub(crate) fn label(&self) -> String {
        match self {
            LayerOrigin::Instruction { location, .. } => location.file_line(),
            LayerOrigin::BaseImage { location, from, .. } => {
                format!("base image {from} ({})", location.file_line())
            }
            LayerOrigin::Unknown { .. } => "no matching instruction".to_string(),
        }
    }
}

/// Where each layer of `image` came from: the instructions of `stage` of `dockerfile` (the image's
/// build target), bottom first.
pub(crate) fn layer_origins(
    image: &Image,
    dockerfile: &Dockerfile,
    stage: usize,
) -> Vec<LayerOrigin> {
    let created_by: Vec<Option<&str>> = image
        .layers
        .iter()
        .map(|l| l.created_by.as_deref())
        .collect();
    let from_line = dockerfile.stages.get(stage).map_or(1, |s| s.line);
    let place = |line: usize, column: usize| Location {
        file: dockerfile.file.clone(),
        line: line as u64,
        column: column as u64,
    };
    attribute_stage(dockerfile, stage, &created_by)
        .into_iter()
        .enumerate()
        .map(|(layer, a)| match a {
            Attribution::Instruction {
                line,
                column,
                keyword,
                text,
            } => LayerOrigin::Instruction {
                layer,
                location: place(line, column),
                instruction: format!("{keyword} {text}"),
            },
            Attribution::BaseImage { from } => LayerOrigin::BaseImage {
                layer,
                location: place(from_line, 1),
                from,
            },
            Attribution::Unknown => LayerOrigin::Unknown { layer },
        })
        .collect()
}

/// Points the findings of `check` at the lines that made their layers, `origins` being where each
/// layer came from (bottom first). The waste findings' sources have theirs already.
pub(super) fn attribute_to_dockerfile(check: &mut ImageCheck, origins: Vec<LayerOrigin>) {
    check.origins = origins;
    let line_of = |layer: Option<usize>| {
        layer
            .and_then(|l| check.origins.get(l))
            .and_then(LayerOrigin::location)
            .cloned()
    };
    for finding in &mut check.findings {
        finding.dockerfile = line_of(finding.layer);
        // A growth finding names the layers that grew most: each with the line that made it.
        for grown in finding.grew.iter_mut().flat_map(|g| &mut g.layers) {
            grown.dockerfile = line_of(grown.change.new_index);
        }
    }
}
