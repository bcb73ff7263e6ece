//! Issue 18 item 11: conflict reports as short as uv's: version sets as the simplest
//! specifiers over the versions the index has, no internal ids at `-v`.

use crate::common::{Project, index};

#[test]
fn version_sets_read_as_the_simplest_specifiers() {
    let index = index(|universe| {
        universe.version("lib", "2.0.0");
        for version in ["3.0.0", "3.0.1", "3.0.3"] {
            universe.version("lib", version).requires("dep==1.0.0");
        }
        universe.version("lib", "3.1.0").requires("dep==3.0.0");
        universe.version("dep", "1.0.0");
        universe.version("dep", "2.0.0");
        universe.version("dep", "3.0.0");
    });
    let project = Project::new(&index);
    let out = project.resolve_in("lib>=3\ndep==2.0.0\n", &[]);
    out.assert_code(1);
    insta::assert_snapshot!(out.stderr, @r"
    error: no solution found:
    Because lib>=3.0.0, <=3.0.3 depends on dep==1.0.0 and lib==3.1.0 depends on dep==3.0.0, we can conclude that lib>=3.0.0 depends on dep==1.0.0 | ==3.0.0.
    And because you require lib>=3 and you require dep==2.0.0, we can conclude that your requirements are unsatisfiable.
    ");
    let out = project.resolve_in("lib>=3\ndep==2.0.0\n", &["-v"]);
    out.assert_code(1);
    assert!(!out.raw_stderr.contains("Id::<"), "{}", out.raw_stderr);
}
