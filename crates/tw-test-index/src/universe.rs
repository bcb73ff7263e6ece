//! The description of what an index serves: projects, their versions and each version's
//! metadata and files.

use std::collections::BTreeMap;

/// The upload time a release gets unless [`Release::upload_time`] says otherwise.
const DEFAULT_UPLOAD_TIME: &str = "2024-01-01T00:00:00Z";

/// A package universe to serve: projects keyed by their normalized name, each with its
/// versions in the order they were added.
#[derive(Clone, Debug, Default)]
pub struct Universe {
    projects: BTreeMap<String, Project>,
}

/// One project of a [`Universe`].
#[derive(Clone, Debug)]
pub(crate) struct Project {
    /// The name as first given, for page titles.
    pub(crate) display_name: String,
    /// Versions in insertion order.
    pub(crate) releases: Vec<Release>,
}

impl Universe {
    /// An empty universe.
    pub fn new() -> Self {
        Self::default()
    }

    /// Add (or extend) package `name` with one version; returns a builder for that version's
    /// details. Asking again for the same name and version returns the existing release.
    pub fn version(&mut self, name: &str, version: &str) -> &mut Release {
        let project = self
            .projects
            .entry(normalize_name(name))
            .or_insert_with(|| Project {
                display_name: name.to_string(),
                releases: Vec::new(),
            });
        let position = if let Some(position) = project
            .releases
            .iter()
            .position(|release| release.version == version)
        {
            position
        } else {
            project.releases.push(Release::new(name, version));
            project.releases.len() - 1
        };
        &mut project.releases[position]
    }

    /// Projects sorted by normalized name.
    pub(crate) fn projects(&self) -> impl Iterator<Item = (&str, &Project)> {
        self.projects
            .iter()
            .map(|(normalized, project)| (normalized.as_str(), project))
    }
}

/// One version of a project: its dependencies, its files and the quirks it is served with.
#[derive(Clone, Debug)]
pub struct Release {
    pub(crate) name: String,
    pub(crate) version: String,
    pub(crate) requires: Vec<String>,
    pub(crate) extras: Vec<(String, Vec<String>)>,
    pub(crate) requires_python: Option<String>,
    pub(crate) wheel_tags: Vec<String>,
    pub(crate) wheel: bool,
    pub(crate) sdist: bool,
    pub(crate) yanked: bool,
    pub(crate) upload_time: String,
    pub(crate) metadata_name: Option<String>,
    pub(crate) metadata_version: Option<String>,
    pub(crate) dynamic_sdist: bool,
    /// Extra `Requires-Dist` lines that only the PEP 658 `.metadata` file carries.
    pub(crate) pep658_only_requires: Vec<String>,
    pub(crate) layout: WheelLayout,
    /// How the sdist is built ([`Release::sdist_zip`], [`Release::sdist_member`], ...).
    pub(crate) sdist_layout: SdistLayout,
    /// Extra files in every wheel of this version ([`Release::wheel_member`]).
    pub(crate) wheel_members: Vec<(String, Vec<u8>)>,
}

/// How a release's sdist is built; the default is a `.tar.gz` with `PKG-INFO` (metadata 2.2)
/// and `pyproject.toml`.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct SdistLayout {
    /// A `.zip` sdist instead of `.tar.gz` ([`Release::sdist_zip`]).
    pub(crate) zip: bool,
    /// `Metadata-Version` of `PKG-INFO` ([`Release::sdist_metadata_version`]).
    pub(crate) metadata_version: Option<String>,
    /// Files under `{dist}-{version}/`, after `PKG-INFO`; a path given twice (or
    /// `pyproject.toml`) replaces the earlier file ([`Release::sdist_member`]).
    pub(crate) members: Vec<(String, Vec<u8>)>,
    /// Members written before `PKG-INFO` ([`Release::sdist_member_before_pkg_info`]).
    pub(crate) members_before: Vec<(String, Vec<u8>)>,
}

