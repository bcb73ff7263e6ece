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
use pep508_rs::PackageName;

use crate::error::LockError;
use crate::format::LockFormat;

/// Packages, edges and roots of a lock.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct LockGraph {
    /// Every locked package and its version.
    pub packages: BTreeMap<PackageName, Version>,
    /// The locked packages each package depends on directly.
    pub dependencies: BTreeMap<PackageName, BTreeSet<PackageName>>,
    /// The roots, each with the inputs that asked for it (empty for a `pylock.toml`).
    pub roots: BTreeMap<PackageName, BTreeSet<String>>,
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

    fn from_pylock(path: &Path, text: &str) -> Result<Self, LockError> {
        let lock = crate::pylock::read_lock(path, text)?;
        let mut graph = Self::default();
        for package in &lock.packages {
            graph
                .packages
                .insert(package.name.clone(), package.version.clone());
            graph.dependencies.insert(
                package.name.clone(),
                package.dependencies.iter().cloned().collect(),
            );
        }
        let needed: BTreeSet<&PackageName> = graph.dependencies.values().flatten().collect();
        graph.roots = graph
            .packages
            .keys()
            .filter(|name| !needed.contains(name))
            .map(|name| (name.clone(), BTreeSet::new()))
            .collect();
        graph.keep_known_edges();
        Ok(graph)
    }

    fn from_requirements_txt(path: &Path, text: &str) -> Result<Self, LockError> {
        let pins = crate::requirements_txt::read_pins(path, text)?;
        let mut graph = Self::default();
        let mut reasons: BTreeMap<PackageName, Vec<String>> = BTreeMap::new();
        // Walk the file: a pin line opens a package; `# via` lines below (or on) it add
        // reasons until the next pin.
        let mut current: Option<PackageName> = None;
        let mut in_via_list = false;
        for line in text.lines() {
            let trimmed = line.trim_start();
            if !line.starts_with([' ', '\t', '#', '-']) && !trimmed.is_empty() {
                current = pin_name(line);
                in_via_list = false;
                if let (Some(name), Some((_, comment))) = (&current, line.split_once("  # via ")) {
                    reasons
                        .entry(name.clone())
                        .or_default()
                        .extend(comment.split(", ").map(|r| r.trim().to_owned()));
                }
                continue;
            }
            let Some(name) = &current else { continue };
            if let Some(rest) = trimmed.strip_prefix("# via") {
                let rest = rest.trim();
                in_via_list = rest.is_empty();
                if !rest.is_empty() {
                    reasons
                        .entry(name.clone())
                        .or_default()
                        .extend(rest.split(", ").map(|r| r.trim().to_owned()));
                }
            } else if in_via_list && let Some(reason) = trimmed.strip_prefix("#   ") {
                reasons
                    .entry(name.clone())
                    .or_default()
                    .push(reason.trim().to_owned());
            } else if let Some((_, comment)) = trimmed.split_once("  # via ") {
                // `--annotation-style line` with hashes: the comment follows the last hash.
                reasons
                    .entry(name.clone())
                    .or_default()
                    .extend(comment.split(", ").map(|r| r.trim().to_owned()));
            } else if !trimmed.starts_with("--hash") {
                in_via_list = false;
            }
        }
        for (name, version) in pins {
            graph.dependencies.entry(name.clone()).or_default();
            graph.packages.insert(name, version);
        }
        for (name, reasons) in reasons {
            for reason in reasons {
                let parent = PackageName::from_str(&reason)
                    .ok()
                    .filter(|parent| graph.packages.contains_key(parent));
                match parent {
                    Some(parent) => {
                        graph
                            .dependencies
                            .entry(parent)
                            .or_default()
                            .insert(name.clone());
                    }
                    None => {
                        graph.roots.entry(name.clone()).or_default().insert(reason);
                    }
                }
            }
        }
        // Packages nobody explains (no annotations) are roots.
        let needed: BTreeSet<PackageName> =
            graph.dependencies.values().flatten().cloned().collect();
        for name in graph.packages.keys() {
            if !needed.contains(name) {
                graph.roots.entry(name.clone()).or_default();
            }
        }
        graph.keep_known_edges();
        Ok(graph)
    }

    /// Drop edges to names that are not locked (a hand-edited file).
    fn keep_known_edges(&mut self) {
        let known: BTreeSet<PackageName> = self.packages.keys().cloned().collect();
        for children in self.dependencies.values_mut() {
            children.retain(|child| known.contains(child));
        }
    }

    fn label(&self, name: &PackageName) -> String {
        match self.packages.get(name) {
            Some(version) => format!("{name}=={version}"),
            None => name.to_string(),
        }
    }

    /// The graph as an indented tree from each root (`├──`, `└──`); a subtree already shown
    /// is marked `(*)` instead of repeated, and a cycle ends at the repeated package.
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
        name: &PackageName,
        prefix: &str,
        path: &mut Vec<PackageName>,
        shown: &mut BTreeSet<PackageName>,
        out: &mut String,
    ) {
        let Some(children) = self.dependencies.get(name) else {
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

    /// Every path from a root to `target`, as `input -> a==1 -> b==2` lines (the input part
    /// only when the lock records it), sorted by root, then depth-first by name.
    pub fn paths_to(&self, target: &PackageName) -> Vec<String> {
        let mut found = Vec::new();
        for (root, inputs) in &self.roots {
            let mut path = vec![root.clone()];
            let mut paths = Vec::new();
            self.walk(root, target, &mut path, &mut paths);
            for path in paths {
                let chain: Vec<String> = path.iter().map(|name| self.label(name)).collect();
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
        name: &PackageName,
        target: &PackageName,
        path: &mut Vec<PackageName>,
        paths: &mut Vec<Vec<PackageName>>,
    ) {
        if name == target {
            paths.push(path.clone());
            return;
        }
        for child in self.dependencies.get(name).into_iter().flatten() {
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
