//! The requirements-file parser on arbitrary text (no includes: they need files).
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let _ = tw_requirements::parse_requirements_txt_str(
            text,
            std::path::Path::new("fuzz.txt"),
            &|_| None,
        );
    }
});
