//! Index pages: negotiation, contents, redirects, errors.

use tw_test_index::{IndexOptions, PageFormat, Pep658, TestIndex, Universe};

use crate::{JSON, get, get_with, path_of, send, start};

#[test]
fn root_lists_projects_as_html_or_json() {
    let index = start(IndexOptions::default());
    let html = get(&index, "/simple/");
    assert_eq!(html.status, 200);
    assert_eq!(html.header("content-type"), Some("text/html"));
    let text = html.text();
    assert!(text.contains("<a href=\"foo-bar/\">Foo.Bar</a>"), "{text}");
    assert!(text.contains("<a href=\"qux/\">qux</a>"), "{text}");

    let json = get_with(&index, "/simple/", &[("Accept", JSON)]);
    assert_eq!(json.header("content-type"), Some(JSON));
    let value = json.json();
    assert_eq!(value["meta"]["api-version"], "1.1");
    let names: Vec<&str> = value["projects"]
        .as_array()
        .expect("projects array")
        .iter()
        .map(|project| project["name"].as_str().expect("name"))
        .collect();
    assert_eq!(names, ["baz", "Foo.Bar", "liar", "local", "qux"]);

    let bare = get(&index, "/simple");
    assert_eq!(bare.status, 301);
    assert_eq!(bare.header("location"), Some(index.index_url().as_str()));
}

#[test]
fn project_page_is_json_when_accept_asks() {
    let index = start(IndexOptions::default());
    let response = get_with(
        &index,
        "/simple/foo-bar/",
        &[(
            "Accept",
            "application/vnd.pypi.simple.v1+json, application/vnd.pypi.simple.v1+html;q=0.2, text/html;q=0.01",
        )],
    );
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some(JSON));
    let page = response.json();
    assert_eq!(page["meta"]["api-version"], "1.1");
    assert_eq!(page["name"], "foo-bar");
    assert_eq!(page["versions"], serde_json::json!(["1.0.0", "2.0.0"]));

    let files = page["files"].as_array().expect("files array");
    let filenames: Vec<&str> = files
        .iter()
        .map(|file| file["filename"].as_str().expect("filename"))
        .collect();
    assert_eq!(
        filenames,
        [
            "Foo_Bar-1.0.0-py3-none-any.whl",
            "Foo_Bar-1.0.0.tar.gz",
            "Foo_Bar-2.0.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl",
            "Foo_Bar-2.0.0-cp311-cp311-win_amd64.whl",
            "Foo_Bar-2.0.0.tar.gz",
        ]
    );

    let wheel = &files[0];
    let name = "Foo_Bar-1.0.0-py3-none-any.whl";
    assert_eq!(wheel["url"], index.file_url(name));
    assert!(
        wheel["url"]
            .as_str()
            .expect("url")
            .starts_with("http://127.0.0.1:")
    );
    assert_eq!(
        wheel["hashes"]["sha256"],
        index.file_sha256(name).expect("served")
    );
    assert_eq!(wheel["size"], index.file_bytes(name).expect("served").len());
    assert_eq!(wheel["requires-python"], ">=3.8");
    assert_eq!(wheel["upload-time"], "2024-01-01T00:00:00Z");
    assert_eq!(wheel["yanked"], false);
    let metadata_sha = index
        .file_sha256(&format!("{name}.metadata"))
        .expect("metadata served");
    assert_eq!(wheel["core-metadata"]["sha256"], metadata_sha.as_str());
    assert_eq!(
        wheel["data-dist-info-metadata"]["sha256"],
        metadata_sha.as_str()
    );

    let sdist = &files[1];
    assert!(
        sdist.get("core-metadata").is_none(),
        "sdists carry no PEP 658 hash"
    );
    let yanked = &files[2];
    assert_eq!(yanked["yanked"], true);
    assert_eq!(yanked["upload-time"], "2024-06-01T12:00:00Z");
    assert!(yanked.get("requires-python").is_none());
}

