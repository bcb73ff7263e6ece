//! Settings shared by the commands: the target environment and the package locations,
//! resolved from flags, requirement files and the environment (the second stage after clap).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::anyhow;
use tracing::{debug, warn};
use url::Url;

use tw_index::{FindLinks, IndexLocations, IndexStrategy};
use tw_platform::{PythonPlatform, PythonVersionRequest, Target};
use tw_requirements::IndexSettings;

use crate::args::{IndexArgs, TargetArgs};
use crate::environment::Environment;
use crate::failure::Failure;
use crate::pip_conf;

/// The target environment and, when an interpreter was asked, its pip's default index.
pub(crate) fn target(
    args: &TargetArgs,
    env: &Environment,
) -> Result<(Target, Option<String>), Failure> {
    let version = args
        .python_version
        .as_deref()
        .map(PythonVersionRequest::from_str)
        .transpose()
        .map_err(Failure::input)?;
    let platform = args
        .python_platform
        .as_deref()
        .map(PythonPlatform::from_str)
        .transpose()
        .map_err(Failure::input)?;
    if let (Some(version), Some(platform)) = (&version, &platform) {
        return Ok((tw_platform::target_from_platform(version, platform), None));
    }
    let python = match &args.python {
        Some(python) => python.clone(),
        None => tw_platform::find_python(env.path.as_deref()).ok_or_else(|| {
            Failure::input(anyhow!(
                "no Python interpreter found on PATH; pass `--python PATH`, or `--python-version` with `--python-platform` to resolve without one"
            ))
        })?,
    };
    let info = tw_platform::query_interpreter(&python).map_err(Failure::input)?;
    let mut target = info.target;
    if let Some(platform) = &platform {
        let version = PythonVersionRequest::from_str(&target.python_full_version.to_string())
            .map_err(Failure::input)?;
        target = tw_platform::target_from_platform(&version, platform);
    }
    if let Some(version) = &version {
        target = target.with_python_version(version);
    }
    Ok((target, info.pip_default_index))
}

pub(crate) fn parse_index_url(value: &str, origin: &str) -> Result<Url, Failure> {
    let url = Url::parse(value).or_else(|_| {
        // A local directory laid out like a simple index.
        let path = Path::new(value);
        if path.is_absolute() {
            Url::from_directory_path(path).map_err(|()| url::ParseError::RelativeUrlWithoutBase)
        } else {
            Err(url::ParseError::RelativeUrlWithoutBase)
        }
    });
    url.map_err(|err| {
        Failure::input(anyhow!(
            "invalid index URL `{value}` (from {origin}): {err}"
        ))
    })
}

pub(crate) fn index_locations(
    args: &IndexArgs,
    python: Option<&std::path::Path>,
    env: &Environment,
    files: &IndexSettings,
    interpreter_index: Option<String>,
) -> Result<IndexLocations, Failure> {
    let strategy =
        IndexStrategy::from_str(&args.index_strategy).map_err(|e| Failure::input(anyhow!(e)))?;
    let mut find_links = Vec::new();
    for link in args.find_links.iter().chain(&files.find_links) {
        let location = if link.contains("://") {
            FindLinks::Url(parse_index_url(link, "--find-links")?)
        } else {
            let path = std::path::absolute(link).unwrap_or_else(|_| PathBuf::from(link));
            FindLinks::Directory(path)
        };
        find_links.push(location);
    }
    let mut indexes = Vec::new();
    if !(args.no_index || files.no_index) {
        let pip_config = pip_conf::load(env);
        let main = if let Some(url) = &args.index_url {
            Some((url.clone(), "--index-url".to_string()))
        } else if let Some(url) = &files.index_url {
            Some((url.clone(), "a requirements file".to_string()))
        } else if let Some(url) = &env.pip_index_url {
            Some((url.clone(), "PIP_INDEX_URL".to_string()))
        } else if let Some(url) = &env.uv_index_url {
            Some((url.clone(), "UV_INDEX_URL".to_string()))
        } else if let Some((url, path)) = &pip_config.index_url {
            Some((url.clone(), path.display().to_string()))
        } else {
            interpreter_index
                .or_else(|| pip_default_index(python, env))
                .map(|url| (url, "the interpreter's pip default".to_string()))
        };
        let Some((main, origin)) = main else {
            return Err(Failure::input(anyhow!(
                "no package index is configured: pass `--index-url URL`, set `PIP_INDEX_URL` or `UV_INDEX_URL`, \
                 add `index-url` to pip.conf, or install pip in the target interpreter; use `--no-index` with `--find-links` to resolve from files only"
            )));
        };
        debug!(index = %redact_word(&main), %origin, "main index");
        indexes.push(parse_index_url(&main, &origin)?);
        let extra = args
            .extra_index_url
            .iter()
            .chain(&files.extra_index_urls)
            .cloned()
            .chain(
                env.pip_extra_index_url
                    .iter()
                    .flat_map(|v| v.split_whitespace().map(str::to_string)),
            )
            .chain(pip_config.extra_index_urls.iter().cloned());
        for url in extra {
            let url = parse_index_url(&url, "--extra-index-url")?;
            if !indexes.contains(&url) {
                indexes.push(url);
            }
        }
    } else if find_links.is_empty() {
        return Err(Failure::input(anyhow!(
            "`--no-index` needs `--find-links`: there is nowhere to find packages"
        )));
    }
    Ok(IndexLocations {
        indexes,
        find_links,
        strategy,
    })
}

/// pip's default index, asked of the interpreter when the target came from flags alone.
fn pip_default_index(python: Option<&Path>, env: &Environment) -> Option<String> {
    let python = python
        .map(Path::to_path_buf)
        .or_else(|| tw_platform::find_python(env.path.as_deref()))?;
    match tw_platform::query_interpreter(&python) {
        Ok(info) => info.pip_default_index,
        Err(err) => {
            warn!(
                "cannot ask `{}` for pip's default index: {err}",
                python.display()
            );
            None
        }
    }
}

/// Hide `user:password@` in any URL inside a command-line word, as pip-compile does.
pub(crate) fn redact_word(word: &str) -> String {
    let Some(scheme_end) = word.find("://") else {
        return word.to_string();
    };
    let rest = &word[scheme_end + 3..];
    let authority_end = rest.find('/').unwrap_or(rest.len());
    match rest[..authority_end].rfind('@') {
        Some(at) => format!("{}****{}", &word[..scheme_end + 3], &rest[at..]),
        None => word.to_string(),
    }
}
