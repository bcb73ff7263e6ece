//! Lock file writers and readers for tailwheel.
//!
//! Two output formats are written from one small input model, [`Lock`],
//! built from a resolution by [`Lock::from_resolution`] for one target or
//! [`Lock::universal`] for every environment (or by hand, as in the tests and
//! the example below):
//!
//! - [`to_pylock_toml`]: a [PEP 751] `pylock.toml` (see the
//!   [`pylock.toml` specification]).
//! - [`to_requirements_txt`]: a pinned `requirements.txt` in pip-compile's
//!   layout, with optional `--hash` lines and `# via` annotations
//!   ([`RequirementsTxtOptions`]).
//!
//! Each writer's compatibility policy (spec, fields, ordering) is the
//! documentation of its module, [`pylock`] and [`requirements_txt`]. Both
//! are deterministic: the same [`Lock`] gives the same bytes whatever
//! the order of its vectors. [`LockFormat::from_path`] picks the writer from
//! the output path, [`write_atomic`] replaces the file without ever exposing
//! a half-written one, and [`read_pins`] reads the pins of an existing output
//! so a re-run keeps them ([`read_locked_pins`] with each entry's marker, for
//! universal locks, where one name may have several entries). [`LockGraph`]
//! reads the dependency graph back from either format, for `tailwheel tree`
//! and `tailwheel why`.
//!
//! ```
//! use std::path::Path;
//! use tw_lock::{Lock, LockFormat, LockedPackage, RequirementsTxtOptions, Via};
//!
//! let lock = Lock {
//!     requires_python: Some(">=3.11".to_owned()),
//!     environments: Vec::new(),
//!     packages: vec![LockedPackage {
//!         name: "idna".parse()?,
//!         version: "3.10".parse()?,
//!         marker: None,
//!         extras: Vec::new(),
//!         index: Some("https://index.example.invalid/simple/".parse()?),
//!         requires_python: None,
//!         dependencies: Vec::new(),
//!         via: vec![Via::Source("-r requirements.in".to_owned())],
//!         wheels: Vec::new(),
//!         sdist: None,
//!         hashes: Vec::new(),
//!         source: None,
//!     }],
//! };
//! assert_eq!(LockFormat::from_path(Path::new("requirements.txt")), LockFormat::RequirementsTxt);
//! let text = tw_lock::to_requirements_txt(&lock, &RequirementsTxtOptions::default());
//! assert_eq!(text, "idna==3.10\n    # via -r requirements.in\n");
//! # Ok::<(), Box<dyn std::error::Error>>(())
//! ```
//!
//! [PEP 751]: https://peps.python.org/pep-0751/
//! [`pylock.toml` specification]: https://packaging.python.org/en/latest/specifications/pylock-toml/

mod atomic;
mod direct;
mod error;
mod format;
mod from_resolution;
mod graph;
mod model;
mod pins;
pub mod pylock;
pub mod requirements_txt;
#[cfg(test)]
mod test_support;

pub use atomic::write_atomic;
pub use direct::{LockedSource, relative_path};
pub use error::{Location, LockError, UnknownLockFormat};
pub use format::LockFormat;
pub use from_resolution::{UniversalScope, locked_file, locked_file_hash, without_credentials};
pub use graph::{EntryId, LockEntry, LockGraph};
pub use model::{Lock, LockedFile, LockedPackage, LockedPin, Via};
pub use pins::{read_locked_pins, read_pins, read_pylock};
pub use pylock::{to_pylock_toml, to_pylock_toml_at};
pub use requirements_txt::{AnnotationStyle, RequirementsTxtOptions, to_requirements_txt};
