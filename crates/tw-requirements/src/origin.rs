//! Where an item sits in its source file, as `path:line:column`.

use std::fmt;
use std::path::PathBuf;

/// The file, 1-based line and 1-based character column where a requirement, option or error sits.
///
/// For `\`-continued lines this is the physical line where the item starts.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct Origin {
    /// The file, in the form it was given or reached through `-r`/`-c` (relative stays relative).
    pub path: PathBuf,
    /// The 1-based line number in the original file.
    pub line: usize,
    /// The 1-based column, counted in characters (not bytes).
    pub column: usize,
}

impl fmt::Display for Origin {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}:{}", self.path.display(), self.line, self.column)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn display_is_path_line_column() {
        let origin = Origin {
            path: PathBuf::from("dir/requirements.txt"),
            line: 3,
            column: 8,
        };
        assert_eq!(origin.to_string(), "dir/requirements.txt:3:8");
    }
}
