//! Issue 13: an interrupted run (a SIGINT or SIGKILL kills the process before any clean-up)
//! leaves `.part` files behind; the next run resumes or removes them and trips on none.

use std::path::Path;

use tw_download::{NoProgress, download_all};
use tw_test_index::IndexOptions;

use crate::{client, file_requests, names_in, options, request, start, wheel};

/// Every `.part` file under `dir`, recursively.
fn parts_under(dir: &Path) -> Vec<String> {
    let mut found = Vec::new();
    for entry in std::fs::read_dir(dir).expect("read the directory") {
        let path = entry.expect("a directory entry").path();
        if path.is_dir() {
            found.extend(parts_under(&path));
        } else if path.to_string_lossy().ends_with(".part") {
            found.push(path.display().to_string());
        }
    }
    found
}

#[tokio::test]
async fn leftover_part_files_are_resumed_or_removed() {
    let index = start(IndexOptions::default());
    let dest = tempfile::tempdir().unwrap();
    let cache = tempfile::tempdir().unwrap();
    let beta = index.file_bytes(&wheel("beta")).unwrap();
    let gamma = index.file_bytes(&wheel("gamma")).unwrap();
    // Partial good bytes, as a killed download leaves them.
    let half = beta.len() / 2;
    fs_err::write(
        dest.path().join(format!(".{}.k1Ll3d.part", wheel("beta"))),
        &beta[..half],
    )
    .unwrap();
    // Garbage, shorter than the file (a resume would give a wrong hash).
    fs_err::write(
        dest.path().join(format!(".{}.g4rb4g.part", wheel("gamma"))),
        vec![0x55; gamma.len() / 3],
    )
    .unwrap();
    // A cache entry's temp name left by a killed run.
    let sha = index.file_sha256(&wheel("beta")).unwrap();
    let shard = cache.path().join("files-v1").join(&sha[..2]);
    std::fs::create_dir_all(&shard).unwrap();
    fs_err::write(shard.join(format!(".{sha}.c4ch3d.part")), b"half a link").unwrap();

    let mut download_options = options(dest.path());
    download_options.cache_dir = Some(cache.path().to_path_buf());
    let requests = vec![request(&index, "beta"), request(&index, "gamma")];
    download_all(&client(), requests, &download_options, &NoProgress)
        .await
        .expect("leftovers do not stop the next run");

    assert_eq!(names_in(dest.path()), [wheel("beta"), wheel("gamma")]);
    assert_eq!(fs_err::read(dest.path().join(wheel("beta"))).unwrap(), beta);
    assert_eq!(
        fs_err::read(dest.path().join(wheel("gamma"))).unwrap(),
        gamma
    );
    assert_eq!(parts_under(cache.path()), Vec::<String>::new());
    // The good half was resumed, not fetched again.
    let beta_ranges: Vec<_> = file_requests(&index)
        .into_iter()
        .filter(|logged| logged.path.ends_with(&wheel("beta")))
        .map(|logged| logged.range)
        .collect();
    assert_eq!(beta_ranges, [Some(format!("bytes={half}-"))]);
}
