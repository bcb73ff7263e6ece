//! Parsing one requirement: a PEP 508 requirement on an index, or a direct reference (a
//! path, an archive URL or a VCS URL, named or not; see [`crate::DirectReference`]).

use std::path::Path;

use pep508_rs::{
    ExtraName, MarkerTree, MarkerWarningKind, PackageName, Pep508ErrorSource, Requirement,
};

use crate::direct::{DirectReference, DirectReferenceError};
use crate::internal::classify;

/// Why a requirement string was rejected, with the byte offset in the string to point at.
#[derive(Debug)]
pub(crate) enum Rejection {
    /// Not valid PEP 508.
    Invalid {
        /// Where the parser stopped.
        offset: usize,
        /// What it reported.
        error: Box<Pep508ErrorSource>,
    },
    /// A path or URL that is not a usable direct reference.
    Direct {
        /// Where the reference starts.
        offset: usize,
        /// What is wrong with it.
        error: DirectReferenceError,
    },
}

/// A direct reference as one requirement writes it.
#[derive(Debug)]
pub(crate) struct DirectParts {
    /// The name before `@`, or from `#egg=`.
    pub(crate) name: Option<PackageName>,
    /// Extras asked for.
    pub(crate) extras: Vec<ExtraName>,
    /// The marker after `;`.
    pub(crate) marker: MarkerTree,
    /// Where the distribution is.
    pub(crate) reference: DirectReference,
}

/// What one requirement string is.
#[derive(Debug)]
pub(crate) enum Parsed {
    /// A requirement on versions from an index.
    Index(Requirement),
    /// A direct reference.
    Direct(DirectParts),
}

