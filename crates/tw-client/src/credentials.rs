//! Credentials per origin: which user name and password go with requests to which server.
//!
//! A credential belongs to an *origin* (scheme, host and port, RFC 6454), never to a single
//! URL: an index page and the files it links on the same server both get it, a file or a
//! redirect on another server does not. Credentials come from three places, all merged into
//! one [`Credentials`] store: `user:password@` in an index URL (learnt the first time the
//! client sees such a URL, and then stripped from it), `.netrc` entries, and per-index
//! environment variables (the CLI reads those two and [`Credentials::insert`]s them).
//!
//! Secrets never reach a log line or an error: [`Secret`]'s `Debug` prints `****`, URLs in
//! messages go through [`redact_url`](crate::redact_url), and requests go out with the user
//! info removed from the URL and the credential in an `Authorization: Basic` header, which
//! reqwest marks sensitive and drops when a redirect leaves the origin.

use std::fmt;
use std::sync::{Arc, RwLock};

use rustc_hash::FxHashMap;
use url::Url;

/// A user name and an optional password for HTTP Basic authentication.
#[derive(Clone, PartialEq, Eq)]
pub struct Secret {
    username: String,
    password: Option<String>,
}

impl Secret {
    /// A credential; an empty password counts as none.
    pub fn new(username: impl Into<String>, password: Option<String>) -> Self {
        Self {
            username: username.into(),
            password: password.filter(|password| !password.is_empty()),
        }
    }

    /// The user name (not secret in itself, but never logged either).
    pub fn username(&self) -> &str {
        &self.username
    }

    /// The password, if any.
    pub fn password(&self) -> Option<&str> {
        self.password.as_deref()
    }
}

impl fmt::Debug for Secret {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        formatter.write_str("Secret(****)")
    }
}

/// A shared, thread-safe map from origin to [`Secret`]; cheap to clone (all clones share one
/// map, so a credential learnt from one request is used by the next).
#[derive(Clone, Default)]
pub struct Credentials {
    by_origin: Arc<RwLock<FxHashMap<String, Secret>>>,
    /// `.netrc` entries: a host name stands for every scheme and port on it (as curl and
    /// pip read `machine`); consulted only when no origin entry matches.
    by_host: Arc<RwLock<FxHashMap<String, Secret>>>,
}

impl fmt::Debug for Credentials {
    fn fmt(&self, formatter: &mut fmt::Formatter<'_>) -> fmt::Result {
        let origins: Vec<String> = self.read(|map| map.keys().cloned().collect());
        formatter
            .debug_struct("Credentials")
            .field("origins", &origins)
            .finish()
    }
}

/// `scheme://host[:port]` of an HTTP(S) URL; `None` for URLs without a network origin.
pub fn origin_of(url: &Url) -> Option<String> {
    match url.origin() {
        origin @ url::Origin::Tuple(..) => Some(origin.ascii_serialization()),
        url::Origin::Opaque(_) => None,
    }
}

impl Credentials {
    /// An empty store.
    pub fn new() -> Self {
        Self::default()
    }

    /// Use `secret` for every request to `url`'s origin (replacing what was there).
    pub fn insert(&self, url: &Url, secret: Secret) {
        if let Some(origin) = origin_of(url) {
            self.write(|map| {
                map.insert(origin, secret);
            });
        }
    }

    /// Use `secret` for `url`'s origin unless the store already has one for it.
    pub fn insert_if_absent(&self, url: &Url, secret: Secret) {
        if let Some(origin) = origin_of(url) {
            self.write(|map| {
                map.entry(origin).or_insert(secret);
            });
        }
    }

    /// Use `secret` for every HTTP(S) origin on `host` that has no credential of its own
    /// (a `.netrc` `machine` entry).
    pub fn insert_host(&self, host: &str, secret: Secret) {
        let mut map = self
            .by_host
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.insert(host.to_ascii_lowercase(), secret);
    }

    /// The credential for `url`'s origin, else for its host, if any.
    pub fn get(&self, url: &Url) -> Option<Secret> {
        let origin = origin_of(url)?;
        if let Some(secret) = self.read(|map| map.get(&origin).cloned()) {
            return Some(secret);
        }
        let host = url.host_str()?.to_ascii_lowercase();
        let map = self
            .by_host
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        map.get(&host).cloned()
    }

