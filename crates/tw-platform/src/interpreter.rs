//! Asking a Python interpreter what it is, and finding one on `PATH`.
//!
//! One process runs the embedded `query.py` (`python -I -B -c <script>`), which prints a single
//! JSON object: the PEP 508 marker values, `packaging.tags.sys_tags()` when `packaging` (or
//! pip's vendored copy) is importable, the facts needed to compute tags without it (libc and its
//! version, macOS version, ABI flags), and pip's default index URL, read from pip itself so no
//! URL is written here.

use std::ffi::OsStr;
use std::path::{Path, PathBuf};
use std::process::{Command, Stdio};

use pep508_rs::{MarkerEnvironment, MarkerEnvironmentBuilder};
use serde::Deserialize;
use tracing::debug;

use crate::generate::{self, PythonMinor};
use crate::platform::{Arch, Os};
use crate::{PlatformError, PythonPlatform, Tag, Tags, Target};

/// The query script, run with `-c`.
const QUERY_SCRIPT: &str = include_str!("query.py");

/// How many trailing stderr lines a failed query keeps for its error message.
const STDERR_LINES: usize = 20;

/// What the interpreter query returns.
#[derive(Clone, Debug)]
pub struct InterpreterInfo {
    /// The interpreter's `sys.executable` (the path given when it reports none).
    pub executable: PathBuf,
    /// Its marker environment, wheel tags and platform.
    pub target: Target,
    /// The simple-index URL pip installs from by default, `None` when pip is not importable.
    pub pip_default_index: Option<String>,
}

#[derive(Deserialize)]
struct QueryOutput {
    markers: QueryMarkers,
    sys_tags: Option<Vec<[String; 3]>>,
    platform: QueryPlatform,
    interpreter: QueryInterpreter,
    #[serde(default)]
    executable: Option<String>,
    pip_default_index: Option<String>,
}

#[derive(Deserialize)]
struct QueryMarkers {
    implementation_name: String,
    implementation_version: String,
    os_name: String,
    platform_machine: String,
    platform_python_implementation: String,
    platform_release: String,
    platform_system: String,
    platform_version: String,
    python_full_version: String,
    python_version: String,
    sys_platform: String,
}

#[derive(Deserialize)]
struct QueryPlatform {
    sysconfig: String,
    is_32bit: bool,
    glibc: Option<String>,
    musl: Option<String>,
    macos: Option<String>,
    mac_arch: Option<String>,
}

#[derive(Deserialize)]
struct QueryInterpreter {
    name: String,
    version_nodot: String,
    abi_flags: String,
    soabi: Option<String>,
}

/// [`query_interpreter`], with the answer kept in `cache_dir` (`interpreters-v1/`) between
/// runs: starting Python and importing pip costs 50–600 ms, more than a whole warm resolve.
///
/// The entry is keyed by the path as given, the resolved executable, its size and
/// modification time, and the query script itself, so replacing or upgrading the interpreter
/// (or a new tailwheel asking other questions) makes a new entry. A venv keeps its own entry
/// (its path differs from the base interpreter's). A bare name (`python3`) is not cached. Not noticed: installing or upgrading pip or
/// `packaging` inside an unchanged interpreter; pip's default index does not change that way.
pub fn query_interpreter_cached(
    python: &Path,
    cache_dir: Option<&Path>,
) -> Result<InterpreterInfo, PlatformError> {
    let Some(entry) = cache_dir.and_then(|dir| cache_entry(python, dir)) else {
        return query_interpreter(python);
    };
    if let Ok(bytes) = fs_err::read(&entry)
        && let Ok(answer) = serde_json::from_slice::<QueryOutput>(&bytes)
    {
        debug!(entry = %entry.display(), "interpreter facts from the cache");
        return interpret(python, answer);
    }
    let stdout = run_query(python)?;
    let info = info_from(python, &stdout)?;
    store(&entry, &stdout);
    Ok(info)
}

/// Build the [`InterpreterInfo`] from what the query script printed.
fn info_from(python: &Path, stdout: &[u8]) -> Result<InterpreterInfo, PlatformError> {
    let answer: QueryOutput =
        serde_json::from_slice(stdout).map_err(|source| PlatformError::InterpreterOutput {
            python: python.to_path_buf(),
            source,
        })?;
    interpret(python, answer)
}

