//! pip's requirements-file format: requirements, `-r`/`-c` includes and index options.
//!
//! Supported: comments, `\` continuations, `${VAR}` expansion, PEP 508 requirements (with
//! `name @ URL` direct URLs) followed by `--hash` options, and the options `-r`, `-c`, `-i`,
//! `--extra-index-url`, `-f`, `--no-index` and `--pre`, each as `--opt=value`, `--opt value`
//! and (short forms) `-ovalue`. `--only-binary`, `--no-binary` and `--trusted-host` are
//! collected in [`crate::IndexSettings`] for the CLI to honour; `--prefer-binary` is refused
//! ([`UnsupportedFeature::PreferBinary`]); `--use-feature` and `--require-hashes`, which do
//! not change what gets resolved, are accepted with a warning. See
//! <https://pip.pypa.io/en/stable/reference/requirements-file-format/>.

use std::path::{Path, PathBuf};

use crate::error::locate;
use crate::internal::classify;
use crate::internal::lines::{LogicalLine, logical_lines, physical_lines};
use crate::internal::requirement::{DirectParts, Parsed, Rejection, parse_requirement};
use crate::internal::tokens::{Word, options_start, split_words};
use crate::{
    DirectEntry, HashProblem, Origin, RequirementEntry, RequirementsError, RequirementsSet,
    UnsupportedFeature,
};

/// One requirement line: on an index, or a direct reference.
enum Line {
    Index(RequirementEntry),
    Direct(DirectEntry),
}

/// Looks up an environment variable for `${VAR}` expansion.
type Env<'a> = &'a dyn Fn(&str) -> Option<String>;

/// Read a requirements file (`pip install -r FILE`), following its `-r` and `-c` includes.
///
/// `env` looks up variables for `${VAR}` expansion; the CLI passes the process environment.
pub fn read_requirements_txt(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsSet, RequirementsError> {
    let mut reader = Reader::new(env);
    reader.read_file(path, Target::Requirements, None)?;
    Ok(reader.set)
}

/// Read a constraints file (`pip install -c FILE`): like [`read_requirements_txt`], but every
/// requirement, also from nested `-r` files, lands in [`RequirementsSet::constraints`].
pub fn read_constraints_txt(
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsSet, RequirementsError> {
    let mut reader = Reader::new(env);
    reader.read_file(path, Target::Constraints, None)?;
    Ok(reader.set)
}

/// Parse requirements-file `contents` as if read from `path`.
///
/// `path` names the file in origins and errors, and relative `-r`/`-c`/`-f` paths are
/// resolved against its directory (includes are read from the filesystem).
pub fn parse_requirements_txt_str(
    contents: &str,
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsSet, RequirementsError> {
    let mut reader = Reader::new(env);
    // The file need not exist; cycle detection then compares the path as given.
    let canonical = fs_err::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
    reader.parse(contents, path, canonical, Target::Requirements)?;
    Ok(reader.set)
}

/// Parse requirements-file `bytes` (e.g. stdin, shown as `-`) as if read from `path`: decoded
/// as files are (byte order marks, UTF-16, `coding:` comments), then as
/// [`parse_requirements_txt_str`].
pub fn parse_requirements_txt_bytes(
    bytes: &[u8],
    path: &Path,
    env: &dyn Fn(&str) -> Option<String>,
) -> Result<RequirementsSet, RequirementsError> {
    let contents =
        crate::internal::decode::decode(bytes).map_err(|error| RequirementsError::Encoding {
            origin: Origin {
                path: path.to_path_buf(),
                line: error.line,
                column: error.column,
            },
            reason: error.reason,
        })?;
    parse_requirements_txt_str(&contents, path, env)
}

/// Where the requirements of the file being read go.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Target {
    Requirements,
    Constraints,
}

/// What an option does.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum OptionKind {
    Requirement,
    Constraint,
    IndexUrl,
    ExtraIndexUrl,
    FindLinks,
    NoIndex,
    Pre,
    Editable,
    Hash,
    OnlyBinary,
    NoBinary,
    PreferBinary,
    TrustedHost,
    /// Accepted for pip compatibility, ignored with a warning.
    Ignored,
}

/// An option of the requirements-file format.
#[derive(Debug)]
struct OptionSpec {
    long: &'static str,
    short: Option<&'static str>,
    takes_value: bool,
    kind: OptionKind,
}

const fn spec(
    long: &'static str,
    short: Option<&'static str>,
    takes_value: bool,
    kind: OptionKind,
) -> OptionSpec {
    OptionSpec {
        long,
        short,
        takes_value,
        kind,
    }
}

/// The options pip allows in requirements files that tailwheel recognises.
const OPTIONS: &[OptionSpec] = &[
    spec("--requirement", Some("-r"), true, OptionKind::Requirement),
    spec("--constraint", Some("-c"), true, OptionKind::Constraint),
    spec("--index-url", Some("-i"), true, OptionKind::IndexUrl),
    spec("--extra-index-url", None, true, OptionKind::ExtraIndexUrl),
    spec("--find-links", Some("-f"), true, OptionKind::FindLinks),
    spec("--no-index", None, false, OptionKind::NoIndex),
    spec("--pre", None, false, OptionKind::Pre),
    spec("--editable", Some("-e"), true, OptionKind::Editable),
    spec("--hash", None, true, OptionKind::Hash),
    spec("--trusted-host", None, true, OptionKind::TrustedHost),
    spec("--prefer-binary", None, false, OptionKind::PreferBinary),
    spec("--only-binary", None, true, OptionKind::OnlyBinary),
    spec("--no-binary", None, true, OptionKind::NoBinary),
    spec("--use-feature", None, true, OptionKind::Ignored),
    spec("--require-hashes", None, false, OptionKind::Ignored),
];

/// One option occurrence on a line.
#[derive(Debug)]
struct ParsedOption {
    spec: &'static OptionSpec,
    /// The option as written (`-r` or `--requirement`).
    written: String,
    /// Byte offset of the option in the logical line.
    start: usize,
    /// The value and its byte offset, for options that take one.
    value: Option<(String, usize)>,
}

impl ParsedOption {
    fn value(&self) -> (&str, usize) {
        self.value
            .as_ref()
            .map_or(("", self.start), |(value, start)| (value.as_str(), *start))
    }
}

/// The file whose lines are being handled.
struct FileContext<'a> {
    /// The path as given or joined from includes; shown in origins.
    path: &'a Path,
    /// The physical lines, for error excerpts.
    physical: &'a [&'a str],
    /// The directory of `path` as given, against which includes are joined.
    display_dir: &'a Path,
    /// The absolute directory of the file, for `--find-links` paths.
    absolute_dir: PathBuf,
}

