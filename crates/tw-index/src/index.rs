//! Reading the files of a project from every configured location.
//!
//! Indexes are asked in order; with the default `first-index` strategy the first index that
//! knows a project is the only one used for it (uv's default, which closes the dependency
//! confusion hole that pip's merged view has), while `unsafe-best-match` merges every index.
//! Find-links locations (pages or local directories) are always merged in, as pip and uv do.
//! Index pages are cached on disk when [`Index::with_cache`] says so (the module doc of
//! `cache.rs` gives the policy); local `file://` indexes and find-links are always read afresh.
//!
//! With an upload cutoff ([`Index::with_exclude_newer`]), files of an index uploaded after it
//! are dropped, and so are files whose upload time is missing or unparsable: every file of
//! an HTML-only index (PEP 700 upload times exist only in JSON pages). Keeping them would
//! let files of any age through a cutoff the user asked for, so they are excluded, with one
//! warning per index, as uv does. Find-links files carry no upload time either; they are
//! files the user pointed at, and are kept.

use std::path::PathBuf;
use std::str::FromStr;
use std::sync::Arc;
use std::sync::atomic::{AtomicBool, Ordering};

use jiff::Timestamp;
use pep508_rs::PackageName;
use tokio::sync::OnceCell;
use tracing::{debug, instrument, warn};
use url::Url;

use tw_client::header::HeaderMap;
use tw_client::{Client, redact_url};

use crate::cache::{
    CacheControl, CachedPage, IndexCacheOptions, PageCache, PageCounters, PageStats,
};
use crate::error::IndexError;
use crate::file::{CoreMetadata, IndexFile};
use crate::filename::DistFilename;
use crate::simple::{SIMPLE_ACCEPT, parse_html, parse_project_page};

/// How several indexes combine.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub enum IndexStrategy {
    /// Use only the first index that has the project (safe default).
    #[default]
    FirstIndex,
    /// Merge the files of every index (pip's behaviour; open to dependency confusion).
    UnsafeBestMatch,
}

impl FromStr for IndexStrategy {
    type Err = String;

    fn from_str(value: &str) -> Result<Self, Self::Err> {
        match value {
            "first-index" => Ok(Self::FirstIndex),
            "unsafe-best-match" => Ok(Self::UnsafeBestMatch),
            other => Err(format!(
                "unknown index strategy `{other}` (expected `first-index` or `unsafe-best-match`)"
            )),
        }
    }
}

/// A `--find-links` location.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum FindLinks {
    /// An HTML page listing files.
    Url(Url),
    /// A local directory of files.
    Directory(PathBuf),
}

/// Where packages come from.
#[derive(Clone, Debug, Default)]
pub struct IndexLocations {
    /// Simple API base URLs, in priority order (each ends with `/`).
    pub indexes: Vec<Url>,
    /// Find-links locations.
    pub find_links: Vec<FindLinks>,
    /// How indexes combine.
    pub strategy: IndexStrategy,
}

/// Every file of one project across the configured locations.
#[derive(Clone, Debug)]
pub struct ProjectFiles {
    /// The project.
    pub name: PackageName,
    /// Its files, in listing order.
    pub files: Vec<IndexFile>,
}

/// Reads project pages from indexes and find-links locations.
#[derive(Debug)]
pub struct Index {
    client: Client,
    locations: IndexLocations,
    find_links_files: OnceCell<Arc<[IndexFile]>>,
    cache: PageCache,
    cache_options: IndexCacheOptions,
    pages: PageCounters,
    exclude_newer: Option<Timestamp>,
    /// Per index of `locations.indexes`: whether the undated-files warning was given.
    undated_warned: Vec<AtomicBool>,
}

impl Index {
    /// An index reader over `locations`, sending requests through `client`.
    pub fn new(client: Client, mut locations: IndexLocations) -> Self {
        for index in &mut locations.indexes {
            if !index.path().ends_with('/') {
                let path = format!("{}/", index.path());
                index.set_path(&path);
            }
        }
        let undated_warned = locations
            .indexes
            .iter()
            .map(|_| AtomicBool::new(false))
            .collect();
        Self {
            client,
            locations,
            find_links_files: OnceCell::new(),
            cache: PageCache::default(),
            cache_options: IndexCacheOptions::default(),
            pages: PageCounters::default(),
            exclude_newer: None,
            undated_warned,
        }
    }

