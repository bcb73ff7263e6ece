//! Forks of a universal resolution (issue 17): sets of environments, as PEP 508 markers,
//! that are solved one at a time.
//!
//! A universal resolution does not evaluate a requirement's marker against one interpreter:
//! inside a fork whose marker is `F`, a requirement with marker `m` is required when `m` and
//! `F` overlap, and ignored when they are disjoint. That over-approximates (a dependency of
//! `sys_platform == 'win32'` must also resolve on Linux when the fork covers both), which is
//! harmless until two requirements on one package disagree under different markers
//! (`numpy>=2; python_version >= '3.10'` and `numpy<2; python_version < '3.10'`): then one
//! solve for `F` would fail where two would succeed. So the fork is split into pieces in
//! which every such marker is either always true or always false, and each piece is solved
//! on its own ([`partition`]). This is uv's "forking" (its resolution concepts docs), with
//! the pieces solved from the root again rather than from a cloned solver state: pages and
//! metadata are shared, so a fork costs solver time, not requests.

use std::ops::Bound;

use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
use pep508_rs::{
    ExtraName, ExtraOperator, MarkerExpression, MarkerTree, MarkerTreeKind, MarkerValueExtra,
    MarkerValueVersion,
};
use version_ranges::Ranges;

/// One set of environments solved on its own.
#[derive(Clone, Debug)]
pub(crate) struct Fork {
    /// The environments, `requires-python` and `--environment` included.
    pub(crate) marker: MarkerTree,
    /// The lowest Python version in `marker`: what `Requires-Python` is checked against.
    pub(crate) python_lower: Version,
}

impl Fork {
    /// A fork for `marker`; `fallback` is the lowest Python when the marker does not bound
    /// it (the resolution's `requires-python` lower bound).
    pub(crate) fn new(marker: MarkerTree, fallback: &Version) -> Self {
        let python_lower = python_range(&marker)
            .bounding_range()
            .and_then(|(lower, _)| match lower {
                Bound::Included(version) | Bound::Excluded(version) => Some(version.clone()),
                Bound::Unbounded => None,
            })
            .filter(|lower| lower > fallback)
            .unwrap_or_else(|| fallback.clone());
        Self {
            marker,
            python_lower,
        }
    }

    /// Whether a requirement whose marker (extras already restricted) is `marker` applies
    /// somewhere in this fork.
    pub(crate) fn allows(&self, marker: &MarkerTree) -> bool {
        !self.marker.is_disjoint(marker)
    }

    /// `marker` restricted to this fork.
    pub(crate) fn within(&self, marker: &MarkerTree) -> MarkerTree {
        let mut within = self.marker.clone();
        within.and(marker.clone());
        within
    }

    /// Where a candidate that needs `requires_python`, which this fork's lowest Python does
    /// not meet, splits the fork: `[from, below]` its lowest allowed Python (`[below, from]`
    /// when `lower_first`). `None` when no Python of the fork meets it, or all do.
    ///
    /// uv's default `requires-python` fork strategy: a version that dropped old Pythons is
    /// locked where it runs and an older one below, rather than the older one everywhere.
    /// The lower bound decides (upper bounds are ignored, as by
    /// [`crate::ranges::requires_python_allows`]); an exclusive one (`>3.9`, which no
    /// release is the lowest of) does not split.
    pub(crate) fn split_on_requires_python(
        &self,
        requires_python: &VersionSpecifiers,
        lower_first: bool,
    ) -> Option<Vec<MarkerTree>> {
        let lower_bounds: Vec<VersionSpecifier> = requires_python
            .iter()
            .filter(|s| !matches!(s.operator(), Operator::LessThan | Operator::LessThanEqual))
            .cloned()
            .collect();
        let allowed =
            crate::ranges::specifiers_to_ranges(&VersionSpecifiers::from_iter(lower_bounds));
        let (Bound::Included(lowest), _) = allowed.bounding_range()? else {
            return None;
        };
        if lowest <= &self.python_lower {
            return None;
        }
        let from = MarkerTree::expression(MarkerExpression::Version {
            key: MarkerValueVersion::PythonFullVersion,
            specifier: VersionSpecifier::greater_than_equal_version(lowest.clone()),
        });
        let upper = self.within(&from);
        let lower = self.within(&from.negate());
        if upper.is_false() || lower.is_false() {
            return None;
        }
        Some(if lower_first {
            vec![lower, upper]
        } else {
            vec![upper, lower]
        })
    }
}

