//! The demo data loaded into an empty database: INTERPOL's news page (its profile with its
//! bodies and offices, its author, and the twelve dated headlines with their topics and
//! regions), stored through the same request types and functions the API writes with.

use std::collections::BTreeMap;

use actix_web::web;
use chrono::NaiveDate;
use serde::Deserialize;

use crate::db;
use crate::db::authors::AuthorForm;
use crate::db::revisions::Origin;
use crate::db::terms::{TermForm, TermKind};
use crate::domain::audit::{Action, Actor, Resource, Verb};
use crate::domain::dates::{self, Instant};
use crate::domain::media::FocalPoint;
use crate::domain::news::NewsStatus;
use crate::error::ApiError;
use crate::service::bodies::Body;
use crate::service::media::{self, Described};
use crate::service::news::NewsWrite;
use crate::service::offices::Office;
use crate::service::translations::{self, ProfileTranslation};
use crate::service::{news, organizations, parts};
use crate::state::AppState;

const INTERPOL: &str = include_str!("seed/interpol.json");

#[derive(Deserialize)]
struct Demo {
    organization: Profile,
    author: Person,
    topics: Vec<Term>,
    regions: Vec<Term>,
    news: Vec<Headline>,
}

/// The organization as `POST /organizations` takes it, with its bodies and offices as their
/// own endpoints take them.
#[derive(Deserialize)]
struct Profile {
    #[serde(flatten)]
    profile: serde_json::Value,
    bodies: Vec<serde_json::Value>,
    offices: Vec<serde_json::Value>,
    /// Its official names in its other official languages, by language.
    translations: BTreeMap<String, ProfileTranslation>,
}

#[derive(Deserialize)]
struct Person {
    name: String,
    title: String,
    bio: String,
}

#[derive(Deserialize)]
struct Term {
    slug: String,
    name: String,
    description: String,
}

#[derive(Deserialize)]
struct Headline {
    title: String,
    date: NaiveDate,
    topic: String,
    region: String,
    tags: Vec<String>,
    summary: String,
}

/// What the page says of every headline: the text of the demo items' bodies.
fn body(headline: &Headline, organization: &str) -> String {
    format!(
        "{summary}\n\n{organization} published this headline on {date} in its list of the latest news \
         and events from its global activities.\n\n{organization} has 195 member countries and helps police \
         in all of them to work together to make the world a safer place: it enables them to share and \
         access data on crimes and criminals, and offers a range of technical and operational support.",
        summary = headline.summary,
        date = headline.date.format("%-d %B %Y"),
    )
}

/// Loads the demo into an empty database; does nothing when anything is stored already
/// (so a restart never duplicates it, nor collides with what users made).
/// Runs in one transaction: a failure leaves the database empty.
pub async fn load_demo(state: &AppState) -> Result<bool, ApiError> {
    let demo: Demo = serde_json::from_str(INTERPOL).map_err(ApiError::internal)?;
    if !state.db(|c| Ok(db::is_empty(c)?)).await? {
        return Ok(false);
    }
    // The images' files are stored before the transaction that names them.
    let mut cards = BTreeMap::new();
    for topic in &demo.topics {
        cards.insert(
            topic.slug.clone(),
            (topic.name.clone(), media::store_files(state, title_card(&topic.slug)?, FocalPoint::CENTRE).await?),
        );
    }
    let emblem = media::store_files(state, emblem()?, FocalPoint::CENTRE).await?;
    let action = Action(Resource::Demo, Verb::Load);
    let site = state.languages.clone();
    let urls = state.media.urls.clone();
    // The demo headlines are English: so they are filed where the site has English.
    let lang = site.site("en").unwrap_or(site.first()).to_owned();
    state
        .write(Actor::service().did(action), move |conn, _| {
            if !db::is_empty(conn)? {
                return Ok(false);
            }
            // One entry for the whole load: what each step stored is not listed in it.
            let unlisted = &mut Actor::service().did(action);
            let now = dates::now().naive_utc();
            for (kind, terms) in [(TermKind::Topic, &demo.topics), (TermKind::Region, &demo.regions)] {
                for term in terms {
                    let form = TermForm {
                        slug: &term.slug,
                        name: &term.name,
                        description: &term.description,
                        updated_at: now,
                    };
                    db::terms::insert(conn, kind, &form)?;
                }
            }
            let mut images = BTreeMap::new();
            for (slug, (name, card)) in &cards {
                let alt = format!("Title card of the topic {name}: a gradient in the topic's colours");
                images.insert(slug.clone(), card.insert(conn, &Described::new(&alt, CREDIT)?)?.id);
            }
            let mut profile = demo.organization.profile.clone();
            let logo =
                emblem.insert(conn, &Described::new("The organization's emblem: a globe of blue rings", CREDIT)?)?;
            profile["logo_id"] = serde_json::json!(logo.id);
            let organization = organizations::add(conn, &urls, profile, unlisted)?;
            for body in &demo.organization.bodies {
                parts::add::<Body>(
                    conn,
                    &urls,
                    organization.id,
                    serde_json::from_value(body.clone()).map_err(ApiError::internal)?,
                    unlisted,
                )?;
            }
            for office in &demo.organization.offices {
                parts::add::<Office>(
                    conn,
                    &urls,
                    organization.id,
                    serde_json::from_value(office.clone()).map_err(ApiError::internal)?,
                    unlisted,
                )?;
            }
            // Into those of its languages the site has.
            for (lang, translation) in &demo.organization.translations {
                if let Ok(lang) = translations::translated_language(&site, lang) {
                    translations::store(conn, &urls, organization.id, lang, translation.clone(), &Origin::default())?;
                }
            }
            let author = AuthorForm {
                name: &demo.author.name,
                title: &demo.author.title,
                bio: &demo.author.bio,
                updated_at: now,
            };
            let author = db::authors::insert(conn, &author)?;
            // Oldest first, so that ids grow with time and same-day items keep the page's order.
            for headline in &demo.news {
                let write = NewsWrite {
                    slug: None,
                    title: headline.title.clone(),
                    summary: headline.summary.clone(),
                    body: body(headline, &organization.name),
                    topic: Some(headline.topic.clone()),
                    region: Some(headline.region.clone()),
                    tags: headline.tags.clone(),
                    author_id: Some(author.id),
                    organization: Some(organization.slug.clone()),
                    status: Some(NewsStatus::Published),
                    published_at: headline.date.and_hms_opt(0, 0, 0).map(|t| Instant::from(t.and_utc())),
                    lang: Some(lang.clone()),
                    translation_of: None,
                    image_id: images.get(&headline.topic).copied(),
                };
                news::store(conn, &urls, None, write.validate(&site)?, &site, &Origin::default(), unlisted)?;
            }
            Ok(true)
        })
        .await
}

