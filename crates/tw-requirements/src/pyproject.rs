//! `pyproject.toml`: `[project] dependencies`, the selected
//! `[project.optional-dependencies]` ([PEP 621](https://peps.python.org/pep-0621/)) and the
//! selected `[dependency-groups]` ([PEP 735](https://peps.python.org/pep-0735/), with
//! `{include-group = "…"}` entries expanded and cycles refused). A file with only
//! `[dependency-groups]` and no `[project]` is read when groups are selected, as PEP 735 allows.
//!
//! A project's extras may name the project itself (`all = ["me[dev,test]"]`); such
//! self-references are expanded into the named extras' requirements (with the reference's
//! marker added) instead of becoming a requirement on the project.

use rustc_hash::FxHashSet;
use std::ops::Range;
use std::path::Path;
use std::str::FromStr;

use pep508_rs::{ExtraName, MarkerTree, PackageName};
use toml::Spanned;
use toml::de::{DeTable, DeValue};

use crate::internal::requirement::{Parsed, Rejection, parse_requirement};
use crate::{
    ExtrasSelection, GroupName, GroupsSelection, Origin, PyprojectSelection, RequirementEntry,
    RequirementsError, RequirementsSet,
};

/// Read `[project] dependencies` plus the optional dependencies and dependency groups
/// `selection` names.
///
/// Requesting an extra or a group the file does not define is an error naming it and the file.
pub fn read_pyproject(
    path: &Path,
    selection: &PyprojectSelection,
) -> Result<RequirementsSet, RequirementsError> {
    let contents = fs_err::read_to_string(path).map_err(RequirementsError::Io)?;
    parse_pyproject_str(&contents, path, selection)
}

