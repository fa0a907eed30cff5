//! What reviewers are shown of reported media: pictures made by Vigie from decoded pixels,
//! never the bytes that were uploaded.
//!
//! - An image is shown as a preview: decoded by `vigie-hash` under the image limits (the same
//!   decoders and memory budget as hashing), scaled down to [`PREVIEW_MAX_SIDE`] pixels, and
//!   re-encoded as PNG.
//! - A video is shown as a strip of [`FRAMES_PER_VIDEO`] frames kept while it was hashed
//!   (`media/frames/<sha256>/<n>.png`, written by the media worker), and, on request, played
//!   as a muted copy re-encoded by ffmpeg ([`playback`]).
//! - Until revealed, previews and frames are protected ([`Protection`]): in greyscale, and
//!   blurred so strongly that faces and text cannot be made out. Each reviewer may turn either
//!   protection off for themselves (`MediaPreferences`).
//!
//! Renditions are cached beside the media (`media/renditions/<sha256>/`), written whole under a
//! temporary name then renamed, so a crash leaves no torn file; the media collector removes
//! them with the media (see [`crate::intake::media`]). Rendering is worth caching: for the
//! 1600x1004 reference JPEG, a release build took 45-90 ms to decode and scale it and 15-35 ms
//! more to protect and encode it, on 2 cores shared with two compilers (an idle machine does
//! better); a cached rendition is read back in a tenth of a millisecond.

pub mod http;
pub mod playback;

use std::io::Write as _;
use std::path::{Path, PathBuf};

use image::RgbImage;
use vigie_domain::media_view::MediaPreferences;
use vigie_hash::{Downscaler, Thumbnail};
use vigie_video::FrameSample;

use crate::intake::media::MediaStore;

/// The longer side of previews and video frames, in pixels.
pub const PREVIEW_MAX_SIDE: u32 = 480;

/// Frames kept from each video while it is hashed.
pub const FRAMES_PER_VIDEO: usize = 6;

/// Cells on the longer side of a blurred picture: all the detail it keeps. At 8, a face
/// filling the picture is a few cells wide and a line of text is less than one.
const BLUR_CELLS: u32 = 8;

/// Protections applied to a picture not yet revealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash)]
pub struct Protection {
    /// Blurred beyond recognition.
    pub blur: bool,
    /// In shades of grey.
    pub greyscale: bool,
}

impl Protection {
    /// No protection: the picture as decoded (still scaled down and re-encoded by Vigie).
    pub const CLEAR: Protection = Protection { blur: false, greyscale: false };

    /// The name of the cached rendition with these protections.
    fn variant(self) -> &'static str {
        match (self.blur, self.greyscale) {
            (false, false) => "clear",
            (true, false) => "blur",
            (false, true) => "grey",
            (true, true) => "blur-grey",
        }
    }
}

impl From<MediaPreferences> for Protection {
    fn from(preferences: MediaPreferences) -> Self {
        Protection { blur: preferences.blur, greyscale: preferences.greyscale }
    }
}

/// Which picture a request asks for: protected as the reviewer chose, or revealed.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum View {
    /// With the reviewer's protections.
    Protected,
    /// Revealed: no protection.
    Clear,
}

impl View {
    /// The path segment: `protected` or `clear`.
    pub fn parse(text: &str) -> Option<View> {
        match text {
            "protected" => Some(View::Protected),
            "clear" => Some(View::Clear),
            _ => None,
        }
    }

    /// The protections this view applies for a reviewer with `preferences`.
    pub fn protection(self, preferences: MediaPreferences) -> Protection {
        match self {
            View::Protected => preferences.into(),
            View::Clear => Protection::CLEAR,
        }
    }
}

