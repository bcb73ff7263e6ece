//! Shared helpers: a target, metadata from a few fields, a runtime.

use std::str::FromStr;

use pep508_rs::{PackageName, Requirement};
use tw_metadata::DistMetadata;
use tw_resolver::{Manifest, RootRequirement};

/// CPython 3.12 on manylinux `x86_64`.
pub(crate) fn target() -> tw_platform::Target {
    tw_platform::target_from_platform(
        &"3.12".parse().expect("a valid Python version"),
        &"x86_64-manylinux_2_28".parse().expect("a known platform"),
    )
}

/// A normalised package name.
pub(crate) fn name(text: &str) -> PackageName {
    PackageName::from_str(text).expect("tests use valid names")
}

/// Core metadata of `name` `version` with these `Requires-Dist` lines and extras.
pub(crate) fn metadata(
    name: &str,
    version: &str,
    requires: &[String],
    extras: &[String],
) -> DistMetadata {
    let mut text = format!("Metadata-Version: 2.1\nName: {name}\nVersion: {version}\n");
    for extra in extras {
        text.push_str(&format!("Provides-Extra: {extra}\n"));
    }
    for requirement in requires {
        text.push_str(&format!("Requires-Dist: {requirement}\n"));
    }
    DistMetadata::parse(text.as_bytes(), name).expect("tests write valid metadata")
}

/// A manifest of these root requirements.
pub(crate) fn manifest(requirements: &[String]) -> Manifest {
    Manifest {
        requirements: requirements
            .iter()
            .map(|text| RootRequirement {
                requirement: Requirement::from_str(text).expect("tests write valid requirements"),
                source: "test".to_string(),
            })
            .collect(),
        constraints: Vec::new(),
        overrides: Vec::new(),
        direct: tw_resolver::DirectPackages::default(),
    }
}

/// The pins of `resolution` as `name==version`, sorted by name.
pub(crate) fn pins(resolution: &tw_resolver::Resolution) -> Vec<String> {
    resolution
        .packages
        .iter()
        .map(|package| format!("{}=={}", package.name, package.version))
        .collect()
}

/// A multi-threaded runtime, as `resolve` needs (the solver blocks on one thread).
pub(crate) fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("a tokio runtime starts")
}

/// An in-memory source that records the file name of every metadata read, in order.
#[derive(Debug)]
pub(crate) struct Counting {
    inner: tw_resolver::InMemorySource,
    reads: std::sync::Mutex<Vec<String>>,
}

impl Counting {
    /// Records the reads of `inner`.
    pub(crate) fn new(inner: tw_resolver::InMemorySource) -> Self {
        Self {
            inner,
            reads: std::sync::Mutex::default(),
        }
    }

    /// The file names read so far, in order (repeats included).
    pub(crate) fn reads(&self) -> Vec<String> {
        self.reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .clone()
    }
}

impl tw_resolver::MetadataSource for Counting {
    fn project<'a>(
        &'a self,
        name: &'a PackageName,
    ) -> tw_resolver::BoxFuture<'a, Result<tw_index::ProjectFiles, tw_index::IndexError>> {
        self.inner.project(name)
    }

    fn metadata<'a>(
        &'a self,
        file: &'a tw_index::IndexFile,
    ) -> tw_resolver::BoxFuture<'a, Result<DistMetadata, tw_metadata::MetadataError>> {
        self.reads
            .lock()
            .unwrap_or_else(std::sync::PoisonError::into_inner)
            .push(file.filename.clone());
        self.inner.metadata(file)
    }
}
