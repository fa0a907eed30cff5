//! Hashes packed RGB frames read from standard input (e.g. from `ffmpeg ... -pix_fmt rgb24 -f
//! rawvideo pipe:1`) and prints them in the vPDQ text format; for experiments and benchmarks.
//!
//! `ffmpeg ... | raw_hash WIDTH HEIGHT FRAME_RATE`

use std::io::Read;

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let args: Vec<String> = std::env::args().skip(1).collect();
    let [w, h, rate] = args.as_slice() else { return Err("usage: raw_hash WIDTH HEIGHT FRAME_RATE".into()) };
    let (w, h, rate): (u32, u32, f64) = (w.parse()?, h.parse()?, rate.parse()?);
    let mut buf = vec![0u8; w as usize * h as usize * 3];
    let mut input = std::io::stdin().lock();
    let mut n = 0u64;
    while input.read_exact(&mut buf).is_ok() {
        let ts = vigie_hash::vpdq::frame_timestamp(n, rate);
        println!("{}", vigie_hash::vpdq::hash_frame_rgb(n, ts, w, h, &buf)?);
        n += 1;
    }
    Ok(())
}
