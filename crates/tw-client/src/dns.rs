//! A DNS resolver that looks each host up once per run.
//!
//! reqwest's default resolver calls `getaddrinfo` for every new connection. With dozens of
//! connections opened at once to the same two or three hosts, one lost UDP answer costs the
//! whole run glibc's 5-second retry (measured in `bench/`: about one run in five). Looking a
//! host up once and sharing the answer removes almost all of those lookups; a failed lookup
//! is not cached, so the next connection tries again.

use std::net::SocketAddr;
use std::sync::{Arc, Mutex};

use reqwest::dns::{Addrs, Name, Resolve, Resolving};
use rustc_hash::FxHashMap;
use tokio::sync::OnceCell;

type Lookup = Arc<OnceCell<Vec<SocketAddr>>>;

/// Shares one lookup per host name between all connections of a client.
#[derive(Debug, Default)]
pub(crate) struct CachingResolver {
    hosts: Mutex<FxHashMap<String, Lookup>>,
}

impl Resolve for CachingResolver {
    fn resolve(&self, name: Name) -> Resolving {
        let host = name.as_str().to_string();
        let cell = {
            let mut hosts = match self.hosts.lock() {
                Ok(hosts) => hosts,
                Err(poisoned) => poisoned.into_inner(),
            };
            Arc::clone(hosts.entry(host.clone()).or_default())
        };
        Box::pin(async move {
            let addrs = cell
                .get_or_try_init(|| async {
                    // Port 0: reqwest sets the real port on the addresses it gets back.
                    let found: Vec<SocketAddr> =
                        tokio::net::lookup_host((host.as_str(), 0)).await?.collect();
                    Ok::<_, std::io::Error>(found)
                })
                .await?;
            let addrs: Addrs = Box::new(addrs.clone().into_iter());
            Ok(addrs)
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::str::FromStr;

    #[tokio::test]
    async fn resolves_localhost_once() {
        let resolver = CachingResolver::default();
        let first: Vec<_> = resolver
            .resolve(Name::from_str("localhost").unwrap())
            .await
            .unwrap()
            .collect();
        assert!(!first.is_empty());
        let second: Vec<_> = resolver
            .resolve(Name::from_str("localhost").unwrap())
            .await
            .unwrap()
            .collect();
        assert_eq!(first, second);
        assert_eq!(resolver.hosts.lock().unwrap().len(), 1);
    }
}
