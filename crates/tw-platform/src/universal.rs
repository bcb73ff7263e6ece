//! [`UniversalTarget`]: what a universal resolution (`--universal`, issue 17) is for: every
//! environment its `requires-python` allows, on every operating system and architecture,
//! optionally limited by `--environment` markers.
//!
//! A single-target resolution evaluates markers against one interpreter's values; a universal
//! one keeps them as PEP 508 [`MarkerTree`]s and reasons about sets of environments (uv's
//! "universal resolution"). This module turns the inputs into markers:
//! [`UniversalTarget::marker`] is the set of environments covered, and [`wheel_marker`] is the
//! set of environments a wheel's platform tag can be installed in.

use std::ops::Bound;
use std::str::FromStr;

use pep440_rs::{Operator, Version, VersionSpecifiers};
use pep508_rs::MarkerTree;

use crate::{PlatformError, PythonPlatform, PythonVersionRequest, Tags, Target};

/// The environments one universal resolution covers.
#[derive(Clone, Debug)]
pub struct UniversalTarget {
    /// The Python versions covered (`requires-python`), e.g. `>=3.10`.
    pub requires_python: VersionSpecifiers,
    /// The lowest Python version `requires_python` allows (from its `>=`, `>`, `==` or `~=`).
    pub python_lower_bound: Version,
    /// `--environment` markers: when not empty, only environments matching one of them are
    /// covered (uv's `environments`).
    pub environments: Vec<MarkerTree>,
    /// `--required-environment` markers: every locked package must have a wheel for each of
    /// these environments where it is installed, or an sdist.
    pub required_environments: Vec<MarkerTree>,
}

impl UniversalTarget {
    /// A universal target for `requires_python`, which must have a lower bound (a universal
    /// lock for every Python ever released cannot be built from today's wheels).
    pub fn new(
        requires_python: VersionSpecifiers,
        environments: Vec<MarkerTree>,
        required_environments: Vec<MarkerTree>,
    ) -> Result<Self, PlatformError> {
        let python_lower_bound =
            lower_bound(&requires_python).ok_or_else(|| PlatformError::NoPythonLowerBound {
                requires_python: requires_python.to_string(),
            })?;
        Ok(Self {
            requires_python,
            python_lower_bound,
            environments,
            required_environments,
        })
    }

    /// `requires-python` as a marker (`python_full_version >= '3.10'`).
    pub fn requires_python_marker(&self) -> MarkerTree {
        requires_python_marker(&self.requires_python)
    }

    /// Every environment covered: `requires-python`, and one of the `--environment` markers
    /// when any were given.
    pub fn marker(&self) -> MarkerTree {
        let mut marker = self.requires_python_marker();
        if !self.environments.is_empty() {
            let mut any = MarkerTree::FALSE;
            for environment in &self.environments {
                any.or(environment.clone());
            }
            marker.and(any);
        }
        marker
    }

    /// `marker` without what `requires-python` already implies (no `python_full_version >=
    /// '3.10'` in a lock whose `requires-python` says so).
    /// With `--environment`, terms every covered environment satisfies are dropped too
    /// (`sys_platform == 'linux' and python_full_version < '3.11'` is `python_full_version <
    /// '3.11'` in a lock limited to Linux).
    #[must_use]
    pub fn simplify(&self, marker: MarkerTree) -> MarkerTree {
        let marker = marker
            .simplify_python_versions(Bound::Included(&self.python_lower_bound), Bound::Unbounded);
        if self.environments.is_empty() {
            return marker;
        }
        let mut covered = MarkerTree::FALSE;
        for environment in &self.environments {
            covered.or(environment.clone());
        }
        without_implied(&marker, &covered)
    }

    /// A stand-in [`Target`] for the parts of a resolution that want one: CPython at the
    /// lower bound on Linux `x86_64`, with [`Tags::universal`] (every wheel a Python in the
    /// range can install is compatible). Markers are never evaluated against it.
    pub fn target(&self) -> Result<Target, PlatformError> {
        let release = self.python_lower_bound.release();
        let major = release.first().copied().unwrap_or(3);
        let minor = release.get(1).copied().unwrap_or(0);
        let patch = release.get(2).copied().unwrap_or(0);
        let version = PythonVersionRequest::from_str(&format!("{major}.{minor}.{patch}"))?;
        let platform = PythonPlatform::from_str("x86_64-manylinux_2_28")?;
        let mut target = crate::target_from_platform(&version, &platform);
        target.tags = Tags::universal(major, minor);
        Ok(target)
    }
}