/// Like [`read_pyproject`], for `contents` already read from `path`.
pub fn parse_pyproject_str(
    contents: &str,
    path: &Path,
    selection: &PyprojectSelection,
) -> Result<RequirementsSet, RequirementsError> {
    let extras = &selection.extras;
    let document = Document { contents, path };
    let root = DeTable::parse(contents).map_err(|error| {
        let offset = error.span().map_or(0, |span| span.start);
        let (origin, source_line) = document.locate(offset);
        RequirementsError::Toml {
            origin,
            source_line,
            error: Box::new(error),
        }
    })?;
    let groups = match root.get_ref().get("dependency-groups") {
        Some(value) => document.groups(value)?,
        None => Vec::new(),
    };
    let empty = DeTable::default();
    let project_table = match root.get_ref().get("project") {
        Some(project) => project
            .get_ref()
            .as_table()
            .ok_or_else(|| document.invalid(project.span(), "project", "a table"))?,
        // PEP 735: a file may hold only dependency groups.
        None if selection.groups != GroupsSelection::None
            && *extras == ExtrasSelection::None
            && !groups.is_empty() =>
        {
            &empty
        }
        None => {
            return Err(RequirementsError::MissingProject {
                path: path.to_path_buf(),
            });
        }
    };

    let name = project_table
        .get("name")
        .and_then(|name| name.get_ref().as_str())
        .and_then(|name| PackageName::from_str(name).ok());
    let dynamic = match project_table.get("dynamic") {
        Some(value) => document.strings(value, "project.dynamic")?,
        None => Vec::new(),
    };
    let dynamic_span = |field: &str| {
        dynamic
            .iter()
            .find(|(value, _)| value == field)
            .map(|(_, span)| span.clone())
    };

    // Where `dynamic` makes a build necessary (issue 16: the caller builds the project).
    let mut dynamic_at: Option<usize> = None;
    let dependencies = if let Some(value) = project_table.get("dependencies") {
        document.strings(value, "project.dependencies")?
    } else {
        if let Some(span) = dynamic_span("dependencies") {
            dynamic_at = Some(span.start);
        }
        Vec::new()
    };

    let mut defined = Vec::new();
    match project_table.get("optional-dependencies") {
        Some(value) => {
            let table = value.get_ref().as_table().ok_or_else(|| {
                document.invalid(value.span(), "project.optional-dependencies", "a table")
            })?;
            for (key, value) in table {
                let extra = ExtraName::from_str(key.get_ref()).map_err(|error| {
                    let (origin, source_line) = document.locate(key.span().start);
                    RequirementsError::InvalidExtraName {
                        origin,
                        source_line,
                        error,
                    }
                })?;
                let key_path = format!("project.optional-dependencies.{}", key.get_ref());
                let requirements = document.strings(value, &key_path)?;
                defined.push((key.span().start, extra, requirements));
            }
        }
        None => {
            if let (Some(span), false) = (
                dynamic_span("optional-dependencies"),
                *extras == ExtrasSelection::None,
            ) {
                dynamic_at.get_or_insert(span.start);
            }
        }
    }
    // The TOML map may be sorted by key; report and expand extras in file order.
    defined.sort_by_key(|(start, _, _)| *start);
    let defined: Vec<Extra> = defined
        .into_iter()
        .map(|(_, name, requirements)| Extra { name, requirements })
        .collect();

    let selected: Vec<ExtraName> = match extras {
        ExtrasSelection::None => Vec::new(),
        ExtrasSelection::All => defined.iter().map(|extra| extra.name.clone()).collect(),
        // The built metadata will say which extras exist.
        ExtrasSelection::Some(_) if dynamic_at.is_some() => Vec::new(),
        ExtrasSelection::Some(requested) => {
            for extra in requested {
                if !defined.iter().any(|defined| defined.name == *extra) {
                    return Err(RequirementsError::UnknownExtra {
                        path: path.to_path_buf(),
                        extra: extra.clone(),
                        available: defined.iter().map(|extra| extra.name.clone()).collect(),
                    });
                }
            }
            requested.clone()
        }
    };

    let selected_groups: Vec<GroupName> = match &selection.groups {
        GroupsSelection::None => Vec::new(),
        GroupsSelection::All => groups.iter().map(|group| group.name.clone()).collect(),
        GroupsSelection::Some(requested) => requested.clone(),
    };

    let mut expander = Expander {
        document: &document,
        name,
        defined: &defined,
        expanded: FxHashSet::default(),
        groups: &groups,
        groups_done: FxHashSet::default(),
        set: RequirementsSet::default(),
    };
    expander.add_list(&dependencies, &MarkerTree::TRUE)?;
    for extra in &selected {
        expander.add_extra(extra, &MarkerTree::TRUE)?;
    }
    for group in &selected_groups {
        expander.add_group(group, &mut Vec::new(), None)?;
    }
    if let Some(at) = dynamic_at {
        let (origin, _) = document.locate(at);
        let directory = match path.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        expander.set.dynamic_projects.push(crate::DynamicProject {
            path: crate::direct::normalize(directory),
            name: expander.name.clone(),
            extras: extras.clone(),
            origin,
        });
    }
    Ok(expander.set)
}

/// A group of `[dependency-groups]`, in file order.
struct Group {
    name: GroupName,
    items: Vec<GroupItem>,
}

/// One entry of a dependency group.
enum GroupItem {
    /// A PEP 508 requirement string.
    Requirement(SpannedString),
    /// `{include-group = "name"}`, with the span of the table.
    Include(GroupName, Range<usize>),
}

/// A string and its byte span (including quotes) in the document.
type SpannedString = (String, Range<usize>);

/// An extra defined in `[project.optional-dependencies]`.
struct Extra {
    name: ExtraName,
    requirements: Vec<SpannedString>,
}

/// The `pyproject.toml` being read.
struct Document<'a> {
    contents: &'a str,
    path: &'a Path,
}

