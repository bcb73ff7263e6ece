//! Private machinery shared by the requirements-file and `pyproject.toml` readers.

pub(crate) mod classify;
pub(crate) mod decode;
pub(crate) mod lines;
pub(crate) mod requirement;
pub(crate) mod tokens;