/// `marker` with the terms `context` already implies dropped: a shorter marker that is the
/// same as `marker` wherever `context` holds. Greedy over the disjunctive normal form (drop
/// one expression of a conjunction when that changes nothing within `context`), and checked
/// at the end: `marker` itself when the result would differ.
fn without_implied(marker: &MarkerTree, context: &MarkerTree) -> MarkerTree {
    let within = |tree: &MarkerTree| {
        let mut tree = tree.clone();
        tree.and(context.clone());
        tree
    };
    let conjunction = |expressions: &[pep508_rs::MarkerExpression]| {
        let mut tree = MarkerTree::TRUE;
        for expression in expressions {
            tree.and(MarkerTree::expression(expression.clone()));
        }
        tree
    };
    let mut result = MarkerTree::FALSE;
    for mut expressions in marker.to_dnf() {
        let mut index = 0;
        while index < expressions.len() {
            let mut fewer = expressions.clone();
            fewer.remove(index);
            if within(&conjunction(&fewer)) == within(&conjunction(&expressions)) {
                expressions = fewer;
            } else {
                index += 1;
            }
        }
        result.or(conjunction(&expressions));
    }
    if within(&result) == within(marker) {
        result
    } else {
        marker.clone()
    }
}

/// The lowest version `specifiers` allow, when they bound it from below.
fn lower_bound(specifiers: &VersionSpecifiers) -> Option<Version> {
    specifiers
        .iter()
        .filter_map(|specifier| match specifier.operator() {
            Operator::GreaterThanEqual
            | Operator::GreaterThan
            | Operator::Equal
            | Operator::EqualStar
            | Operator::ExactEqual
            | Operator::TildeEqual => Some(specifier.version().clone()),
            _ => None,
        })
        .max()
}

/// `requires-python` specifiers as a marker on `python_full_version`; `TRUE` for none.
pub fn requires_python_marker(specifiers: &VersionSpecifiers) -> MarkerTree {
    let mut marker = MarkerTree::TRUE;
    for specifier in specifiers.iter() {
        let (operator, suffix) = match specifier.operator() {
            Operator::EqualStar => ("==", ".*"),
            Operator::NotEqualStar => ("!=", ".*"),
            operator => (operator_str(*operator), ""),
        };
        let text = format!(
            "python_full_version {operator} '{}{suffix}'",
            specifier.version()
        );
        // Specifiers print as valid marker versions; one that does not parse cannot narrow
        // the range and is left out (a wider range is a safe over-approximation).
        if let Ok(one) = MarkerTree::from_str(&text) {
            marker.and(one);
        }
    }
    marker
}

fn operator_str(operator: Operator) -> &'static str {
    match operator {
        Operator::Equal | Operator::EqualStar => "==",
        Operator::ExactEqual => "===",
        Operator::NotEqual | Operator::NotEqualStar => "!=",
        Operator::TildeEqual => "~=",
        Operator::LessThan => "<",
        Operator::LessThanEqual => "<=",
        Operator::GreaterThan => ">",
        Operator::GreaterThanEqual => ">=",
    }
}

/// The `sys_platform` value of the environments a wheel platform tag installs on (`linux`,
/// `darwin`, `win32`), or `None` for `any` and for platforms tailwheel does not know.
pub fn wheel_sys_platform(platform_tag: &str) -> Option<&'static str> {
    let tag = platform_tag.to_ascii_lowercase();
    if tag.starts_with("manylinux") || tag.starts_with("musllinux") || tag.starts_with("linux") {
        Some("linux")
    } else if tag.starts_with("macosx") {
        Some("darwin")
    } else if tag.starts_with("win") {
        Some("win32")
    } else {
        None
    }
}