/// Parse `text`; marker warnings (e.g. deprecated comparisons) go to `warnings`. Relative
/// paths are joined onto `working_dir`.
pub(crate) fn parse_requirement(
    text: &str,
    working_dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<Parsed, Rejection> {
    if classify::unnamed(text).is_some() {
        return unnamed(text, working_dir, warnings).map(Parsed::Direct);
    }
    if let Some(at) = classify::named_direct(text) {
        return named(text, at, working_dir, warnings).map(Parsed::Direct);
    }
    pep508(text, warnings).map(Parsed::Index)
}

/// Parse `text` as PEP 508 (through the guard against `pep508_rs` panics).
fn pep508(text: &str, warnings: &mut Vec<String>) -> Result<Requirement, Rejection> {
    if let Some((offset, message)) = crate::pep508::refuse(text) {
        return Err(Rejection::Invalid {
            offset,
            error: Box::new(Pep508ErrorSource::String(message)),
        });
    }
    let mut reporter = |_: MarkerWarningKind, message: String| warnings.push(message);
    Requirement::parse_reporter(text, Path::new("/"), &mut reporter).map_err(|error| {
        Rejection::Invalid {
            offset: error.start,
            error: Box::new(error.message),
        }
    })
}

/// Split `rest` (what follows the name or starts the line) into the reference and the
/// marker text: the reference ends at whitespace; a marker follows after `;`.
fn split_marker(rest: &str) -> (&str, Option<(usize, &str)>) {
    // Whitespace inside `[extras]` does not end the reference.
    let mut depth = 0_usize;
    let end = rest
        .char_indices()
        .find(|(_, ch)| {
            match ch {
                '[' => depth += 1,
                ']' => depth = depth.saturating_sub(1),
                _ => {}
            }
            depth == 0 && ch.is_whitespace()
        })
        .map_or(rest.len(), |(index, _)| index);
    let (reference, after) = rest.split_at(end);
    // A path (never a URL, whose `;` may be part of it) may be followed by `;` directly.
    if classify::url_scheme(reference).is_none()
        && let Some(semicolon) = reference.find(';')
    {
        return (
            &reference[..semicolon],
            Some((semicolon + 1, &rest[semicolon + 1..])),
        );
    }
    let trimmed = after.trim_start();
    match trimmed.strip_prefix(';') {
        Some(marker) => (reference, Some((rest.len() - marker.len(), marker))),
        None => (reference, None),
    }
}

/// Extras and marker of a direct reference, checked by parsing them onto a placeholder name.
fn extras_and_marker(
    extras: Option<(usize, &str)>,
    marker: Option<(usize, &str)>,
    warnings: &mut Vec<String>,
) -> Result<(Vec<ExtraName>, MarkerTree), Rejection> {
    const PLACEHOLDER: &str = "placeholder";
    let mut text = PLACEHOLDER.to_string();
    if let Some((_, extras)) = extras {
        text.push('[');
        text.push_str(extras);
        text.push(']');
    }
    let marker_at = text.len() + 3;
    if let Some((_, marker)) = marker {
        text.push_str(" ; ");
        text.push_str(marker);
    }
    let requirement = pep508(&text, warnings).map_err(|rejection| match rejection {
        Rejection::Invalid { offset, error } => {
            let offset = if offset >= marker_at {
                marker.map_or(0, |(start, _)| start + offset - marker_at)
            } else {
                extras.map_or(0, |(start, _)| {
                    start + offset.saturating_sub(PLACEHOLDER.len() + 1)
                })
            };
            Rejection::Invalid { offset, error }
        }
        other @ Rejection::Direct { .. } => other,
    })?;
    Ok((requirement.extras, requirement.marker))
}

/// `./pkg[extra] ; marker`, `https://…/pkg.whl`, `git+https://…#egg=pkg`.
fn unnamed(
    text: &str,
    working_dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<DirectParts, Rejection> {
    let (reference, marker) = split_marker(text);
    // `./pkg[dev]`: extras after a path (pip's form; a URL carries them in `#egg=`).
    let (reference, extras) = match reference.strip_suffix(']').and_then(|r| r.rsplit_once('[')) {
        Some((path, extras)) if classify::url_scheme(path).is_none() => {
            (path, Some((path.len() + 1, extras)))
        }
        _ => (reference, None),
    };
    let (extras, marker) = extras_and_marker(extras, marker, warnings)?;
    let (reference, name) = DirectReference::parse(reference, working_dir)
        .map_err(|error| Rejection::Direct { offset: 0, error })?;
    Ok(DirectParts {
        name,
        extras,
        marker,
        reference,
    })
}

/// `name[extras] @ reference ; marker`, with `at` the byte offset of `@`.
fn named(
    text: &str,
    at: usize,
    working_dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<DirectParts, Rejection> {
    let head = &text[..at];
    let rest = &text[at + 1..];
    let start = at + 1 + (rest.len() - rest.trim_start().len());
    let (reference, marker) = split_marker(rest.trim_start());
    let marker = marker.map(|(offset, marker)| (start + offset, marker));
    // The name and extras through the PEP 508 parser, the marker with them.
    let mut requirement_text = head.trim_end().to_string();
    let marker_at = requirement_text.len() + 3;
    if let Some((_, marker)) = marker {
        requirement_text.push_str(" ; ");
        requirement_text.push_str(marker);
    }
    let requirement = pep508(&requirement_text, warnings).map_err(|rejection| match rejection {
        Rejection::Invalid { offset, error } if offset >= marker_at => Rejection::Invalid {
            offset: marker.map_or(0, |(start, _)| start + offset - marker_at),
            error,
        },
        other => other,
    })?;
    let (reference, _) =
        DirectReference::parse(reference, working_dir).map_err(|error| Rejection::Direct {
            offset: start,
            error,
        })?;
    Ok(DirectParts {
        name: Some(requirement.name),
        extras: requirement.extras,
        marker: requirement.marker,
        reference,
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Parsed {
        parse_requirement(text, Path::new("/base"), &mut Vec::new()).unwrap()
    }

    fn direct(text: &str) -> DirectParts {
        match parse(text) {
            Parsed::Direct(parts) => parts,
            Parsed::Index(requirement) => panic!("{text} parsed as {requirement}"),
        }
    }

    #[test]
    fn parses_extras_specifiers_markers() {
        let Parsed::Index(requirement) =
            parse("Flask_Login[Async, dev] >=1, <2 ; python_version < '3.12'")
        else {
            panic!("expected an index requirement");
        };
        assert_eq!(requirement.name.as_ref(), "flask-login");
        assert_eq!(
            requirement.to_string(),
            "flask-login[async,dev]>=1,<2 ; python_full_version < '3.12'"
        );
    }

    #[test]
    fn invalid_reports_offset() {
        let Err(Rejection::Invalid { offset, error }) =
            parse_requirement("flask $ 2", Path::new("/"), &mut Vec::new())
        else {
            panic!("expected invalid");
        };
        assert_eq!(offset, 6);
        assert_eq!(
            error.to_string(),
            "Expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `$`"
        );
    }

    #[test]
    fn direct_forms() {
        let parts = direct("./pkg[dev, test] ; python_version >= '3'");
        assert_eq!(parts.name, None);
        assert_eq!(parts.extras.len(), 2);
        assert_eq!(
            parts.reference,
            DirectReference::Path {
                path: "/base/pkg".into()
            }
        );
        assert!(!parts.marker.is_true());
        let parts = direct("pkg[dev] @ ../pkg ; sys_platform == 'linux'");
        assert_eq!(parts.name.unwrap().as_ref(), "pkg");
        assert_eq!(parts.extras.len(), 1);
        assert_eq!(
            parts.reference,
            DirectReference::Path {
                path: "/pkg".into()
            }
        );
        assert!(!parts.marker.is_true());
        let parts = direct("pkg @ file:///tmp/pkg");
        assert_eq!(
            parts.reference,
            DirectReference::Path {
                path: "/tmp/pkg".into()
            }
        );
        let parts = direct("git+https://host.example.invalid/r.git@v1#egg=pkg");
        assert_eq!(parts.name.unwrap().as_ref(), "pkg");
        assert!(matches!(parts.reference, DirectReference::Git { .. }));
        let parts = direct("pkg-1.0-py3-none-any.whl");
        assert_eq!(
            parts.reference,
            DirectReference::Path {
                path: "/base/pkg-1.0-py3-none-any.whl".into()
            }
        );
    }

    #[test]
    fn bad_markers_and_references_point_at_their_place() {
        let Err(Rejection::Invalid { offset, .. }) =
            parse_requirement("pkg @ ./x ; nonsense", Path::new("/"), &mut Vec::new())
        else {
            panic!("expected invalid");
        };
        assert_eq!(offset, 12);
        let Err(Rejection::Direct { offset, .. }) = parse_requirement(
            "pkg @ hg+https://h.example.invalid/r",
            Path::new("/"),
            &mut Vec::new(),
        ) else {
            panic!("expected a direct reference error");
        };
        assert_eq!(offset, 6);
    }
}
