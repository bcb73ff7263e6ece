//! `--python-platform`: an operating system, its libc or OS version, and a CPU architecture.
//!
//! The names and what they stand for follow uv's `--python-platform` (`TargetTriple` in
//! `uv-configuration`, uv 0.13): `linux` and `x86_64-unknown-linux-gnu` mean manylinux
//! glibc 2.28, `aarch64-unknown-linux-gnu` too, `riscv64-unknown-linux` glibc 2.39, the `-musl`
//! triples musllinux 1.2, and both macOS triples macOS 13.0 (the oldest release Apple still
//! supported when uv chose it; uv also reads `MACOSX_DEPLOYMENT_TARGET`, which tailwheel does not
//! because environment variables are read only by the CLI). Marker values are uv's as well,
//! except `platform_machine` on 64-bit Windows, which is CPython's `AMD64` (uv writes `x86_64`).

use std::fmt;
use std::str::FromStr;

use crate::PlatformError;

/// Every `x86_64-manylinux_2_N` / `aarch64-manylinux_2_N` name accepts N in this range.
const MANYLINUX_NAMED_MINORS: std::ops::RangeInclusive<u16> = 17..=40;

/// The last glibc 2.x minor assumed if glibc ever bumps its major version (as `packaging` does).
const LAST_GLIBC_MINOR: u16 = 50;

/// A CPU architecture, named the way Linux platform tags name it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Arch {
    X86_64,
    X86,
    Aarch64,
    Armv7l,
    Ppc64,
    Ppc64le,
    S390x,
    Riscv64,
    /// Any other name, used verbatim in platform tags.
    Other(String),
}

impl Arch {
    /// The architecture from the tail of a `linux_<arch>` platform tag (`uname -m`).
    pub(crate) fn from_linux_name(name: &str) -> Self {
        match name {
            "x86_64" => Self::X86_64,
            "i686" | "i386" => Self::X86,
            "aarch64" | "arm64" => Self::Aarch64,
            "armv7l" => Self::Armv7l,
            "ppc64" => Self::Ppc64,
            "ppc64le" => Self::Ppc64le,
            "s390x" => Self::S390x,
            "riscv64" => Self::Riscv64,
            other => Self::Other(other.to_string()),
        }
    }

    /// The name in `linux_<arch>`, `manylinux_2_17_<arch>` and `musllinux_1_2_<arch>`.
    fn linux_name(&self) -> &str {
        match self {
            Self::X86_64 => "x86_64",
            Self::X86 => "i686",
            Self::Aarch64 => "aarch64",
            Self::Armv7l => "armv7l",
            Self::Ppc64 => "ppc64",
            Self::Ppc64le => "ppc64le",
            Self::S390x => "s390x",
            Self::Riscv64 => "riscv64",
            Self::Other(name) => name,
        }
    }

    /// The name in `macosx_13_0_<arch>`.
    fn mac_name(&self) -> &str {
        match self {
            Self::X86 => "i386",
            Self::Aarch64 => "arm64",
            other => other.linux_name(),
        }
    }

    /// The oldest glibc 2.x with manylinux wheels for this architecture: 2.5 (`manylinux1`) on
    /// x86, 2.17 (`manylinux2014`) on the others PEP 599 and `packaging` know, none otherwise.
    fn oldest_manylinux_minor(&self) -> Option<u16> {
        match self {
            Self::X86_64 | Self::X86 => Some(5),
            Self::Aarch64
            | Self::Armv7l
            | Self::Ppc64
            | Self::Ppc64le
            | Self::S390x
            | Self::Riscv64 => Some(17),
            Self::Other(_) => None,
        }
    }
}

