//! The words full-text search matches: text cut at every character that is not a letter or a
//! digit, lowercased, its diacritics folded (`état` and `etat` are one word), and stemmed in
//! its language (Snowball). Items are indexed and searches read by this one function, so SQLite
//! and PostgreSQL match exactly the same items.

use std::cell::RefCell;
use std::collections::HashMap;

use rust_stemmers::{Algorithm, Stemmer};

/// Words stemmed lately on this thread, by language and word as written: text repeats its
/// words, and stemming them again was most of the cost of indexing an item.
const REMEMBERED: usize = 50_000;

/// Stems by word as written, for one language.
type Stems = HashMap<Box<str>, Box<str>>;

thread_local! {
    static STEMS: RefCell<HashMap<u8, Stems>> = RefCell::new(HashMap::new());
}

/// Cuts and stems text of one language.
pub struct Analyzer {
    algorithm: Option<Algorithm>,
}

impl Analyzer {
    /// For a BCP 47 language tag; a language without a Snowball stemmer is only folded.
    pub fn new(lang: &str) -> Self {
        Self { algorithm: algorithm(lang) }
    }

    /// Each word of `text` as search matches it, in order.
    pub fn words<'a>(&'a self, text: &'a str) -> impl Iterator<Item = String> + 'a {
        text.split(|c: char| !c.is_alphanumeric()).filter(|w| !w.is_empty()).map(|word| self.word(word))
    }

    /// One word (letters and digits only) as search matches it. Folded before it is stemmed:
    /// readers type words without their accents, and the stemmers' rules for accented endings
    /// would stem the two spellings apart (`operación`, `operacion`).
    pub fn word(&self, word: &str) -> String {
        let Some(algorithm) = self.algorithm else { return fold(&word.to_lowercase()) };
        let language = algorithm as u8;
        let known = STEMS.with(|stems| stems.borrow().get(&language).and_then(|known| known.get(word)).cloned());
        if let Some(stem) = known {
            return stem.into_string();
        }
        let stem = Stemmer::create(algorithm).stem(&fold(&word.to_lowercase())).into_owned();
        STEMS.with(|stems| {
            let mut stems = stems.borrow_mut();
            let known = stems.entry(language).or_default();
            if known.len() >= REMEMBERED {
                known.clear();
            }
            known.insert(word.into(), stem.as_str().into());
        });
        stem
    }
}

/// What search matches of an item: the words of its title, and those of its summary and body.
/// The first is never empty (a title without words is one space): empty, it marks an item
/// whose words are not made yet.
pub fn item_words(lang: &str, title: &str, summary: &str, body: &str) -> (String, String) {
    let title = index_text(lang, &[title]);
    let title = if title.is_empty() { " ".to_owned() } else { title };
    (title, index_text(lang, &[summary, body]))
}

/// What search matches of texts of one language: their words, space separated.
fn index_text(lang: &str, texts: &[&str]) -> String {
    let analyzer = Analyzer::new(lang);
    let mut out = String::with_capacity(texts.iter().map(|t| t.len()).sum());
    for word in texts.iter().flat_map(|text| analyzer.words(text)) {
        if !out.is_empty() {
            out.push(' ');
        }
        out.push_str(&word);
    }
    out
}

/// The Snowball stemmer of a language, by its primary subtag.
fn algorithm(lang: &str) -> Option<Algorithm> {
    let primary = lang.split('-').next().unwrap_or_default().to_ascii_lowercase();
    Some(match primary.as_str() {
        "ar" => Algorithm::Arabic,
        "da" => Algorithm::Danish,
        "de" => Algorithm::German,
        "el" => Algorithm::Greek,
        "en" => Algorithm::English,
        "es" => Algorithm::Spanish,
        "fi" => Algorithm::Finnish,
        "fr" => Algorithm::French,
        "hu" => Algorithm::Hungarian,
        "it" => Algorithm::Italian,
        "nb" | "nn" | "no" => Algorithm::Norwegian,
        "nl" => Algorithm::Dutch,
        "pt" => Algorithm::Portuguese,
        "ro" => Algorithm::Romanian,
        "ru" => Algorithm::Russian,
        "sv" => Algorithm::Swedish,
        "ta" => Algorithm::Tamil,
        "tr" => Algorithm::Turkish,
        _ => return None,
    })
}

/// A word without its diacritics: Latin letters lose their accents (`é` is `e`, `ß` is `ss`),
/// and combining marks go (Arabic short vowels among them); other letters stay as they are.
fn fold(word: &str) -> String {
    let mut out = String::with_capacity(word.len());
    for c in word.chars() {
        match c {
            '\u{0300}'..='\u{036F}' | '\u{064B}'..='\u{065F}' | '\u{0670}' => {}
            '\u{00C0}'..='\u{024F}' | '\u{1E00}'..='\u{1EFF}' => match deunicode::deunicode_char(c) {
                Some(plain) if plain.chars().all(|p| p.is_ascii_alphanumeric()) => out.push_str(&plain.to_lowercase()),
                _ => out.push(c),
            },
            c => out.push(c),
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn words(lang: &str, text: &str) -> Vec<String> {
        Analyzer::new(lang).words(text).collect()
    }

    #[test]
    fn each_language_stems_its_own_words() {
        assert_eq!(words("en", "Arrests of suspects"), ["arrest", "of", "suspect"]);
        assert_eq!(words("fr", "arrestations"), words("fr", "arrestation"));
        assert_eq!(words("es", "detenciones"), words("es", "detención"));
        assert_eq!(words("es", "operación"), words("es", "operacion"));
        assert_eq!(words("fr", "sécurité"), words("fr", "securite"));
        assert_eq!(words("ar", "الشرطة"), words("ar", "شرطة"));
    }

    #[test]
    fn diacritics_are_folded() {
        assert_eq!(words("fr", "État"), words("fr", "etat"));
        assert_eq!(words("de", "Straße"), ["strass"]);
        assert_eq!(words("ar", "الشُّرْطَة"), words("ar", "الشرطة"));
        assert_eq!(words("xx", "Café 2024"), ["cafe", "2024"]);
    }

    #[test]
    fn the_index_text_holds_every_word_once_in_order() {
        assert_eq!(index_text("en", &["Police", "", "working together!"]), "polic work togeth");
        assert_eq!(item_words("en", "!!!", "", ""), (" ".to_owned(), String::new()));
    }
}