impl FileContext<'_> {
    /// The origin and physical line of byte `offset` of `line`.
    fn locate(&self, line: &LogicalLine, offset: usize) -> (Origin, String) {
        let position = line.position(offset);
        locate(self.path, self.physical, position.line, position.column)
    }
}

/// Reads a file and its includes into one [`RequirementsSet`].
struct Reader<'a> {
    env: Env<'a>,
    set: RequirementsSet,
    /// The files being read, outermost first: (canonical path, path as shown).
    stack: Vec<(PathBuf, PathBuf)>,
}

impl<'a> Reader<'a> {
    fn new(env: Env<'a>) -> Self {
        Self {
            env,
            set: RequirementsSet::default(),
            stack: Vec::new(),
        }
    }

    /// Read `path`; `site` is the `-r`/`-c` option that included it, if any.
    fn read_file(
        &mut self,
        path: &Path,
        target: Target,
        site: Option<&(Origin, String)>,
    ) -> Result<(), RequirementsError> {
        let io_error = |source| match site.cloned() {
            Some((origin, source_line)) => RequirementsError::Include {
                origin,
                source_line,
                path: path.to_path_buf(),
                source,
            },
            None => RequirementsError::Io(source),
        };
        let bytes = fs_err::read(path).map_err(io_error)?;
        let contents = crate::internal::decode::decode(&bytes).map_err(|error| {
            RequirementsError::Encoding {
                origin: Origin {
                    path: path.to_path_buf(),
                    line: error.line,
                    column: error.column,
                },
                reason: error.reason,
            }
        })?;
        let canonical = fs_err::canonicalize(path).map_err(io_error)?;
        if let Some(index) = self.stack.iter().position(|(seen, _)| *seen == canonical)
            && let Some((origin, source_line)) = site.cloned()
        {
            let mut cycle: Vec<PathBuf> = self.stack[index..]
                .iter()
                .map(|(_, shown)| shown.clone())
                .collect();
            cycle.push(path.to_path_buf());
            return Err(RequirementsError::IncludeCycle {
                origin,
                source_line,
                cycle,
            });
        }
        self.parse(&contents, path, canonical, target)
    }

    /// Handle every line of `contents`, read from `path` (canonically `canonical`).
    fn parse(
        &mut self,
        contents: &str,
        path: &Path,
        canonical: PathBuf,
        target: Target,
    ) -> Result<(), RequirementsError> {
        let physical = physical_lines(contents);
        let lines = logical_lines(&physical, self.env);
        let parent = match canonical.parent() {
            Some(parent) if !parent.as_os_str().is_empty() => parent,
            _ => Path::new("."),
        };
        // Only an unreadable current directory makes this fail; then stay relative.
        let absolute_dir = std::path::absolute(parent).unwrap_or_else(|_| parent.to_path_buf());
        let file = FileContext {
            path,
            physical: &physical,
            display_dir: path.parent().unwrap_or(Path::new("")),
            absolute_dir,
        };
        self.stack.push((canonical, path.to_path_buf()));
        let result = lines
            .iter()
            .try_for_each(|line| self.line(&file, line, target));
        self.stack.pop();
        result
    }

    /// Handle one logical line: a requirement with `--hash` options, or option(s) alone.
    fn line(
        &mut self,
        file: &FileContext<'_>,
        line: &LogicalLine,
        target: Target,
    ) -> Result<(), RequirementsError> {
        let split = options_start(&line.text);
        let requirement = line.text[..split].trim_end();
        let entry = if requirement.is_empty() {
            None
        } else {
            Some(self.requirement(file, line, requirement)?)
        };
        let words = split_words(&line.text[split..], split).map_err(|at| {
            let (origin, source_line) = file.locate(line, at);
            RequirementsError::UnterminatedQuote {
                origin,
                source_line,
            }
        })?;
        let options = parse_options(file, line, &words)?;
        match entry {
            Some(Line::Index(mut entry)) => {
                for option in &options {
                    entry.hashes.push(requirement_option(file, line, option)?);
                }
                match target {
                    Target::Requirements => self.set.requirements.push(entry),
                    Target::Constraints => self.set.constraints.push(entry),
                }
            }
            Some(Line::Direct(mut entry)) => {
                for option in &options {
                    entry.hashes.push(requirement_option(file, line, option)?);
                }
                self.push_direct(file, line, 0, entry, target)?;
            }
            None => {
                for option in &options {
                    self.apply(file, line, option, target)?;
                }
            }
        }
        Ok(())
    }

