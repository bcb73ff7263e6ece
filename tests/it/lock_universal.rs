//! Universal locks (issue 17, item 4) read back by tailwheel: the pins of an `-o` file whose
//! entries carry markers, and `tailwheel download` picking, per name, the entry whose marker
//! holds for the target and that entry's best wheel. The locks are written by hand here, as
//! the universal resolver writes them (`crates/tw-lock` tests the writers).

use std::path::Path;

use tw_lock::{Lock, LockedFile, LockedPackage, RequirementsTxtOptions, Via};
use tw_test_index::{TestIndex, Universe};

use crate::common::{Project, index};

/// `lib` 1.0 for Python 3.10 (Linux and Windows wheels), 2.0 for 3.12 (Linux, Windows,
/// macOS), 3.0 (newest, never locked), and `colorama` for Windows.
fn universe(universe: &mut Universe) {
    universe
        .version("lib", "1.0")
        .wheel_tags(&["cp310-cp310-manylinux_2_17_x86_64", "cp310-cp310-win_amd64"]);
    universe.version("lib", "2.0").wheel_tags(&[
        "cp312-cp312-manylinux_2_17_x86_64",
        "cp312-cp312-win_amd64",
        "cp312-cp312-macosx_11_0_arm64",
    ]);
    universe.version("lib", "3.0");
    universe.version("colorama", "0.4.6");
}

/// The locked entries: name, version, marker, wheels.
const ENTRIES: [(&str, &str, &str, &[&str]); 3] = [
    (
        "colorama",
        "0.4.6",
        "sys_platform == 'win32'",
        &["colorama-0.4.6-py3-none-any.whl"],
    ),
    (
        "lib",
        "1.0",
        "python_full_version < '3.11'",
        &[
            "lib-1.0-cp310-cp310-manylinux_2_17_x86_64.whl",
            "lib-1.0-cp310-cp310-win_amd64.whl",
        ],
    ),
    (
        "lib",
        "2.0",
        "python_full_version >= '3.11'",
        &[
            "lib-2.0-cp312-cp312-manylinux_2_17_x86_64.whl",
            "lib-2.0-cp312-cp312-win_amd64.whl",
            "lib-2.0-cp312-cp312-macosx_11_0_arm64.whl",
        ],
    ),
];

fn sha256(index: &TestIndex, filename: &str) -> String {
    index
        .file_sha256(filename)
        .unwrap_or_else(|| panic!("the index serves `{filename}`"))
}

/// A universal `pylock.toml` of [`ENTRIES`] with the index's URLs and hashes.
fn pylock(index: &TestIndex) -> String {
    let mut text = String::from(
        "lock-version = \"1.0\"\nrequires-python = \">=3.10\"\ncreated-by = \"tailwheel\"\n",
    );
    for (name, version, marker, wheels) in ENTRIES {
        text.push_str(&format!(
            "\n[[packages]]\nname = \"{name}\"\nversion = \"{version}\"\nmarker = \"{marker}\"\nwheels = [\n"
        ));
        for wheel in wheels {
            text.push_str(&format!(
                "    {{ name = \"{wheel}\", url = \"{}\", hashes = {{ sha256 = \"{}\" }} }},\n",
                index.file_url(wheel),
                sha256(index, wheel)
            ));
        }
        text.push_str("]\n");
    }
    text
}

/// A universal `requirements.txt` of [`ENTRIES`] in uv's layout, with every wheel's hash.
fn requirements_txt(index: &TestIndex) -> String {
    let mut text = String::new();
    for (name, version, marker, wheels) in ENTRIES {
        text.push_str(&format!("{name}=={version} ; {marker}"));
        for wheel in wheels {
            text.push_str(&format!(" \\\n    --hash=sha256:{}", sha256(index, wheel)));
        }
        text.push('\n');
    }
    text
}

fn files_in(dir: &Path) -> Vec<String> {
    let mut names: Vec<String> = std::fs::read_dir(dir)
        .map(|entries| {
            entries
                .map(|entry| {
                    entry
                        .expect("readable entry")
                        .file_name()
                        .to_string_lossy()
                        .into_owned()
                })
                .collect()
        })
        .unwrap_or_default();
    names.sort();
    names
}

#[test]
fn pins_of_a_universal_lock_are_kept_where_their_marker_holds() {
    let index = index(universe);
    let project = Project::new(&index);
    project.write("requirements.in", "lib\n");
    for (output, lock) in [
        ("pylock.toml", pylock(&index)),
        ("requirements.txt", requirements_txt(&index)),
    ] {
        for (python, platform, expected) in [
            ("3.10", "x86_64-manylinux_2_28", "lib==1.0"),
            ("3.12", "x86_64-manylinux_2_28", "lib==2.0"),
            ("3.12", "x86_64-pc-windows-msvc", "lib==2.0"),
        ] {
            project.write(output, &lock);
            let out = project.resolve_for(
                python,
                platform,
                &["requirements.in", "-o", output, "--no-header"],
            );
            out.assert_code(0);
            let written = project.read(output);
            assert!(
                written.contains(&format!("name = \"lib\"\nversion = \"{}\"", &expected[5..]))
                    || written.starts_with(&format!("{expected}\n")),
                "{output} for {python} on {platform}: expected {expected}, got\n{written}"
            );
        }
    }
}

