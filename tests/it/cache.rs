//! The on-disk cache of project pages (`pages-v1/`): what a warm run asks the index for.
//! Every assertion counts requests in the loopback index's log; nothing is timed.

use std::path::{Path, PathBuf};

use tw_test_index::{IndexOptions, LoggedRequest, TestIndex, Universe};

use crate::common::{Project, index, index_with};

fn chain(universe: &mut Universe) {
    universe.version("app", "1.0.0").requires("lib>=1");
    universe.version("lib", "1.0.0");
    universe.version("lib", "1.1.0");
}

/// After the default upload time of the test index (2024-01-01) and long before any run.
const EXCLUDE_NEWER: &str = "2025-01-01";

/// The project-page requests the index answered after the first `since` requests.
fn page_requests(index: &TestIndex, since: usize) -> Vec<LoggedRequest> {
    index.requests()[since..]
        .iter()
        .filter(|request| request.path.starts_with("/simple/"))
        .cloned()
        .collect()
}

/// `--cache-dir <project>/cache` plus `extra`, writing `pylock.toml`.
fn resolve(project: &Project, extra: &[&str]) -> crate::common::Output {
    let cache = project.join("cache");
    let cache = cache.to_str().expect("utf-8 temp path");
    let mut args = vec![
        "requirements.in",
        "-o",
        "pylock.toml",
        "--stats",
        "--cache-dir",
        cache,
    ];
    args.extend_from_slice(extra);
    let out = project.resolve(&args);
    out.assert_code(0);
    out
}

/// The `pages: …` part of the `--stats` totals line.
fn page_stats(out: &crate::common::Output) -> String {
    out.stderr
        .lines()
        .find_map(|line| {
            line.split_once("; pages: ")
                .map(|(_, pages)| pages.to_string())
        })
        .unwrap_or_else(|| panic!("no page stats in\n{}", out.stderr))
}

/// Every entry file under `<cache>/pages-v1/`.
fn page_entries(cache: &Path) -> Vec<PathBuf> {
    let mut entries = Vec::new();
    let Ok(shards) = std::fs::read_dir(cache.join("pages-v1")) else {
        return entries;
    };
    for shard in shards {
        let shard = shard.expect("listing the page cache").path();
        for entry in std::fs::read_dir(shard).expect("listing a page cache shard") {
            entries.push(entry.expect("listing a page cache shard").path());
        }
    }
    entries.sort();
    entries
}

#[test]
fn exclude_newer_warm_run_asks_for_no_page() {
    let index = index(chain);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    let cold = resolve(&project, &["--exclude-newer", EXCLUDE_NEWER]);
    assert_eq!(page_stats(&cold), "0 cached, 0 revalidated, 2 fetched");
    assert_eq!(page_requests(&index, 0).len(), 2);
    let lock = project.read("pylock.toml");
    assert_eq!(page_entries(&project.join("cache")).len(), 2);

    let before = index.request_count();
    let warm = resolve(&project, &["--exclude-newer", EXCLUDE_NEWER]);
    assert_eq!(page_stats(&warm), "2 cached, 0 revalidated, 0 fetched");
    // Metadata comes from its own cache, so the warm run asks for nothing at all.
    assert_eq!(index.requests()[before..], [], "no request on the warm run");
    assert_eq!(
        project.read("pylock.toml"),
        lock,
        "the lock is byte-identical"
    );

    // Without `--exclude-newer` (and no validators or `max-age` from this index) every page
    // is fetched again.
    let before = index.request_count();
    let plain = resolve(&project, &[]);
    assert_eq!(page_stats(&plain), "0 cached, 0 revalidated, 2 fetched");
    assert_eq!(page_requests(&index, before).len(), 2);
}

#[test]
fn a_missing_project_is_cached_under_exclude_newer() {
    let index = index(chain);
    let project = Project::new(&index);
    project.write("requirements.in", "ghost\n");
    let cache = project.join("cache");
    let args = [
        "requirements.in",
        "--cache-dir",
        cache.to_str().expect("utf-8 temp path"),
        "--exclude-newer",
        EXCLUDE_NEWER,
    ];
    let cold = project.resolve(&args);
    cold.assert_code(1);
    let statuses: Vec<u16> = page_requests(&index, 0).iter().map(|r| r.status).collect();
    assert_eq!(statuses, [404]);

    let before = index.request_count();
    let warm = project.resolve(&args);
    warm.assert_code(1);
    assert_eq!(warm.stderr, cold.stderr);
    assert_eq!(index.requests()[before..], [], "the 404 was remembered");
}

#[test]
fn validators_make_the_second_run_a_round_of_304s() {
    let options = IndexOptions {
        page_validators: true,
        ..IndexOptions::default()
    };
    let index = index_with(options, chain);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    resolve(&project, &[]);
    let lock = project.read("pylock.toml");
    let cold_pages = page_requests(&index, 0);
    assert!(cold_pages.iter().all(|r| r.status == 200), "{cold_pages:?}");

    let before = index.request_count();
    let warm = resolve(&project, &[]);
    assert_eq!(page_stats(&warm), "0 cached, 2 revalidated, 0 fetched");
    let warm_pages = page_requests(&index, before);
    assert_eq!(warm_pages.len(), 2);
    assert!(
        warm_pages.iter().all(|r| r.status == 304 && r.bytes == 0),
        "{warm_pages:?}"
    );
    assert_eq!(project.read("pylock.toml"), lock);
}