/// The operating system and the version that bounds wheel compatibility on it.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub(crate) enum Os {
    /// glibc Linux (PEP 600): `manylinux_<major>_<minor>` and older.
    Manylinux { major: u16, minor: u16 },
    /// musl Linux (PEP 656): `musllinux_<major>_<minor>` and older.
    Musllinux { major: u16, minor: u16 },
    /// Linux with an unknown libc: only `linux_<arch>`.
    Linux,
    /// macOS of this version and older.
    Macos { major: u16, minor: u16 },
    /// Windows.
    Windows,
    /// Anything else: one platform tag as the interpreter reports it (e.g. `freebsd_14_0_amd64`).
    Generic { platform_tag: String },
}

/// A target platform: a `--python-platform` value, or the platform a queried interpreter runs on.
#[derive(Clone, Debug, PartialEq, Eq, Hash)]
pub struct PythonPlatform {
    name: String,
    os: Os,
    arch: Arch,
}

/// The platform half of a PEP 508 marker environment.
pub(crate) struct PlatformMarkers<'a> {
    pub(crate) sys_platform: &'a str,
    pub(crate) os_name: &'a str,
    pub(crate) platform_system: &'a str,
    pub(crate) platform_machine: &'a str,
}

impl PythonPlatform {
    /// A platform found by querying an interpreter; its name describes it.
    pub(crate) fn detected(os: Os, arch: Arch) -> Self {
        let name = match &os {
            Os::Manylinux { major, minor } => {
                format!("{}-manylinux_{major}_{minor}", arch.linux_name())
            }
            Os::Musllinux { major, minor } => {
                format!("{}-musllinux_{major}_{minor}", arch.linux_name())
            }
            Os::Linux => format!("linux_{}", arch.linux_name()),
            Os::Macos { major, minor } => format!("macosx_{major}_{minor}_{}", arch.mac_name()),
            Os::Windows => windows_tag(&arch).to_string(),
            Os::Generic { platform_tag } => platform_tag.clone(),
        };
        Self { name, os, arch }
    }

    /// Every accepted `--python-platform` value (aliases such as `manylinux_2_28_x86_64` are
    /// accepted too but not listed).
    pub fn accepted_values() -> Vec<String> {
        let mut values: Vec<String> = FIXED_NAMES.iter().map(ToString::to_string).collect();
        for arch in ["x86_64", "aarch64"] {
            values.push(format!("{arch}-manylinux2014"));
            values
                .extend(MANYLINUX_NAMED_MINORS.map(|minor| format!("{arch}-manylinux_2_{minor}")));
        }
        values
    }

    /// The platform tags this platform installs, most specific first (e.g. `manylinux_2_28_x86_64`
    /// down to `manylinux1_x86_64`, then `linux_x86_64`).
    pub fn platform_tags(&self) -> Vec<String> {
        let mut tags = Vec::new();
        let arch = &self.arch;
        match &self.os {
            Os::Manylinux { major, minor } => {
                manylinux_tags(&mut tags, *major, *minor, arch);
                tags.push(format!("linux_{}", arch.linux_name()));
            }
            Os::Musllinux { major, minor } => {
                tags.extend(
                    (0..=*minor)
                        .rev()
                        .map(|minor| format!("musllinux_{major}_{minor}_{}", arch.linux_name())),
                );
                tags.push(format!("linux_{}", arch.linux_name()));
            }
            Os::Linux => tags.push(format!("linux_{}", arch.linux_name())),
            Os::Macos { major, minor } => mac_tags(&mut tags, *major, *minor, arch.mac_name()),
            Os::Windows => tags.push(windows_tag(arch).to_string()),
            Os::Generic { platform_tag } => tags.push(platform_tag.clone()),
        }
        tags
    }