    /// Drop the files of indexes uploaded after `cutoff` (`--exclude-newer`), and those
    /// without a valid upload time, which cannot be shown to predate it (one warning per
    /// index says so). Find-links files are kept. `None` keeps every file.
    #[must_use]
    pub fn with_exclude_newer(mut self, cutoff: Option<Timestamp>) -> Self {
        self.exclude_newer = cutoff;
        self
    }

    /// Cache project pages as `options` say (without this call nothing is cached).
    #[must_use]
    pub fn with_cache(mut self, options: IndexCacheOptions) -> Self {
        self.cache = PageCache::new(options.cache_dir.as_deref());
        self.cache_options = options;
        self
    }

    /// How the project pages of HTTP(S) indexes were obtained so far: from the cache, by a
    /// 304, or in full.
    pub fn page_stats(&self) -> PageStats {
        self.pages.snapshot()
    }

    /// The configured locations.
    pub fn locations(&self) -> &IndexLocations {
        &self.locations
    }

    /// The HTTP client.
    pub fn client(&self) -> &Client {
        &self.client
    }

    /// All files of `name`. A project no location knows has no files (not an error); an
    /// index that refuses access (401/403) or fails is an error.
    #[instrument(level = "debug", skip(self), fields(package = %name))]
    pub async fn project(&self, name: &PackageName) -> Result<ProjectFiles, IndexError> {
        let mut files = Vec::new();
        for (position, index) in self.locations.indexes.iter().enumerate() {
            let found = self.project_from_index(index, name).await?;
            if let Some(found) = found {
                // An index whose files are all past the cutoff still has the project: with
                // `first-index` the next index is not asked (that would reopen dependency
                // confusion).
                files.extend(self.before_cutoff(position, index, found));
                if self.locations.strategy == IndexStrategy::FirstIndex {
                    break;
                }
            }
        }
        if !self.locations.find_links.is_empty() {
            let linked = self.find_links_files().await?;
            files.extend(
                linked
                    .iter()
                    .filter(|file| file.dist.name() == name)
                    .cloned(),
            );
        }
        debug!(files = files.len(), "project files");
        Ok(ProjectFiles {
            name: name.clone(),
            files,
        })
    }

    /// The files of `index` uploaded at or before the cutoff; files without a (valid)
    /// upload time are dropped too, with one warning per index.
    fn before_cutoff(&self, position: usize, index: &Url, files: Vec<IndexFile>) -> Vec<IndexFile> {
        let Some(cutoff) = self.exclude_newer else {
            return files;
        };
        let mut undated = None;
        let kept: Vec<IndexFile> = files
            .into_iter()
            .filter(|file| {
                if let Some(uploaded) = file.upload_time {
                    uploaded <= cutoff
                } else {
                    undated.get_or_insert_with(|| file.filename.clone());
                    false
                }
            })
            .collect();
        if let Some(filename) = undated {
            debug!(file = %filename, "no upload time: excluded by the cutoff");
            let warned = self
                .undated_warned
                .get(position)
                .is_some_and(|flag| flag.swap(true, Ordering::Relaxed));
            if !warned {
                warn!(
                    "`{}` gives no valid upload time for some files (such as `{filename}`): they are excluded because `--exclude-newer` cannot be checked for them",
                    redact_url(index)
                );
            }
        }
        kept
    }

