//! Choosing the reader for a requirements source by its file name.

use std::path::Path;

use crate::{
    PyprojectSelection, RequirementsError, RequirementsSet, read_pyproject, read_requirements_txt,
};

/// Read `path` as `pyproject.toml` if that is its file name, else as a requirements file.
///
/// `extras` (extras and dependency groups) applies to `pyproject.toml` only; `env` to
/// requirements files only.
pub fn read_source(
    path: &Path,
    extras: &PyprojectSelection,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsSet, RequirementsError> {
    if path
        .file_name()
        .is_some_and(|name| name == "pyproject.toml")
    {
        read_pyproject(path, extras)
    } else {
        read_requirements_txt(path, env)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn dispatches_on_file_name() {
        let dir = tempfile::tempdir().unwrap();
        let pyproject = dir.path().join("pyproject.toml");
        fs_err::write(&pyproject, "[project]\ndependencies = [\"flask\"]\n").unwrap();
        // A requirements file that would fail to parse as TOML.
        let requirements = dir.path().join("requirements.in");
        fs_err::write(&requirements, "requests ; python_version > '3'\n").unwrap();

        let env = |_: &str| None;
        let set = read_source(&pyproject, &PyprojectSelection::default(), &env).unwrap();
        assert_eq!(set.requirements[0].requirement.name.as_ref(), "flask");
        let all = PyprojectSelection::from(crate::ExtrasSelection::All);
        let set = read_source(&requirements, &all, &env).unwrap();
        assert_eq!(set.requirements[0].requirement.name.as_ref(), "requests");
    }
}
