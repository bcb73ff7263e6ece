//! Parsing of Simple API project pages: PEP 691 JSON and PEP 503 HTML (with the PEP 592
//! `data-yanked`, PEP 658/714 `data-core-metadata`/`data-dist-info-metadata` and
//! `data-requires-python` attributes). Both produce the same [`IndexFile`] list.

use std::str::FromStr;

use jiff::Timestamp;
use pep440_rs::VersionSpecifiers;
use pep508_rs::PackageName;
use serde::Deserialize;
use tracing::{debug, trace, warn};
use url::Url;

use crate::error::IndexError;
use crate::file::{CoreMetadata, IndexFile};
use crate::filename::DistFilename;

/// The `Accept` header for project pages: JSON preferred, HTML accepted (PEP 691).
pub const SIMPLE_ACCEPT: &str = "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01";

/// The JSON media type of PEP 691.
pub const SIMPLE_JSON: &str = "application/vnd.pypi.simple.v1+json";

/// A PEP 691 page; each file entry is decoded on its own, so one malformed entry is skipped
/// with a warning instead of failing the whole project.
#[derive(Deserialize)]
struct JsonPage<'a> {
    /// Each entry is parsed on its own, so one malformed entry skips only itself; kept as
    /// borrowed raw JSON until then (no `Value` tree for pages of thousands of files).
    #[serde(borrow)]
    files: Vec<&'a serde_json::value::RawValue>,
}

/// The `hashes` of a file: only sha256 is used.
#[derive(Default, Deserialize)]
struct JsonHashes {
    sha256: Option<String>,
}

#[derive(Deserialize)]
#[serde(untagged)]
enum MetadataField {
    Bool(bool),
    Hashes(JsonHashes),
}

#[derive(Deserialize)]
#[serde(untagged)]
enum YankedField {
    Bool(bool),
    Reason(String),
}

#[derive(Deserialize)]
#[serde(rename_all = "kebab-case")]
struct JsonFile<'a> {
    filename: String,
    #[serde(borrow)]
    url: std::borrow::Cow<'a, str>,
    #[serde(default)]
    hashes: JsonHashes,
    #[serde(borrow)]
    requires_python: Option<std::borrow::Cow<'a, str>>,
    yanked: Option<YankedField>,
    #[serde(borrow)]
    upload_time: Option<std::borrow::Cow<'a, str>>,
    size: Option<u64>,
    core_metadata: Option<MetadataField>,
    dist_info_metadata: Option<MetadataField>,
    data_dist_info_metadata: Option<MetadataField>,
}

/// Parse a project page in either format; `content_type` decides which.
pub fn parse_project_page(
    body: &[u8],
    content_type: Option<&str>,
    page_url: &Url,
    project: &PackageName,
    source: &Url,
) -> Result<Vec<IndexFile>, IndexError> {
    if content_type.is_some_and(|t| t.contains("json")) {
        parse_json(body, page_url, project, source)
    } else {
        let text = String::from_utf8_lossy(body);
        Ok(parse_html(&text, page_url, Some(project), source))
    }
}

