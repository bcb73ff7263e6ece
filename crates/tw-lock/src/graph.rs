//! The dependency graph of a lock, read back from the file alone, for `tailwheel tree` and
//! `tailwheel why`.
//!
//! - `pylock.toml`: each package's `dependencies` (`[{ name = "…" }]`, PEP 751). The file
//!   records no roots, so the roots are the packages no other package depends on.
//! - `requirements.txt`: the `# via` comments pip-compile and tailwheel write, in either
//!   annotation style. A reason that is an input (`-r requirements.in`, `-c …`, a
//!   `pyproject.toml`) makes the package a root reached from that input; any other reason is
//!   the package that depends on it. A file without annotations has roots only.

use std::collections::{BTreeMap, BTreeSet};
use std::path::Path;
use std::str::FromStr;

use pep440_rs::Version;
use pep508_rs::{MarkerTree, PackageName};

use crate::error::LockError;
use crate::format::LockFormat;

/// One entry of a lock: a version of a package and, in a universal lock, where it is
/// installed. A universal lock may hold several entries of one name, with disjoint markers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct LockEntry {
    /// The pinned version; `None` for a requirements.txt line that names the package
    /// without `==` (a direct reference, `name @ URL`).
    pub version: Option<Version>,
    /// Where the entry is installed; `None` for every environment the lock covers.
    pub marker: Option<MarkerTree>,
}

impl LockEntry {
    /// Whether this entry and `other` can both be installed somewhere.
    fn overlaps(&self, other: &Self) -> bool {
        match (&self.marker, &other.marker) {
            (Some(ours), Some(theirs)) => !ours.is_disjoint(theirs),
            _ => true,
        }
    }
}

/// An entry of a [`LockGraph`]: the package name and the index of the entry among that
/// name's entries (file order).
pub type EntryId = (PackageName, usize);

/// Entries, edges and roots of a lock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockGraph {
    /// Every locked entry by name, in file order: one per name, except in a universal lock
    /// where forks chose different versions.
    pub packages: BTreeMap<PackageName, Vec<LockEntry>>,
    /// The entries each entry depends on directly. A dependency named by name only (a
    /// `pylock.toml` `{ name = "…" }`, a `# via` line) goes to every entry of that name whose
    /// marker overlaps the dependent's, the rule tailwheel's pylock writer uses for the
    /// `version` of its dependency items.
    pub dependencies: BTreeMap<EntryId, BTreeSet<EntryId>>,
    /// The roots, each with the inputs that asked for it (empty for a `pylock.toml`).
    pub roots: BTreeMap<EntryId, BTreeSet<String>>,
}

