//! PEP 751 `pylock.toml`: writer and pin reader.
//!
//! # Compatibility policy
//!
//! Follows the [`pylock.toml` specification] (originally [PEP 751]),
//! `lock-version = "1.0"`: no `extras`, `dependency-groups`, `default-groups`,
//! `[tool]` or `attestation-identities` are written. A package from the index
//! has `sdist` and/or `wheels`; a direct reference has `vcs`, `directory` or
//! `archive`. An index sdist in an old format the specification's `sdist`
//! cannot name (`.tar.bz2`, `.tgz`: only `.tar.gz` and `.zip` parse) is left
//! out next to wheels and written as an `archive` when it is the version's only
//! file. A single-target lock has one entry per name and no `marker`; a
//! universal lock gives entries a `marker` (several entries may share a name
//! when their markers are disjoint, as the specification allows) and lists
//! every wheel of each version, so an installer picks, per name, the entry
//! whose marker holds and then its wheel.
//!
//! The TOML is written by hand, so the same [`Lock`] always gives the same
//! bytes:
//!
//! - Top-level keys in the specification's order: `lock-version`,
//!   `environments` (sorted, deduplicated, omitted when empty),
//!   `requires-python` (omitted when `None`), `created-by = "tailwheel"`,
//!   then the packages.
//! - `[[packages]]` sorted by normalized name, then version. An empty lock is
//!   written `packages = []`, since the key is required.
//! - Package keys in the specification's order: `name`, `version`, `marker`,
//!   `requires-python`, `dependencies`, `index`, `sdist`, `wheels`; keys whose
//!   value is `None` or empty are omitted. `marker` is written as `pep508_rs`
//!   writes it (single-quoted values).
//! - `dependencies` is an array of `{ name = "…" }` inline tables, sorted and
//!   deduplicated, one per line; it is informational only (installers must
//!   not use it). When the lock has several entries for a dependency's name,
//!   the specification asks for enough keys to tell them apart: each entry
//!   whose marker can hold together with the depending package's is listed as
//!   `{ name = "…", version = "…" }`.
//! - `sdist` is an inline table, `wheels` an array of inline tables sorted by
//!   file name (then URL), one per line. File keys follow the specification's
//!   order: `name`, `upload-time`, `url`, `size`, `hashes = { sha256 = "…" }`.
//!   `name` is always written, even when it equals the URL's last segment.
//! - `upload-time` is an unquoted TOML offset datetime in UTC with `Z`, with
//!   fractional seconds only when the timestamp has them; a time before year 1
//!   (which TOML readers cannot represent) is omitted.
//! - Strings are TOML basic strings: `"` and `\` are backslash-escaped,
//!   control characters use `\b \t \n \f \r` or `\uXXXX`, and other
//!   characters, non-ASCII included, are written as they are.
//!
//! A file without a SHA-256 is skipped, because `hashes` is required and must
//! not be empty; the CLI guarantees hashes, so this only guards the format. A
//! package left with no file at all is still written (an installer will
//! refuse it) rather than silently dropped from the lock.
//!
//! [`pylock.toml` specification]: https://packaging.python.org/en/latest/specifications/pylock-toml/
//! [PEP 751]: https://peps.python.org/pep-0751/

use std::fmt::Write as _;
use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName};

use crate::error::{Location, LockError};
use crate::model::{Lock, LockedFile, LockedPackage, LockedPin};

/// The `lock-version` this writer produces.
const LOCK_VERSION: &str = "1.0";
/// The `created-by` value (the tool's normalized name).
const CREATED_BY: &str = "tailwheel";
/// Indentation of array items.
const INDENT: &str = "    ";

/// Renders `lock` as a PEP 751 `pylock.toml`.
///
/// See the [module documentation](self) for the exact layout. Files without a
/// SHA-256 are skipped (the format requires hashes); the caller is expected to
/// provide them.
pub fn to_pylock_toml(lock: &Lock) -> String {
    let here = std::env::current_dir().unwrap_or_default();
    to_pylock_toml_at(lock, &here)
}

