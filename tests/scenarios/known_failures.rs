//! `known-failures.txt`: scenarios expected to fail today, one `name: reason` line each.
//!
//! Blank lines and `#` comments are allowed. A listed scenario that passes fails its test
//! ("remove from known-failures.txt"), so the list only shrinks.

use std::collections::BTreeMap;
use std::path::Path;

/// Scenario name → why it fails.
pub(crate) type KnownFailures = BTreeMap<String, String>;

/// Read and parse the file; a missing file is an empty list. `uv-outcomes.txt` has the same
/// `name: text` form and is read with this too.
pub(crate) fn load(path: &Path) -> Result<KnownFailures, String> {
    let text = match fs_err::read_to_string(path) {
        Ok(text) => text,
        Err(err) if err.kind() == std::io::ErrorKind::NotFound => return Ok(KnownFailures::new()),
        Err(err) => return Err(format!("{}: {err}", path.display())),
    };
    parse(&text).map_err(|err| format!("{}: {err}", path.display()))
}

fn parse(text: &str) -> Result<KnownFailures, String> {
    let mut known = KnownFailures::new();
    for (index, line) in text.lines().enumerate() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let Some((name, reason)) = line.split_once(':') else {
            return Err(format!("line {}: expected `name: reason`", index + 1));
        };
        let (name, reason) = (name.trim(), reason.trim());
        if name.is_empty() || reason.is_empty() {
            return Err(format!("line {}: expected `name: reason`", index + 1));
        }
        if known.insert(name.to_string(), reason.to_string()).is_some() {
            return Err(format!("line {}: `{name}` is listed twice", index + 1));
        }
    }
    Ok(known)
}