/// The environments a wheel platform tag installs on, as a marker: `TRUE` for `any`;
/// `sys_platform` plus `platform_machine` where the tag names a machine the way the marker
/// spells it (`manylinux_2_17_x86_64` → `sys_platform == 'linux' and platform_machine ==
/// 'x86_64'`; `win_amd64` → `... == 'AMD64'`); only `sys_platform` for fat macOS wheels; an
/// unknown platform (`freebsd_13_x86_64`) gives `sys_platform` values other than the three
/// known ones.
pub fn wheel_marker(platform_tag: &str) -> MarkerTree {
    let tag = platform_tag.to_ascii_lowercase();
    if tag == "any" {
        return MarkerTree::TRUE;
    }
    let machine = |value: &str| format!(" and platform_machine == '{value}'");
    let text = match wheel_sys_platform(&tag) {
        Some("linux") => {
            let arch = [
                "x86_64", "aarch64", "i686", "armv7l", "ppc64le", "s390x", "riscv64",
            ]
            .into_iter()
            .find(|arch| tag.ends_with(arch));
            format!(
                "sys_platform == 'linux'{}",
                arch.map(machine).unwrap_or_default()
            )
        }
        Some("darwin") => {
            let arch = if tag.ends_with("_arm64") {
                machine("arm64")
            } else if tag.ends_with("_x86_64") {
                machine("x86_64")
            } else {
                String::new()
            };
            format!("sys_platform == 'darwin'{arch}")
        }
        Some(_) => {
            let arch = match tag.as_str() {
                "win_amd64" => machine("AMD64"),
                "win32" => machine("x86"),
                "win_arm64" => machine("ARM64"),
                _ => String::new(),
            };
            format!("sys_platform == 'win32'{arch}")
        }
        None => "sys_platform != 'linux' and sys_platform != 'darwin' and sys_platform != 'win32'"
            .to_string(),
    };
    MarkerTree::from_str(&text).unwrap_or(MarkerTree::TRUE)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marker(text: &str) -> MarkerTree {
        MarkerTree::from_str(text).unwrap()
    }

    #[test]
    fn requires_python_becomes_a_marker_and_a_lower_bound() {
        let target =
            UniversalTarget::new(">=3.10, <4".parse().unwrap(), Vec::new(), Vec::new()).unwrap();
        assert_eq!(target.python_lower_bound, Version::new([3, 10]));
        assert!(
            target
                .marker()
                .is_disjoint(&marker("python_version < '3.10'"))
        );
        assert!(
            !target
                .marker()
                .is_disjoint(&marker("python_version == '3.12'"))
        );
        // What requires-python implies is dropped.
        let simplified = target.simplify(marker(
            "python_full_version >= '3.8' and sys_platform == 'linux'",
        ));
        assert_eq!(simplified, marker("sys_platform == 'linux'"));
        assert!(UniversalTarget::new("<3.13".parse().unwrap(), Vec::new(), Vec::new()).is_err());
    }

    #[test]
    fn terms_the_environments_imply_are_dropped() {
        let target = UniversalTarget::new(
            ">=3.10".parse().unwrap(),
            vec![marker("sys_platform == 'linux'")],
            Vec::new(),
        )
        .unwrap();
        let simplified = target.simplify(marker(
            "sys_platform == 'linux' and python_full_version < '3.11' and python_full_version >= '3.8'",
        ));
        assert_eq!(simplified, marker("python_full_version < '3.11'"));
        // Nothing to drop: unchanged.
        let other = marker("platform_machine == 'aarch64'");
        assert_eq!(target.simplify(other.clone()), other);
    }

    #[test]
    fn environments_limit_the_marker() {
        let target = UniversalTarget::new(
            ">=3.10".parse().unwrap(),
            vec![
                marker("sys_platform == 'linux'"),
                marker("sys_platform == 'darwin'"),
            ],
            Vec::new(),
        )
        .unwrap();
        assert!(
            target
                .marker()
                .is_disjoint(&marker("sys_platform == 'win32'"))
        );
        assert!(
            !target
                .marker()
                .is_disjoint(&marker("sys_platform == 'darwin'"))
        );
    }

    #[test]
    fn wheel_platforms_as_markers() {
        assert!(wheel_marker("any").is_true());
        let linux = wheel_marker("manylinux_2_17_x86_64");
        assert!(!linux.is_disjoint(&marker(
            "sys_platform == 'linux' and platform_machine == 'x86_64'"
        )));
        assert!(linux.is_disjoint(&marker("platform_machine == 'aarch64'")));
        assert!(wheel_marker("win_amd64").is_disjoint(&marker("sys_platform == 'linux'")));
        assert!(
            !wheel_marker("macosx_11_0_universal2")
                .is_disjoint(&marker("sys_platform == 'darwin'"))
        );
        let freebsd = wheel_marker("freebsd_13_x86_64");
        assert!(freebsd.is_disjoint(&marker("sys_platform == 'linux'")));
        assert!(!freebsd.is_disjoint(&marker("sys_platform == 'freebsd13'")));
    }
}
