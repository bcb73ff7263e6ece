//! The target environment of a resolution: PEP 508 marker values and the ordered list of
//! compatible wheel tags.
//!
//! A [`Target`] comes either from a real interpreter ([`query_interpreter`], which runs one
//! small embedded Python script; [`find_python`] finds `python3` on `PATH`) or from
//! `--python-version`/`--python-platform` alone ([`target_from_platform`] with a
//! [`PythonVersionRequest`] and a [`PythonPlatform`], CPython assumed, named as uv names them).
//! [`Tags`] ranks a wheel's tags in O(1): rank 0 is the best wheel for the target.
//! A universal resolution (`--universal`) covers many environments at once: [`UniversalTarget`]
//! holds its `requires-python` and `--environment` markers, and [`wheel_marker`] says where a
//! wheel installs.
//!
//! # Tag order
//!
//! Wheel tags are PEP 425 triples, `{python}-{abi}-{platform}`
//! (<https://peps.python.org/pep-0425/>, now the
//! [platform compatibility tags specification](https://packaging.python.org/en/latest/specifications/platform-compatibility-tags/)).
//! The order is that of `packaging.tags.sys_tags()` for CPython
//! (<https://packaging.pypa.io/en/stable/tags.html>, packaging 22.0 or later), for `cp311` on a
//! list `P` of platform tags, most specific first:
//!
//! 1. `cp311-cp311-p` for each `p` in `P` (the interpreter's own ABI; `cp37m` before 3.8);
//! 2. `cp311-abi3-p`, then `cp311-none-p`;
//! 3. `cp310-abi3-p` … `cp32-abi3-p` (the stable ABI of older minors, newest first);
//! 4. `py311-none-p`, `py3-none-p`, `py310-none-p` … `py30-none-p`;
//! 5. `cp311-none-any`, then `py311-none-any`, `py3-none-any`, `py310-none-any` … `py30-none-any`.
//!
//! Each step runs over all of `P` before the next begins, so a better ABI beats a better
//! platform. `P` itself is, per operating system:
//!
//! - glibc Linux ([PEP 600](https://peps.python.org/pep-0600/)): `manylinux_2_N_arch` from the
//!   target glibc down to 2.17 (2.5 on `i686` and `x86_64`), each legacy alias right after the
//!   `manylinux_2_N` it stands for (`manylinux2014` after `manylinux_2_17`, `manylinux2010`
//!   after `manylinux_2_12`, `manylinux1` after `manylinux_2_5`), then `linux_arch`;
//! - musl Linux ([PEP 656](https://peps.python.org/pep-0656/)): `musllinux_1_N_arch` down to
//!   `musllinux_1_0`, then `linux_arch`;
//! - macOS: `macosx_{version}_{format}` from the target version down (10.x by minor; from 11 on by
//!   major, then 10.16 to 10.4), each version with the fat and universal formats that include the
//!   CPU (`x86_64`, `intel`, `fat64`, `fat32`, `universal2`, `universal`; `arm64`, `universal2`);
//! - Windows: `win_amd64`, `win32` or `win_arm64`.
//!
//! `linux_arch` comes last as in pip's vendored packaging and uv (packaging 26.3 moved it first).
//!
//! ```
//! use tw_platform::{PythonPlatform, PythonVersionRequest, target_from_platform};
//!
//! let version: PythonVersionRequest = "3.12".parse()?;
//! let platform: PythonPlatform = "x86_64-manylinux_2_28".parse()?;
//! let target = target_from_platform(&version, &platform);
//! assert_eq!(target.markers.sys_platform(), "linux");
//! // `numpy-2.0.0-cp312-cp312-manylinux_2_17_x86_64.manylinux2014_x86_64.whl`
//! let native = target.tags.best_rank(
//!     &["cp312"],
//!     &["cp312"],
//!     &["manylinux_2_17_x86_64", "manylinux2014_x86_64"],
//! );
//! // `six-1.16.0-py2.py3-none-any.whl`
//! let pure = target.tags.best_rank(&["py2", "py3"], &["none"], &["any"]);
//! assert!(native < pure && pure.is_some());
//! # Ok::<(), tw_platform::PlatformError>(())
//! ```

mod error;
mod generate;
mod interpreter;
mod platform;
mod tags;
mod target;
mod universal;
mod version;

pub use error::PlatformError;
pub use interpreter::{
    InterpreterInfo, find_python, find_python_version, query_interpreter, query_interpreter_cached,
};
pub use platform::PythonPlatform;
pub use tags::{Tag, Tags};
pub use target::{Target, target_from_platform};
pub use universal::{UniversalTarget, requires_python_marker, wheel_marker, wheel_sys_platform};
pub use version::PythonVersionRequest;