/// How a release's wheels are laid out inside the zip; the default is the plain layout
/// (module, then `METADATA`, `WHEEL`, `RECORD`), and each field is one [`Release`] knob.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub(crate) struct WheelLayout {
    /// `METADATA` is the first entry ([`Release::metadata_first`]).
    pub(crate) metadata_first: bool,
    /// KiB of incompressible stored filler ([`Release::padding_kib`]).
    pub(crate) padding_kib: usize,
    /// Zip64 structures throughout ([`Release::zip64`]).
    pub(crate) zip64: bool,
    /// Extra small files ([`Release::many_entries`]).
    pub(crate) many_entries: usize,
    /// A second, foreign `.dist-info/METADATA` ([`Release::two_dist_info`]).
    pub(crate) two_dist_info: bool,
    /// No `.dist-info` folder at all ([`Release::no_dist_info`]).
    pub(crate) no_dist_info: bool,
    /// The last bytes cut off ([`Release::corrupt_tail`]).
    pub(crate) corrupt_tail: bool,
    /// The central directory's CRC-32 of `METADATA` / `PKG-INFO` flipped
    /// ([`Release::wrong_metadata_crc`]).
    pub(crate) wrong_metadata_crc: bool,
}

impl Release {
    fn new(name: &str, version: &str) -> Self {
        Self {
            name: name.to_string(),
            version: version.to_string(),
            requires: Vec::new(),
            extras: Vec::new(),
            requires_python: None,
            wheel_tags: vec!["py3-none-any".to_string()],
            wheel: true,
            sdist: true,
            yanked: false,
            upload_time: DEFAULT_UPLOAD_TIME.to_string(),
            metadata_name: None,
            metadata_version: None,
            dynamic_sdist: false,
            pep658_only_requires: Vec::new(),
            layout: WheelLayout::default(),
            sdist_layout: SdistLayout::default(),
            wheel_members: Vec::new(),
        }
    }

    /// Add one `Requires-Dist` line, written verbatim (a PEP 508 requirement, markers allowed).
    pub fn requires(&mut self, req: &str) -> &mut Self {
        self.requires.push(req.to_string());
        self
    }

    /// Add `Provides-Extra: {extra}` and one `Requires-Dist` per requirement, with the marker
    /// `extra == "{extra}"` (an existing marker `m` becomes `(m) and extra == "{extra}"`).
    pub fn extra(&mut self, extra: &str, reqs: &[&str]) -> &mut Self {
        let reqs = reqs.iter().map(std::string::ToString::to_string);
        match self.extras.iter_mut().find(|(name, _)| name == extra) {
            Some((_, existing)) => existing.extend(reqs),
            None => self.extras.push((extra.to_string(), reqs.collect())),
        }
        self
    }

    /// Set `Requires-Python` (in metadata and on the index pages); none by default.
    pub fn requires_python(&mut self, spec: &str) -> &mut Self {
        self.requires_python = Some(spec.to_string());
        self
    }

    /// Replace the wheel tags (default `["py3-none-any"]`); one wheel is built per tag, and a
    /// tag may be compressed (`cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64`).
    pub fn wheel_tags(&mut self, tags: &[&str]) -> &mut Self {
        self.wheel_tags = tags.iter().map(std::string::ToString::to_string).collect();
        self
    }

    /// Serve no wheel for this version (only the sdist, unless that is switched off too).
    pub fn no_wheel(&mut self) -> &mut Self {
        self.wheel = false;
        self
    }

    /// Serve no sdist for this version (only the wheels).
    pub fn no_sdist(&mut self) -> &mut Self {
        self.sdist = false;
        self
    }

    /// Mark every file of this version as yanked (PEP 592).
    pub fn yanked(&mut self) -> &mut Self {
        self.yanked = true;
        self
    }

    /// Set the `upload-time` of every file of this version, as RFC 3339 text
    /// (default `2024-01-01T00:00:00Z`); written verbatim.
    pub fn upload_time(&mut self, rfc3339: &str) -> &mut Self {
        self.upload_time = rfc3339.to_string();
        self
    }

    /// Write a different `Name:` into METADATA and PKG-INFO than the file names carry, to test
    /// how a client handles the mismatch.
    pub fn metadata_name(&mut self, name: &str) -> &mut Self {
        self.metadata_name = Some(name.to_string());
        self
    }

