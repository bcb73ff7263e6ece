//! Recognising the pip-only requirement forms (paths, bare URLs, local direct URLs) so they get
//! a clear "not supported" error instead of a confusing PEP 508 parse error.

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

/// For `name @ <url>` where `<url>` is a local path or `file:` URL, the byte offset of `<url>`.
pub(crate) fn local_direct_url(requirement: &str) -> Option<usize> {
    let (name, rest) = requirement.split_once('@')?;
    let name_like = name.chars().all(|ch| {
        ch.is_ascii_alphanumeric()
            || ch.is_whitespace()
            || matches!(ch, '.' | '_' | '-' | '[' | ']' | ',')
    });
    if !name_like {
        return None;
    }
    let url_start = requirement.len() - rest.trim_start().len();
    let url = rest.split_whitespace().next()?;
    (url_scheme(url).is_none() || is_file_url(url)).then_some(url_start)
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
    fn recognises_local_direct_urls() {
        assert_eq!(local_direct_url("pkg @ ./x"), Some(6));
        assert_eq!(local_direct_url("pkg[a,b]@file:///x"), Some(9));
        assert_eq!(local_direct_url("pkg @ /abs/x.whl"), Some(6));
        assert_eq!(
            local_direct_url("pkg @ https://files.example.invalid/x.whl"),
            None
        );
        assert_eq!(local_direct_url("pkg ; extra == '@'"), None);
        assert_eq!(local_direct_url("flask"), None);
    }
}