/// [`to_pylock_toml`] for a lock written into the folder `dir`: the paths of local
/// direct references are relative to it (PEP 751).
pub fn to_pylock_toml_at(lock: &Lock, dir: &Path) -> String {
    let mut out = String::new();
    push_key(&mut out, "lock-version", &toml_string(LOCK_VERSION));

    let mut environments: Vec<&str> = lock.environments.iter().map(String::as_str).collect();
    environments.sort_unstable();
    environments.dedup();
    if !environments.is_empty() {
        let items: Vec<String> = environments.into_iter().map(toml_string).collect();
        push_key(&mut out, "environments", &format!("[{}]", items.join(", ")));
    }
    if let Some(requires_python) = &lock.requires_python {
        push_key(&mut out, "requires-python", &toml_string(requires_python));
    }
    push_key(&mut out, "created-by", &toml_string(CREATED_BY));

    let mut packages: Vec<&LockedPackage> = lock.packages.iter().collect();
    packages.sort_by(|a, b| (&a.name, &a.version).cmp(&(&b.name, &b.version)));
    if packages.is_empty() {
        push_key(&mut out, "packages", "[]");
    }
    for package in packages {
        out.push_str("\n[[packages]]\n");
        write_package(&mut out, lock, package, dir);
    }
    out
}

/// Appends `key = value\n`.
fn push_key(out: &mut String, key: &str, value: &str) {
    out.push_str(key);
    out.push_str(" = ");
    out.push_str(value);
    out.push('\n');
}

/// Appends `key = [\n    item,\n]\n`.
fn push_array(out: &mut String, key: &str, items: &[String]) {
    out.push_str(key);
    out.push_str(" = [\n");
    for item in items {
        out.push_str(INDENT);
        out.push_str(item);
        out.push_str(",\n");
    }
    out.push_str("]\n");
}

/// Writes the keys of one `[[packages]]` entry.
fn write_package(out: &mut String, lock: &Lock, package: &LockedPackage, dir: &Path) {
    push_key(out, "name", &toml_string(package.name.as_ref()));
    // PEP 751: no version for a local directory, whose code can change under the lock.
    if !matches!(package.source, Some(crate::LockedSource::Directory { .. })) {
        push_key(out, "version", &toml_string(&package.version.to_string()));
    }
    if let Some(marker) = package.marker.as_ref().and_then(MarkerTree::try_to_string) {
        push_key(out, "marker", &toml_string(&marker));
    }
    if let Some(requires_python) = &package.requires_python {
        push_key(out, "requires-python", &toml_string(requires_python));
    }
    let mut dependencies: Vec<&PackageName> = package.dependencies.iter().collect();
    dependencies.sort_unstable();
    dependencies.dedup();
    if !dependencies.is_empty() {
        let items: Vec<String> = dependencies
            .into_iter()
            .flat_map(|name| dependency_items(lock, package, name))
            .collect();
        push_array(out, "dependencies", &items);
    }
    if let Some(index) = &package.index {
        push_key(out, "index", &toml_string(index.as_str()));
    }
    if let Some(source) = &package.source {
        let (key, table) = crate::direct::pylock_table(source, dir);
        push_key(out, key, &table);
    }
    if let Some(sdist) = &package.sdist {
        if is_sdist_name(&sdist.filename) {
            if let Some(table) = file_table(sdist) {
                push_key(out, "sdist", &table);
            }
        } else if package.wheels.is_empty()
            && package.source.is_none()
            && let Some(table) = archive_table(sdist)
        {
            // An old format (`.tar.bz2`, `.tgz`, …) that PEP 751's `sdist` cannot name: as
            // the version's only file it is an `archive`, which installers build the same
            // way. Next to wheels it is left out.
            push_key(out, "archive", &table);
        }
    }
    let mut wheels: Vec<&LockedFile> = package.wheels.iter().collect();
    wheels.sort_by(|a, b| (&a.filename, &a.url).cmp(&(&b.filename, &b.url)));
    let wheels: Vec<String> = wheels.into_iter().filter_map(file_table).collect();
    if !wheels.is_empty() {
        push_array(out, "wheels", &wheels);
    }
}

