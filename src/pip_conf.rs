//! pip's configuration files, read for `index-url`, `extra-index-url` and `find-links`; the
//! other settings that would change what pip resolves or how it connects (`cert`,
//! `trusted-host`, `no-index`, `pre`, `only-binary`, `no-binary`, `prefer-binary`, `timeout`,
//! `retries`, `proxy`, …) are named in a warning rather than silently ignored (issue 18).
//!
//! Order as pip documents it (later files win): the global files
//! (`$XDG_CONFIG_DIRS/pip/pip.conf`, `/etc/pip.conf`), the user files (`~/.pip/pip.conf`,
//! `$XDG_CONFIG_HOME/pip/pip.conf`), the site file (`$VIRTUAL_ENV/pip.conf`), and finally
//! `PIP_CONFIG_FILE` (set to `/dev/null`, no file is read at all). Within a file, `[install]` overrides `[global]` (pip-compile resolves
//! as `pip install` would).

use std::path::{Path, PathBuf};

use crate::environment::Environment;

/// Index settings found in pip's configuration.
#[derive(Debug, Default, Clone, PartialEq, Eq)]
pub(crate) struct PipConfig {
    pub(crate) index_url: Option<(String, PathBuf)>,
    pub(crate) extra_index_urls: Vec<String>,
    /// `find-links` locations (whitespace-separated, as pip splits them).
    pub(crate) find_links: Vec<String>,
    /// One line per setting tailwheel does not use, naming the file, the key and the section.
    pub(crate) warnings: Vec<String>,
}

/// The system CA bundles of common distributions: tailwheel verifies with the system trust
/// store, so a `cert` naming one of these changes nothing.
const SYSTEM_BUNDLES: &[&str] = &[
    "/etc/ssl/certs/ca-certificates.crt",
    "/etc/pki/tls/certs/ca-bundle.crt",
    "/etc/ssl/cert.pem",
    "/etc/ssl/ca-bundle.pem",
];

/// Settings of `[global]`/`[install]` that would change what pip resolves or how it connects,
/// with what to use instead where tailwheel has an equivalent.
const UNUSED: &[(&str, &str)] = &[
    ("cert", "; set `SSL_CERT_FILE` instead"),
    ("client-cert", ""),
    ("constraint", "; pass `-c FILE`"),
    ("no-binary", "; pass `--no-binary`"),
    ("no-index", "; pass `--no-index`"),
    ("only-binary", "; pass `--only-binary`"),
    ("pre", "; pass `--pre`"),
    ("prefer-binary", ""),
    ("proxy", "; set `HTTPS_PROXY` instead"),
    ("retries", "; set `TAILWHEEL_HTTP_RETRIES` instead"),
    ("timeout", "; set `TAILWHEEL_HTTP_TIMEOUT` instead"),
    ("default-timeout", "; set `TAILWHEEL_HTTP_TIMEOUT` instead"),
    ("trusted-host", ""),
];

fn candidate_files(env: &Environment) -> Vec<PathBuf> {
    let mut files = Vec::new();
    // pip: `PIP_CONFIG_FILE=os.devnull` turns off every configuration file.
    if env.pip_config_file.as_deref() == Some(Path::new("/dev/null")) {
        return files;
    }
    let dirs = env
        .xdg_config_dirs
        .clone()
        .unwrap_or_else(|| "/etc/xdg".to_string());
    for dir in dirs.split(':').filter(|d| !d.is_empty()) {
        files.push(Path::new(dir).join("pip").join("pip.conf"));
    }
    files.push(PathBuf::from("/etc/pip.conf"));
    if let Some(home) = &env.home {
        files.push(home.join(".pip").join("pip.conf"));
    }
    let config_home = env
        .xdg_config_home
        .clone()
        .or_else(|| env.home.as_ref().map(|h| h.join(".config")));
    if let Some(config_home) = config_home {
        files.push(config_home.join("pip").join("pip.conf"));
    }
    if let Some(venv) = &env.virtual_env {
        files.push(venv.join("pip.conf"));
    }
    if let Some(file) = &env.pip_config_file {
        files.push(file.clone());
    }
    files
}

/// Read every pip configuration file that exists.
pub(crate) fn load(env: &Environment) -> PipConfig {
    let mut config = PipConfig::default();
    for path in candidate_files(env) {
        let Ok(text) = fs_err::read_to_string(&path) else {
            continue;
        };
        apply(&mut config, &text, &path);
    }
    config
}

fn apply(config: &mut PipConfig, text: &str, path: &Path) {
    let mut section = String::new();
    let mut values: Vec<(String, String, String)> = Vec::new();
    let mut last_key: Option<usize> = None;
    for line in text.lines() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') || trimmed.starts_with(';') {
            continue;
        }
        if line.starts_with([' ', '\t']) {
            if let Some(index) = last_key {
                values[index].2.push('\n');
                values[index].2.push_str(trimmed);
            }
            continue;
        }
        if let Some(name) = trimmed.strip_prefix('[').and_then(|s| s.strip_suffix(']')) {
            section = name.trim().to_ascii_lowercase();
            last_key = None;
            continue;
        }
        if let Some((key, value)) = trimmed.split_once('=').or_else(|| trimmed.split_once(':')) {
            let key = key.trim().to_ascii_lowercase().replace('_', "-");
            values.push((section.clone(), key, value.trim().to_string()));
            last_key = Some(values.len() - 1);
        }
    }
    let mut unused: Vec<(String, String, &str)> = Vec::new();
    for wanted in ["global", "install"] {
        for (section, key, value) in &values {
            if section != wanted {
                continue;
            }
            match key.as_str() {
                "index-url" | "index" => {
                    if let Some(url) = value.split_whitespace().next() {
                        config.index_url = Some((url.to_string(), path.to_path_buf()));
                    }
                }
                "extra-index-url" => {
                    config.extra_index_urls =
                        value.split_whitespace().map(str::to_string).collect();
                }
                "find-links" => {
                    config.find_links = value.split_whitespace().map(str::to_string).collect();
                }
                // pip pointed at the system's CA bundle trusts what tailwheel trusts anyway.
                "cert" if SYSTEM_BUNDLES.contains(&value.trim()) => {}
                key => {
                    if let Some((_, hint)) = UNUSED.iter().find(|(name, _)| *name == key) {
                        unused.push((key.to_string(), section.clone(), *hint));
                    }
                }
            }
        }
    }
    unused.sort();
    unused.dedup_by(|a, b| a.0 == b.0);
    for (key, section, hint) in unused {
        config.warnings.push(format!(
            "`{}`: tailwheel does not use `{key}` of pip's configuration (`[{section}]`){hint}",
            path.display()
        ));
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn install_overrides_global() {
        let mut config = PipConfig::default();
        let text = "[global]\nindex-url = https://a.example.invalid/simple\ncert = /x\n\
                    [install]\nindex_url=https://b.example.invalid/simple\nextra-index-url =\n    https://c.example.invalid/simple\n    https://d.example.invalid/simple\n";
        apply(&mut config, text, Path::new("pip.conf"));
        assert_eq!(
            config.index_url.unwrap().0,
            "https://b.example.invalid/simple"
        );
        assert_eq!(
            config.extra_index_urls,
            [
                "https://c.example.invalid/simple",
                "https://d.example.invalid/simple"
            ]
        );
    }
}
