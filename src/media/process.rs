//! An uploaded image made ready for every screen, before the upload is answered: its real
//! format read from the bytes, its size checked from the header before any pixel is decoded,
//! the EXIF orientation applied, every variant made (Lanczos3), every piece of metadata left
//! behind (each file is encoded anew from pixels), and a BlurHash placeholder.

use std::io::Cursor;

use fast_image_resize::images::{Image, ImageRef};
use fast_image_resize::{FilterType, PixelType, ResizeAlg, ResizeOptions, Resizer};
use image::codecs::jpeg::JpegEncoder;
use image::codecs::png::PngEncoder;
use image::{DynamicImage, ExtendedColorType, ImageDecoder, ImageEncoder, ImageFormat, ImageReader, Limits};

/// How uploads are made ready: `NEWSDESK_MEDIA_MAX_PIXELS`, `NEWSDESK_MEDIA_WIDTHS` and
/// `NEWSDESK_MEDIA_CROPS`.
#[derive(Debug, Clone)]
pub struct Rules {
    pub max_pixels: u64,
    /// Widths of the variants, ascending; those not below an image's own width are skipped.
    pub widths: Vec<u32>,
    /// Shapes the image is also cut to, around its focal point, in each width.
    pub crops: Vec<Ratio>,
}

/// The shape of a crop: `16:9`.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Ratio {
    pub width: u32,
    pub height: u32,
}

impl Ratio {
    /// `W:H`, each from 1 to 100.
    pub fn parse(text: &str) -> Result<Self, String> {
        let side = |v: &str| v.trim().parse::<u32>().ok().filter(|v| (1..=100).contains(v));
        match text.split_once(':').map(|(w, h)| (side(w), side(h))) {
            Some((Some(width), Some(height))) => Ok(Self { width, height }),
            _ => Err(format!("`{text}` is not a shape written W:H (such as 16:9), each side from 1 to 100")),
        }
    }
}

impl std::fmt::Display for Ratio {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{}:{}", self.width, self.height)
    }
}

/// Where a crop was cut from the image at its own size.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Cut {
    pub ratio: Ratio,
    pub left: u32,
    pub top: u32,
}

/// The largest part of a `width` x `height` image of the shape `ratio`, as near centred on
/// the focal point (`x`, `y` from 0 to 1) as the image's edges allow: its left, top, width,
/// height.
pub fn cut_box(width: u32, height: u32, ratio: Ratio, (x, y): (f64, f64)) -> (u32, u32, u32, u32) {
    let (w, h, rw, rh) = (u64::from(width), u64::from(height), u64::from(ratio.width), u64::from(ratio.height));
    let (cut_w, cut_h) = if w * rh > h * rw { ((h * rw / rh).max(1), h) } else { (w, (w * rh / rw).max(1)) };
    let place = |focus: f64, side: u64, cut: u64| {
        let centred = (focus * side as f64 - cut as f64 / 2.0).round().max(0.0) as u64;
        centred.min(side - cut)
    };
    let narrow = |v: u64| u32::try_from(v).unwrap_or(u32::MAX);
    (narrow(place(x, w, cut_w)), narrow(place(y, h, cut_h)), narrow(cut_w), narrow(cut_h))
}

/// Why an upload is refused.
#[derive(Debug, PartialEq, Eq, thiserror::Error)]
pub enum Refusal {
    #[error("the file is not an image in an accepted format (JPEG, PNG, WebP or GIF)")]
    NotAnImage,
    #[error("the image is {width} x {height} pixels, over the limit of {limit} pixels")]
    TooManyPixels { width: u32, height: u32, limit: u64 },
    #[error("the image cannot be decoded: {0}")]
    Undecodable(String),
    #[error("the image cannot be stored at this size: {0}")]
    Unencodable(String),
}

/// The family the stored files of an image keep beside WebP: JPEG for photos, PNG for images
/// drawn losslessly (PNG and GIF uploads) or with transparency.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Family {
    Jpeg,
    Png,
}

/// One stored file of an image.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Kind {
    Jpeg,
    Png,
    WebP,
}

