#![allow(clippy::print_stdout, clippy::print_stderr, missing_docs, dead_code)]
use crate::common::*;

fn show(label: &str, out: &Output) {
    println!(
        "===== {label}: code {}\n--- stdout\n{}\n--- stderr\n{}\n",
        out.code, out.stdout, out.stderr
    );
}

#[test]
fn explore() {
    let index = index(|u| {
        u.version("requests", "2.31.0")
            .requires("urllib3>=1.21.1,<3")
            .requires("idna>=2.5");
        u.version("urllib3", "1.20").requires_python(">=3.7");
        u.version("urllib3", "2.0.0");
        u.version("idna", "3.4");
        u.version("a", "1.0").extra("x", &["idna"]);
    });
    let p = Project::new(&index);
    show("basic", &p.resolve_in("requests\n", &[]));
    show(
        "hashes",
        &p.resolve_in("requests\n", &["--generate-hashes", "--no-header"]),
    );
    show(
        "pylock",
        &p.resolve_in("requests\na[x]\n", &["--format", "pylock"]),
    );
    show(
        "nosol",
        &p.resolve_in("requests==2.31.0\nurllib3<1.21\n", &[]),
    );
    show("invalid", &p.resolve_in("requests\nflask >$ 2\n", &[]));
    show("unknown opt", &p.resolve_in("--foo bar\n", &[]));
    show("editable", &p.resolve_in("-e .\n", &[]));
    show("local", &p.resolve_in("./pkg\n", &[]));
    show("missing -r", &p.resolve_in("-r nope.txt\n", &[]));
    show(
        "bad platform",
        &p.resolve_in("requests\n", &["--python-platform", "amiga"]),
    );
    show(
        "bad exclude",
        &p.resolve_in("requests\n", &["--exclude-newer", "yesterday"]),
    );
    p.write("pyproject.toml", "[project]\nname = \"me\"\nversion = \"1\"\ndependencies = [\"idna\"]\n[project.optional-dependencies]\nweb = [\"requests\"]\n");
    show(
        "pyproject extra",
        &p.resolve(&["pyproject.toml", "--extra", "nope"]),
    );
    show(
        "pyproject extra ok",
        &p.resolve(&["pyproject.toml", "--extra", "web"]),
    );
    show("missing pkg", &p.resolve_in("nothere\n", &[]));
}
