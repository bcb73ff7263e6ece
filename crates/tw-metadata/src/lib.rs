//! Core metadata for candidate distributions.
//!
//! * [`DistMetadata`] parses `METADATA`/`PKG-INFO` text
//!   ([core metadata spec](https://packaging.python.org/en/latest/specifications/core-metadata/)).
//! * [`MetadataFetcher`] gets it for an [`tw_index::IndexFile`] through the cheapest
//!   [`Strategy`]: a [PEP 658](https://peps.python.org/pep-0658/) `.metadata` file when
//!   advertised, otherwise HTTP range requests on the wheel's zip tail, then the whole
//!   wheel; for sdists their static `PKG-INFO`
//!   ([PEP 643](https://peps.python.org/pep-0643/)).
//!
//! ```
//! let text = b"Metadata-Version: 2.1\nName: demo\nVersion: 1.0\nRequires-Dist: idna>=3\n";
//! let metadata = tw_metadata::DistMetadata::parse(text, "demo-1.0.dist-info/METADATA").unwrap();
//! assert_eq!(metadata.requires_dist.len(), 1);
//! ```

mod archive;
mod cache;
mod core;
mod error;
mod fetch;
mod zip_tail;

pub use crate::core::DistMetadata;
pub use archive::{read_wheel_metadata, verify};
pub use error::MetadataError;
pub use fetch::{
    MetadataFetcher, MetadataOptions, ProbeMode, Strategy, StrategyStats, TAIL_BYTES, tail_bytes,
};
pub use zip_tail::{
    Geometry, MAX_MEMBER_BYTES, Step, Window, ZipTailError, read_metadata, read_pkg_info,
};