/// The Python versions `marker` can be true for (`python_full_version`; `python_version` is
/// stored as `python_full_version` by `pep508_rs`).
pub(crate) fn python_range(marker: &MarkerTree) -> Ranges<Version> {
    match marker.kind() {
        MarkerTreeKind::True => Ranges::full(),
        MarkerTreeKind::False => Ranges::empty(),
        MarkerTreeKind::Version(node) => {
            let python = matches!(
                node.key(),
                MarkerValueVersion::PythonFullVersion | MarkerValueVersion::PythonVersion
            );
            node.edges().fold(Ranges::empty(), |all, (range, child)| {
                let below = python_range(&child);
                let here = if python {
                    range.intersection(&below)
                } else {
                    below
                };
                all.union(&here)
            })
        }
        MarkerTreeKind::String(node) => node.children().fold(Ranges::empty(), |all, (_, child)| {
            all.union(&python_range(&child))
        }),
        MarkerTreeKind::In(node) => node.children().fold(Ranges::empty(), |all, (_, child)| {
            all.union(&python_range(&child))
        }),
        MarkerTreeKind::Contains(node) => {
            node.children().fold(Ranges::empty(), |all, (_, child)| {
                all.union(&python_range(&child))
            })
        }
        MarkerTreeKind::Extra(node) => node.children().fold(Ranges::empty(), |all, (_, child)| {
            all.union(&python_range(&child))
        }),
    }
}

/// `marker` with every `extra` decided: true for the `active` extras, false for all others.
/// What is left speaks only of the environment.
///
/// `pep508_rs` can set an extra to true but not to false, so the marker is rebuilt from its
/// disjunctive normal form (exact, and small for the markers packages write).
pub(crate) fn restrict_extras(marker: &MarkerTree, active: &[ExtraName]) -> MarkerTree {
    if marker.is_true() || marker.is_false() || !mentions_extra(marker) {
        return marker.clone();
    }
    let mut result = MarkerTree::FALSE;
    for conjunction in marker.to_dnf() {
        let mut term = MarkerTree::TRUE;
        let mut possible = true;
        for expression in conjunction {
            match &expression {
                MarkerExpression::Extra { operator, name } => {
                    let on = match name {
                        MarkerValueExtra::Extra(extra) => active.contains(extra),
                        MarkerValueExtra::Arbitrary(_) => false,
                    };
                    let holds = match operator {
                        ExtraOperator::Equal => on,
                        ExtraOperator::NotEqual => !on,
                    };
                    if !holds {
                        possible = false;
                        break;
                    }
                }
                _ => term.and(MarkerTree::expression(expression.clone())),
            }
        }
        if possible {
            result.or(term);
        }
    }
    result
}

/// Whether `marker` tests an `extra` anywhere.
fn mentions_extra(marker: &MarkerTree) -> bool {
    match marker.kind() {
        MarkerTreeKind::True | MarkerTreeKind::False => false,
        MarkerTreeKind::Extra(_) => true,
        MarkerTreeKind::Version(node) => node.edges().any(|(_, child)| mentions_extra(&child)),
        MarkerTreeKind::String(node) => node.children().any(|(_, child)| mentions_extra(&child)),
        MarkerTreeKind::In(node) => node.children().any(|(_, child)| mentions_extra(&child)),
        MarkerTreeKind::Contains(node) => node.children().any(|(_, child)| mentions_extra(&child)),
    }
}

/// Split `fork` into pieces in each of which every marker of `markers` is either always true
/// or always false; empty pieces are dropped. The pieces are disjoint and cover `fork`.
pub(crate) fn partition(fork: &MarkerTree, markers: &[MarkerTree]) -> Vec<MarkerTree> {
    let mut pieces = vec![fork.clone()];
    for marker in markers {
        let mut next = Vec::with_capacity(pieces.len() * 2);
        for piece in pieces {
            let mut inside = piece.clone();
            inside.and(marker.clone());
            let mut outside = piece;
            outside.and(marker.negate());
            next.extend(
                [inside, outside]
                    .into_iter()
                    .filter(|part| !part.is_false()),
            );
        }
        pieces = next;
    }
    pieces
}

