//! Prints a video's vPDQ hash in the reference's text format (for experiments and benchmarks).
//!
//! `vpdq_hash VIDEO [SECONDS_PER_HASH] [SIZE]`; with `VPDQ_PRINT_ARGS=1`, prints instead the
//! ffmpeg arguments that decode the video the same way to `/dev/null` (one per line; ffmpeg
//! reads its filter graph from standard input), and with `VPDQ_PRINT_ARGS=filters` that graph.

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: vpdq_hash VIDEO [SECONDS_PER_HASH] [SIZE]")?;
    let path = std::path::Path::new(&path);
    let seconds_per_hash = args.next().map(|s| s.parse()).transpose()?.unwrap_or(0.0);
    let resize = args.next().map(|s| s.parse::<u32>()).transpose()?.map(|n| (n, n));
    let ffmpeg = vigie_video::Ffmpeg::locate()?;
    let options = vigie_video::HashOptions { seconds_per_hash, resize, ..Default::default() };
    match std::env::var("VPDQ_PRINT_ARGS").as_deref() {
        Ok("filters") => {
            let info = vigie_video::probe(path, &ffmpeg, &options.limits)?;
            print!("{}", vigie_video::FramePlan::new(&info, &options).filters());
            return Ok(());
        }
        Ok(_) => {
            for a in vigie_video::ffmpeg_args_filter_stdin(path, "/dev/null", options.limits.max_pixels) {
                println!("{}", a.to_string_lossy());
            }
            return Ok(());
        }
        Err(_) => {}
    }
    let video = vigie_video::hash_video(path, &ffmpeg, &options)?;
    print!("{}", vigie_hash::vpdq::format_text(&video.frames));
    Ok(())
}
