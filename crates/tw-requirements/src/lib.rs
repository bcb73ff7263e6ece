//! Reading what to resolve: pip requirements files and `pyproject.toml` dependencies, with the
//! `file:line:column` of every requirement.
//!
//! - Requirements files follow pip's
//!   [requirements file format](https://pip.pypa.io/en/stable/reference/requirements-file-format/):
//!   [`read_requirements_txt`], [`read_constraints_txt`] and the in-memory
//!   [`parse_requirements_txt_str`].
//! - `pyproject.toml` follows [PEP 621](https://peps.python.org/pep-0621/): [`read_pyproject`]
//!   reads `[project] dependencies` and the `[project.optional-dependencies]` an
//!   [`ExtrasSelection`] picks.
//! - [`read_source`] picks the reader by file name.
//!
//! Each returns a [`RequirementsSet`] of [`RequirementEntry`]s (a PEP 508
//! [`pep508_rs::Requirement`], its `--hash` values and its [`Origin`]) plus
//! [`IndexSettings`] and warnings; errors are [`RequirementsError`]s whose `Display` shows the
//! offending line with a caret.
//!
//! ```
//! use std::path::Path;
//! use tw_requirements::parse_requirements_txt_str;
//!
//! let contents = "--index-url https://index.example.invalid/simple\n\
//!                 flask >=2, <3 ; python_version >= '3.9'  # web\n";
//! let set = parse_requirements_txt_str(contents, Path::new("requirements.txt"), &|_| None)?;
//! assert_eq!(set.requirements[0].requirement.name.as_ref(), "flask");
//! assert_eq!(set.requirements[0].origin.to_string(), "requirements.txt:2:1");
//! assert_eq!(
//!     set.index.index_url.as_deref(),
//!     Some("https://index.example.invalid/simple")
//! );
//! # Ok::<(), tw_requirements::RequirementsError>(())
//! ```
//!
//! # Design decisions
//!
//! - **pip's preprocessing order.** Continuations are joined, then comments stripped, then
//!   `${VAR}` expanded (only `${NAME}` with NAME of `[A-Z0-9_]+`; unknown names stay as
//!   written). Every byte of the joined line remembers its physical line and column, so origins
//!   and carets point into the file as written, also across continuations.
//! - **The environment is a parameter.** `env` is a lookup function; the crate never reads the
//!   process environment itself.
//! - **Strict where pip is lax.** pip silently ignores global options written after a
//!   requirement and `--hash` on a line of its own; here both are errors. A second, different
//!   `--index-url` is ignored with a warning (the first one wins, as in
//!   [`RequirementsSet::extend`]), while pip lets the last one win.
//! - **Direct references** (`-e PATH`, bare paths and URLs, `name @ URL`, `git+` URLs) land
//!   in [`RequirementsSet::direct`] as [`DirectEntry`]s, with relative paths joined onto the
//!   directory of the file that names them; remote `-r` files produce
//!   [`RequirementsError::Unsupported`] rather than a silent skip.
//! - **Includes.** `-r`/`-c` paths are joined onto the including file's directory as given, so
//!   relative origins stay relative; cycles are detected on canonical paths. A file included
//!   twice without a cycle is read twice, as pip does.
//! - **Hashes** are kept as written after checking `sha256`/`sha384`/`sha512` and the digest
//!   length; index URLs are checked to be absolute URLs but not echoed in messages, since
//!   `${VAR}` expansion may have put credentials in them.
//! - **Origins.** [`RequirementEntry::origin`] is the location; the `origin` field of the
//!   `pep508_rs` requirement is left `None` so requirements compare equal to freshly parsed ones.
//! - **Self-referencing extras** in `pyproject.toml` (`all = ["me[dev,test]"]`) are expanded into
//!   the named extras rather than becoming a requirement on the project itself.

mod direct;
mod error;
mod internal;
mod origin;
pub mod pep508;
mod pyproject;
mod requirements_txt;
mod set;
mod source;

pub use direct::{DirectEntry, DirectReference, DirectReferenceError, DynamicProject};
pub use error::{HashProblem, RequirementsError, UnsupportedFeature};
pub use origin::Origin;
pub use pyproject::{parse_pyproject_str, read_pyproject};
pub use requirements_txt::{
    parse_requirements_txt_bytes, parse_requirements_txt_str, read_constraints_txt,
    read_requirements_txt,
};
pub use set::{
    ExtrasSelection, GroupName, GroupsSelection, IndexSettings, PyprojectSelection,
    RequirementEntry, RequirementsSet,
};
pub use source::read_source;
