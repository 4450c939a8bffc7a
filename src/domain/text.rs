//! Rules for free text fields and the reading time derived from a body.

/// Average silent reading speed of adults for non-fiction, in words per minute.
const WORDS_PER_MINUTE: u64 = 238;

/// Characters no text field holds: C0 and C1 controls, and U+FFFE and U+FFFF, which XML 1.0
/// forbids (feeds carry titles and summaries). Written once, as the schema patterns say it.
const LINE: &str = r"^[^\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]*$";
const FILLED_LINE: &str = r"^[^\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]*[^\s\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF][^\u0000-\u001F\u007F-\u009F\uFFFE\uFFFF]*$";
/// As `LINE`, with tabs and line breaks.
const LINES: &str = r"^[^\u0000-\u0008\u000B\u000C\u000E-\u001F\u007F-\u009F\uFFFE\uFFFF]*$";

/// The shape of a text field.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Form {
    /// One line, possibly empty.
    Line,
    /// One line with more than white space.
    FilledLine,
    /// Several lines (markdown), possibly empty.
    Lines,
}

impl Form {
    /// Checks a value of at most `max_chars` characters against this form.
    pub fn check(self, value: &str, max_chars: usize) -> Result<(), String> {
        if self == Self::FilledLine && value.trim().is_empty() {
            return Err("must not be empty".into());
        }
        if value.chars().count() > max_chars {
            return Err(format!("must be at most {max_chars} characters"));
        }
        let allowed = |c: char| self == Self::Lines && matches!(c, '\n' | '\r' | '\t');
        if value.chars().any(|c| c.is_control() && !allowed(c)) {
            return Err("must not contain control characters".into());
        }
        if value.chars().any(|c| matches!(c, '\u{FFFE}' | '\u{FFFF}')) {
            return Err("must not contain the non-characters U+FFFE or U+FFFF".into());
        }
        Ok(())
    }

    /// The JSON Schema of a value of this form.
    pub fn schema(self, max_chars: usize) -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
        use utoipa::openapi::schema::{ObjectBuilder, Type};
        let (pattern, min) = match self {
            Self::Line => (LINE, None),
            Self::FilledLine => (FILLED_LINE, Some(1)),
            Self::Lines => (LINES, None),
        };
        ObjectBuilder::new()
            .schema_type(Type::String)
            .min_length(min)
            .max_length(Some(max_chars))
            .pattern(Some(pattern))
            .into()
    }
}

/// Declares each kind of text field: a value that exists obeys its rule (`T::parse` is the
/// only way to make one), and `T` is its schema, so the two cannot drift apart. Values are
/// trimmed, except `verbatim` ones (a body's leading indentation is markdown).
macro_rules! text_types {
    ($($(#[$doc:meta])* $name:ident: $form:ident, $max:expr $(, $verbatim:ident)?;)*) => {$(
        $(#[$doc])*
        #[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord)]
        pub struct $name(String);

        impl $name {
            pub const MAX_CHARS: usize = $max;

            /// Accepts a value that obeys this field's rule, or says what is wrong with it.
            pub fn parse(value: String) -> Result<Self, String> {
                Form::$form.check(&value, $max)?;
                let verbatim = false $(|| stringify!($verbatim) == "verbatim")?;
                Ok(Self(if verbatim { value } else { value.trim().to_owned() }))
            }

            pub fn as_str(&self) -> &str {
                &self.0
            }

            pub fn into_string(self) -> String {
                self.0
            }
        }

        impl utoipa::PartialSchema for $name {
            fn schema() -> utoipa::openapi::RefOr<utoipa::openapi::schema::Schema> {
                Form::$form.schema($max)
            }
        }

        impl utoipa::ToSchema for $name {}
    )*};
}

text_types! {
    /// A news item's title.
    Title: FilledLine, 300;
    /// The name of an organization, a body, an office or an author; a city; a body's leader
    /// title or meeting cadence.
    Name: FilledLine, 200;
    /// The name of a topic or a region.
    TermName: FilledLine, 100;
    /// A tag of a news item.
    Tag: FilledLine, 50;
    /// An organization's full name or tagline.
    Caption: Line, 300;
    /// An organization's kind, in its own words.
    Label: Line, 100;
    /// An author's job title.
    JobTitle: Line, 200;
    /// A news item's summary, or a topic's or region's description (markdown).
    Summary: Lines, 2_000;
    /// A news item's body (markdown).
    Article: Lines, 500_000, verbatim;
    /// An organization's description (markdown).
    Description: Lines, 20_000;
    /// A body's description (markdown).
    BodyDescription: Lines, 10_000;
    /// An author's biography (markdown).
    Bio: Lines, 5_000;
    /// What an image shows, for readers who cannot see it.
    AltText: FilledLine, 300;
    /// The caption shown with an image.
    ImageCaption: Line, 1_000;
    /// Who made an image (`Photo: INTERPOL`).
    Credit: Line, 300;
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
        assert!(Form::FilledLine.check("  ", 10).is_err());
        assert!(Form::Line.check("", 10).is_ok());
        assert!(Form::Line.check("ok\u{0}", 10).is_err());
        assert!(Form::Line.check("a\nb", 10).is_err());
        assert!(Form::Lines.check("a\nb", 10).is_ok());
        assert!(Form::FilledLine.check("日本語のタイトル", 8).is_ok());
        assert!(Form::FilledLine.check("日本語のタイトル!", 8).is_err());
        for form in [Form::Line, Form::FilledLine, Form::Lines] {
            assert!(form.check("a\u{FFFE}b", 10).is_err(), "{form:?}");
            assert!(form.check("a\u{FFFF}", 10).is_err(), "{form:?}");
        }
    }

    #[test]
    fn values_are_trimmed_except_verbatim_ones() {
        assert_eq!(Title::parse(" A title\u{a0}".into()).unwrap().as_str(), "A title");
        assert_eq!(Article::parse("    code\n".into()).unwrap().as_str(), "    code\n");
        assert!(Tag::parse(" ".into()).is_err());
        assert!(Tag::parse("x".repeat(Tag::MAX_CHARS + 1)).is_err());
    }

    #[test]
    fn each_pattern_refuses_what_its_check_refuses() {
        // The patterns are ECMA-262 regexes: check their character classes here by hand.
        for (form, pattern) in [(Form::Line, LINE), (Form::FilledLine, FILLED_LINE), (Form::Lines, LINES)] {
            assert!(pattern.contains(r"\uFFFE\uFFFF"), "{form:?}");
            assert_eq!(pattern.contains(r"\u0008\u000B"), form == Form::Lines, "{form:?}");
        }
    }
}
