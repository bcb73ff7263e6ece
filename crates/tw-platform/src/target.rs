//! [`Target`]: the marker environment and wheel tags one resolution is for.

use pep440_rs::Version;
use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder, StringVersion};

use crate::generate::{self, PythonMinor};
use crate::{PythonPlatform, PythonVersionRequest, Tags};

/// The environment we resolve for: PEP 508 marker values and the compatible wheel tags.
#[derive(Clone, Debug)]
pub struct Target {
    /// The PEP 508 marker environment requirements' markers are evaluated against.
    pub markers: MarkerEnvironment,
    /// The compatible wheel tags, most preferred first.
    pub tags: Tags,
    /// The Python version (`python_full_version`), e.g. `3.11.0`.
    pub python_full_version: Version,
    /// The platform the tags were computed for (from `--python-platform` or the interpreter).
    pub platform: PythonPlatform,
}

impl Target {
    /// Python `X.Y` (the `python_version` marker), e.g. `3.11`.
    pub fn python_minor_version(&self) -> Version {
        let version = &self.markers.python_version().version;
        Version::new(version.release().iter().take(2).copied())
    }

    /// A marker describing this target for pylock.toml `environments`, e.g.
    /// `sys_platform == 'linux' and platform_machine == 'x86_64' and implementation_name == 'cpython' and python_version == '3.11'`.
    pub fn environment_marker(&self) -> String {
        [
            ("sys_platform", self.markers.sys_platform()),
            ("platform_machine", self.markers.platform_machine()),
            ("implementation_name", self.markers.implementation_name()),
            ("python_version", &self.markers.python_version().string),
        ]
        .iter()
        .map(|(name, value)| format!("{name} == {}", quote(value)))
        .collect::<Vec<_>>()
        .join(" and ")
    }

    /// Same platform, another Python version: `python_version` and `python_full_version` (and a
    /// CPython `implementation_version`) change and the tags are recomputed.
    ///
    /// CPython tags assume a release (GIL, non-debug) build of the new version; for other
    /// implementations only the implementation-independent tags (`py3*-none-*`, plus `pp3-none-any`
    /// for `PyPy`) remain, because their ABI for another version is not knowable.
    #[must_use]
    pub fn with_python_version(&self, version: &PythonVersionRequest) -> Self {
        let full_version = version.python_full_version().clone();
        let mut markers = self
            .markers
            .clone()
            .with_python_version(StringVersion::from(version.python_version()))
            .with_python_full_version(StringVersion::from(full_version.clone()));
        let python = PythonMinor {
            major: version.major(),
            minor: version.minor(),
        };
        let platforms = self.platform.platform_tags();
        let tags = match markers.implementation_name() {
            "cpython" => {
                markers =
                    markers.with_implementation_version(StringVersion::from(full_version.clone()));
                generate::cpython_sys_tags(python, &python.default_cpython_abis(), true, &platforms)
            }
            name => {
                let mut tags = Vec::new();
                let interpreter = (name == "pypy").then_some("pp3");
                generate::compatible_tags(&mut tags, python, interpreter, &platforms);
                tags
            }
        };
        Self {
            markers,
            tags: Tags::from_ordered(tags),
            python_full_version: full_version,
            platform: self.platform.clone(),
        }
    }
}

/// Build a target without an interpreter: a release build of CPython `version` on `platform`,
/// with uv's marker values for the platform (`platform_release` and `platform_version` empty).
pub fn target_from_platform(version: &PythonVersionRequest, platform: &PythonPlatform) -> Target {
    let full_version = version.python_full_version().to_string();
    let python_version = version.python_version().to_string();
    let values = platform.markers();
    let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: "cpython",
        implementation_version: &full_version,
        os_name: values.os_name,
        platform_machine: values.platform_machine,
        platform_python_implementation: "CPython",
        platform_release: "",
        platform_system: values.platform_system,
        platform_version: "",
        python_full_version: &full_version,
        python_version: &python_version,
        sys_platform: values.sys_platform,
    })
    .expect("a printed PEP 440 version parses again");
    let python = PythonMinor {
        major: version.major(),
        minor: version.minor(),
    };
    let tags = generate::cpython_sys_tags(
        python,
        &python.default_cpython_abis(),
        true,
        &platform.platform_tags(),
    );
    Target {
        markers,
        tags: Tags::from_ordered(tags),
        python_full_version: version.python_full_version().clone(),
        platform: platform.clone(),
    }
}