#[test]
fn project_page_is_html_without_json_accept() {
    let index = start(IndexOptions::default());
    for accept in [
        None,
        Some("text/html"),
        Some(&format!("{JSON};q=0") as &str),
    ] {
        let headers: Vec<(&str, &str)> =
            accept.map(|value| ("Accept", value)).into_iter().collect();
        let response = get_with(&index, "/simple/foo-bar/", &headers);
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-type"), Some("text/html"));
    }
    let text = get(&index, "/simple/foo-bar/").text();
    let name = "Foo_Bar-1.0.0-py3-none-any.whl";
    let sha = index.file_sha256(name).expect("served");
    let metadata_sha = index
        .file_sha256(&format!("{name}.metadata"))
        .expect("metadata served");
    let expected = format!(
        "<a href=\"../../files/{name}#sha256={sha}\" data-requires-python=\"&gt;=3.8\" \
         data-dist-info-metadata=\"sha256={metadata_sha}\" data-core-metadata=\"sha256={metadata_sha}\">{name}</a><br/>"
    );
    assert!(text.contains(&expected), "{text}");
    let sdist = "Foo_Bar-1.0.0.tar.gz";
    let sdist_line = text
        .lines()
        .find(|line| line.contains(&format!(">{sdist}<")))
        .expect("sdist listed");
    assert!(!sdist_line.contains("data-core-metadata"), "{sdist_line}");
    let yanked_line = text
        .lines()
        .find(|line| line.contains(">Foo_Bar-2.0.0-cp311-cp311-win_amd64.whl<"))
        .expect("yanked wheel listed");
    assert!(yanked_line.contains(" data-yanked=\"\""), "{yanked_line}");
    assert!(text.contains("<title>Links for Foo.Bar</title>"), "{text}");
}

#[test]
fn html_format_ignores_json_accept() {
    let index = start(IndexOptions {
        format: PageFormat::Html,
        ..IndexOptions::default()
    });
    for path in ["/simple/", "/simple/baz/"] {
        let response = get_with(&index, path, &[("Accept", JSON)]);
        assert_eq!(response.status, 200);
        assert_eq!(response.header("content-type"), Some("text/html"));
    }
}

#[test]
fn non_normalized_names_redirect() {
    let index = start(IndexOptions::default());
    let target = format!("{}foo-bar/", index.index_url());
    for path in [
        "/simple/Foo.Bar/",
        "/simple/foo_bar/",
        "/simple/FOO--bar/",
        "/simple/foo-bar",
        "/simple/Foo%2EBar/",
    ] {
        let response = get_with(&index, path, &[("Accept", JSON)]);
        assert_eq!(response.status, 301, "{path}");
        assert_eq!(response.header("location"), Some(target.as_str()), "{path}");
    }
    assert_eq!(get(&index, &path_of(&target)).status, 200);
}

#[test]
fn unknown_things_are_404_and_bad_requests_are_4xx() {
    let index = start(IndexOptions::default());
    for path in [
        "/simple/nope/",
        "/simple/No_Pe/",
        "/simple/foo-bar/extra/",
        "/simple//",
        "/",
        "/elsewhere",
        "/files/",
        "/files/nope-1.0.tar.gz",
        "/files/Foo_Bar-1.0.0.tar.gz.metadata",
    ] {
        assert_eq!(get(&index, path).status, 404, "{path}");
    }
    assert_eq!(get(&index, "/simple/foo%zz/").status, 400);
    assert_eq!(get(&index, "/files/%ff%fe").status, 400);
    let post = send(&index, "POST", "/simple/", &[("Content-Length", "0")]);
    assert_eq!(post.status, 405);
    assert_eq!(post.header("allow"), Some("GET, HEAD"));
}

#[test]
fn fail_package_answers_500_for_its_page_only() {
    let index = start(IndexOptions {
        fail_package: Some("foo_bar".to_string()),
        ..IndexOptions::default()
    });
    assert_eq!(get(&index, "/simple/foo-bar/").status, 500);
    assert_eq!(get(&index, "/simple/Foo.Bar/").status, 500);
    assert_eq!(get(&index, "/simple/baz/").status, 200);
    assert_eq!(get(&index, "/files/Foo_Bar-1.0.0.tar.gz").status, 200);
}

