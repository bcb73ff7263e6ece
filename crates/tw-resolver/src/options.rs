//! What the user can tune about a resolution.

use std::str::FromStr;

use jiff::Timestamp;
use pep440_rs::Version;
use pep508_rs::PackageName;

/// When pre-release versions may be chosen (uv's `--prerelease` values).
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum PrereleaseMode {
    /// Never.
    Disallow,
    /// Always, for every package.
    Allow,
    /// Only for packages whose versions in range are all pre-releases.
    IfNecessary,
    /// Like `IfNecessary`, but only for packages whose requirements name a pre-release
    /// (e.g. `>=2.0b1`).
    Explicit,
    /// The default: a pre-release when no stable version is in range (a requirement that
    /// names a pre-release, like `>=2.0b1`, usually leaves only pre-releases in range).
    /// Stable versions are preferred whenever one is allowed, as uv does.
    #[default]
    IfNecessaryOrExplicit,
}

impl FromStr for PrereleaseMode {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(match value {
            "disallow" => Self::Disallow,
            "allow" => Self::Allow,
            "if-necessary" => Self::IfNecessary,
            "explicit" => Self::Explicit,
            "if-necessary-or-explicit" => Self::IfNecessaryOrExplicit,
            other => return Err(format!("unknown pre-release mode `{other}`")),
        })
    }
}

/// Which version of each package to prefer.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum ResolutionMode {
    /// The highest compatible version (the default).
    #[default]
    Highest,
    /// The lowest compatible version of every package.
    Lowest,
    /// The lowest version of direct requirements, the highest of the rest.
    LowestDirect,
}

impl FromStr for ResolutionMode {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        Ok(match value {
            "highest" => Self::Highest,
            "lowest" => Self::Lowest,
            "lowest-direct" => Self::LowestDirect,
            other => return Err(format!("unknown resolution mode `{other}`")),
        })
    }
}

/// A set of packages named on the command line, or all of them (pip's `:all:`).
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub enum PackageSelection {
    /// No package.
    #[default]
    None,
    /// Every package.
    All,
    /// These packages.
    Some(std::collections::BTreeSet<PackageName>),
}

impl PackageSelection {
    /// True when `name` is selected.
    pub fn contains(&self, name: &PackageName) -> bool {
        match self {
            Self::None => false,
            Self::All => true,
            Self::Some(names) => names.contains(name),
        }
    }

    /// Apply one pip-style value: `:all:`, `:none:`, or comma-separated names.
    pub fn apply(&mut self, value: &str) -> Result<(), String> {
        for item in value
            .split(',')
            .map(str::trim)
            .filter(|item| !item.is_empty())
        {
            match item {
                ":all:" => *self = Self::All,
                ":none:" => *self = Self::None,
                name => {
                    let name = name
                        .parse::<PackageName>()
                        .map_err(|err| format!("invalid package name `{name}`: {err}"))?;
                    match self {
                        Self::All => {}
                        Self::None => *self = Self::Some(std::iter::once(name).collect()),
                        Self::Some(names) => {
                            names.insert(name);
                        }
                    }
                }
            }
        }
        Ok(())
    }
}

/// Options of one resolution.
#[derive(Clone, Debug, Default)]
pub struct ResolverOptions {
    /// Pre-release policy.
    pub prerelease: PrereleaseMode,
    /// Version preference.
    pub resolution: ResolutionMode,
    /// Ignore files uploaded after this instant (PEP 700 `upload-time`).
    pub exclude_newer: Option<Timestamp>,
    /// Packages that must come from wheels (`--only-binary`): their sdists are never used.
    pub only_binary: PackageSelection,
    /// Never build (`--no-build`): sdists are used only when their `PKG-INFO` is static.
    pub no_build: bool,
    /// Builds sdist metadata when `PKG-INFO` is not enough; `None` when there is no
    /// interpreter to build with (or with `--no-build`).
    pub builder: Option<std::sync::Arc<dyn crate::build::MetadataBuilder>>,
    /// Packages that must come from source distributions (`--no-binary`).
    pub no_binary: PackageSelection,
    /// sha256 digests (lower-case hex) allowed per package by `--hash` in the input; a file
    /// of a listed package with any other hash is never used.
    pub allowed_hashes: std::collections::BTreeMap<PackageName, Vec<String>>,
    /// Versions to keep when still allowed (pins of an existing output file).
    pub preferences: Vec<(PackageName, Version)>,
    /// Requests in flight at once (the HTTP client's limit); speculative fetches use fewer.
    pub concurrency: usize,
    /// Limits on speculative fetching (prefetch depth, in-flight guesses, walk-back batches).
    pub speculation: crate::speculation::SpeculationOptions,
    /// Universal resolutions only: trust the chosen wheel's metadata for every platform, as
    /// uv does, instead of reading one wheel per platform family (issue 17, item 3).
    pub skip_platform_check: bool,
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn pip_style_package_selections() {
        let name = |s: &str| s.parse::<PackageName>().unwrap();
        let mut selection = PackageSelection::None;
        selection.apply("Foo_Bar, baz").unwrap();
        assert!(selection.contains(&name("foo-bar")) && selection.contains(&name("baz")));
        assert!(!selection.contains(&name("other")));
        selection.apply(":all:").unwrap();
        assert!(selection.contains(&name("other")));
        selection.apply(":none:").unwrap();
        assert!(!selection.contains(&name("baz")));
        assert!(selection.apply("not a name!").is_err());
    }
}
