//! `tailwheel tree` and `tailwheel why`: the dependency graph of a lock, read from the file
//! alone (no index, no network).

use std::path::{Path, PathBuf};
use std::str::FromStr;

use anyhow::anyhow;
use pep508_rs::PackageName;
use tw_lock::LockGraph;

use crate::args::{TreeArgs, WhyArgs};
use crate::failure::Failure;
use crate::printer::Printer;

/// The lock to read: the one given, else `pylock.toml`, else `requirements.txt`.
fn lock_path(given: Option<&Path>) -> Result<PathBuf, Failure> {
    if let Some(path) = given {
        return Ok(path.to_path_buf());
    }
    ["pylock.toml", "requirements.txt"]
        .into_iter()
        .map(PathBuf::from)
        .find(|path| path.is_file())
        .ok_or_else(|| {
            Failure::input(anyhow!(
                "no lock given and neither `pylock.toml` nor `requirements.txt` is in the current directory"
            ))
        })
}

fn read(path: &Path) -> Result<LockGraph, Failure> {
    LockGraph::read(path).map_err(Failure::input)
}

fn print(printer: Printer, text: &str) -> Result<(), Failure> {
    printer
        .stdout(text)
        .map_err(|err| Failure::io(anyhow!(err).context("cannot write to stdout")))
}

/// `tailwheel tree [LOCK]`.
pub(crate) fn tree(args: &TreeArgs, printer: Printer) -> Result<(), Failure> {
    let path = lock_path(args.lock.as_deref())?;
    print(printer, &read(&path)?.render_tree())
}

/// `tailwheel why NAME [LOCK]`.
pub(crate) fn why(args: &WhyArgs, printer: Printer) -> Result<(), Failure> {
    let name = PackageName::from_str(&args.package)
        .map_err(|err| Failure::input(anyhow!("invalid package name `{}`: {err}", args.package)))?;
    let path = lock_path(args.lock.as_deref())?;
    let graph = read(&path)?;
    if !graph.packages.contains_key(&name) {
        return Err(Failure::input(anyhow!(
            "`{name}` is not in `{}`",
            path.display()
        )));
    }
    let mut text = graph.paths_to(&name).join("\n");
    text.push('\n');
    print(printer, &text)
}
