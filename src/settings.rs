//! Settings shared by the commands: the target environment and the package locations,
//! resolved from flags, requirement files and the environment (the second stage after clap).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::anyhow;
use tracing::{debug, warn};
use url::Url;

use tw_client::{ClientBuilder, Credentials, Secret};
use tw_index::{FindLinks, IndexLocations, IndexStrategy};
use tw_platform::{PythonPlatform, PythonVersionRequest, Target};
use tw_requirements::IndexSettings;

use crate::args::{IndexArgs, TargetArgs};
use crate::environment::Environment;
use crate::failure::Failure;
use crate::pip_conf;

/// The target environment and, when an interpreter was asked, its pip's default index.
/// Interpreter answers are cached in `cache` (see [`tw_platform::query_interpreter_cached`]).
pub(crate) fn target(
    args: &TargetArgs,
    env: &Environment,
    cache: Option<&Path>,
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
    let info = tw_platform::query_interpreter_cached(&python, cache).map_err(Failure::input)?;
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
    cache: Option<&Path>,
) -> Result<IndexLocations, Failure> {
    let strategy =
        IndexStrategy::from_str(&args.index_strategy).map_err(|e| Failure::input(anyhow!(e)))?;
    let mut find_links = Vec::new();
    // Order: the command line, requirement files, `PIP_FIND_LINKS` (space-separated), pip.conf.
    let pip_find_links: Vec<String> = env
        .var("PIP_FIND_LINKS")
        .iter()
        .flat_map(|value| value.split_whitespace().map(str::to_string))
        .chain(pip_conf::load(env).find_links)
        .collect();
    for link in args
        .find_links
        .iter()
        .chain(&files.find_links)
        .chain(&pip_find_links)
    {
        let location = if link.contains("://") {
            FindLinks::Url(parse_index_url(link, "--find-links")?)
        } else {
            let path = std::path::absolute(link).unwrap_or_else(|_| PathBuf::from(link));
            FindLinks::Directory(path)
        };
        find_links.push(location);
    }
    let mut indexes = Vec::new();
    let netrc = Netrc::load(env);
    if !(args.no_index || files.no_index) {
        // Named indexes come first (uv's `--index` has priority over every other index).
        for value in &args.named_indexes {
            let (name, url) = parse_named_index(value)?;
            let mut url = parse_index_url(url, "--index")?;
            if let Some(name) = name {
                add_env_credentials(&mut url, &name, env);
            }
            if !indexes.contains(&url) {
                indexes.push(url);
            }
        }
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
        } else if !indexes.is_empty() {
            // `--index` names the indexes to use; never add the interpreter's default (a
            // public index) behind them, where dependency confusion would start.
            None
        } else {
            interpreter_index
                .or_else(|| pip_default_index(python, env, cache))
                .map(|url| (url, "the interpreter's pip default".to_string()))
        };
        let main = match main {
            None if !indexes.is_empty() => None,
            None => {
                return Err(Failure::input(anyhow!(
                    "no package index is configured: pass `--index-url URL`, set `PIP_INDEX_URL` or `UV_INDEX_URL`, \
                 add `index-url` to pip.conf, or install pip in the target interpreter; use `--no-index` with `--find-links` to resolve from files only"
                )));
            }
            Some(main) => Some(main),
        };
        // Extra indexes come before the main one, as in uv: with `first-index` a private
        // extra index then owns its names even when the main (often public) index has a
        // higher version of them, which is what stops dependency confusion. Order: the
        // command line, requirement files, `PIP_EXTRA_INDEX_URL`, pip.conf.
        let extra = args
            .extra_index_url
            .iter()
            .map(|url| (url.clone(), "--extra-index-url"))
            .chain(files.extra_index_urls.iter().map(|url| {
                (
                    url.clone(),
                    "an `--extra-index-url` line of a requirements file",
                )
            }))
            .chain(
                env.pip_extra_index_url
                    .iter()
                    .flat_map(|v| v.split_whitespace().map(str::to_string))
                    .map(|url| (url, "PIP_EXTRA_INDEX_URL")),
            )
            .chain(
                pip_config
                    .extra_index_urls
                    .iter()
                    .map(|url| (url.clone(), "`extra-index-url` in pip.conf")),
            );
        for (url, origin) in extra {
            let url = parse_index_url(&url, origin)?;
            if !indexes.contains(&url) {
                indexes.push(url);
            }
        }
        if let Some((main, origin)) = main {
            debug!(index = %redact_word(&main), %origin, "main index");
            let url = parse_index_url(&main, &origin)?;
            if !indexes.contains(&url) {
                indexes.push(url);
            }
        }
    } else if find_links.is_empty() {
        return Err(Failure::input(anyhow!(
            "`--no-index` needs `--find-links`: there is nowhere to find packages"
        )));
    }
    // `.netrc` fills in what URLs and variables left open: the credential travels inside the
    // index URL to the client, which strips it from every request and sends it, as a header,
    // to that origin only.
    for url in &mut indexes {
        netrc.fill(url);
    }
    for location in &mut find_links {
        if let FindLinks::Url(url) = location {
            netrc.fill(url);
        }
    }
    Ok(IndexLocations {
        indexes,
        find_links,
        strategy,
    })
}

