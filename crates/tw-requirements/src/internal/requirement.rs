//! Parsing one PEP 508 requirement string, rejecting the forms tailwheel cannot handle yet.

use std::path::Path;

use pep508_rs::{MarkerWarningKind, Pep508ErrorSource, Requirement, VersionOrUrl};

use crate::UnsupportedFeature;
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
    /// A path, bare URL or local direct URL.
    Unsupported {
        /// Where the offending part starts.
        offset: usize,
        /// Which form it is.
        feature: UnsupportedFeature,
    },
}

/// Parse `text`; marker warnings (e.g. deprecated comparisons) go to `warnings`.
///
/// `working_dir` is the directory relative paths would be resolved against; paths are
/// rejected before that matters, but `pep508_rs` wants one.
pub(crate) fn parse_requirement(
    text: &str,
    working_dir: &Path,
    warnings: &mut Vec<String>,
) -> Result<Requirement, Rejection> {
    if let Some(feature) = classify::unnamed(text) {
        return Err(Rejection::Unsupported { offset: 0, feature });
    }
    if let Some(offset) = classify::local_direct_url(text) {
        return Err(Rejection::Unsupported {
            offset,
            feature: UnsupportedFeature::LocalPath,
        });
    }
    if let Some((offset, message)) = crate::pep508::refuse(text) {
        return Err(Rejection::Invalid {
            offset,
            error: Box::new(Pep508ErrorSource::String(message)),
        });
    }
    let mut reporter = |_: MarkerWarningKind, message: String| warnings.push(message);
    let requirement =
        Requirement::parse_reporter(text, working_dir, &mut reporter).map_err(|error| {
            Rejection::Invalid {
                offset: error.start,
                error: Box::new(error.message),
            }
        })?;
    if let Some(VersionOrUrl::Url(url)) = &requirement.version_or_url
        && url.scheme() == "file"
    {
        let offset = text.find('@').map_or(0, |at| at + 1);
        let offset = offset + (text[offset..].len() - text[offset..].trim_start().len());
        return Err(Rejection::Unsupported {
            offset,
            feature: UnsupportedFeature::LocalPath,
        });
    }
    Ok(requirement)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn reject(text: &str) -> Rejection {
        parse_requirement(text, Path::new("/"), &mut Vec::new()).unwrap_err()
    }

    #[test]
    fn parses_extras_specifiers_markers() {
        let requirement = parse_requirement(
            "Flask_Login[Async, dev] >=1, <2 ; python_version < '3.12'",
            Path::new("/"),
            &mut Vec::new(),
        )
        .unwrap();
        assert_eq!(requirement.name.as_ref(), "flask-login");
        assert_eq!(
            requirement.to_string(),
            "flask-login[async,dev]>=1,<2 ; python_full_version < '3.12'"
        );
    }

    #[test]
    fn invalid_reports_offset() {
        let Rejection::Invalid { offset, error } = reject("flask $ 2") else {
            panic!("expected invalid");
        };
        assert_eq!(offset, 6);
        assert_eq!(
            error.to_string(),
            "Expected one of `@`, `(`, `<`, `=`, `>`, `~`, `!`, `;`, found `$`"
        );
    }

    #[test]
    fn rejects_local_forms() {
        for (text, expected) in [
            ("./pkg", 0),
            ("pkg @ file:///tmp/pkg", 6),
            ("pkg @ ../pkg", 6),
        ] {
            let Rejection::Unsupported { offset, feature } = reject(text) else {
                panic!("expected unsupported for {text}");
            };
            assert_eq!((offset, feature), (expected, UnsupportedFeature::LocalPath));
        }
    }
}
