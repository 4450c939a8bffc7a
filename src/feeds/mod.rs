//! RSS 2.0, Atom 1.0 and JSON Feed 1.1 documents, rendered as pure functions of the feed's
//! description and its entries. The XML formats are written by their crates, which escape
//! every text.

pub mod document;
pub mod markdown;

use atom_syndication as atom;
use chrono::{DateTime, Utc};
use serde::Serialize;

/// What a feed is.
#[derive(Debug, Clone)]
pub struct Feed {
    pub title: String,
    pub description: String,
    /// The publishing organization, as the feed's author.
    pub author: String,
    /// The URL this feed was fetched from (its WebSub topic).
    pub self_url: String,
    /// WebSub hubs that push the feed to subscribers when it changes.
    pub hubs: Vec<String>,
    /// The same items in the JSON API.
    pub home_url: String,
    /// The latest change of any entry.
    pub updated: DateTime<Utc>,
    /// The feed's language (BCP 47), when it has one.
    pub language: Option<String>,
    pub entries: Vec<Entry>,
}

/// One item of a feed.
#[derive(Debug, Clone)]
pub struct Entry {
    /// Stable across edits: built on the item's id.
    pub id: String,
    pub url: String,
    pub title: String,
    pub summary: String,
    /// The body as safe HTML, when the full content was asked for.
    pub content_html: Option<String>,
    pub published: DateTime<Utc>,
    pub updated: DateTime<Utc>,
    pub author: Option<String>,
    /// `(scheme, term)`: topics, regions and tags.
    pub categories: Vec<(String, String)>,
    /// The item's language (BCP 47).
    pub language: String,
    pub image: Option<Image>,
}

/// An item's image, as feeds carry it: one file in a format every reader shows.
#[derive(Debug, Clone)]
pub struct Image {
    pub url: String,
    pub mime: String,
    pub bytes: u64,
    pub width: i64,
    pub height: i64,
    /// What it shows, for readers who cannot see it.
    pub alt: String,
}

/// Media RSS, for an image's size and text alternative (its `<enclosure>` has neither).
const MEDIA_RSS: &str = "http://search.yahoo.com/mrss/";

pub const RSS_TYPE: &str = "application/rss+xml; charset=utf-8";
pub const ATOM_TYPE: &str = "application/atom+xml; charset=utf-8";
pub const JSON_FEED_TYPE: &str = "application/feed+json; charset=utf-8";

/// An Atom link: the element of Atom documents, and of RSS through its Atom extension.
fn link(href: &str, rel: &str, mime: Option<&str>) -> atom::Link {
    let mut link = atom::Link::default();
    link.set_href(href);
    link.set_rel(rel);
    link.set_mime_type(mime.map(str::to_owned));
    link
}

/// The feed's own link, then its hubs'.
fn self_and_hubs(feed: &Feed, mime: &str) -> Vec<atom::Link> {
    std::iter::once(link(&feed.self_url, "self", Some(mime)))
        .chain(feed.hubs.iter().map(|hub| link(hub, "hub", None)))
        .collect()
}