    /// Parse the requirement at the start of `line`.
    fn requirement(
        &mut self,
        file: &FileContext<'_>,
        line: &LogicalLine,
        text: &str,
    ) -> Result<Line, RequirementsError> {
        let mut warnings = Vec::new();
        let parsed = parse_requirement(text, &file.absolute_dir, &mut warnings);
        let (origin, _) = file.locate(line, 0);
        self.set.warnings.extend(
            warnings
                .into_iter()
                .map(|warning| format!("`{origin}`: {warning}")),
        );
        let parsed = parsed.map_err(|rejection| rejected(file, line, 0, rejection))?;
        Ok(match parsed {
            Parsed::Index(requirement) => Line::Index(RequirementEntry {
                requirement,
                hashes: Vec::new(),
                origin,
            }),
            Parsed::Direct(parts) => Line::Direct(direct_entry(parts, text, false, origin)),
        })
    }

    /// Keep a direct reference, unless it is in a constraints file (pip refuses those).
    fn push_direct(
        &mut self,
        file: &FileContext<'_>,
        line: &LogicalLine,
        offset: usize,
        entry: DirectEntry,
        target: Target,
    ) -> Result<(), RequirementsError> {
        if target == Target::Constraints {
            let (origin, source_line) = file.locate(line, offset);
            return Err(RequirementsError::MisplacedDirectReference {
                origin,
                source_line,
                reason: "constraints cannot be direct references or editables (pip refuses them too); name them in a requirements file",
            });
        }
        self.set.direct.push(entry);
        Ok(())
    }

    /// `-e VALUE`: a local project installed in development mode; `-e git+…` is locked as a
    /// regular git requirement, with a warning.
    fn editable(
        &mut self,
        file: &FileContext<'_>,
        line: &LogicalLine,
        option: &ParsedOption,
        target: Target,
    ) -> Result<(), RequirementsError> {
        let (value, start) = option.value();
        let (origin, _) = file.locate(line, option.start);
        let mut warnings = Vec::new();
        // A value that is not itself path-like (`-e pkg`) is still a path to pip.
        let text = if crate::internal::classify::unnamed(value).is_some() {
            value.to_string()
        } else {
            format!("./{value}")
        };
        let parts = crate::internal::requirement::parse_requirement(
            &text,
            &file.absolute_dir,
            &mut warnings,
        )
        .map_err(|rejection| rejected(file, line, start, rejection))?;
        let Parsed::Direct(parts) = parts else {
            let (origin, source_line) = file.locate(line, start);
            return Err(RequirementsError::MisplacedDirectReference {
                origin,
                source_line,
                reason: "an editable must be a local directory or a `git+` URL",
            });
        };
        let editable = match &parts.reference {
            crate::DirectReference::Path { path }
                if !crate::internal::classify::is_archive(&path.to_string_lossy()) =>
            {
                true
            }
            crate::DirectReference::Git { .. } => {
                self.set.warnings.push(format!(
                    "`{origin}`: `-e {value}` is locked as a regular git requirement: tailwheel makes no editable checkouts of repositories"
                ));
                false
            }
            _ => {
                let (origin, source_line) = file.locate(line, start);
                return Err(RequirementsError::MisplacedDirectReference {
                    origin,
                    source_line,
                    reason: "an editable must be a local directory or a `git+` URL, not an archive",
                });
            }
        };
        let entry = direct_entry(parts, value, editable, origin);
        self.push_direct(file, line, option.start, entry, target)
    }

    /// Apply an option from an option-only line.
    fn apply(
        &mut self,
        file: &FileContext<'_>,
        line: &LogicalLine,
        option: &ParsedOption,
        target: Target,
    ) -> Result<(), RequirementsError> {
        let (value, value_start) = option.value();
        match option.spec.kind {
            OptionKind::Requirement | OptionKind::Constraint => {
                if classify::url_scheme(value).is_some() {
                    return Err(unsupported(
                        file,
                        line,
                        value_start,
                        UnsupportedFeature::RemoteInclude,
                    ));
                }
                let target = if option.spec.kind == OptionKind::Constraint {
                    Target::Constraints
                } else {
                    target
                };
                let included = file.display_dir.join(value);
                let site = file.locate(line, option.start);
                self.read_file(&included, target, Some(&site))?;
            }
            OptionKind::IndexUrl => {
                let url = checked_url(file, line, option)?;
                if self.set.index.index_url.is_none() {
                    self.set.index.index_url = Some(url);
                } else if self.set.index.index_url.as_deref() != Some(url.as_str()) {
                    // URLs may carry credentials, so the warning does not repeat them.
                    let (origin, _) = file.locate(line, option.start);
                    self.set.warnings.push(format!(
                        "`{origin}`: ignoring this `--index-url`; an earlier one is used"
                    ));
                }
            }
            OptionKind::ExtraIndexUrl => {
                let url = checked_url(file, line, option)?;
                self.set.index.extra_index_urls.push(url);
            }
            OptionKind::FindLinks => {
                let location = if classify::url_scheme(value).is_some() {
                    value.to_string()
                } else {
                    // pip resolves relative find-links paths against the requirements file.
                    file.absolute_dir.join(value).to_string_lossy().into_owned()
                };
                self.set.index.find_links.push(location);
            }
            OptionKind::NoIndex => self.set.index.no_index = true,
            OptionKind::Pre => self.set.index.pre = true,
            OptionKind::Editable => self.editable(file, line, option, target)?,
            OptionKind::Hash => {
                let (origin, source_line) = file.locate(line, option.start);
                return Err(RequirementsError::HashWithoutRequirement {
                    origin,
                    source_line,
                });
            }
            OptionKind::OnlyBinary => self.set.index.only_binary.push(value.to_string()),
            OptionKind::NoBinary => self.set.index.no_binary.push(value.to_string()),
            OptionKind::TrustedHost => {
                let (origin, _) = file.locate(line, option.start);
                self.set
                    .index
                    .trusted_hosts
                    .push((value.to_string(), origin));
            }
            OptionKind::PreferBinary => {
                return Err(unsupported(
                    file,
                    line,
                    option.start,
                    UnsupportedFeature::PreferBinary,
                ));
            }
            OptionKind::Ignored => {
                let (origin, _) = file.locate(line, option.start);
                self.set.warnings.push(format!(
                    "`{origin}`: ignoring `{}`, which tailwheel does not use",
                    option.spec.long
                ));
            }
        }
        Ok(())
    }
}

