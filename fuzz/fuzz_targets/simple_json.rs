//! The PEP 691 JSON project-page parser on arbitrary bytes.
#![no_main]

use std::str::FromStr;

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let (Ok(page), Ok(project)) = (
        url::Url::parse("https://index.example.invalid/simple/demo/"),
        pep508_rs::PackageName::from_str("demo"),
    ) else {
        return;
    };
    let _ = tw_index::parse_project_page(data, Some(tw_index::SIMPLE_JSON), &page, &project, &page);
});