/// Per target: Python, platform, the files `download` must fetch.
const DOWNLOADS: [(&str, &str, &[&str]); 4] = [
    (
        "3.10",
        "x86_64-manylinux_2_28",
        &["lib-1.0-cp310-cp310-manylinux_2_17_x86_64.whl"],
    ),
    (
        "3.12",
        "x86_64-manylinux_2_28",
        &["lib-2.0-cp312-cp312-manylinux_2_17_x86_64.whl"],
    ),
    (
        "3.12",
        "aarch64-apple-darwin",
        &["lib-2.0-cp312-cp312-macosx_11_0_arm64.whl"],
    ),
    (
        "3.12",
        "x86_64-pc-windows-msvc",
        &[
            "colorama-0.4.6-py3-none-any.whl",
            "lib-2.0-cp312-cp312-win_amd64.whl",
        ],
    ),
];

/// `tailwheel download LOCKFILE` for each of [`DOWNLOADS`] fetches exactly its files.
fn assert_downloads(project: &Project, index: &TestIndex, lockfile: &str) {
    for (python, platform, expected) in DOWNLOADS {
        let dest = project.join(&format!("out-{lockfile}-{python}-{platform}"));
        let mut command = project.download_command();
        command.args([lockfile, "-d"]).arg(&dest);
        command.args(["--python-version", python, "--python-platform", platform]);
        command.args(["--index-url", &index.index_url(), "--no-cache"]);
        let out = project.run_command(command);
        out.assert_code(0);
        assert_eq!(
            files_in(&dest),
            expected,
            "{lockfile} for {python} on {platform}\n{}",
            out.stderr
        );
    }
}

#[test]
fn download_picks_the_entry_whose_marker_holds_and_its_best_wheel() {
    let index = index(universe);
    let project = Project::new(&index);
    project.write("pylock.toml", &pylock(&index));
    project.write("requirements.txt", &requirements_txt(&index));
    assert_downloads(&project, &index, "pylock.toml");
    assert_downloads(&project, &index, "requirements.txt");
}

/// [`ENTRIES`] as tailwheel's lock model, with the index's URLs and hashes.
fn lock_model(index: &TestIndex) -> Lock {
    let packages = ENTRIES
        .iter()
        .map(|(name, version, marker, wheels)| {
            let wheels: Vec<LockedFile> = wheels
                .iter()
                .map(|wheel| LockedFile {
                    filename: (*wheel).to_string(),
                    url: index.file_url(wheel).parse().expect("a file URL"),
                    size: None,
                    upload_time: None,
                    sha256: Some(sha256(index, wheel)),
                })
                .collect();
            LockedPackage {
                name: name.parse().expect("a name"),
                version: version.parse().expect("a version"),
                marker: Some(marker.parse().expect("a marker")),
                extras: Vec::new(),
                index: Some(index.index_url().parse().expect("the index URL")),
                requires_python: None,
                dependencies: Vec::new(),
                via: vec![Via::Source("-r requirements.in".to_string())],
                hashes: wheels
                    .iter()
                    .filter_map(|wheel| wheel.sha256.as_ref())
                    .map(|hash| format!("sha256:{hash}"))
                    .collect(),
                wheels,
                sdist: None,
                source: None,
            }
        })
        .collect();
    Lock {
        requires_python: Some(">=3.10".to_string()),
        environments: Vec::new(),
        packages,
    }
}

#[test]
fn universal_locks_written_by_tailwheel_round_trip_through_its_readers() {
    let index = index(universe);
    let project = Project::new(&index);
    let lock = lock_model(&index);
    project.write("pylock.toml", &tw_lock::to_pylock_toml(&lock));
    let options = RequirementsTxtOptions {
        generate_hashes: true,
        ..RequirementsTxtOptions::default()
    };
    project.write(
        "requirements.txt",
        &tw_lock::to_requirements_txt(&lock, &options),
    );
    assert_downloads(&project, &index, "pylock.toml");
    assert_downloads(&project, &index, "requirements.txt");
    // And the pins: each target keeps the version its entry locks.
    project.write("requirements.in", "lib\n");
    for output in ["pylock.toml", "requirements.txt"] {
        for (python, version) in [("3.10", "1.0"), ("3.12", "2.0")] {
            let path = project.join(output);
            let pins = tw_lock::read_locked_pins(&path).expect("the lock reads back");
            assert_eq!(pins.len(), 3, "{output}");
            // A copy, so the universal lock itself is read again by the next target.
            let copy = if output == "pylock.toml" {
                "pylock.copy.toml"
            } else {
                "copy.txt"
            };
            project.write(copy, &project.read(output));
            let out = project.resolve_for(
                python,
                "x86_64-manylinux_2_28",
                &["requirements.in", "-o", copy, "--no-header"],
            );
            out.assert_code(0);
            let resolved = tw_lock::read_pins(&project.join(copy)).expect("written lock");
            assert_eq!(
                resolved,
                [(
                    "lib".parse().expect("a name"),
                    version.parse().expect("a version")
                )],
                "{output} for {python}"
            );
        }
    }
}

#[test]
fn download_refuses_a_lock_where_two_entries_of_one_name_apply() {
    let index = index(universe);
    let project = Project::new(&index);
    // Both markers hold on Windows with Python 3.12.
    let overlapping =
        pylock(&index).replace("python_full_version < '3.11'", "sys_platform == 'win32'");
    project.write("pylock.toml", &overlapping);
    let mut command = project.download_command();
    command.args(["pylock.toml", "-d"]).arg(project.join("out"));
    command.args([
        "--python-version",
        "3.12",
        "--python-platform",
        "x86_64-pc-windows-msvc",
    ]);
    let out = project.run_command(command);
    out.assert_code(2);
    assert!(
        out.stderr.contains(
            "`pylock.toml`: both `lib==1.0` and `lib==2.0` apply to the target environment; their markers must not overlap"
        ),
        "{}",
        out.stderr
    );
    assert!(files_in(&project.join("out")).is_empty());
}
