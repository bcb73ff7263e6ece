#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs, dead_code)]
use crate::common::*;
use tw_test_index::{IndexOptions, Pep658, PageFormat};

fn show(label: &str, out: &Output) {
    println!("===== {label}: code {}\n--- stdout\n{}\n--- stderr\n{}\n", out.code, out.stdout, out.stderr);
}

#[test]
fn explore6() {
    let idx = index(|u| {
        u.version("a", "1.0");
        u.version("a", "2.0");
        u.version("s", "1.0").no_wheel().requires("a<2");
        u.version("mv", "1.0");
        u.version("mv", "2.0").metadata_version_field("3.0");
    });
    let p = Project::new(&idx);
    show("pylock 1", &p.resolve_in("a\n", &["-o", "pylock.toml"]));
    let lock = p.read("pylock.toml").replace("2.0", "1.0");
    p.write("pylock.toml", &lock);
    show("pylock pin", &p.resolve_in("a\n", &["-o", "pylock.toml"]));
    println!("{}", p.read("pylock.toml"));
    show("pylock pin -P", &p.resolve_in("a\n", &["-o", "pylock.toml", "-P", "A"]));
    println!("{}", p.read("pylock.toml"));
    show("mv", &p.resolve_in("mv\n", &["--no-header"]));
    show("sdist", &p.resolve_in("s\n", &["--no-header"]));
    for r in idx.requests() { println!("{} {} {:?} {}", r.method, r.path, r.range, r.status); }
    let off = index_with(IndexOptions { pep658: Pep658::Unadvertised, ..IndexOptions::default() }, |u| { u.version("a", "1.0"); });
    let q = Project::new(&off);
    show("unadvertised", &q.resolve_in("a\n", &["--no-header"]));
    for r in off.requests() { println!("{} {} {:?} {}", r.method, r.path, r.range, r.status); }
}