#[test]
fn pep658_modes_change_pages_and_metadata_files() {
    let wheel = "baz-1.0-py3-none-any.whl";
    for mode in [Pep658::Advertised, Pep658::Unadvertised, Pep658::Off] {
        let index = start(IndexOptions {
            pep658: mode,
            ..IndexOptions::default()
        });
        let page = get_with(&index, "/simple/baz/", &[("Accept", JSON)]).json();
        let advertised = page["files"][0].get("core-metadata").is_some();
        let html = get(&index, "/simple/baz/").text();
        let metadata = get(&index, &format!("/files/{wheel}.metadata"));
        match mode {
            Pep658::Advertised => {
                assert!(advertised);
                assert!(html.contains("data-core-metadata=\"sha256="));
                assert_eq!(metadata.status, 200);
                assert_eq!(
                    metadata.text(),
                    "Metadata-Version: 2.1\nName: baz\nVersion: 1.0\n"
                );
            }
            Pep658::Unadvertised => {
                assert!(!advertised);
                assert!(!html.contains("data-core-metadata"));
                assert!(!html.contains("data-dist-info-metadata"));
                assert_eq!(metadata.status, 200);
            }
            Pep658::Off => {
                assert!(!advertised);
                assert!(!html.contains("data-core-metadata"));
                assert_eq!(metadata.status, 404);
                assert_eq!(index.file_bytes(&format!("{wheel}.metadata")), None);
            }
        }
    }
}

#[test]
fn find_links_page_links_every_file() {
    let index = start(IndexOptions::default());
    let response = get(&index, &path_of(&index.find_links_url()));
    assert_eq!(response.status, 200);
    assert_eq!(response.header("content-type"), Some("text/html"));
    let text = response.text();
    for name in [
        "baz-1.0-py3-none-any.whl",
        "Foo_Bar-1.0.0.tar.gz",
        "qux-1.0.tar.gz",
        "local-1.0+abc-py3-none-any.whl",
    ] {
        let sha = index.file_sha256(name).expect("served");
        assert!(
            text.contains(&format!("href=\"../files/{name}#sha256={sha}\"")),
            "{name} in {text}"
        );
    }
    assert_eq!(text.matches("<a ").count(), 11, "{text}");
    assert_eq!(get(&index, "/find-links").status, 301);
}

#[test]
fn html_attributes_are_escaped() {
    let mut universe = Universe::new();
    universe
        .version("odd", "1.0")
        .requires_python(">=3.8,<4,!='3.9'&\"x\"");
    let index = TestIndex::start(&universe, IndexOptions::default());
    let text = get(&index, "/simple/odd/").text();
    assert!(
        text.contains(
            "data-requires-python=\"&gt;=3.8,&lt;4,!=&#x27;3.9&#x27;&amp;&quot;x&quot;\""
        ),
        "{text}"
    );
    let page = get_with(&index, "/simple/odd/", &[("Accept", JSON)]).json();
    assert_eq!(
        page["files"][0]["requires-python"],
        ">=3.8,<4,!='3.9'&\"x\""
    );
}

#[test]
fn works_inside_another_runtime() {
    let runtime = tokio::runtime::Builder::new_multi_thread()
        .worker_threads(1)
        .enable_all()
        .build()
        .expect("runtime");
    let status = runtime.block_on(async {
        let index = start(IndexOptions::default());
        let status = tokio::task::spawn_blocking(move || {
            let status = get(&index, "/simple/baz/").status;
            drop(index);
            status
        })
        .await
        .expect("blocking task");
        // Starting and dropping directly on a runtime thread must not panic either.
        drop(start(IndexOptions::default()));
        status
    });
    assert_eq!(status, 200);
}

#[test]
fn empty_universe_serves_an_empty_root() {
    let index = TestIndex::start(&Universe::new(), IndexOptions::default());
    let page = get_with(&index, "/simple/", &[("Accept", JSON)]).json();
    assert_eq!(page["projects"], serde_json::json!([]));
    assert_eq!(get(&index, "/simple/anything/").status, 404);
}
