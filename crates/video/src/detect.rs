//! Recognising video files by their first bytes or their name.

use std::path::Path;

/// File name extensions of video files (compared without regard to case).
pub const VIDEO_EXTENSIONS: &[&str] = &[
    "mp4", "m4v", "mov", "qt", "3gp", "3g2", "mkv", "webm", "avi", "wmv", "asf", "flv", "f4v", "mpg", "mpeg", "m2v",
    "ts", "m2ts", "mts", "vob", "ogv", "mxf",
];

/// `ftyp` brands of ISO media files that are still images (HEIF, AVIF), not videos.
const IMAGE_BRANDS: &[&[u8; 4]] =
    &[b"heic", b"heix", b"heim", b"heis", b"hevc", b"hevx", b"mif1", b"msf1", b"avif", b"avis"];

/// The container recognised from a file's first bytes (at least 12 are needed for MP4/MOV,
/// 16 for AVI, 189 for MPEG-TS), or `None`.
///
/// Recognised: MP4/MOV/3GP (`ftyp`, or an old QuickTime `moov`/`mdat`/`wide`/`free` atom),
/// Matroska/WebM, AVI, ASF/WMV, FLV, MPEG program and transport streams, Ogg video.
/// HEIF and AVIF images, which share MP4's `ftyp` box, are not videos.
pub fn detect_video(head: &[u8]) -> Option<&'static str> {
    let at = |i: usize, magic: &[u8]| head.get(i..i + magic.len()) == Some(magic);
    if at(4, b"ftyp") {
        let brand = head.get(8..12)?;
        return (!IMAGE_BRANDS.iter().any(|b| b.as_slice() == brand)).then_some("mp4");
    }
    if at(4, b"moov") || at(4, b"mdat") || at(4, b"wide") || at(4, b"free") {
        return Some("mov");
    }
    if at(0, &[0x1A, 0x45, 0xDF, 0xA3]) {
        return Some("matroska");
    }
    if at(0, b"RIFF") && at(8, b"AVI ") {
        return Some("avi");
    }
    if at(0, &[0x30, 0x26, 0xB2, 0x75, 0x8E, 0x66, 0xCF, 0x11]) {
        return Some("asf");
    }
    if at(0, b"FLV\x01") {
        return Some("flv");
    }
    if at(0, &[0, 0, 1, 0xBA]) || at(0, &[0, 0, 1, 0xB3]) {
        return Some("mpeg");
    }
    if head.first() == Some(&0x47) && head.get(188) == Some(&0x47) {
        return Some("mpegts");
    }
    if at(0, b"OggS") && head.windows(6).any(|w| w == b"theora" || w == b"\x80theo") {
        return Some("ogg");
    }
    None
}

/// Whether the path has one of the [`VIDEO_EXTENSIONS`].
pub fn has_video_extension(path: &Path) -> bool {
    path.extension()
        .and_then(|e| e.to_str())
        .is_some_and(|ext| VIDEO_EXTENSIONS.iter().any(|known| ext.eq_ignore_ascii_case(known)))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn containers() {
        assert_eq!(detect_video(b"\0\0\0\x20ftypisom\0\0\x02\0"), Some("mp4"));
        assert_eq!(detect_video(b"\0\0\0\x20ftypqt  \0\0\x02\0"), Some("mp4"));
        assert_eq!(detect_video(b"\0\0\0\x1cftypheic\0\0\0\0"), None);
        assert_eq!(detect_video(b"\0\0\0\x1cftypavif\0\0\0\0"), None);
        assert_eq!(detect_video(b"\x1a\x45\xdf\xa3\x9f\x42\x86\x81"), Some("matroska"));
        assert_eq!(detect_video(b"RIFF\0\0\0\0AVI LIST"), Some("avi"));
        assert_eq!(detect_video(b"RIFF\0\0\0\0WEBPVP8 "), None);
        assert_eq!(detect_video(b"\x89PNG\r\n\x1a\n"), None);
        assert_eq!(detect_video(b"GIF89a"), None);
        assert_eq!(detect_video(b""), None);
        assert_eq!(detect_video(b"\0\0\0"), None);
        assert!(has_video_extension(Path::new("a/b.MP4")));
        assert!(!has_video_extension(Path::new("a/b.jpg")));
    }
}
