//! The one way tests start the `tailwheel` binary: in a given directory, with an
//! environment that cannot reach a real index, a proxy, a config file or the user's cache.
//! Shared by `tests/it` and `tests/scenarios` (each includes this file with `#[path]`).

use std::path::Path;
use std::process::Command;

/// Environment variables that could point tailwheel at a real index, a proxy, a config file
/// or a cache outside the test's directory.
const SCRUBBED_ENV: &[&str] = &[
    "PIP_INDEX_URL",
    "UV_INDEX_URL",
    "PIP_EXTRA_INDEX_URL",
    "PIP_FIND_LINKS",
    "PIP_NO_INDEX",
    "VIRTUAL_ENV",
    "RUST_LOG",
    "XDG_CACHE_HOME",
    "TAILWHEEL_CACHE_DIR",
    "TAILWHEEL_NO_LAZY_WHEEL",
    "TAILWHEEL_HTTP_TIMEOUT",
    "TAILWHEEL_HTTP_RETRIES",
    "TAILWHEEL_BUILD_TIMEOUT",
    "NETRC",
    "SSL_CERT_FILE",
    "SSL_CERT_DIR",
    "HTTP_PROXY",
    "HTTPS_PROXY",
    "ALL_PROXY",
    "http_proxy",
    "https_proxy",
    "all_proxy",
];

/// `tailwheel` run in `dir`, with `HOME` and the XDG folders inside `dir/.home`, pip's
/// config files pointed at nothing, and no proxy for loopback.
pub(crate) fn tailwheel(dir: &Path) -> Command {
    let mut command = Command::new(env!("CARGO_BIN_EXE_tailwheel"));
    command.current_dir(dir);
    for name in SCRUBBED_ENV {
        command.env_remove(name);
    }
    // Per-index credentials (`TAILWHEEL_INDEX_<NAME>_USERNAME`, uv's `UV_INDEX_<NAME>_*`).
    for (name, _) in std::env::vars_os() {
        let name = name.to_string_lossy();
        if name.starts_with("TAILWHEEL_INDEX_") || name.starts_with("UV_INDEX_") {
            command.env_remove(name.as_ref());
        }
    }
    let home = dir.join(".home");
    command
        .env("HOME", &home)
        .env("XDG_CONFIG_HOME", home.join(".config"))
        .env("XDG_CONFIG_DIRS", home.join(".xdg"))
        .env("PIP_CONFIG_FILE", home.join("no-pip.conf"))
        .env("NO_PROXY", "127.0.0.1,localhost");
    command
}