/// Split the words of a line's options part into options with their values.
fn parse_options(
    file: &FileContext<'_>,
    line: &LogicalLine,
    words: &[Word],
) -> Result<Vec<ParsedOption>, RequirementsError> {
    let mut options = Vec::new();
    let mut words = words.iter();
    while let Some(word) = words.next() {
        let (written, inline) = split_option(word).ok_or_else(|| {
            let (origin, source_line) = file.locate(line, word.start);
            RequirementsError::UnexpectedArgument {
                origin,
                source_line,
                argument: word.value.clone(),
            }
        })?;
        let error_at_option = |make: fn(Origin, String, String) -> RequirementsError| {
            let (origin, source_line) = file.locate(line, word.start);
            make(origin, source_line, written.to_string())
        };
        let Some(spec) = OPTIONS
            .iter()
            .find(|spec| spec.long == written || spec.short == Some(written))
        else {
            return Err(error_at_option(|origin, source_line, option| {
                RequirementsError::UnknownOption {
                    origin,
                    source_line,
                    option,
                }
            }));
        };
        let value = match (spec.takes_value, inline) {
            (true, Some(value)) => Some(value),
            (true, None) => match words.next() {
                Some(next) => Some((next.value.clone(), next.start)),
                None => {
                    return Err(error_at_option(|origin, source_line, option| {
                        RequirementsError::MissingOptionValue {
                            origin,
                            source_line,
                            option,
                        }
                    }));
                }
            },
            (false, Some(_)) => {
                return Err(error_at_option(|origin, source_line, option| {
                    RequirementsError::UnexpectedOptionValue {
                        origin,
                        source_line,
                        option,
                    }
                }));
            }
            (false, None) => None,
        };
        options.push(ParsedOption {
            spec,
            written: written.to_string(),
            start: word.start,
            value,
        });
    }
    Ok(options)
}

/// `--name=value` → (`--name`, value); `-xvalue` → (`-x`, value); `None` if not an option.
fn split_option(word: &Word) -> Option<(&str, Option<(String, usize)>)> {
    let text = word.value.as_str();
    if text.starts_with("--") {
        return Some(match text.split_once('=') {
            Some((name, value)) => (name, Some((value.to_string(), word.start + name.len() + 1))),
            None => (text, None),
        });
    }
    let letter = text.strip_prefix('-')?.chars().next()?;
    let (name, rest) = text.split_at(1 + letter.len_utf8());
    let value = (!rest.is_empty()).then(|| (rest.to_string(), word.start + name.len()));
    Some((name, value))
}

/// Check an option that follows a requirement (only `--hash`) and return the hash.
fn requirement_option(
    file: &FileContext<'_>,
    line: &LogicalLine,
    option: &ParsedOption,
) -> Result<String, RequirementsError> {
    if option.spec.kind != OptionKind::Hash {
        let (origin, source_line) = file.locate(line, option.start);
        return Err(RequirementsError::MisplacedOption {
            origin,
            source_line,
            option: option.written.clone(),
        });
    }
    let (hash, start) = option.value();
    check_hash(hash).map_err(|problem| {
        let (origin, source_line) = file.locate(line, start);
        RequirementsError::InvalidHash {
            origin,
            source_line,
            hash: hash.to_string(),
            problem,
        }
    })?;
    Ok(hash.to_string())
}

/// The error for a requirement rejected at byte `offset` of `line` plus the rejection's own.
fn rejected(
    file: &FileContext<'_>,
    line: &LogicalLine,
    offset: usize,
    rejection: Rejection,
) -> RequirementsError {
    match rejection {
        Rejection::Invalid { offset: at, error } => {
            let (origin, source_line) = file.locate(line, offset + at);
            RequirementsError::InvalidRequirement {
                origin,
                source_line,
                error,
            }
        }
        Rejection::Direct { offset: at, error } => {
            let (origin, source_line) = file.locate(line, offset + at);
            RequirementsError::InvalidDirectReference {
                origin,
                source_line,
                error,
            }
        }
    }
}

/// A [`DirectEntry`] from its parsed parts.
fn direct_entry(parts: DirectParts, written: &str, editable: bool, origin: Origin) -> DirectEntry {
    DirectEntry {
        name: parts.name,
        extras: parts.extras,
        marker: parts.marker,
        reference: parts.reference,
        editable,
        written: written.trim().to_string(),
        hashes: Vec::new(),
        origin,
    }
}

/// Validate `algorithm:hexdigest` the way pip's `--hash` does, plus the digest's length.
fn check_hash(hash: &str) -> Result<(), HashProblem> {
    let (algorithm, digest) = hash.split_once(':').ok_or(HashProblem::MissingAlgorithm)?;
    let expected = match algorithm {
        "sha256" => 64,
        "sha384" => 96,
        "sha512" => 128,
        _ => return Err(HashProblem::UnsupportedAlgorithm),
    };
    if !digest.bytes().all(|byte| byte.is_ascii_hexdigit()) {
        return Err(HashProblem::NotHex);
    }
    if digest.len() != expected {
        return Err(HashProblem::WrongLength {
            expected,
            found: digest.len(),
        });
    }
    Ok(())
}

/// The value of `-i`/`--extra-index-url`, checked to be an absolute URL.
fn checked_url(
    file: &FileContext<'_>,
    line: &LogicalLine,
    option: &ParsedOption,
) -> Result<String, RequirementsError> {
    let (value, start) = option.value();
    match url::Url::parse(value) {
        Ok(_) => Ok(value.to_string()),
        Err(source) => {
            let (origin, source_line) = file.locate(line, start);
            Err(RequirementsError::InvalidUrl {
                origin,
                source_line,
                option: option.spec.long,
                url: value.to_string(),
                source,
            })
        }
    }
}