/// Why a rendition could not be made.
#[derive(Debug, thiserror::Error)]
pub enum RenditionError {
    /// The stored file cannot be shown this way (undecodable, over the limits): a fact about
    /// the file, the same at every attempt.
    #[error("{0}")]
    NotViewable(String),
    /// The disk failed.
    #[error(transparent)]
    Io(#[from] std::io::Error),
}

/// Applies `protection` to a picture.
pub fn protect(thumbnail: &Thumbnail, protection: Protection) -> RgbImage {
    let (width, height) = (thumbnail.width, thumbnail.height);
    let mut rgb = thumbnail.rgb.clone();
    if protection.greyscale {
        for pixel in rgb.chunks_exact_mut(3) {
            let grey = luma(pixel[0], pixel[1], pixel[2]);
            pixel.fill(grey);
        }
    }
    let mut image = RgbImage::from_raw(width, height, rgb).unwrap_or_else(|| RgbImage::new(width, height));
    if protection.blur {
        image = obscure(&image);
    }
    image
}

/// BT.601 luma, rounded.
fn luma(r: u8, g: u8, b: u8) -> u8 {
    let weighted = 299 * u32::from(r) + 587 * u32::from(g) + 114 * u32::from(b);
    u8::try_from((weighted + 500) / 1000).unwrap_or(u8::MAX)
}

/// Blurs a picture beyond recognition: it is first reduced to [`BLUR_CELLS`] cells on its
/// longer side (the mean colour of each), which bounds what survives whatever the picture, then
/// enlarged back smoothly and softened so no cell edge draws a shape.
fn obscure(image: &RgbImage) -> RgbImage {
    let (width, height) = image.dimensions();
    if width == 0 || height == 0 {
        return image.clone();
    }
    let Ok(mut scaler) = Downscaler::new(width, height, BLUR_CELLS) else { return image.clone() };
    for row in image.as_raw().chunks_exact(width as usize * 3) {
        scaler.push_rgb_row(row);
    }
    let cells = scaler.finish();
    let Some(cells) = RgbImage::from_raw(cells.width, cells.height, cells.rgb) else { return image.clone() };
    // Softened at an eighth of the size (the same look, a sixty-fourth of the work), then
    // enlarged: no cell edge is left to draw a shape.
    let (small_width, small_height) = ((width / 8).max(1), (height / 8).max(1));
    let small = image::imageops::resize(&cells, small_width, small_height, image::imageops::FilterType::Triangle);
    let cell_size = small_width.max(small_height) as f32 / BLUR_CELLS as f32;
    let soft = image::imageops::fast_blur(&small, cell_size / 2.0);
    image::imageops::resize(&soft, width, height, image::imageops::FilterType::Triangle)
}

/// Encodes pixels as PNG.
pub fn encode_png(image: &RgbImage) -> Result<Vec<u8>, RenditionError> {
    let mut out = Vec::new();
    let encoder = image::codecs::png::PngEncoder::new_with_quality(
        &mut out,
        image::codecs::png::CompressionType::Fast,
        image::codecs::png::FilterType::Adaptive,
    );
    image::ImageEncoder::write_image(
        encoder,
        image.as_raw(),
        image.width(),
        image.height(),
        image::ExtendedColorType::Rgb8,
    )
    .map_err(|error| RenditionError::Io(std::io::Error::other(format!("encoding a PNG rendition: {error}"))))?;
    Ok(out)
}

/// Reads back a PNG this module wrote (small, trusted, still decoded under the limits).
fn decode_own_png(bytes: &[u8], limits: &vigie_hash::Limits) -> Option<Thumbnail> {
    vigie_hash::thumbnail_bytes(bytes, PREVIEW_MAX_SIDE, limits).ok().map(|(_, thumbnail)| thumbnail)
}

/// A frame of a video's strip.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct StripFrame {
    /// Its place in the strip, from 0.
    pub index: usize,
    /// Its time from the start of the video, in seconds.
    pub seconds: f64,
}

/// The list of a strip's frames, beside them.
const STRIP_INDEX: &str = "strip.txt";

impl MediaStore {
    /// The folder of a video's frames: `frames/<sha256>/`.
    pub fn frames_dir(&self, sha256: &str) -> PathBuf {
        self.root().join("frames").join(sha256)
    }