impl Document<'_> {
    /// Origin and physical line of byte `offset`.
    fn locate(&self, offset: usize) -> (Origin, String) {
        let before = self.contents.get(..offset).unwrap_or(self.contents);
        let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
        let line = before.matches('\n').count() + 1;
        let column = before[line_start..].chars().count() + 1;
        let line_end = self.contents[line_start..]
            .find('\n')
            .map_or(self.contents.len(), |end| line_start + end);
        let text = &self.contents[line_start..line_end];
        let origin = Origin {
            path: self.path.to_path_buf(),
            line,
            column,
        };
        (origin, text.trim_end_matches('\r').to_string())
    }

    fn invalid(&self, span: Range<usize>, key: &str, expected: &'static str) -> RequirementsError {
        let (origin, source_line) = self.locate(span.start);
        RequirementsError::InvalidPyproject {
            origin,
            source_line,
            key: key.to_string(),
            expected,
        }
    }

    /// `value` as an array of strings with their spans.
    fn strings(
        &self,
        value: &Spanned<DeValue<'_>>,
        key: &str,
    ) -> Result<Vec<SpannedString>, RequirementsError> {
        let expected = "an array of strings";
        let array = value
            .get_ref()
            .as_array()
            .ok_or_else(|| self.invalid(value.span(), key, expected))?;
        array
            .iter()
            .map(|item| match item.get_ref().as_str() {
                Some(text) => Ok((text.to_string(), item.span())),
                None => Err(self.invalid(item.span(), key, expected)),
            })
            .collect()
    }

    /// The `[dependency-groups]` table: every group with its entries, in file order.
    fn groups(&self, value: &Spanned<DeValue<'_>>) -> Result<Vec<Group>, RequirementsError> {
        let table = value
            .get_ref()
            .as_table()
            .ok_or_else(|| self.invalid(value.span(), "dependency-groups", "a table"))?;
        let mut groups: Vec<(usize, Group)> = Vec::new();
        for (key, value) in table {
            let name = self.group_name(key.get_ref(), key.span())?;
            if groups.iter().any(|(_, group)| group.name == name) {
                let (origin, source_line) = self.locate(key.span().start);
                return Err(RequirementsError::DuplicateGroup {
                    origin,
                    source_line,
                    group: name,
                });
            }
            let key_path = format!("dependency-groups.{}", key.get_ref());
            let expected = "an array of requirement strings and `{include-group = \"…\"}` tables";
            let array = value
                .get_ref()
                .as_array()
                .ok_or_else(|| self.invalid(value.span(), &key_path, expected))?;
            let mut items = Vec::new();
            for item in array {
                if let Some(text) = item.get_ref().as_str() {
                    items.push(GroupItem::Requirement((text.to_string(), item.span())));
                    continue;
                }
                let include = item
                    .get_ref()
                    .as_table()
                    .filter(|table| table.len() == 1)
                    .and_then(|table| table.get("include-group"))
                    .ok_or_else(|| self.invalid(item.span(), &key_path, expected))?;
                let included = include
                    .get_ref()
                    .as_str()
                    .ok_or_else(|| self.invalid(include.span(), &key_path, expected))?;
                let included = self.group_name(included, include.span())?;
                items.push(GroupItem::Include(included, item.span()));
            }
            groups.push((key.span().start, Group { name, items }));
        }
        // The TOML map may be sorted by key; keep file order.
        groups.sort_by_key(|(start, _)| *start);
        Ok(groups.into_iter().map(|(_, group)| group).collect())
    }

    fn group_name(&self, name: &str, span: Range<usize>) -> Result<GroupName, RequirementsError> {
        GroupName::from_str(name).map_err(|error| {
            let (origin, source_line) = self.locate(span.start);
            RequirementsError::InvalidGroupName {
                origin,
                source_line,
                error,
            }
        })
    }

    /// Byte offset in the document of byte `offset` of the string at `span`: exact when the
    /// TOML string has no escapes, else the string's start.
    fn offset_in_string(&self, text: &str, span: &Range<usize>, offset: usize) -> usize {
        let raw = self.contents.get(span.clone()).unwrap_or_default();
        let unquoted = raw
            .strip_prefix(['"', '\''])
            .and_then(|raw| raw.strip_suffix(['"', '\'']));
        if unquoted == Some(text) {
            span.start + 1 + offset
        } else {
            span.start
        }
    }
}

/// Collects requirements, expanding the project's references to its own extras.
struct Expander<'a> {
    document: &'a Document<'a>,
    name: Option<PackageName>,
    defined: &'a [Extra],
    /// Extras already expanded, with the marker they were expanded under.
    expanded: FxHashSet<(ExtraName, MarkerTree)>,
    groups: &'a [Group],
    /// Groups already expanded.
    groups_done: FxHashSet<GroupName>,
    set: RequirementsSet,
}