/// The HTTP client settings from the environment: `TAILWHEEL_HTTP_TIMEOUT` (seconds),
/// `TAILWHEEL_HTTP_RETRIES`, and the credentials of `locations` and `.netrc`.
///
/// Commands build their client from this (then set `--concurrency` and `--offline`), so
/// every request honours the same knobs and every credential is known to the client before
/// the first request, files on other hosts with a `.netrc` entry included.
pub(crate) fn client_builder(
    env: &Environment,
    locations: Option<&IndexLocations>,
) -> Result<ClientBuilder, Failure> {
    let mut builder = ClientBuilder::new();
    if let Some(value) = &env.http_timeout {
        let seconds = value
            .trim()
            .parse::<f64>()
            .ok()
            .filter(|seconds| seconds.is_finite() && *seconds > 0.0)
            .ok_or_else(|| {
                Failure::input(anyhow!(
                    "invalid `TAILWHEEL_HTTP_TIMEOUT` value `{value}`: expected a positive number of seconds"
                ))
            })?;
        builder = builder.timeout(std::time::Duration::from_secs_f64(seconds));
    }
    if let Some(value) = &env.http_retries {
        let retries = value.trim().parse::<u32>().map_err(|_| {
            Failure::input(anyhow!(
                "invalid `TAILWHEEL_HTTP_RETRIES` value `{value}`: expected a whole number"
            ))
        })?;
        builder = builder.retries(retries);
    }
    let credentials = Credentials::new();
    if let Some(locations) = locations {
        let urls = locations
            .indexes
            .iter()
            .chain(
                locations
                    .find_links
                    .iter()
                    .filter_map(|location| match location {
                        FindLinks::Url(url) => Some(url),
                        FindLinks::Directory(_) => None,
                    }),
            );
        for url in urls {
            if !url.username().is_empty() {
                let secret = Secret::new(url.username(), url.password().map(str::to_string));
                credentials.insert(url, secret);
            }
        }
    }
    for (host, secret) in Netrc::load(env).machines {
        credentials.insert_host(&host, secret);
    }
    Ok(builder.credentials(credentials))
}