    /// Write a different `Version:` into METADATA and PKG-INFO than the file names carry.
    pub fn metadata_version_field(&mut self, v: &str) -> &mut Self {
        self.metadata_version = Some(v.to_string());
        self
    }

    /// Add a `Requires-Dist` line to the PEP 658 `.metadata` file only, not to the wheel's
    /// METADATA: an index whose metadata files disagree with its wheels.
    pub fn pep658_only_requires(&mut self, requirement: &str) -> &mut Self {
        self.pep658_only_requires.push(requirement.to_string());
        self
    }

    /// Build the sdist as `{dist}-{version}.zip` instead of `.tar.gz`.
    pub fn sdist_zip(&mut self) -> &mut Self {
        self.sdist_layout.zip = true;
        self
    }

    /// Write `Metadata-Version: {version}` into the sdist's PKG-INFO (default 2.2); below 2.2
    /// a client must not trust its `Requires-Dist` lines (PEP 643).
    pub fn sdist_metadata_version(&mut self, version: &str) -> &mut Self {
        self.sdist_layout.metadata_version = Some(version.to_string());
        self
    }

    /// Add a file at `{dist}-{version}/{path}` in the sdist, after `PKG-INFO` (a `setup.py`, a
    /// replacement `pyproject.toml`, a large filler file).
    pub fn sdist_member(&mut self, path: &str, contents: impl Into<Vec<u8>>) -> &mut Self {
        self.sdist_layout
            .members
            .push((path.to_string(), contents.into()));
        self
    }

    /// Add a file to the sdist before `PKG-INFO`, so a streaming reader must skip it first.
    pub fn sdist_member_before_pkg_info(
        &mut self,
        path: &str,
        contents: impl Into<Vec<u8>>,
    ) -> &mut Self {
        self.sdist_layout
            .members_before
            .push((path.to_string(), contents.into()));
        self
    }

    /// Add a file at `path` (relative to the wheel root, e.g. `backend/__init__.py`) to every
    /// wheel of this version: a build backend served as a wheel, for instance.
    pub fn wheel_member(&mut self, path: &str, contents: impl Into<Vec<u8>>) -> &mut Self {
        self.wheel_members.push((path.to_string(), contents.into()));
        self
    }

    /// Make the sdist's PKG-INFO declare `Dynamic: Requires-Dist` (metadata 2.2, PEP 643), so
    /// its `Requires-Dist` lines cannot be trusted without a build.
    pub fn dynamic_sdist(&mut self) -> &mut Self {
        self.dynamic_sdist = true;
        self
    }

    /// Write `.dist-info/METADATA` as the wheel's first zip entry, followed by the module, any
    /// [`padding_kib`](Self::padding_kib) filler and [`many_entries`](Self::many_entries)
    /// files, then `WHEEL` and `RECORD`; with padding, `METADATA` is far from the tail where a
    /// range-reading client first looks.
    pub fn metadata_first(&mut self) -> &mut Self {
        self.layout.metadata_first = true;
        self
    }

    /// Add `kib` KiB of deterministic pseudo-random (incompressible) data to the wheel, as
    /// stored (uncompressed) files of at most 64 KiB each under `<module>/_padding/`, placed
    /// before the `.dist-info` files.
    pub fn padding_kib(&mut self, kib: usize) -> &mut Self {
        self.layout.padding_kib = kib;
        self
    }

    /// Write the wheel as zip64: every entry carries a zip64 extended-information extra field,
    /// the central directory's size fields say `0xFFFFFFFF` (the real sizes are in that extra
    /// field), and the archive ends with a zip64 end-of-central-directory record (signature
    /// `0x06064b50`) and locator, while the classic end record's counts, size and offset are
    /// all `0xFFFF`/`0xFFFFFFFF` — so a reader has to follow the zip64 structures.
    pub fn zip64(&mut self) -> &mut Self {
        self.layout.zip64 = true;
        self
    }

