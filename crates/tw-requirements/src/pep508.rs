//! PEP 508 requirement text parsed without trusting `pep508_rs` on hostile input.
//!
//! `pep508_rs` 0.9.2 (the newest release) panics on three kinds of input, all found by
//! fuzzing (`docs/reliability.md`): a name ending in `.`, `-` or `_` followed by more text
//! (`foo- >=1`), the same for an extra (`foo[bar-]`), and non-ASCII text (its cursor and
//! error display use character counts as byte offsets). PEP 508's grammar is ASCII only, so
//! [`refuse`] turns those inputs away first; every caller that parses requirement text from a
//! file, the index or a command line goes through it.

use std::str::FromStr;

use pep508_rs::{Pep508Url, Requirement};

/// Why `text` cannot be handed to `pep508_rs`, with the character position to point at
/// (0-based), or `None` when it can.
pub fn refuse(text: &str) -> Option<(usize, String)> {
    if let Some((position, character)) = text.chars().enumerate().find(|(_, c)| !c.is_ascii()) {
        return Some((
            position,
            format!("`{character}` is not allowed: PEP 508 requirements are ASCII"),
        ));
    }
    let start = text.len() - text.trim_start().len();
    let rest = &text[start..];
    let name = leading_identifier(rest);
    if name.ends_with(['.', '-', '_']) {
        return Some((
            start + name.len() - 1,
            format!("the package name `{name}` must end with a letter or digit"),
        ));
    }
    let after_name = &rest[name.len()..];
    let gap = after_name.len() - after_name.trim_start().len();
    if let Some(extras) = after_name.trim_start().strip_prefix('[') {
        let mut offset = start + name.len() + gap + 1;
        for extra in extras.split(']').next().unwrap_or_default().split(',') {
            let lead = extra.len() - extra.trim_start().len();
            let identifier = leading_identifier(extra.trim_start());
            if identifier.ends_with(['.', '-', '_']) {
                return Some((
                    offset + lead + identifier.len() - 1,
                    format!("the extra name `{identifier}` must end with a letter or digit"),
                ));
            }
            offset += extra.len() + 1;
        }
    }
    None
}

/// Parse one PEP 508 requirement; the error is a message with the 1-based character
/// position, and never a panic.
pub fn parse_pep508<T: Pep508Url>(text: &str) -> Result<Requirement<T>, String> {
    if let Some((position, message)) = refuse(text) {
        return Err(format!("{message} (at character {})", position + 1));
    }
    Requirement::<T>::from_str(text)
        .map_err(|err| format!("{} (at character {})", err.message, err.start + 1))
}

/// The longest prefix of `text` made of the characters PEP 508 allows in names.
fn leading_identifier(text: &str) -> &str {
    let end = text
        .find(|c: char| !(c.is_ascii_alphanumeric() || matches!(c, '.' | '-' | '_')))
        .unwrap_or(text.len());
    &text[..end]
}

#[cfg(test)]
mod tests {
    use super::*;

    fn parse(text: &str) -> Result<Requirement, String> {
        parse_pep508(text)
    }

    #[test]
    fn inputs_that_crash_pep508_rs_are_errors() {
        for text in [
            "foo- >=1",
            "idna. >=1",
            "foo_ ;python_version>'3'",
            "foo[bar-]",
            "foo[ok, bar_ ]>=1",
            "café>=1",
            "foo>=1 ; python_version > 'é'",
        ] {
            assert!(parse(text).is_err(), "{text}");
        }
    }

    #[test]
    fn positions_point_at_the_problem() {
        assert_eq!(refuse("idna. >=1").map(|r| r.0), Some(4));
        assert_eq!(refuse("  foo[bar-]").map(|r| r.0), Some(9));
        assert_eq!(refuse("abcé").map(|r| r.0), Some(3));
    }

    #[test]
    fn valid_requirements_parse() {
        let requirement = parse("Flask[async] >=3 ; python_version >= '3.8'").unwrap();
        assert_eq!(requirement.name.as_ref(), "flask");
        assert!(parse("a.b-c_d==1").is_ok());
        assert!(parse("name").is_ok());
        assert!(parse("foo >=1").is_ok());
    }
}