fn unsupported(
    file: &FileContext<'_>,
    line: &LogicalLine,
    offset: usize,
    feature: UnsupportedFeature,
) -> RequirementsError {
    let (origin, source_line) = file.locate(line, offset);
    RequirementsError::Unsupported {
        origin,
        source_line,
        feature,
    }
}

#[cfg(test)]
mod tests {
    use std::str::FromStr;

    use pep508_rs::{ExtraName, Requirement};

    use super::*;
    use crate::IndexSettings;

    const SHA_A: &str = "sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa";
    const SHA_B: &str = "sha256:0123456789abcdef0123456789ABCDEF0123456789abcdef0123456789abcdef";

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn parse(contents: &str) -> RequirementsSet {
        parse_requirements_txt_str(contents, Path::new("requirements.txt"), &no_env).unwrap()
    }

    fn error(contents: &str) -> RequirementsError {
        parse_requirements_txt_str(contents, Path::new("requirements.txt"), &no_env).unwrap_err()
    }

    fn names(entries: &[RequirementEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|entry| entry.requirement.to_string())
            .collect()
    }

    fn positions(entries: &[RequirementEntry]) -> Vec<String> {
        entries
            .iter()
            .map(|entry| entry.origin.to_string())
            .collect()
    }

    fn write(dir: &Path, name: &str, contents: &str) -> PathBuf {
        let path = dir.join(name);
        fs_err::create_dir_all(path.parent().unwrap()).unwrap();
        fs_err::write(&path, contents).unwrap();
        path
    }

    #[test]
    fn requirements_in_file_order_with_origins() {
        let set = parse("Flask_Login >= 0.6\n\n  requests\nzope.interface==6.*\n");
        assert_eq!(
            names(&set.requirements),
            ["flask-login>=0.6", "requests", "zope-interface==6.*"]
        );
        assert_eq!(
            positions(&set.requirements),
            [
                "requirements.txt:1:1",
                "requirements.txt:3:3",
                "requirements.txt:4:1"
            ]
        );
        assert!(set.constraints.is_empty());
        assert!(set.warnings.is_empty());
        assert_eq!(set.index, IndexSettings::default());
    }

    #[test]
    fn comments_are_dropped_but_url_fragments_kept() {
        let set = parse(
            "# a comment\n\
             flask  # trailing comment\n\
             pkg @ https://files.example.invalid/pkg-1.0-py3-none-any.whl#sha256=ABCDEFabcdef0123456789abcdef0123456789abcdef0123456789abcdef0123 # note\n\
             #--index-url https://index.example.invalid/simple\n",
        );
        assert_eq!(names(&set.requirements), ["flask"]);
        assert!(matches!(
            &set.direct[0].reference,
            crate::DirectReference::Url { sha256: Some(sha), .. }
                if sha == "abcdefabcdef0123456789abcdef0123456789abcdef0123456789abcdef0123"
        ));
        assert_eq!(set.index.index_url, None);
    }

    #[test]
    fn extras_markers_and_direct_urls() {
        let set = parse(
            "requests[socks, security] >=2.8.1, ==2.8.* ; python_version < \"3.12\"\n\
             black @ https://files.example.invalid/black-24.1.0-py3-none-any.whl ; sys_platform == 'linux'\n",
        );
        let requests = &set.requirements[0].requirement;
        assert_eq!(
            requests.extras,
            [
                ExtraName::from_str("socks").unwrap(),
                ExtraName::from_str("security").unwrap()
            ]
        );
        assert_eq!(
            requests.marker.try_to_string().as_deref(),
            Some("python_full_version < '3.12'")
        );
        let black = &set.direct[0];
        assert_eq!(black.name.as_ref().unwrap().as_ref(), "black");
        assert_eq!(
            black.reference.to_string(),
            "https://files.example.invalid/black-24.1.0-py3-none-any.whl"
        );
        assert_eq!(
            black.marker.try_to_string().as_deref(),
            Some("sys_platform == 'linux'")
        );
        assert_eq!(black.origin.to_string(), "requirements.txt:2:1");
        // Entries compare equal to freshly parsed requirements (no pep508 origin is set).
        assert_eq!(
            set.requirements[0].requirement,
            Requirement::from_str(
                "requests[socks, security] >=2.8.1, ==2.8.* ; python_version < \"3.12\""
            )
            .unwrap()
        );
    }

    #[test]
    fn continuations_with_hashes_in_both_forms() {
        let contents = format!(
            "# pinned\nflask==3.0.0 \\\n    --hash={SHA_A} \\\n    --hash {SHA_B}\nclick==8.1.7 --hash={SHA_A}\n"
        );
        let set = parse(&contents);
        assert_eq!(names(&set.requirements), ["flask==3.0.0", "click==8.1.7"]);
        assert_eq!(set.requirements[0].hashes, [SHA_A, SHA_B]);
        assert_eq!(set.requirements[1].hashes, [SHA_A]);
        assert_eq!(
            positions(&set.requirements),
            ["requirements.txt:2:1", "requirements.txt:5:1"]
        );
    }

    #[test]
    fn error_on_continued_line_points_at_that_line() {
        let error = error("flask \\\n  >= 2 ; python_version ~ '3'\n");
        assert_eq!(error.origin().map(|origin| origin.line), Some(2));
        assert!(
            error.to_string().starts_with("`requirements.txt:2:"),
            "{error}"
        );
        assert!(
            error
                .to_string()
                .contains("\n  2 |   >= 2 ; python_version ~ '3'\n"),
            "{error}"
        );
    }

