//! Splitting the options part of a line into words, like pip's `shlex.split`.
//!
//! Single and double quotes group words and are removed; backslashes are kept literally (so
//! Windows paths survive), which is the one place this differs from POSIX `shlex`.

/// A word and the byte offset in the line where it starts.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Word {
    /// The word with quotes removed.
    pub(crate) value: String,
    /// Byte offset of the word's first character in the logical line.
    pub(crate) start: usize,
}

/// Split `text` (which starts at byte `base` of its line) into words.
///
/// Errors with the line offset of an opening quote that is never closed.
pub(crate) fn split_words(text: &str, base: usize) -> Result<Vec<Word>, usize> {
    let mut words = Vec::new();
    let mut current: Option<Word> = None;
    let mut quote: Option<(char, usize)> = None;
    for (offset, ch) in text.char_indices() {
        if let Some((open, _)) = quote {
            if ch == open {
                quote = None;
            } else if let Some(word) = current.as_mut() {
                word.value.push(ch);
            }
            continue;
        }
        if ch.is_whitespace() {
            words.extend(current.take());
            continue;
        }
        let word = current.get_or_insert_with(|| Word {
            value: String::new(),
            start: base + offset,
        });
        if ch == '"' || ch == '\'' {
            quote = Some((ch, base + offset));
        } else {
            word.value.push(ch);
        }
    }
    if let Some((_, at)) = quote {
        return Err(at);
    }
    words.extend(current);
    Ok(words)
}

/// Split a line into its requirement part and the byte offset where its options begin.
///
/// Like pip, the options begin at the first whitespace-separated word that starts with `-`.
pub(crate) fn options_start(line: &str) -> usize {
    let mut previous_is_space = true;
    for (offset, ch) in line.char_indices() {
        if ch == '-' && previous_is_space {
            return offset;
        }
        previous_is_space = ch.is_whitespace();
    }
    line.len()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn values(text: &str) -> Vec<String> {
        split_words(text, 0)
            .unwrap()
            .into_iter()
            .map(|word| word.value)
            .collect()
    }

    #[test]
    fn splits_on_whitespace_with_offsets() {
        let words = split_words("--hash=a   --hash\tb", 5).unwrap();
        assert_eq!(
            words,
            [
                Word {
                    value: "--hash=a".into(),
                    start: 5
                },
                Word {
                    value: "--hash".into(),
                    start: 16
                },
                Word {
                    value: "b".into(),
                    start: 23
                },
            ]
        );
    }

    #[test]
    fn quotes_group_and_vanish() {
        assert_eq!(
            values(r#"-f "my dir/wheels" --x='a b'c C:\path"#),
            ["-f", "my dir/wheels", "--x=a bc", r"C:\path"]
        );
        assert_eq!(values("''"), [""]);
    }

    #[test]
    fn unterminated_quote_reports_its_offset() {
        assert_eq!(split_words("-f 'abc", 10), Err(13));
    }

    #[test]
    fn options_start_at_first_dash_word() {
        assert_eq!(options_start("flask>=1 --hash=x"), 9);
        assert_eq!(options_start("-r other.txt"), 0);
        assert_eq!(options_start("my-package==1.0"), 15);
    }
}