/// PEP 508 string literal: single quotes unless the value contains one.
fn quote(value: &str) -> String {
    if value.contains('\'') {
        format!("\"{value}\"")
    } else {
        format!("'{value}'")
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn make(version: &str, platform: &str) -> Target {
        target_from_platform(&version.parse().unwrap(), &platform.parse().unwrap())
    }

    fn fixture(text: &str) -> Vec<String> {
        text.lines().map(str::to_string).collect()
    }

    fn tags(target: &Target) -> Vec<String> {
        target.tags.iter().map(ToString::to_string).collect()
    }

    /// The host of `tests/fixtures/generate.py`: CPython 3.11 on `x86_64` with glibc 2.36, whose
    /// `sys_tags()` (plus `cp311-none-any`, see the script) is the fixture.
    #[test]
    fn host_order_matches_packaging() {
        let expected = fixture(include_str!(
            "../tests/fixtures/cp311-x86_64-manylinux_2_36.txt"
        ));
        assert_eq!(tags(&make("3.11", "x86_64-manylinux_2_36")), expected);
    }

    #[test]
    fn other_targets_match_packaging() {
        let cases = [
            (
                "3.12",
                "aarch64-unknown-linux-gnu",
                include_str!("../tests/fixtures/cp312-aarch64-manylinux_2_28.txt"),
            ),
            (
                "3.11",
                "linux",
                include_str!("../tests/fixtures/cp311-x86_64-manylinux_2_28.txt"),
            ),
            (
                "3.13",
                "x86_64-unknown-linux-musl",
                include_str!("../tests/fixtures/cp313-x86_64-musllinux_1_2.txt"),
            ),
            (
                "3.11",
                "macos",
                include_str!("../tests/fixtures/cp311-arm64-macosx_13_0.txt"),
            ),
            (
                "3.10",
                "x86_64-apple-darwin",
                include_str!("../tests/fixtures/cp310-x86_64-macosx_13_0.txt"),
            ),
            (
                "3.11.2",
                "windows",
                include_str!("../tests/fixtures/cp311-win_amd64.txt"),
            ),
            (
                "3.7",
                "i686-pc-windows-msvc",
                include_str!("../tests/fixtures/cp37-win32.txt"),
            ),
            (
                "3.13",
                "aarch64-pc-windows-msvc",
                include_str!("../tests/fixtures/cp313-win_arm64.txt"),
            ),
        ];
        for (version, platform, expected) in cases {
            assert_eq!(
                tags(&make(version, platform)),
                fixture(expected),
                "{version} {platform}"
            );
        }
    }

    #[test]
    fn old_macos_matches_packaging() {
        let platform = PythonPlatform::detected(
            crate::platform::Os::Macos {
                major: 10,
                minor: 12,
            },
            crate::platform::Arch::X86_64,
        );
        let target = target_from_platform(&"3.9".parse().unwrap(), &platform);
        let expected = fixture(include_str!(
            "../tests/fixtures/cp39-x86_64-macosx_10_12.txt"
        ));
        assert_eq!(tags(&target), expected);
    }

    #[test]
    fn markers_and_environment_marker() {
        let target = make("3.11", "linux");
        let markers = &target.markers;
        assert_eq!(markers.sys_platform(), "linux");
        assert_eq!(markers.platform_machine(), "x86_64");
        assert_eq!(markers.os_name(), "posix");
        assert_eq!(markers.platform_system(), "Linux");
        assert_eq!(markers.platform_release(), "");
        assert_eq!(markers.platform_version(), "");
        assert_eq!(markers.implementation_name(), "cpython");
        assert_eq!(markers.platform_python_implementation(), "CPython");
        assert_eq!(markers.implementation_version().string, "3.11.0");
        assert_eq!(markers.python_full_version().string, "3.11.0");
        assert_eq!(markers.python_version().string, "3.11");
        assert_eq!(target.python_full_version.to_string(), "3.11.0");
        assert_eq!(target.python_minor_version().to_string(), "3.11");
        assert_eq!(
            target.environment_marker(),
            "sys_platform == 'linux' and platform_machine == 'x86_64' and implementation_name == 'cpython' and python_version == '3.11'"
        );
        let marker: pep508_rs::MarkerTree = target.environment_marker().parse().unwrap();
        assert!(marker.evaluate(&target.markers, &[]));
        assert!(!marker.evaluate(&make("3.11", "windows").markers, &[]));

        let target = make("3.12.4", "windows");
        assert_eq!(
            target.environment_marker(),
            "sys_platform == 'win32' and platform_machine == 'AMD64' and implementation_name == 'cpython' and python_version == '3.12'"
        );
    }

    #[test]
    fn with_python_version_recomputes() {
        let base = make("3.11", "macos");
        let other = base.with_python_version(&"3.12.1".parse().unwrap());
        assert_eq!(other.markers.python_version().string, "3.12");
        assert_eq!(other.markers.python_full_version().string, "3.12.1");
        assert_eq!(other.markers.implementation_version().string, "3.12.1");
        assert_eq!(other.markers.sys_platform(), "darwin");
        assert_eq!(other.python_full_version.to_string(), "3.12.1");
        assert_eq!(other.python_minor_version().to_string(), "3.12");
        assert_eq!(other.platform, base.platform);
        assert_eq!(tags(&other), tags(&make("3.12.1", "macos")));
        assert_eq!(
            other.tags.rank("cp312", "cp312", "macosx_13_0_arm64"),
            Some(0)
        );
        assert_eq!(other.tags.rank("cp311", "cp311", "macosx_13_0_arm64"), None);
    }

    #[test]
    fn with_python_version_on_pypy_keeps_generic_tags() {
        let base = make("3.10", "linux");
        let pypy = Target {
            markers: base
                .markers
                .clone()
                .with_implementation_name("pypy")
                .with_platform_python_implementation("PyPy"),
            ..base
        };
        let other = pypy.with_python_version(&"3.11".parse().unwrap());
        assert_eq!(other.markers.implementation_name(), "pypy");
        assert_eq!(other.markers.implementation_version().string, "3.10.0");
        let tags = tags(&other);
        assert_eq!(tags[0], "py311-none-manylinux_2_28_x86_64");
        assert!(tags.contains(&"pp3-none-any".to_string()));
        assert!(tags.iter().all(|tag| !tag.starts_with("cp")));
    }

    #[test]
    fn best_rank_on_real_filenames() {
        let target = make("3.11", "linux");
        let tags = &target.tags;
        let manylinux = tags
            .best_rank(
                &["cp311"],
                &["cp311"],
                &["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
            )
            .unwrap();
        let abi3 = tags
            .best_rank(&["cp38"], &["abi3"], &["manylinux_2_28_x86_64"])
            .unwrap();
        let pure = tags
            .best_rank(&["py2", "py3"], &["none"], &["any"])
            .unwrap();
        assert!(manylinux < abi3 && abi3 < pure, "{manylinux} {abi3} {pure}");
        assert_eq!(
            tags.best_rank(&["cp311"], &["cp311"], &["manylinux_2_31_x86_64"]),
            None
        );
        assert_eq!(
            tags.best_rank(&["cp311"], &["cp311"], &["musllinux_1_2_x86_64"]),
            None
        );
        assert_eq!(
            tags.best_rank(&["cp312"], &["abi3"], &["manylinux_2_17_x86_64"]),
            None
        );
        assert_eq!(tags.best_rank(&["py2"], &["none"], &["any"]), None);
    }
}
