//! The tag order of `packaging.tags.sys_tags`, computed without an interpreter.
//!
//! This follows `cpython_tags`, `generic_tags` and `compatible_tags` of
//! <https://packaging.pypa.io/en/stable/tags.html> (packaging 22.0 and later, which added the
//! `cpXY-none-any` tag); the fixtures in `tests/fixtures/` were produced by that code.

use crate::Tag;

/// A Python `major.minor` pair.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) struct PythonMinor {
    pub(crate) major: u64,
    pub(crate) minor: u64,
}

impl PythonMinor {
    /// `311` for 3.11, as in `cp311`.
    fn nodot(self) -> String {
        format!("{}{}", self.major, self.minor)
    }

    /// The CPython interpreter tag, `cp311`.
    pub(crate) fn cpython_interpreter(self) -> String {
        format!("cp{}", self.nodot())
    }

    /// The ABI tags of a release (non-debug, GIL) CPython build: `cp311`, or `cp37m` before 3.8
    /// where pymalloc builds (the norm) carried the `m` flag.
    pub(crate) fn default_cpython_abis(self) -> Vec<String> {
        self.cpython_abis("")
    }

    /// The ABI tags of a CPython build with the given `abiflags` (`t` free-threaded, `d` debug,
    /// `m` pymalloc before 3.8); a 3.8+ debug build also loads release extension modules.
    pub(crate) fn cpython_abis(self, flags: &str) -> Vec<String> {
        let mut flags: String = flags
            .chars()
            .filter(|flag| matches!(flag, 't' | 'd' | 'm' | 'u'))
            .collect();
        if flags.is_empty() && (self.major, self.minor) < (3, 8) {
            flags.push('m');
        }
        let interpreter = self.cpython_interpreter();
        let mut abis = vec![format!("{interpreter}{flags}")];
        if (self.major, self.minor) >= (3, 8) && flags.contains('d') {
            abis.push(format!("{interpreter}{}", flags.replace('d', "")));
        }
        abis
    }

    /// PEP 384's stable ABI exists from 3.2 on.
    fn abi3_applies(self) -> bool {
        (self.major, self.minor) >= (3, 2)
    }
}

/// The whole ordered list for CPython: `cpython_tags` then `compatible_tags` with `cpXY`.
///
/// `abi3` is false for free-threaded builds, which cannot load the stable ABI.
pub(crate) fn cpython_sys_tags(
    python: PythonMinor,
    abis: &[String],
    abi3: bool,
    platforms: &[String],
) -> Vec<Tag> {
    let interpreter = python.cpython_interpreter();
    let abi3 = abi3 && python.abi3_applies();
    let mut tags = Vec::new();
    for abi in abis.iter().filter(|abi| *abi != "abi3" && *abi != "none") {
        push_all(&mut tags, &interpreter, abi, platforms);
    }
    if abi3 {
        push_all(&mut tags, &interpreter, "abi3", platforms);
    }
    push_all(&mut tags, &interpreter, "none", platforms);
    if abi3 {
        // Older stable-ABI wheels, newest first, down to cp32.
        for minor in (2..python.minor).rev() {
            let older = PythonMinor {
                major: python.major,
                minor,
            };
            push_all(&mut tags, &older.cpython_interpreter(), "abi3", platforms);
        }
    }
    compatible_tags(&mut tags, python, Some(&interpreter), platforms);
    tags
}

/// The whole ordered list for another implementation: `generic_tags` then `compatible_tags`
/// (with `pp3` for `PyPy`, as `sys_tags` does).
pub(crate) fn generic_sys_tags(
    python: PythonMinor,
    interpreter: &str,
    abis: &[String],
    platforms: &[String],
) -> Vec<Tag> {
    let mut tags = Vec::new();
    for abi in abis.iter().filter(|abi| *abi != "none") {
        push_all(&mut tags, interpreter, abi, platforms);
    }
    push_all(&mut tags, interpreter, "none", platforms);
    let any_interpreter = interpreter.starts_with("pp").then_some("pp3");
    compatible_tags(&mut tags, python, any_interpreter, platforms);
    tags
}

