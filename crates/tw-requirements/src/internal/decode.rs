//! Turning a requirements file's bytes into text the way pip does (`auto_decode`): a byte
//! order mark (UTF-8, UTF-16 or UTF-32, either byte order) decides the encoding and is
//! dropped; else a PEP 263 `coding:` comment in the first two lines; else UTF-8 (pip falls
//! back to the locale's encoding, which is UTF-8 on the systems tailwheel targets).

/// Why a file's bytes are not text, with the 1-based line and column of the first bad byte
/// when it has one.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct DecodeError {
    /// 1-based line of the problem (1 when the whole file is at fault).
    pub(crate) line: usize,
    /// 1-based column (in characters) of the problem.
    pub(crate) column: usize,
    /// What is wrong, e.g. "not valid UTF-8".
    pub(crate) reason: String,
}

/// The text of a requirements file, decoded as pip decodes it.
pub(crate) fn decode(bytes: &[u8]) -> Result<String, DecodeError> {
    let whole = |reason: String| DecodeError {
        line: 1,
        column: 1,
        reason,
    };
    // UTF-32 first: its little-endian mark begins with UTF-16's.
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe, 0, 0]) {
        return utf32(rest, u32::from_le_bytes).map_err(whole);
    }
    if let Some(rest) = bytes.strip_prefix(&[0, 0, 0xfe, 0xff]) {
        return utf32(rest, u32::from_be_bytes).map_err(whole);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xef, 0xbb, 0xbf]) {
        return utf8(rest);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xff, 0xfe]) {
        return utf16(rest, u16::from_le_bytes).map_err(whole);
    }
    if let Some(rest) = bytes.strip_prefix(&[0xfe, 0xff]) {
        return utf16(rest, u16::from_be_bytes).map_err(whole);
    }
    match declared_encoding(bytes).as_deref() {
        None | Some("utf-8" | "utf8" | "utf_8") => utf8(bytes),
        // Every byte is its own code point.
        Some("latin-1" | "latin1" | "latin_1" | "iso-8859-1" | "iso8859-1" | "iso_8859_1") => {
            Ok(bytes.iter().map(|&byte| char::from(byte)).collect())
        }
        Some(other) => Err(whole(format!(
            "its `coding:` comment names `{other}`; tailwheel reads UTF-8, UTF-16, UTF-32 and Latin-1"
        ))),
    }
}

/// The encoding a PEP 263 comment in the first two lines names, lowercased.
fn declared_encoding(bytes: &[u8]) -> Option<String> {
    for line in bytes.split(|&byte| byte == b'\n').take(2) {
        let line = String::from_utf8_lossy(line);
        let Some(comment) = line.trim_start().strip_prefix('#') else {
            continue;
        };
        let Some(at) = comment.find("coding") else {
            continue;
        };
        let rest = &comment[at + "coding".len()..];
        let Some(rest) = rest.strip_prefix([':', '=']) else {
            continue;
        };
        let name: String = rest
            .trim_start()
            .chars()
            .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_' | '.'))
            .collect();
        if !name.is_empty() {
            return Some(name.to_ascii_lowercase());
        }
    }
    None
}

fn utf8(bytes: &[u8]) -> Result<String, DecodeError> {
    match std::str::from_utf8(bytes) {
        Ok(text) => Ok(text.to_owned()),
        Err(error) => {
            let good = &bytes[..error.valid_up_to()];
            // The prefix is valid UTF-8 by construction.
            let before = String::from_utf8_lossy(good);
            let line = before.matches('\n').count() + 1;
            let line_start = before.rfind('\n').map_or(0, |newline| newline + 1);
            let column = before[line_start..].chars().count() + 1;
            Err(DecodeError {
                line,
                column,
                reason: "not valid UTF-8 (save it as UTF-8, or declare its encoding with a `# -*- coding: … -*-` line)".to_owned(),
            })
        }
    }
}

fn utf16(bytes: &[u8], unit: fn([u8; 2]) -> u16) -> Result<String, String> {
    if !bytes.len().is_multiple_of(2) {
        return Err("UTF-16 text with an odd number of bytes".to_owned());
    }
    let units = bytes.chunks_exact(2).map(|pair| unit([pair[0], pair[1]]));
    char::decode_utf16(units)
        .collect::<Result<String, _>>()
        .map_err(|error| format!("invalid UTF-16: {error}"))
}

fn utf32(bytes: &[u8], unit: fn([u8; 4]) -> u32) -> Result<String, String> {
    if !bytes.len().is_multiple_of(4) {
        return Err("UTF-32 text whose length is not a multiple of four bytes".to_owned());
    }
    bytes
        .chunks_exact(4)
        .map(|quad| {
            let value = unit([quad[0], quad[1], quad[2], quad[3]]);
            char::from_u32(value).ok_or_else(|| format!("invalid UTF-32 code point {value:#x}"))
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn utf16le(text: &str) -> Vec<u8> {
        let mut bytes = vec![0xff, 0xfe];
        bytes.extend(text.encode_utf16().flat_map(u16::to_le_bytes));
        bytes
    }

    #[test]
    fn byte_order_marks() {
        assert_eq!(decode(b"\xef\xbb\xbfflask\n").unwrap(), "flask\n");
        assert_eq!(
            decode(&utf16le("flask==3.0\r\n")).unwrap(),
            "flask==3.0\r\n"
        );
        let mut be = vec![0xfe, 0xff];
        be.extend("ö".encode_utf16().flat_map(u16::to_be_bytes));
        assert_eq!(decode(&be).unwrap(), "ö");
        let mut le32 = vec![0xff, 0xfe, 0, 0];
        le32.extend("a".chars().flat_map(|c| u32::from(c).to_le_bytes()));
        assert_eq!(decode(&le32).unwrap(), "a");
        assert!(decode(&[0xff, 0xfe, b'a']).is_err());
    }

    #[test]
    fn coding_comment_and_plain_utf8() {
        assert_eq!(
            decode(b"# -*- coding: latin-1 -*-\ncaf\xe9\n").unwrap(),
            "# -*- coding: latin-1 -*-\ncaf\u{e9}\n"
        );
        assert_eq!(decode("flask # é\n".as_bytes()).unwrap(), "flask # é\n");
        let error = decode(b"flask\nreq\xffuests\n").unwrap_err();
        assert_eq!((error.line, error.column), (2, 4));
        let error = decode(b"# coding: shift_jis\nflask\n").unwrap_err();
        assert!(error.reason.contains("`shift_jis`"), "{}", error.reason);
    }
}