impl Kind {
    pub fn mime(self) -> &'static str {
        match self {
            Self::Jpeg => "image/jpeg",
            Self::Png => "image/png",
            Self::WebP => "image/webp",
        }
    }

    pub fn extension(self) -> &'static str {
        match self {
            Self::Jpeg => "jpg",
            Self::Png => "png",
            Self::WebP => "webp",
        }
    }

    pub fn from_extension(extension: &str) -> Option<Self> {
        [Self::Jpeg, Self::Png, Self::WebP].into_iter().find(|kind| kind.extension() == extension)
    }

    pub fn from_mime(mime: &str) -> Option<Self> {
        [Self::Jpeg, Self::Png, Self::WebP].into_iter().find(|kind| kind.mime() == mime)
    }
}

impl From<Family> for Kind {
    fn from(family: Family) -> Self {
        match family {
            Family::Jpeg => Self::Jpeg,
            Family::Png => Self::Png,
        }
    }
}

/// A file to store.
#[derive(Debug)]
pub struct File {
    pub width: u32,
    pub height: u32,
    pub kind: Kind,
    pub bytes: Vec<u8>,
    /// Where it was cut from, if it is a crop.
    pub cut: Option<Cut>,
}

impl File {
    /// Its name in the store and in its URL, under the image's content hash.
    pub fn name(&self, hash: &str) -> String {
        file_name(hash, self.width, self.height, self.kind, self.cut.map(|cut| (cut.left, cut.top)))
    }
}

/// An upload made ready: the image at its own size, then its variants by width.
#[derive(Debug)]
pub struct Prepared {
    /// Names every file of the image: the content hash of the upload.
    pub hash: String,
    pub original: File,
    pub variants: Vec<File>,
    pub placeholder: String,
}

/// The name of a file of an image in the store and in its URL. A crop's name says where it
/// was cut (`at`: left, top), so that moving the focal point names new files (a name always
/// means the same bytes).
pub fn file_name(hash: &str, width: u32, height: u32, kind: Kind, at: Option<(u32, u32)>) -> String {
    match at {
        None => format!("{hash}-{width}.{}", kind.extension()),
        Some((left, top)) => format!("{hash}-{width}x{height}-{left}-{top}.{}", kind.extension()),
    }
}

/// JPEG quality of the stored files: visually lossless for photos at a fraction of the size.
const JPEG_QUALITY: u8 = 85;
const WEBP_QUALITY: f32 = 80.0;
/// WebP's largest side.
const WEBP_MAX_SIDE: u32 = 16383;
/// The width the placeholder is computed from: enough for its 4 x 3 components.
const PLACEHOLDER_WIDTH: u32 = 32;

/// Pixels of an image: RGB when it is opaque (a quarter less to resize and encode).
struct Pixels {
    width: u32,
    height: u32,
    alpha: bool,
    data: Vec<u8>,
}

impl Pixels {
    fn pixel_type(&self) -> PixelType {
        if self.alpha { PixelType::U8x4 } else { PixelType::U8x3 }
    }

    fn color(&self) -> ExtendedColorType {
        if self.alpha { ExtendedColorType::Rgba8 } else { ExtendedColorType::Rgb8 }
    }

    /// The image at `width`, its height in proportion.
    fn resized(&self, width: u32) -> Result<Pixels, Refusal> {
        if width == self.width {
            return Ok(Pixels { data: self.data.clone(), ..*self });
        }
        let height = scaled_height(self.width, self.height, width);
        let source = ImageRef::new(self.width, self.height, &self.data, self.pixel_type())
            .map_err(|err| Refusal::Undecodable(err.to_string()))?;
        let mut target = Image::new(width, height, self.pixel_type());
        let lanczos = ResizeOptions::new().resize_alg(ResizeAlg::Convolution(FilterType::Lanczos3));
        Resizer::new().resize(&source, &mut target, &lanczos).map_err(|err| Refusal::Undecodable(err.to_string()))?;
        Ok(Pixels { width, height, alpha: self.alpha, data: target.into_vec() })
    }

