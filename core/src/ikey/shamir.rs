//! M of N secret sharing: Shamir's scheme over GF(2^8), byte by byte.
//!
//! Each byte of the secret is the constant term of a random polynomial of degree M-1; share `x`
//! (1..=N) holds the polynomial's value at `x` for every byte. Any M shares give back the secret by
//! Lagrange interpolation at 0; M-1 shares are consistent with every possible secret.
//! (Written here rather than taken from a crate: the maintained crates use another `rand` generation
//! than the RustCrypto crates this project uses, and the older ones pull unmaintained hash maps.)

use crate::device::CryptoRngCore;

/// Largest N (and M) the HSM accepts.
pub const MAX_SHARES: u8 = 16;

/// One share: its x coordinate (1-based) and the polynomial values for each byte of the secret.
#[derive(Clone, Debug, PartialEq, Eq, serde::Serialize, serde::Deserialize)]
pub struct Share {
    /// x coordinate, 1..=N.
    pub x: u8,
    /// y values, one per byte of the secret.
    pub y: Vec<u8>,
}

/// Multiplication in GF(2^8) with the AES polynomial x^8 + x^4 + x^3 + x + 1.
fn mul(mut a: u8, mut b: u8) -> u8 {
    let mut p = 0u8;
    while b != 0 {
        if b & 1 != 0 {
            p ^= a;
        }
        let carry = a & 0x80;
        a <<= 1;
        if carry != 0 {
            a ^= 0x1b;
        }
        b >>= 1;
    }
    p
}

/// Multiplicative inverse (a^254); `inv(0)` is 0 and never used.
fn inv(a: u8) -> u8 {
    let mut result = 1u8;
    let mut base = a;
    let mut e = 254u8;
    while e != 0 {
        if e & 1 != 0 {
            result = mul(result, base);
        }
        base = mul(base, base);
        e >>= 1;
    }
    result
}

/// Splits `secret` into `n` shares of which any `m` recover it. `1 <= m <= n <= 16` is the caller's duty;
/// out-of-range values are clamped rather than trusted.
pub fn split(secret: &[u8], m: u8, n: u8, rng: &mut dyn CryptoRngCore) -> Vec<Share> {
    let n = n.clamp(1, MAX_SHARES);
    let m = m.clamp(1, n);
    let mut coeffs = vec![0u8; secret.len() * (m as usize - 1)];
    rng.fill_bytes(&mut coeffs);
    let degree = m as usize - 1;
    (1..=n)
        .map(|x| {
            let y = secret
                .iter()
                .enumerate()
                .map(|(i, &s)| {
                    // Horner's rule: highest coefficient first, the secret byte last.
                    let high = coeffs[i * degree..(i + 1) * degree].iter().rev().fold(0u8, |acc, &k| mul(acc, x) ^ k);
                    mul(high, x) ^ s
                })
                .collect();
            Share { x, y }
        })
        .collect()
}

/// Recovers the secret from shares with distinct x coordinates. With fewer shares than the threshold,
/// or shares of different secrets, the result is simply some other value: the caller checks it.
pub fn combine(shares: &[Share]) -> Option<Vec<u8>> {
    let len = shares.first()?.y.len();
    if shares.iter().any(|s| s.y.len() != len || s.x == 0) {
        return None;
    }
    for (i, a) in shares.iter().enumerate() {
        if shares[i + 1..].iter().any(|b| b.x == a.x) {
            return None;
        }
    }
    let mut secret = vec![0u8; len];
    for (i, si) in shares.iter().enumerate() {
        // Lagrange basis polynomial for share i, evaluated at 0 (subtraction is XOR in GF(2^8)).
        let mut num = 1u8;
        let mut den = 1u8;
        for (j, sj) in shares.iter().enumerate() {
            if i != j {
                num = mul(num, sj.x);
                den = mul(den, si.x ^ sj.x);
            }
        }
        let basis = mul(num, inv(den));
        for (b, &y) in secret.iter_mut().zip(&si.y) {
            *b ^= mul(y, basis);
        }
    }
    Some(secret)
}

#[cfg(test)]
mod tests {
    use super::*;
    use rand_chacha::ChaCha20Rng;
    use rand_core::SeedableRng;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn field_arithmetic() {
        assert_eq!(mul(0x57, 0x83), 0xc1); // FIPS-197 example
        for a in 1..=255u8 {
            assert_eq!(mul(a, inv(a)), 1, "inverse of {a}");
        }
    }

    #[test]
    fn any_m_of_n_recover_and_fewer_do_not() {
        let mut rng = ChaCha20Rng::seed_from_u64(3);
        let secret: Vec<u8> = (0..32).collect();
        let shares = split(&secret, 3, 5, &mut rng);
        assert_eq!(shares.len(), 5);
        for a in 0..5 {
            for b in a + 1..5 {
                for c in b + 1..5 {
                    let pick = [shares[a].clone(), shares[b].clone(), shares[c].clone()];
                    assert_eq!(combine(&pick).unwrap(), secret);
                }
                assert_ne!(combine(&[shares[a].clone(), shares[b].clone()]).unwrap(), secret);
            }
        }
        assert!(
            combine(&[shares[0].clone(), shares[0].clone(), shares[1].clone()]).is_none(),
            "a duplicate cannot count twice"
        );
    }

    #[test]
    fn one_of_one_is_the_secret_itself() {
        let mut rng = ChaCha20Rng::seed_from_u64(4);
        let shares = split(b"secret", 1, 1, &mut rng);
        assert_eq!(shares[0].y, b"secret");
    }

    #[cfg(not(target_arch = "wasm32"))]
    proptest::proptest! {
        #[test]
        fn property_any_m_subset_recovers(seed: u64, secret in proptest::collection::vec(proptest::num::u8::ANY, 1..40), n in 1u8..=16, m_frac in 0.0f64..1.0, pick_seed: u64) {
            let m = 1 + ((n - 1) as f64 * m_frac) as u8;
            let mut rng = ChaCha20Rng::seed_from_u64(seed);
            let shares = split(&secret, m, n, &mut rng);
            // A pseudo-random subset of exactly m shares.
            let mut idx: Vec<usize> = (0..n as usize).collect();
            let mut s = pick_seed;
            for i in (1..idx.len()).rev() {
                s = s.wrapping_mul(6364136223846793005).wrapping_add(1442695040888963407);
                idx.swap(i, (s >> 33) as usize % (i + 1));
            }
            let pick: Vec<Share> = idx[..m as usize].iter().map(|&i| shares[i].clone()).collect();
            proptest::prop_assert_eq!(combine(&pick).unwrap(), secret.clone());
            if m > 1 && secret.len() >= 8 {
                // m-1 shares almost never give the secret (probability 2^-8 per byte).
                proptest::prop_assert_ne!(combine(&pick[..m as usize - 1]).unwrap(), secret);
            }
        }
    }
}
