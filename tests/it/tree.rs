//! Issue 18 item 8: `tailwheel tree` and `tailwheel why`, read from the lock alone.

use crate::common::{Project, index};

/// `app` needs `mid` and `lib`, `mid` needs `lib`; the input asks for `app` and `lib`.
fn locked() -> (tw_test_index::TestIndex, Project) {
    let index = index(|universe| {
        universe
            .version("app", "1.0.0")
            .requires("mid")
            .requires("lib");
        universe.version("mid", "1.0.0").requires("lib");
        universe.version("lib", "1.0.0");
        universe.version("other", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "app\nlib\nother\n");
    project
        .resolve(&[
            "requirements.in",
            "-o",
            "requirements.txt",
            "--generate-hashes",
        ])
        .success();
    project
        .resolve(&["requirements.in", "-o", "pylock.toml"])
        .success();
    (index, project)
}

/// `tailwheel <args>` in the project directory, with no index configured at all.
fn run(project: &Project, args: &[&str]) -> crate::common::Output {
    let mut command = assert_cmd::Command::from_std(crate::hermetic::tailwheel(project.path()));
    command.args(args);
    project.run_command(command)
}

#[test]
fn tree_of_a_requirements_txt() {
    let (index, project) = locked();
    let before = index.request_count();
    let out = run(&project, &["tree", "requirements.txt"]);
    insta::assert_snapshot!(out.success(), @r"
    app==1.0.0
    ├── lib==1.0.0
    └── mid==1.0.0
        └── lib==1.0.0
    lib==1.0.0
    other==1.0.0
    ");
    // Read from the lock alone.
    assert_eq!(index.request_count(), before);
    // The same with `# via` on the pin's line.
    project
        .resolve(&[
            "requirements.in",
            "-o",
            "line.txt",
            "--annotation-style",
            "line",
        ])
        .success();
    let line = run(&project, &["tree", "line.txt"]);
    assert_eq!(line.success(), out.stdout);
}

#[test]
fn tree_of_a_pylock_and_the_default_lock() {
    let (_index, project) = locked();
    let text = project.read("pylock.toml");
    assert!(text.contains("dependencies = ["), "{text}");
    let out = run(&project, &["tree", "pylock.toml"]);
    // pylock.toml records no roots: the roots are the packages nothing else needs.
    insta::assert_snapshot!(out.success(), @r"
    app==1.0.0
    ├── lib==1.0.0
    └── mid==1.0.0
        └── lib==1.0.0
    other==1.0.0
    ");
    // Without LOCK: `pylock.toml` in the current directory.
    assert_eq!(run(&project, &["tree"]).success(), out.stdout);
}

#[test]
fn why_lists_every_path_from_a_root() {
    let (_index, project) = locked();
    let out = run(&project, &["why", "LIB", "requirements.txt"]);
    insta::assert_snapshot!(out.success(), @r"
    -r requirements.in -> app==1.0.0 -> lib==1.0.0
    -r requirements.in -> app==1.0.0 -> mid==1.0.0 -> lib==1.0.0
    -r requirements.in -> lib==1.0.0
    ");
    let out = run(&project, &["why", "lib", "pylock.toml"]);
    insta::assert_snapshot!(out.success(), @r"
    app==1.0.0 -> lib==1.0.0
    app==1.0.0 -> mid==1.0.0 -> lib==1.0.0
    ");
    let out = run(&project, &["why", "missing", "pylock.toml"]);
    out.assert_code(2);
    insta::assert_snapshot!(out.stderr, @"error: `missing` is not in `pylock.toml`");
    let out = run(&project, &["why", "lib", "nothing.txt"]);
    out.assert_code(2);
}

/// Issue 17 item 4: a universal lock where `a` needs `b` 1 on Linux (which needs `c`) and
/// `b` 2 elsewhere, written as requirements.txt and pylock.toml.
fn locked_universal() -> (tw_test_index::TestIndex, Project) {
    let index = index(|universe| {
        universe
            .version("a", "1.0.0")
            .requires("b==1 ; sys_platform == 'linux'")
            .requires("b==2 ; sys_platform != 'linux'");
        universe.version("b", "1.0.0").requires("c");
        universe.version("b", "2.0.0");
        universe.version("c", "1.0.0");
    });
    let project = Project::new(&index);
    project.write("requirements.in", "a\n");
    for output in ["requirements.txt", "pylock.toml"] {
        let mut command = project.bare_command();
        command.args([
            "requirements.in",
            "--universal",
            "--python-version",
            "3.12",
            "--index-url",
            &index.index_url(),
            "-o",
            output,
        ]);
        project.run_command(command).success();
    }
    (index, project)
}

#[test]
fn tree_and_why_of_a_universal_lock_show_every_entry_of_a_name() {
    let (_index, project) = locked_universal();
    for lock in ["requirements.txt", "pylock.toml"] {
        // Each entry of `b` with its marker, and below each what that entry needs; `c` has
        // one entry, so no marker.
        let out = run(&project, &["tree", lock]);
        assert_eq!(
            out.success(),
            "a==1.0.0\n\
             ├── b==1.0.0 ; sys_platform == 'linux'\n\
             │   └── c==1.0.0\n\
             └── b==2.0.0 ; sys_platform != 'linux'\n",
            "{lock}"
        );
        let input = if lock == "pylock.toml" {
            ""
        } else {
            "-r requirements.in -> "
        };
        let out = run(&project, &["why", "b", lock]);
        assert_eq!(
            out.success(),
            format!(
                "{input}a==1.0.0 -> b==1.0.0 ; sys_platform == 'linux'\n\
                 {input}a==1.0.0 -> b==2.0.0 ; sys_platform != 'linux'\n"
            ),
            "{lock}"
        );
        let out = run(&project, &["why", "c", lock]);
        assert_eq!(
            out.success(),
            format!("{input}a==1.0.0 -> b==1.0.0 ; sys_platform == 'linux' -> c==1.0.0\n"),
            "{lock}"
        );
    }
}