#[test]
fn refresh_revalidates_fresh_pages() {
    let options = IndexOptions {
        page_validators: true,
        page_cache_control: Some("max-age=3600".to_string()),
        ..IndexOptions::default()
    };
    let index = index_with(options, chain);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    resolve(&project, &[]);
    let lock = project.read("pylock.toml");

    // Fresh for an hour: no page request.
    let before = index.request_count();
    let fresh = resolve(&project, &[]);
    assert_eq!(page_stats(&fresh), "2 cached, 0 revalidated, 0 fetched");
    assert_eq!(page_requests(&index, before), []);

    // `--refresh` asks anyway, conditionally, even where `--exclude-newer` would allow reuse.
    let before = index.request_count();
    let refreshed = resolve(&project, &["--refresh", "--exclude-newer", EXCLUDE_NEWER]);
    assert_eq!(page_stats(&refreshed), "0 cached, 2 revalidated, 0 fetched");
    let pages = page_requests(&index, before);
    assert!(
        pages.len() == 2 && pages.iter().all(|r| r.status == 304),
        "{pages:?}"
    );
    assert_eq!(project.read("pylock.toml"), lock);
}

#[test]
fn no_store_pages_are_not_written() {
    let options = IndexOptions {
        page_validators: true,
        page_cache_control: Some("no-store".to_string()),
        ..IndexOptions::default()
    };
    let index = index_with(options, chain);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    resolve(&project, &["--exclude-newer", EXCLUDE_NEWER]);
    assert_eq!(page_entries(&project.join("cache")), Vec::<PathBuf>::new());
    let before = index.request_count();
    let again = resolve(&project, &["--exclude-newer", EXCLUDE_NEWER]);
    assert_eq!(page_stats(&again), "0 cached, 0 revalidated, 2 fetched");
    assert_eq!(page_requests(&index, before).len(), 2);
}

#[test]
fn offline_after_a_warm_run_needs_no_request() {
    let index = index(chain);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    resolve(&project, &[]);
    let lock = project.read("pylock.toml");

    let before = index.request_count();
    let offline = resolve(&project, &["--offline"]);
    assert_eq!(page_stats(&offline), "2 cached, 0 revalidated, 0 fetched");
    assert_eq!(index.requests()[before..], []);
    assert_eq!(project.read("pylock.toml"), lock);

    // `--refresh` cannot work offline.
    let out = project.resolve(&["requirements.in", "--offline", "--refresh"]);
    out.assert_code(2);
}

#[test]
fn a_damaged_page_entry_is_fetched_again_and_rewritten() {
    let index = index(chain);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    resolve(&project, &["--exclude-newer", EXCLUDE_NEWER]);
    let lock = project.read("pylock.toml");
    let entries = page_entries(&project.join("cache"));
    assert_eq!(entries.len(), 2);
    // One entry cut short, one with a flipped byte.
    let bytes = fs_err::read(&entries[0]).unwrap();
    fs_err::write(&entries[0], &bytes[..bytes.len() / 2]).unwrap();
    let mut bytes = fs_err::read(&entries[1]).unwrap();
    let last = bytes.len() - 1;
    bytes[last] ^= 0x01;
    fs_err::write(&entries[1], &bytes).unwrap();

    let before = index.request_count();
    let repaired = resolve(&project, &["--exclude-newer", EXCLUDE_NEWER]);
    assert_eq!(page_stats(&repaired), "0 cached, 0 revalidated, 2 fetched");
    assert_eq!(page_requests(&index, before).len(), 2);
    assert_eq!(project.read("pylock.toml"), lock);

    let before = index.request_count();
    let warm = resolve(&project, &["--exclude-newer", EXCLUDE_NEWER]);
    assert_eq!(page_stats(&warm), "2 cached, 0 revalidated, 0 fetched");
    assert_eq!(page_requests(&index, before), []);
}

#[test]
fn two_processes_share_one_cache() {
    let index = index(chain);
    let project = Project::new(&index);
    project.write("requirements.in", "app\n");
    let cache = project.join("cache");
    let spawn = |output: &str| {
        let mut command = crate::hermetic::tailwheel(project.path());
        command
            .args(["resolve", "--no-progress", "requirements.in", "-o", output])
            .args(["--python-version", crate::common::PYTHON_VERSION])
            .args(["--python-platform", crate::common::PYTHON_PLATFORM])
            .args(["--index-url", &index.index_url()])
            .args(["--exclude-newer", EXCLUDE_NEWER])
            .arg("--cache-dir")
            .arg(&cache)
            .stdout(std::process::Stdio::null())
            .stderr(std::process::Stdio::null());
        command.spawn().expect("starting tailwheel")
    };
    let mut first = spawn("pylock.first.toml");
    let mut second = spawn("pylock.second.toml");
    assert!(first.wait().unwrap().success());
    assert!(second.wait().unwrap().success());

    // A run on its own, with a cache of its own, says what the lock should be.
    let alone = Project::new(&index);
    alone.write("requirements.in", "app\n");
    resolve(&alone, &["--exclude-newer", EXCLUDE_NEWER]);
    let expected = alone.read("pylock.toml");
    assert_eq!(project.read("pylock.first.toml"), expected);
    assert_eq!(project.read("pylock.second.toml"), expected);

    // The shared cache holds two intact entries and nothing else (no temporary files).
    assert_eq!(page_entries(&cache).len(), 2);
    let before = index.request_count();
    let warm = resolve(&project, &["--exclude-newer", EXCLUDE_NEWER]);
    assert_eq!(page_stats(&warm), "2 cached, 0 revalidated, 0 fetched");
    assert_eq!(index.requests()[before..], []);
}
