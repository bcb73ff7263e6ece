//! `tailwheel download` and `tailwheel resolve --download`: the locked files to a folder,
//! in parallel, hash-verified, never half-written.

use std::path::Path;
use std::str::FromStr;
use std::sync::Arc;
use std::time::Instant;

use anyhow::anyhow;
use indicatif::{ProgressBar, ProgressDrawTarget, ProgressStyle};
use pep440_rs::Operator;
use pep508_rs::VersionOrUrl;
use tracing::{debug, warn};

use tw_download::{DownloadError, DownloadOptions, DownloadRequest, Downloaded, Outcome};
use tw_index::{Index, IndexCacheOptions, WheelFilename};
use tw_lock::LockFormat;
use tw_platform::Target;
use tw_resolver::Resolution;

use crate::args::DownloadArgs;
use crate::environment::Environment;
use crate::failure::Failure;
use crate::printer::Printer;

/// `tailwheel download LOCKFILE -d DIR`.
pub(crate) async fn run(
    args: &DownloadArgs,
    env: &Environment,
    printer: &Printer,
) -> Result<(), Failure> {
    let cache = crate::commands::resolve::cache_dir(args.cache_dir.as_deref(), args.no_cache, env);
    let (target, interpreter_index) = crate::settings::target(&args.target, env, cache.as_deref())?;
    let client = crate::settings::client_builder(env, None)?
        .concurrency(args.concurrency.max(1))
        .build()
        .map_err(Failure::network)?;
    let mut plan = crate::direct::DownloadPlan::default();
    let mut requests = match LockFormat::from_path(&args.lockfile) {
        LockFormat::Pylock => from_pylock(&args.lockfile, &target, &mut plan)?,
        LockFormat::RequirementsTxt => {
            let lookup = |name: &str| env.var(name);
            let set = tw_requirements::read_requirements_txt(&args.lockfile, &lookup)
                .map_err(Failure::input)?;
            let locations = crate::settings::index_locations(
                &args.index,
                args.target.python.as_deref(),
                env,
                &set.index,
                interpreter_index,
                cache.as_deref(),
            )?;
            let index = Index::new(client.clone(), locations).with_cache(IndexCacheOptions {
                cache_dir: cache.clone(),
                refresh: args.refresh,
                ..IndexCacheOptions::default()
            });
            for entry in &set.direct {
                if entry.marker.evaluate(&target.markers, &[]) {
                    plan.add_entry(entry)?;
                }
            }
            from_requirements(&set, &index, &target).await?
        }
    };
    requests.append(&mut plan.requests);
    let options = DownloadOptions {
        dest: args.dest.clone(),
        concurrency: args.concurrency.max(1),
        retries: 3,
        cache_dir: cache,
    };
    fetch(&client, requests, &options, printer).await?;
    plan.finish(&args.dest, args.vcs, *printer).await
}

/// The best file of a locked package for `target`: the best-ranked compatible wheel, else
/// the sdist.
fn best_file<'a>(
    wheels: impl Iterator<Item = (&'a str, &'a tw_lock::LockedFile)>,
    sdist: Option<&'a tw_lock::LockedFile>,
    target: &Target,
) -> Option<&'a tw_lock::LockedFile> {
    wheels
        .filter_map(|(filename, file)| {
            let wheel = WheelFilename::from_str(filename).ok()?;
            let rank = target
                .tags
                .best_rank(&wheel.python(), &wheel.abi(), &wheel.platform())?;
            Some((rank, file))
        })
        .min_by_key(|(rank, _)| *rank)
        .map(|(_, file)| file)
        .or(sdist)
}

