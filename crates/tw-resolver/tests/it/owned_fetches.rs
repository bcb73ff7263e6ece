//! Issue 13: fetches are owned by the resolution. When `resolve_with` returns, every
//! prefetch has finished or been cancelled: nothing keeps the source, so no request can
//! start afterwards. Deterministic: the source itself makes sure a prefetch is in flight
//! (and never answers) when the solver finishes; no timing is involved.

use std::sync::Arc;
use std::sync::atomic::{AtomicBool, AtomicUsize, Ordering};

use pep508_rs::PackageName;
use tokio::sync::Notify;
use tw_index::{IndexError, IndexFile, ProjectFiles};
use tw_metadata::{DistMetadata, MetadataError};
use tw_resolver::{BoxFuture, InMemorySource, MetadataSource, ResolverOptions};

use crate::common::{manifest, metadata, name, pins, runtime, target};

/// Sets its flag when dropped: the future that owns it was cancelled (or finished).
struct DropFlag(Arc<AtomicBool>);

impl Drop for DropFlag {
    fn drop(&mut self) {
        self.0.store(true, Ordering::SeqCst);
    }
}

/// An in-memory source whose `ghost` page never answers, and whose metadata of `lib`
/// 1.0.0 (the solver's choice) is held back until `ghost` has been asked for, so a
/// prefetch is surely in flight when the solver finishes.
#[derive(Debug)]
struct Gated {
    inner: InMemorySource,
    ghost: PackageName,
    ghost_asked: Notify,
    ghost_dropped: Arc<AtomicBool>,
    ghost_was_asked: AtomicBool,
    calls: AtomicUsize,
}

impl MetadataSource for Gated {
    fn project<'a>(
        &'a self,
        name: &'a PackageName,
    ) -> BoxFuture<'a, Result<ProjectFiles, IndexError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        if *name == self.ghost {
            let flag = DropFlag(Arc::clone(&self.ghost_dropped));
            self.ghost_asked.notify_one();
            return Box::pin(async move {
                let _flag = flag;
                std::future::pending().await
            });
        }
        self.inner.project(name)
    }

    fn metadata<'a>(
        &'a self,
        file: &'a IndexFile,
    ) -> BoxFuture<'a, Result<DistMetadata, MetadataError>> {
        self.calls.fetch_add(1, Ordering::SeqCst);
        Box::pin(async move {
            if file.filename.starts_with("lib-1.0.0") {
                // Only a guard against a hang should prefetching ever stop walking on
                // (`ghost_was_asked` fails the test then); normally this ends at once.
                let asked = tokio::time::timeout(
                    std::time::Duration::from_mins(1),
                    self.ghost_asked.notified(),
                )
                .await;
                self.ghost_was_asked.store(asked.is_ok(), Ordering::SeqCst);
            }
            self.inner.metadata(file).await
        })
    }
}

#[test]
fn no_fetch_outlives_the_resolution() {
    // `app` needs `lib`; the prefetch guesses `lib` 2.0.0 (the newest) and walks on to its
    // dependency `ghost`, but the solver keeps the preferred `lib` 1.0.0.
    let mut inner = InMemorySource::new();
    inner
        .add(metadata("app", "1.0.0", &["lib".into()], &[]))
        .unwrap();
    inner.add(metadata("lib", "1.0.0", &[], &[])).unwrap();
    inner
        .add(metadata("lib", "2.0.0", &["ghost".into()], &[]))
        .unwrap();
    let ghost_dropped = Arc::new(AtomicBool::new(false));
    let source = Arc::new(Gated {
        inner,
        ghost: name("ghost"),
        ghost_asked: Notify::new(),
        ghost_dropped: Arc::clone(&ghost_dropped),
        ghost_was_asked: AtomicBool::new(false),
        calls: AtomicUsize::new(0),
    });
    let options = ResolverOptions {
        preferences: vec![(name("lib"), "1.0.0".parse().unwrap())],
        concurrency: 4,
        ..ResolverOptions::default()
    };
    let runtime = runtime();
    let resolution = runtime
        .block_on(tw_resolver::resolve_with(
            manifest(&["app".into()]),
            Arc::clone(&source) as Arc<dyn MetadataSource>,
            target(),
            options,
        ))
        .unwrap();
    assert_eq!(pins(&resolution), ["app==1.0.0", "lib==1.0.0"]);
    assert!(source.ghost_was_asked.load(Ordering::SeqCst));
    // The `ghost` fetch was in flight; it has been cancelled, not left running ...
    assert!(
        ghost_dropped.load(Ordering::SeqCst),
        "the prefetch of `ghost` is still running after resolve returned"
    );
    // ... and no task holds the source any more, so the call count cannot grow.
    assert_eq!(
        Arc::strong_count(&source),
        1,
        "a task still holds the source after resolve returned ({} calls so far)",
        source.calls.load(Ordering::SeqCst)
    );
}
