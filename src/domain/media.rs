//! Uploaded images as clients see them: the image at its own size, its variants and what
//! editors say of it. URLs are built when answering (`media::MediaUrls`).

use std::ops::Deref;
use std::sync::Arc;

use chrono::{DateTime, Utc};
use serde::{Deserialize, Serialize, Serializer};
use serde_json::value::RawValue;
use utoipa::ToSchema;

use super::ids::MediaId;
use super::text::{AltText, Credit, ImageCaption};

/// An uploaded image, with every variant made of it.
#[derive(Debug, Serialize, ToSchema)]
#[schema(example = json!({
    "id": 5, "type": "image/jpeg", "width": 4000, "height": 3000, "bytes": 2345678,
    "url": "https://news.example.org/media/5/3f9a2c0d1e7b4a6f8c5d2e1f0a9b8c7d-4000.jpg",
    "alt": "Officers at the Lyon headquarters", "caption": null, "credit": "Photo: INTERPOL",
    "focal_point": {"x": 0.5, "y": 0.4}, "placeholder": "LEHV6nWB2yk8pyo0adR*.7kCMdnj",
    "variants": [{"width": 320, "height": 240, "type": "image/webp", "bytes": 14321,
        "url": "https://news.example.org/media/5/3f9a2c0d1e7b4a6f8c5d2e1f0a9b8c7d-320.webp"}],
    "created_at": "2026-12-05T10:00:00Z", "updated_at": "2026-12-05T10:00:00Z"
}))]
pub struct Media {
    pub id: MediaId,
    /// The format of the image at its own size: JPEG for photos, PNG for drawings and images
    /// with transparency, whatever the upload was.
    #[serde(rename = "type")]
    #[schema(example = "image/jpeg")]
    pub kind: String,
    pub width: i64,
    pub height: i64,
    /// Size of the file at `url`.
    pub bytes: i64,
    /// The image at its own size, without any metadata; immutable.
    pub url: String,
    #[schema(value_type = AltText)]
    pub alt: String,
    #[schema(value_type = Option<ImageCaption>)]
    pub caption: Option<String>,
    #[schema(value_type = Option<Credit>)]
    pub credit: Option<String>,
    pub focal_point: FocalPoint,
    /// A BlurHash of the image, to show while it loads.
    pub placeholder: String,
    /// Smaller copies, narrowest first, each in WebP and in the format of `type`.
    pub variants: Vec<Variant>,
    pub created_at: DateTime<Utc>,
    pub updated_at: DateTime<Utc>,
}

/// An image as answers embed it, its JSON written once and kept (`media::MediaUrls::shown`):
/// a page of items then copies each image's bytes instead of building and escaping its URLs
/// again for every answer.
#[derive(Debug, Clone)]
pub struct ShownMedia(Arc<Shown>);

#[derive(Debug)]
struct Shown {
    media: Media,
    /// None only if the image could not be written as JSON, which its types rule out; it is
    /// then written field by field each time.
    json: Option<Box<RawValue>>,
}

impl ShownMedia {
    pub fn new(media: Media) -> Self {
        let json = serde_json::value::to_raw_value(&media).ok();
        Self(Arc::new(Shown { media, json }))
    }
}

impl Deref for ShownMedia {
    type Target = Media;

    fn deref(&self) -> &Media {
        &self.0.media
    }
}

impl Serialize for ShownMedia {
    fn serialize<S: Serializer>(&self, serializer: S) -> Result<S::Ok, S::Error> {
        match &self.0.json {
            Some(json) => json.serialize(serializer),
            None => self.0.media.serialize(serializer),
        }
    }
}

/// Where the subject of an image is, as fractions of its width and height from the top left:
/// crops keep it in view.
#[derive(Debug, Clone, Copy, PartialEq, Serialize, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct FocalPoint {
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.5)]
    pub x: f64,
    #[schema(minimum = 0.0, maximum = 1.0, example = 0.4)]
    pub y: f64,
}

impl FocalPoint {
    pub const CENTRE: Self = Self { x: 0.5, y: 0.5 };

    pub fn check(self) -> Result<Self, String> {
        let within = |v: f64| (0.0..=1.0).contains(&v);
        if within(self.x) && within(self.y) { Ok(self) } else { Err("x and y must each be from 0 to 1".into()) }
    }

    /// `x,y` as a query parameter or a form field gives it.
    pub fn parse(text: &str) -> Result<Self, String> {
        let form = || format!("`{text}` is not two numbers from 0 to 1 written x,y (such as 0.5,0.4)");
        let (x, y) = text.split_once(',').ok_or_else(form)?;
        let number = |v: &str| v.trim().parse::<f64>().map_err(|_| form());
        Self { x: number(x)?, y: number(y)? }.check()
    }
}

/// A smaller copy of an image.
#[derive(Debug, Serialize, ToSchema)]
pub struct Variant {
    pub width: i64,
    pub height: i64,
    #[serde(rename = "type")]
    #[schema(example = "image/webp")]
    pub kind: String,
    pub bytes: i64,
    pub url: String,
    /// The shape this variant was cut to around the focal point (`NEWSDESK_MEDIA_CROPS`);
    /// absent for the whole image.
    #[serde(skip_serializing_if = "Option::is_none")]
    #[schema(example = "16:9")]
    pub crop: Option<String>,
}
