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
    /// Only for packages whose requirements name a pre-release (e.g. `>=2.0b1`).
    Explicit,
    /// `IfNecessary` or `Explicit` (the default).
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

/// Options of one resolution.
#[derive(Clone, Debug, Default)]
pub struct ResolverOptions {
    /// Pre-release policy.
    pub prerelease: PrereleaseMode,
    /// Version preference.
    pub resolution: ResolutionMode,
    /// Ignore files uploaded after this instant (PEP 700 `upload-time`).
    pub exclude_newer: Option<Timestamp>,
    /// Never use source distributions.
    pub no_build: bool,
    /// Versions to keep when still allowed (pins of an existing output file).
    pub preferences: Vec<(PackageName, Version)>,
    /// Fetches in flight at once for prefetching metadata.
    pub concurrency: usize,
}
