//! The batch: plan (validate, merge duplicates), then each file in turn of a bounded stream:
//! already present → from the cache → fetched, verified and renamed into place.

use rustc_hash::FxHashMap;
use std::path::PathBuf;
use std::time::Instant;

use futures::StreamExt as _;
use futures::stream::FuturesUnordered;
use tracing::{debug, info, instrument, warn};
use tw_client::Client;

use crate::cache;
use crate::error::DownloadError;
use crate::fetch::{Fetched, fetch, io_error};
use crate::files::{adopt_leftover, blocking, hash_file, persist};
use crate::progress::Progress;
use crate::request::{DownloadOptions, DownloadRequest, Downloaded, Outcome};

/// One distinct file to put in place.
struct Job<'a> {
    request: &'a DownloadRequest,
    /// The validated, lower-case expected hash.
    sha256: String,
}

/// Download every file of `requests` into [`DownloadOptions::dest`], at most
/// [`DownloadOptions::concurrency`] at once, and return them in the order of `requests`.
/// The future is `Send`, so it can be spawned.
///
/// A file already in the destination with the right SHA-256 is kept without a request; one
/// with another hash is replaced. Each download streams into `.<filename>.<random>.part`
/// next to its final name while it is hashed, resumes with a range request when the body
/// is cut off, and is renamed into place only when its hash matches: the final name never
/// holds a partial or wrong file, even if this future is dropped half-way (the temp file is
/// removed then). Requests naming the same file with the same hash are fetched once.
///
/// The first failure stops the batch: no further downloads start, those in flight are
/// dropped (their temp files removed), and the error is returned. Files completed before
/// it stay in place.
#[instrument(skip_all, fields(files = requests.len(), dest = %options.dest.display()))]
pub async fn download_all(
    client: &Client,
    requests: Vec<DownloadRequest>,
    options: &DownloadOptions,
    progress: &dyn Progress,
) -> Result<Vec<Downloaded>, DownloadError> {
    let started = Instant::now();
    let (jobs, slots) = plan(&requests)?;
    let dest = options.dest.clone();
    blocking(move || fs_err::create_dir_all(&dest))
        .await
        .map_err(|source| DownloadError::CreateDir {
            dir: options.dest.clone(),
            source,
        })?;
    let total_bytes = jobs.iter().map(|job| job.request.size).sum::<Option<u64>>();
    progress.total(jobs.len(), total_bytes);

    // A hand-fed `FuturesUnordered` rather than `stream::iter(..).map(..).buffer_unordered(n)`:
    // the same bound, but no closure in the future's type, whose higher-ranked lifetimes
    // would keep the compiler from seeing that this future is `Send` (so callers can spawn
    // it).
    let mut done: Vec<Option<(PathBuf, Outcome)>> = vec![None; jobs.len()];
    let mut waiting = jobs.iter().enumerate();
    let mut running = FuturesUnordered::new();
    for (index, job) in waiting.by_ref().take(options.concurrency.max(1)) {
        running.push(download_one(index, client, job, options, progress));
    }
    while let Some((index, result)) = running.next().await {
        match result {
            Ok(placed) => done[index] = Some(placed),
            Err(error) => {
                debug!(
                    cancelled = running.len(),
                    "stopping after the first failure"
                );
                return Err(error);
            }
        }
        if let Some((index, job)) = waiting.next() {
            running.push(download_one(index, client, job, options, progress));
        }
    }
    // They borrow `requests`, which the results take over.
    drop(running);
    drop(jobs);

    let (mut fetched, mut bytes, mut present, mut cached) = (0usize, 0u64, 0usize, 0usize);
    for (_, outcome) in done.iter().flatten() {
        match outcome {
            Outcome::Fetched { bytes: size } => {
                fetched += 1;
                bytes += size;
            }
            Outcome::AlreadyPresent => present += 1,
            Outcome::FromCache => cached += 1,
        }
    }
    info!(
        fetched,
        bytes,
        already_present = present,
        from_cache = cached,
        "downloads complete in {:?}",
        started.elapsed()
    );
    Ok(requests
        .into_iter()
        .zip(slots)
        .map(|(request, slot)| {
            let (path, outcome) = done[slot]
                .clone()
                .expect("the stream ended, so every job reported once and none failed");
            Downloaded {
                request,
                path,
                outcome,
            }
        })
        .collect())
}