/// The cache file for `python`, or `None` when it cannot be identified (no such file).
fn cache_entry(python: &Path, dir: &Path) -> Option<PathBuf> {
    use std::hash::{Hash, Hasher};
    // A bare `python3` is looked up on `PATH` by the OS when it runs; without knowing which
    // file that is, there is no safe key.
    if python.components().count() == 1 {
        return None;
    }
    let given = std::path::absolute(python).ok()?;
    let resolved = fs_err::canonicalize(&given).ok()?;
    let metadata = fs_err::metadata(&resolved).ok()?;
    let modified = metadata
        .modified()
        .ok()?
        .duration_since(std::time::UNIX_EPOCH)
        .ok()?;
    // A stable 64-bit FNV-1a over the parts: the key only has to tell entries apart.
    let mut hasher = Fnv(0xcbf2_9ce4_8422_2325);
    (
        given,
        resolved,
        metadata.len(),
        modified.as_nanos(),
        QUERY_SCRIPT,
    )
        .hash(&mut hasher);
    Some(
        dir.join("interpreters-v1")
            .join(format!("{:016x}.json", hasher.finish())),
    )
}

/// FNV-1a, so keys are the same in every build (std's `DefaultHasher` may change).
struct Fnv(u64);

impl std::hash::Hasher for Fnv {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for byte in bytes {
            self.0 = (self.0 ^ u64::from(*byte)).wrapping_mul(0x0100_0000_01b3);
        }
    }
}

/// Write `bytes` to `entry` through a temporary file and a rename; failures only cost a
/// future query.
fn store(entry: &Path, bytes: &[u8]) {
    let Some(parent) = entry.parent() else { return };
    let temporary = entry.with_extension(format!("tmp{}", std::process::id()));
    let result = fs_err::create_dir_all(parent)
        .and_then(|()| fs_err::write(&temporary, bytes))
        .and_then(|()| fs_err::rename(&temporary, entry));
    if let Err(err) = result {
        debug!("cannot cache the interpreter query: {err}");
    }
}

/// Run `python` once with the embedded query script and build its [`Target`] from the answer.
///
/// The tags are the interpreter's own `sys_tags()` when `packaging` is importable there, and are
/// otherwise computed here from the reported platform, as `packaging` would.
#[tracing::instrument(skip_all, fields(python = %python.display()))]
pub fn query_interpreter(python: &Path) -> Result<InterpreterInfo, PlatformError> {
    info_from(python, &run_query(python)?)
}

/// Run the query script and return what it printed.
fn run_query(python: &Path) -> Result<Vec<u8>, PlatformError> {
    let output = Command::new(python)
        .args(["-I", "-B", "-c", QUERY_SCRIPT])
        .stdin(Stdio::null())
        .output()
        .map_err(|source| PlatformError::InterpreterSpawn {
            python: python.to_path_buf(),
            source,
        })?;
    if !output.status.success() {
        let stderr = String::from_utf8_lossy(&output.stderr);
        let lines: Vec<&str> = stderr.trim_end().lines().collect();
        return Err(PlatformError::InterpreterFailed {
            python: python.to_path_buf(),
            status: output.status,
            stderr: lines[lines.len().saturating_sub(STDERR_LINES)..].join("\n"),
        });
    }
    Ok(output.stdout)
}

/// Turn the script's answer into an [`InterpreterInfo`].
fn interpret(python: &Path, answer: QueryOutput) -> Result<InterpreterInfo, PlatformError> {
    let values = &answer.markers;
    let markers = MarkerEnvironment::try_from(MarkerEnvironmentBuilder {
        implementation_name: &values.implementation_name,
        implementation_version: &values.implementation_version,
        os_name: &values.os_name,
        platform_machine: &values.platform_machine,
        platform_python_implementation: &values.platform_python_implementation,
        platform_release: &values.platform_release,
        platform_system: &values.platform_system,
        platform_version: &values.platform_version,
        python_full_version: &values.python_full_version,
        python_version: &values.python_version,
        sys_platform: &values.sys_platform,
    })
    .map_err(|source| PlatformError::InterpreterMarkers {
        python: python.to_path_buf(),
        source,
    })?;
    let python_minor = match *markers.python_version().version.release() {
        [major @ 3, minor, ..] => PythonMinor { major, minor },
        _ => {
            return Err(PlatformError::UnsupportedInterpreter {
                python: python.to_path_buf(),
                version: values.python_full_version.clone(),
            });
        }
    };
    let platform = detect_platform(&answer.platform);
    let tags = match answer.sys_tags {
        Some(tags) if !tags.is_empty() => {
            debug!("using the interpreter's `sys_tags()` ({} tags)", tags.len());
            tags.into_iter()
                .map(|[python_tag, abi, platform_tag]| {
                    let valid = [&python_tag, &abi, &platform_tag].iter().all(|part| {
                        !part.is_empty() && !part.contains(|c: char| c == '-' || c.is_whitespace())
                    });
                    if valid {
                        Ok(Tag::new(python_tag, abi, platform_tag))
                    } else {
                        Err(PlatformError::InterpreterTag {
                            python: python.to_path_buf(),
                            tag: format!("{python_tag}-{abi}-{platform_tag}"),
                        })
                    }
                })
                .collect::<Result<Vec<_>, _>>()?
        }
        _ => {
            debug!("`packaging` is not importable; computing tags for `{platform}`");
            computed_tags(python_minor, &answer.interpreter, &platform)
        }
    };
    let executable = answer
        .executable
        .filter(|executable| !executable.is_empty())
        .map_or_else(|| python.to_path_buf(), PathBuf::from);
    Ok(InterpreterInfo {
        executable,
        target: Target {
            python_full_version: markers.python_full_version().version.clone(),
            markers,
            tags: Tags::from_ordered(tags),
            platform,
        },
        pip_default_index: answer.pip_default_index,
    })
}

