//! The core metadata parser on arbitrary bytes.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let _ = tw_metadata::DistMetadata::parse(data, "fuzz");
});