/// `NAME=URL` or a bare `URL` of `--index`.
fn parse_named_index(value: &str) -> Result<(Option<String>, &str), Failure> {
    if let Some((name, url)) = value.split_once('=')
        && !name.is_empty()
        && !name.contains(['/', ':'])
    {
        if !name
            .chars()
            .all(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.'))
        {
            return Err(Failure::input(anyhow!(
                "invalid index name `{name}` in `--index {}`: use letters, digits, `-`, `_` and `.`",
                redact_word(value)
            )));
        }
        return Ok((Some(name.to_string()), url));
    }
    Ok((None, value))
}

/// The environment variable stem of an index name, as uv forms it: upper case, every
/// character that is not a letter or digit replaced by `_` (`internal-proxy` →
/// `INTERNAL_PROXY`).
fn env_name(name: &str) -> String {
    name.chars()
        .map(|c| {
            if c.is_ascii_alphanumeric() {
                c.to_ascii_uppercase()
            } else {
                '_'
            }
        })
        .collect()
}

/// Put `TAILWHEEL_INDEX_<NAME>_USERNAME`/`_PASSWORD` (or uv's `UV_INDEX_<NAME>_*`) into `url`,
/// unless it carries a user already.
fn add_env_credentials(url: &mut Url, name: &str, env: &Environment) {
    if !url.username().is_empty() {
        return;
    }
    let stem = env_name(name);
    let lookup = |field: &str| {
        env.var(&format!("TAILWHEEL_INDEX_{stem}_{field}"))
            .or_else(|| env.var(&format!("UV_INDEX_{stem}_{field}")))
            .filter(|value| !value.is_empty())
    };
    let (username, password) = (lookup("USERNAME"), lookup("PASSWORD"));
    if username.is_none() && password.is_none() {
        return;
    }
    // A password alone goes with an empty-looking user, as uv does for token indexes.
    let username = username.unwrap_or_else(|| "__token__".to_string());
    if url.set_username(&username).is_ok() {
        let _ = url.set_password(password.as_deref());
    }
    debug!(index = name, "credentials from the environment");
}

/// The entries of a `.netrc` file (`NETRC`, else `~/.netrc`), as curl and pip read it:
/// `machine HOST login USER password PASS`, and a `default` entry for every other host.
#[derive(Debug, Default)]
struct Netrc {
    machines: Vec<(String, Secret)>,
    default: Option<Secret>,
}

impl Netrc {
    fn load(env: &Environment) -> Self {
        let path = env
            .netrc
            .clone()
            .or_else(|| env.home.as_ref().map(|home| home.join(".netrc")));
        let Some(path) = path else {
            return Self::default();
        };
        match fs_err::read_to_string(&path) {
            Ok(text) => Self::parse(&text),
            Err(err) => {
                if env.netrc.is_some() || err.kind() != std::io::ErrorKind::NotFound {
                    warn!("cannot read the netrc file: {err}");
                }
                Self::default()
            }
        }
    }

    fn parse(text: &str) -> Self {
        let mut netrc = Self::default();
        let mut tokens = text.split_whitespace();
        // (host or None for `default`, login, password) of the entry being read.
        let mut entry: Option<(Option<String>, Option<String>, Option<String>)> = None;
        let finish = |entry: Option<(Option<String>, Option<String>, Option<String>)>,
                      netrc: &mut Self| {
            if let Some((host, Some(login), password)) = entry {
                let secret = Secret::new(login, password);
                match host {
                    Some(host) => netrc.machines.push((host.to_ascii_lowercase(), secret)),
                    None => netrc.default = Some(secret),
                }
            }
        };
        while let Some(token) = tokens.next() {
            match token {
                "machine" => {
                    finish(entry.take(), &mut netrc);
                    entry = tokens
                        .next()
                        .map(|host| (Some(host.to_string()), None, None));
                }
                "default" => {
                    finish(entry.take(), &mut netrc);
                    entry = Some((None, None, None));
                }
                "login" => {
                    if let (Some(entry), Some(value)) = (entry.as_mut(), tokens.next()) {
                        entry.1 = Some(value.to_string());
                    }
                }
                "password" => {
                    if let (Some(entry), Some(value)) = (entry.as_mut(), tokens.next()) {
                        entry.2 = Some(value.to_string());
                    }
                }
                "account" => {
                    tokens.next();
                }
                "macdef" => {
                    // A macro runs to the next blank line; tokens cannot see lines, so stop
                    // reading entries here rather than misread the macro body.
                    finish(entry.take(), &mut netrc);
                    break;
                }
                _ => {}
            }
        }
        finish(entry, &mut netrc);
        netrc
    }

    /// The credential for `host`: its `machine` entry, else `default`.
    fn lookup(&self, host: &str) -> Option<&Secret> {
        let host = host.to_ascii_lowercase();
        self.machines
            .iter()
            .find(|(machine, _)| *machine == host)
            .map(|(_, secret)| secret)
            .or(self.default.as_ref())
    }

    /// Put the entry for `url`'s host into `url`, unless it has a user already.
    fn fill(&self, url: &mut Url) {
        if !url.username().is_empty() || !matches!(url.scheme(), "http" | "https") {
            return;
        }
        let Some(secret) = url.host_str().and_then(|host| self.lookup(host)).cloned() else {
            return;
        };
        if url.set_username(secret.username()).is_ok() {
            let _ = url.set_password(secret.password());
        }
    }
}

/// pip's default index, asked of the interpreter when the target came from flags alone.
fn pip_default_index(
    python: Option<&Path>,
    env: &Environment,
    cache: Option<&Path>,
) -> Option<String> {
    let python = python
        .map(Path::to_path_buf)
        .or_else(|| tw_platform::find_python(env.path.as_deref()))?;
    match tw_platform::query_interpreter_cached(&python, cache) {
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_netrc() {
        let netrc = Netrc::parse(
            "machine index.example.invalid login alice password s3cret\n\
             machine other.example.invalid\n  login bob\n  account x\n  password pw\n\
             default login anon password guest\n",
        );
        assert_eq!(
            netrc.lookup("INDEX.example.invalid").unwrap().username(),
            "alice"
        );
        assert_eq!(
            netrc.lookup("other.example.invalid").unwrap().password(),
            Some("pw")
        );
        assert_eq!(
            netrc.lookup("elsewhere.invalid").unwrap().username(),
            "anon"
        );
        let mut url = Url::parse("https://index.example.invalid/simple/").unwrap();
        netrc.fill(&mut url);
        assert_eq!(url.username(), "alice");
        let mut own = Url::parse("https://me@index.example.invalid/simple/").unwrap();
        netrc.fill(&mut own);
        assert_eq!((own.username(), own.password()), ("me", None));
    }

    #[test]
    fn index_names_become_variable_stems() {
        assert_eq!(env_name("internal-proxy"), "INTERNAL_PROXY");
        assert_eq!(env_name("corp.pkgs_2"), "CORP_PKGS_2");
        assert!(
            matches!(parse_named_index("corp=https://x.invalid/simple/"), Ok((Some(name), "https://x.invalid/simple/")) if name == "corp")
        );
        assert!(matches!(
            parse_named_index("https://x.invalid/a=b"),
            Ok((None, _))
        ));
        assert!(parse_named_index("bad name=https://x.invalid/").is_err());
    }
}