/// RSS 2.0, with Atom self and hub links and Dublin Core creators.
pub fn rss(feed: &Feed) -> String {
    let mut channel = rss::Channel::default();
    channel.set_title(feed.title.as_str());
    channel.set_link(feed.home_url.as_str());
    channel.set_description(feed.description.as_str());
    channel.set_last_build_date(feed.updated.to_rfc2822());
    channel.set_generator("newsdesk".to_owned());
    channel.set_language(feed.language.clone());
    let mut atom_ext = rss::extension::atom::AtomExtension::default();
    atom_ext.set_links(self_and_hubs(feed, "application/rss+xml"));
    channel.set_atom_ext(atom_ext);
    if feed.entries.iter().any(|entry| entry.image.is_some()) {
        channel.set_namespaces(
            [("media".to_owned(), MEDIA_RSS.to_owned())].into_iter().collect::<std::collections::BTreeMap<_, _>>(),
        );
    }
    let items = feed.entries.iter().map(|entry| {
        let mut item = rss::Item::default();
        item.set_title(entry.title.clone());
        item.set_link(entry.url.clone());
        let mut guid = rss::Guid::default();
        guid.set_value(entry.id.as_str());
        guid.set_permalink(true);
        item.set_guid(guid);
        item.set_pub_date(entry.published.to_rfc2822());
        // Readers render an RSS description as HTML; the summary is text.
        item.set_description(markdown::text_to_html(&entry.summary));
        item.set_content(entry.content_html.clone());
        item.set_categories(
            entry
                .categories
                .iter()
                .map(|(scheme, term)| {
                    let mut category = rss::Category::default();
                    category.set_name(term.as_str());
                    category.set_domain(scheme.clone());
                    category
                })
                .collect::<Vec<_>>(),
        );
        let mut dc = rss::extension::dublincore::DublinCoreExtension::default();
        dc.set_creators(entry.author.iter().cloned().collect::<Vec<_>>());
        dc.set_languages(vec![entry.language.clone()]);
        item.set_dublin_core_ext(dc);
        if let Some(image) = &entry.image {
            let mut enclosure = rss::Enclosure::default();
            enclosure.set_url(image.url.as_str());
            enclosure.set_length(image.bytes.to_string());
            enclosure.set_mime_type(image.mime.as_str());
            item.set_enclosure(enclosure);
            item.set_extensions(media_content(image));
        }
        item
    });
    channel.set_items(items.collect::<Vec<_>>());
    channel.to_string()
}

/// `<media:content>` with the image's size and `<media:description>` with its text alternative.
fn media_content(image: &Image) -> rss::extension::ExtensionMap {
    use rss::extension::Extension;
    let description = Extension {
        name: "media:description".into(),
        value: Some(image.alt.clone()),
        attrs: [("type".to_owned(), "plain".to_owned())].into_iter().collect(),
        children: Default::default(),
    };
    let attrs = [
        ("url", image.url.clone()),
        ("type", image.mime.clone()),
        ("medium", "image".to_owned()),
        ("fileSize", image.bytes.to_string()),
        ("width", image.width.to_string()),
        ("height", image.height.to_string()),
    ];
    let content = Extension {
        name: "media:content".into(),
        value: None,
        attrs: attrs.into_iter().map(|(name, value)| (name.to_owned(), value)).collect(),
        children: [("description".to_owned(), vec![description])].into_iter().collect(),
    };
    let by_name = [("content".to_owned(), vec![content])].into_iter().collect();
    [("media".to_owned(), by_name)].into_iter().collect()
}

/// Atom 1.0 (RFC 4287).
pub fn atom(feed: &Feed) -> String {
    let person = |name: &str| {
        let mut person = atom::Person::default();
        person.set_name(name);
        person
    };
    // Text in the item's language, said with `xml:lang`.
    let text = |value: &str, lang: &str| {
        let mut text = atom::Text::plain(value);
        text.lang = Some(lang.to_owned());
        text
    };
    let mut out = atom::Feed::default();
    out.set_lang(feed.language.clone());
    out.set_title(feed.title.as_str());
    out.set_subtitle(atom::Text::plain(feed.description.as_str()));
    out.set_id(feed.self_url.as_str());
    out.set_updated(feed.updated.fixed_offset());
    out.set_authors(vec![person(&feed.author)]);
    let mut links = self_and_hubs(feed, "application/atom+xml");
    links.push(link(&feed.home_url, "alternate", Some("application/json")));
    out.set_links(links);
    let mut generator = atom::Generator::default();
    generator.set_value("newsdesk");
    out.set_generator(generator);
    let entries = feed.entries.iter().map(|entry| {
        let mut out = atom::Entry::default();
        out.set_id(entry.id.as_str());
        out.set_title(text(&entry.title, &entry.language));
        out.set_updated(entry.updated.fixed_offset());
        out.set_published(entry.published.fixed_offset());
        let mut links = vec![link(&entry.url, "alternate", Some("application/json"))];
        if let Some(image) = &entry.image {
            let mut enclosure = link(&image.url, "enclosure", Some(&image.mime));
            enclosure.set_length(Some(image.bytes.to_string()));
            enclosure.set_title(Some(image.alt.clone()));
            links.push(enclosure);
        }
        out.set_links(links);
        out.set_authors(entry.author.iter().map(|name| person(name)).collect::<Vec<_>>());
        out.set_summary(text(&entry.summary, &entry.language));
        if let Some(html) = &entry.content_html {
            let mut content = atom::Content::default();
            content.set_content_type("html".to_owned());
            content.set_value(html.clone());
            out.set_content(content);
        }
        out.set_categories(
            entry
                .categories
                .iter()
                .map(|(scheme, term)| {
                    let mut category = atom::Category::default();
                    category.set_term(term.as_str());
                    category.set_scheme(scheme.clone());
                    category
                })
                .collect::<Vec<_>>(),
        );
        out
    });
    out.set_entries(entries.collect::<Vec<_>>());
    out.to_string()
}

