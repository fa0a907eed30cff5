# Reported media shown to reviewers: playing a video muted, downloading an original, each
# reviewer's protections (console/media.rs, console/preferences.rs). The case page's own media
# texts are in review.ftl.

media-back-to-case = Back to the case

media-play-title = Play the video, muted
media-play-warning = Reported videos may show extreme violence. This copy was made by Vigie without its sound; it starts only when you press play.
media-play-no-player = Your browser cannot play this video.
media-play-pending = The muted copy is being made. This page reloads by itself in a few seconds.
media-play-not-video = This media is not a video.
media-play-no-ffmpeg = Videos cannot be played on this server: ffmpeg is not installed. Its frames and the original file remain available.
media-play-not-playable = This video cannot be played: { $reason }

media-download-title = Download the original file?
media-download-detail = This is the file exactly as it was received: reported content, unprotected, which your browser will save to your computer. Your download is recorded in the audit trail. Prefer the pictures and the muted player when they are enough.
media-download-file = File: { $type }, { $bytes } bytes.
media-download-button = Download the original

media-preferences-link = How media are shown to me
media-preferences-title = How reported media are shown to me
media-preferences-intro = Until you reveal them, one at a time, reported images and video frames are shown protected. Choose the protections you want; they apply to you only.
media-preferences-blur = Blur them beyond recognition
media-preferences-greyscale = Show them in greyscale
media-preferences-reveal = Revealing a picture shows it in colour and sharp, scaled down by Vigie; the original file is only ever downloaded, on purpose.
media-preferences-button = Save
media-preferences-saved = Saved.

media-error-unavailable-title = Not ready
media-error-not-viewable-title = Cannot be shown this way

audit-action-media-download = Original media file downloaded
audit-action-user-set-media-preferences = Media protections chosen
audit-action-token-set-media-preferences = Media protections chosen
audit-detail-blur = Blurred
audit-detail-greyscale = In greyscale
