//! Markdown to HTML that is safe to embed in a feed reader: raw HTML in the source is shown
//! as text, and links or images may only use http, https, mailto or relative addresses.

use pulldown_cmark::{CowStr, Event, Options, Parser, Tag, html};

/// Renders markdown to safe HTML.
pub fn to_safe_html(markdown: &str) -> String {
    let events =
        Parser::new_ext(markdown, Options::ENABLE_TABLES | Options::ENABLE_STRIKETHROUGH).map(|event| match event {
            Event::Html(raw) | Event::InlineHtml(raw) => Event::Text(raw),
            Event::Start(Tag::Link { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Link { link_type, dest_url: safe_url(dest_url), title, id })
            }
            Event::Start(Tag::Image { link_type, dest_url, title, id }) => {
                Event::Start(Tag::Image { link_type, dest_url: safe_url(dest_url), title, id })
            }
            other => other,
        });
    let mut out = String::with_capacity(markdown.len() * 3 / 2);
    html::push_html(&mut out, events);
    out
}

/// Plain text as HTML that shows it as written (for RSS's `description`, which readers
/// render as HTML).
pub fn text_to_html(text: &str) -> String {
    let mut out = String::with_capacity(text.len() + 16);
    html::push_html(&mut out, std::iter::once(Event::Text(text.into())));
    out
}

/// Keeps addresses with a safe scheme (or none, i.e. relative); replaces the rest.
fn safe_url(url: CowStr<'_>) -> CowStr<'_> {
    let scheme = url.split_once(':').map(|(scheme, _)| scheme.to_ascii_lowercase());
    let relative = scheme.as_deref().is_none_or(|s| s.contains(['/', '?', '#']));
    if relative || matches!(scheme.as_deref(), Some("http" | "https" | "mailto")) { url } else { CowStr::Borrowed("#") }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn renders_markdown() {
        assert_eq!(to_safe_html("Hello *world*"), "<p>Hello <em>world</em></p>\n");
        assert!(to_safe_html("[site](https://example.org)").contains(r#"<a href="https://example.org">site</a>"#));
        assert!(to_safe_html("[rel](/api/v1/news/1)").contains(r#"href="/api/v1/news/1""#));
    }

    #[test]
    fn raw_html_and_dangerous_links_are_neutralized() {
        let html = to_safe_html("<script>alert(1)</script>\n\nText <b onclick=x>bold</b>");
        assert!(!html.contains("<script") && !html.contains("<b "), "{html}");
        assert!(html.contains("&lt;script&gt;"));
        for bad in [
            "[x](javascript:alert(1))",
            "[x](JavaScript:alert(1))",
            "![x](data:text/html;base64,xx)",
            "[x](vbscript:x)",
        ] {
            let html = to_safe_html(bad);
            assert!(!html.to_lowercase().contains("script:") && !html.contains("data:"), "{html}");
        }
    }
}