    /// Add `count` small stored files (`<module>/data/file_NNNNN.txt`) before the
    /// `.dist-info` files, so the central directory is large: 5000 entries make it about
    /// 300 KiB.
    pub fn many_entries(&mut self, count: usize) -> &mut Self {
        self.layout.many_entries = count;
        self
    }

    /// Add a second `.dist-info` folder to the wheel, `other-1.0.dist-info/METADATA` (for a
    /// distribution `other` 1.0), after the real one; the PEP 658 file stays the real one.
    pub fn two_dist_info(&mut self) -> &mut Self {
        self.layout.two_dist_info = true;
        self
    }

    /// Leave the `.dist-info` folder (`METADATA`, `WHEEL`, `RECORD`) out of the wheel; no PEP
    /// 658 file is served for it either.
    pub fn no_dist_info(&mut self) -> &mut Self {
        self.layout.no_dist_info = true;
        self
    }

    /// Cut the last 10 bytes off the wheel, damaging its end-of-central-directory record.
    /// Pages list the size and sha256 of the bytes actually served (the cut ones).
    pub fn corrupt_tail(&mut self) -> &mut Self {
        self.layout.corrupt_tail = true;
        self
    }

    /// Flip the CRC-32 that the central directory records for the wheel's `METADATA` (and a
    /// zip sdist's `PKG-INFO`), leaving the member's bytes intact: only a reader that checks
    /// the CRC notices. Pages list the hash of the bytes served, so the file hash matches.
    pub fn wrong_metadata_crc(&mut self) -> &mut Self {
        self.layout.wrong_metadata_crc = true;
        self
    }

    /// Every `Requires-Dist` value: the plain requirements, then each extra's with its marker.
    pub(crate) fn requires_dist(&self) -> Vec<String> {
        let mut lines = self.requires.clone();
        for (extra, reqs) in &self.extras {
            lines.extend(reqs.iter().map(|req| with_extra_marker(req, extra)));
        }
        lines
    }
}

/// Attach `extra == "{extra}"` to a requirement, keeping any marker it already has.
fn with_extra_marker(req: &str, extra: &str) -> String {
    match req.split_once(';') {
        Some((requirement, marker)) if !marker.trim().is_empty() => format!(
            "{}; ({}) and extra == \"{extra}\"",
            requirement.trim_end(),
            marker.trim()
        ),
        Some((requirement, _)) => format!("{}; extra == \"{extra}\"", requirement.trim_end()),
        None => format!("{}; extra == \"{extra}\"", req.trim_end()),
    }
}

/// PEP 503 normalization: lowercase, and every run of `-`, `_` and `.` becomes one `-`.
pub(crate) fn normalize_name(name: &str) -> String {
    let mut normalized = String::with_capacity(name.len());
    let mut in_separator_run = false;
    for character in name.chars() {
        if matches!(character, '-' | '_' | '.') {
            if !in_separator_run {
                normalized.push('-');
            }
            in_separator_run = true;
        } else {
            normalized.extend(character.to_lowercase());
            in_separator_run = false;
        }
    }
    normalized
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn normalizes_like_pep_503() {
        assert_eq!(normalize_name("Foo.Bar__baz-_-Qux"), "foo-bar-baz-qux");
        assert_eq!(normalize_name("simple"), "simple");
    }

    #[test]
    fn extra_markers_combine() {
        assert_eq!(with_extra_marker("b>=1", "x"), "b>=1; extra == \"x\"");
        assert_eq!(
            with_extra_marker("b>=1 ; python_version < \"3.9\"", "x"),
            "b>=1; (python_version < \"3.9\") and extra == \"x\""
        );
    }

    #[test]
    fn same_version_is_extended_not_duplicated() {
        let mut universe = Universe::new();
        universe.version("A_b", "1.0").requires("c");
        universe.version("a-b", "1.0").requires("d");
        universe.version("a.b", "2.0");
        let (normalized, project) = universe.projects().next().expect("one project");
        assert_eq!(normalized, "a-b");
        assert_eq!(project.display_name, "A_b");
        assert_eq!(project.releases.len(), 2);
        assert_eq!(project.releases[0].requires, ["c", "d"]);
        assert_eq!(project.releases[1].name, "a.b");
    }
}
