//! `tailwheel download` and `tailwheel resolve --download`.

use std::path::Path;

use tw_test_index::{IndexOptions, Pep658, Universe};

use crate::common::{Project, index, index_with};

fn app(universe: &mut Universe) {
    universe.version("app", "1.0.0").requires("lib>=1");
    universe.version("lib", "1.0.0");
    universe
        .version("lib", "1.1.0")
        .wheel_tags(&["cp312-cp312-manylinux_2_17_x86_64", "cp312-cp312-win_amd64"]);
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .expect("download folder exists")
        .map(|entry| {
            entry
                .expect("readable entry")
                .file_name()
                .to_string_lossy()
                .into_owned()
        })
        .collect();
    names.sort();
    names
}

fn file_requests(index: &tw_test_index::TestIndex, from: usize) -> Vec<String> {
    index.requests()[from..]
        .iter()
        .filter(|r| r.path.starts_with("/files/") && !r.path.ends_with(".metadata"))
        .map(|r| r.path.clone())
        .collect()
}

/// `tailwheel download LOCKFILE -d DEST` for Python 3.12 on `platform`.
fn download(
    project: &Project,
    lockfile: &str,
    dest: &Path,
    platform: &str,
    extra: &[&str],
) -> crate::common::Output {
    let mut command = project.download_command();
    command.args([lockfile, "-d"]).arg(dest);
    command.args(["--python-version", "3.12", "--python-platform", platform]);
    command.args(extra);
    project.run_command(command)
}

#[test]
fn download_from_pylock_then_nothing_to_do() {
    let index = index(app);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    project
        .resolve(&["requirements.in", "-o", "pylock.toml"])
        .assert_code(0);
    let before = index.request_count();

    let dest = project.join("wheels");
    download(&project, "pylock.toml", &dest, "x86_64-manylinux_2_28", &[]).assert_code(0);
    assert_eq!(
        files_in(&dest),
        [
            "app-1.0.0-py3-none-any.whl",
            "lib-1.1.0-cp312-cp312-manylinux_2_17_x86_64.whl"
        ]
    );
    for name in files_in(&dest) {
        let bytes = fs_err::read(dest.join(&name)).unwrap();
        assert_eq!(bytes, index.file_bytes(&name).unwrap(), "{name}");
    }
    assert_eq!(file_requests(&index, before).len(), 2);

    // A second run downloads nothing.
    let before = index.request_count();
    download(&project, "pylock.toml", &dest, "x86_64-manylinux_2_28", &[]).assert_code(0);
    assert!(file_requests(&index, before).is_empty());

    // One corrupted file is replaced, and only that one is fetched.
    fs_err::write(dest.join("app-1.0.0-py3-none-any.whl"), b"garbage").unwrap();
    let before = index.request_count();
    download(&project, "pylock.toml", &dest, "x86_64-manylinux_2_28", &[]).assert_code(0);
    assert_eq!(
        file_requests(&index, before),
        ["/files/app-1.0.0-py3-none-any.whl"]
    );
    assert_eq!(
        fs_err::read(dest.join("app-1.0.0-py3-none-any.whl")).unwrap(),
        index.file_bytes("app-1.0.0-py3-none-any.whl").unwrap()
    );
}

#[test]
fn download_from_hashed_requirements_txt_picks_the_target_wheel() {
    let index = index(app);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    project
        .resolve(&[
            "requirements.in",
            "-o",
            "requirements.txt",
            "--generate-hashes",
        ])
        .assert_code(0);
    let dest = project.join("win");
    let index_url = index.index_url();
    download(
        &project,
        "requirements.txt",
        &dest,
        "windows",
        &["--index-url", &index_url],
    )
    .assert_code(0);
    assert_eq!(
        files_in(&dest),
        [
            "app-1.0.0-py3-none-any.whl",
            "lib-1.1.0-cp312-cp312-win_amd64.whl"
        ]
    );
}

#[test]
fn resolve_download_checks_metadata_against_the_wheel() {
    let index = index_with(
        IndexOptions {
            pep658: Pep658::Off,
            ..IndexOptions::default()
        },
        app,
    );
    let project = Project::new(&index);
    let dest = project.join("out");
    let out = project.resolve_in(
        "app\n",
        &["--no-header", "--download", dest.to_str().unwrap()],
    );
    out.assert_code(0);
    assert_eq!(
        files_in(&dest),
        [
            "app-1.0.0-py3-none-any.whl",
            "lib-1.1.0-cp312-cp312-manylinux_2_17_x86_64.whl"
        ]
    );
    assert!(out.stderr.contains("Downloaded 2 files"), "{}", out.stderr);
}

#[test]
fn metadata_that_differs_from_the_wheel_fails_the_download() {
    let index = index(|universe| {
        universe
            .version("app", "1.0.0")
            .requires("lib>=1")
            .pep658_only_requires("extra-dep");
        universe.version("lib", "1.0.0");
        universe.version("extra-dep", "1.0.0");
    });
    let project = Project::new(&index);
    let dest = project.join("out");
    let out = project.resolve_in(
        "app\n",
        &["--no-header", "--download", dest.to_str().unwrap()],
    );
    out.assert_code(3);
    assert!(
        out.stderr.contains(
            "the metadata of `app-1.0.0-py3-none-any.whl` differs from what the resolution used: Requires-Dist only in the wheel: []; only in the metadata used: [extra-dep]"
        ),
        "{}",
        out.stderr
    );
    let out = project.resolve_in(
        "app\n",
        &[
            "--no-header",
            "--download",
            dest.to_str().unwrap(),
            "--allow-metadata-mismatch",
        ],
    );
    out.assert_code(0);
    assert!(
        out.stderr
            .contains("warning: the metadata of `app-1.0.0-py3-none-any.whl` differs"),
        "{}",
        out.stderr
    );
}