/// Where a requirement list must fork: for each package named by two or more requirements
/// whose markers, within `fork`, differ, those markers. `requirements` holds each
/// requirement's name and its marker with extras already restricted; ones disjoint from the
/// fork must have been dropped. `None` when no package needs a fork.
pub(crate) fn fork_markers<'a>(
    fork: &Fork,
    requirements: impl IntoIterator<Item = (&'a pep508_rs::PackageName, MarkerTree)>,
) -> Option<Vec<MarkerTree>> {
    let mut by_name: Vec<(&pep508_rs::PackageName, Vec<MarkerTree>)> = Vec::new();
    for (name, marker) in requirements {
        let within = fork.within(&marker);
        match by_name.iter_mut().find(|(seen, _)| *seen == name) {
            Some((_, markers)) => {
                if !markers.contains(&within) {
                    markers.push(within);
                }
            }
            None => by_name.push((name, vec![within])),
        }
    }
    let mut split = Vec::new();
    for (_, markers) in by_name {
        if markers.len() < 2 {
            continue;
        }
        for marker in markers {
            if marker != fork.marker && !split.contains(&marker) {
                split.push(marker);
            }
        }
    }
    (!split.is_empty()).then_some(split)
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn marker(text: &str) -> MarkerTree {
        MarkerTree::from_str(text).unwrap()
    }

    fn extra(name: &str) -> ExtraName {
        ExtraName::from_str(name).unwrap()
    }

    #[test]
    fn extras_are_decided_and_the_rest_kept() {
        let m = marker("extra == 'dev' and sys_platform == 'linux'");
        assert_eq!(
            restrict_extras(&m, &[extra("dev")]),
            marker("sys_platform == 'linux'")
        );
        assert!(restrict_extras(&m, &[]).is_false());
        let m = marker("extra != 'dev' or python_version >= '3.12'");
        assert!(restrict_extras(&m, &[]).is_true());
        assert_eq!(
            restrict_extras(&m, &[extra("dev")]),
            marker("python_version >= '3.12'")
        );
    }

    #[test]
    fn the_python_range_of_a_marker() {
        let range = python_range(&marker(
            "python_version >= '3.10' and sys_platform == 'linux'",
        ));
        assert!(range.contains(&Version::from_str("3.10").unwrap()));
        assert!(!range.contains(&Version::from_str("3.9").unwrap()));
        let fork = Fork::new(
            marker("python_full_version >= '3.12'"),
            &Version::new([3, 8]),
        );
        assert_eq!(fork.python_lower, Version::new([3, 12]));
        let fork = Fork::new(marker("sys_platform == 'linux'"), &Version::new([3, 8]));
        assert_eq!(fork.python_lower, Version::new([3, 8]));
    }

    #[test]
    fn a_requires_python_splits_a_fork_at_its_lower_bound() {
        let specifiers = |text: &str| VersionSpecifiers::from_str(text).unwrap();
        let fork = Fork::new(
            marker("python_full_version >= '3.9' and sys_platform == 'linux'"),
            &Version::new([3, 9]),
        );
        let pieces = fork
            .split_on_requires_python(&specifiers(">=3.10,<4"), false)
            .unwrap();
        assert_eq!(
            pieces,
            [
                marker("python_full_version >= '3.10' and sys_platform == 'linux'"),
                marker(
                    "python_full_version >= '3.9' and python_full_version < '3.10' and sys_platform == 'linux'"
                ),
            ]
        );
        let lower_first = fork
            .split_on_requires_python(&specifiers(">=3.10"), true)
            .unwrap();
        assert_eq!(lower_first[1], pieces[0]);
        // Met everywhere, met nowhere in the fork, or no lowest release: no split.
        assert!(
            fork.split_on_requires_python(&specifiers(">=3.8"), false)
                .is_none()
        );
        assert!(
            fork.split_on_requires_python(&specifiers(">3.9"), false)
                .is_none()
        );
        let below = Fork::new(
            marker("python_full_version < '3.10'"),
            &Version::new([3, 9]),
        );
        assert!(
            below
                .split_on_requires_python(&specifiers(">=3.10"), false)
                .is_none()
        );
    }

    #[test]
    fn overlapping_markers_are_partitioned_into_disjoint_pieces() {
        let all = marker("python_full_version >= '3.8'");
        let pieces = partition(
            &all,
            &[
                marker("python_version < '3.13'"),
                marker("python_version >= '3.13'"),
                marker("python_version >= '3.14'"),
            ],
        );
        assert_eq!(pieces.len(), 3, "{pieces:?}");
        for (i, a) in pieces.iter().enumerate() {
            for b in &pieces[i + 1..] {
                assert!(a.is_disjoint(b));
            }
        }
        let mut union = MarkerTree::FALSE;
        for piece in &pieces {
            union.or(piece.clone());
        }
        assert_eq!(union, all);
    }

    #[test]
    fn only_disagreeing_requirements_fork() {
        let fork = Fork::new(MarkerTree::TRUE, &Version::new([3, 8]));
        let a = pep508_rs::PackageName::from_str("a").unwrap();
        let b = pep508_rs::PackageName::from_str("b").unwrap();
        // One requirement with a marker, and repeated unmarked ones: no fork.
        assert!(fork_markers(&fork, [(&a, marker("sys_platform == 'linux'"))]).is_none());
        assert!(fork_markers(&fork, [(&a, MarkerTree::TRUE), (&a, MarkerTree::TRUE)]).is_none());
        let split = fork_markers(
            &fork,
            [
                (&a, marker("sys_platform == 'linux'")),
                (&b, MarkerTree::TRUE),
                (&a, marker("sys_platform == 'darwin'")),
            ],
        )
        .unwrap();
        assert_eq!(split.len(), 2);
    }
}
