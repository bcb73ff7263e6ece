//! Issue 15: speculation never changes the answer, and the resolution reports what it
//! decided. A walk-back (the newest eight versions of `app` conflict with a pin that `base`
//! brings in; a pin of the root's own would rule them out before any decision) resolves to
//! the same pins with walk-back batches on and off and with any speculation limits; the
//! decision counts are PubGrub's own, so they are the same every run.

use std::sync::Arc;

use tw_resolver::{InMemorySource, MetadataSource, ResolverOptions, SpeculationOptions};

use crate::common::{manifest, metadata, pins, runtime, target};

/// `app` 1 to 10; from 3 on it needs `pin>=2`, which `base`'s `pin==1` rules out.
fn walking_back() -> InMemorySource {
    let mut source = InMemorySource::new();
    source
        .add(metadata("base", "1.0", &["pin==1.0".to_string()], &[]))
        .expect("valid wheel names");
    for major in 1..=10 {
        let requires = if major >= 3 {
            vec!["pin>=2".to_string()]
        } else {
            Vec::new()
        };
        source
            .add(metadata("app", &format!("{major}.0"), &requires, &[]))
            .expect("valid wheel names");
    }
    for major in 1..=3 {
        source
            .add(metadata("pin", &format!("{major}.0"), &[], &[]))
            .expect("valid wheel names");
    }
    source
}

#[test]
fn a_walk_back_gives_the_same_pins_with_any_speculation() {
    let runtime = runtime();
    let off = SpeculationOptions {
        depth: 0,
        in_flight: 1,
        batch: 0,
        batch_after: 2,
    };
    let wide = SpeculationOptions {
        depth: 8,
        in_flight: 64,
        batch: 64,
        batch_after: 1,
    };
    for speculation in [SpeculationOptions::default(), off, wide] {
        for concurrency in [1, 2, 50] {
            let options = ResolverOptions {
                concurrency,
                speculation,
                ..ResolverOptions::default()
            };
            let resolution = runtime
                .block_on(tw_resolver::resolve_with(
                    manifest(&["app".into(), "base".into()]),
                    Arc::new(walking_back()) as Arc<dyn MetadataSource>,
                    target(),
                    options,
                ))
                .unwrap();
            assert_eq!(
                pins(&resolution),
                ["app==2.0", "base==1.0", "pin==1.0"],
                "{speculation:?}"
            );
            let stats = resolution.stats;
            // `app` from 10 down (with `base` and `pin` between), until the first attempt
            // restarts with `app` decided early and the second walks down to 2: PubGrub's
            // own count, whatever was fetched ahead.
            assert_eq!(
                (stats.decisions, stats.repeated_decisions, stats.restarts),
                (20, 14, 1),
                "{speculation:?} at concurrency {concurrency}: {stats:?}"
            );
            assert_eq!(
                stats.speculative_used + stats.speculative_unused(),
                stats.speculative_fetches
            );
            if speculation == off {
                assert_eq!(stats.batch_fetches, 0, "{stats:?}");
            }
        }
    }
}