fn parse_json(
    body: &[u8],
    page_url: &Url,
    project: &PackageName,
    source: &Url,
) -> Result<Vec<IndexFile>, IndexError> {
    let page: JsonPage<'_> = serde_json::from_slice(body).map_err(|err| IndexError::Page {
        url: tw_client::redact_url(page_url),
        reason: err.to_string(),
    })?;
    let source = std::sync::Arc::new(source.clone());
    let mut files = Vec::with_capacity(page.files.len());
    let mut parser = PageParser::default();
    for (position, entry) in page.files.into_iter().enumerate() {
        let file: JsonFile<'_> = match serde_json::from_str(entry.get()) {
            Ok(file) => file,
            Err(err) => {
                warn!(
                    "skipping file entry {} of `{}`: {err}",
                    position + 1,
                    tw_client::redact_url(page_url)
                );
                continue;
            }
        };
        let Some(dist) = DistFilename::parse(&file.filename, project) else {
            skip_filename(&file.filename, page_url);
            continue;
        };
        let dist = parser.share(dist);
        let Some(url) = file_url(page_url, &file.url, &file.filename) else {
            continue;
        };
        let core_metadata = file
            .core_metadata
            .or(file.dist_info_metadata)
            .or(file.data_dist_info_metadata)
            .map_or(CoreMetadata::Absent, |field| match field {
                MetadataField::Bool(false) => CoreMetadata::Absent,
                MetadataField::Bool(true) => CoreMetadata::Available { sha256: None },
                MetadataField::Hashes(hashes) => CoreMetadata::Available {
                    sha256: hashes.sha256,
                },
            });
        let yanked = match file.yanked {
            None | Some(YankedField::Bool(false)) => None,
            Some(YankedField::Bool(true)) => Some(String::new()),
            Some(YankedField::Reason(reason)) => Some(reason),
        };
        files.push(IndexFile {
            filename: file.filename,
            dist,
            url,
            sha256: file.hashes.sha256.map(|mut h| {
                h.make_ascii_lowercase();
                h
            }),
            requires_python: parser.requires_python(file.requires_python.as_deref()),
            yanked,
            upload_time: file
                .upload_time
                .as_deref()
                .and_then(|t| Timestamp::from_str(t).ok()),
            size: file.size,
            core_metadata,
            source: std::sync::Arc::clone(&source),
        });
    }
    Ok(files)
}

