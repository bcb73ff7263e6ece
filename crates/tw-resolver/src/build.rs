//! The hook through which the resolver gets an sdist's metadata by building it (PEP 517),
//! when its `PKG-INFO` cannot be trusted. The resolver only knows this trait; `tw-build`
//! implements it (and uses the resolver itself for build requirements).

use std::future::Future;
use std::pin::Pin;

use tw_index::IndexFile;
use tw_metadata::DistMetadata;

/// A boxed future, as trait objects return them.
pub type BoxFuture<'a, T> = Pin<Box<dyn Future<Output = T> + Send + 'a>>;

/// Why a build did not produce metadata; the message names the package and version and, for
/// a failing backend, ends with the last lines of its output.
#[derive(Debug, Clone, thiserror::Error)]
#[error("{message}")]
pub struct BuildFailure {
    /// What went wrong, ready to show.
    pub message: String,
}

/// Builds the metadata of source distributions.
pub trait MetadataBuilder: Send + Sync + std::fmt::Debug {
    /// The core metadata of `file`, an sdist, obtained through its build backend.
    fn build_metadata<'a>(
        &'a self,
        file: &'a IndexFile,
    ) -> BoxFuture<'a, Result<DistMetadata, BuildFailure>>;
}
