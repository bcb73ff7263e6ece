//! Single byte ranges (RFC 9110 section 14): `bytes=a-b`, `bytes=a-` and `bytes=-n`.

/// What a `Range` header asks of a body of a known size.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(crate) enum RangeRequest {
    /// No usable range: answer 200 with the whole body. RFC 9110 lets a server ignore a
    /// header it does not understand (other units, several ranges, bad syntax).
    Whole,
    /// Answer 206 with bytes `start..=end`.
    Partial { start: u64, end: u64 },
    /// Answer 416 with `Content-Range: bytes */size`.
    Unsatisfiable,
}

/// Interpret a `Range` header value against a body of `size` bytes.
pub(crate) fn parse_range(header: &str, size: u64) -> RangeRequest {
    let Some(spec) = header.trim().strip_prefix("bytes=") else {
        return RangeRequest::Whole;
    };
    let spec = spec.trim();
    if spec.contains(',') {
        return RangeRequest::Whole;
    }
    let Some((first, last)) = spec.split_once('-') else {
        return RangeRequest::Whole;
    };
    let (first, last) = (first.trim(), last.trim());
    let parse = |digits: &str| -> Option<u64> {
        if digits.is_empty() || !digits.bytes().all(|byte| byte.is_ascii_digit()) {
            return None;
        }
        digits.parse().ok()
    };
    match (first.is_empty(), last.is_empty()) {
        // `bytes=-n`: the last n bytes.
        (true, false) => match parse(last) {
            Some(0) => RangeRequest::Unsatisfiable,
            Some(_) if size == 0 => RangeRequest::Unsatisfiable,
            Some(suffix) => RangeRequest::Partial {
                start: size.saturating_sub(suffix),
                end: size - 1,
            },
            None => RangeRequest::Whole,
        },
        // `bytes=a-`: from a to the end.
        (false, true) => match parse(first) {
            Some(start) if start >= size => RangeRequest::Unsatisfiable,
            Some(start) => RangeRequest::Partial {
                start,
                end: size - 1,
            },
            None => RangeRequest::Whole,
        },
        // `bytes=a-b`: inclusive, b clamped to the end. `b < a` is reported as unsatisfiable
        // rather than ignored, so a client sending it notices.
        (false, false) => match (parse(first), parse(last)) {
            (Some(start), Some(end)) if start >= size || end < start => RangeRequest::Unsatisfiable,
            (Some(start), Some(end)) => RangeRequest::Partial {
                start,
                end: end.min(size - 1),
            },
            _ => RangeRequest::Whole,
        },
        (true, true) => RangeRequest::Whole,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parses_the_three_forms() {
        assert_eq!(
            parse_range("bytes=0-9", 100),
            RangeRequest::Partial { start: 0, end: 9 }
        );
        assert_eq!(
            parse_range("bytes=90-200", 100),
            RangeRequest::Partial { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=95-", 100),
            RangeRequest::Partial { start: 95, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=-10", 100),
            RangeRequest::Partial { start: 90, end: 99 }
        );
        assert_eq!(
            parse_range("bytes=-1000", 100),
            RangeRequest::Partial { start: 0, end: 99 }
        );
    }

    #[test]
    fn rejects_unsatisfiable_and_ignores_the_rest() {
        assert_eq!(parse_range("bytes=100-", 100), RangeRequest::Unsatisfiable);
        assert_eq!(
            parse_range("bytes=100-120", 100),
            RangeRequest::Unsatisfiable
        );
        assert_eq!(parse_range("bytes=-0", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=5-4", 100), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=-5", 0), RangeRequest::Unsatisfiable);
        assert_eq!(parse_range("bytes=0-1,5-6", 100), RangeRequest::Whole);
        assert_eq!(parse_range("items=0-1", 100), RangeRequest::Whole);
        assert_eq!(parse_range("bytes=a-b", 100), RangeRequest::Whole);
        assert_eq!(parse_range("bytes=-", 100), RangeRequest::Whole);
        assert_eq!(parse_range("bytes=+1-2", 100), RangeRequest::Whole);
    }
}
