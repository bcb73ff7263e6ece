//! The Python package index, as tailwheel reads it.
//!
//! * [`Index`] lists the files of a project from Simple API indexes
//!   ([PEP 503](https://peps.python.org/pep-0503/) HTML and
//!   [PEP 691](https://peps.python.org/pep-0691/) JSON, with PEP 592 yanking, PEP 658/714
//!   metadata flags and PEP 700 upload times and sizes) and from find-links pages or
//!   directories.
//! * [`WheelFilename`], [`SdistFilename`] and [`DistFilename`] parse distribution file names.
//! * [`IndexFile`] is one listed file, whatever its source.
//! * [`IndexCacheOptions`] turns on the on-disk cache of project pages (`pages-v1/`), so a
//!   warm run asks the index for few or no pages; [`PageStats`] counts how pages were had.
//!
//! ```
//! let wheel: tw_index::WheelFilename = "idna-3.10-py3-none-any.whl".parse().unwrap();
//! assert_eq!(wheel.version.to_string(), "3.10");
//! ```

mod cache;
mod error;
mod file;
mod filename;
mod index;
mod simple;

pub use cache::{IndexCacheOptions, PageStats};
pub use error::{FilenameError, IndexError};
pub use file::{CoreMetadata, IndexFile};
pub use filename::{DistFilename, SdistExtension, SdistFilename, WheelFilename};
pub use index::{FindLinks, Index, IndexLocations, IndexStrategy, ProjectFiles};
pub use simple::{SIMPLE_ACCEPT, SIMPLE_JSON, parse_html, parse_project_page};