/// The `dependencies` items of `package` for its dependency `name`: `{ name = "…" }` when the
/// lock has one entry of that name, else one `{ name = "…", version = "…" }` per entry whose
/// marker is not disjoint from `package`'s (sorted by version).
fn dependency_items(lock: &Lock, package: &LockedPackage, name: &PackageName) -> Vec<String> {
    let entries: Vec<&LockedPackage> = lock
        .packages
        .iter()
        .filter(|entry| entry.name == *name)
        .collect();
    if entries.len() < 2 {
        return vec![format!("{{ name = {} }}", toml_string(name.as_ref()))];
    }
    let mut versions: Vec<&Version> = entries
        .into_iter()
        .filter(|entry| match (&entry.marker, &package.marker) {
            (Some(theirs), Some(ours)) => !theirs.is_disjoint(ours),
            _ => true,
        })
        .map(|entry| &entry.version)
        .collect();
    versions.sort_unstable();
    versions.dedup();
    versions
        .into_iter()
        .map(|version| {
            format!(
                "{{ name = {}, version = {} }}",
                toml_string(name.as_ref()),
                toml_string(&version.to_string())
            )
        })
        .collect()
}

/// Whether `filename` has an extension PEP 751's `sdist` accepts (`.tar.gz` or `.zip`, case-sensitive,
/// as `packaging.utils.parse_sdist_filename` reads them).
fn is_sdist_name(filename: &str) -> bool {
    filename.ends_with(".tar.gz") || filename.ends_with(".zip")
}

/// The inline table of an sdist or wheel, or `None` without a SHA-256.
fn file_table(file: &LockedFile) -> Option<String> {
    let fields = file_fields(file)?;
    Some(format!(
        "{{ name = {}, {fields} }}",
        toml_string(&file.filename)
    ))
}

/// The inline `archive` table of a file (the keys of [`file_table`] but `name`), or `None`
/// without a SHA-256.
fn archive_table(file: &LockedFile) -> Option<String> {
    Some(format!("{{ {} }}", file_fields(file)?))
}

/// `upload-time`, `url`, `size` and `hashes` of a file, comma-separated, or `None` without a
/// SHA-256 (`hashes` is required).
fn file_fields(file: &LockedFile) -> Option<String> {
    let sha256 = file.sha256.as_deref()?;
    let mut fields = Vec::with_capacity(4);
    if let Some(upload_time) = file.upload_time.and_then(toml_datetime) {
        fields.push(format!("upload-time = {upload_time}"));
    }
    fields.push(format!("url = {}", toml_string(file.url.as_str())));
    if let Some(size) = file.size {
        fields.push(format!("size = {size}"));
    }
    fields.push(format!("hashes = {{ sha256 = {} }}", toml_string(sha256)));
    Some(fields.join(", "))
}

/// A TOML offset datetime in UTC (`2024-09-15T18:07:37Z`), or `None` for a
/// time before year 1, which TOML's four-digit years (and Python's
/// `datetime`) cannot hold.
fn toml_datetime(timestamp: jiff::Timestamp) -> Option<String> {
    let year = timestamp.to_zoned(jiff::tz::TimeZone::UTC).year();
    // jiff prints fractional seconds only when they are non-zero, and `Z`
    // for a `Timestamp`.
    (year >= 1).then(|| timestamp.to_string())
}

/// Quotes `value` as a TOML basic string.
///
/// `"` and `\` are backslash-escaped, the control characters with a short
/// form (`\b \t \n \f \r`) use it, and every other control character
/// (U+0000–U+001F, U+007F) becomes `\uXXXX`; everything else, including
/// non-ASCII, is written as is (TOML files are UTF-8).
pub(crate) fn toml_string(value: &str) -> String {
    let mut out = String::with_capacity(value.len() + 2);
    out.push('"');
    for c in value.chars() {
        match c {
            '"' => out.push_str("\\\""),
            '\\' => out.push_str("\\\\"),
            '\u{8}' => out.push_str("\\b"),
            '\t' => out.push_str("\\t"),
            '\n' => out.push_str("\\n"),
            '\u{c}' => out.push_str("\\f"),
            '\r' => out.push_str("\\r"),
            '\u{0}'..='\u{1f}' | '\u{7f}' => {
                let _ = write!(out, "\\u{:04X}", u32::from(c));
            }
            _ => out.push(c),
        }
    }
    out.push('"');
    out
}

