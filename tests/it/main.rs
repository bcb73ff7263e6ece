//! Integration tests of the `tailwheel` binary.
//!
//! Every test is hermetic: packages come from `tw_test_index::TestIndex` servers on
//! 127.0.0.1 (or from local directories), the target is always given with
//! `--python-version`/`--python-platform`, and the index variables and pip config files of
//! the environment are scrubbed (see `common`). The one exception is `network`, which runs
//! only with `TAILWHEEL_NETWORK_TESTS=1` and never in CI.

#[path = "../support/hermetic.rs"]
mod hermetic;

mod auth;
mod build;
mod cache;
mod common;
mod conflicts;
mod cross_target;
mod direct;
mod download;
mod dropin;
mod errors;
mod hashes;
mod help;
mod index;
mod lock_universal;
mod messages;
mod metadata;
mod network;
mod no_downgrade;
mod output;
mod pip_options;
mod platform;
mod prefetch;
mod reliability;
mod requirements;
mod resolver;
mod tree;
mod universal;
mod write;