    fn encode(&self, kind: Kind) -> Result<File, Refusal> {
        let unencodable = |err: &dyn std::fmt::Display| Refusal::Unencodable(format!("{}: {err}", kind.mime()));
        let mut bytes = Vec::new();
        match kind {
            Kind::Jpeg => JpegEncoder::new_with_quality(&mut bytes, JPEG_QUALITY)
                .encode(&self.data, self.width, self.height, self.color())
                .map_err(|err| unencodable(&err))?,
            Kind::Png => PngEncoder::new(&mut bytes)
                .write_image(&self.data, self.width, self.height, self.color())
                .map_err(|err| unencodable(&err))?,
            Kind::WebP => {
                if self.width.max(self.height) > WEBP_MAX_SIDE {
                    return Err(unencodable(&format!("a side is over {WEBP_MAX_SIDE} pixels")));
                }
                let encoder = if self.alpha {
                    webp::Encoder::from_rgba(&self.data, self.width, self.height)
                } else {
                    webp::Encoder::from_rgb(&self.data, self.width, self.height)
                };
                let encoded =
                    encoder.encode_simple(false, WEBP_QUALITY).map_err(|err| unencodable(&format!("{err:?}")))?;
                bytes.extend_from_slice(&encoded);
            }
        }
        Ok(File { width: self.width, height: self.height, kind, bytes, cut: None })
    }

    /// The part `width` x `height` at `left`, `top`.
    fn cut(&self, left: u32, top: u32, width: u32, height: u32) -> Pixels {
        let channels = if self.alpha { 4 } else { 3 };
        let (row, from) = (self.width as usize * channels, left as usize * channels);
        let data = (top..top + height)
            .flat_map(|y| {
                let start = y as usize * row + from;
                &self.data[start..start + width as usize * channels]
            })
            .copied()
            .collect();
        Pixels { width, height, alpha: self.alpha, data }
    }

    fn placeholder(&self) -> Result<String, Refusal> {
        let small = self.resized(PLACEHOLDER_WIDTH.min(self.width))?;
        let rgba: Vec<u8> = if small.alpha {
            small.data
        } else {
            small.data.chunks_exact(3).flat_map(|p| [p[0], p[1], p[2], u8::MAX]).collect()
        };
        blurhash::encode(4, 3, small.width, small.height, &rgba).map_err(|err| Refusal::Undecodable(err.to_string()))
    }
}

/// The height of an image `width` x `height` scaled to `to` pixels wide (at least 1).
fn scaled_height(width: u32, height: u32, to: u32) -> u32 {
    let scaled = (u64::from(height) * u64::from(to) + u64::from(width) / 2) / u64::from(width);
    u32::try_from(scaled).unwrap_or(u32::MAX).max(1)
}

/// The accepted format of `bytes`, read from the bytes alone.
pub fn sniff(bytes: &[u8]) -> Result<ImageFormat, Refusal> {
    match image::guess_format(bytes) {
        Ok(format @ (ImageFormat::Jpeg | ImageFormat::Png | ImageFormat::WebP | ImageFormat::Gif)) => Ok(format),
        _ => Err(Refusal::NotAnImage),
    }
}

