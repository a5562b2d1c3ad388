//! Native throughput of the simulator's mechanisms: operations (or megabytes) per second. Prints figures for
//! docs/PERFORMANCE.md; asserts nothing. Run with `cargo run --release -p hsm-core --example crypto_bench`.

use hsm_core::crypto::{self, EcSignatureFormat};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use std::time::{Duration, Instant};

/// Runs `op` until a second has passed (at least `min` times); returns operations per second.
fn rate(min: u32, mut op: impl FnMut()) -> f64 {
    let start = Instant::now();
    let mut n = 0u32;
    while n < min || start.elapsed() < Duration::from_secs(1) {
        op();
        n += 1;
    }
    f64::from(n) / start.elapsed().as_secs_f64()
}

fn main() {
    let mut rng = ChaCha20Rng::seed_from_u64(1);
    let gen = rate(3, || {
        crypto::rsa_generate(&mut rng, 2048, 65537).expect("generates");
    });
    println!("RSA-2048 generate      {gen:>10.1} ops/s");
    let rsa = crypto::rsa_generate(&mut rng, 2048, 65537).expect("generates");
    let sign = rate(10, || {
        crypto::rsa_sign_pkcs1(&rsa.private_der, b"message").expect("signs");
    });
    println!("RSA-2048 sign (PKCS#1) {sign:>10.1} ops/s");
    let ec = crypto::ec_generate(&mut rng).expect("generates");
    let sig = crypto::ecdsa_sign(&ec.private_der, b"message", EcSignatureFormat::Raw).expect("signs");
    let ec_sign = rate(10, || {
        crypto::ecdsa_sign(&ec.private_der, b"message", EcSignatureFormat::Raw).expect("signs");
    });
    println!("ECDSA P-256 sign       {ec_sign:>10.1} ops/s");
    let ec_verify = rate(10, || {
        crypto::ecdsa_verify(&ec.public_der, b"message", &sig, EcSignatureFormat::Raw).expect("verifies");
    });
    println!("ECDSA P-256 verify     {ec_verify:>10.1} ops/s");
    let block = vec![0x5au8; 1 << 20];
    let key = crypto::random_secret(&mut rng, 32);
    let gcm = rate(3, || {
        crypto::aes_gcm_encrypt(&key, &[0; 12], b"", &block).expect("encrypts");
    });
    println!("AES-256-GCM encrypt    {gcm:>10.1} MB/s");
    let mac = rate(3, || {
        crypto::hmac_sha256(&key, &[&block]);
    });
    println!("HMAC-SHA256            {mac:>10.1} MB/s");
}
