//! Integration tests of `tw-lock` through its public API.

mod pylock_reference;