impl LockGraph {
    /// Read the graph of the lock at `path` (format from its name, as
    /// [`LockFormat::from_path`]).
    ///
    /// # Errors
    ///
    /// [`LockError`] naming `path` when it cannot be read or parsed.
    #[expect(
        clippy::disallowed_methods,
        reason = "`LockError::Read` names the path"
    )]
    pub fn read(path: &Path) -> Result<Self, LockError> {
        let text = std::fs::read_to_string(path).map_err(|source| LockError::Read {
            path: path.to_path_buf(),
            source,
        })?;
        match LockFormat::from_path(path) {
            LockFormat::Pylock => Self::from_pylock(path, &text),
            LockFormat::RequirementsTxt => Self::from_requirements_txt(path, &text),
        }
    }

    /// Add an entry of `name`; returns its id.
    fn add(&mut self, name: &PackageName, entry: LockEntry) -> EntryId {
        let entries = self.packages.entry(name.clone()).or_default();
        entries.push(entry);
        (name.clone(), entries.len() - 1)
    }

    fn entry(&self, (name, index): &EntryId) -> Option<&LockEntry> {
        self.packages.get(name)?.get(*index)
    }

    /// The entries of `name` that can be installed together with `with`.
    fn overlapping(&self, name: &PackageName, with: &LockEntry) -> Vec<EntryId> {
        self.packages
            .get(name)
            .into_iter()
            .flatten()
            .enumerate()
            .filter(|(_, entry)| entry.overlaps(with))
            .map(|(index, _)| (name.clone(), index))
            .collect()
    }

    /// Every entry no other entry depends on becomes a root (with no input).
    fn add_unexplained_roots(&mut self) {
        let needed: BTreeSet<EntryId> = self.dependencies.values().flatten().cloned().collect();
        for (name, entries) in &self.packages {
            for index in 0..entries.len() {
                let id = (name.clone(), index);
                if !needed.contains(&id) {
                    self.roots.entry(id).or_default();
                }
            }
        }
    }

    fn from_pylock(path: &Path, text: &str) -> Result<Self, LockError> {
        let lock = crate::pylock::read_lock(path, text)?;
        let mut graph = Self::default();
        let mut named = Vec::new();
        for package in &lock.packages {
            let entry = LockEntry {
                version: Some(package.version.clone()),
                marker: package.marker.clone(),
            };
            let id = graph.add(&package.name, entry);
            named.push((id, &package.dependencies));
        }
        for (id, dependencies) in named {
            let Some(entry) = graph.entry(&id).cloned() else {
                continue;
            };
            let targets: BTreeSet<EntryId> = dependencies
                .iter()
                .flat_map(|name| graph.overlapping(name, &entry))
                .collect();
            graph.dependencies.insert(id, targets);
        }
        // The file records no roots: they are the entries nothing else needs.
        graph.add_unexplained_roots();
        Ok(graph)
    }

    fn from_requirements_txt(path: &Path, text: &str) -> Result<Self, LockError> {
        let mut pins = crate::requirements_txt::read_locked_pins(path, text)?
            .into_iter()
            .peekable();
        let mut graph = Self::default();
        let mut reasons: Vec<(EntryId, String)> = Vec::new();
        // Walk the file: a pin line opens an entry; `# via` lines below (or on) it add
        // reasons until the next pin.
        let mut current: Option<EntryId> = None;
        let mut in_via_list = false;
        for line in text.lines() {
            let trimmed = line.trim_start();
            if !line.starts_with([' ', '\t', '#', '-']) && !trimmed.is_empty() {
                in_via_list = false;
                current = pin_name(line).map(|name| {
                    let entry = match pins.next_if(|pin| pin.name == name) {
                        Some(pin) => LockEntry {
                            version: Some(pin.version),
                            marker: pin.marker,
                        },
                        None => LockEntry {
                            version: None,
                            marker: None,
                        },
                    };
                    graph.add(&name, entry)
                });
                if let (Some(id), Some((_, comment))) = (&current, line.split_once("  # via ")) {
                    reasons.extend(
                        comment
                            .split(", ")
                            .map(|r| (id.clone(), r.trim().to_owned())),
                    );
                }
                continue;
            }
            let Some(id) = &current else { continue };
            if let Some(rest) = trimmed.strip_prefix("# via") {
                let rest = rest.trim();
                in_via_list = rest.is_empty();
                if !rest.is_empty() {
                    reasons.extend(rest.split(", ").map(|r| (id.clone(), r.trim().to_owned())));
                }
            } else if in_via_list && let Some(reason) = trimmed.strip_prefix("#   ") {
                reasons.push((id.clone(), reason.trim().to_owned()));
            } else if let Some((_, comment)) = trimmed.split_once("  # via ") {
                // `--annotation-style line` with hashes: the comment follows the last hash.
                reasons.extend(
                    comment
                        .split(", ")
                        .map(|r| (id.clone(), r.trim().to_owned())),
                );
            } else if !trimmed.starts_with("--hash") {
                in_via_list = false;
            }
        }
        for name in graph.packages.keys().cloned().collect::<Vec<_>>() {
            for index in 0..graph.packages[&name].len() {
                graph.dependencies.entry((name.clone(), index)).or_default();
            }
        }
        for (id, reason) in reasons {
            let Some(entry) = graph.entry(&id).cloned() else {
                continue;
            };
            let parents = PackageName::from_str(&reason)
                .ok()
                .map(|parent| graph.overlapping(&parent, &entry))
                .unwrap_or_default();
            if parents.is_empty() {
                graph.roots.entry(id).or_default().insert(reason);
            } else {
                for parent in parents {
                    graph
                        .dependencies
                        .entry(parent)
                        .or_default()
                        .insert(id.clone());
                }
            }
        }
        // Entries nobody explains (no annotations) are roots.
        graph.add_unexplained_roots();
        Ok(graph)
    }

    /// `name==version`, with ` ; marker` when the lock has several entries of that name.
    fn label(&self, id: &EntryId) -> String {
        let (name, _) = id;
        let Some(entry) = self.entry(id) else {
            return name.to_string();
        };
        let mut label = match &entry.version {
            Some(version) => format!("{name}=={version}"),
            None => name.to_string(),
        };
        if self
            .packages
            .get(name)
            .is_some_and(|entries| entries.len() > 1)
            && let Some(marker) = entry.marker.as_ref().and_then(MarkerTree::try_to_string)
        {
            label.push_str(" ; ");
            label.push_str(&marker);
        }
        label
    }

    /// The graph as an indented tree from each root (`├──`, `└──`); a subtree already shown
    /// is marked `(*)` instead of repeated, and a cycle ends at the repeated entry. Each
    /// entry of a name with several (a universal lock) is its own node, with its marker.
    pub fn render_tree(&self) -> String {
        let mut out = String::new();
        let mut shown = BTreeSet::new();
        for root in self.roots.keys() {
            out.push_str(&self.label(root));
            out.push('\n');
            let mut path = vec![root.clone()];
            self.render_children(root, "", &mut path, &mut shown, &mut out);
        }
        out
    }

    fn render_children(
        &self,
        id: &EntryId,
        prefix: &str,
        path: &mut Vec<EntryId>,
        shown: &mut BTreeSet<EntryId>,
        out: &mut String,
    ) {
        let Some(children) = self.dependencies.get(id) else {
            return;
        };
        let count = children.len();
        for (index, child) in children.iter().enumerate() {
            let last = index + 1 == count;
            out.push_str(prefix);
            out.push_str(if last { "└── " } else { "├── " });
            out.push_str(&self.label(child));
            let has_children = self.dependencies.get(child).is_some_and(|c| !c.is_empty());
            if path.contains(child) || (has_children && shown.contains(child)) {
                out.push_str(" (*)\n");
                continue;
            }
            out.push('\n');
            shown.insert(child.clone());
            path.push(child.clone());
            let deeper = format!("{prefix}{}", if last { "    " } else { "│   " });
            self.render_children(child, &deeper, path, shown, out);
            path.pop();
        }
    }

    /// Every path from a root to an entry of `target`, as `input -> a==1 -> b==2` lines (the
    /// input part only when the lock records it), sorted by root, then depth-first by name.
    pub fn paths_to(&self, target: &PackageName) -> Vec<String> {
        let mut found = Vec::new();
        for (root, inputs) in &self.roots {
            let mut path = vec![root.clone()];
            let mut paths = Vec::new();
            self.walk(root, target, &mut path, &mut paths);
            for path in paths {
                let chain: Vec<String> = path.iter().map(|id| self.label(id)).collect();
                let chain = chain.join(" -> ");
                if inputs.is_empty() {
                    found.push(chain);
                } else {
                    found.extend(inputs.iter().map(|input| format!("{input} -> {chain}")));
                }
            }
        }
        found
    }

    fn walk(
        &self,
        id: &EntryId,
        target: &PackageName,
        path: &mut Vec<EntryId>,
        paths: &mut Vec<Vec<EntryId>>,
    ) {
        if &id.0 == target {
            paths.push(path.clone());
            return;
        }
        for child in self.dependencies.get(id).into_iter().flatten() {
            if path.contains(child) {
                continue;
            }
            path.push(child.clone());
            self.walk(child, target, path, paths);
            path.pop();
        }
    }
}

/// The package name of a pin line (`name==1.0`, `name[extra]==1.0 \`).
fn pin_name(line: &str) -> Option<PackageName> {
    let end = line.find(['=', '[', ' ', ';', '<', '>', '~', '!'])?;
    PackageName::from_str(line[..end].trim()).ok()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn cycles_end_at_the_repeated_package() {
        let text = "a==1\n    # via\n    #   -r requirements.in\n    #   b\nb==1\n    # via a\n";
        let graph = LockGraph::from_requirements_txt(Path::new("r.txt"), text).unwrap();
        assert_eq!(graph.render_tree(), "a==1\n└── b==1\n    └── a==1 (*)\n");
        assert_eq!(
            graph.paths_to(&"b".parse().unwrap()),
            ["-r requirements.in -> a==1 -> b==1"]
        );
    }
}
