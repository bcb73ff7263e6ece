//! Issue 15, item 4: fewer decisions. A version whose own metadata rules it out against
//! the root's requirements (a dependency range disjoint from what the root requires of the
//! same package) or against the target (`Requires-Python` in the metadata only) cannot be
//! in any solution; the resolver passes over it instead of deciding on it, and the pins
//! stay the ones deciding on it would have found.

use std::str::FromStr;
use std::sync::Arc;

use tw_metadata::DistMetadata;
use tw_resolver::{InMemorySource, MetadataSource, ResolverOptions};

use crate::common::{manifest, pins, runtime, target};

/// Core metadata with `Requires-Dist` lines and an optional `Requires-Python`.
fn metadata(name: &str, version: &str, requires: &[&str], python: Option<&str>) -> DistMetadata {
    let mut text = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    if let Some(python) = python {
        text.push_str(&format!("Requires-Python: {python}\n"));
    }
    for requirement in requires {
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    DistMetadata::parse(text.as_bytes(), name).expect("tests write valid metadata")
}

/// Sentry's shape in small: the root caps `sql<=1.0` (its `sqlparse<=0.3.0`), and `web`
/// (its `django`) needs `sql>=2` from 11.0 on; `forms` (its `django-crispy-forms`) needs
/// `web>=9` from 4.0 on; `tool` 4.0 to 6.0 require a newer Python than the target (3.12)
/// in their metadata only (the listing says nothing, as old indexes do); `fw` 1.0 caps
/// `sql<=1.0` (a pinned framework that brings the cap in); `plug` (its `djangorestframework`)
/// needs `web>=11` from 3.0 on, only versions of `web` that the cap rules out.
fn capped() -> InMemorySource {
    let mut source = InMemorySource::new();
    for major in 1..=20 {
        let requires: &[&str] = if major >= 11 { &["sql>=2"] } else { &["sql"] };
        source
            .add(metadata("web", &format!("{major}.0"), requires, None))
            .expect("valid wheel names");
    }
    for major in 1..=3 {
        source
            .add(metadata("sql", &format!("{major}.0"), &[], None))
            .expect("valid wheel names");
    }
    for major in 1..=10 {
        let requires: &[&str] = if major >= 4 { &["web>=9"] } else { &[] };
        source
            .add(metadata("forms", &format!("{major}.0"), requires, None))
            .expect("valid wheel names");
    }
    for major in 1..=5 {
        let requires: &[&str] = if major >= 3 { &["web>=11"] } else { &["web"] };
        source
            .add(metadata("plug", &format!("{major}.0"), requires, None))
            .expect("valid wheel names");
    }
    for (version, requires) in [("1.0", "sql<=1.0"), ("2.0", "sql")] {
        source
            .add(metadata("fw", version, &[requires], None))
            .expect("valid wheel names");
    }
    for major in 1..=6 {
        let python = (major >= 4).then_some(">=3.13");
        source
            .add(metadata("tool", &format!("{major}.0"), &[], python))
            .expect("valid wheel names");
    }
    source
}

/// Asserts the resolution's (decisions, decisions repeated, restarts).
fn assert_decisions(resolution: &tw_resolver::Resolution, expected: (u64, u64, u64)) {
    let stats = &resolution.stats;
    assert_eq!(
        (stats.decisions, stats.repeated_decisions, stats.restarts),
        expected,
        "{stats:?}"
    );
}

fn resolve(requirements: &[&str]) -> tw_resolver::Resolution {
    let requirements: Vec<String> = requirements.iter().map(ToString::to_string).collect();
    runtime()
        .block_on(tw_resolver::resolve_with(
            manifest(&requirements),
            Arc::new(capped()) as Arc<dyn MetadataSource>,
            target(),
            ResolverOptions::default(),
        ))
        .expect("the universe has a solution")
}

#[test]
fn versions_the_root_or_the_target_rules_out_are_not_decided() {
    let resolution = resolve(&["web", "sql<=1.0", "forms", "tool"]);
    assert_eq!(
        pins(&resolution),
        ["forms==10.0", "sql==1.0", "tool==3.0", "web==10.0"]
    );
    // One decision per package: `web` 20.0 to 11.0 need `sql>=2` against the root's
    // `sql<=1.0`, `tool` 6.0 to 4.0 need Python 3.13; none of them is decided on.
    assert_decisions(&resolution, (4, 0, 0));
}

#[test]
fn versions_disjoint_from_a_root_pin_are_not_decided() {
    // The root pins `web==5.0`: `forms` 10.0 to 4.0 need `web>=9`, disjoint from the pin,
    // and are passed over; `web` is decided at the pin, so nothing is walked back.
    let resolution = resolve(&["web==5.0", "sql<=1.0", "forms"]);
    assert_eq!(pins(&resolution), ["forms==3.0", "sql==1.0", "web==5.0"]);
    assert_decisions(&resolution, (3, 0, 0));
}

#[test]
fn what_a_root_pin_requires_rules_versions_out_too() {
    // The root pins `fw==1.0`, so every solution has its `sql<=1.0`: `web` 20.0 to 11.0
    // need `sql>=2` and are passed over, as if the root had required `sql<=1.0` itself.
    let resolution = resolve(&["web", "fw==1.0"]);
    assert_eq!(pins(&resolution), ["fw==1.0", "sql==1.0", "web==10.0"]);
    assert_decisions(&resolution, (3, 0, 0));
}

#[test]
fn a_version_needing_only_ruled_out_versions_of_a_required_package_is_not_decided() {
    // `plug` comes first; 5.0 to 3.0 need `web>=11`, and every such `web` needs `sql>=2`
    // against the root's `sql<=1.0`: no solution has them, so `plug` is decided at 2.0.
    let resolution = resolve(&["plug", "web", "sql<=1.0"]);
    assert_eq!(pins(&resolution), ["plug==2.0", "sql==1.0", "web==10.0"]);
    assert_decisions(&resolution, (3, 0, 0));
}

#[test]
fn a_constraint_rules_versions_out_like_a_requirement() {
    // `sql` is not required by the root, only constrained: `web` 20.0 to 11.0 need
    // `sql>=2`, which the constraint `sql<=1.0` empties.
    let mut manifest = manifest(&["web".to_string()]);
    manifest
        .constraints
        .push(pep508_rs::Requirement::from_str("sql<=1.0").expect("a valid requirement"));
    let resolution = runtime()
        .block_on(tw_resolver::resolve_with(
            manifest,
            Arc::new(capped()) as Arc<dyn MetadataSource>,
            target(),
            ResolverOptions::default(),
        ))
        .expect("the universe has a solution");
    assert_eq!(pins(&resolution), ["sql==1.0", "web==10.0"]);
    assert_decisions(&resolution, (2, 0, 0));
}

#[test]
fn when_every_version_is_ruled_out_the_report_still_names_the_cause() {
    // `web>=11` with `sql<=1.0`: every candidate is passed over, so one is still handed to
    // PubGrub and the report says why it fails, not "no versions".
    let requirements: Vec<String> = ["web>=11", "sql<=1.0"]
        .iter()
        .map(ToString::to_string)
        .collect();
    let error = runtime()
        .block_on(tw_resolver::resolve_with(
            manifest(&requirements),
            Arc::new(capped()) as Arc<dyn MetadataSource>,
            target(),
            ResolverOptions::default(),
        ))
        .expect_err("no version of web>=11 works with sql<=1.0");
    let report = error.to_string();
    assert!(report.contains("sql"), "{report}");
}

/// `aws-pandas` in small: `bo` (its `boto3`) 1 to 40 and `aio` (its `aiobotocore`) 1 to 10
/// each need a narrow range of `core` (its `botocore`): `bo` N needs `core==N`, `aio` N
/// needs `core>=2N-1,<=2N`, so the newest pair is `aio` 10 with `bo` 20.
fn coupled() -> InMemorySource {
    let mut source = InMemorySource::new();
    for n in 1..=40 {
        let requires = format!("core=={n}.0");
        source
            .add(metadata(
                "bo",
                &format!("{n}.0"),
                &[requires.as_str()],
                None,
            ))
            .expect("valid wheel names");
        source
            .add(metadata("core", &format!("{n}.0"), &[], None))
            .expect("valid wheel names");
    }
    for n in 1..=10 {
        let requires = format!("core>={}.0,<={}.0", 2 * n - 1, 2 * n);
        source
            .add(metadata(
                "aio",
                &format!("{n}.0"),
                &[requires.as_str()],
                None,
            ))
            .expect("valid wheel names");
    }
    source
}

#[test]
fn packages_decided_early_keep_the_order_they_were_found_in() {
    // Attempt 1 decides `bo` at 40 and walks `aio` down: restart with `aio` early. Attempt 2
    // decides `aio` at 10 and walks `bo` down: restart with `bo` early too. Attempt 3 must
    // keep `aio` first (it was found first): deciding `bo` first again would walk `aio`
    // through every version before `bo` gives way (45 decisions before this rule).
    let requirements: Vec<String> = ["bo", "aio"].iter().map(ToString::to_string).collect();
    let resolution = runtime()
        .block_on(tw_resolver::resolve_with(
            manifest(&requirements),
            Arc::new(coupled()) as Arc<dyn MetadataSource>,
            target(),
            ResolverOptions::default(),
        ))
        .expect("the universe has a solution");
    assert_eq!(pins(&resolution), ["aio==10.0", "bo==20.0", "core==20.0"]);
    assert_decisions(&resolution, (35, 28, 2));
}

#[test]
fn a_pre_release_left_in_range_keeps_a_version_viable() {
    // Every stable `web>=11` is ruled out by `sql<=1.0`, but `edge` narrows `web` to
    // `>=21.0rc1`, where only the pre-release 21.0rc1 is left (it needs no new `sql`), and
    // PEP 440 then allows it: `plug` 5.0 (`web>=11`) is viable and must not be passed over.
    let mut source = capped();
    source
        .add(metadata("web", "21.0rc1", &["sql"], None))
        .expect("valid wheel names");
    source
        .add(metadata("edge", "1.0", &["web>=21.0rc1"], None))
        .expect("valid wheel names");
    let requirements: Vec<String> = ["plug", "web", "sql<=1.0", "edge"]
        .iter()
        .map(ToString::to_string)
        .collect();
    let resolution = runtime()
        .block_on(tw_resolver::resolve_with(
            manifest(&requirements),
            Arc::new(source) as Arc<dyn MetadataSource>,
            target(),
            ResolverOptions::default(),
        ))
        .expect("the universe has a solution");
    assert_eq!(
        pins(&resolution),
        ["edge==1.0", "plug==5.0", "sql==1.0", "web==21.0rc1"]
    );
}

#[test]
fn versions_the_listing_rules_out_do_not_widen_the_read_ahead() {
    // `lib` 5.0 to 9.0 need Python 3.13 and the listing says so: they are skipped without a
    // read. 4.0 is the first candidate judged, so nothing after it is read ahead (a web
    // app's `django` read 8 older 5.2 releases this way, behind the 6.0 line).
    let mut inner = InMemorySource::new();
    for major in 1..=9 {
        let python = (major >= 5).then_some(">=3.13");
        inner
            .add(metadata("lib", &format!("{major}.0"), &[], python))
            .expect("valid wheel names");
    }
    let source = Arc::new(crate::common::Counting::new(inner));
    let options = ResolverOptions {
        speculation: tw_resolver::SpeculationOptions {
            depth: 0,
            in_flight: 1,
            batch: 0,
            batch_after: 2,
        },
        ..ResolverOptions::default()
    };
    let resolution = runtime()
        .block_on(tw_resolver::resolve_with(
            manifest(&["lib".to_string()]),
            Arc::clone(&source) as Arc<dyn MetadataSource>,
            target(),
            options,
        ))
        .expect("the universe has a solution");
    assert_eq!(pins(&resolution), ["lib==4.0"]);
    let mut read = source.reads();
    read.sort();
    read.dedup();
    assert_eq!(read, ["lib-4.0-py3-none-any.whl"]);
}
