//! Benchmark driver for `vigie-match`, run by `bench/match/run.sh`.
//!
//! - `match_bench gen --kind uniform|clustered --n N --queries Q --seed S --testdata DIR --out PREFIX`
//!   writes `PREFIX.data` (N hashes, 32 raw bytes each) and `PREFIX.queries` (Q hashes: the first half
//!   near-duplicates of indexed entries, 0..=30 bits flipped, the second half uniform random, interleaved).
//! - `match_bench run --data FILE --queries FILE --threshold T --results FILE --passes P`
//!   builds a `PdqIndex` from the data (ids = positions), times single-threaded searches over every query
//!   (best of P passes), writes each query's sorted ids to `--results` (u32 count, then u64 ids, little-endian)
//!   and prints one JSON object.
//!
//! Deterministic: the same arguments give the same files.

use std::io::Write;
use std::process::ExitCode;
use std::time::Instant;

use vigie_match::PdqIndex;

struct Rng(u64);

impl Rng {
    fn next(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    fn below(&mut self, n: u64) -> u64 {
        self.next() % n.max(1)
    }

    fn unit(&mut self) -> f64 {
        (self.next() >> 11) as f64 / (1u64 << 53) as f64
    }

    fn hash(&mut self) -> [u8; 32] {
        let mut hash = [0u8; 32];
        for chunk in hash.chunks_exact_mut(8) {
            chunk.copy_from_slice(&self.next().to_le_bytes());
        }
        hash
    }

    /// `hash` with exactly `count` distinct bits flipped.
    fn flip(&mut self, hash: &[u8; 32], count: u32) -> [u8; 32] {
        let mut out = *hash;
        let mut flipped = [false; 256];
        let mut done = 0;
        while done < count.min(256) {
            let bit = self.below(256) as usize;
            if !flipped[bit] {
                flipped[bit] = true;
                out[bit / 8] ^= 1 << (bit % 8);
                done += 1;
            }
        }
        out
    }
}

fn arg(args: &[String], name: &str) -> Option<String> {
    args.iter().position(|a| a == name).and_then(|i| args.get(i + 1)).cloned()
}

fn num(args: &[String], name: &str, default: u64) -> Result<u64, String> {
    match arg(args, name) {
        None => Ok(default),
        Some(v) => v.replace('_', "").parse().map_err(|e| format!("{name} {v}: {e}")),
    }
}

/// CPU time this thread has run, in seconds (from the scheduler's accounting, nanosecond resolution), so that
/// rates can be given per CPU-second on a machine shared with other work.
fn thread_cpu_seconds() -> f64 {
    std::fs::read_to_string("/proc/thread-self/schedstat")
        .ok()
        .and_then(|s| s.split_whitespace().next().and_then(|v| v.parse::<u64>().ok()))
        .map_or(0.0, |ns| ns as f64 / 1e9)
}

fn rss_bytes() -> usize {
    let status = std::fs::read_to_string("/proc/self/status").unwrap_or_default();
    status
        .lines()
        .find_map(|l| l.strip_prefix("VmRSS:"))
        .and_then(|v| v.trim().trim_end_matches("kB").trim().parse::<usize>().ok())
        .map_or(0, |kb| kb * 1024)
}

/// Seeds of real-world-like PDQ hashes: every 64-hex-digit line of the reference `*.txt` / `*.dat` files.
fn testdata_seeds(dir: &str) -> Result<Vec<[u8; 32]>, String> {
    let mut seeds = Vec::new();
    let mut names: Vec<_> = std::fs::read_dir(dir)
        .map_err(|e| format!("{dir}: {e}"))?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "txt" || x == "dat"))
        .collect();
    names.sort();
    for path in names {
        let text = std::fs::read_to_string(&path).map_err(|e| format!("{}: {e}", path.display()))?;
        seeds.extend(text.split_whitespace().filter_map(vigie_match::parse_pdq_hex));
    }
    seeds.sort();
    seeds.dedup();
    Ok(seeds)
}

fn generate(args: &[String]) -> Result<(), String> {
    let kind = arg(args, "--kind").ok_or("--kind")?;
    let n = num(args, "--n", 1_000_000)? as usize;
    let queries = num(args, "--queries", 20_000)? as usize;
    let mut rng = Rng(num(args, "--seed", 1)?);
    let out = arg(args, "--out").ok_or("--out")?;
    let mut data: Vec<[u8; 32]> = Vec::with_capacity(n);
    let mut families = 0usize;
    let mut largest = 0usize;
    match kind.as_str() {
        "uniform" => data.extend((0..n).map(|_| rng.hash())),
        "clustered" => {
            // Families of near-duplicates (members within 0..=30 bits of the seed), sizes heavy-tailed
            // (Pareto, alpha 1.1, capped at 5,000; mean about 9): seeded first by the reference hashes, then by
            // random seeds. Each family starts with its seed.
            let dir = arg(args, "--testdata").ok_or("--testdata")?;
            let mut seeds = testdata_seeds(&dir)?.into_iter();
            while data.len() < n {
                let seed = seeds.next().unwrap_or_else(|| rng.hash());
                let size = ((1.0 / (1.0 - rng.unit()).powf(1.0 / 1.1)).floor() as usize).clamp(1, 5_000);
                let size = size.min(n - data.len());
                data.push(seed);
                for _ in 1..size {
                    let flips = rng.below(31) as u32;
                    data.push(rng.flip(&seed, flips));
                }
                families += 1;
                largest = largest.max(size);
            }
            // Shuffle so ids carry no family order.
            for i in (1..data.len()).rev() {
                let j = rng.below(i as u64 + 1) as usize;
                data.swap(i, j);
            }
        }
        other => return Err(format!("unknown --kind {other}")),
    }
    let mut query_hashes = Vec::with_capacity(queries);
    for i in 0..queries {
        if i % 2 == 0 && !data.is_empty() {
            let entry = data[rng.below(data.len() as u64) as usize];
            let flips = rng.below(31) as u32;
            query_hashes.push(rng.flip(&entry, flips));
        } else {
            query_hashes.push(rng.hash());
        }
    }
    write_hashes(&format!("{out}.data"), &data)?;
    write_hashes(&format!("{out}.queries"), &query_hashes)?;
    println!(
        "{{\"kind\":\"{kind}\",\"n\":{},\"queries\":{queries},\"families\":{families},\"largest_family\":{largest}}}",
        data.len()
    );
    Ok(())
}

