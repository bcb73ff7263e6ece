//! Recognising the direct-reference forms of a requirement (paths, bare URLs, `name @ URL`)
//! before the PEP 508 parser sees them.

use crate::UnsupportedFeature;

/// Archive suffixes pip treats as files rather than package names.
const ARCHIVE_SUFFIXES: &[&str] = &[
    ".whl", ".tar.gz", ".tgz", ".tar.bz2", ".tbz", ".tar.xz", ".txz", ".tar.lz", ".tlz", ".tar",
    ".zip",
];

/// The scheme of a URL (`https` in `https://…`); single letters are Windows drives, not schemes.
pub(crate) fn url_scheme(text: &str) -> Option<&str> {
    let (scheme, _) = text.split_once(':')?;
    let mut chars = scheme.chars();
    let first_is_letter = chars.next().is_some_and(|ch| ch.is_ascii_alphabetic());
    let rest_ok = chars.all(|ch| ch.is_ascii_alphanumeric() || matches!(ch, '+' | '-' | '.'));
    (first_is_letter && rest_ok && scheme.len() > 1).then_some(scheme)
}

/// Whether a file name ends like a wheel or an sdist.
pub(crate) fn is_archive(name: &str) -> bool {
    let name = name.to_ascii_lowercase();
    ARCHIVE_SUFFIXES.iter().any(|suffix| name.ends_with(suffix))
}

/// Whether `text` is a `file:` URL.
pub(crate) fn is_file_url(text: &str) -> bool {
    url_scheme(text).is_some_and(|scheme| scheme.eq_ignore_ascii_case("file"))
}

/// A requirement that is a path or URL without a package name, as pip accepts in
/// requirements files (`./pkg`, `pkg-1.0.whl`, `https://…/pkg.tar.gz`).
pub(crate) fn unnamed(requirement: &str) -> Option<UnsupportedFeature> {
    let first = requirement
        .split(|ch: char| ch.is_whitespace() || ch == ';')
        .next()
        .unwrap_or_default();
    if url_scheme(first).is_some() {
        return Some(if is_file_url(first) {
            UnsupportedFeature::LocalPath
        } else {
            UnsupportedFeature::UnnamedUrl
        });
    }
    // The part that would be the name: up to extras, a version operator or `@`.
    let head_end = first
        .find(['[', '(', '<', '>', '=', '!', '~', '@'])
        .unwrap_or(first.len());
    let head = &first[..head_end];
    let path_like = head.starts_with(['.', '/', '\\', '~'])
        || head.contains(['/', '\\'])
        || ARCHIVE_SUFFIXES
            .iter()
            .any(|suffix| head.to_ascii_lowercase().ends_with(suffix));
    path_like.then_some(UnsupportedFeature::LocalPath)
}

/// For `name @ <reference>`, the byte offset of the `@`.
pub(crate) fn named_direct(requirement: &str) -> Option<usize> {
    let (name, _) = requirement.split_once('@')?;
    let name_like = !name.trim().is_empty()
        && name.chars().all(|ch| {
            ch.is_ascii_alphanumeric()
                || ch.is_whitespace()
                || matches!(ch, '.' | '_' | '-' | '[' | ']' | ',')
        });
    name_like.then_some(name.len())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn recognises_unnamed_forms() {
        use UnsupportedFeature::{LocalPath, UnnamedUrl};
        for (text, expected) in [
            ("./pkg", Some(LocalPath)),
            ("../pkg[dev]", Some(LocalPath)),
            ("/abs/path", Some(LocalPath)),
            ("sub/dir", Some(LocalPath)),
            (r"C:\pkg", Some(LocalPath)),
            ("pkg-1.0-py3-none-any.whl", Some(LocalPath)),
            ("pkg-1.0.tar.gz ; python_version > '3'", Some(LocalPath)),
            ("file:///tmp/pkg", Some(LocalPath)),
            ("https://files.example.invalid/pkg.whl", Some(UnnamedUrl)),
            (
                "git+https://host.example.invalid/repo.git",
                Some(UnnamedUrl),
            ),
            ("flask", None),
            ("flask>=1.0", None),
            ("name@https://files.example.invalid/a/b.whl", None),
            ("name @ https://files.example.invalid/a/b.whl", None),
            ("foo ; sys_platform == 'a/b'", None),
        ] {
            assert_eq!(unnamed(text), expected, "{text}");
        }
    }

    #[test]
    fn recognises_named_direct_references() {
        assert_eq!(named_direct("pkg @ ./x"), Some(4));
        assert_eq!(named_direct("pkg[a,b]@file:///x"), Some(8));
        assert_eq!(
            named_direct("pkg @ https://files.example.invalid/x.whl"),
            Some(4)
        );
        assert_eq!(named_direct("pkg ; extra == '@'"), None);
        assert_eq!(named_direct("@ ./x"), None);
        assert_eq!(named_direct("flask"), None);
    }
}