/// Makes an upload ready to store: refuses it before decoding if its header claims more
/// pixels than allowed, decodes it under that bound, and encodes every file of it, its crops
/// cut around `focus`.
pub fn prepare(bytes: &[u8], rules: &Rules, focus: (f64, f64)) -> Result<Prepared, Refusal> {
    let format = sniff(bytes)?;
    if format == ImageFormat::Jpeg && !jpeg_has_its_end(bytes) {
        // The decoder fills what is missing with grey rather than fail.
        return Err(Refusal::Undecodable("the JPEG is cut short: its scan has no end-of-image marker".into()));
    }
    let undecodable = |err: image::ImageError| Refusal::Undecodable(err.to_string());
    let reader = || ImageReader::with_format(Cursor::new(bytes), format);
    let (width, height) = reader().into_dimensions().map_err(undecodable)?;
    if width == 0 || height == 0 || u64::from(width) * u64::from(height) > rules.max_pixels {
        return Err(Refusal::TooManyPixels { width, height, limit: rules.max_pixels });
    }
    let mut limits = Limits::default();
    limits.max_image_width = Some(width);
    limits.max_image_height = Some(height);
    // The decoded image (at most 16 bytes a pixel) and the decoder's own buffers.
    limits.max_alloc = Some(u64::from(width) * u64::from(height) * 16 + (64 << 20));
    let mut decoder = reader().into_decoder().map_err(undecodable)?;
    decoder.set_limits(limits).map_err(undecodable)?;
    let orientation = decoder.orientation().unwrap_or(image::metadata::Orientation::NoTransforms);
    let mut image = DynamicImage::from_decoder(decoder).map_err(undecodable)?;
    image.apply_orientation(orientation);
    let pixels = pixels(image);
    let family = match format {
        ImageFormat::Jpeg => Family::Jpeg,
        ImageFormat::WebP if !pixels.alpha => Family::Jpeg,
        _ => Family::Png,
    };
    let hash = crate::domain::hex(&sha2_prefix(bytes));
    let widths: Vec<u32> = rules.widths.iter().copied().filter(|&w| w < pixels.width).collect();
    // The image at its own size on one thread, the variants on another: two cores, about
    // half the time.
    let (original, variants) = std::thread::scope(|scope| {
        let original = scope.spawn(|| pixels.encode(family.into()));
        let variants = variants(&pixels, &widths, family).and_then(|mut all| {
            all.extend(crops(&pixels, rules, family, focus)?);
            Ok(all)
        });
        let placeholder = pixels.placeholder();
        let original = original.join().unwrap_or_else(|_| Err(Refusal::Unencodable("the encoder failed".into())));
        (original, variants.and_then(|v| placeholder.map(|p| (v, p))))
    });
    let (variants, placeholder) = variants?;
    Ok(Prepared { hash, original: original?, variants, placeholder })
}

/// Whether a JPEG's first scan is followed by its end-of-image marker. The segments before
/// the scan are skipped by their lengths (an EXIF thumbnail inside one has its own end), and
/// inside the scan's data a 0xFF byte is only ever followed by 0x00 or a restart marker, so
/// the first 0xFF 0xD9 there is the end.
fn jpeg_has_its_end(bytes: &[u8]) -> bool {
    const START_OF_SCAN: u8 = 0xDA;
    let mut at = 2;
    while let [0xFF, marker, high, low, ..] = bytes[at.min(bytes.len())..] {
        if marker == 0xFF {
            // A fill byte before a marker.
            at += 1;
            continue;
        }
        let length = usize::from(u16::from_be_bytes([high, low]));
        if marker == START_OF_SCAN {
            let scan = bytes.get(at + 2 + length..).unwrap_or_default();
            return scan.windows(2).any(|pair| pair == [0xFF, 0xD9]);
        }
        at += 2 + length;
    }
    false
}

/// The crops of an image stored at its own size as `original` (a file of ours), cut around
/// `focus`: made again when an editor moves the focal point.
pub fn crops_of(original: &[u8], rules: &Rules, focus: (f64, f64)) -> Result<Vec<File>, Refusal> {
    let format = sniff(original)?;
    let image =
        image::load_from_memory_with_format(original, format).map_err(|err| Refusal::Undecodable(err.to_string()))?;
    let family = if format == ImageFormat::Jpeg { Family::Jpeg } else { Family::Png };
    crops(&pixels(image), rules, family, focus)
}

/// Every crop: per shape, the part of that shape around `focus`, in each width below its own
/// (or at its own width when none is), WebP then the family's format.
fn crops(pixels: &Pixels, rules: &Rules, family: Family, focus: (f64, f64)) -> Result<Vec<File>, Refusal> {
    let mut files = Vec::new();
    for &ratio in &rules.crops {
        let (left, top, width, height) = cut_box(pixels.width, pixels.height, ratio, focus);
        let part = pixels.cut(left, top, width, height);
        let mut widths: Vec<u32> = rules.widths.iter().copied().filter(|&w| w < width).collect();
        if widths.is_empty() {
            widths.push(width);
        }
        let cut = Some(Cut { ratio, left, top });
        for file in variants(&part, &widths, family)? {
            files.push(File { cut, ..file });
        }
    }
    Ok(files)
}

