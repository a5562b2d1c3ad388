//! The mechanisms' throughput, measured by the same code natively (`examples/crypto_bench.rs`) and as
//! wasm in the browser's worker (its "bench" message, for `e2e/report-crypto.mjs`), so that the two
//! figures compare the same work. A report: nothing here is asserted.

use super::EcSignatureFormat;
use super::{aes_gcm_encrypt, ecdsa_sign, ecdsa_verify, hmac_sha256, random_secret, rsa_generate, rsa_sign_pkcs1};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};

/// One measured figure: what, how fast, in what unit.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct Figure {
    pub name: String,
    pub rate: f64,
    pub unit: String,
}

/// Runs `op` until `budget_ms` have passed on `now_ms` (and at least `min` times); returns operations per
/// second.
fn rate(now_ms: &mut dyn FnMut() -> f64, budget_ms: f64, min: u32, mut op: impl FnMut()) -> f64 {
    let start = now_ms();
    let mut n = 0u32;
    while n < min || now_ms() - start < budget_ms {
        op();
        n += 1;
    }
    f64::from(n) * 1000.0 / (now_ms() - start).max(f64::EPSILON)
}

/// Measures each mechanism for about `budget_ms` on the clock `now_ms` (milliseconds): RSA-2048 generate
/// and sign (PKCS#1 v1.5, SHA-256), ECDSA P-256 sign and verify, AES-256-GCM and HMAC-SHA256 over 1 MiB.
pub fn run(mut now_ms: impl FnMut() -> f64, budget_ms: f64) -> Vec<Figure> {
    let now = &mut now_ms as &mut dyn FnMut() -> f64;
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let mut figures = Vec::new();
    let mut add =
        |name: &str, rate: f64, unit: &str| figures.push(Figure { name: name.into(), rate, unit: unit.into() });
    // Results are dropped: only the time taken counts.
    let generate = rate(now, budget_ms, 3, || {
        let _ = rsa_generate(&mut rng, 2048, 65537);
    });
    add("RSA-2048 generate", generate, "ops/s");
    let rsa = rsa_generate(&mut rng, 2048, 65537).expect("RSA-2048 with exponent 65537 is offered");
    let sign = rate(now, budget_ms, 10, || {
        let _ = rsa_sign_pkcs1(&rsa.private_der, b"message");
    });
    add("RSA-2048 sign", sign, "ops/s");
    let ec = super::ec_generate(&mut rng, super::Curve::P256).expect("P-256 generates");
    let sig = ecdsa_sign(&ec.private_der, b"message", EcSignatureFormat::Raw).expect("the key signs");
    let ec_sign = rate(now, budget_ms, 10, || {
        let _ = ecdsa_sign(&ec.private_der, b"message", EcSignatureFormat::Raw);
    });
    add("ECDSA P-256 sign", ec_sign, "ops/s");
    let ec_verify = rate(now, budget_ms, 10, || {
        let _ = ecdsa_verify(&ec.public_der, b"message", &sig, EcSignatureFormat::Raw);
    });
    add("ECDSA P-256 verify", ec_verify, "ops/s");
    let block = vec![0x5au8; 1 << 20];
    let key = random_secret(&mut rng, 32);
    let gcm = rate(now, budget_ms, 3, || {
        let _ = aes_gcm_encrypt(&key, &[0; 12], b"", &block);
    });
    add("AES-256-GCM encrypt", gcm, "MB/s");
    let mac = rate(now, budget_ms, 3, || {
        let _ = hmac_sha256(&key, &[&block]);
    });
    add("HMAC-SHA256", mac, "MB/s");
    figures
}