/// The tags `packaging` would give this interpreter, for when it is not importable there.
fn computed_tags(
    python: PythonMinor,
    interpreter: &QueryInterpreter,
    platform: &PythonPlatform,
) -> Vec<Tag> {
    let platforms = platform.platform_tags();
    if interpreter.name == "cpython" {
        let abis = python.cpython_abis(&interpreter.abi_flags);
        let free_threaded = interpreter.abi_flags.contains('t');
        return generate::cpython_sys_tags(python, &abis, !free_threaded, &platforms);
    }
    // `packaging.tags.INTERPRETER_SHORT_NAMES`.
    let short_name = match interpreter.name.as_str() {
        "pypy" => "pp",
        "ironpython" => "ip",
        "jython" => "jy",
        other => other,
    };
    let interpreter_tag = format!("{short_name}{}", interpreter.version_nodot);
    let abis: Vec<String> = interpreter
        .soabi
        .iter()
        .filter(|soabi| !soabi.is_empty())
        .map(|soabi| normalize(soabi))
        .collect();
    generate::generic_sys_tags(python, &interpreter_tag, &abis, &platforms)
}

/// The platform the interpreter runs on, from `sysconfig.get_platform()` and the libc or macOS
/// version, mirroring `packaging.tags.platform_tags()`.
fn detect_platform(reported: &QueryPlatform) -> PythonPlatform {
    let platform_tag = normalize(&reported.sysconfig);
    if let Some(machine) = platform_tag.strip_prefix("linux_") {
        // A 32-bit interpreter on a 64-bit kernel.
        let machine = match (reported.is_32bit, machine) {
            (true, "x86_64") => "i686",
            (true, "aarch64") => "armv7l",
            (_, machine) => machine,
        };
        let arch = Arch::from_linux_name(machine);
        let os = if let Some((major, minor)) = reported.glibc.as_deref().and_then(major_minor) {
            Os::Manylinux { major, minor }
        } else if let Some((major, minor)) = reported.musl.as_deref().and_then(major_minor) {
            Os::Musllinux { major, minor }
        } else {
            Os::Linux
        };
        return PythonPlatform::detected(os, arch);
    }
    if let Some((major, minor)) = reported.macos.as_deref().and_then(major_minor) {
        let machine = reported.mac_arch.as_deref().unwrap_or_default();
        let arch = match (reported.is_32bit, machine) {
            (true, machine) if machine.starts_with("ppc") => Arch::Other("ppc".to_string()),
            (true, _) => Arch::X86,
            (false, "arm64") => Arch::Aarch64,
            (false, machine) => Arch::from_linux_name(machine),
        };
        return PythonPlatform::detected(Os::Macos { major, minor }, arch);
    }
    let (os, arch) = match platform_tag.as_str() {
        "win_amd64" => (Os::Windows, Arch::X86_64),
        "win32" => (Os::Windows, Arch::X86),
        "win_arm64" => (Os::Windows, Arch::Aarch64),
        _ => (Os::Generic { platform_tag }, Arch::Other(String::new())),
    };
    PythonPlatform::detected(os, arch)
}

/// `packaging`'s `_normalize_string`: `linux-x86_64` → `linux_x86_64`.
fn normalize(value: &str) -> String {
    value.replace(['.', '-'], "_")
}

/// The leading `major.minor` of a version string such as `2.36`, `1.2.4` or `14.2.1`.
fn major_minor(version: &str) -> Option<(u16, u16)> {
    let mut parts = version.trim().split('.');
    let major = parts.next()?.parse().ok()?;
    let minor: String = parts
        .next()?
        .chars()
        .take_while(char::is_ascii_digit)
        .collect();
    Some((major, minor.parse().ok()?))
}