    #[test]
    fn expands_environment_variables() {
        let env = |name: &str| match name {
            "INDEX" => Some("https://user:token@index.example.invalid/simple".to_string()),
            "VERSION" => Some("2.1".to_string()),
            _ => None,
        };
        let set = parse_requirements_txt_str(
            "--index-url ${INDEX}\n\
             --extra-index-url https://mirror.example.invalid/${UNSET}/simple\n\
             flask==${VERSION} ; python_version > '3'\n\
             click==1.0 # ${VERSION}\n",
            Path::new("requirements.txt"),
            &env,
        )
        .unwrap();
        assert_eq!(
            set.index.index_url.as_deref(),
            Some("https://user:token@index.example.invalid/simple")
        );
        assert_eq!(
            set.index.extra_index_urls,
            ["https://mirror.example.invalid/${UNSET}/simple"]
        );
        assert_eq!(
            names(&set.requirements),
            ["flask==2.1 ; python_full_version >= '3.1'", "click==1.0"]
        );
    }

    #[test]
    fn index_options_in_every_form() {
        let set = parse(
            "-i https://index.example.invalid/simple\n\
             --extra-index-url=https://a.example.invalid/simple\n\
             --extra-index-url https://b.example.invalid/simple\n\
             -f https://links.example.invalid/wheels/\n\
             --find-links=https://links.example.invalid/more/\n\
             --no-index --pre\n",
        );
        assert_eq!(
            set.index,
            IndexSettings {
                index_url: Some("https://index.example.invalid/simple".into()),
                extra_index_urls: vec![
                    "https://a.example.invalid/simple".into(),
                    "https://b.example.invalid/simple".into()
                ],
                find_links: vec![
                    "https://links.example.invalid/wheels/".into(),
                    "https://links.example.invalid/more/".into()
                ],
                no_index: true,
                pre: true,
                ..IndexSettings::default()
            }
        );
        for line in [
            "--index-url=https://index.example.invalid/simple",
            "--index-url https://index.example.invalid/simple",
            "-ihttps://index.example.invalid/simple",
            "--index-url 'https://index.example.invalid/simple'",
        ] {
            assert_eq!(
                parse(line).index.index_url.as_deref(),
                Some("https://index.example.invalid/simple"),
                "{line}"
            );
        }
    }

    #[test]
    fn second_index_url_is_ignored_with_a_warning() {
        let set = parse(
            "-i https://index.example.invalid/simple\n\
             -i https://index.example.invalid/simple\n\
             --index-url https://other.example.invalid/simple\n",
        );
        assert_eq!(
            set.index.index_url.as_deref(),
            Some("https://index.example.invalid/simple")
        );
        assert_eq!(
            set.warnings,
            ["`requirements.txt:3:1`: ignoring this `--index-url`; an earlier one is used"]
        );
    }

