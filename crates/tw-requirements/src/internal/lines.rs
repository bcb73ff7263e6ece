//! Turning a requirements file into logical lines, the way pip preprocesses it: join `\`
//! continuations, drop comments, trim, expand `${VAR}`.
//!
//! Every byte of a logical line remembers the physical line and column it came from, so errors
//! and origins point into the file as the user wrote it.

/// A 1-based line and character column in the original file.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Position {
    /// 1-based physical line.
    pub(crate) line: usize,
    /// 1-based character column.
    pub(crate) column: usize,
}

/// One logical line: continuations joined, comment removed, trimmed, `${VAR}` expanded.
#[derive(Debug)]
pub(crate) struct LogicalLine {
    /// The text to parse; never empty.
    pub(crate) text: String,
    /// One position per byte of `text`, plus one for the end of the line.
    positions: Vec<Position>,
}

impl LogicalLine {
    /// Where byte `offset` of `text` sits in the file; offsets past the end map to the end.
    pub(crate) fn position(&self, offset: usize) -> Position {
        self.positions
            .get(offset)
            .or_else(|| self.positions.last())
            .copied()
            .unwrap_or(Position { line: 1, column: 1 })
    }
}

/// The physical lines of a file: split on `\n`, a trailing `\r` and a leading BOM removed.
pub(crate) fn physical_lines(contents: &str) -> Vec<&str> {
    let contents = contents.strip_prefix('\u{feff}').unwrap_or(contents);
    contents
        .split('\n')
        .map(|line| line.strip_suffix('\r').unwrap_or(line))
        .collect()
}

/// Text being assembled from one or more physical lines.
#[derive(Default)]
struct Pending {
    text: String,
    positions: Vec<Position>,
    end: Option<Position>,
}

impl Pending {
    fn push(&mut self, segment: &str, line: usize) {
        let mut column = 1;
        for ch in segment.chars() {
            for _ in 0..ch.len_utf8() {
                self.positions.push(Position { line, column });
            }
            self.text.push(ch);
            column += 1;
        }
        self.end = Some(Position { line, column });
    }

    fn push_synthetic_space(&mut self, at: Position) {
        self.text.push(' ');
        self.positions.push(at);
    }
}

/// The logical lines of a file, blank and comment-only lines dropped.
///
/// pip's order is kept: join continuations, strip comments, then expand variables, so a `#`
/// inside a variable's value is not a comment. Like pip, a line ending in `\` continues even
/// if it has a trailing comment (which then swallows the next line), but a comment-only line
/// ends a continuation.
pub(crate) fn logical_lines(
    physical: &[&str],
    env: &dyn Fn(&str) -> Option<String>,
) -> Vec<LogicalLine> {
    let mut lines = Vec::new();
    let mut pending: Option<Pending> = None;
    for (index, raw) in physical.iter().enumerate() {
        let number = index + 1;
        let whole_comment = raw.trim_start().starts_with('#');
        if raw.ends_with('\\') && !whole_comment {
            pending
                .get_or_insert_with(Pending::default)
                .push(raw.trim_end_matches('\\'), number);
            continue;
        }
        let mut current = pending.take().unwrap_or_default();
        if whole_comment && !current.text.is_empty() {
            // pip prefixes the comment with a space so it still reads as a comment once joined.
            current.push_synthetic_space(Position {
                line: number,
                column: 1,
            });
        }
        current.push(raw, number);
        lines.extend(finish(current, env));
    }
    if let Some(current) = pending {
        lines.extend(finish(current, env));
    }
    lines
}

/// Strip the comment, trim, expand variables; `None` for a line left empty.
fn finish(pending: Pending, env: &dyn Fn(&str) -> Option<String>) -> Option<LogicalLine> {
    let Pending {
        text,
        mut positions,
        end,
    } = pending;
    positions.push(end.unwrap_or(Position { line: 1, column: 1 }));

    let cut = comment_start(&text).unwrap_or(text.len());
    let uncommented = &text[..cut];
    let start = uncommented.len() - uncommented.trim_start().len();
    let end = uncommented.trim_end().len();
    if start >= end {
        return None;
    }
    let (text, positions) = expand_env(&text[start..end], &positions[start..=end], env);
    Some(LogicalLine { text, positions })
}

/// Byte offset of a `#` that starts a comment: at the line start or after whitespace.
fn comment_start(text: &str) -> Option<usize> {
    let mut previous_is_space = true;
    for (offset, ch) in text.char_indices() {
        if ch == '#' && previous_is_space {
            return Some(offset);
        }
        previous_is_space = ch.is_whitespace();
    }
    None
}

