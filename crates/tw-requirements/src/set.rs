//! The result of reading requirement sources: requirements, constraints and index settings.

use pep508_rs::{ExtraName, PackageName, Requirement};

use crate::Origin;

/// One requirement or constraint with its `--hash` values and where it was written.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct RequirementEntry {
    /// The parsed PEP 508 requirement (names normalised by `pep508_rs`; its own `origin` is left
    /// `None`, see [`RequirementEntry::origin`]).
    pub requirement: Requirement,
    /// The `--hash` values exactly as given, e.g. `sha256:0123…`; validated as
    /// `sha256`/`sha384`/`sha512` plus a hex digest of the right length.
    pub hashes: Vec<String>,
    /// Where the requirement starts in its file.
    pub origin: Origin,
}

/// Index options collected from requirements files (`-i`, `--extra-index-url`, `-f`,
/// `--no-index`, `--pre`, `--only-binary`, `--no-binary`, `--trusted-host`).
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct IndexSettings {
    /// The first `--index-url` seen, if any.
    pub index_url: Option<String>,
    /// Every `--extra-index-url`, in file order.
    pub extra_index_urls: Vec<String>,
    /// Every `--find-links`; relative local paths are made absolute against the including
    /// file's directory, URLs are kept as given.
    pub find_links: Vec<String>,
    /// Whether any file said `--no-index`.
    pub no_index: bool,
    /// Whether any file said `--pre`.
    pub pre: bool,
    /// Every `--only-binary` value (pip's syntax: names, `:all:`, `:none:`), in file order.
    pub only_binary: Vec<String>,
    /// Every `--no-binary` value, in file order.
    pub no_binary: Vec<String>,
    /// Every `--trusted-host` value with where it was written; the CLI honours it for plain
    /// HTTP locations and refuses it for HTTPS ones.
    pub trusted_hosts: Vec<(String, Origin)>,
}

impl IndexSettings {
    /// Merge `other` into `self`: keep the first index URL, append lists, OR the flags.
    pub fn extend(&mut self, other: Self) {
        if self.index_url.is_none() {
            self.index_url = other.index_url;
        }
        self.extra_index_urls.extend(other.extra_index_urls);
        self.find_links.extend(other.find_links);
        self.no_index |= other.no_index;
        self.pre |= other.pre;
        self.only_binary.extend(other.only_binary);
        self.no_binary.extend(other.no_binary);
        self.trusted_hosts.extend(other.trusted_hosts);
    }
}

/// Everything read from one or more sources, in file order.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementsSet {
    /// Requirements to resolve.
    pub requirements: Vec<RequirementEntry>,
    /// Constraints (from `-c` files): they limit versions but do not add packages.
    pub constraints: Vec<RequirementEntry>,
    /// Requirements that name a direct reference (paths, archive URLs, git, `-e`), in file
    /// order (issue 16).
    pub direct: Vec<crate::DirectEntry>,
    /// Input `pyproject.toml` files whose dependencies are `dynamic`: the caller builds them
    /// to learn their dependencies (issue 16).
    pub dynamic_projects: Vec<crate::DynamicProject>,
    /// Index options found in the files.
    pub index: IndexSettings,
    /// Things that were accepted but ignored (e.g. `--trusted-host`), each naming `file:line:column`.
    pub warnings: Vec<String>,
}

impl RequirementsSet {
    /// Append `other` after `self`: entries and warnings are appended, index settings merged
    /// with [`IndexSettings::extend`] (the earlier `index_url` wins).
    pub fn extend(&mut self, other: Self) {
        self.requirements.extend(other.requirements);
        self.constraints.extend(other.constraints);
        self.direct.extend(other.direct);
        self.dynamic_projects.extend(other.dynamic_projects);
        self.index.extend(other.index);
        self.warnings.extend(other.warnings);
    }
}

/// Which `[project.optional-dependencies]` of a `pyproject.toml` to include.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum ExtrasSelection {
    /// Only `[project] dependencies`.
    #[default]
    None,
    /// These extras; each must be defined by the project.
    Some(Vec<ExtraName>),
    /// Every extra the project defines.
    All,
}

/// A [PEP 735](https://peps.python.org/pep-0735/) dependency group name, normalized as
/// package names are (`Dev_Tools` and `dev-tools` are one group).
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct GroupName(PackageName);

impl std::str::FromStr for GroupName {
    type Err = pep508_rs::InvalidNameError;

    fn from_str(name: &str) -> Result<Self, Self::Err> {
        PackageName::from_str(name).map(Self)
    }
}

impl std::fmt::Display for GroupName {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        self.0.fmt(f)
    }
}

/// Which `[dependency-groups]` (PEP 735) of a `pyproject.toml` to include.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub enum GroupsSelection {
    /// None of them.
    #[default]
    None,
    /// These groups; each must be defined.
    Some(Vec<GroupName>),
    /// Every group the file defines.
    All,
}

/// What to read from a `pyproject.toml` besides `[project] dependencies`.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct PyprojectSelection {
    /// Optional dependencies (`--extra`, `--all-extras`).
    pub extras: ExtrasSelection,
    /// Dependency groups (`--group`, `--all-groups`).
    pub groups: GroupsSelection,
}

impl From<ExtrasSelection> for PyprojectSelection {
    fn from(extras: ExtrasSelection) -> Self {
        Self {
            extras,
            groups: GroupsSelection::None,
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn extend_merges_index_settings() {
        let mut first = RequirementsSet {
            index: IndexSettings {
                index_url: None,
                extra_index_urls: vec!["https://a.example.invalid/simple".into()],
                pre: true,
                ..IndexSettings::default()
            },
            warnings: vec!["w1".into()],
            ..RequirementsSet::default()
        };
        let second = RequirementsSet {
            index: IndexSettings {
                index_url: Some("https://index.example.invalid/simple".into()),
                extra_index_urls: vec!["https://b.example.invalid/simple".into()],
                find_links: vec!["/wheels".into()],
                no_index: true,
                pre: false,
                ..IndexSettings::default()
            },
            warnings: vec!["w2".into()],
            ..RequirementsSet::default()
        };
        first.extend(second);
        let third = RequirementsSet {
            index: IndexSettings {
                index_url: Some("https://late.example.invalid/simple".into()),
                ..IndexSettings::default()
            },
            ..RequirementsSet::default()
        };
        first.extend(third);
        assert_eq!(
            first.index,
            IndexSettings {
                index_url: Some("https://index.example.invalid/simple".into()),
                extra_index_urls: vec![
                    "https://a.example.invalid/simple".into(),
                    "https://b.example.invalid/simple".into()
                ],
                find_links: vec!["/wheels".into()],
                no_index: true,
                pre: true,
                ..IndexSettings::default()
            }
        );
        assert_eq!(first.warnings, ["w1", "w2"]);
    }
}