/// Log a listed file that is not a usable distribution: a debug line when its name says it
/// is a wheel or sdist (a broken version or name the user cannot fix, and would see on every
/// run as a warning; issue 18), a trace line for the installers, eggs and other files old
/// projects still list.
fn skip_filename(filename: &str, page_url: &Url) {
    const DIST_SUFFIXES: [&str; 6] = [".whl", ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz"];
    let lower = filename.to_ascii_lowercase();
    if DIST_SUFFIXES.iter().any(|suffix| lower.ends_with(suffix)) {
        debug!(
            "skipping `{filename}` listed on `{}`: not a valid wheel or source distribution name for this project",
            tw_client::redact_url(page_url)
        );
    } else {
        trace!(filename, "skipping file that is neither wheel nor sdist");
    }
}

/// A file's absolute URL, without fragment and without user info: credentials belong to an
/// origin and are added per request by the client (`tw_client`), never carried in file URLs
/// that end up in lock files and logs.
fn file_url(page_url: &Url, href: &str, filename: &str) -> Option<Url> {
    match page_url.join(href) {
        Ok(mut url) => {
            url.set_fragment(None);
            strip_credentials(&mut url);
            Some(url)
        }
        Err(err) => {
            warn!(
                "skipping `{filename}` listed on `{}`: invalid URL: {err}",
                tw_client::redact_url(page_url)
            );
            None
        }
    }
}

/// Remove `user:password@` from a URL (a relative link joined onto an index URL with
/// credentials inherits them).
fn strip_credentials(url: &mut Url) {
    if !url.username().is_empty() || url.password().is_some() {
        // Only URLs that cannot have credentials refuse these, and they have none.
        let _ = url.set_username("");
        let _ = url.set_password(None);
    }
}

/// What the readers of one page (JSON, HTML, or a cached entry) share while they turn its
/// listings into [`IndexFile`]s: a release lists one version and usually one
/// `requires-python` for all its files, so each is parsed or stored once, not per file.
#[derive(Default)]
pub(crate) struct PageParser {
    versions: rustc_hash::FxHashSet<pep440_rs::Version>,
    last_requires: Option<(String, Option<VersionSpecifiers>)>,
}

impl PageParser {
    /// `dist` with its version sharing storage with the equal versions seen before.
    pub(crate) fn share(&mut self, mut dist: DistFilename) -> DistFilename {
        dist.share_version(&mut self.versions);
        dist
    }

    /// A file's `requires-python`, parsed once for a run of equal values.
    pub(crate) fn requires_python(&mut self, text: Option<&str>) -> Option<VersionSpecifiers> {
        let text = text?;
        match &self.last_requires {
            Some((last, parsed)) if last == text => parsed.clone(),
            _ => {
                let parsed = parse_requires_python(text);
                self.last_requires = Some((text.to_string(), parsed.clone()));
                parsed
            }
        }
    }
}

/// `requires-python` values in the wild are sometimes invalid; such a constraint is ignored,
/// as pip does.
fn parse_requires_python(value: &str) -> Option<VersionSpecifiers> {
    let value = value.trim();
    if value.is_empty() {
        return None;
    }
    VersionSpecifiers::from_str(value).ok()
}

/// Parse the anchors of an HTML page (a PEP 503 project page, or a find-links page when
/// `project` is `None`, in which case every distribution file of any project is kept).
pub fn parse_html(
    text: &str,
    page_url: &Url,
    project: Option<&PackageName>,
    source: &Url,
) -> Vec<IndexFile> {
    let base = base_href(text)
        .and_then(|href| page_url.join(&href).ok())
        .unwrap_or_else(|| page_url.clone());
    let source = std::sync::Arc::new(source.clone());
    let mut parser = PageParser::default();
    let mut files = Vec::new();
    for anchor in anchors(text) {
        let Some(href) = anchor.attr("href") else {
            continue;
        };
        let Ok(mut url) = base.join(&href) else {
            warn!(
                "skipping the link `{href}` on `{}`: not a valid URL",
                tw_client::redact_url(page_url)
            );
            continue;
        };
        let fragment = url.fragment().map(str::to_string);
        url.set_fragment(None);
        strip_credentials(&mut url);
        let filename = url
            .path_segments()
            .and_then(|mut segments| segments.next_back().map(str::to_string))
            .map(|segment| tw_client::percent_decode(&segment))
            .unwrap_or_default();
        let dist = match project {
            Some(project) => DistFilename::parse(&filename, project),
            None => guess_dist(&filename),
        };
        let Some(dist) = dist.map(|dist| parser.share(dist)) else {
            skip_filename(&filename, page_url);
            continue;
        };
        let sha256 = fragment
            .as_deref()
            .and_then(|f| f.strip_prefix("sha256="))
            .map(str::to_ascii_lowercase);
        let core_metadata = anchor
            .attr("data-core-metadata")
            .or_else(|| anchor.attr("data-dist-info-metadata"))
            .map_or(CoreMetadata::Absent, |value| {
                if value == "false" {
                    CoreMetadata::Absent
                } else {
                    CoreMetadata::Available {
                        sha256: value.strip_prefix("sha256=").map(str::to_ascii_lowercase),
                    }
                }
            });
        files.push(IndexFile {
            filename,
            dist,
            url,
            sha256,
            requires_python: parser.requires_python(anchor.attr("data-requires-python").as_deref()),
            yanked: anchor.attr("data-yanked"),
            upload_time: None,
            size: None,
            core_metadata,
            source: std::sync::Arc::clone(&source),
        });
    }
    files
}

/// Guess name and version of a file on a find-links page, where no project is known.
fn guess_dist(filename: &str) -> Option<DistFilename> {
    if filename.ends_with(".whl") {
        return filename.parse().ok().map(DistFilename::Wheel);
    }
    // An sdist's name ends at the last `-` followed by something that parses as a version.
    let stem_end = filename.find(".tar").or_else(|| filename.rfind(".zip"))?;
    let stem = &filename[..stem_end];
    let (name, _) = stem.rsplit_once('-')?;
    let name = PackageName::from_str(name).ok()?;
    DistFilename::parse(filename, &name)
}

struct Anchor {
    attrs: Vec<(String, String)>,
}

impl Anchor {
    fn attr(&self, name: &str) -> Option<String> {
        self.attrs
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}

fn base_href(text: &str) -> Option<String> {
    tags(text, "base")
        .into_iter()
        .find_map(|tag| tag.attr("href"))
}

fn anchors(text: &str) -> Vec<Anchor> {
    tags(text, "a")
}

/// A small tag scanner: finds `<name ...>` start tags and reads their attributes. Index
/// pages are machine-written; this tolerates any attribute order, quoting style and case.
fn tags(text: &str, name: &str) -> Vec<Anchor> {
    let bytes = text.as_bytes();
    let mut found = Vec::new();
    let mut pos = 0;
    while let Some(offset) = text[pos..].find('<') {
        let start = pos + offset + 1;
        let name_end = start + name.len();
        pos = start;
        // Bytes, not `str` slices: the byte after `<` may start a multi-byte character
        // (found by the `simple_html` fuzz target).
        if !bytes
            .get(start..name_end)
            .is_some_and(|tag| tag.eq_ignore_ascii_case(name.as_bytes()))
        {
            continue;
        }
        match bytes.get(name_end) {
            Some(b) if b.is_ascii_whitespace() || *b == b'>' || *b == b'/' => {}
            _ => continue,
        }
        let (attrs, end) = read_attributes(text, name_end);
        found.push(Anchor { attrs });
        pos = end;
    }
    found
}

fn read_attributes(text: &str, mut pos: usize) -> (Vec<(String, String)>, usize) {
    let bytes = text.as_bytes();
    let mut attrs = Vec::new();
    loop {
        while pos < bytes.len() && (bytes[pos].is_ascii_whitespace() || bytes[pos] == b'/') {
            pos += 1;
        }
        if pos >= bytes.len() || bytes[pos] == b'>' {
            return (attrs, (pos + 1).min(bytes.len()));
        }
        let key_start = pos;
        while pos < bytes.len()
            && !matches!(bytes[pos], b'=' | b'>' | b'/')
            && !bytes[pos].is_ascii_whitespace()
        {
            pos += 1;
        }
        let key = text[key_start..pos].to_ascii_lowercase();
        while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
            pos += 1;
        }
        let mut value = String::new();
        if pos < bytes.len() && bytes[pos] == b'=' {
            pos += 1;
            while pos < bytes.len() && bytes[pos].is_ascii_whitespace() {
                pos += 1;
            }
            if pos < bytes.len() && (bytes[pos] == b'"' || bytes[pos] == b'\'') {
                let quote = bytes[pos];
                let value_start = pos + 1;
                let value_end = text[value_start..]
                    .bytes()
                    .position(|b| b == quote)
                    .map_or(bytes.len(), |p| value_start + p);
                value = unescape(&text[value_start..value_end]);
                pos = (value_end + 1).min(bytes.len());
            } else {
                let value_start = pos;
                while pos < bytes.len() && bytes[pos] != b'>' && !bytes[pos].is_ascii_whitespace() {
                    pos += 1;
                }
                value = unescape(&text[value_start..pos]);
            }
        }
        // An empty key means a stray `=`, which the value branch above has consumed (with
        // its value). Skipping one more byte here once split a multi-byte character after
        // the value (found by the `simple_html` fuzz target).
        if !key.is_empty() {
            attrs.push((key, value));
        }
    }
}

fn unescape(value: &str) -> String {
    if !value.contains('&') {
        return value.to_string();
    }
    let mut out = String::with_capacity(value.len());
    let mut rest = value;
    while let Some(amp) = rest.find('&') {
        out.push_str(&rest[..amp]);
        rest = &rest[amp..];
        let Some(semi) = rest.find(';').filter(|&s| s <= 10) else {
            out.push('&');
            rest = &rest[1..];
            continue;
        };
        let entity = &rest[1..semi];
        let decoded = match entity {
            "amp" => Some('&'),
            "lt" => Some('<'),
            "gt" => Some('>'),
            "quot" => Some('"'),
            "apos" => Some('\''),
            _ => entity
                .strip_prefix("#x")
                .or_else(|| entity.strip_prefix("#X"))
                .and_then(|hex| u32::from_str_radix(hex, 16).ok())
                .or_else(|| entity.strip_prefix('#').and_then(|dec| dec.parse().ok()))
                .and_then(char::from_u32),
        };
        if let Some(c) = decoded {
            out.push(c);
            rest = &rest[semi + 1..];
        } else {
            out.push('&');
            rest = &rest[1..];
        }
    }
    out.push_str(rest);
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn project() -> PackageName {
        PackageName::from_str("foo-bar").unwrap()
    }

    #[test]
    fn json_page() {
        let body = br#"{"meta":{"api-version":"1.1"},"name":"foo-bar","files":[
            {"filename":"foo_bar-1.0-py3-none-any.whl","url":"../../files/foo_bar-1.0-py3-none-any.whl",
             "hashes":{"sha256":"ABCD"},"requires-python":">=3.8","upload-time":"2024-01-01T00:00:00.123456Z",
             "size":10,"yanked":false,"core-metadata":{"sha256":"ef"}},
            {"filename":"foo_bar-0.9.tar.gz","url":"https://files.example.invalid/foo_bar-0.9.tar.gz#sha256=00",
             "hashes":{},"yanked":"broken","dist-info-metadata":true,"requires-python":"not valid"},
            {"filename":"foo_bar-0.1.exe","url":"x","hashes":{}}]}"#;
        let page = Url::parse("https://index.example.invalid/simple/foo-bar/").unwrap();
        let files = parse_project_page(body, Some(SIMPLE_JSON), &page, &project(), &page).unwrap();
        assert_eq!(files.len(), 2);
        assert_eq!(
            files[0].url.as_str(),
            "https://index.example.invalid/files/foo_bar-1.0-py3-none-any.whl"
        );
        assert_eq!(files[0].sha256.as_deref(), Some("abcd"));
        assert_eq!(
            files[0].core_metadata,
            CoreMetadata::Available {
                sha256: Some("ef".into())
            }
        );
        assert!(files[0].upload_time.is_some());
        assert_eq!(files[1].yanked.as_deref(), Some("broken"));
        assert!(files[1].requires_python.is_none());
        assert_eq!(files[1].url.fragment(), None);
        assert_eq!(
            files[1].core_metadata,
            CoreMetadata::Available { sha256: None }
        );
    }

    #[test]
    fn html_page() {
        let text = r#"<!DOCTYPE html><html><body>
            <a href="../../files/foo_bar-1.0-py3-none-any.whl#sha256=AA" data-requires-python="&gt;=3.8"
               data-dist-info-metadata="sha256=bb" data-core-metadata="sha256=cc">foo_bar-1.0-py3-none-any.whl</a><br/>
            <A HREF='/files/Foo.Bar-0.9.tar.gz' data-yanked="">x</A>
            <a href="/files/foo_bar-0.8%2Blocal.tar.gz" data-yanked="bad &amp; old">y</a>
            <abbr>not an anchor</abbr></body></html>"#;
        let page = Url::parse("https://index.example.invalid/simple/foo-bar/").unwrap();
        let files =
            parse_project_page(text.as_bytes(), Some("text/html"), &page, &project(), &page)
                .unwrap();
        assert_eq!(files.len(), 3);
        assert_eq!(files[0].sha256.as_deref(), Some("aa"));
        assert_eq!(
            files[0].requires_python.as_ref().unwrap().to_string(),
            ">=3.8"
        );
        assert_eq!(
            files[0].core_metadata,
            CoreMetadata::Available {
                sha256: Some("cc".into())
            }
        );
        assert_eq!(files[1].yanked.as_deref(), Some(""));
        assert_eq!(
            files[1].url.as_str(),
            "https://index.example.invalid/files/Foo.Bar-0.9.tar.gz"
        );
        assert_eq!(files[2].dist.version().to_string(), "0.8+local");
        assert_eq!(files[2].yanked.as_deref(), Some("bad & old"));
    }

    #[test]
    fn broken_entries_are_skipped_not_fatal() {
        let body = br#"{"files":[
            {"filename":"foo_bar-1.0-py3-none-any.whl","url":"a.whl","hashes":{}},
            {"filename":42,"url":"b.whl"},
            {"filename":"foo_bar-not.a.version-py3-none-any.whl","url":"c.whl","hashes":{}},
            {"filename":"foo_bar-2.0.tar.gz","url":"http://[::1","hashes":{}},
            {"filename":"foo_bar-0.5.tar.gz","url":"d.tar.gz"}]}"#;
        let page = Url::parse("https://index.example.invalid/simple/foo-bar/").unwrap();
        let files = parse_project_page(body, Some(SIMPLE_JSON), &page, &project(), &page).unwrap();
        let names: Vec<_> = files.iter().map(|file| file.filename.as_str()).collect();
        assert_eq!(
            names,
            ["foo_bar-1.0-py3-none-any.whl", "foo_bar-0.5.tar.gz"]
        );

        let err =
            parse_project_page(b"<html>", Some(SIMPLE_JSON), &page, &project(), &page).unwrap_err();
        assert!(
            err.to_string().starts_with(
                "cannot parse the index page `https://index.example.invalid/simple/foo-bar/`"
            ),
            "{err}"
        );
    }

    #[test]
    fn file_urls_never_carry_credentials() {
        let page = Url::parse("https://user:secret@index.example.invalid/simple/foo-bar/").unwrap();
        let text = r#"<a href="../../files/foo_bar-1.0.tar.gz">x</a>"#;
        let files = parse_html(text, &page, Some(&project()), &page);
        assert_eq!(
            files[0].url.as_str(),
            "https://index.example.invalid/files/foo_bar-1.0.tar.gz"
        );
        let body = br#"{"files":[{"filename":"foo_bar-1.0.tar.gz","url":"../../files/foo_bar-1.0.tar.gz","hashes":{}}]}"#;
        let files = parse_project_page(body, Some(SIMPLE_JSON), &page, &project(), &page).unwrap();
        assert_eq!(
            files[0].url.as_str(),
            "https://index.example.invalid/files/foo_bar-1.0.tar.gz"
        );
    }

    #[test]
    fn multi_byte_text_never_splits_a_character() {
        // Crashes found by the `simple_html` fuzz target (a `str` slice inside `é`).
        let page = Url::parse("https://index.example.invalid/simple/foo-bar/").unwrap();
        for text in [
            "<é",
            "<ba\u{e9}",
            "<a href=\"foo_bar-1.0.tar.gz%\u{e9}\">",
            "<a href=x%\u{e9}1>",
        ] {
            let _ = parse_html(text, &page, Some(&project()), &page);
            let _ = parse_html(text, &page, None, &page);
        }
        // A stray `=` with a value, right before a multi-byte character.
        for text in [
            "<a =x\u{e9} href=y>",
            "<a href=\"q\" ='v'\u{fffd}>",
            "<a = \u{e9}>",
        ] {
            let _ = parse_html(text, &page, None, &page);
        }
        let fuzzed =
            b"<!X\x01\0\0\0\0\0\0html><htOCnyTYPE htmlv>\n<a href=\"../../files/de.gm\xff\xff";
        let _ = parse_project_page(fuzzed, Some("text/html"), &page, &project(), &page);
    }

    #[test]
    fn find_links_page_keeps_every_project() {
        let text = r#"<a href="a-1.0-py3-none-any.whl">a</a><a href="b_c-2.0.tar.gz">b</a><a href="readme.txt">r</a>"#;
        let page = Url::parse("https://files.example.invalid/links/").unwrap();
        let files = parse_html(text, &page, None, &page);
        let names: Vec<_> = files.iter().map(|f| f.dist.name().to_string()).collect();
        assert_eq!(names, ["a", "b-c"]);
    }
}
