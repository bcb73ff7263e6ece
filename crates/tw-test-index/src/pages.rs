//! Index pages: the PEP 503 HTML and PEP 691 JSON simple API (with PEP 592 yanking, PEP 658 /
//! PEP 714 core metadata and PEP 700 `versions`, `size` and `upload-time`), plus a flat
//! find-links page.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::catalog::{Catalog, CatalogProject, ServedFile};
use crate::server::Pep658;

/// The PEP 691 JSON media type.
pub(crate) const JSON_CONTENT_TYPE: &str = "application/vnd.pypi.simple.v1+json";
/// The API version every page declares (1.1 carries PEP 700's fields).
const API_VERSION: &str = "1.1";

#[derive(Serialize)]
struct Meta {
    #[serde(rename = "api-version")]
    api_version: &'static str,
}

const META: Meta = Meta {
    api_version: API_VERSION,
};

#[derive(Serialize)]
struct RootPage<'a> {
    meta: Meta,
    projects: Vec<RootProject<'a>>,
}

#[derive(Serialize)]
struct RootProject<'a> {
    name: &'a str,
}

#[derive(Serialize)]
struct ProjectPage<'a> {
    meta: Meta,
    name: &'a str,
    versions: &'a [String],
    files: Vec<FileEntry<'a>>,
}

#[derive(Serialize)]
struct FileEntry<'a> {
    filename: &'a str,
    url: String,
    hashes: BTreeMap<&'static str, &'a str>,
    #[serde(rename = "requires-python", skip_serializing_if = "Option::is_none")]
    requires_python: Option<&'a str>,
    size: usize,
    #[serde(rename = "upload-time")]
    upload_time: &'a str,
    yanked: bool,
    /// PEP 714's name, and the PEP 658 name real indexes still send alongside it.
    #[serde(rename = "core-metadata", skip_serializing_if = "Option::is_none")]
    core_metadata: Option<BTreeMap<&'static str, &'a str>>,
    #[serde(
        rename = "data-dist-info-metadata",
        skip_serializing_if = "Option::is_none"
    )]
    dist_info_metadata: Option<BTreeMap<&'static str, &'a str>>,
}

/// `/simple/` as JSON.
pub(crate) fn root_json(catalog: &Catalog) -> String {
    let page = RootPage {
        meta: META,
        projects: catalog
            .projects
            .iter()
            .map(|project| RootProject {
                name: &project.display_name,
            })
            .collect(),
    };
    serde_json::to_string(&page).expect("page structs always serialize")
}

/// `/simple/` as HTML, linking each project by its normalized name.
pub(crate) fn root_html(catalog: &Catalog) -> String {
    let mut body = String::new();
    for project in &catalog.projects {
        body.push_str(&format!(
            "    <a href=\"{}/\">{}</a><br/>\n",
            escape_html(&project.normalized),
            escape_html(&project.display_name)
        ));
    }
    html_document("Simple index", &body)
}

/// `/simple/<project>/` as JSON; file URLs are absolute under `files_base`
/// (`http://127.0.0.1:PORT/files/`).
pub(crate) fn project_json(
    catalog: &Catalog,
    project: &CatalogProject,
    pep658: Pep658,
    files_base: &str,
) -> String {
    let files = catalog
        .files_of(project)
        .map(|file| {
            let core_metadata = advertised_metadata(file, pep658)
                .map(|sha256| BTreeMap::from([("sha256", sha256)]));
            FileEntry {
                filename: &file.filename,
                url: format!("{files_base}{}", file.filename),
                hashes: BTreeMap::from([("sha256", file.sha256.as_str())]),
                requires_python: file.requires_python.as_deref(),
                size: file.bytes.len(),
                upload_time: &file.upload_time,
                yanked: file.yanked,
                dist_info_metadata: core_metadata.clone(),
                core_metadata,
            }
        })
        .collect();
    let page = ProjectPage {
        meta: META,
        name: &project.normalized,
        versions: &project.versions,
        files,
    };
    serde_json::to_string(&page).expect("page structs always serialize")
}

/// `/simple/<project>/` as HTML; links are `files_base` + file name (`../../files/` when
/// files are on the index's own host, absolute otherwise).
pub(crate) fn project_html(
    catalog: &Catalog,
    project: &CatalogProject,
    pep658: Pep658,
    files_base: &str,
) -> String {
    let mut body = String::new();
    for file in catalog.files_of(project) {
        body.push_str(&anchor(file, pep658, files_base));
    }
    html_document(&format!("Links for {}", project.display_name), &body)
}

/// `/find-links/`: one flat page linking every file as `files_base` + file name
/// (`../files/` when files are on the index's own host, absolute otherwise).
pub(crate) fn find_links_html(catalog: &Catalog, pep658: Pep658, files_base: &str) -> String {
    let mut body = String::new();
    for project in &catalog.projects {
        for file in catalog.files_of(project) {
            body.push_str(&anchor(file, pep658, files_base));
        }
    }
    html_document("Links", &body)
}

/// The metadata hash to advertise for `file`, if any.
fn advertised_metadata(file: &ServedFile, pep658: Pep658) -> Option<&str> {
    match (pep658, &file.metadata) {
        (Pep658::Advertised, Some((_, sha256))) => Some(sha256),
        _ => None,
    }
}

/// One `<a>` line of a PEP 503 page.
fn anchor(file: &ServedFile, pep658: Pep658, files_base: &str) -> String {
    let mut attributes = format!(
        "href=\"{}\"",
        escape_html(&format!(
            "{files_base}{}#sha256={}",
            file.filename, file.sha256
        ))
    );
    if let Some(requires_python) = &file.requires_python {
        attributes.push_str(&format!(
            " data-requires-python=\"{}\"",
            escape_html(requires_python)
        ));
    }
    if let Some(sha256) = advertised_metadata(file, pep658) {
        let value = escape_html(&format!("sha256={sha256}"));
        attributes.push_str(&format!(
            " data-dist-info-metadata=\"{value}\" data-core-metadata=\"{value}\""
        ));
    }
    if file.yanked {
        attributes.push_str(" data-yanked=\"\"");
    }
    format!(
        "    <a {attributes}>{}</a><br/>\n",
        escape_html(&file.filename)
    )
}

fn html_document(title: &str, body: &str) -> String {
    let title = escape_html(title);
    format!(
        "<!DOCTYPE html>\n<html>\n  <head>\n    \
         <meta name=\"pypi:repository-version\" content=\"{API_VERSION}\">\n    \
         <title>{title}</title>\n  </head>\n  <body>\n    <h1>{title}</h1>\n{body}  </body>\n</html>\n"
    )
}

/// Escape text for HTML content and double- or single-quoted attribute values.
pub(crate) fn escape_html(text: &str) -> String {
    let mut escaped = String::with_capacity(text.len());
    for character in text.chars() {
        match character {
            '&' => escaped.push_str("&amp;"),
            '<' => escaped.push_str("&lt;"),
            '>' => escaped.push_str("&gt;"),
            '"' => escaped.push_str("&quot;"),
            '\'' => escaped.push_str("&#x27;"),
            other => escaped.push(other),
        }
    }
    escaped
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn escapes_attribute_values() {
        assert_eq!(
            escape_html(">=3.8, !='3.9' & \"x\" <"),
            "&gt;=3.8, !=&#x27;3.9&#x27; &amp; &quot;x&quot; &lt;"
        );
    }
}
