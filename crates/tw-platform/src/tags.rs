//! [`Tag`] and the ranked set [`Tags`].

use std::borrow::Cow;
use std::fmt;
use std::sync::Arc;

use rustc_hash::FxHashMap;

/// One wheel compatibility tag (PEP 425): Python tag, ABI tag and platform tag.
#[derive(Clone, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Tag {
    /// The Python tag, e.g. `cp311` or `py3`.
    pub python: String,
    /// The ABI tag, e.g. `cp311`, `abi3` or `none`.
    pub abi: String,
    /// The platform tag, e.g. `manylinux_2_17_x86_64` or `any`.
    pub platform: String,
}

impl Tag {
    /// Build a tag from its three parts.
    pub fn new(
        python: impl Into<String>,
        abi: impl Into<String>,
        platform: impl Into<String>,
    ) -> Self {
        Self {
            python: python.into(),
            abi: abi.into(),
            platform: platform.into(),
        }
    }
}

impl fmt::Display for Tag {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}-{}-{}", self.python, self.abi, self.platform)
    }
}

/// `python` → `abi` → `platform` → rank; nested so a lookup borrows `&str` without allocating.
type RankIndex = FxHashMap<String, FxHashMap<String, FxHashMap<String, usize>>>;

/// Ordered compatible tags, most preferred first, with O(1) lookup.
///
/// The rank of a tag is its position in [`Tags::iter`]: 0 is the best. Cloning is cheap (the
/// list and index are shared).
#[derive(Clone, Debug)]
pub struct Tags {
    ordered: Arc<[Tag]>,
    index: Arc<RankIndex>,
    /// For a universal resolution: the lowest Python `(major, minor)` covered; every wheel
    /// some Python from there on can install is then compatible (see [`Tags::universal`]).
    universal: Option<(u64, u64)>,
}

impl Tags {
    /// Build from tags in preference order; tags are lowercased (as `packaging` does) and later
    /// duplicates are dropped, so a tag's rank is its first position.
    pub fn from_ordered(tags: Vec<Tag>) -> Self {
        let mut ordered = Vec::with_capacity(tags.len());
        let mut index = RankIndex::default();
        for tag in tags {
            let tag = Tag {
                python: tag.python.to_ascii_lowercase(),
                abi: tag.abi.to_ascii_lowercase(),
                platform: tag.platform.to_ascii_lowercase(),
            };
            let by_platform = index
                .entry(tag.python.clone())
                .or_default()
                .entry(tag.abi.clone())
                .or_default();
            if by_platform.contains_key(&tag.platform) {
                continue;
            }
            by_platform.insert(tag.platform.clone(), ordered.len());
            ordered.push(tag);
        }
        Self {
            ordered: ordered.into(),
            index: Arc::new(index),
            universal: None,
        }
    }

    /// The tags of a universal resolution (issue 17) whose lowest Python is `major.minor`:
    /// every platform is compatible, and every Python tag some version from `major.minor` on
    /// accepts. Ruled out are tags of an older major (`py2`, `cp27`) and CPython-specific tags
    /// of an older minor (`cp39-cp39`, `cp39-none-any`; `cp39-abi3` stays). Rank 0 is a
    /// pure-Python wheel, 1 any other (so a cheap, generic wheel is read for metadata first).
    pub fn universal(major: u64, minor: u64) -> Self {
        Self {
            ordered: Arc::from(Vec::new()),
            index: Arc::new(RankIndex::default()),
            universal: Some((major, minor)),
        }
    }

    /// Whether these are the tags of a universal resolution ([`Tags::universal`]).
    pub fn is_universal(&self) -> bool {
        self.universal.is_some()
    }

    fn universal_rank(
        lowest: (u64, u64),
        python: &str,
        abi: &str,
        platform: &str,
    ) -> Option<usize> {
        let python = python.to_ascii_lowercase();
        let digits = python.trim_start_matches(|c: char| c.is_ascii_alphabetic());
        let implementation = &python[..python.len() - digits.len()];
        let major = digits
            .chars()
            .next()
            .and_then(|c| c.to_digit(10))
            .map(u64::from)?;
        if major < lowest.0 {
            return None;
        }
        if major == lowest.0
            && implementation == "cp"
            && !abi.eq_ignore_ascii_case("abi3")
            && let Ok(minor) = digits[1..].parse::<u64>()
            && minor < lowest.1
        {
            return None;
        }
        Some(usize::from(!platform.eq_ignore_ascii_case("any")))
    }

    /// Rank of one tag triple (0 = best), `None` if incompatible; the lookup ignores ASCII case.
    pub fn rank(&self, python: &str, abi: &str, platform: &str) -> Option<usize> {
        if let Some(lowest) = self.universal {
            return Self::universal_rank(lowest, python, abi, platform);
        }
        self.index
            .get(lowercase(python).as_ref())?
            .get(lowercase(abi).as_ref())?
            .get(lowercase(platform).as_ref())
            .copied()
    }

