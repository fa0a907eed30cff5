//! Properties of the hash value type.

use proptest::prelude::*;
use vigie_hash::PdqHash;

fn hash() -> impl Strategy<Value = PdqHash> {
    any::<[u8; 32]>().prop_map(PdqHash::from_bytes)
}

proptest! {
    #[test]
    fn hex_round_trips(h in hash()) {
        let hex = h.to_hex();
        prop_assert_eq!(hex.len(), 64);
        prop_assert!(hex.bytes().all(|c| c.is_ascii_digit() || (b'a'..=b'f').contains(&c)));
        prop_assert_eq!(hex.parse::<PdqHash>().unwrap(), h);
        prop_assert_eq!(hex.to_uppercase().parse::<PdqHash>().unwrap(), h);
        prop_assert_eq!(h.to_string(), hex);
    }

    #[test]
    fn distance_is_a_metric(a in hash(), b in hash(), c in hash()) {
        prop_assert_eq!(a.distance(&a), 0);
        prop_assert_eq!(a.distance(&b), b.distance(&a));
        prop_assert!(a.distance(&c) <= a.distance(&b) + b.distance(&c));
        prop_assert!(a.distance(&b) <= 256);
        prop_assert_eq!(a.distance(&b) == 0, a == b);
    }

    #[test]
    fn flipping_k_distinct_bits_gives_distance_k(a in hash(), bits in proptest::collection::btree_set(0usize..256, 0..=256)) {
        let mut b = a;
        for &k in &bits {
            b = b.with_bit_flipped(k);
        }
        prop_assert_eq!(a.distance(&b) as usize, bits.len());
        for &k in &bits {
            prop_assert_ne!(a.bit(k), b.bit(k));
        }
    }

    #[test]
    fn malformed_hex_is_rejected(s in "[0-9a-fA-F]{0,63}|[0-9a-f]{65,70}|[0-9a-f]{10}[g-z ][0-9a-f]{53}") {
        prop_assert!(s.parse::<PdqHash>().is_err());
    }
}

#[test]
fn bit_order_matches_the_reference_hex() {
    // Bit 0 is the least significant bit of the last hex digit; bit 255 the top of the first.
    let one = PdqHash::ZERO.with_bit_flipped(0);
    assert_eq!(one.to_hex(), format!("{}1", "0".repeat(63)));
    let top = PdqHash::ZERO.with_bit_flipped(255);
    assert_eq!(top.to_hex(), format!("8{}", "0".repeat(63)));
    // Bit 16 is bit 0 of the reference's word 1: the fourth hex digit from the end... of word 1.
    let w1 = PdqHash::ZERO.with_bit_flipped(16);
    assert_eq!(w1.to_hex(), format!("{}00010000", "0".repeat(56)));
}
