#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs, dead_code)]
use crate::common::*;
use tw_test_index::{IndexOptions, PageFormat, Pep658};

fn show(label: &str, out: &Output) {
    println!(
        "===== {label}: code {}\n--- stdout\n{}\n--- stderr\n{}\n",
        out.code, out.stdout, out.stderr
    );
}

#[test]
fn explore5() {
    let idx = index(|u| {
        u.version("a", "1.0");
        u.version("a", "2.0");
        u.version("b", "1.0")
            .extra("x", &["a<2; python_version >= '3.12'"])
            .extra("y", &["w"]);
        u.version("w", "1.0")
            .wheel_tags(&["cp312-cp312-win_amd64"])
            .no_sdist();
        u.version("n", "1.0").requires("b[y]");
        u.version("t", "1.0").upload_time("2025-01-01T00:00:00Z");
        u.version("t", "1.1").upload_time("2025-01-01T12:00:00Z");
        u.version("m", "1.0").wheel_tags(&[
            "cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64",
            "cp312-cp312-win_amd64",
            "cp312-cp312-macosx_11_0_arm64",
            "cp311-cp311-manylinux_2_17_x86_64",
        ]);
    });
    let p = Project::new(&idx);
    show(
        "crlf",
        &p.resolve_in("a \\\r\n  <2 # c\r\n", &["--no-header"]),
    );
    show("bom", &p.resolve_in("\u{feff}a<2\n", &["--no-header"]));
    p.write("c1.txt", "-r c2.txt\n");
    p.write("c2.txt", "-r c1.txt\n");
    show("cycle", &p.resolve(&["c1.txt"]));
    show("pip-compile input", &p.resolve_in("a==1.0 \\\n    --hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa \\\n    --hash=sha256:bbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbbb\n    # via -r requirements.in\n", &["--no-header"]));
    show(
        "exclude instant",
        &p.resolve_in(
            "t\n",
            &["--no-header", "--exclude-newer", "2025-01-01T06:00:00Z"],
        ),
    );
    show(
        "exclude date same day",
        &p.resolve_in("t\n", &["--no-header", "--exclude-newer", "2025-01-01"]),
    );
    show("extra marker", &p.resolve_in("b[x]\n", &["--no-header"]));
    show(
        "extra marker 3.11",
        &p.resolve_for("3.11", "linux", &["requirements.in", "--no-header"]),
    );
    show(
        "transitive extra windows",
        &p.resolve_for("3.12", "windows", &["requirements.in", "--no-header"])
            .tap(&p, "n\n"),
    );
    show(
        "transitive extra linux",
        &p.resolve_in("n\n", &["--no-header"]),
    );
    show(
        "multi wheel hashes",
        &p.resolve_in("m\n", &["--no-header", "--generate-hashes"]),
    );
    show(
        "multi wheel pylock",
        &p.resolve_in("m\n", &["--format", "pylock"]),
    );
    show(
        "m on 3.11",
        &p.resolve_for("3.11", "linux", &["requirements.in", "--no-header"]),
    );
    std::fs::create_dir_all(p.join("sub/wheels")).unwrap();
    let other = index(|u| {
        u.version("local", "1.0").requires("a");
    });
    other.write_files_to(&p.join("sub/wheels")).unwrap();
    p.write("sub/req.in", "-f wheels\nlocal\n");
    show(
        "fl relative in file",
        &p.resolve(&["sub/req.in", "--no-header"]),
    );
    show(
        "fl url with index",
        &p.resolve_in("local\n", &["--no-header", "-f", &other.find_links_url()]),
    );
    p.write("pylock.toml", "");
    show("pylock 1", &p.resolve_in("a\n", &["-o", "pylock.toml"]));
    let lock = p.read("pylock.toml").replace("2.0", "1.0");
    p.write("pylock.toml", &lock);
    show("pylock pin", &p.resolve_in("a\n", &["-o", "pylock.toml"]));
    println!("{}", p.read("pylock.toml"));
    show(
        "pylock pin -P",
        &p.resolve_in("a\n", &["-o", "pylock.toml", "-P", "A"]),
    );
    println!("{}", p.read("pylock.toml"));
    p.write("out.txt", "a==1.0\n");
    show(
        "pin disallowed",
        &p.resolve_in("a>=2\n", &["-o", "out.txt"]),
    );
    println!("{}", p.read("out.txt"));
    p.write("out.txt", "keep");
    let failing = index_with(
        IndexOptions {
            fail_package: Some("a".into()),
            ..IndexOptions::default()
        },
        |u| {
            u.version("a", "1.0");
        },
    );
    let q = Project::new(&failing);
    q.write("out.txt", "keep");
    show("500 out", &q.resolve_in("a\n", &["-o", "out.txt"]));
    println!("{:?}", q.read("out.txt"));
    println!(
        "{:?}",
        failing
            .requests()
            .iter()
            .map(|r| (r.path.clone(), r.status))
            .collect::<Vec<_>>()
    );
}

trait Tap {
    fn tap(self, p: &Project, s: &str) -> Self;
}
impl<T> Tap for T {
    fn tap(self, _p: &Project, _s: &str) -> Self {
        self
    }
}
