//! Direct references (issue 16): a package fixed by one, and a direct reference nobody named.

use std::sync::Arc;

use tw_resolver::{
    DirectPackage, DirectPackages, DirectSource, InMemorySource, ResolveError, ResolverOptions,
};

use crate::common::{manifest, metadata, name, pins, runtime, target};

/// `app` 1.0.0 fixed to a local directory, needing `lib<2`.
fn local_app(requires: &[String]) -> DirectPackages {
    let mut direct = DirectPackages::new();
    direct.insert(
        name("app"),
        DirectPackage {
            version: "1.0.0".parse().expect("a valid version"),
            metadata: Arc::new(metadata("app", "1.0.0", requires, &[])),
            source: DirectSource::Directory {
                path: "/work/app".into(),
                editable: false,
            },
            origin: "requirements.in:1:1".into(),
        },
    );
    direct
}

fn source() -> InMemorySource {
    let mut source = InMemorySource::new();
    for (package, version, requires) in [
        ("app", "9.0.0", vec![]),
        ("lib", "1.0.0", vec![]),
        ("lib", "2.0.0", vec![]),
        (
            "wrapper",
            "1.0.0",
            vec!["inner @ https://files.example.invalid/inner-1.0-py3-none-any.whl".to_string()],
        ),
    ] {
        source
            .add(metadata(package, version, &requires, &[]))
            .expect("valid wheel names");
    }
    source
}

#[test]
fn a_direct_reference_fixes_its_package() {
    let mut first = manifest(&["app".into()]);
    first.direct = local_app(&["lib<2".into()]);
    let resolution = runtime()
        .block_on(tw_resolver::resolve_with(
            first,
            Arc::new(source()),
            target(),
            ResolverOptions::default(),
        ))
        .unwrap();
    assert_eq!(pins(&resolution), ["app==1.0.0", "lib==1.0.0"]);
    assert!(matches!(
        resolution.packages[0].direct,
        Some(DirectSource::Directory { .. })
    ));
    assert!(resolution.packages[1].direct.is_none());
    // A requirement the fixed version does not meet is a conflict, not the index's 9.0.0.
    let mut second = manifest(&["app".into(), "app>=2".into()]);
    second.direct = local_app(&[]);
    let error = runtime()
        .block_on(tw_resolver::resolve_with(
            second,
            Arc::new(source()),
            target(),
            ResolverOptions::default(),
        ))
        .unwrap_err();
    assert!(error.is_no_solution(), "{error}");
}

#[test]
fn a_direct_reference_the_user_did_not_name_stops_the_resolution() {
    let error = runtime()
        .block_on(tw_resolver::resolve_with(
            manifest(&["wrapper".into()]),
            Arc::new(source()),
            target(),
            ResolverOptions::default(),
        ))
        .unwrap_err();
    assert!(
        matches!(&error, ResolveError::UndeclaredDirectReference { package, .. } if package.as_ref() == "wrapper"),
        "{error}"
    );
    assert!(error.is_input());
}