    /// The folder of a media's cached renditions: `renditions/<sha256>/`.
    pub fn renditions_dir(&self, sha256: &str) -> PathBuf {
        self.root().join("renditions").join(sha256)
    }

    /// Writes a video's strip durably (each frame as PNG, then the list naming them, each
    /// file whole under a temporary name, synced, then renamed, and the folder synced): the
    /// strip exists once the list does. Returns how many frames it holds.
    pub fn write_frames(&self, sha256: &str, samples: &[FrameSample]) -> Result<usize, RenditionError> {
        let dir = self.frames_dir(sha256);
        std::fs::create_dir_all(&dir)?;
        let mut list = String::new();
        for (index, sample) in samples.iter().enumerate() {
            let thumbnail = &sample.thumbnail;
            let Some(image) = RgbImage::from_raw(thumbnail.width, thumbnail.height, thumbnail.rgb.clone()) else {
                continue;
            };
            write_whole(&dir.join(format!("{index}.png")), &encode_png(&image)?, true)?;
            list.push_str(&format!("{index} {:.3}\n", sample.timestamp_seconds));
        }
        write_whole(&dir.join(STRIP_INDEX), list.as_bytes(), true)?;
        std::fs::File::open(&dir)?.sync_all()?;
        Ok(samples.len())
    }

    /// A video's strip: its frames with their times, none when no strip was written (a video
    /// hashed before strips were kept, or whose strip could not be written).
    pub fn strip(&self, sha256: &str) -> Vec<StripFrame> {
        let Ok(list) = std::fs::read_to_string(self.frames_dir(sha256).join(STRIP_INDEX)) else { return Vec::new() };
        list.lines()
            .filter_map(|line| {
                let (index, seconds) = line.split_once(' ')?;
                Some(StripFrame { index: index.parse().ok()?, seconds: seconds.parse().ok()? })
            })
            .collect()
    }

    /// An image's preview with `protection`, as PNG: from the cache, else decoded from the
    /// stored file under `limits`, scaled down, protected, encoded and cached. Blocking.
    pub fn image_preview(
        &self,
        sha256: &str,
        protection: Protection,
        limits: &vigie_hash::Limits,
    ) -> Result<Vec<u8>, RenditionError> {
        let dir = self.renditions_dir(sha256);
        let cached = dir.join(format!("preview-{}.png", protection.variant()));
        if let Ok(bytes) = std::fs::read(&cached) {
            return Ok(bytes);
        }
        let clear_path = dir.join(format!("preview-{}.png", Protection::CLEAR.variant()));
        let clear = match std::fs::read(&clear_path).ok().and_then(|bytes| decode_own_png(&bytes, limits)) {
            Some(clear) => clear,
            None => {
                let file = std::fs::File::open(self.path_of(sha256))?;
                // Streamed from the file; its size is not held against the limit (media may
                // exceed it and still decode within the memory budget).
                let limits = vigie_hash::Limits { max_bytes: u64::MAX, ..*limits };
                let (_, clear) = vigie_hash::thumbnail_reader(std::io::BufReader::new(file), PREVIEW_MAX_SIDE, &limits)
                    .map_err(|error| match error.kind() {
                        vigie_hash::ErrorKind::Read { message } => {
                            RenditionError::Io(std::io::Error::other(message.clone()))
                        }
                        _ => RenditionError::NotViewable(format!("this image cannot be shown: {error}")),
                    })?;
                std::fs::create_dir_all(&dir)?;
                write_whole(&clear_path, &encode_png(&protect(&clear, Protection::CLEAR))?, false)?;
                clear
            }
        };
        let bytes = encode_png(&protect(&clear, protection))?;
        std::fs::create_dir_all(&dir)?;
        write_whole(&cached, &bytes, false)?;
        Ok(bytes)
    }

