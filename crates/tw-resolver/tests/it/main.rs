//! Integration tests of `tw-resolver` without HTTP: versions and metadata come from an
//! `InMemorySource` (or a wrapper around one), so these run in milliseconds and can be
//! generated in bulk (`proptest.rs`).

mod common;
mod decisions;
mod direct;
mod owned_fetches;
mod proptest;
mod speculation;
mod universal;