/// The distinct files to fetch, and for each request the index of its job.
fn plan(requests: &[DownloadRequest]) -> Result<(Vec<Job<'_>>, Vec<usize>), DownloadError> {
    let mut jobs: Vec<Job<'_>> = Vec::with_capacity(requests.len());
    let mut by_filename: FxHashMap<&str, usize> = FxHashMap::default();
    let mut slots = Vec::with_capacity(requests.len());
    for request in requests {
        let sha256 = request.validate()?;
        if let Some(&slot) = by_filename.get(request.filename.as_str()) {
            if jobs[slot].sha256 != sha256 {
                return Err(DownloadError::Conflict {
                    filename: request.filename.clone(),
                    first: jobs[slot].sha256.clone(),
                    second: sha256,
                });
            }
            slots.push(slot);
            continue;
        }
        by_filename.insert(&request.filename, jobs.len());
        slots.push(jobs.len());
        jobs.push(Job { request, sha256 });
    }
    Ok((jobs, slots))
}

/// Put job `index` in place; the index comes back with the result.
async fn download_one(
    index: usize,
    client: &Client,
    job: &Job<'_>,
    options: &DownloadOptions,
    progress: &dyn Progress,
) -> (usize, Result<(PathBuf, Outcome), DownloadError>) {
    (index, place(client, job, options, progress).await)
}

/// Put one file in place: keep it, link it from the cache, or fetch it.
#[instrument(level = "debug", skip_all, fields(filename = %job.request.filename))]
async fn place(
    client: &Client,
    job: &Job<'_>,
    options: &DownloadOptions,
    progress: &dyn Progress,
) -> Result<(PathBuf, Outcome), DownloadError> {
    let request = job.request;
    let dest = &options.dest;
    let target = dest.join(&request.filename);

    match hash_file(target.clone())
        .await
        .map_err(|source| io_error(request, dest, source))?
    {
        Some((actual, size)) if actual == job.sha256 => {
            debug!("already present");
            progress.advance(size);
            progress.finished(&request.filename);
            return Ok((target, Outcome::AlreadyPresent));
        }
        Some((actual, _)) => debug!(%actual, "present with another hash; replacing it"),
        None => {}
    }

    if let Some(cache) = &options.cache_dir {
        match cache::restore(cache, &job.sha256, dest, &request.filename).await {
            Ok(Some(size)) => {
                debug!("from the cache");
                progress.advance(size);
                progress.finished(&request.filename);
                return Ok((target, Outcome::FromCache));
            }
            Ok(None) => {}
            Err(error) => warn!(%error, "cannot use the cache; downloading"),
        }
    }

    // The `.part` files an interrupted run left for this file: the longest is resumed (and
    // dropped if the whole then has another hash), the others removed.
    let leftover = {
        let (dir, name) = (dest.clone(), request.filename.clone());
        blocking(move || adopt_leftover(&dir, &name))
            .await
            .map_err(|source| io_error(request, dest, source))?
    };
    let Fetched { temp, bytes, file } = fetch(
        client,
        request,
        &job.sha256,
        dest,
        options.retries,
        progress,
        leftover,
    )
    .await?;
    persist(temp, &target).map_err(|source| io_error(request, dest, source))?;
    // Closing releases the lock only now that the temp name is gone.
    drop(file);
    debug!(bytes, "downloaded");
    if let Some(cache) = &options.cache_dir
        && let Err(error) = cache::store(cache, &job.sha256, &target).await
    {
        warn!(%error, "cannot add the download to the cache");
    }
    progress.finished(&request.filename);
    Ok((target, Outcome::Fetched { bytes }))
}
