//! Benchmark driver for `bench/pdq/run.sh`: hashes files end to end (read + decode + PDQ),
//! on one thread or on all cores, and reports throughput and peak memory.
//!
//! ```text
//! cargo run --release -p vigie-hash --example pdq_bench -- [--threads N] [--out HASHES.tsv] FILE...
//! ```
//! Prints one JSON object on stdout: images, megapixels, seconds, images_per_s, mp_per_s,
//! peak_rss_mib (VmHWM from /proc/self/status). `--out` writes `file<TAB>hash<TAB>quality`.

use std::io::Write;
use std::time::Instant;

use rayon::prelude::*;
use vigie_hash::{Limits, hash_image_bytes};

fn main() {
    let mut threads = 1usize;
    let mut out: Option<String> = None;
    let mut files = Vec::new();
    let mut args = std::env::args().skip(1);
    while let Some(a) = args.next() {
        match a.as_str() {
            "--threads" => threads = args.next().and_then(|v| v.parse().ok()).expect("--threads N"),
            "--out" => out = args.next(),
            _ => files.push(a),
        }
    }
    let pool = rayon::ThreadPoolBuilder::new().num_threads(threads).build().expect("pool");
    let limits = Limits { max_bytes: u64::MAX, max_pixels: u64::MAX, max_memory_bytes: u64::MAX };
    let start = Instant::now();
    let results: Vec<(String, String, u8, u64)> = pool.install(|| {
        files
            .par_iter()
            .map(|f| {
                let bytes = std::fs::read(f).expect("read");
                let h = hash_image_bytes(&bytes, &limits).unwrap_or_else(|e| panic!("{f}: {e}"));
                (f.clone(), h.pdq.to_hex(), h.quality, u64::from(h.width) * u64::from(h.height))
            })
            .collect()
    });
    let secs = start.elapsed().as_secs_f64();
    let pixels: u64 = results.iter().map(|r| r.3).sum();
    if let Some(path) = out {
        let mut f = std::io::BufWriter::new(std::fs::File::create(path).expect("create --out"));
        for (file, hash, q, _) in &results {
            writeln!(f, "{file}\t{hash}\t{q}").expect("write");
        }
    }
    let peak_kib: u64 = std::fs::read_to_string("/proc/self/status")
        .ok()
        .and_then(|s| {
            s.lines().find(|l| l.starts_with("VmHWM:")).and_then(|l| l.split_whitespace().nth(1)?.parse().ok())
        })
        .unwrap_or(0);
    println!(
        "{{\"images\": {}, \"megapixels\": {:.3}, \"seconds\": {:.4}, \"images_per_s\": {:.3}, \"mp_per_s\": {:.3}, \"peak_rss_mib\": {:.1}}}",
        results.len(),
        pixels as f64 / 1e6,
        secs,
        results.len() as f64 / secs,
        pixels as f64 / 1e6 / secs,
        peak_kib as f64 / 1024.0
    );
}