/// Who made the demo's images.
const CREDIT: &str = "Drawn by newsdesk for its demo";

/// A title card for a topic, drawn from its slug alone: a diagonal gradient between two colours
/// the slug chooses, with soft bands, as a photo (JPEG) of 800 x 450.
fn title_card(slug: &str) -> Result<web::Bytes, ApiError> {
    let seed = xxhash_rust::xxh3::xxh3_64(slug.as_bytes());
    let hue = (seed % 360) as f32;
    let (from, to) = (colour(hue, 0.65, 0.55), colour(hue + 50.0, 0.75, 0.30));
    let (width, height) = (800, 450);
    let card = image::RgbImage::from_fn(width, height, |x, y| {
        let along = (x + y) as f32 / (width + height) as f32;
        let band = 0.92 + 0.08 * ((x as f32 * 0.9 - y as f32) / 37.0).sin();
        image::Rgb(std::array::from_fn(|i| ((from[i] * (1.0 - along) + to[i] * along) * band) as u8))
    });
    encode(image::DynamicImage::ImageRgb8(card), image::ImageFormat::Jpeg)
}

/// The demo organization's emblem: a globe of blue rings on nothing (PNG, 256 x 256).
fn emblem() -> Result<web::Bytes, ApiError> {
    let size = 256;
    let centre = size as f32 / 2.0;
    let logo = image::RgbaImage::from_fn(size, size, |x, y| {
        let (dx, dy) = (x as f32 + 0.5 - centre, y as f32 + 0.5 - centre);
        let r = (dx * dx + dy * dy).sqrt() / centre;
        // The disc's edge, smoothed over one pixel; latitudes and a meridian lighter.
        let alpha = ((1.0 - r) * centre).clamp(0.0, 1.0);
        let line = |v: f32| (v.fract() - 0.5).abs() < 0.06;
        let light =
            line(dy / centre * 3.0) || line(dx / (centre * (1.0 - (dy / centre).powi(2)).sqrt().max(0.01)) * 1.5);
        let [red, green, blue] = if light { [120, 170, 235] } else { [16, 62, 140] };
        image::Rgba([red, green, blue, (alpha * 255.0) as u8])
    });
    encode(image::DynamicImage::ImageRgba8(logo), image::ImageFormat::Png)
}

fn encode(image: image::DynamicImage, format: image::ImageFormat) -> Result<web::Bytes, ApiError> {
    let mut bytes = std::io::Cursor::new(Vec::new());
    image.write_to(&mut bytes, format).map_err(ApiError::internal)?;
    Ok(bytes.into_inner().into())
}

/// An RGB colour of `hue` (degrees), saturation and value (0 to 1).
fn colour(hue: f32, saturation: f32, value: f32) -> [f32; 3] {
    let channel = |n: f32| {
        let k = (n + hue.rem_euclid(360.0) / 60.0) % 6.0;
        255.0 * (value - value * saturation * k.min(4.0 - k).clamp(0.0, 1.0))
    };
    [channel(5.0), channel(3.0), channel(1.0)]
}