    /// Best rank over a wheel filename's compressed tag sets (e.g. pythons `["py2", "py3"]`,
    /// abis `["none"]`, platforms `["any"]`): the minimum over the cartesian product, `None` if
    /// no combination is compatible.
    pub fn best_rank(&self, pythons: &[&str], abis: &[&str], platforms: &[&str]) -> Option<usize> {
        let mut best: Option<usize> = None;
        if let Some(lowest) = self.universal {
            for python in pythons {
                for abi in abis {
                    for platform in platforms {
                        if let Some(rank) = Self::universal_rank(lowest, python, abi, platform) {
                            best = Some(best.map_or(rank, |best| best.min(rank)));
                        }
                    }
                }
            }
            return best;
        }
        for python in pythons {
            let Some(by_abi) = self.index.get(lowercase(python).as_ref()) else {
                continue;
            };
            for abi in abis {
                let Some(by_platform) = by_abi.get(lowercase(abi).as_ref()) else {
                    continue;
                };
                for platform in platforms {
                    if let Some(&rank) = by_platform.get(lowercase(platform).as_ref()) {
                        best = Some(best.map_or(rank, |best| best.min(rank)));
                    }
                }
            }
        }
        best
    }

    /// The tags, most preferred first.
    pub fn iter(&self) -> impl Iterator<Item = &Tag> {
        self.ordered.iter()
    }

    /// The number of distinct tags.
    pub fn len(&self) -> usize {
        self.ordered.len()
    }

    /// Whether there are no tags at all (nothing is installable).
    pub fn is_empty(&self) -> bool {
        self.ordered.is_empty() && self.universal.is_none()
    }
}

/// Tags in wheel filenames are lowercase by convention; only allocate when one is not.
fn lowercase(value: &str) -> Cow<'_, str> {
    if value.bytes().any(|byte| byte.is_ascii_uppercase()) {
        Cow::Owned(value.to_ascii_lowercase())
    } else {
        Cow::Borrowed(value)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn tags(list: &[&str]) -> Tags {
        Tags::from_ordered(
            list.iter()
                .map(|tag| {
                    let mut parts = tag.split('-');
                    Tag::new(
                        parts.next().unwrap(),
                        parts.next().unwrap(),
                        parts.next().unwrap(),
                    )
                })
                .collect(),
        )
    }

    #[test]
    fn rank_is_position_and_first_duplicate_wins() {
        let tags = tags(&[
            "cp311-cp311-manylinux_2_17_x86_64",
            "cp311-abi3-manylinux_2_17_x86_64",
            "CP311-cp311-manylinux_2_17_x86_64",
            "py3-none-any",
        ]);
        assert_eq!(tags.len(), 3);
        assert!(!tags.is_empty());
        assert_eq!(
            tags.rank("cp311", "cp311", "manylinux_2_17_x86_64"),
            Some(0)
        );
        assert_eq!(tags.rank("cp311", "abi3", "manylinux_2_17_x86_64"), Some(1));
        assert_eq!(tags.rank("py3", "none", "any"), Some(2));
        assert_eq!(tags.rank("PY3", "None", "ANY"), Some(2));
        assert_eq!(tags.rank("py2", "none", "any"), None);
        assert_eq!(tags.rank("cp311", "none", "any"), None);
        let display: Vec<String> = tags.iter().map(ToString::to_string).collect();
        assert_eq!(
            display,
            [
                "cp311-cp311-manylinux_2_17_x86_64",
                "cp311-abi3-manylinux_2_17_x86_64",
                "py3-none-any"
            ]
        );
    }

    #[test]
    fn best_rank_takes_the_minimum_over_the_product() {
        let tags = tags(&[
            "cp311-cp311-manylinux_2_28_x86_64",
            "cp311-cp311-manylinux_2_17_x86_64",
            "cp311-cp311-manylinux2014_x86_64",
            "cp311-abi3-manylinux_2_17_x86_64",
            "py311-none-any",
            "py3-none-any",
        ]);
        // `foo-1.0-py2.py3-none-any.whl`
        assert_eq!(
            tags.best_rank(&["py2", "py3"], &["none"], &["any"]),
            Some(5)
        );
        // `foo-1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`
        assert_eq!(
            tags.best_rank(
                &["cp311"],
                &["cp311"],
                &["manylinux2014_x86_64", "manylinux_2_17_x86_64"]
            ),
            Some(1)
        );
        // `foo-1.0-cp37.cp311-abi3-manylinux_2_17_x86_64.whl`
        assert_eq!(
            tags.best_rank(&["cp37", "cp311"], &["abi3"], &["manylinux_2_17_x86_64"]),
            Some(3)
        );
        // Only incompatible combinations.
        assert_eq!(tags.best_rank(&["py2"], &["none"], &["any"]), None);
        assert_eq!(tags.best_rank(&["cp311"], &["cp311"], &["win_amd64"]), None);
        assert_eq!(tags.best_rank(&[], &["none"], &["any"]), None);
    }

    #[test]
    fn empty_tags() {
        let tags = Tags::from_ordered(Vec::new());
        assert!(tags.is_empty());
        assert_eq!(tags.len(), 0);
        assert_eq!(tags.rank("py3", "none", "any"), None);
    }
}

#[cfg(test)]
mod universal_tests {
    use super::*;

    #[test]
    fn universal_tags_accept_every_platform_and_newer_pythons() {
        let tags = Tags::universal(3, 10);
        assert_eq!(tags.best_rank(&["py3"], &["none"], &["any"]), Some(0));
        assert_eq!(tags.rank("cp312", "cp312", "win_amd64"), Some(1));
        assert_eq!(tags.rank("cp39", "abi3", "manylinux_2_17_x86_64"), Some(1));
        assert_eq!(tags.rank("cp39", "cp39", "manylinux_2_17_x86_64"), None);
        assert_eq!(tags.rank("py2", "none", "any"), None);
        assert_eq!(
            tags.best_rank(&["py2", "py3"], &["none"], &["any"]),
            Some(0)
        );
        assert!(tags.is_universal() && !tags.is_empty());
    }
}
