//! Integration tests of the `tailwheel` binary against loopback test indexes.

mod common;
mod explore;