    /// The platform marker values uv uses for this target.
    pub(crate) fn markers(&self) -> PlatformMarkers<'_> {
        let (sys_platform, os_name, platform_system) = match &self.os {
            Os::Manylinux { .. } | Os::Musllinux { .. } | Os::Linux => ("linux", "posix", "Linux"),
            Os::Macos { .. } => ("darwin", "posix", "Darwin"),
            Os::Windows => ("win32", "nt", "Windows"),
            Os::Generic { platform_tag } if platform_tag.starts_with("win") => {
                ("win32", "nt", "Windows")
            }
            Os::Generic { platform_tag } if platform_tag.starts_with("macosx") => {
                ("darwin", "posix", "Darwin")
            }
            Os::Generic { platform_tag } if platform_tag.starts_with("linux") => {
                ("linux", "posix", "Linux")
            }
            Os::Generic { .. } => ("", "", ""),
        };
        let platform_machine = match (&self.os, &self.arch) {
            (Os::Windows, Arch::X86_64) => "AMD64",
            (Os::Windows, Arch::Aarch64) => "ARM64",
            (Os::Windows, Arch::X86) => "x86",
            (Os::Macos { .. }, arch) => arch.mac_name(),
            (Os::Generic { .. }, _) => "",
            (_, arch) => arch.linux_name(),
        };
        PlatformMarkers {
            sys_platform,
            os_name,
            platform_system,
            platform_machine,
        }
    }
}

/// The names that are not `<arch>-manylinux…`, in the order of the error message.
const FIXED_NAMES: &[&str] = &[
    "linux",
    "macos",
    "windows",
    "x86_64-unknown-linux-gnu",
    "aarch64-unknown-linux-gnu",
    "riscv64-unknown-linux",
    "x86_64-unknown-linux-musl",
    "aarch64-unknown-linux-musl",
    "x86_64-apple-darwin",
    "aarch64-apple-darwin",
    "x86_64-pc-windows-msvc",
    "aarch64-pc-windows-msvc",
    "i686-pc-windows-msvc",
];

/// uv's default glibc for the `-unknown-linux-gnu` triples.
const DEFAULT_GLIBC_MINOR: u16 = 28;
/// uv's default macOS for the `-apple-darwin` triples (and `macos`).
const DEFAULT_MACOS: (u16, u16) = (13, 0);

impl FromStr for PythonPlatform {
    type Err = PlatformError;

    fn from_str(s: &str) -> Result<Self, Self::Err> {
        let given = s.trim();
        let manylinux = |minor, arch| Os::Manylinux { major: 2, minor }.with(arch);
        let musllinux = |arch| Os::Musllinux { major: 1, minor: 2 }.with(arch);
        let macos = |arch| {
            Os::Macos {
                major: DEFAULT_MACOS.0,
                minor: DEFAULT_MACOS.1,
            }
            .with(arch)
        };
        let (os, arch) = match given {
            "linux" | "x86_64-unknown-linux-gnu" => manylinux(DEFAULT_GLIBC_MINOR, Arch::X86_64),
            "aarch64-unknown-linux-gnu" => manylinux(DEFAULT_GLIBC_MINOR, Arch::Aarch64),
            "riscv64-unknown-linux" => manylinux(39, Arch::Riscv64),
            "x86_64-unknown-linux-musl" => musllinux(Arch::X86_64),
            "aarch64-unknown-linux-musl" => musllinux(Arch::Aarch64),
            "macos" | "aarch64-apple-darwin" => macos(Arch::Aarch64),
            "x86_64-apple-darwin" => macos(Arch::X86_64),
            "windows" | "x86_64-pc-windows-msvc" => Os::Windows.with(Arch::X86_64),
            "aarch64-pc-windows-msvc" => Os::Windows.with(Arch::Aarch64),
            "i686-pc-windows-msvc" => Os::Windows.with(Arch::X86),
            other => {
                let Some((arch, minor)) = parse_manylinux_name(other) else {
                    return Err(PlatformError::UnknownPythonPlatform {
                        platform: s.to_string(),
                        accepted: accepted_summary(),
                    });
                };
                manylinux(minor, arch)
            }
        };
        Ok(Self {
            name: given.to_string(),
            os,
            arch,
        })
    }
}

impl Os {
    fn with(self, arch: Arch) -> (Self, Arch) {
        (self, arch)
    }
}