    async fn project_from_index(
        &self,
        index: &Url,
        name: &PackageName,
    ) -> Result<Option<Vec<IndexFile>>, IndexError> {
        let page_url = index
            .join(&format!("{name}/"))
            .map_err(|err| IndexError::Page {
                url: redact_url(index),
                reason: err.to_string(),
            })?;
        if page_url.scheme() == "file" {
            return self.project_from_local_index(&page_url, name, index).await;
        }
        let entry = self.cache.path(&page_url);
        let mut stored = match &entry {
            Some(path) => self.cache.read(path, &page_url).await,
            None => None,
        };
        let now = Timestamp::now();
        let mut conditional = HeaderMap::new();
        if let Some(page) = &stored {
            if page.usable_without_request(&self.cache_options, now) {
                debug!("project page from the cache");
                self.pages.count_cached();
                return Ok(page.files(name, index));
            }
            conditional = page.conditional_headers();
        }
        let response = self
            .client
            .get_with_headers(&page_url, Some(SIMPLE_ACCEPT), &conditional)
            .await?;
        if response.status == 304
            && !conditional.is_empty()
            && let (Some(path), Some(page)) = (&entry, &mut stored)
        {
            debug!("project page unchanged (304)");
            self.pages.count_revalidated();
            page.revalidated(&response.headers, now);
            self.cache.write(path, page).await;
            return Ok(page.files(name, index));
        }
        self.pages.count_fetched();
        let store = entry.filter(|_| !CacheControl::from_headers(&response.headers).no_store());
        match response.status {
            404 | 410 => {
                if let Some(path) = &store {
                    let page = CachedPage::missing(
                        &page_url,
                        &response.url,
                        response.status,
                        &response.headers,
                        now,
                    );
                    self.cache.write(path, &page).await;
                }
                return Ok(None);
            }
            401 | 403 => {
                return Err(IndexError::Denied {
                    url: redact_url(&page_url),
                    package: name.to_string(),
                    status: response.status,
                });
            }
            _ => {}
        }
        let response = response.error_for_status()?;
        let content_type = response.content_type();
        let files = parse_project_page(
            &response.body,
            content_type.as_deref(),
            &response.url,
            name,
            index,
        )?;
        if let Some(path) = &store {
            // The same test `parse_project_page` uses to pick the parser.
            let json = content_type.as_deref().is_some_and(|t| t.contains("json"));
            let page = CachedPage::found(
                &page_url,
                &response.url,
                &response.headers,
                &files,
                json,
                now,
            );
            self.cache.write(path, &page).await;
        }
        Ok(Some(files))
    }

    /// A `file://` index: `<dir>/<name>/index.html` like a static mirror.
    async fn project_from_local_index(
        &self,
        page_url: &Url,
        name: &PackageName,
        index: &Url,
    ) -> Result<Option<Vec<IndexFile>>, IndexError> {
        let Ok(page) = page_url.join("index.html") else {
            return Ok(None);
        };
        match self.client.get(&page, None).await {
            Ok(response) => {
                let text = String::from_utf8_lossy(&response.body);
                Ok(Some(parse_html(&text, &page, Some(name), index)))
            }
            Err(tw_client::ClientError::File { source, .. })
                if source.kind() == std::io::ErrorKind::NotFound =>
            {
                Ok(None)
            }
            Err(err) => Err(err.into()),
        }
    }

    async fn find_links_files(&self) -> Result<Arc<[IndexFile]>, IndexError> {
        self.find_links_files
            .get_or_try_init(|| async {
                let mut all = Vec::new();
                for location in &self.locations.find_links {
                    match location {
                        FindLinks::Url(url) => {
                            let response = self
                                .client
                                .get(url, Some("text/html"))
                                .await?
                                .error_for_status()?;
                            let text = String::from_utf8_lossy(&response.body);
                            all.extend(parse_html(&text, &response.url, None, url));
                        }
                        FindLinks::Directory(dir) => all.extend(list_directory(dir)?),
                    }
                }
                Ok(Arc::from(all))
            })
            .await
            .cloned()
    }
}

fn list_directory(dir: &PathBuf) -> Result<Vec<IndexFile>, IndexError> {
    let error = |source| IndexError::Directory {
        path: dir.display().to_string(),
        source,
    };
    let mut entries: Vec<_> = fs_err::read_dir(dir)
        .map_err(error)?
        .filter_map(Result::ok)
        .map(|entry| entry.path())
        .collect();
    entries.sort();
    let source = Url::from_directory_path(dir)
        .map(std::sync::Arc::new)
        .map_err(|()| {
            error(std::io::Error::new(
                std::io::ErrorKind::InvalidInput,
                "not an absolute path",
            ))
        })?;
    let mut files = Vec::new();
    for path in entries {
        let Some(filename) = path
            .file_name()
            .and_then(|f| f.to_str())
            .map(str::to_string)
        else {
            continue;
        };
        let Some(dist) = guess(&filename) else {
            continue;
        };
        let Ok(url) = Url::from_file_path(&path) else {
            continue;
        };
        let size = fs_err::metadata(&path).ok().map(|m| m.len());
        files.push(IndexFile {
            filename,
            dist,
            url,
            sha256: None,
            requires_python: None,
            yanked: None,
            upload_time: None,
            size,
            core_metadata: CoreMetadata::Absent,
            source: std::sync::Arc::clone(&source),
        });
    }
    Ok(files)
}

fn guess(filename: &str) -> Option<DistFilename> {
    let page = Url::parse("file:///").ok()?;
    let anchor = format!("<a href=\"{filename}\">");
    parse_html(&anchor, &page, None, &page)
        .pop()
        .map(|file| file.dist)
}