    /// How many origins have a credential.
    pub fn len(&self) -> usize {
        self.read(FxHashMap::len)
    }

    /// Whether no origin has a credential.
    pub fn is_empty(&self) -> bool {
        self.len() == 0
    }

    /// Split `url` into the URL to send (user info removed) and the credential to send with it:
    /// the URL's own user info, which is also remembered for its origin, or else what the
    /// store has for the origin.
    pub(crate) fn authenticate(&self, url: &Url) -> (Url, Option<Secret>) {
        if url.username().is_empty() && url.password().is_none() {
            return (url.clone(), self.get(url));
        }
        let secret = Secret::new(
            percent_decode(url.username()),
            url.password().map(percent_decode),
        );
        let mut bare = url.clone();
        // Only URLs that cannot carry user info refuse these, and they carry none.
        let _ = bare.set_username("");
        let _ = bare.set_password(None);
        // A URL's own credential wins over `.netrc` (as pip and uv do) and is remembered for
        // the files and pages on the same origin that are linked without one.
        self.insert(&bare, secret.clone());
        (bare, Some(secret))
    }

    fn read<T>(&self, f: impl FnOnce(&FxHashMap<String, Secret>) -> T) -> T {
        // A poisoned lock only means a panic elsewhere; the map itself is consistent.
        let map = self
            .by_origin
            .read()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&map)
    }

    fn write(&self, f: impl FnOnce(&mut FxHashMap<String, Secret>)) {
        let mut map = self
            .by_origin
            .write()
            .unwrap_or_else(std::sync::PoisonError::into_inner);
        f(&mut map);
    }
}

/// Decode `%XX` escapes (URL user info, where a token with `@` or `:` arrives escaped; file
/// names in links). Invalid escapes stay as they are; invalid UTF-8 is replaced.
pub fn percent_decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%'
            && let Some(hex) = text.get(i + 1..i + 3)
            && let Ok(byte) = u8::from_str_radix(hex, 16)
        {
            out.push(byte);
            i += 3;
            continue;
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn url_credentials_are_learnt_per_origin() {
        let store = Credentials::new();
        let index = Url::parse("https://user:p%40ss@index.example.invalid/simple/a/").unwrap();
        let (bare, secret) = store.authenticate(&index);
        assert_eq!(bare.as_str(), "https://index.example.invalid/simple/a/");
        let secret = secret.unwrap();
        assert_eq!(
            (secret.username(), secret.password()),
            ("user", Some("p@ss"))
        );
        assert_eq!(format!("{secret:?}"), "Secret(****)");

        let same_origin = Url::parse("https://index.example.invalid/files/a.whl").unwrap();
        assert_eq!(store.authenticate(&same_origin).1, Some(secret));
        for other in [
            "https://files.example.invalid/a.whl",
            "http://index.example.invalid/files/a.whl",
            "https://index.example.invalid:8443/files/a.whl",
        ] {
            let url = Url::parse(other).unwrap();
            assert_eq!(store.authenticate(&url).1, None, "{other}");
        }
        assert!(!format!("{store:?}").contains("p@ss"));
    }

    #[test]
    fn configured_credentials_yield_to_url_ones() {
        let store = Credentials::new();
        let url = Url::parse("https://index.example.invalid/simple/").unwrap();
        store.insert(&url, Secret::new("netrc", Some("one".into())));
        store.insert_if_absent(&url, Secret::new("env", Some("two".into())));
        assert_eq!(store.get(&url).unwrap().username(), "netrc");
        let with_user = Url::parse("https://tok@index.example.invalid/simple/").unwrap();
        let (_, secret) = store.authenticate(&with_user);
        assert_eq!(secret.unwrap().username(), "tok");
        assert_eq!(store.get(&url).unwrap().password(), None);
    }

    #[test]
    fn host_entries_fill_in_for_any_port() {
        let store = Credentials::new();
        store.insert_host("Files.example.invalid", Secret::new("n", Some("p".into())));
        let url = Url::parse("https://files.example.invalid:8443/a.whl").unwrap();
        assert_eq!(store.get(&url).unwrap().username(), "n");
        store.insert(&url, Secret::new("own", None));
        assert_eq!(store.get(&url).unwrap().username(), "own");
        let other = Url::parse("https://index.example.invalid/").unwrap();
        assert_eq!(store.get(&other), None);
    }
}