/// `x86_64-manylinux_2_28`, `x86_64-manylinux2014`, and uv's aliases in platform-tag spelling
/// (`manylinux_2_28_x86_64`, `manylinux2014_x86_64`); `x86_64` and `aarch64` only.
fn parse_manylinux_name(name: &str) -> Option<(Arch, u16)> {
    for arch in ["x86_64", "aarch64"] {
        let policy = name
            .strip_prefix(arch)
            .and_then(|rest| rest.strip_prefix('-'))
            .or_else(|| {
                name.strip_suffix(arch)
                    .and_then(|rest| rest.strip_suffix('_'))
            });
        let Some(policy) = policy else {
            continue;
        };
        let minor = if policy == "manylinux2014" {
            17
        } else {
            let minor = policy.strip_prefix("manylinux_2_")?;
            // Digits only, no leading zero: each name has one spelling.
            if minor.starts_with('0') || !minor.bytes().all(|byte| byte.is_ascii_digit()) {
                return None;
            }
            minor.parse::<u16>().ok()?
        };
        return MANYLINUX_NAMED_MINORS
            .contains(&minor)
            .then(|| (Arch::from_linux_name(arch), minor));
    }
    None
}

/// The accepted values for an error message, manylinux ranges abbreviated.
fn accepted_summary() -> String {
    let first = MANYLINUX_NAMED_MINORS.start();
    let last = MANYLINUX_NAMED_MINORS.end();
    let mut parts: Vec<String> = FIXED_NAMES.iter().map(|name| format!("`{name}`")).collect();
    for arch in ["x86_64", "aarch64"] {
        parts.push(format!("`{arch}-manylinux2014`"));
        parts.push(format!(
            "`{arch}-manylinux_2_{first}` through `{arch}-manylinux_2_{last}`"
        ));
    }
    parts.join(", ")
}

impl fmt::Display for PythonPlatform {
    /// The name as parsed, or for a detected platform a description such as
    /// `x86_64-manylinux_2_36`.
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.name)
    }
}

fn windows_tag(arch: &Arch) -> &str {
    match arch {
        Arch::X86 => "win32",
        Arch::Aarch64 => "win_arm64",
        Arch::X86_64 => "win_amd64",
        Arch::Other(name) => name,
        _ => "win_amd64",
    }
}

/// PEP 600 tags from glibc `major.minor` down to the architecture's oldest, each legacy alias
/// (PEP 513 `manylinux1`, PEP 571 `manylinux2010`, PEP 599 `manylinux2014`) right after the
/// `manylinux_2_N` it stands for, as `packaging`'s `_manylinux.platform_tags` orders them.
fn manylinux_tags(tags: &mut Vec<String>, major: u16, minor: u16, arch: &Arch) {
    let Some(oldest_minor) = arch.oldest_manylinux_minor() else {
        return;
    };
    let arch = arch.linux_name();
    // glibc keeps compatibility across a major bump, so a glibc 3.x also runs every 2.x wheel.
    let mut newest = vec![(major, minor)];
    newest.extend((2..major).rev().map(|major| (major, LAST_GLIBC_MINOR)));
    for (major, newest_minor) in newest {
        let floor = if major == 2 { oldest_minor } else { 0 };
        if major < 2 || newest_minor < floor {
            continue;
        }
        for minor in (floor..=newest_minor).rev() {
            tags.push(format!("manylinux_{major}_{minor}_{arch}"));
            let legacy = match (major, minor) {
                (2, 17) => Some("manylinux2014"),
                (2, 12) => Some("manylinux2010"),
                (2, 5) => Some("manylinux1"),
                _ => None,
            };
            if let Some(legacy) = legacy {
                tags.push(format!("{legacy}_{arch}"));
            }
        }
    }
}