fn from_pylock(
    path: &Path,
    target: &Target,
    plan: &mut crate::direct::DownloadPlan,
) -> Result<Vec<DownloadRequest>, Failure> {
    let lock = tw_lock::read_pylock(path).map_err(Failure::input)?;
    let mut requests = Vec::new();
    // A universal lock may list one name several times under disjoint markers: take the
    // entry whose marker holds for the target, and refuse a lock where two do (PEP 751:
    // "an error about the ambiguity MUST be raised").
    let mut selected: Vec<&tw_lock::LockedPackage> = Vec::new();
    for package in &lock.packages {
        if !package
            .marker
            .as_ref()
            .is_none_or(|marker| marker.evaluate(&target.markers, &[]))
        {
            continue;
        }
        if let Some(other) = selected.iter().find(|other| other.name == package.name) {
            return Err(Failure::input(anyhow!(
                "`{}`: both `{}=={}` and `{}=={}` apply to the target environment; their markers must not overlap",
                path.display(),
                other.name,
                other.version,
                package.name,
                package.version
            )));
        }
        selected.push(package);
    }
    for package in selected {
        // Issue 16: direct references (a project, an archive, a git commit).
        if let Some(source) = &package.source {
            plan.add(package.name.as_ref(), source)?;
            continue;
        }
        let file = best_file(
            package.wheels.iter().map(|w| (w.filename.as_str(), w)),
            package.sdist.as_ref(),
            target,
        )
        .ok_or_else(|| {
            Failure::input(anyhow!(
                "`{}`: `{}=={}` has no file for the target environment",
                path.display(),
                package.name,
                package.version
            ))
        })?;
        let sha256 = file.sha256.clone().ok_or_else(|| {
            Failure::input(anyhow!(
                "`{}`: `{}` has no sha256",
                path.display(),
                file.filename
            ))
        })?;
        requests.push(DownloadRequest {
            name: package.name.to_string(),
            filename: file.filename.clone(),
            url: file.url.clone(),
            sha256,
            size: file.size,
        });
    }
    Ok(requests)
}

/// A hashed requirements.txt has no URLs: find each pinned file on the index by name,
/// version and hash.
async fn from_requirements(
    set: &tw_requirements::RequirementsSet,
    index: &Index,
    target: &Target,
) -> Result<Vec<DownloadRequest>, Failure> {
    let mut requests = Vec::new();
    for entry in &set.requirements {
        if !entry.requirement.marker.evaluate(&target.markers, &[]) {
            continue;
        }
        let origin = &entry.origin;
        let Some(VersionOrUrl::VersionSpecifier(specifiers)) = &entry.requirement.version_or_url
        else {
            return Err(Failure::input(anyhow!(
                "`{origin}`: `{}` is not pinned with `==`",
                entry.requirement
            )));
        };
        let pinned = specifiers
            .iter()
            .find(|s| matches!(s.operator(), Operator::Equal | Operator::ExactEqual))
            .map(|s| s.version().clone())
            .ok_or_else(|| {
                Failure::input(anyhow!(
                    "`{origin}`: `{}` is not pinned with `==`",
                    entry.requirement
                ))
            })?;
        let allowed: Vec<String> = entry
            .hashes
            .iter()
            .filter_map(|h| h.strip_prefix("sha256:"))
            .map(str::to_ascii_lowercase)
            .collect();
        let name = &entry.requirement.name;
        let project = index.project(name).await.map_err(Failure::network)?;
        let candidates: Vec<tw_lock::LockedFile> = project
            .files
            .iter()
            .filter(|f| f.dist.version() == &pinned)
            .filter(|f| {
                allowed.is_empty() || f.sha256.as_ref().is_some_and(|h| allowed.contains(h))
            })
            .map(|f| tw_lock::LockedFile {
                filename: f.filename.clone(),
                url: f.url.clone(),
                size: f.size,
                upload_time: f.upload_time,
                sha256: f.sha256.clone(),
            })
            .collect();
        if allowed.is_empty() {
            warn!("`{origin}`: `{name}=={pinned}` has no `--hash`; trusting the index's hashes");
        }
        let wheels = candidates
            .iter()
            .filter(|f| f.filename.ends_with(".whl"))
            .map(|f| (f.filename.as_str(), f));
        let sdist = candidates.iter().find(|f| !f.filename.ends_with(".whl"));
        let file = best_file(wheels, sdist, target).ok_or_else(|| {
            Failure::network(anyhow!(
                "`{origin}`: no file of `{name}=={pinned}` with a listed hash is on the index for the target environment"
            ))
        })?;
        let sha256 = file.sha256.clone().ok_or_else(|| {
            Failure::network(anyhow!("the index gives no sha256 for `{}`", file.filename))
        })?;
        requests.push(DownloadRequest {
            name: name.to_string(),
            filename: file.filename.clone(),
            url: file.url.clone(),
            sha256,
            size: file.size,
        });
    }
    Ok(requests)
}