/// Expand `${NAME}` (NAME of `[A-Z0-9_]+`, as pip allows); unknown names stay as written.
///
/// `positions` has one entry per byte of `text` plus the end; the bytes of a value all map to
/// the `$` of its reference.
fn expand_env(
    text: &str,
    positions: &[Position],
    env: &dyn Fn(&str) -> Option<String>,
) -> (String, Vec<Position>) {
    let at = |offset: usize| {
        positions
            .get(offset)
            .copied()
            .unwrap_or(Position { line: 1, column: 1 })
    };
    let mut out = String::with_capacity(text.len());
    let mut out_positions = Vec::with_capacity(positions.len());
    let mut offset = 0;
    while offset < text.len() {
        let rest = &text[offset..];
        if let Some((name, reference_len)) = variable_reference(rest)
            && let Some(value) = env(name)
        {
            out.push_str(&value);
            out_positions.extend(std::iter::repeat_n(at(offset), value.len()));
            offset += reference_len;
            continue;
        }
        let Some(ch) = rest.chars().next() else {
            break;
        };
        out.push(ch);
        out_positions.extend((offset..offset + ch.len_utf8()).map(at));
        offset += ch.len_utf8();
    }
    out_positions.push(at(text.len()));
    (out, out_positions)
}

/// `Some((NAME, length of "${NAME}"))` if `text` starts with a valid reference.
fn variable_reference(text: &str) -> Option<(&str, usize)> {
    let inner = text.strip_prefix("${")?;
    let close = inner.find('}')?;
    let name = &inner[..close];
    let valid = !name.is_empty()
        && name
            .bytes()
            .all(|b| b.is_ascii_uppercase() || b.is_ascii_digit() || b == b'_');
    valid.then_some((name, close + 3))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn no_env(_: &str) -> Option<String> {
        None
    }

    fn lines(contents: &str) -> Vec<LogicalLine> {
        logical_lines(&physical_lines(contents), &no_env)
    }

    fn texts(contents: &str) -> Vec<String> {
        lines(contents).into_iter().map(|line| line.text).collect()
    }

    #[test]
    fn drops_blank_and_comment_lines() {
        assert_eq!(
            texts("# header\n\n  \nflask  # web\n\t# indented comment\nrequests\n"),
            ["flask", "requests"]
        );
    }

    #[test]
    fn hash_inside_url_is_not_a_comment() {
        assert_eq!(
            texts("pkg @ https://files.example.invalid/pkg-1.0.whl#sha256=ab # note"),
            ["pkg @ https://files.example.invalid/pkg-1.0.whl#sha256=ab"]
        );
    }

    #[test]
    fn continuations_join_and_keep_positions() {
        let lines = lines("flask \\\n  >=2 \\\n  ; python_version > '3'\nrequests\r\n");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].text, "flask   >=2   ; python_version > '3'");
        let semicolon = lines[0].text.find(';').unwrap();
        assert_eq!(
            lines[0].position(semicolon),
            Position { line: 3, column: 3 }
        );
        assert_eq!(lines[1].position(0), Position { line: 4, column: 1 });
    }

    #[test]
    fn comment_only_line_ends_a_continuation() {
        assert_eq!(
            texts("flask \\\n# comment\nrequests"),
            ["flask", "requests"]
        );
    }

    #[test]
    fn continuation_at_end_of_file_is_kept() {
        assert_eq!(texts("flask\\"), ["flask"]);
    }

    #[test]
    fn expands_known_variables_only() {
        let env = |name: &str| (name == "TOKEN").then(|| "s3cr#t".to_string());
        let lines = logical_lines(
            &physical_lines("-i https://${TOKEN}@host/${UNKNOWN}/${lower}/${} x"),
            &env,
        );
        assert_eq!(
            lines[0].text,
            "-i https://s3cr#t@host/${UNKNOWN}/${lower}/${} x"
        );
        // Bytes of the value map to the `$`; later bytes shift back to their own columns.
        assert_eq!(
            lines[0].position(12),
            Position {
                line: 1,
                column: 12
            }
        );
        let host = lines[0].text.find("@host").unwrap();
        assert_eq!(lines[0].position(host).column, 20);
    }

    #[test]
    fn multibyte_columns_count_characters() {
        let lines = lines("# é\n  ñame ~= 1");
        assert_eq!(
            lines[0].position(lines[0].text.find('~').unwrap()).column,
            8
        );
    }

    #[test]
    fn strips_bom() {
        assert_eq!(texts("\u{feff}flask"), ["flask"]);
    }
}