/// Every variant: per width, WebP then the family's format.
fn variants(pixels: &Pixels, widths: &[u32], family: Family) -> Result<Vec<File>, Refusal> {
    let mut files = Vec::with_capacity(widths.len() * 2);
    for &width in widths {
        let resized = pixels.resized(width)?;
        files.push(resized.encode(Kind::WebP)?);
        files.push(resized.encode(family.into())?);
    }
    Ok(files)
}

/// The pixels of a decoded image, without an alpha channel when every pixel is opaque.
fn pixels(image: DynamicImage) -> Pixels {
    let (width, height) = (image.width(), image.height());
    if image.color().has_alpha() {
        let rgba = image.into_rgba8();
        if rgba.pixels().any(|p| p.0[3] < u8::MAX) {
            return Pixels { width, height, alpha: true, data: rgba.into_raw() };
        }
        let data = rgba.into_raw().chunks_exact(4).flat_map(|p| [p[0], p[1], p[2]]).collect();
        return Pixels { width, height, alpha: false, data };
    }
    Pixels { width, height, alpha: false, data: image.into_rgb8().into_raw() }
}

/// The first 128 bits of the SHA-256 of `bytes`: names that no upload can collide with.
fn sha2_prefix(bytes: &[u8]) -> [u8; 16] {
    use sha2::Digest;
    let digest = sha2::Sha256::digest(bytes);
    let mut prefix = [0; 16];
    prefix.copy_from_slice(&digest[..16]);
    prefix
}

#[cfg(test)]
mod tests {
    use super::*;

    const CENTRE: (f64, f64) = (0.5, 0.5);

    #[test]
    fn a_crop_is_the_largest_part_of_its_shape_around_the_focal_point_within_the_edges() {
        let wide = Ratio { width: 16, height: 9 };
        let square = Ratio { width: 1, height: 1 };
        assert_eq!(cut_box(400, 300, wide, CENTRE), (0, 38, 400, 225));
        assert_eq!(cut_box(400, 300, square, CENTRE), (50, 0, 300, 300));
        assert_eq!(cut_box(400, 300, square, (0.9, 0.5)), (100, 0, 300, 300), "as far right as the edge allows");
        assert_eq!(cut_box(400, 300, square, (0.3, 0.5)), (0, 0, 300, 300));
        assert_eq!(cut_box(1000, 300, square, (0.7, 0.2)), (550, 0, 300, 300), "centred on x = 700");
        assert_eq!(cut_box(400, 300, wide, (0.5, 1.0)), (0, 75, 400, 225));
        assert_eq!(cut_box(3, 1000, wide, CENTRE), (0, 500, 3, 1), "never empty");
    }

    fn rules() -> Rules {
        Rules { max_pixels: 50_000_000, widths: vec![320, 640], crops: vec![] }
    }

    fn png(width: u32, height: u32, alpha: u8) -> Vec<u8> {
        let image =
            image::RgbaImage::from_fn(width, height, |x, y| image::Rgba([(x % 256) as u8, (y % 256) as u8, 90, alpha]));
        let mut bytes = Vec::new();
        PngEncoder::new(&mut bytes).write_image(&image, width, height, ExtendedColorType::Rgba8).unwrap();
        bytes
    }

    #[test]
    fn variants_are_never_wider_than_the_image() {
        let prepared = prepare(&png(500, 250, 255), &rules(), CENTRE).unwrap();
        assert_eq!((prepared.original.width, prepared.original.height, prepared.original.kind), (500, 250, Kind::Png));
        let made: Vec<_> = prepared.variants.iter().map(|f| (f.width, f.height, f.kind)).collect();
        assert_eq!(made, [(320, 160, Kind::WebP), (320, 160, Kind::Png)]);
        assert_eq!(prepared.hash.len(), 32);
        assert!(!prepared.placeholder.is_empty());
    }

