//! The PEP 503 HTML parser on arbitrary text, as a project page and as a find-links page.
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
    let _ = tw_index::parse_project_page(data, Some("text/html"), &page, &project, &page);
    let text = String::from_utf8_lossy(data);
    let _ = tw_index::parse_html(&text, &page, None, &page);
});
