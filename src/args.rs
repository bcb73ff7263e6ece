//! Command-line arguments (first stage: raw values, as clap parses them).

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A fast Python dependency resolver: requirements in, a lock file out.
#[derive(Debug, Parser)]
#[command(name = "tailwheel", version, about, long_about = None)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
}

/// Options every command takes.
#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Print only errors.
    #[arg(
        help_heading = "Logging options",
        short,
        long,
        global = true,
        conflicts_with = "verbose"
    )]
    pub(crate) quiet: bool,
    /// More logging (`-v` debug, `-vv` trace); `RUST_LOG` works too.
    #[arg(help_heading = "Logging options", short, long, global = true, action = clap::ArgAction::Count)]
    pub(crate) verbose: u8,
    /// Never show progress bars.
    #[arg(help_heading = "Logging options", long, global = true)]
    pub(crate) no_progress: bool,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Resolve requirements into a lock file (pylock.toml or requirements.txt).
    Resolve(Box<ResolveArgs>),
    /// Download the locked files of a pylock.toml or hashed requirements.txt, in parallel.
    Download(Box<DownloadArgs>),
    /// Print the dependency graph of a lock (read from the lock alone).
    Tree(TreeArgs),
    /// Print every path from the roots of a lock to a package.
    Why(WhyArgs),
}

/// `tailwheel tree`.
#[derive(Debug, Args)]
pub(crate) struct TreeArgs {
    /// A `pylock.toml` or requirements.txt (default: `pylock.toml`, else `requirements.txt`).
    pub(crate) lock: Option<PathBuf>,
}

/// `tailwheel why`.
#[derive(Debug, Args)]
pub(crate) struct WhyArgs {
    /// The package to explain.
    pub(crate) package: String,
    /// A `pylock.toml` or requirements.txt (default: `pylock.toml`, else `requirements.txt`).
    pub(crate) lock: Option<PathBuf>,
}