/// The files `resolve --download` fetches: each package's chosen file; direct packages go
/// to `plan` (archives are fetched, local projects and git sources are not).
pub(crate) fn from_resolution(
    resolution: &Resolution,
    plan: &mut crate::direct::DownloadPlan,
) -> Result<Vec<DownloadRequest>, Failure> {
    for package in &resolution.packages {
        if let Some(direct) = &package.direct {
            plan.add(package.name.as_ref(), &tw_lock::LockedSource::from(direct))?;
        }
    }
    let mut requests: Vec<DownloadRequest> = resolution
        .packages
        .iter()
        .filter(|package| package.direct.is_none())
        .map(|package| {
            let file = &package.chosen;
            let sha256 = tw_lock::locked_file_hash(file).ok_or_else(|| {
                Failure::network(anyhow!(
                    "no sha256 is known for `{}`; it cannot be verified",
                    file.filename
                ))
            })?;
            Ok(DownloadRequest {
                name: package.name.to_string(),
                filename: file.filename.clone(),
                url: file.url.clone(),
                sha256,
                size: file.size,
            })
        })
        .collect::<Result<_, Failure>>()?;
    requests.append(&mut plan.requests);
    Ok(requests)
}

/// Check the METADATA of every downloaded wheel against what the resolution used (which
/// came from a `.metadata` file or a zip tail, neither covered by the wheel's hash); with
/// `allow_mismatch` a difference is a warning.
pub(crate) fn verify_metadata(
    resolution: &Resolution,
    downloaded: &[Downloaded],
    allow_mismatch: bool,
    printer: Printer,
) -> Result<(), Failure> {
    // Direct packages' metadata came from the whole archive already (issue 16).
    for package in resolution.packages.iter().filter(|p| p.direct.is_none()) {
        let Some(file) = downloaded
            .iter()
            .find(|file| file.request.filename == package.chosen.filename)
        else {
            continue;
        };
        match tw_download::check_wheel_metadata(&file.path, &package.chosen, &package.metadata) {
            Ok(()) => {}
            Err(DownloadError::MetadataMismatch(mismatch)) if allow_mismatch => {
                printer.warn(&mismatch.to_string());
            }
            Err(DownloadError::MetadataMismatch(mismatch)) => {
                return Err(Failure::network(anyhow!(
                    "{mismatch} (pass `--allow-metadata-mismatch` to continue anyway)"
                )));
            }
            Err(err @ DownloadError::ReadDownloaded { .. }) => return Err(Failure::input(err)),
            Err(err) => return Err(Failure::network(err)),
        }
    }
    Ok(())
}

/// Progress on stderr: one bar with bytes, rate and ETA, and the last finished file.
struct BarProgress(Option<ProgressBar>);

impl tw_download::Progress for BarProgress {
    fn total(&self, files: usize, bytes: Option<u64>) {
        if let Some(bar) = &self.0 {
            bar.set_length(bytes.unwrap_or(0));
            bar.set_message(format!("{files} files"));
        }
    }

    fn advance(&self, bytes: u64) {
        if let Some(bar) = &self.0 {
            bar.inc(bytes);
        }
    }

    fn finished(&self, filename: &str) {
        if let Some(bar) = &self.0 {
            bar.set_message(filename.to_string());
        }
    }
}

/// Download `requests`, showing progress and a one-line summary.
pub(crate) async fn fetch(
    client: &tw_client::Client,
    requests: Vec<DownloadRequest>,
    options: &DownloadOptions,
    printer: &Printer,
) -> Result<Vec<Downloaded>, Failure> {
    let started = Instant::now();
    let bar = printer.progress_enabled().then(|| {
        let bar = ProgressBar::with_draw_target(Some(0), ProgressDrawTarget::stderr());
        if let Ok(style) = ProgressStyle::with_template(
            "{bar:30} {bytes}/{total_bytes} {bytes_per_sec} eta {eta} {wide_msg}",
        ) {
            bar.set_style(style);
        }
        bar
    });
    let progress = Arc::new(BarProgress(bar.clone()));
    let result = tw_download::download_all(client, requests, options, progress.as_ref()).await;
    if let Some(bar) = bar {
        bar.finish_and_clear();
    }
    let downloaded = result.map_err(Failure::network)?;
    let fetched: Vec<_> = downloaded
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::Fetched { .. }))
        .collect();
    let bytes: u64 = downloaded
        .iter()
        .map(|d| match d.outcome {
            Outcome::Fetched { bytes } => bytes,
            _ => 0,
        })
        .sum();
    let present = downloaded
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::AlreadyPresent))
        .count();
    let cached = downloaded
        .iter()
        .filter(|d| matches!(d.outcome, Outcome::FromCache))
        .count();
    debug!(files = downloaded.len(), "downloads done");
    printer.info(&format!(
        "Downloaded {} files ({:.1} MB) in {:.2}s into `{}`; {present} already present, {cached} from the cache",
        fetched.len(),
        bytes as f64 / 1e6,
        started.elapsed().as_secs_f64(),
        options.dest.display()
    ));
    Ok(downloaded)
}