/// Pins (`name`, `version`) of every `[[packages]]` entry that has a version.
///
/// Entries without `version` (source trees) are skipped; file order is kept.
#[cfg(test)]
pub(crate) fn read_pins(path: &Path, text: &str) -> Result<Vec<(PackageName, Version)>, LockError> {
    Ok(read_locked_pins(path, text)?
        .into_iter()
        .map(|pin| (pin.name, pin.version))
        .collect())
}

/// The pins of every `[[packages]]` entry that has a version (as [`crate::read_pins`]), each
/// with its `marker`.
pub(crate) fn read_locked_pins(path: &Path, text: &str) -> Result<Vec<LockedPin>, LockError> {
    let table = text
        .parse::<toml::Table>()
        .map_err(|source| LockError::Toml {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
    let shape = |key: String, expected: &'static str| LockError::PylockShape {
        path: path.to_path_buf(),
        key,
        expected,
    };
    let packages = table
        .get("packages")
        .and_then(toml::Value::as_array)
        .ok_or_else(|| shape("packages".to_owned(), "an array of tables"))?;
    let mut pins = Vec::with_capacity(packages.len());
    for (index, package) in packages.iter().enumerate() {
        let package = package
            .as_table()
            .ok_or_else(|| shape(format!("packages[{index}]"), "a table"))?;
        let name = package
            .get("name")
            .and_then(toml::Value::as_str)
            .ok_or_else(|| shape(format!("packages[{index}].name"), "a string"))?;
        let Some(version) = package.get("version") else {
            continue;
        };
        let version = version
            .as_str()
            .ok_or_else(|| shape(format!("packages[{index}].version"), "a string"))?;
        let name = PackageName::from_str(name).map_err(|source| LockError::InvalidName {
            path: path.to_path_buf(),
            location: Location::Package(index),
            name: name.to_owned(),
            source,
        })?;
        let version = Version::from_str(version).map_err(|source| LockError::InvalidVersion {
            path: path.to_path_buf(),
            location: Location::Package(index),
            version: version.to_owned(),
            source: Box::new(source),
        })?;
        let marker = read_marker(path, package, index)?;
        pins.push(LockedPin {
            name,
            version,
            marker,
        });
    }
    Ok(pins)
}

/// The `directory`, `archive` or `vcs` table of a package, if it has one; relative paths are
/// joined onto `dir`, the lock's folder.
fn locked_source(package: &toml::Table, dir: &Path) -> Option<crate::LockedSource> {
    let text = |table: &toml::Table, key: &str| {
        table
            .get(key)
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
    };
    if let Some(archive) = package.get("archive").and_then(toml::Value::as_table) {
        return Some(crate::LockedSource::Archive {
            url: text(archive, "url").and_then(|url| url::Url::parse(&url).ok()),
            path: text(archive, "path").map(|path| dir.join(path)),
            sha256: archive
                .get("hashes")?
                .get("sha256")?
                .as_str()?
                .to_ascii_lowercase(),
            subdirectory: text(archive, "subdirectory"),
        });
    }
    if let Some(vcs) = package.get("vcs").and_then(toml::Value::as_table) {
        return Some(crate::LockedSource::Vcs {
            url: url::Url::parse(&text(vcs, "url")?).ok()?,
            requested_revision: text(vcs, "requested-revision"),
            commit_id: text(vcs, "commit-id")?,
            subdirectory: text(vcs, "subdirectory"),
        });
    }
    let directory = package.get("directory")?.as_table()?;
    Some(crate::LockedSource::Directory {
        path: dir.join(text(directory, "path")?),
        editable: directory
            .get("editable")
            .and_then(toml::Value::as_bool)
            .unwrap_or(false),
    })
}

/// The `marker` of the `[[packages]]` entry at `index`, if it has one.
fn read_marker(
    path: &Path,
    table: &toml::Table,
    index: usize,
) -> Result<Option<MarkerTree>, LockError> {
    let Some(value) = table.get("marker") else {
        return Ok(None);
    };
    let text = value.as_str().ok_or_else(|| LockError::PylockShape {
        path: path.to_path_buf(),
        key: format!("packages[{index}].marker"),
        expected: "a string",
    })?;
    crate::model::parse_marker(text).map_err(|reason| LockError::InvalidMarker {
        path: path.to_path_buf(),
        location: Location::Package(index),
        marker: text.to_owned(),
        reason,
    })
}

/// The packages of a `pylock.toml` with their files (URL, hashes, sizes), for downloading.
/// Packages without a version, and files without a URL or a sha256, are skipped: only what
/// tailwheel can fetch and verify is returned.
pub(crate) fn read_lock(path: &Path, text: &str) -> Result<crate::Lock, LockError> {
    let table = text
        .parse::<toml::Table>()
        .map_err(|source| LockError::Toml {
            path: path.to_path_buf(),
            source: Box::new(source),
        })?;
    let pins = read_locked_pins(path, text)?;
    let packages_toml = table
        .get("packages")
        .and_then(toml::Value::as_array)
        .cloned()
        .unwrap_or_default();
    let file = |value: &toml::Value| -> Option<crate::LockedFile> {
        let table = value.as_table()?;
        let url = url::Url::parse(table.get("url")?.as_str()?).ok()?;
        let sha256 = table
            .get("hashes")?
            .as_table()?
            .get("sha256")?
            .as_str()?
            .to_ascii_lowercase();
        let filename = table
            .get("name")
            .and_then(toml::Value::as_str)
            .map(str::to_owned)
            .or_else(|| url.path_segments()?.next_back().map(str::to_owned))?;
        let size = table
            .get("size")
            .and_then(toml::Value::as_integer)
            .and_then(|s| u64::try_from(s).ok());
        Some(crate::LockedFile {
            filename,
            url,
            size,
            upload_time: None,
            sha256: Some(sha256),
        })
    };
    let mut packages = Vec::new();
    let mut pins = pins.into_iter();
    for package in &packages_toml {
        let Some(table) = package.as_table() else {
            continue;
        };
        if table.get("version").is_none() {
            continue;
        }
        let Some(LockedPin {
            name,
            version,
            marker,
        }) = pins.next()
        else {
            break;
        };
        let wheels = table
            .get("wheels")
            .and_then(toml::Value::as_array)
            .map(|wheels| wheels.iter().filter_map(file).collect())
            .unwrap_or_default();
        let sdist = table.get("sdist").and_then(file);
        let dependencies = table
            .get("dependencies")
            .and_then(toml::Value::as_array)
            .map(|items| {
                items
                    .iter()
                    .filter_map(|item| item.get("name")?.as_str()?.parse().ok())
                    .collect()
            })
            .unwrap_or_default();
        let source = locked_source(table, path.parent().unwrap_or(Path::new("")));
        packages.push(crate::LockedPackage {
            name,
            version,
            marker,
            extras: Vec::new(),
            index: table
                .get("index")
                .and_then(toml::Value::as_str)
                .and_then(|u| url::Url::parse(u).ok()),
            requires_python: table
                .get("requires-python")
                .and_then(toml::Value::as_str)
                .map(str::to_owned),
            dependencies,
            via: Vec::new(),
            wheels,
            sdist,
            hashes: Vec::new(),
            source,
        });
    }
    let environments = table
        .get("environments")
        .and_then(toml::Value::as_array)
        .map(|items| {
            items
                .iter()
                .filter_map(|v| v.as_str().map(str::to_owned))
                .collect()
        })
        .unwrap_or_default();
    let requires_python = table
        .get("requires-python")
        .and_then(toml::Value::as_str)
        .map(str::to_owned);
    Ok(crate::Lock {
        requires_python,
        environments,
        packages,
    })
}

#[cfg(test)]
mod tests {
    use std::path::PathBuf;

    use super::*;
    use crate::test_support::{file, lock, package, universal};

    #[test]
    fn universal_entries_carry_markers_and_dependencies_name_their_version() {
        let text = to_pylock_toml(&universal());
        assert_eq!(
            text,
            r#"lock-version = "1.0"
requires-python = ">=3.9"
created-by = "tailwheel"

[[packages]]
name = "app"
version = "1.0"
dependencies = [
    { name = "colorama" },
    { name = "numpy", version = "2.0.2" },
    { name = "numpy", version = "2.2.6" },
]
index = "https://index.example.invalid/simple/"
wheels = [
    { name = "app-1.0-py3-none-any.whl", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/app-1.0-py3-none-any.whl", size = 1234, hashes = { sha256 = "03" } },
]

[[packages]]
name = "colorama"
version = "0.4.6"
marker = "sys_platform == 'win32'"
index = "https://index.example.invalid/simple/"
wheels = [
    { name = "colorama-0.4.6-py2.py3-none-any.whl", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/colorama-0.4.6-py2.py3-none-any.whl", size = 1234, hashes = { sha256 = "23" } },
]

[[packages]]
name = "numpy"
version = "2.0.2"
marker = "python_full_version < '3.10'"
index = "https://index.example.invalid/simple/"
wheels = [
    { name = "numpy-2.0.2-cp39-cp39-manylinux_2_17_x86_64.whl", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/numpy-2.0.2-cp39-cp39-manylinux_2_17_x86_64.whl", size = 1234, hashes = { sha256 = "2f" } },
    { name = "numpy-2.0.2-cp39-cp39-win_amd64.whl", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/numpy-2.0.2-cp39-cp39-win_amd64.whl", size = 1234, hashes = { sha256 = "23" } },
]

[[packages]]
name = "numpy"
version = "2.2.6"
marker = "python_full_version >= '3.10'"
index = "https://index.example.invalid/simple/"
wheels = [
    { name = "numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.whl", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/numpy-2.2.6-cp312-cp312-manylinux_2_17_x86_64.whl", size = 1234, hashes = { sha256 = "31" } },
    { name = "numpy-2.2.6-cp312-cp312-win_amd64.whl", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/numpy-2.2.6-cp312-cp312-win_amd64.whl", size = 1234, hashes = { sha256 = "25" } },
]
"#
        );
        // The reader gives every entry back with its marker.
        let read = read_lock(Path::new("pylock.toml"), &text).unwrap();
        let entries: Vec<String> = read
            .packages
            .iter()
            .map(|package| {
                let marker = package
                    .marker
                    .as_ref()
                    .and_then(pep508_rs::MarkerTree::try_to_string);
                format!("{}=={} {marker:?}", package.name, package.version)
            })
            .collect();
        assert_eq!(
            entries,
            [
                "app==1.0 None",
                "colorama==0.4.6 Some(\"sys_platform == 'win32'\")",
                "numpy==2.0.2 Some(\"python_full_version < '3.10'\")",
                "numpy==2.2.6 Some(\"python_full_version >= '3.10'\")",
            ]
        );
    }

    #[test]
    fn reads_back_files_for_download() {
        let mut a = package("demo", "1.0");
        a.wheels = vec![file("demo-1.0-py3-none-any.whl", Some("AA"))];
        a.sdist = Some(file("demo-1.0.tar.gz", Some("bb")));
        let text = to_pylock_toml(&lock(vec![a]));
        let read = read_lock(Path::new("pylock.toml"), &text).unwrap();
        assert_eq!(read.packages.len(), 1);
        let package = &read.packages[0];
        assert_eq!(package.name.to_string(), "demo");
        assert_eq!(package.wheels[0].filename, "demo-1.0-py3-none-any.whl");
        assert_eq!(package.wheels[0].sha256.as_deref(), Some("aa"));
        assert_eq!(package.sdist.as_ref().unwrap().size, Some(1234));
    }

    #[test]
    fn escapes_strings() {
        let cases = [
            ("plain", r#""plain""#),
            (r#"say "hi""#, r#""say \"hi\"""#),
            (r"C:\path\", r#""C:\\path\\""#),
            ("a\tb\nc\rd\u{8}e\u{c}f", r#""a\tb\nc\rd\be\ff""#),
            (
                "nul\u{0}esc\u{1b}del\u{7f}",
                r#""nul\u0000esc\u001Bdel\u007F""#,
            ),
            ("unicode é ✓ 🐍 \u{85}", "\"unicode é ✓ 🐍 \u{85}\""),
        ];
        for (input, expected) in cases {
            let quoted = toml_string(input);
            assert_eq!(quoted, expected, "{input:?}");
            // And a real TOML parser reads the value back unchanged.
            let table: toml::Table = format!("key = {quoted}").parse().unwrap();
            assert_eq!(table["key"].as_str(), Some(input), "{input:?}");
        }
    }

    #[test]
    fn datetimes() {
        let whole: jiff::Timestamp = "2024-09-15T18:07:37Z".parse().unwrap();
        assert_eq!(
            toml_datetime(whole).as_deref(),
            Some("2024-09-15T18:07:37Z")
        );
        let fraction: jiff::Timestamp = "2025-01-25T11:30:10.164985+00:00".parse().unwrap();
        assert_eq!(
            toml_datetime(fraction).as_deref(),
            Some("2025-01-25T11:30:10.164985Z")
        );
        let offset: jiff::Timestamp = "2024-09-15T20:07:37+02:00".parse().unwrap();
        assert_eq!(
            toml_datetime(offset).as_deref(),
            Some("2024-09-15T18:07:37Z")
        );
        let ancient: jiff::Timestamp = "-000001-01-01T00:00:00Z".parse().unwrap();
        assert_eq!(toml_datetime(ancient), None);
    }

    #[test]
    fn full_lock() {
        let mut requests = package("requests", "2.32.3");
        requests.requires_python = Some(">=3.8".to_owned());
        requests.dependencies = vec![
            "urllib3".parse().unwrap(),
            "idna".parse().unwrap(),
            "idna".parse().unwrap(),
        ];
        requests.sdist = Some(file("requests-2.32.3.tar.gz", Some("11")));
        requests.wheels = vec![file("requests-2.32.3-py3-none-any.whl", Some("22"))];
        // Wheel-only, wheels out of order, one without a hash (skipped), no
        // upload time or size on one.
        let mut idna = package("idna", "3.10");
        idna.wheels = vec![
            file("idna-3.10-py3-none-any.whl", Some("bb")),
            file("idna-3.10-cp311-none-any.whl", None),
            LockedFile {
                upload_time: None,
                size: None,
                ..file("idna-3.10-1-py3-none-any.whl", Some("aa"))
            },
        ];
        // Sdist-only, and no index.
        let mut urllib3 = package("urllib3", "2.2.3");
        urllib3.index = None;
        urllib3.sdist = Some(file("urllib3-2.2.3.tar.gz", Some("33")));
        let mut lock = lock(vec![urllib3, requests, idna]);
        lock.environments = vec![
            "sys_platform == 'win32'".to_owned(),
            "sys_platform == 'linux'".to_owned(),
        ];

        assert_eq!(
            to_pylock_toml(&lock),
            r#"lock-version = "1.0"
environments = ["sys_platform == 'linux'", "sys_platform == 'win32'"]
requires-python = ">=3.11"
created-by = "tailwheel"

[[packages]]
name = "idna"
version = "3.10"
index = "https://index.example.invalid/simple/"
wheels = [
    { name = "idna-3.10-1-py3-none-any.whl", url = "https://files.example.invalid/idna-3.10-1-py3-none-any.whl", hashes = { sha256 = "aa" } },
    { name = "idna-3.10-py3-none-any.whl", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/idna-3.10-py3-none-any.whl", size = 1234, hashes = { sha256 = "bb" } },
]

[[packages]]
name = "requests"
version = "2.32.3"
requires-python = ">=3.8"
dependencies = [
    { name = "idna" },
    { name = "urllib3" },
]
index = "https://index.example.invalid/simple/"
sdist = { name = "requests-2.32.3.tar.gz", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/requests-2.32.3.tar.gz", size = 1234, hashes = { sha256 = "11" } }
wheels = [
    { name = "requests-2.32.3-py3-none-any.whl", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/requests-2.32.3-py3-none-any.whl", size = 1234, hashes = { sha256 = "22" } },
]

[[packages]]
name = "urllib3"
version = "2.2.3"
sdist = { name = "urllib3-2.2.3.tar.gz", upload-time = 2024-09-15T18:07:37Z, url = "https://files.example.invalid/urllib3-2.2.3.tar.gz", size = 1234, hashes = { sha256 = "33" } }
"#
        );
    }

    #[test]
    fn empty_lock() {
        let lock = Lock {
            requires_python: None,
            environments: Vec::new(),
            packages: Vec::new(),
        };
        let text = to_pylock_toml(&lock);
        assert_eq!(
            text,
            "lock-version = \"1.0\"\ncreated-by = \"tailwheel\"\npackages = []\n"
        );
        assert_eq!(read_pins(Path::new("pylock.toml"), &text).unwrap(), vec![]);
    }

    #[test]
    fn escapes_values() {
        let mut odd = package("odd", "1.0");
        odd.requires_python = Some(">=3.8, !=\"3.9\\\"".to_owned());
        odd.wheels = vec![file("odd-1.0-py3-none-any.whl", Some("a\"b"))];
        let mut lock = lock(vec![odd]);
        lock.environments = vec!["platform_release == 'a\"b\\c\n'".to_owned()];
        let text = to_pylock_toml(&lock);
        let table: toml::Table = text.parse().unwrap();
        assert_eq!(
            table["environments"][0].as_str(),
            Some("platform_release == 'a\"b\\c\n'")
        );
        let package = &table["packages"][0];
        assert_eq!(
            package["requires-python"].as_str(),
            Some(">=3.8, !=\"3.9\\\"")
        );
        assert_eq!(
            package["wheels"][0]["hashes"]["sha256"].as_str(),
            Some("a\"b")
        );
    }

    #[test]
    fn reads_pins_back() {
        let mut b = package("b", "2.0.post1");
        b.wheels = vec![file("b-2.0.post1-py3-none-any.whl", Some("aa"))];
        let mut a = package("a", "1.0");
        a.sdist = Some(file("a-1.0.tar.gz", Some("bb")));
        let text = to_pylock_toml(&lock(vec![b, a]));
        let pins = read_pins(Path::new("pylock.toml"), &text).unwrap();
        assert_eq!(
            pins,
            vec![
                ("a".parse().unwrap(), "1.0".parse().unwrap()),
                ("b".parse().unwrap(), "2.0.post1".parse().unwrap()),
            ]
        );
    }

    #[test]
    fn read_errors_name_the_path() {
        let path = PathBuf::from("dir/pylock.toml");
        let cases = [
            ("lock-version = ", "`dir/pylock.toml` is not valid TOML"),
            (
                "lock-version = \"1.0\"\n",
                "`packages` in `dir/pylock.toml` is missing or not an array of tables",
            ),
            (
                "[[packages]]\nversion = \"1\"\n",
                "`packages[0].name` in `dir/pylock.toml` is missing or not a string",
            ),
            (
                "[[packages]]\nname = \"a\"\n[[packages]]\nname = \"-b\"\nversion = \"1\"\n",
                "invalid package name `-b` at `packages[1]` of `dir/pylock.toml`",
            ),
            (
                "[[packages]]\nname = \"a\"\nversion = \"x y\"\n",
                "invalid version `x y` at `packages[0]` of `dir/pylock.toml`",
            ),
        ];
        for (text, expected) in cases {
            let error = read_pins(&path, text).unwrap_err();
            assert_eq!(error.to_string(), expected, "{text}");
        }
    }
}