fn write_hashes(path: &str, hashes: &[[u8; 32]]) -> Result<(), String> {
    let file = std::fs::File::create(path).map_err(|e| format!("{path}: {e}"))?;
    let mut writer = std::io::BufWriter::with_capacity(1 << 20, file);
    for hash in hashes {
        writer.write_all(hash).map_err(|e| format!("{path}: {e}"))?;
    }
    writer.flush().map_err(|e| format!("{path}: {e}"))
}

fn read_hashes(path: &str) -> Result<Vec<[u8; 32]>, String> {
    let bytes = std::fs::read(path).map_err(|e| format!("{path}: {e}"))?;
    Ok(bytes
        .chunks_exact(32)
        .map(|c| {
            let mut h = [0u8; 32];
            h.copy_from_slice(c);
            h
        })
        .collect())
}

fn run(args: &[String]) -> Result<(), String> {
    let data_path = arg(args, "--data").ok_or("--data")?;
    let queries = read_hashes(&arg(args, "--queries").ok_or("--queries")?)?;
    let threshold = num(args, "--threshold", 31)? as u32;
    let passes = num(args, "--passes", 3)?.max(1);
    let rss_before = rss_bytes();
    let entries: Vec<(u64, [u8; 32])> = {
        let data = read_hashes(&data_path)?;
        data.into_iter().enumerate().map(|(i, h)| (i as u64, h)).collect()
    };
    let n = entries.len();
    let start = Instant::now();
    let index = PdqIndex::from_entries(entries);
    let build_seconds = start.elapsed().as_secs_f64();
    let rss_after = rss_bytes();
    let memory = index.memory_bytes();

    let mut results: Vec<Vec<u64>> = Vec::with_capacity(queries.len());
    let mut out = Vec::new();
    let mut best = f64::MAX;
    let mut best_cpu = f64::MAX;
    let mut total_matches = 0usize;
    for pass in 0..passes {
        let start = Instant::now();
        let cpu_start = thread_cpu_seconds();
        let mut matches = 0usize;
        for query in &queries {
            index.search_into(query, threshold, &mut out);
            matches += out.len();
            if pass == 0 {
                let mut ids: Vec<u64> = out.iter().map(|m| m.id).collect();
                ids.sort_unstable();
                results.push(ids);
            }
        }
        best = best.min(start.elapsed().as_secs_f64());
        best_cpu = best_cpu.min(thread_cpu_seconds() - cpu_start);
        total_matches = matches;
    }
    // Latency of the slowest queries (single pass, per query).
    let mut latencies: Vec<f64> = queries
        .iter()
        .map(|q| {
            let start = Instant::now();
            index.search_into(q, threshold, &mut out);
            start.elapsed().as_secs_f64()
        })
        .collect();
    latencies.sort_by(f64::total_cmp);
    let quantile = |q: f64| latencies.get(((latencies.len() as f64 - 1.0) * q) as usize).copied().unwrap_or(0.0) * 1e6;

    if let Some(path) = arg(args, "--results") {
        let file = std::fs::File::create(&path).map_err(|e| format!("{path}: {e}"))?;
        let mut writer = std::io::BufWriter::new(file);
        for ids in &results {
            writer.write_all(&(ids.len() as u32).to_le_bytes()).map_err(|e| e.to_string())?;
            for id in ids {
                writer.write_all(&id.to_le_bytes()).map_err(|e| e.to_string())?;
            }
        }
        writer.flush().map_err(|e| e.to_string())?;
    }
    println!(
        "{{\"n\":{n},\"queries\":{},\"threshold\":{threshold},\"build_seconds\":{build_seconds:.3},\"queries_per_second\":{:.1},\"queries_per_cpu_second\":{:.1},\"memory_bytes\":{memory},\"bytes_per_entry\":{:.2},\"rss_delta_bytes_per_entry\":{:.2},\"matches_per_query\":{:.3},\"p50_us\":{:.1},\"p99_us\":{:.1},\"max_us\":{:.1}}}",
        queries.len(),
        queries.len() as f64 / best,
        queries.len() as f64 / best_cpu.max(1e-9),
        memory as f64 / n.max(1) as f64,
        rss_after.saturating_sub(rss_before) as f64 / n.max(1) as f64,
        total_matches as f64 / queries.len().max(1) as f64,
        quantile(0.5),
        quantile(0.99),
        quantile(1.0),
    );
    Ok(())
}

fn main() -> ExitCode {
    let args: Vec<String> = std::env::args().collect();
    let result = match args.get(1).map(String::as_str) {
        Some("gen") => generate(&args),
        Some("run") => run(&args),
        _ => Err("usage: match_bench gen|run [options] (see the source's header)".to_string()),
    };
    match result {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("match_bench: {e}");
            ExitCode::FAILURE
        }
    }
}