/// `compatible_tags`: `py*-none-<platform>`, then `<interpreter>-none-any`, then `py*-none-any`.
pub(crate) fn compatible_tags(
    tags: &mut Vec<Tag>,
    python: PythonMinor,
    interpreter: Option<&str>,
    platforms: &[String],
) {
    let pythons = python_range(python);
    for version in &pythons {
        push_all(tags, version, "none", platforms);
    }
    if let Some(interpreter) = interpreter {
        tags.push(Tag::new(interpreter, "none", "any"));
    }
    for version in &pythons {
        tags.push(Tag::new(version.as_str(), "none", "any"));
    }
}

/// `py311`, `py3`, `py310`, … `py30`: the exact minor, the bare major, then older minors.
fn python_range(python: PythonMinor) -> Vec<String> {
    let mut versions = vec![
        format!("py{}", python.nodot()),
        format!("py{}", python.major),
    ];
    versions.extend(
        (0..python.minor)
            .rev()
            .map(|minor| format!("py{}{minor}", python.major)),
    );
    versions
}

fn push_all(tags: &mut Vec<Tag>, python: &str, abi: &str, platforms: &[String]) {
    tags.extend(
        platforms
            .iter()
            .map(|platform| Tag::new(python, abi, platform.as_str())),
    );
}

#[cfg(test)]
mod tests {
    use super::*;

    const PY311: PythonMinor = PythonMinor {
        major: 3,
        minor: 11,
    };

    fn strings(tags: &[Tag]) -> Vec<String> {
        tags.iter().map(ToString::to_string).collect()
    }

    #[test]
    fn cpython_abis() {
        assert_eq!(PY311.default_cpython_abis(), ["cp311"]);
        let py37 = PythonMinor { major: 3, minor: 7 };
        assert_eq!(py37.default_cpython_abis(), ["cp37m"]);
        assert_eq!(PY311.cpython_abis("d"), ["cp311d", "cp311"]);
        let py313 = PythonMinor {
            major: 3,
            minor: 13,
        };
        assert_eq!(py313.cpython_abis("t"), ["cp313t"]);
    }

    #[test]
    fn free_threaded_has_no_abi3() {
        let py313 = PythonMinor {
            major: 3,
            minor: 13,
        };
        let tags = cpython_sys_tags(
            py313,
            &py313.cpython_abis("t"),
            false,
            &["win_amd64".into()],
        );
        assert!(tags.iter().all(|tag| tag.abi != "abi3"));
        assert_eq!(tags[0].to_string(), "cp313-cp313t-win_amd64");
        assert_eq!(tags[1].to_string(), "cp313-none-win_amd64");
    }

    #[test]
    fn pypy_generic_order() {
        let py310 = PythonMinor {
            major: 3,
            minor: 10,
        };
        let tags = generic_sys_tags(
            py310,
            "pp310",
            &["pypy310_pp73".into()],
            &["manylinux_2_17_x86_64".into(), "linux_x86_64".into()],
        );
        let tags = strings(&tags);
        assert_eq!(
            tags[..6],
            [
                "pp310-pypy310_pp73-manylinux_2_17_x86_64",
                "pp310-pypy310_pp73-linux_x86_64",
                "pp310-none-manylinux_2_17_x86_64",
                "pp310-none-linux_x86_64",
                "py310-none-manylinux_2_17_x86_64",
                "py310-none-linux_x86_64",
            ]
        );
        let any = tags.iter().position(|tag| tag == "pp3-none-any").unwrap();
        assert_eq!(tags[any + 1], "py310-none-any");
        assert_eq!(tags.last().unwrap(), "py30-none-any");
    }

    #[test]
    fn python_range_order() {
        let range = python_range(PythonMinor { major: 3, minor: 2 });
        assert_eq!(range, ["py32", "py3", "py31", "py30"]);
    }
}