/// The fat/universal formats a `macosx_<version>_<format>` wheel can carry for one CPU, as
/// `packaging`'s `_mac_binary_formats` lists them.
fn mac_binary_formats(version: (u16, u16), arch: &str) -> Vec<&str> {
    let before_tiger = version < (10, 4);
    let mut formats = vec![arch];
    match arch {
        "x86_64" if before_tiger => return Vec::new(),
        "x86_64" => formats.extend(["intel", "fat64", "fat32"]),
        "i386" if before_tiger => return Vec::new(),
        "i386" => formats.extend(["intel", "fat32", "fat"]),
        "ppc64" if before_tiger || version > (10, 5) => return Vec::new(),
        "ppc64" => formats.push("fat64"),
        "ppc" if version > (10, 6) => return Vec::new(),
        "ppc" => formats.extend(["fat32", "fat"]),
        _ => {}
    }
    if matches!(arch, "arm64" | "x86_64") {
        formats.push("universal2");
    }
    if matches!(arch, "x86_64" | "i386" | "ppc64" | "ppc" | "intel") {
        formats.push("universal");
    }
    formats
}

/// `packaging`'s `mac_platforms`: before macOS 11 every 10.x minor down to 10.0; from 11 on
/// every major down to 11 (minor versions are mid-year updates), then 10.16 down to 10.4, where
/// arm64 only takes `universal2` (its `x86_64` half can target old macOS).
fn mac_tags(tags: &mut Vec<String>, major: u16, minor: u16, arch: &str) {
    let mut push = |major: u16, minor: u16, formats: Vec<&str>| {
        tags.extend(
            formats
                .into_iter()
                .map(|format| format!("macosx_{major}_{minor}_{format}")),
        );
    };
    if major == 10 {
        for minor in (0..=minor).rev() {
            push(10, minor, mac_binary_formats((10, minor), arch));
        }
    }
    if major >= 11 {
        for major in (11..=major).rev() {
            push(major, 0, mac_binary_formats((major, 0), arch));
        }
        for minor in (4..=16).rev() {
            let formats = if arch == "x86_64" {
                mac_binary_formats((10, minor), arch)
            } else {
                vec!["universal2"]
            };
            push(10, minor, formats);
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(name: &str) -> PythonPlatform {
        name.parse().unwrap()
    }

    #[test]
    fn every_accepted_value_parses() {
        let values = PythonPlatform::accepted_values();
        assert_eq!(values.len(), FIXED_NAMES.len() + 2 * (1 + 24));
        for value in values {
            let platform = parse(&value);
            assert_eq!(platform.to_string(), value);
            assert!(!platform.platform_tags().is_empty(), "{value}");
        }
    }

    #[test]
    fn shorthands_and_triples() {
        let cases: &[(&str, Os, Arch)] = &[
            (
                "linux",
                Os::Manylinux {
                    major: 2,
                    minor: 28,
                },
                Arch::X86_64,
            ),
            (
                "x86_64-unknown-linux-gnu",
                Os::Manylinux {
                    major: 2,
                    minor: 28,
                },
                Arch::X86_64,
            ),
            (
                "aarch64-unknown-linux-gnu",
                Os::Manylinux {
                    major: 2,
                    minor: 28,
                },
                Arch::Aarch64,
            ),
            (
                "riscv64-unknown-linux",
                Os::Manylinux {
                    major: 2,
                    minor: 39,
                },
                Arch::Riscv64,
            ),
            (
                "x86_64-unknown-linux-musl",
                Os::Musllinux { major: 1, minor: 2 },
                Arch::X86_64,
            ),
            (
                "aarch64-unknown-linux-musl",
                Os::Musllinux { major: 1, minor: 2 },
                Arch::Aarch64,
            ),
            (
                "macos",
                Os::Macos {
                    major: 13,
                    minor: 0,
                },
                Arch::Aarch64,
            ),
            (
                "aarch64-apple-darwin",
                Os::Macos {
                    major: 13,
                    minor: 0,
                },
                Arch::Aarch64,
            ),
            (
                "x86_64-apple-darwin",
                Os::Macos {
                    major: 13,
                    minor: 0,
                },
                Arch::X86_64,
            ),
            ("windows", Os::Windows, Arch::X86_64),
            ("x86_64-pc-windows-msvc", Os::Windows, Arch::X86_64),
            ("aarch64-pc-windows-msvc", Os::Windows, Arch::Aarch64),
            ("i686-pc-windows-msvc", Os::Windows, Arch::X86),
            (
                "x86_64-manylinux2014",
                Os::Manylinux {
                    major: 2,
                    minor: 17,
                },
                Arch::X86_64,
            ),
            (
                "manylinux2014_x86_64",
                Os::Manylinux {
                    major: 2,
                    minor: 17,
                },
                Arch::X86_64,
            ),
            (
                "x86_64-manylinux_2_17",
                Os::Manylinux {
                    major: 2,
                    minor: 17,
                },
                Arch::X86_64,
            ),
            (
                "x86_64-manylinux_2_40",
                Os::Manylinux {
                    major: 2,
                    minor: 40,
                },
                Arch::X86_64,
            ),
            (
                "manylinux_2_31_x86_64",
                Os::Manylinux {
                    major: 2,
                    minor: 31,
                },
                Arch::X86_64,
            ),
            (
                "aarch64-manylinux2014",
                Os::Manylinux {
                    major: 2,
                    minor: 17,
                },
                Arch::Aarch64,
            ),
            (
                "manylinux2014_aarch64",
                Os::Manylinux {
                    major: 2,
                    minor: 17,
                },
                Arch::Aarch64,
            ),
            (
                "aarch64-manylinux_2_35",
                Os::Manylinux {
                    major: 2,
                    minor: 35,
                },
                Arch::Aarch64,
            ),
            (
                "manylinux_2_28_aarch64",
                Os::Manylinux {
                    major: 2,
                    minor: 28,
                },
                Arch::Aarch64,
            ),
        ];
        for (name, os, arch) in cases {
            let platform = parse(name);
            assert_eq!((&platform.os, &platform.arch), (os, arch), "{name}");
        }
    }

    #[test]
    fn unknown_values_list_the_accepted_ones() {
        for bad in [
            "",
            "Linux",
            "x86_64-manylinux_2_16",
            "x86_64-manylinux_2_41",
            "x86_64-manylinux_2_017",
            "x86_64-manylinux_2_+28",
            "manylinux_2_28",
            "manylinux_2_28_x86_64_x86_64",
            "armv7l-manylinux_2_28",
            "x86_64-manylinux2010",
            "freebsd",
        ] {
            let error = bad.parse::<PythonPlatform>().unwrap_err();
            let PlatformError::UnknownPythonPlatform { platform, accepted } = &error else {
                panic!("{bad}: {error:?}");
            };
            assert_eq!(platform, bad);
            assert!(
                accepted.contains("`x86_64-unknown-linux-gnu`"),
                "{accepted}"
            );
            assert!(
                accepted.contains("`aarch64-manylinux_2_17` through `aarch64-manylinux_2_40`"),
                "{accepted}"
            );
            assert!(
                error
                    .to_string()
                    .starts_with(&format!("unknown Python platform `{bad}`"))
            );
        }
    }

    #[test]
    fn marker_values_match_uv() {
        let cases = [
            ("linux", ["linux", "posix", "Linux", "x86_64"]),
            (
                "aarch64-unknown-linux-musl",
                ["linux", "posix", "Linux", "aarch64"],
            ),
            ("macos", ["darwin", "posix", "Darwin", "arm64"]),
            (
                "x86_64-apple-darwin",
                ["darwin", "posix", "Darwin", "x86_64"],
            ),
            ("windows", ["win32", "nt", "Windows", "AMD64"]),
            (
                "aarch64-pc-windows-msvc",
                ["win32", "nt", "Windows", "ARM64"],
            ),
            ("i686-pc-windows-msvc", ["win32", "nt", "Windows", "x86"]),
        ];
        for (name, expected) in cases {
            let platform = parse(name);
            let markers = platform.markers();
            assert_eq!(
                [
                    markers.sys_platform,
                    markers.os_name,
                    markers.platform_system,
                    markers.platform_machine
                ],
                expected,
                "{name}"
            );
        }
    }

    #[test]
    fn manylinux_order_and_legacy_aliases() {
        let tags = parse("x86_64-manylinux_2_17").platform_tags();
        assert_eq!(
            tags[..3],
            [
                "manylinux_2_17_x86_64",
                "manylinux2014_x86_64",
                "manylinux_2_16_x86_64"
            ]
        );
        assert_eq!(
            tags[tags.len() - 3..],
            ["manylinux_2_5_x86_64", "manylinux1_x86_64", "linux_x86_64"]
        );
        assert!(tags.contains(&"manylinux2010_x86_64".to_string()));
        let tags = parse("aarch64-manylinux_2_28").platform_tags();
        assert_eq!(
            tags[tags.len() - 3..],
            [
                "manylinux_2_17_aarch64",
                "manylinux2014_aarch64",
                "linux_aarch64"
            ]
        );
    }

    #[test]
    fn glibc_major_bump_keeps_every_2_x() {
        let platform =
            PythonPlatform::detected(Os::Manylinux { major: 3, minor: 1 }, Arch::Aarch64);
        let tags = platform.platform_tags();
        assert_eq!(
            tags[..4],
            [
                "manylinux_3_1_aarch64",
                "manylinux_3_0_aarch64",
                "manylinux_2_50_aarch64",
                "manylinux_2_49_aarch64"
            ]
        );
        assert_eq!(tags.last().unwrap(), "linux_aarch64");
        assert_eq!(platform.to_string(), "aarch64-manylinux_3_1");
    }

    #[test]
    fn other_arches_and_old_glibc() {
        let platform = PythonPlatform::detected(
            Os::Manylinux {
                major: 2,
                minor: 31,
            },
            Arch::Other("mips".to_string()),
        );
        assert_eq!(platform.platform_tags(), ["linux_mips"]);
        let platform = PythonPlatform::detected(
            Os::Manylinux {
                major: 2,
                minor: 12,
            },
            Arch::Aarch64,
        );
        assert_eq!(platform.platform_tags(), ["linux_aarch64"]);
        let platform = PythonPlatform::detected(Os::Linux, Arch::Ppc64le);
        assert_eq!(platform.platform_tags(), ["linux_ppc64le"]);
        let platform = PythonPlatform::detected(
            Os::Generic {
                platform_tag: "freebsd_14_0_amd64".to_string(),
            },
            Arch::Other("amd64".to_string()),
        );
        assert_eq!(platform.platform_tags(), ["freebsd_14_0_amd64"]);
        assert_eq!(platform.markers().sys_platform, "");
    }

    #[test]
    fn windows_tags() {
        assert_eq!(parse("windows").platform_tags(), ["win_amd64"]);
        assert_eq!(parse("i686-pc-windows-msvc").platform_tags(), ["win32"]);
        assert_eq!(
            parse("aarch64-pc-windows-msvc").platform_tags(),
            ["win_arm64"]
        );
    }

    #[test]
    fn old_mac_platforms() {
        let tags = PythonPlatform::detected(
            Os::Macos {
                major: 10,
                minor: 5,
            },
            Arch::Ppc64,
        )
        .platform_tags();
        assert_eq!(
            tags,
            [
                "macosx_10_5_ppc64",
                "macosx_10_5_fat64",
                "macosx_10_5_universal",
                "macosx_10_4_ppc64",
                "macosx_10_4_fat64",
                "macosx_10_4_universal"
            ]
        );
        let tags = PythonPlatform::detected(
            Os::Macos {
                major: 10,
                minor: 4,
            },
            Arch::X86,
        )
        .platform_tags();
        assert_eq!(
            tags,
            [
                "macosx_10_4_i386",
                "macosx_10_4_intel",
                "macosx_10_4_fat32",
                "macosx_10_4_fat",
                "macosx_10_4_universal"
            ]
        );
    }
}