/// Find the default interpreter: `python3`, then `python`, in the directories of `path_var`
/// (the caller reads `PATH`, so this does no environment access).
pub fn find_python(path_var: Option<&OsStr>) -> Option<PathBuf> {
    ["python3", "python"]
        .iter()
        .find_map(|name| find_on_path(path_var?, name))
}

/// The first `python{major}.{minor}` executable on `path_var` (`python3.11`), the name
/// distributions and pyenv give each installed version; `None` when there is none.
pub fn find_python_version(path_var: Option<&OsStr>, major: u64, minor: u64) -> Option<PathBuf> {
    find_on_path(path_var?, &format!("python{major}.{minor}"))
}

/// The first executable file called `name` in a folder of `path_var`.
fn find_on_path(path_var: &OsStr, name: &str) -> Option<PathBuf> {
    let file_name = format!("{name}{}", std::env::consts::EXE_SUFFIX);
    std::env::split_paths(path_var)
        // An empty entry means the current directory; running whatever lies there is unsafe.
        .filter(|dir| !dir.as_os_str().is_empty())
        .map(|dir| dir.join(&file_name))
        .find(|candidate| is_executable(candidate))
}

#[cfg(unix)]
fn is_executable(path: &Path) -> bool {
    use std::os::unix::fs::PermissionsExt;
    fs_err::metadata(path)
        .is_ok_and(|metadata| metadata.is_file() && metadata.permissions().mode() & 0o111 != 0)
}

