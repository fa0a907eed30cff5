//! Prints a video's vPDQ hash in the reference's text format (for experiments and benchmarks).
//!
//! `vpdq_hash VIDEO [SECONDS_PER_HASH] [SIZE]`; with `VPDQ_PRINT_ARGS=1`, prints instead the
//! ffmpeg arguments that decode the video the same way to `/dev/null` (one per line).

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: vpdq_hash VIDEO [SECONDS_PER_HASH] [SIZE]")?;
    let path = std::path::Path::new(&path);
    let seconds_per_hash = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0.0);
    let resize = args.next().map(|s| s.parse::<u32>()).transpose()?.map(|n| (n, n));
    let ffmpeg = vigie_video::Ffmpeg::locate()?;
    let options = vigie_video::HashOptions { seconds_per_hash, resize, ..Default::default() };
    if std::env::var_os("VPDQ_PRINT_ARGS").is_some() {
        let info = vigie_video::probe(path, &ffmpeg, &options.limits)?;
        let plan = vigie_video::FramePlan::new(&info, &options);
        for a in plan.ffmpeg_args(path, "/dev/null", options.limits.max_pixels) {
            println!("{}", a.to_string_lossy());
        }
        return Ok(());
    }
    let video = vigie_video::hash_video(path, &ffmpeg, &options)?;
    print!("{}", vigie_hash::vpdq::format_text(&video.frames));
    Ok(())
}