/// `tailwheel resolve`.
#[derive(Debug, Args)]
pub(crate) struct ResolveArgs {
    /// Requirements files (`requirements.in`, `requirements.txt`) or `pyproject.toml`; `-`
    /// reads a requirements file from stdin.
    #[arg(required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Constrain versions with a requirements file.
    #[arg(
        help_heading = "Input options",
        short,
        long = "constraint",
        visible_alias = "constraints"
    )]
    pub(crate) constraints: Vec<PathBuf>,
    /// Replace requirements on packages with the ones in this file.
    #[arg(
        help_heading = "Input options",
        long = "override",
        visible_alias = "overrides"
    )]
    pub(crate) overrides: Vec<PathBuf>,
    /// Include this optional dependency group of a pyproject.toml.
    #[arg(help_heading = "Input options", long = "extra")]
    pub(crate) extras: Vec<String>,
    /// Include every optional dependency group of a pyproject.toml.
    #[arg(help_heading = "Input options", long, conflicts_with = "extras")]
    pub(crate) all_extras: bool,
    /// Include this dependency group (PEP 735 `[dependency-groups]`) of a pyproject.toml.
    #[arg(help_heading = "Input options", long = "group")]
    pub(crate) groups: Vec<String>,
    /// Include every dependency group of a pyproject.toml.
    #[arg(help_heading = "Input options", long, conflicts_with = "groups")]
    pub(crate) all_groups: bool,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
    /// Ignore files uploaded after this date, instant or time ago (`2026-10-01`,
    /// `2026-10-01T00:00:00Z`, `1 week`, `24 hours`, `P7D`).
    #[arg(help_heading = "Resolution options", long)]
    pub(crate) exclude_newer: Option<String>,
    /// Pre-release policy: `disallow`, `allow`, `if-necessary`, `explicit`, `if-necessary-or-explicit`.
    #[arg(
        help_heading = "Resolution options",
        long,
        default_value = "if-necessary-or-explicit"
    )]
    pub(crate) prerelease: String,
    /// Allow pre-releases for every package (same as `--prerelease allow`).
    #[arg(help_heading = "Resolution options", long)]
    pub(crate) pre: bool,
    /// `highest` (default), `lowest` or `lowest-direct`.
    #[arg(help_heading = "Resolution options", long, default_value = "highest")]
    pub(crate) resolution: String,
    /// Ignore the pins of an existing output file.
    #[arg(help_heading = "Resolution options", short = 'U', long)]
    pub(crate) upgrade: bool,
    /// Ignore the existing pin of this package (`NAME`), or move it to a version (`NAME==1.2`).
    #[arg(help_heading = "Resolution options", short = 'P', long)]
    pub(crate) upgrade_package: Vec<String>,
    /// Write the lock here (format from the extension; `-` or absent: stdout).
    #[arg(
        help_heading = "Output options",
        short,
        long,
        visible_alias = "output-file"
    )]
    pub(crate) output: Option<PathBuf>,
    /// Write nothing: exit 0 when the `-o` file is already what this resolve would write,
    /// else exit 1 with a diff (for CI and pre-commit).
    #[arg(
        help_heading = "Output options",
        long,
        requires = "output",
        conflicts_with = "download"
    )]
    pub(crate) check: bool,
    /// Output format: `pylock` or `requirements-txt` (default: from `-o`, else requirements-txt).
    #[arg(help_heading = "Output options", long)]
    pub(crate) format: Option<String>,
    /// Add `--hash` lines to requirements.txt output (pylock always has hashes).
    #[arg(help_heading = "Output options", long)]
    pub(crate) generate_hashes: bool,
    /// Do not add `# via` comments.
    #[arg(help_heading = "Output options", long)]
    pub(crate) no_annotate: bool,
    /// Where `# via` comments go: `split` (own lines, default) or `line` (on the pin's line).
    #[arg(help_heading = "Output options", long, value_enum, default_value_t = AnnotationStyleArg::Split)]
    pub(crate) annotation_style: AnnotationStyleArg,
    /// Write extras in requirements.txt pins (`name[extra]==1.0`); by default they are stripped.
    #[arg(help_heading = "Output options", long, overrides_with = "strip_extras")]
    pub(crate) no_strip_extras: bool,
    /// Write pins without extras (the default; accepted for pip-compile and uv habits).
    #[arg(
        help_heading = "Output options",
        long,
        overrides_with = "no_strip_extras"
    )]
    pub(crate) strip_extras: bool,
    /// Write the `--index-url` and `--extra-index-url` lines into requirements.txt output.
    #[arg(help_heading = "Output options", long)]
    pub(crate) emit_index_url: bool,
    /// Write the `--find-links` lines into requirements.txt output.
    #[arg(help_heading = "Output options", long)]
    pub(crate) emit_find_links: bool,
    /// Leave this package out of the output (it is still resolved); repeatable.
    #[arg(help_heading = "Output options", long, value_name = "NAME")]
    pub(crate) no_emit_package: Vec<String>,
    /// Do not write the header comment.
    #[arg(help_heading = "Output options", long)]
    pub(crate) no_header: bool,
    /// Run no build backend: sdists are used only where their `PKG-INFO` is static
    /// (metadata 2.2+, PEP 643) or was built before (cache).
    #[arg(help_heading = "Resolution options", long)]
    pub(crate) no_build: bool,
    /// Use only wheels for these packages (comma-separated, `:all:` or `:none:`; pip's syntax).
    #[arg(help_heading = "Resolution options", long)]
    pub(crate) only_binary: Vec<String>,
    /// Use only source distributions for these packages (comma-separated, `:all:` or `:none:`).
    #[arg(help_heading = "Resolution options", long)]
    pub(crate) no_binary: Vec<String>,
    /// Cache directory (default: `TAILWHEEL_CACHE_DIR`, else `$XDG_CACHE_HOME/tailwheel`, else `~/.cache/tailwheel`).
    #[arg(help_heading = "Cache options", long)]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Neither read nor write the cache.
    #[arg(help_heading = "Cache options", long, conflicts_with = "cache_dir")]
    pub(crate) no_cache: bool,
    /// Ask the index about every project page even when the cached copy is fresh or
    /// `--exclude-newer` would allow it (conditional requests where the index allows).
    #[arg(help_heading = "Cache options", long, conflicts_with = "offline")]
    pub(crate) refresh: bool,
    /// Refuse network access.
    #[arg(help_heading = "Network options", long)]
    pub(crate) offline: bool,
    /// Never use HTTP range requests to read wheel metadata (also `TAILWHEEL_NO_LAZY_WHEEL=1`).
    #[arg(help_heading = "Network options", long)]
    pub(crate) no_lazy_wheel: bool,
    /// Ask for PEP 658 files the index does not advertise: `hedged` (default), `off`, `first`,
    /// `concurrent` (see docs/lazy-wheel.md).
    #[arg(help_heading = "Network options", long, default_value = "hedged")]
    pub(crate) probe_metadata: String,
    /// Requests in flight at once.
    #[arg(help_heading = "Network options", long, default_value_t = 50)]
    pub(crate) concurrency: usize,
    /// After resolving, download the chosen file of every package into this folder.
    #[arg(help_heading = "Output options", long, value_name = "DIR")]
    pub(crate) download: Option<PathBuf>,
    /// With `--download`: warn instead of failing when a wheel's METADATA differs from the
    /// metadata the resolution used.
    #[arg(help_heading = "Output options", long, requires = "download")]
    pub(crate) allow_metadata_mismatch: bool,
    /// Print requests, bytes and time to stderr at the end.
    #[arg(help_heading = "Logging options", long)]
    pub(crate) stats: bool,
    /// Resolve for every environment the project's `requires-python` allows (else
    /// `>=` the `--python-version`), on every operating system and architecture: one lock for
    /// all of them, with markers where packages or versions differ.
    #[arg(
        help_heading = "Target options",
        long,
        conflicts_with_all = ["python_platform", "download"]
    )]
    pub(crate) universal: bool,
    /// With `--universal`: cover only environments matching one of these markers
    /// (repeatable), e.g. `sys_platform == 'linux'`.
    #[arg(
        help_heading = "Target options",
        long,
        value_name = "MARKER",
        requires = "universal"
    )]
    pub(crate) environment: Vec<String>,
    /// With `--universal`: fail when a locked package has neither a wheel for this
    /// environment (a marker, repeatable) nor a source distribution.
    #[arg(
        help_heading = "Target options",
        long,
        value_name = "MARKER",
        requires = "universal"
    )]
    pub(crate) required_environment: Vec<String>,
    /// With `--universal`: read one wheel's metadata per version, as uv does, instead of one
    /// per platform family (fewer requests; wheels that disagree by platform go unnoticed).
    #[arg(help_heading = "Target options", long, requires = "universal")]
    pub(crate) no_platform_check: bool,
}