#[cfg(not(unix))]
fn is_executable(path: &Path) -> bool {
    // The Microsoft Store's `python3.exe` stubs in `WindowsApps` open the Store instead of
    // running Python.
    let store_stub = path
        .components()
        .any(|component| component.as_os_str().eq_ignore_ascii_case("WindowsApps"));
    !store_stub && fs_err::metadata(path).is_ok_and(|metadata| metadata.is_file())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reported(sysconfig: &str) -> QueryPlatform {
        QueryPlatform {
            sysconfig: sysconfig.to_string(),
            is_32bit: false,
            glibc: None,
            musl: None,
            macos: None,
            mac_arch: None,
        }
    }

    #[cfg(unix)]
    #[test]
    fn finds_the_interpreter_named_for_a_version() {
        use std::os::unix::fs::PermissionsExt;
        let first = tempfile::tempdir().unwrap();
        let second = tempfile::tempdir().unwrap();
        let make = |dir: &Path, name: &str| {
            let path = dir.join(name);
            fs_err::write(&path, "#!/bin/sh\n").unwrap();
            fs_err::set_permissions(&path, std::fs::Permissions::from_mode(0o755)).unwrap();
            path
        };
        make(first.path(), "python3");
        let wanted = make(second.path(), "python3.11");
        let path = std::env::join_paths([first.path(), second.path()]).unwrap();
        assert_eq!(find_python_version(Some(&path), 3, 11), Some(wanted));
        assert_eq!(find_python_version(Some(&path), 3, 12), None);
        assert_eq!(find_python(Some(&path)), Some(first.path().join("python3")));
        assert_eq!(find_python_version(None, 3, 11), None);
    }

    #[test]
    fn detects_linux_flavours() {
        let mut glibc = reported("linux-x86_64");
        glibc.glibc = Some("2.36".to_string());
        assert_eq!(detect_platform(&glibc).to_string(), "x86_64-manylinux_2_36");
        glibc.is_32bit = true;
        assert_eq!(
            detect_platform(&glibc).platform_tags()[0],
            "manylinux_2_36_i686"
        );

        let mut musl = reported("linux-aarch64");
        musl.musl = Some("1.2.4".to_string());
        let platform = detect_platform(&musl);
        assert_eq!(platform.to_string(), "aarch64-musllinux_1_2");
        assert_eq!(
            platform.platform_tags(),
            [
                "musllinux_1_2_aarch64",
                "musllinux_1_1_aarch64",
                "musllinux_1_0_aarch64",
                "linux_aarch64"
            ]
        );

        let unknown = detect_platform(&reported("linux-armv6l"));
        assert_eq!(unknown.platform_tags(), ["linux_armv6l"]);
    }

    #[test]
    fn detects_macos_windows_and_others() {
        let mut mac = reported("macosx-11.0-arm64");
        mac.macos = Some("14.2.1".to_string());
        mac.mac_arch = Some("arm64".to_string());
        let platform = detect_platform(&mac);
        assert_eq!(platform.to_string(), "macosx_14_2_arm64");
        assert_eq!(
            platform.platform_tags()[..3],
            [
                "macosx_14_0_arm64",
                "macosx_14_0_universal2",
                "macosx_13_0_arm64"
            ]
        );

        let windows = detect_platform(&reported("win-amd64"));
        assert_eq!(windows.platform_tags(), ["win_amd64"]);
        assert_eq!(windows.markers().sys_platform, "win32");
        assert_eq!(
            detect_platform(&reported("win32")).platform_tags(),
            ["win32"]
        );
        assert_eq!(
            detect_platform(&reported("win-arm64")).platform_tags(),
            ["win_arm64"]
        );

        let bsd = detect_platform(&reported("freebsd-14.0-RELEASE-amd64"));
        assert_eq!(bsd.platform_tags(), ["freebsd_14_0_RELEASE_amd64"]);
    }

    #[test]
    fn major_minor_parsing() {
        assert_eq!(major_minor("2.36"), Some((2, 36)));
        assert_eq!(major_minor("2.20-2014.11"), Some((2, 20)));
        assert_eq!(major_minor("1.2.4"), Some((1, 2)));
        assert_eq!(major_minor("14"), None);
        assert_eq!(major_minor("x.1"), None);
    }

    fn answer(sys_tags: Option<Vec<[String; 3]>>, name: &str, version: &str) -> QueryOutput {
        QueryOutput {
            markers: QueryMarkers {
                implementation_name: name.to_string(),
                implementation_version: version.to_string(),
                os_name: "posix".to_string(),
                platform_machine: "x86_64".to_string(),
                platform_python_implementation: "CPython".to_string(),
                platform_release: String::new(),
                platform_system: "Linux".to_string(),
                platform_version: String::new(),
                python_full_version: version.to_string(),
                python_version: version.rsplit_once('.').unwrap().0.to_string(),
                sys_platform: "linux".to_string(),
            },
            sys_tags,
            platform: QueryPlatform {
                glibc: Some("2.28".to_string()),
                ..reported("linux-x86_64")
            },
            interpreter: QueryInterpreter {
                name: name.to_string(),
                version_nodot: "310".to_string(),
                abi_flags: String::new(),
                soabi: Some("pypy310-pp73".to_string()),
            },
            executable: None,
            pip_default_index: None,
        }
    }

    #[test]
    fn without_packaging_tags_are_computed() {
        let info = interpret(Path::new("python"), answer(None, "cpython", "3.11.4")).unwrap();
        let expected = crate::target_from_platform(
            &"3.11.4".parse().unwrap(),
            &"x86_64-manylinux_2_28".parse().unwrap(),
        );
        let tags: Vec<&Tag> = info.target.tags.iter().collect();
        assert_eq!(tags, expected.tags.iter().collect::<Vec<_>>());
        assert_eq!(info.executable, Path::new("python"));
        assert_eq!(info.target.python_full_version.to_string(), "3.11.4");

        let pypy = interpret(Path::new("pypy3"), answer(None, "pypy", "3.10.14")).unwrap();
        let first = pypy.target.tags.iter().next().unwrap();
        assert_eq!(
            first.to_string(),
            "pp310-pypy310_pp73-manylinux_2_28_x86_64"
        );
    }

    #[test]
    fn reported_tags_are_kept_in_order_and_checked() {
        let tags = vec![
            [
                "cp311".to_string(),
                "cp311".to_string(),
                "linux_x86_64".to_string(),
            ],
            ["py3".to_string(), "none".to_string(), "any".to_string()],
        ];
        let info = interpret(Path::new("python"), answer(Some(tags), "cpython", "3.11.4")).unwrap();
        assert_eq!(info.target.tags.len(), 2);
        assert_eq!(info.target.tags.rank("py3", "none", "any"), Some(1));

        let bad = vec![["cp311".to_string(), "cp-311".to_string(), "any".to_string()]];
        let error =
            interpret(Path::new("python"), answer(Some(bad), "cpython", "3.11.4")).unwrap_err();
        assert!(
            matches!(error, PlatformError::InterpreterTag { ref tag, .. } if tag == "cp311-cp-311-any"),
            "{error:?}"
        );
    }

    #[test]
    fn python_2_and_bad_versions_are_rejected() {
        let error = interpret(Path::new("python2"), answer(None, "cpython", "2.7.18")).unwrap_err();
        assert!(
            matches!(error, PlatformError::UnsupportedInterpreter { ref version, .. } if version == "2.7.18"),
            "{error:?}"
        );
        let error =
            interpret(Path::new("python"), answer(None, "cpython", "3.11.abc")).unwrap_err();
        assert!(
            matches!(error, PlatformError::InterpreterMarkers { .. }),
            "{error:?}"
        );
        assert!(error.to_string().contains("`python`"), "{error}");
    }
}