    #[test]
    fn a_header_claiming_too_many_pixels_is_refused_before_decoding() {
        let refused = prepare(&png(100, 100, 255), &Rules { max_pixels: 9_999, widths: vec![], crops: vec![] }, CENTRE)
            .unwrap_err();
        assert_eq!(refused, Refusal::TooManyPixels { width: 100, height: 100, limit: 9_999 });
    }

    #[test]
    fn transparency_is_kept() {
        let prepared = prepare(&png(40, 40, 10), &rules(), CENTRE).unwrap();
        let decoded = image::load_from_memory(&prepared.original.bytes).unwrap();
        assert!(decoded.color().has_alpha());
    }

    #[test]
    fn a_jpeg_cut_short_is_refused_and_one_with_fill_bytes_is_not() {
        let image = image::RgbImage::from_fn(64, 48, |x, y| image::Rgb([x as u8, y as u8, 7]));
        let mut jpeg = Vec::new();
        JpegEncoder::new(&mut jpeg).encode_image(&image).unwrap();
        assert!(prepare(&jpeg, &rules(), CENTRE).is_ok());
        let filled = [&jpeg[..2], &[0xFF, 0xFF], &jpeg[2..]].concat();
        assert!(prepare(&filled, &rules(), CENTRE).is_ok());
        for cut in [jpeg.len() - 2, jpeg.len() / 2, 40, 3] {
            assert!(matches!(prepare(&jpeg[..cut], &rules(), CENTRE), Err(Refusal::Undecodable(_))), "cut at {cut}");
        }
    }

    /// One small image in each accepted format.
    fn samples() -> Vec<Vec<u8>> {
        let image = image::RgbaImage::from_fn(24, 16, |x, y| image::Rgba([(x * 9) as u8, (y * 13) as u8, 60, 200]));
        let formats = [ImageFormat::Png, ImageFormat::Jpeg, ImageFormat::Gif, ImageFormat::WebP];
        formats
            .into_iter()
            .map(|format| {
                let mut bytes = Cursor::new(Vec::new());
                let pixels = if format == ImageFormat::Jpeg {
                    DynamicImage::ImageRgba8(image.clone()).to_rgb8().into()
                } else {
                    DynamicImage::ImageRgba8(image.clone())
                };
                pixels.write_to(&mut bytes, format).unwrap();
                bytes.into_inner()
            })
            .collect()
    }

    proptest::proptest! {
        #![proptest_config(proptest::prelude::ProptestConfig { cases: 300, ..Default::default() })]

        /// Random and mutated files are made ready or refused: never a panic, never a hang.
        #[test]
        fn mutated_images_are_made_or_refused(
            sample in 0..4usize,
            flips in proptest::collection::vec((proptest::prelude::any::<proptest::sample::Index>(), proptest::prelude::any::<u8>()), 0..12),
            keep in proptest::prelude::any::<proptest::sample::Index>(),
            cut in proptest::prelude::any::<bool>(),
        ) {
            let mut bytes = samples().swap_remove(sample);
            for (at, value) in flips {
                let at = at.index(bytes.len());
                bytes[at] = value;
            }
            if cut {
                bytes.truncate(keep.index(bytes.len()));
            }
            let rules = Rules { max_pixels: 1_000_000, widths: vec![8, 16], crops: vec![Ratio { width: 1, height: 1 }] };
            if let Ok(prepared) = prepare(&bytes, &rules, CENTRE) {
                proptest::prop_assert!(u64::from(prepared.original.width) * u64::from(prepared.original.height) <= 1_000_000);
            }
        }
    }

    #[test]
    fn heights_scale_in_proportion() {
        assert_eq!(scaled_height(4000, 3000, 320), 240);
        assert_eq!(scaled_height(1000, 1, 320), 1);
        assert_eq!(scaled_height(3, 1000, 1), 333);
    }
}