    #[test]
    fn relative_find_links_are_made_absolute_against_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "reqs/requirements.txt",
            "-f ./wheels\n--find-links ../dist\n-f /abs/wheels\n",
        );
        let set = read_requirements_txt(&path, &no_env).unwrap();
        let reqs = fs_err::canonicalize(dir.path().join("reqs")).unwrap();
        assert_eq!(
            set.index.find_links,
            [
                reqs.join("./wheels").to_string_lossy(),
                reqs.join("../dist").to_string_lossy(),
                "/abs/wheels".into()
            ]
        );
    }

    #[test]
    fn pip_options_are_collected_warned_or_refused() {
        let set = parse(
            "--trusted-host host.example.invalid\n\
             --only-binary=:all:\n\
             --no-binary :none:\n\
             --use-feature=truststore\n\
             flask\n  --require-hashes\n",
        );
        assert_eq!(names(&set.requirements), ["flask"]);
        assert_eq!(set.index.only_binary, [":all:"]);
        assert_eq!(set.index.no_binary, [":none:"]);
        assert_eq!(set.index.trusted_hosts.len(), 1);
        assert_eq!(set.index.trusted_hosts[0].0, "host.example.invalid");
        assert_eq!(
            set.index.trusted_hosts[0].1.to_string(),
            "requirements.txt:1:1"
        );
        assert_eq!(
            set.warnings,
            [
                "`requirements.txt:4:1`: ignoring `--use-feature`, which tailwheel does not use",
                "`requirements.txt:6:3`: ignoring `--require-hashes`, which tailwheel does not use",
            ]
        );
        assert!(matches!(
            error("flask\n--prefer-binary\n"),
            RequirementsError::Unsupported {
                feature: UnsupportedFeature::PreferBinary,
                ..
            }
        ));
    }

    #[test]
    fn invalid_requirement_renders_line_and_caret() {
        assert_eq!(
            error("flask\nflask $ 2\n").to_string(),
            "`requirements.txt:2:7`: invalid requirement: Expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `$`\n  \
             2 | flask $ 2\n    \
               |       ^"
        );
    }

    #[test]
    fn invalid_version_points_into_the_specifier() {
        let error = error("flask >$ 2");
        assert!(matches!(
            error,
            RequirementsError::InvalidRequirement { .. }
        ));
        assert_eq!(error.origin().unwrap().column, 7);
    }

    #[test]
    fn unknown_option_is_an_error() {
        assert_eq!(
            error("flask\n   --frobnicate=yes\n").to_string(),
            "`requirements.txt:2:4`: unknown option `--frobnicate`\n  \
             2 |    --frobnicate=yes\n    \
               |    ^"
        );
        assert!(matches!(
            error("-x foo"),
            RequirementsError::UnknownOption { option, .. } if option == "-x"
        ));
    }

    #[test]
    fn option_value_errors() {
        assert_eq!(
            error("--pre\n--index-url").to_string(),
            "`requirements.txt:2:1`: option `--index-url` needs a value\n  \
             2 | --index-url\n    \
               | ^"
        );
        assert!(matches!(
            error("--pre=yes"),
            RequirementsError::UnexpectedOptionValue { option, .. } if option == "--pre"
        ));
        assert!(matches!(
            error("flask --hash"),
            RequirementsError::MissingOptionValue { option, .. } if option == "--hash"
        ));
    }

    #[test]
    fn global_option_after_requirement_is_misplaced() {
        assert_eq!(
            error("flask==1.0 --index-url https://index.example.invalid/simple").to_string(),
            "`requirements.txt:1:12`: option `--index-url` cannot follow a requirement; only `--hash` can, put `--index-url` on its own line\n  \
             1 | flask==1.0 --index-url https://index.example.invalid/simple\n    \
               |            ^"
        );
    }

    #[test]
    fn hash_without_requirement_is_an_error() {
        let contents = format!("--hash={SHA_A}");
        assert!(matches!(
            error(&contents),
            RequirementsError::HashWithoutRequirement { origin, .. } if origin.column == 1
        ));
    }

    #[test]
    fn stray_argument_and_unterminated_quote() {
        assert_eq!(
            error("--pre flask").to_string(),
            "`requirements.txt:1:7`: unexpected argument `flask`; requirements go at the start of a line\n  \
             1 | --pre flask\n    \
               |       ^"
        );
        assert_eq!(
            error("-f 'my dir").to_string(),
            "`requirements.txt:1:4`: unterminated quote\n  1 | -f 'my dir\n    |    ^"
        );
    }

    #[test]
    fn invalid_hashes() {
        let cases = [
            ("flask --hash=abc", "expected `<algorithm>:<hex digest>`"),
            (
                "flask --hash=md5:0123456789abcdef0123456789abcdef",
                "the algorithm must be `sha256`, `sha384` or `sha512`",
            ),
            ("flask --hash=sha256:xyz", "the digest must be hexadecimal"),
            (
                "flask --hash sha512:abcd",
                "expected 128 hex digits, found 4",
            ),
        ];
        for (line, problem) in cases {
            let error = error(line);
            let RequirementsError::InvalidHash { origin, .. } = &error else {
                panic!("expected an invalid hash for {line}, got {error}");
            };
            assert_eq!(origin.column, 14, "{line}");
            let first_line = error.to_string().lines().next().unwrap().to_string();
            assert!(first_line.ends_with(problem), "{first_line}");
        }
        assert_eq!(
            error("flask --hash=sha256:xyz").to_string(),
            "`requirements.txt:1:14`: invalid hash `sha256:xyz`: the digest must be hexadecimal\n  \
             1 | flask --hash=sha256:xyz\n    \
               |              ^"
        );
    }

    #[test]
    fn invalid_index_url_does_not_echo_the_value() {
        let error = error("--extra-index-url=relative/simple");
        assert_eq!(
            error.to_string(),
            "`requirements.txt:1:19`: `--extra-index-url` needs an absolute URL\n  \
             1 | --extra-index-url=relative/simple\n    \
               |                   ^"
        );
        assert!(std::error::Error::source(&error).is_some());
    }

    #[test]
    fn editables_are_local_directories_relative_to_the_file() {
        let dir = tempfile::tempdir().unwrap();
        let sub = dir.path().join("sub");
        fs_err::create_dir_all(sub.join("proj")).unwrap();
        let path = write(
            &sub,
            "requirements.in",
            "flask\n-e ./proj[dev]\n--editable=proj\n-e git+https://host.example.invalid/x.git@v1#egg=x\n",
        );
        let set = read_requirements_txt(&path, &no_env).unwrap();
        let project = crate::direct::normalize(&sub.join("proj"));
        assert_eq!(set.direct.len(), 3);
        for entry in &set.direct[..2] {
            assert!(entry.editable);
            assert_eq!(
                entry.reference,
                crate::DirectReference::Path {
                    path: project.clone()
                }
            );
        }
        assert_eq!(set.direct[0].extras.len(), 1);
        assert_eq!(set.direct[0].written, "./proj[dev]");
        assert_eq!(set.direct[0].origin.line, 2);
        // An editable repository is locked as a regular one, with a warning.
        assert!(!set.direct[2].editable);
        assert_eq!(set.direct[2].name.as_ref().unwrap().as_ref(), "x");
        assert!(set.warnings[0].contains("locked as a regular git requirement"));
        assert_eq!(
            error("-e ./pkg-1.0.tar.gz\n").to_string(),
            "`requirements.txt:1:4`: an editable must be a local directory or a `git+` URL, not an archive\n  \
             1 | -e ./pkg-1.0.tar.gz\n    \
               |    ^"
        );
    }

    #[test]
    fn paths_and_urls_are_direct_references() {
        for (line, name) in [
            ("./pkg", None),
            ("../x", None),
            ("/abs/path", None),
            ("pkg-1.0-py3-none-any.whl", None),
            ("dist/pkg-1.0.tar.gz ; python_version > '3'", None),
            ("file:///tmp/pkg", None),
            ("pkg @ file:///tmp/pkg", Some("pkg")),
            ("pkg@./pkg", Some("pkg")),
            ("https://files.example.invalid/pkg-1.0.tar.gz", None),
            ("git+https://host.example.invalid/x.git#egg=x", Some("x")),
        ] {
            let set = parse(line);
            assert!(set.requirements.is_empty(), "{line}");
            assert_eq!(
                set.direct[0].name.as_ref().map(AsRef::as_ref),
                name,
                "{line}"
            );
        }
        assert_eq!(
            error("pkg @ svn+https://host.example.invalid/x").to_string(),
            "`requirements.txt:1:7`: `svn+https://host.example.invalid/x`: only `git+https`, `git+http`, `git+ssh` and `git+file` repositories are supported\n  \
             1 | pkg @ svn+https://host.example.invalid/x\n    \
               |       ^"
        );
        // pip refuses direct references as constraints.
        let dir = tempfile::tempdir().unwrap();
        let path = write(dir.path(), "c.txt", "./pkg\n");
        assert!(matches!(
            read_constraints_txt(&path, &no_env),
            Err(RequirementsError::MisplacedDirectReference { .. })
        ));
    }

    #[test]
    fn nested_includes_resolve_relative_to_the_including_file() {
        let dir = tempfile::tempdir().unwrap();
        write(
            dir.path(),
            "requirements.txt",
            "flask\n-r sub/more.txt\n--constraint=constraints.txt\n",
        );
        write(
            dir.path(),
            "sub/more.txt",
            "click\n--requirement ../base.txt\n",
        );
        write(dir.path(), "base.txt", "-rsub/leaf.txt\n");
        write(dir.path(), "sub/leaf.txt", "rich\n");
        write(
            dir.path(),
            "constraints.txt",
            "urllib3<2\n-r sub/constraint-extra.txt\n",
        );
        write(dir.path(), "sub/constraint-extra.txt", "idna==3.6\n");

        let root = dir.path().join("requirements.txt");
        let set = read_requirements_txt(&root, &no_env).unwrap();
        assert_eq!(names(&set.requirements), ["flask", "click", "rich"]);
        assert_eq!(names(&set.constraints), ["urllib3<2", "idna==3.6"]);
        let shown = |entry: &RequirementEntry| entry.origin.path.clone();
        assert_eq!(shown(&set.requirements[0]), root);
        assert_eq!(shown(&set.requirements[1]), dir.path().join("sub/more.txt"));
        assert_eq!(
            shown(&set.requirements[2]),
            dir.path()
                .join("sub/../base.txt")
                .parent()
                .unwrap()
                .join("sub/leaf.txt")
        );
        assert_eq!(
            shown(&set.constraints[1]),
            dir.path().join("sub/constraint-extra.txt")
        );
    }

    #[test]
    fn constraints_file_puts_everything_in_constraints() {
        let dir = tempfile::tempdir().unwrap();
        let path = write(
            dir.path(),
            "constraints.txt",
            "--pre\nurllib3<2\n-r more.txt\n",
        );
        write(dir.path(), "more.txt", "idna==3.6\n");
        let set = read_constraints_txt(&path, &no_env).unwrap();
        assert!(set.requirements.is_empty());
        assert_eq!(names(&set.constraints), ["urllib3<2", "idna==3.6"]);
        assert!(set.index.pre);
    }

    #[test]
    fn missing_include_names_the_including_line_and_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let root = write(dir.path(), "requirements.txt", "flask\n-r missing.txt\n");
        let error = read_requirements_txt(&root, &no_env).unwrap_err();
        assert_eq!(
            error.to_string(),
            format!(
                "`{}:2:1`: included file `{}` does not exist\n  2 | -r missing.txt\n    | ^",
                root.display(),
                dir.path().join("missing.txt").display()
            )
        );
        let source = std::error::Error::source(&error).unwrap().to_string();
        assert!(source.contains("missing.txt"), "{source}");
    }

    #[test]
    fn include_cycles_are_errors() {
        let dir = tempfile::tempdir().unwrap();
        let a = write(dir.path(), "a.txt", "flask\n-r b.txt\n");
        write(dir.path(), "b.txt", "  -c ./a.txt\n");
        let error = read_requirements_txt(&a, &no_env).unwrap_err();
        let b = dir.path().join("b.txt");
        assert_eq!(
            error.to_string(),
            format!(
                "`{b}:1:3`: include cycle: `{a}` -> `{b}` -> `{a2}`\n  1 |   -c ./a.txt\n    |   ^",
                a = a.display(),
                b = b.display(),
                a2 = dir.path().join("./a.txt").display(),
            )
        );

        let itself = write(dir.path(), "self.txt", "-r self.txt\n");
        assert!(matches!(
            read_requirements_txt(&itself, &no_env).unwrap_err(),
            RequirementsError::IncludeCycle { cycle, .. } if cycle.len() == 2
        ));
    }

    #[test]
    fn a_file_included_twice_without_a_cycle_is_fine() {
        let dir = tempfile::tempdir().unwrap();
        let root = write(dir.path(), "r.txt", "-r common.txt\n-c common.txt\n");
        write(dir.path(), "common.txt", "six\n");
        let set = read_requirements_txt(&root, &no_env).unwrap();
        assert_eq!(names(&set.requirements), ["six"]);
        assert_eq!(names(&set.constraints), ["six"]);
    }

    #[test]
    fn remote_includes_are_unsupported() {
        assert!(matches!(
            error("-r https://files.example.invalid/requirements.txt"),
            RequirementsError::Unsupported {
                feature: UnsupportedFeature::RemoteInclude,
                origin,
                ..
            } if origin.column == 4
        ));
    }

    #[test]
    fn missing_top_level_file_names_the_path() {
        let dir = tempfile::tempdir().unwrap();
        let path = dir.path().join("nope.txt");
        let error = read_requirements_txt(&path, &no_env).unwrap_err();
        assert!(matches!(error, RequirementsError::Io(_)));
        assert!(error.to_string().contains("nope.txt"), "{error}");
        assert_eq!(error.origin(), None);
    }

    #[test]
    fn crlf_and_tabs() {
        let set = parse(
            "flask\r\n\trequests >=2\t--hash=sha256:aaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaaa\r\n",
        );
        assert_eq!(names(&set.requirements), ["flask", "requests>=2"]);
        assert_eq!(set.requirements[1].origin.column, 2);
        assert_eq!(set.requirements[1].hashes, [SHA_A]);
    }
}