/// JSON Feed 1.1.
pub fn json(feed: &Feed) -> String {
    #[derive(Serialize)]
    struct JsonFeed<'a> {
        version: &'static str,
        title: &'a str,
        description: &'a str,
        home_page_url: &'a str,
        feed_url: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        language: Option<&'a str>,
        authors: [Author<'a>; 1],
        #[serde(skip_serializing_if = "Vec::is_empty")]
        hubs: Vec<Hub<'a>>,
        items: Vec<JsonItem<'a>>,
    }
    #[derive(Serialize)]
    struct Hub<'a> {
        #[serde(rename = "type")]
        kind: &'static str,
        url: &'a str,
    }
    #[derive(Serialize)]
    struct Author<'a> {
        name: &'a str,
    }
    #[derive(Serialize)]
    struct JsonItem<'a> {
        id: &'a str,
        url: &'a str,
        title: &'a str,
        summary: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        content_html: Option<&'a str>,
        #[serde(skip_serializing_if = "Option::is_none")]
        content_text: Option<&'a str>,
        date_published: String,
        date_modified: String,
        #[serde(skip_serializing_if = "Vec::is_empty")]
        authors: Vec<Author<'a>>,
        tags: Vec<&'a str>,
        language: &'a str,
        #[serde(skip_serializing_if = "Option::is_none")]
        image: Option<&'a str>,
    }
    let items = feed
        .entries
        .iter()
        .map(|entry| JsonItem {
            id: &entry.id,
            url: &entry.url,
            title: &entry.title,
            summary: &entry.summary,
            content_html: entry.content_html.as_deref(),
            // Every item needs a content: the summary stands in when only summaries are asked for.
            content_text: entry.content_html.is_none().then_some(entry.summary.as_str()),
            date_published: entry.published.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            date_modified: entry.updated.to_rfc3339_opts(chrono::SecondsFormat::Secs, true),
            authors: entry.author.iter().map(|name| Author { name }).collect(),
            tags: entry.categories.iter().map(|(_, term)| term.as_str()).collect(),
            language: &entry.language,
            image: entry.image.as_ref().map(|image| image.url.as_str()),
        })
        .collect();
    let doc = JsonFeed {
        version: "https://jsonfeed.org/version/1.1",
        title: &feed.title,
        description: &feed.description,
        home_page_url: &feed.home_url,
        feed_url: &feed.self_url,
        language: feed.language.as_deref(),
        authors: [Author { name: &feed.author }],
        hubs: feed.hubs.iter().map(|url| Hub { kind: "WebSub", url }).collect(),
        items,
    };
    serde_json::to_string(&doc).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn feed() -> Feed {
        let t = DateTime::parse_from_rfc3339("2023-06-09T00:00:00Z").unwrap().to_utc();
        Feed {
            title: "Tom & Jerry <news>".into(),
            description: "d".into(),
            author: "INTERPOL".into(),
            self_url: "http://x.test/feeds/news.atom?topic=a&region=b".into(),
            hubs: vec!["http://x.test/websub".into()],
            home_url: "http://x.test/api/v1/news".into(),
            updated: t,
            language: Some("ar".into()),
            entries: vec![Entry {
                id: "http://x.test/api/v1/news/1".into(),
                url: "http://x.test/api/v1/news/a".into(),
                title: "“Quotes” & <tags> 日本語".into(),
                summary: "s < t".into(),
                content_html: Some("<p>x &amp; y</p>".into()),
                published: t,
                updated: t,
                author: Some("Robert Williams".into()),
                categories: vec![("http://x.test/api/v1/topics".into(), "terrorism".into())],
                language: "ar".into(),
                image: Some(Image {
                    url: "http://x.test/media/5/ab-1280.jpg".into(),
                    mime: "image/jpeg".into(),
                    bytes: 12345,
                    width: 1280,
                    height: 960,
                    alt: "Officers & <dogs>".into(),
                }),
            }],
        }
    }

    #[test]
    fn rss_round_trips_through_its_parser() {
        let channel: rss::Channel = rss(&feed()).parse().unwrap();
        assert_eq!(channel.title(), "Tom & Jerry <news>");
        let item = &channel.items()[0];
        assert_eq!(item.title(), Some("“Quotes” & <tags> 日本語"));
        assert_eq!(item.guid().unwrap().value(), "http://x.test/api/v1/news/1");
        assert_eq!(item.content(), Some("<p>x &amp; y</p>"));
        assert_eq!(item.description(), Some("s &lt; t"), "the summary is text, shown as written");
        assert_eq!(item.dublin_core_ext().unwrap().creators(), ["Robert Williams"]);
        assert_eq!(channel.language(), Some("ar"));
        assert_eq!(item.dublin_core_ext().unwrap().languages(), ["ar"]);
        let links = channel.atom_ext().unwrap().links();
        assert_eq!(links[0].href(), "http://x.test/feeds/news.atom?topic=a&region=b");
        assert_eq!((links[1].rel(), links[1].href()), ("hub", "http://x.test/websub"));
        let enclosure = item.enclosure().unwrap();
        assert_eq!(
            (enclosure.url(), enclosure.length(), enclosure.mime_type()),
            ("http://x.test/media/5/ab-1280.jpg", "12345", "image/jpeg")
        );
        let content = &item.extensions()["media"]["content"][0];
        assert_eq!(content.attrs()["width"], "1280");
        assert_eq!(content.children()["description"][0].value(), Some("Officers & <dogs>"));
        assert_eq!(channel.namespaces()["media"], MEDIA_RSS);
    }

    #[test]
    fn atom_round_trips_through_its_parser() {
        let parsed: atom::Feed = atom(&feed()).parse().unwrap();
        assert_eq!(parsed.title().as_str(), "Tom & Jerry <news>");
        let entry = &parsed.entries()[0];
        assert_eq!(entry.title().as_str(), "“Quotes” & <tags> 日本語");
        assert_eq!(entry.content().unwrap().value(), Some("<p>x &amp; y</p>"));
        assert_eq!(entry.categories()[0].term(), "terrorism");
        assert_eq!(parsed.lang(), Some("ar"));
        assert_eq!(entry.title().lang.as_deref(), Some("ar"));
        let hub = parsed.links().iter().find(|l| l.rel() == "hub").unwrap();
        assert_eq!(hub.href(), "http://x.test/websub");
        let enclosure = entry.links().iter().find(|l| l.rel() == "enclosure").unwrap();
        assert_eq!(
            (enclosure.href(), enclosure.mime_type()),
            ("http://x.test/media/5/ab-1280.jpg", Some("image/jpeg"))
        );
        assert_eq!((enclosure.length(), enclosure.title()), (Some("12345"), Some("Officers & <dogs>")));
    }

    #[test]
    fn json_feed_has_its_required_members() {
        let doc: serde_json::Value = serde_json::from_str(&json(&feed())).unwrap();
        assert_eq!(doc["version"], "https://jsonfeed.org/version/1.1");
        assert_eq!(doc["items"][0]["title"], "“Quotes” & <tags> 日本語");
        assert_eq!(doc["items"][0]["content_html"], "<p>x &amp; y</p>");
        assert_eq!(doc["items"][0]["date_published"], "2023-06-09T00:00:00Z");
        assert_eq!((&doc["language"], &doc["items"][0]["language"]), (&"ar".into(), &"ar".into()));
        assert_eq!(doc["hubs"][0], serde_json::json!({"type": "WebSub", "url": "http://x.test/websub"}));
        assert_eq!(doc["items"][0]["image"], "http://x.test/media/5/ab-1280.jpg");
    }
}
