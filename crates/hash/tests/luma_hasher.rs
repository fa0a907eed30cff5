//! `LumaHasher` (rows of luminance in, reusable) gives exactly `hash_rgb`'s results.

use vigie_hash::{Limits, LumaHasher, hash_rgb, rgb_luma};

fn pseudo_rgb(w: u32, h: u32, seed: u32) -> Vec<u8> {
    let mut x = seed.wrapping_mul(2_654_435_761) | 1;
    (0..w * h * 3)
        .map(|i| {
            x ^= x << 13;
            x ^= x >> 17;
            x ^= x << 5;
            // Smooth gradients plus noise, so that the hashes have some quality.
            ((i % (w * 3)) as u8).wrapping_add((x & 31) as u8)
        })
        .collect()
}

#[test]
fn rows_of_luminance_hash_like_the_rgb_image() {
    // 64x64 takes the reference's unfiltered path; under 5 pixels is all zero.
    for (w, h) in [(4, 4), (5, 5), (64, 64), (63, 65), (100, 37), (480, 720), (1000, 17)] {
        let mut hasher = LumaHasher::new(w, h, &Limits::default()).expect("within limits");
        for seed in 0..3 {
            let rgb = pseudo_rgb(w, h, seed + w * h);
            let want = hash_rgb(w, h, &rgb).expect("hash");
            let feed = |hasher: &mut LumaHasher| {
                for row in rgb.chunks_exact(w as usize * 3) {
                    for (o, px) in hasher.row().iter_mut().zip(row.chunks_exact(3)) {
                        *o = rgb_luma(px[0], px[1], px[2]);
                    }
                    hasher.commit_row();
                }
            };
            feed(&mut hasher);
            assert_eq!(hasher.finish(), want, "{w}x{h} seed {seed}");
            feed(&mut hasher);
            assert_eq!(hasher.finish_hash(), (want.hash, want.quality), "{w}x{h} seed {seed}");
        }
    }
}

#[test]
fn repeated_rows_hash_like_the_rgb_image() {
    // Bands of repeated rows, across batches of 16 and at a batch's first row; the first
    // row repeated means zero luminance; rows past the height are ignored.
    for (w, h) in [(5, 5), (64, 64), (100, 37), (480, 720)] {
        let mut rgb = pseudo_rgb(w, h, 7);
        let row_bytes = w as usize * 3;
        let repeated = |r: usize| (r % 50 > 3 && r % 50 < 40) || r == 16 || r == 32;
        for r in 1..h as usize {
            if repeated(r) {
                rgb.copy_within((r - 1) * row_bytes..r * row_bytes, r * row_bytes);
            }
        }
        let want = hash_rgb(w, h, &rgb).expect("hash");
        let mut hasher = LumaHasher::for_pixels(w, h, &Limits::default()).expect("within limits");
        for round in 0..2 {
            for (r, row) in rgb.chunks_exact(row_bytes).enumerate() {
                if r > 0 && repeated(r) {
                    hasher.repeat_row();
                } else {
                    for (o, px) in hasher.row().iter_mut().zip(row.chunks_exact(3)) {
                        *o = rgb_luma(px[0], px[1], px[2]);
                    }
                    hasher.commit_row();
                }
            }
            hasher.repeat_row(); // past the height
            assert_eq!(hasher.finish(), want, "{w}x{h} round {round}");
        }
    }
    let mut hasher = LumaHasher::new(8, 8, &Limits::default()).expect("within limits");
    for _ in 0..8 {
        hasher.repeat_row();
    }
    assert_eq!(hasher.finish(), hash_rgb(8, 8, &[0; 8 * 8 * 3]).expect("hash"));
}

#[test]
fn missing_rows_are_black_and_extra_rows_ignored() {
    let (w, h) = (40u32, 30u32);
    let mut hasher = LumaHasher::new(w, h, &Limits::default()).expect("within limits");
    for _ in 0..10 {
        hasher.row().fill(200.0);
        hasher.commit_row();
    }
    let mut rgb = vec![200u8; (w * 10 * 3) as usize];
    rgb.resize((w * h * 3) as usize, 0);
    assert_eq!(hasher.finish(), hash_rgb(w, h, &rgb).expect("hash"));
    for _ in 0..h + 5 {
        hasher.row().fill(200.0);
        hasher.commit_row();
    }
    assert_eq!(hasher.finish(), hash_rgb(w, h, &vec![200u8; (w * h * 3) as usize]).expect("hash"));
}

#[test]
fn the_pixel_limit_is_checked() {
    let limits = Limits { max_pixels: 1000, ..Limits::default() };
    assert!(LumaHasher::new(100, 11, &limits).is_err());
    assert!(LumaHasher::new(100, 10, &limits).is_ok());
}