    /// Frame `index` of a video's strip with `protection`, as PNG; `None` when the strip has no
    /// such frame. Blocking.
    pub fn video_frame(
        &self,
        sha256: &str,
        index: usize,
        protection: Protection,
        limits: &vigie_hash::Limits,
    ) -> Result<Option<Vec<u8>>, RenditionError> {
        let frame_path = self.frames_dir(sha256).join(format!("{index}.png"));
        let Ok(frame) = std::fs::read(&frame_path) else { return Ok(None) };
        if protection == Protection::CLEAR {
            return Ok(Some(frame));
        }
        let dir = self.renditions_dir(sha256);
        let cached = dir.join(format!("frame-{index}-{}.png", protection.variant()));
        if let Ok(bytes) = std::fs::read(&cached) {
            return Ok(Some(bytes));
        }
        let Some(clear) = decode_own_png(&frame, limits) else {
            return Err(RenditionError::NotViewable("this frame cannot be read back".into()));
        };
        let bytes = encode_png(&protect(&clear, protection))?;
        std::fs::create_dir_all(&dir)?;
        write_whole(&cached, &bytes, false)?;
        Ok(Some(bytes))
    }
}

/// Writes `bytes` to `path` whole: a temporary file beside it, synced, renamed over it. A
/// `durable` write also syncs the folder, so the new name survives a crash; a cache need not.
pub(crate) fn write_whole(path: &Path, bytes: &[u8], durable: bool) -> std::io::Result<()> {
    let dir = path.parent().unwrap_or(Path::new("."));
    let mut file = tempfile::NamedTempFile::new_in(dir)?;
    file.write_all(bytes)?;
    file.as_file().sync_all()?;
    file.persist(path).map_err(|error| error.error)?;
    if durable {
        std::fs::File::open(dir)?.sync_all()?;
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    fn thumbnail(width: u32, height: u32, rgb: Vec<u8>) -> Thumbnail {
        let mut scaler = Downscaler::new(width, height, width.max(height)).unwrap();
        for row in rgb.chunks_exact(width as usize * 3) {
            scaler.push_rgb_row(row);
        }
        scaler.finish()
    }

    /// A black and white pattern of fine detail: vertical stripes two pixels wide.
    fn stripes(width: u32, height: u32) -> Thumbnail {
        let rgb = (0..height)
            .flat_map(|_| (0..width).flat_map(|x| if (x / 2) % 2 == 0 { [255, 255, 255] } else { [0, 0, 0] }))
            .collect();
        thumbnail(width, height, rgb)
    }

    #[test]
    fn greyscale_leaves_no_colour() {
        let red = thumbnail(4, 4, [200, 30, 10].repeat(16));
        let grey = protect(&red, Protection { blur: false, greyscale: true });
        assert!(grey.pixels().all(|p| p[0] == p[1] && p[1] == p[2]));
        assert_eq!(grey.get_pixel(0, 0)[0], luma(200, 30, 10));
    }

    #[test]
    fn the_blur_erases_fine_detail() {
        let sharp = stripes(480, 300);
        let blurred = protect(&sharp, Protection { blur: true, greyscale: false });
        assert_eq!(blurred.dimensions(), (480, 300));
        // The stripes alternate 0 and 255; blurred, every pixel is close to their mean.
        let (low, high) = blurred.pixels().fold((255u8, 0u8), |(low, high), p| (low.min(p[0]), high.max(p[0])));
        assert!(low >= 100 && high <= 155, "contrast left: {low}..{high}");
        assert_eq!(protect(&sharp, Protection::CLEAR).as_raw(), &sharp.rgb);
    }

    #[test]
    fn views_follow_the_reviewers_choice() {
        let chosen = MediaPreferences { blur: true, greyscale: false };
        assert_eq!(View::Protected.protection(chosen), Protection { blur: true, greyscale: false });
        assert_eq!(View::Clear.protection(chosen), Protection::CLEAR);
        assert_eq!(View::parse("protected"), Some(View::Protected));
        assert_eq!(View::parse("raw"), None);
    }
}
