//! Issue 17: `--universal`, one lock for every environment `requires-python` allows, with
//! `--environment` and `--required-environment`.

use tw_test_index::Universe;

use crate::common::{Output, Project, index};

/// `a` 1.0.0 needs `b` on Python before 3.11; `a` 2.0.0 needs `c`; `win-only` has only a
/// Windows wheel.
fn universe(universe: &mut Universe) {
    universe
        .version("a", "1.0.0")
        .requires("b ; python_version < '3.11'");
    universe.version("a", "2.0.0").requires("c");
    universe.version("b", "1.0.0");
    universe.version("c", "1.0.0");
    universe
        .version("win-only", "1.0.0")
        .wheel_tags(&["cp312-abi3-win_amd64"])
        .no_sdist();
}

/// `tailwheel resolve requirements.in --universal --python-version 3.9 ARGS`.
fn universal(project: &Project, index_url: &str, requirements: &str, args: &[&str]) -> Output {
    project.write("requirements.in", requirements);
    let mut command = project.bare_command();
    command.args([
        "requirements.in",
        "--universal",
        "--python-version",
        "3.9",
        "--index-url",
        index_url,
        "--no-header",
    ]);
    command.args(args);
    project.run_command(command)
}

#[test]
fn a_universal_lock_forks_where_requirements_differ_by_marker() {
    let index = index(universe);
    let project = Project::new(&index);
    let out = universal(
        &project,
        &index.index_url(),
        "a>=2 ; sys_platform == 'linux'\na<2 ; sys_platform == 'darwin'\n",
        &["--stats"],
    );
    insta::assert_snapshot!(out.success(), @r"
    a==1.0.0 ; sys_platform == 'darwin'
        # via -r requirements.in
    a==2.0.0 ; sys_platform == 'linux'
        # via -r requirements.in
    b==1.0.0 ; python_full_version < '3.11' and sys_platform == 'darwin'
        # via a
    c==1.0.0 ; sys_platform == 'linux'
        # via a
    ");
    assert!(
        out.stat_line("stats: universal:")
            .starts_with("stats: universal: 3 forks; per-platform metadata: 0 versions"),
        "{}",
        out.stderr
    );
}

#[test]
fn environments_limit_the_lock() {
    let index = index(universe);
    let project = Project::new(&index);
    let out = universal(
        &project,
        &index.index_url(),
        "a>=2 ; sys_platform == 'linux'\na<2 ; sys_platform == 'darwin'\n",
        &["--environment", "sys_platform == 'linux'", "--no-annotate"],
    );
    insta::assert_snapshot!(out.success(), @r"
    a==2.0.0
    c==1.0.0
    ");
}

#[test]
fn a_required_environment_without_a_wheel_or_sdist_is_an_error_naming_both() {
    let index = index(universe);
    let project = Project::new(&index);
    // Only needed on Windows: Linux being required is fine.
    let out = universal(
        &project,
        &index.index_url(),
        "win-only ; sys_platform == 'win32'\n",
        &[
            "--required-environment",
            "sys_platform == 'linux'",
            "--no-annotate",
        ],
    );
    assert_eq!(out.success(), "win-only==1.0.0 ; sys_platform == 'win32'\n");
    // Needed everywhere, required on Linux: no wheel there and no sdist.
    let out = universal(
        &project,
        &index.index_url(),
        "win-only\n",
        &["--required-environment", "sys_platform == 'linux'"],
    );
    out.assert_code(1);
    assert!(
        out.stderr.contains(
            "`win-only` `1.0.0` has no wheel for the required environment `sys_platform == 'linux'` and no source distribution"
        ),
        "{}",
        out.stderr
    );
}

#[test]
fn universal_conflicts_with_a_platform() {
    let index = index(universe);
    let project = Project::new(&index);
    let out = universal(
        &project,
        &index.index_url(),
        "a\n",
        &["--python-platform", "linux"],
    );
    out.assert_code(2);
}

#[test]
fn a_universal_pylock_has_an_entry_per_fork_and_packaging_selects_one_per_name() {
    let index = index(universe);
    let project = Project::new(&index);
    let out = universal(
        &project,
        &index.index_url(),
        "a>=2 ; sys_platform == 'linux'\na<2 ; sys_platform == 'darwin'\n",
        &["-o", "pylock.toml"],
    );
    out.assert_code(0);
    let text = project.filter(&project.read("pylock.toml"));
    let entries: Vec<&str> = text
        .lines()
        .filter(|line| {
            line.starts_with("name = ")
                || line.starts_with("version = ")
                || line.starts_with("marker = ")
        })
        .collect();
    assert_eq!(
        entries,
        [
            "name = \"a\"",
            "version = \"1.0.0\"",
            "marker = \"sys_platform == 'darwin'\"",
            "name = \"a\"",
            "version = \"2.0.0\"",
            "marker = \"sys_platform == 'linux'\"",
            "name = \"b\"",
            "version = \"1.0.0\"",
            "marker = \"python_full_version < '3.11' and sys_platform == 'darwin'\"",
            "name = \"c\"",
            "version = \"1.0.0\"",
            "marker = \"sys_platform == 'linux'\"",
        ],
        "{text}"
    );
    assert!(text.contains("requires-python = \">=3.9\""), "{text}");
    // The reference implementation validates it and picks one entry per name.
    let script = r#"
import sys, tomllib
from packaging.pylock import Pylock
from packaging.tags import Tag
lock = Pylock.from_dict(tomllib.load(open(sys.argv[1], "rb")))
lock.validate()
def env(platform, python):
    return {"implementation_name": "cpython", "implementation_version": python, "os_name": "posix",
            "platform_machine": "x86_64", "platform_python_implementation": "CPython",
            "platform_release": "", "platform_system": "", "platform_version": "",
            "python_full_version": python, "python_version": python[:4].rstrip("."), "sys_platform": platform}
for platform, python in [("linux", "3.10.1"), ("darwin", "3.9.1"), ("darwin", "3.12.1")]:
    picked = sorted(f"{p.name}=={p.version}" for p, _ in lock.select(environment=env(platform, python), tags=[Tag("py3", "none", "any")]))
    print(platform, python, " ".join(picked))
"#;
    let Ok(output) = std::process::Command::new("python3")
        .args(["-c", script])
        .arg(project.join("pylock.toml"))
        .output()
    else {
        return;
    };
    if String::from_utf8_lossy(&output.stderr).contains("No module named 'packaging.pylock'") {
        return;
    }
    assert!(
        output.status.success(),
        "{}",
        String::from_utf8_lossy(&output.stderr)
    );
    assert_eq!(
        String::from_utf8_lossy(&output.stdout),
        "linux 3.10.1 a==2.0.0 c==1.0.0\ndarwin 3.9.1 a==1.0.0 b==1.0.0\ndarwin 3.12.1 a==1.0.0\n"
    );
}

/// Issue 17: the per-platform check's reads wait on nobody (they run together after the
/// solve), so they ask for an unadvertised PEP 658 file first and read the zip tail only when
/// there is none, even when the solver's own reads send both at once (`--probe-metadata
/// concurrent`; `hedged`, the default, sends the tail too when the probe is slow, which a
/// burst of check reads makes it): on `data-science` the check's tail reads were 6.9 MB of
/// central directories where the `.metadata` files were about 2 MB.
#[test]
fn the_per_platform_check_reads_unadvertised_metadata_files_before_wheel_tails() {
    let options = tw_test_index::IndexOptions {
        pep658: tw_test_index::Pep658::Unadvertised,
        ..tw_test_index::IndexOptions::default()
    };
    let index = crate::common::index_with(options, |universe| {
        universe
            .version("bin", "1.0.0")
            .wheel_tags(&[
                "py3-none-manylinux_2_17_x86_64",
                "py3-none-macosx_11_0_arm64",
                "py3-none-win_amd64",
            ])
            .no_sdist();
    });
    let project = Project::new(&index);
    let out = universal(
        &project,
        &index.index_url(),
        "bin\n",
        &["--stats", "--probe-metadata", "concurrent"],
    );
    out.success();
    assert!(
        out.stat_line("stats: universal:")
            .contains("1 versions with wheels for several platforms, 2 extra metadata reads"),
        "{}",
        out.stderr
    );
    // The solver's read sends both (it asked for that); the check's two send no range.
    let tails: std::collections::BTreeSet<String> = index
        .requests()
        .into_iter()
        .filter(|request| request.range.is_some() && request.path.ends_with(".whl"))
        .map(|request| request.path)
        .collect();
    assert_eq!(tails.len(), 1, "{tails:?}");
}
