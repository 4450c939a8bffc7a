//! Rules for free text fields and the reading time derived from a body.

/// Average silent reading speed of adults for non-fiction, in words per minute.
const WORDS_PER_MINUTE: u64 = 238;

/// Checks a text field: required or not, its length in characters, and no control
/// characters (tabs and line breaks are allowed in multi-line fields).
pub fn check(value: &str, required: bool, max_chars: usize, multiline: bool) -> Result<(), String> {
    if required && value.trim().is_empty() {
        return Err("must not be empty".into());
    }
    if value.chars().count() > max_chars {
        return Err(format!("must be at most {max_chars} characters"));
    }
    let allowed = |c: char| multiline && matches!(c, '\n' | '\r' | '\t');
    if value.chars().any(|c| c.is_control() && !allowed(c)) {
        return Err("must not contain control characters".into());
    }
    Ok(())
}

/// Seconds an average reader needs for a text, rounded up.
pub fn reading_time_seconds(text: &str) -> i32 {
    let words = text.split_whitespace().filter(|word| word.chars().any(char::is_alphanumeric)).count() as u64;
    i32::try_from((words * 60).div_ceil(WORDS_PER_MINUTE)).unwrap_or(i32::MAX)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn reading_time_counts_words_not_markup() {
        assert_eq!(reading_time_seconds(""), 0);
        assert_eq!(reading_time_seconds("# Title\n\n- one\n- two"), 1);
        assert_eq!(reading_time_seconds(&"word ".repeat(238)), 60);
        assert_eq!(reading_time_seconds(&"word ".repeat(239)), 61);
    }

    #[test]
    fn text_rules() {
        assert!(check("  ", true, 10, false).is_err());
        assert!(check("", false, 10, false).is_ok());
        assert!(check("ok\u{0}", false, 10, false).is_err());
        assert!(check("a\nb", false, 10, false).is_err());
        assert!(check("a\nb", false, 10, true).is_ok());
        assert!(check("日本語のタイトル", true, 8, false).is_ok());
        assert!(check("日本語のタイトル!", true, 8, false).is_err());
    }
}
