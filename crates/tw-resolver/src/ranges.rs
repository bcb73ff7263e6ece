//! PEP 440 specifiers as PubGrub ranges, with the rules `pep440_rs`'s conversion leaves out.
//!
//! [PEP 440](https://peps.python.org/pep-0440/#version-specifiers) says:
//! * `==V` and `!=V` without a local label ignore local labels: `==1.0` matches `1.0+cpu`;
//!   so does `<=V` (it includes everything `==V` does).
//! * `>V` never matches a local version of `V`; when `V` is a post-release, the next
//!   post-release's dev releases (`V.post(N+1).devM`) are above it and match.
//! * `<V` excludes pre-releases of `V` unless `V` is one; for a post-release `V.postN`, its
//!   own dev releases are excluded but `V` and `V`'s pre-releases are below it and match.
//!
//! Local versions of `V` sort after `V` and before the smallest version above every one of
//! them, [`after_locals`]`(V)`; the rules above become plain intervals with that bound.

use pep440_rs::{Operator, Version, VersionSpecifier, VersionSpecifiers};
use version_ranges::Ranges;

/// The smallest version above every `V+local`: the next dev, post or post-dev release.
pub(crate) fn after_locals(version: &Version) -> Version {
    if let Some(dev) = version.dev() {
        version.clone().with_dev(Some(dev + 1))
    } else if let Some(post) = version.post() {
        version.clone().with_post(Some(post + 1)).with_dev(Some(0))
    } else {
        version.clone().with_post(Some(0)).with_dev(Some(0))
    }
}

/// One specifier as a range.
pub(crate) fn specifier_to_range(specifier: &VersionSpecifier) -> Ranges<Version> {
    let version = specifier.version();
    let no_local = version.local().is_empty();
    match specifier.operator() {
        Operator::Equal if no_local => Ranges::between(version.clone(), after_locals(version)),
        Operator::NotEqual if no_local => {
            Ranges::between(version.clone(), after_locals(version)).complement()
        }
        Operator::LessThanEqual if no_local => Ranges::strictly_lower_than(after_locals(version)),
        Operator::GreaterThan if version.post().is_some() && version.dev().is_none() => {
            Ranges::higher_than(after_locals(version))
        }
        Operator::LessThan
            if version.post().is_some() && version.dev().is_none() && version.pre().is_none() =>
        {
            Ranges::strictly_lower_than(version.clone().with_dev(Some(0)))
        }
        _ => Ranges::from(specifier.clone()),
    }
}

/// All specifiers of a requirement, intersected.
pub(crate) fn specifiers_to_ranges(specifiers: &VersionSpecifiers) -> Ranges<Version> {
    specifiers.iter().fold(Ranges::full(), |range, specifier| {
        range.intersection(&specifier_to_range(specifier))
    })
}

/// Whether a `Requires-Python` allows `python`, ignoring upper bounds (`<`, `<=`), as uv
/// does: an upper bound on Python is nearly always a guess about the future that the
/// package's authors did not mean as a hard limit, and honouring it makes resolutions fail
/// or backtrack into ancient versions.
pub(crate) fn requires_python_allows(specifiers: &VersionSpecifiers, python: &Version) -> bool {
    specifiers
        .iter()
        .filter(|s| !matches!(s.operator(), Operator::LessThan | Operator::LessThanEqual))
        .all(|s| s.contains(python))
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use super::*;

    fn range(s: &str) -> Ranges<Version> {
        specifiers_to_ranges(&VersionSpecifiers::from_str(s).unwrap())
    }

    fn v(s: &str) -> Version {
        Version::from_str(s).unwrap()
    }

    #[test]
    fn local_versions() {
        assert!(range("==1.2.3").contains(&v("1.2.3+foo")));
        assert!(!range("!=1.2.3").contains(&v("1.2.3+foo")));
        assert!(range("<=1.2.3").contains(&v("1.2.3+foo")));
        assert!(!range("<=1.2.3").contains(&v("1.2.3.post0")));
        assert!(!range(">1.2.3").contains(&v("1.2.3+foo")));
        assert!(range("==1.2.3+foo").contains(&v("1.2.3+foo")));
        assert!(!range("==1.2.3+foo").contains(&v("1.2.3+bar")));
    }

    #[test]
    fn post_releases() {
        assert!(range(">1.2.3.post0").contains(&v("1.2.3.post1.dev0")));
        assert!(!range(">1.2.3.post0").contains(&v("1.2.3.post0+local")));
        assert!(!range(">1.2.3").contains(&v("1.2.3.post1")));
        let below = range("<1.2.3.post1");
        assert!(
            below.contains(&v("1.2.3"))
                && below.contains(&v("1.2.3a1"))
                && below.contains(&v("1.2.3.post0"))
        );
        assert!(!below.contains(&v("1.2.3.post1.dev0")));
    }

    #[test]
    fn requires_python_ignores_upper_bounds() {
        let spec = VersionSpecifiers::from_str(">=3.8,<=3.8").unwrap();
        assert!(requires_python_allows(&spec, &v("3.12.0")));
        let spec = VersionSpecifiers::from_str(">=3.13").unwrap();
        assert!(!requires_python_allows(&spec, &v("3.12.0")));
    }
}
