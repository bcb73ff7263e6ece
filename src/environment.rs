//! Everything tailwheel reads from the process environment, read once at start-up.

use std::ffi::OsString;
use std::path::PathBuf;

/// Environment variables that change behaviour.
#[derive(Debug, Clone, Default)]
pub(crate) struct Environment {
    pub(crate) pip_index_url: Option<String>,
    pub(crate) uv_index_url: Option<String>,
    pub(crate) pip_extra_index_url: Option<String>,
    pub(crate) pip_config_file: Option<PathBuf>,
    pub(crate) xdg_config_home: Option<PathBuf>,
    pub(crate) xdg_config_dirs: Option<String>,
    pub(crate) home: Option<PathBuf>,
    pub(crate) virtual_env: Option<PathBuf>,
    pub(crate) path: Option<OsString>,
    pub(crate) cache_dir: Option<PathBuf>,
    pub(crate) xdg_cache_home: Option<PathBuf>,
    pub(crate) no_lazy_wheel: bool,
    /// `NETRC`: the `.netrc` file to read instead of `~/.netrc`.
    pub(crate) netrc: Option<PathBuf>,
    /// `TAILWHEEL_HTTP_TIMEOUT`: seconds of silence before a request fails.
    pub(crate) http_timeout: Option<String>,
    /// `TAILWHEEL_HTTP_RETRIES`: how often a transient failure is retried.
    pub(crate) http_retries: Option<String>,
    pub(crate) vars: Vec<(String, String)>,
}

impl Environment {
    #[expect(
        clippy::disallowed_methods,
        reason = "the one place that reads the environment (STYLE.md rule 7)"
    )]
    pub(crate) fn capture() -> Self {
        let get = |name: &str| {
            std::env::var_os(name)
                .and_then(|v| v.into_string().ok())
                .filter(|v| !v.is_empty())
        };
        Self {
            pip_index_url: get("PIP_INDEX_URL"),
            uv_index_url: get("UV_INDEX_URL"),
            pip_extra_index_url: get("PIP_EXTRA_INDEX_URL"),
            pip_config_file: get("PIP_CONFIG_FILE").map(PathBuf::from),
            xdg_config_home: get("XDG_CONFIG_HOME").map(PathBuf::from),
            xdg_config_dirs: get("XDG_CONFIG_DIRS"),
            home: get("HOME").map(PathBuf::from),
            virtual_env: get("VIRTUAL_ENV").map(PathBuf::from),
            path: std::env::var_os("PATH"),
            cache_dir: get("TAILWHEEL_CACHE_DIR").map(PathBuf::from),
            xdg_cache_home: get("XDG_CACHE_HOME").map(PathBuf::from),
            no_lazy_wheel: get("TAILWHEEL_NO_LAZY_WHEEL")
                .is_some_and(|v| v != "0" && !v.eq_ignore_ascii_case("false")),
            netrc: get("NETRC").map(PathBuf::from),
            http_timeout: get("TAILWHEEL_HTTP_TIMEOUT"),
            http_retries: get("TAILWHEEL_HTTP_RETRIES"),
            vars: std::env::vars_os()
                .filter_map(|(k, v)| Some((k.into_string().ok()?, v.into_string().ok()?)))
                .collect(),
        }
    }

    /// The default cache directory: `TAILWHEEL_CACHE_DIR`, `$XDG_CACHE_HOME/tailwheel`,
    /// `~/.cache/tailwheel`.
    pub(crate) fn default_cache_dir(&self) -> Option<PathBuf> {
        self.cache_dir
            .clone()
            .or_else(|| {
                self.xdg_cache_home
                    .as_ref()
                    .map(|dir| dir.join("tailwheel"))
            })
            .or_else(|| {
                self.home
                    .as_ref()
                    .map(|home| home.join(".cache").join("tailwheel"))
            })
    }

    /// Look up a variable for `${VAR}` expansion in requirements files.
    pub(crate) fn var(&self, name: &str) -> Option<String> {
        self.vars
            .iter()
            .find(|(key, _)| key == name)
            .map(|(_, value)| value.clone())
    }
}