impl Expander<'_> {
    fn add_list(
        &mut self,
        requirements: &[SpannedString],
        marker: &MarkerTree,
    ) -> Result<(), RequirementsError> {
        for (text, span) in requirements {
            let document = self.document;
            let mut warnings = Vec::new();
            let working_dir = document.path.parent().unwrap_or(Path::new(""));
            let parsed = parse_requirement(text, working_dir, &mut warnings);
            let (origin, _) = document.locate(span.start);
            self.set.warnings.extend(
                warnings
                    .into_iter()
                    .map(|warning| format!("`{origin}`: {warning}")),
            );
            let parsed = parsed.map_err(|rejection| match rejection {
                Rejection::Invalid { offset, error } => {
                    let at = document.offset_in_string(text, span, offset);
                    let (origin, source_line) = document.locate(at);
                    RequirementsError::InvalidRequirement {
                        origin,
                        source_line,
                        error,
                    }
                }
                Rejection::Direct { offset, error } => {
                    let at = document.offset_in_string(text, span, offset);
                    let (origin, source_line) = document.locate(at);
                    RequirementsError::InvalidDirectReference {
                        origin,
                        source_line,
                        error,
                    }
                }
            })?;
            let mut requirement = match parsed {
                Parsed::Index(requirement) => requirement,
                Parsed::Direct(parts) => {
                    let mut combined = marker.clone();
                    combined.and(parts.marker);
                    self.set.direct.push(crate::DirectEntry {
                        name: parts.name,
                        extras: parts.extras,
                        marker: combined,
                        reference: parts.reference,
                        editable: false,
                        written: text.clone(),
                        hashes: Vec::new(),
                        origin,
                    });
                    continue;
                }
            };
            if self.name.as_ref() == Some(&requirement.name) {
                let mut combined = marker.clone();
                combined.and(requirement.marker.clone());
                if requirement.extras.is_empty() {
                    self.set.warnings.push(format!(
                        "`{origin}`: ignoring a dependency of the project on itself"
                    ));
                }
                for extra in &requirement.extras {
                    self.add_extra(extra, &combined)?;
                }
                continue;
            }
            requirement.marker.and(marker.clone());
            self.set.requirements.push(RequirementEntry {
                requirement,
                hashes: Vec::new(),
                origin,
            });
        }
        Ok(())
    }

    fn add_extra(
        &mut self,
        extra: &ExtraName,
        marker: &MarkerTree,
    ) -> Result<(), RequirementsError> {
        let already = self.expanded.contains(&(extra.clone(), MarkerTree::TRUE))
            || !self.expanded.insert((extra.clone(), marker.clone()));
        if already {
            return Ok(());
        }
        let Some(definition) = self.defined.iter().find(|defined| defined.name == *extra) else {
            return Err(RequirementsError::UnknownExtra {
                path: self.document.path.to_path_buf(),
                extra: extra.clone(),
                available: self
                    .defined
                    .iter()
                    .map(|extra| extra.name.clone())
                    .collect(),
            });
        };
        self.add_list(&definition.requirements, marker)
    }

    /// Add `name`'s requirements and those of the groups it includes; `stack` holds the
    /// groups being expanded (to find cycles) and `site` the `include-group` that led here.
    fn add_group(
        &mut self,
        name: &GroupName,
        stack: &mut Vec<GroupName>,
        site: Option<&Range<usize>>,
    ) -> Result<(), RequirementsError> {
        if let Some(position) = stack.iter().position(|open| open == name) {
            let cycle = stack[position..]
                .iter()
                .chain(std::iter::once(name))
                .map(|group| format!("`{group}`"))
                .collect::<Vec<_>>()
                .join(" -> ");
            let (origin, source_line) = self.document.locate(site.map_or(0, |span| span.start));
            return Err(RequirementsError::GroupCycle {
                origin,
                source_line,
                cycle,
            });
        }
        if self.groups_done.contains(name) {
            return Ok(());
        }
        let groups = self.groups;
        let Some(group) = groups.iter().find(|group| group.name == *name) else {
            return Err(RequirementsError::UnknownGroup {
                path: self.document.path.to_path_buf(),
                group: name.clone(),
                available: groups.iter().map(|group| group.name.clone()).collect(),
            });
        };
        stack.push(name.clone());
        for item in &group.items {
            match item {
                GroupItem::Requirement(requirement) => {
                    self.add_list(std::slice::from_ref(requirement), &MarkerTree::TRUE)?;
                }
                GroupItem::Include(included, span) => {
                    self.add_group(included, stack, Some(span))?;
                }
            }
        }
        stack.pop();
        self.groups_done.insert(name.clone());
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    const PYPROJECT: &str = r#"[build-system]
requires = ["hatchling"]

[project]
name = "My_App"
version = "1.0"
dependencies = [
    "Flask >=2",
    'requests[socks] ; python_version >= "3.9"',
]

[project.optional-dependencies]
test = ["pytest>=8", "my-app[lint]"]
docs = ["sphinx"]
lint = ["ruff"]
all = ["my-app[test,docs] ; sys_platform == 'linux'"]
"#;

    fn parse(
        contents: &str,
        extras: &ExtrasSelection,
    ) -> Result<RequirementsSet, RequirementsError> {
        parse_pyproject_str(
            contents,
            Path::new("pyproject.toml"),
            &PyprojectSelection::from(extras.clone()),
        )
    }

    fn parse_groups(
        contents: &str,
        groups: GroupsSelection,
    ) -> Result<RequirementsSet, RequirementsError> {
        let selection = PyprojectSelection {
            extras: ExtrasSelection::None,
            groups,
        };
        parse_pyproject_str(contents, Path::new("pyproject.toml"), &selection)
    }

    fn groups(names: &[&str]) -> GroupsSelection {
        GroupsSelection::Some(names.iter().map(|name| name.parse().unwrap()).collect())
    }

    const GROUPS: &str = r#"[project]
name = "app"
version = "1"
dependencies = ["flask"]
optional-dependencies = { fast = ["orjson"] }

[dependency-groups]
Test = ["pytest>=8", {include-group = "lint"}, "app[fast]"]
lint = ["ruff"]
docs = ["sphinx", {include-group = "test"}]
"#;

    #[test]
    fn dependency_groups_with_includes_and_self_extras() {
        let set = parse_groups(GROUPS, groups(&["test"])).unwrap();
        assert_eq!(names(&set), ["flask", "pytest>=8", "ruff", "orjson"]);
        let set = parse_groups(GROUPS, GroupsSelection::All).unwrap();
        assert_eq!(
            names(&set),
            ["flask", "pytest>=8", "ruff", "orjson", "sphinx"]
        );
        // Origins point at the strings inside the group.
        let ruff = &set.requirements[2];
        assert_eq!((ruff.origin.line, ruff.origin.column), (9, 9));
    }

    #[test]
    fn dependency_groups_without_a_project() {
        let contents = "[dependency-groups]\ndev = [\"black\"]\n";
        let set = parse_groups(contents, groups(&["dev"])).unwrap();
        assert_eq!(names(&set), ["black"]);
        // Without a group selected there is nothing to read.
        let error = parse(contents, &ExtrasSelection::None).unwrap_err();
        assert!(matches!(error, RequirementsError::MissingProject { .. }));
    }

    #[test]
    fn dependency_group_errors() {
        let error = parse_groups(GROUPS, groups(&["typing"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`pyproject.toml`: no dependency group `typing` (it defines `test`, `lint`, `docs`)"
        );
        let cycle = "[dependency-groups]\na = [{include-group = \"b\"}]\nb = [\"x\", {include-group = \"A\"}]\n";
        let error = parse_groups(cycle, groups(&["a"])).unwrap_err();
        assert!(
            error
                .to_string()
                .starts_with("`pyproject.toml:3:11`: dependency groups include each other in a cycle: `a` -> `b` -> `a`"),
            "{error}"
        );
        let twice = "[dependency-groups]\ndev = []\nDev = []\n";
        let error = parse_groups(twice, GroupsSelection::All).unwrap_err();
        assert!(
            matches!(error, RequirementsError::DuplicateGroup { .. }),
            "{error}"
        );
        let bad = "[dependency-groups]\ndev = [{include = \"x\"}]\n";
        let error = parse_groups(bad, GroupsSelection::All).unwrap_err();
        assert!(
            error
                .to_string()
                .contains("`dependency-groups.dev` must be"),
            "{error}"
        );
    }

    fn names(set: &RequirementsSet) -> Vec<String> {
        set.requirements
            .iter()
            .map(|entry| entry.requirement.to_string())
            .collect()
    }

    fn extras(names: &[&str]) -> ExtrasSelection {
        ExtrasSelection::Some(names.iter().map(|name| name.parse().unwrap()).collect())
    }

    #[test]
    fn dependencies_with_origins_at_the_strings() {
        let set = parse(PYPROJECT, &ExtrasSelection::None).unwrap();
        assert_eq!(
            names(&set),
            ["flask>=2", "requests[socks] ; python_full_version >= '3.9'"]
        );
        let origins: Vec<String> = set
            .requirements
            .iter()
            .map(|entry| entry.origin.to_string())
            .collect();
        assert_eq!(origins, ["pyproject.toml:8:5", "pyproject.toml:9:5"]);
        assert!(set.constraints.is_empty());
        assert!(set.warnings.is_empty());
    }

    #[test]
    fn selected_extras_in_requested_order() {
        let set = parse(PYPROJECT, &extras(&["docs", "Test"])).unwrap();
        // `test` names the project's own `lint` extra, which is expanded in place.
        assert_eq!(
            names(&set),
            [
                "flask>=2",
                "requests[socks] ; python_full_version >= '3.9'",
                "sphinx",
                "pytest>=8",
                "ruff"
            ]
        );
        assert_eq!(
            set.requirements[2].origin.to_string(),
            "pyproject.toml:14:9"
        );
    }

    #[test]
    fn all_extras_in_file_order_without_duplicates() {
        let set = parse(PYPROJECT, &ExtrasSelection::All).unwrap();
        assert_eq!(names(&set)[2..], ["pytest>=8", "ruff", "sphinx"]);
    }

    #[test]
    fn self_reference_carries_its_marker() {
        let set = parse(PYPROJECT, &extras(&["all"])).unwrap();
        assert_eq!(
            names(&set)[2..],
            [
                "pytest>=8 ; sys_platform == 'linux'",
                "ruff ; sys_platform == 'linux'",
                "sphinx ; sys_platform == 'linux'",
            ]
        );
    }

    #[test]
    fn unknown_extra_names_extra_and_file() {
        let error = parse(PYPROJECT, &extras(&["docs", "gui"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`pyproject.toml`: the project has no extra `gui` (available: `test`, `docs`, `lint`, `all`)"
        );
        let error = parse("[project]\nname = \"x\"\n", &extras(&["gui"])).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`pyproject.toml`: the project has no extra `gui` (it defines none)"
        );
    }

    #[test]
    fn missing_project_table() {
        let error = parse("[tool.black]\nline-length = 100\n", &ExtrasSelection::None).unwrap_err();
        assert_eq!(
            error.to_string(),
            "`pyproject.toml`: no `[project]` table; tailwheel reads `[project] dependencies` and `[project.optional-dependencies]` (or only `[dependency-groups]` with `--group`)"
        );
    }

    #[test]
    fn toml_syntax_error_has_location() {
        let error = parse(
            "[project]\nname = \"x\"\ndependencies = [\"a\" \"b\"]\n",
            &ExtrasSelection::None,
        )
        .unwrap_err();
        let RequirementsError::Toml { origin, .. } = &error else {
            panic!("expected a TOML error, got {error}");
        };
        assert_eq!((origin.line, origin.column), (3, 21));
        let text = error.to_string();
        assert!(
            text.starts_with("`pyproject.toml:3:21`: invalid TOML: "),
            "{text}"
        );
        assert!(
            text.ends_with("\n  3 | dependencies = [\"a\" \"b\"]\n    |                     ^"),
            "{text}"
        );
    }

    #[test]
    fn invalid_requirement_points_inside_the_string() {
        let error = parse(
            "[project]\nname = \"x\"\ndependencies = [\n  \"flask $ 2\",\n]\n",
            &ExtrasSelection::None,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`pyproject.toml:4:10`: invalid requirement: Expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `$`\n  \
             4 |   \"flask $ 2\",\n    \
               |          ^"
        );
        // With escapes the offset cannot be mapped; the string's start is used.
        let error = parse(
            "[project]\ndependencies = [\"fl\\u0061sk $ 2\"]\n",
            &ExtrasSelection::None,
        )
        .unwrap_err();
        assert_eq!(error.origin().unwrap().column, 17);
    }

    #[test]
    fn wrong_types_are_errors() {
        let error = parse(
            "[project]\ndependencies = \"flask\"\n",
            &ExtrasSelection::None,
        )
        .unwrap_err();
        assert_eq!(
            error.to_string(),
            "`pyproject.toml:2:16`: `project.dependencies` must be an array of strings\n  \
             2 | dependencies = \"flask\"\n    \
               |                ^"
        );
        let error = parse(
            "[project]\n[project.optional-dependencies]\ndev = [1]\n",
            &ExtrasSelection::All,
        )
        .unwrap_err();
        assert!(matches!(
            &error,
            RequirementsError::InvalidPyproject { key, origin, .. }
                if key == "project.optional-dependencies.dev" && origin.column == 8
        ));
        let error = parse("project = 3\n", &ExtrasSelection::None).unwrap_err();
        assert!(matches!(error, RequirementsError::InvalidPyproject { .. }));
    }

    #[test]
    fn invalid_extra_name() {
        let error = parse(
            "[project]\n[project.optional-dependencies]\n\"-bad-\" = []\n",
            &ExtrasSelection::All,
        )
        .unwrap_err();
        assert!(matches!(
            &error,
            RequirementsError::InvalidExtraName { origin, .. } if origin.line == 3 && origin.column == 1
        ));
    }

    #[test]
    fn dynamic_dependencies_are_left_to_a_build() {
        let set = parse(
            "[project]\nname = \"x\"\ndynamic = [\"version\", \"dependencies\"]\n",
            &ExtrasSelection::None,
        )
        .unwrap();
        let project = &set.dynamic_projects[0];
        assert_eq!(project.name.as_ref().unwrap().as_ref(), "x");
        assert_eq!(project.origin.to_string(), "pyproject.toml:3:23");
        assert!(project.path.is_absolute());
        // Dynamic optional dependencies only matter when extras are requested.
        let contents = "[project]\ndependencies = []\ndynamic = [\"optional-dependencies\"]\n";
        assert!(
            parse(contents, &ExtrasSelection::None)
                .unwrap()
                .dynamic_projects
                .is_empty()
        );
        let set = parse(
            contents,
            &ExtrasSelection::Some(vec!["fast".parse().unwrap()]),
        )
        .unwrap();
        assert_eq!(set.dynamic_projects.len(), 1);
    }

    #[test]
    fn direct_references_are_collected() {
        let set = parse(
            "[project]\ndependencies = [\"pkg @ file:///tmp/pkg ; sys_platform == 'linux'\", \"flask\"]\n",
            &ExtrasSelection::None,
        )
        .unwrap();
        assert_eq!(names(&set), ["flask"]);
        let entry = &set.direct[0];
        assert_eq!(entry.name.as_ref().unwrap().as_ref(), "pkg");
        assert_eq!(
            entry.reference,
            crate::DirectReference::Path {
                path: "/tmp/pkg".into()
            }
        );
        assert_eq!(entry.origin.column, 17);
        assert!(!entry.marker.is_true());
    }

    #[test]
    fn reads_from_disk() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("pyproject.toml");
        fs_err::write(&path, PYPROJECT).unwrap();
        let set = read_pyproject(&path, &PyprojectSelection::default()).unwrap();
        assert_eq!(set.requirements[0].origin.path, path);
        let missing = read_pyproject(
            &dir.path().join("nope/pyproject.toml"),
            &PyprojectSelection::default(),
        );
        assert!(matches!(missing, Err(RequirementsError::Io(_))));
    }
}
