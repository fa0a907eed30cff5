//! Times the hashing of decoded frames alone (no ffmpeg while timing), on one thread: for
//! profiling (`valgrind --tool=callgrind --toggle-collect=frame_bench::hash_all`) and
//! per-frame costs.
//!
//! `frame_bench VIDEO [FRAMES] [ROUNDS]`: reads up to FRAMES frames (default 50) of the video
//! from ffmpeg's pipe into memory, then hashes them ROUNDS times (default 5) with
//! `FrameHasher` (or, with `FRAME_BENCH_RGB=1`, through packed RGB frames), prints
//! milliseconds per frame (wall, and on CPU) on stderr and the frames' hashes on stdout.

use std::time::Instant;

use vigie_video::{FrameConverter, FrameHasher, FramePlan, FrameStream, HashOptions};

#[inline(never)]
fn hash_all(plan: &FramePlan, frames: &[(u64, Vec<u8>)], out: &mut Vec<String>) {
    let mut hasher = FrameHasher::new(plan, 30.0);
    for (n, buf) in frames {
        out.push(hasher.hash(*n, buf).expect("hash").to_line());
    }
}

/// The path through packed RGB (`FrameConverter::to_rgb`, then `hash_frame_rgb`).
#[inline(never)]
fn hash_all_rgb(plan: &FramePlan, frames: &[(u64, Vec<u8>)], out: &mut Vec<String>) {
    let converter = FrameConverter::new(plan);
    let mut scratch = Vec::new();
    for (n, buf) in frames {
        let ts = vigie_hash::vpdq::frame_timestamp(*n, 30.0);
        let rgb = converter.to_rgb(buf, &mut scratch);
        let f = vigie_hash::vpdq::hash_frame_rgb(*n, ts, plan.width, plan.height, rgb).expect("hash");
        out.push(f.to_line());
    }
}

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let mut args = std::env::args().skip(1);
    let path = args.next().ok_or("usage: frame_bench VIDEO [FRAMES] [ROUNDS]")?;
    let max: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(50);
    let rounds: usize = args.next().map(|s| s.parse()).transpose()?.unwrap_or(5);
    let ffmpeg = vigie_video::Ffmpeg::locate()?;
    let options = HashOptions { seconds_per_hash: 0.0, ..HashOptions::default() };
    let mut stream = FrameStream::open(path.as_ref(), &ffmpeg, &options)?;
    let mut frames = Vec::new();
    while frames.len() < max {
        let mut buf = Vec::new();
        match stream.next_frame(&mut buf)? {
            Some(n) => frames.push((n, buf)),
            None => break,
        }
    }
    let plan = *stream.plan();
    drop(stream);
    let mut lines = Vec::new();
    let rgb_path = std::env::var_os("FRAME_BENCH_RGB").is_some();
    let (start, cpu_start) = (Instant::now(), thread_cpu_ns());
    for _ in 0..rounds {
        lines.clear();
        if rgb_path {
            hash_all_rgb(&plan, &frames, &mut lines);
        } else {
            hash_all(&plan, &frames, &mut lines);
        }
    }
    let n = (rounds * frames.len()).max(1) as f64;
    let per = start.elapsed().as_secs_f64() * 1000.0 / n;
    let cpu = (thread_cpu_ns() - cpu_start) as f64 / 1e6 / n;
    let path_name = if rgb_path { "rgb" } else { "fused" };
    eprintln!(
        "{}x{} {:?} {path_name}: {} frames x {rounds}: {per:.3} ms/frame ({cpu:.3} ms on CPU)",
        plan.width,
        plan.height,
        plan.pipe,
        frames.len()
    );
    for l in &lines {
        println!("{l}");
    }
    Ok(())
}

/// Time this thread has run on a CPU, in nanoseconds (Linux `schedstat`; 0 elsewhere): unlike
/// wall time, it does not grow when other processes take the CPU.
fn thread_cpu_ns() -> u64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse().ok()))
        .unwrap_or(0)
}