/// Where packages come from (shared by `resolve` and `download`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Index options")]
pub(crate) struct IndexArgs {
    /// The Simple API index (default: `PIP_INDEX_URL`/`UV_INDEX_URL`, pip.conf, then pip's default).
    #[arg(short, long)]
    pub(crate) index_url: Option<String>,
    /// Additional indexes, after the main one.
    #[arg(long)]
    pub(crate) extra_index_url: Vec<String>,
    /// A named index, `NAME=URL` (or a bare `URL`), searched before `--index-url`; its
    /// credentials can come from `TAILWHEEL_INDEX_<NAME>_USERNAME`/`_PASSWORD`.
    #[arg(long = "index", value_name = "NAME=URL")]
    pub(crate) named_indexes: Vec<String>,
    /// Pages or directories with distribution files.
    #[arg(short, long)]
    pub(crate) find_links: Vec<String>,
    /// Use no index, only `--find-links`.
    #[arg(long)]
    pub(crate) no_index: bool,
    /// `first-index` (default) or `unsafe-best-match`.
    #[arg(long, default_value = "first-index")]
    pub(crate) index_strategy: String,
}

/// The environment to resolve or download for (shared by `resolve` and `download`).
#[derive(Debug, Args)]
#[command(next_help_heading = "Target options")]
pub(crate) struct TargetArgs {
    /// The interpreter to resolve for (default: `python3` on PATH).
    #[arg(long)]
    pub(crate) python: Option<PathBuf>,
    /// Target Python version (`3.11` or `3.11.4`), without needing that interpreter.
    #[arg(long)]
    pub(crate) python_version: Option<String>,
    /// Target platform (`linux`, `macos`, `windows`, `x86_64-manylinux_2_28`, ...).
    #[arg(long)]
    pub(crate) python_platform: Option<String>,
}

/// `tailwheel download`.
#[derive(Debug, Args)]
pub(crate) struct DownloadArgs {
    /// A `pylock.toml` or a hashed requirements.txt (as `tailwheel resolve` writes them).
    pub(crate) lockfile: PathBuf,
    /// The folder to download into (created if missing).
    #[arg(
        help_heading = "Output options",
        short,
        long = "dest",
        value_name = "DIR"
    )]
    pub(crate) dest: PathBuf,
    /// Downloads in flight at once.
    #[arg(help_heading = "Network options", long, default_value_t = 16)]
    pub(crate) concurrency: usize,
    /// Cache directory shared with `resolve` (files are linked from it, not fetched again).
    #[arg(help_heading = "Cache options", long)]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Neither read nor write the cache.
    #[arg(help_heading = "Cache options", long, conflicts_with = "cache_dir")]
    pub(crate) no_cache: bool,
    /// Ask the index about every project page even when the cached copy is fresh.
    #[arg(help_heading = "Cache options", long)]
    pub(crate) refresh: bool,
    /// Also clone the git sources of the lock (`DIR/<name>-<commit>`); without it they are
    /// listed as not cloned. Local projects are always skipped.
    #[arg(help_heading = "Output options", long)]
    pub(crate) vcs: bool,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
}

/// `--annotation-style`: where `# via` comments go (pip-compile's names).
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AnnotationStyleArg {
    /// One comment below the pin, and one line per reason when there are several.
    Split,
    /// One comment on the pin's line, reasons separated by commas.
    Line,
}
