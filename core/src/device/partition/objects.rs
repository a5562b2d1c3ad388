//! Objects in the application partition (the PKCS#11 model the guide's "cryptographic objects" are): keys
//! with their handles and attributes, generated and used by the partition's Crypto Officer, Crypto User and
//! Limited Crypto Officer, under the partition's policies.
//!
//! Objects at rest are encrypted: each is sealed with AES-GCM under the HSM's key-encryption key (KEK).
//! Zeroizing the HSM destroys the KEK, which leaves the stored objects as blobs nobody can decode; the next
//! power-up erases even those (chapter 13, "HSM Zeroization").

use super::super::policy::NV_STORAGE_BYTES;
use super::super::request::SlotId;
use super::super::roles::{Credential, Role};
use super::super::{CryptoRngCore, Env, Event, Hsm, Response};
use crate::crypto::{self, CertKey, Curve, EcSignatureFormat, PrivateKeyKind};
use crate::retcode::{self, LunaRet};
use base64::engine::general_purpose::STANDARD as B64;
use base64::Engine;
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

/// What the application partition offers for objects, in bytes. Simulator choice: the unit's non-volatile
/// storage (HSM capability 27) less a quarter kept for the admin partition and the firmware's own data.
pub const PARTITION_STORAGE_BYTES: u32 = NV_STORAGE_BYTES / 4 * 3;
/// Bytes an object takes beyond its key material and label: its attribute table. Simulator choice.
pub const OBJECT_OVERHEAD: u32 = 200;
/// Longest object label.
pub const OBJECT_LABEL_MAX: usize = 32;
/// Largest generic secret, in bytes (4096 bits).
pub const GENERIC_SECRET_MAX: u32 = 512;

/// Refused by the key's usage attributes (`CKA_SIGN` false for a signature, ...).
pub const KEY_FUNCTION_NOT_PERMITTED: LunaRet =
    LunaRet { name: "CKR_KEY_FUNCTION_NOT_PERMITTED", code: 0x68, ckr: "CKR_KEY_FUNCTION_NOT_PERMITTED" };
/// Refused by the role: a Crypto User creating or deleting objects, a Limited Crypto Officer touching
/// private or secret keys.
pub const USER_NOT_AUTHORIZED: LunaRet =
    LunaRet { name: "CKR_USER_NOT_AUTHORIZED", code: 0x8000001a, ckr: "CKR_USER_NOT_AUTHORIZED" };

/// Partition policies the objects obey (numbers of the partition's table).
mod policy {
    pub const PRIVATE_KEY_WRAPPING: u8 = 1;
    pub const PRIVATE_KEY_UNWRAPPING: u8 = 2;
    pub const SECRET_KEY_WRAPPING: u8 = 5;
    pub const SECRET_KEY_UNWRAPPING: u8 = 6;
    pub const MULTIPURPOSE_KEYS: u8 = 10;
    pub const KEY_MANAGEMENT: u8 = 28;
    pub const RSA_PKCS: u8 = 33;
}

/// `CKA_CLASS`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Class {
    /// `CKO_PUBLIC_KEY`.
    PublicKey,
    /// `CKO_PRIVATE_KEY`.
    PrivateKey,
    /// `CKO_SECRET_KEY`.
    SecretKey,
}

impl Class {
    /// The PKCS#11 name.
    pub fn name(self) -> &'static str {
        match self {
            Class::PublicKey => "CKO_PUBLIC_KEY",
            Class::PrivateKey => "CKO_PRIVATE_KEY",
            Class::SecretKey => "CKO_SECRET_KEY",
        }
    }
}

/// `CKA_KEY_TYPE`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyType {
    /// `CKK_RSA`.
    Rsa,
    /// `CKK_EC` (P-256 or P-384).
    Ec,
    /// `CKK_AES`.
    Aes,
    /// `CKK_GENERIC_SECRET` (HMAC keys).
    GenericSecret,
}

impl KeyType {
    /// The PKCS#11 name.
    pub fn name(self) -> &'static str {
        match self {
            KeyType::Rsa => "CKK_RSA",
            KeyType::Ec => "CKK_EC",
            KeyType::Aes => "CKK_AES",
            KeyType::GenericSecret => "CKK_GENERIC_SECRET",
        }
    }
}

/// The usage attributes: `CKA_SIGN`, `CKA_VERIFY`, `CKA_ENCRYPT`, `CKA_DECRYPT`, `CKA_WRAP`, `CKA_UNWRAP`,
/// `CKA_DERIVE`.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Usage {
    /// `CKA_SIGN`.
    pub sign: bool,
    /// `CKA_VERIFY`.
    pub verify: bool,
    /// `CKA_ENCRYPT`.
    pub encrypt: bool,
    /// `CKA_DECRYPT`.
    pub decrypt: bool,
    /// `CKA_WRAP`.
    pub wrap: bool,
    /// `CKA_UNWRAP`.
    pub unwrap: bool,
    /// `CKA_DERIVE`.
    pub derive: bool,
}

impl Usage {
    /// How many of the families (signing, encryption, wrapping, derivation) the key serves: more than one
    /// makes a multipurpose key (partition policy 10).
    fn purposes(&self) -> usize {
        [self.sign || self.verify, self.encrypt || self.decrypt, self.wrap || self.unwrap, self.derive]
            .iter()
            .filter(|b| **b)
            .count()
    }
}

/// What the creator of an object chooses: label, id and the boolean attributes.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Template {
    /// `CKA_LABEL` (at most 32 characters; longer is truncated).
    pub label: String,
    /// `CKA_ID`, as text.
    pub id: String,
    /// `CKA_TOKEN`: kept in the partition (true) or only for the session.
    pub token: bool,
    /// `CKA_PRIVATE`: visible only to a logged-in role.
    pub private: bool,
    /// `CKA_SENSITIVE`: the value is never revealed.
    pub sensitive: bool,
    /// `CKA_EXTRACTABLE`: the key may be wrapped out.
    pub extractable: bool,
    /// `CKA_MODIFIABLE`.
    pub modifiable: bool,
    /// The usage attributes.
    pub usage: Usage,
}

impl Default for Template {
    fn default() -> Self {
        Template {
            label: String::new(),
            id: String::new(),
            token: true,
            private: true,
            sensitive: true,
            extractable: false,
            modifiable: true,
            usage: Usage::default(),
        }
    }
}

/// Every attribute of an object but its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Attributes {
    /// `CKA_CLASS`.
    pub class: Class,
    /// `CKA_KEY_TYPE`.
    pub key_type: KeyType,
    /// Label, id, flags and usage as created.
    pub template: Template,
    /// `CKA_LOCAL`: generated inside the HSM.
    pub local: bool,
    /// `CKA_MODULUS_BITS` of an RSA key.
    pub modulus_bits: Option<u32>,
    /// `CKA_PUBLIC_EXPONENT` of an RSA key.
    pub public_exponent: Option<u64>,
    /// `CKA_EC_PARAMS` of an EC key, by curve name.
    pub ec_params: Option<String>,
    /// `CKA_VALUE_LEN` of a secret key, in bytes.
    pub value_len: Option<u32>,
}

/// An object as the partition reports it: handle, attributes and the storage it takes. Never its value.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectInfo {
    /// The object handle.
    pub handle: u32,
    /// Its attributes.
    pub attributes: Attributes,
    /// Bytes of the partition's storage it takes.
    pub size: u32,
}

/// A key pair to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum KeyPairSpec {
    /// CKM_RSA_PKCS_KEY_PAIR_GEN.
    Rsa {
        /// Modulus length: 2048, 3072 or 4096.
        bits: u32,
        /// Public exponent, odd.
        exponent: u64,
    },
    /// CKM_EC_KEY_PAIR_GEN.
    Ec {
        /// The named curve.
        curve: Curve,
    },
}

/// A secret key to generate.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SecretSpec {
    /// CKM_AES_KEY_GEN: 16 or 32 bytes.
    Aes {
        /// Key length in bytes.
        bytes: u32,
    },
    /// CKM_GENERIC_SECRET_KEY_GEN: 1 to 512 bytes.
    Generic {
        /// Key length in bytes.
        bytes: u32,
    },
}

/// A signature mechanism.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum SignMech {
    /// CKM_SHA256_RSA_PKCS.
    RsaPkcs,
    /// CKM_SHA256_RSA_PKCS_PSS (salt 32).
    RsaPss,
    /// ECDSA with the key's curve hash: CKM_ECDSA_SHA256 on P-256, CKM_ECDSA_SHA384 on P-384 (signature
    /// `r || s`).
    Ecdsa,
    /// CKM_SHA256_HMAC.
    Hmac,
}

/// An application's own login with a request (`cmu -password`), instead of the host session's.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AppLogin {
    /// The role: Crypto Officer, Crypto User or Limited Crypto Officer.
    pub role: Role,
    /// Its password (or challenge secret on an activated multifactor partition).
    pub password: String,
}

/// What an application asks of the partition's objects.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectOp {
    /// C_GenerateKeyPair.
    GenerateKeyPair { spec: KeyPairSpec, public: Template, private: Template },
    /// C_GenerateKey.
    GenerateKey { spec: SecretSpec, template: Template },
    /// C_FindObjects over every object.
    List,
    /// C_DestroyObject.
    Delete { handle: u32 },
    /// C_GetAttributeValue of everything but the value.
    Attributes { handle: u32 },
    /// C_GetAttributeValue of `CKA_VALUE`: the public key (SubjectPublicKeyInfo DER) or a non-sensitive
    /// secret.
    Value { handle: u32 },
    /// C_WrapKey with CKM_AES_KWP under the AES key `wrapping`.
    Wrap { handle: u32, wrapping: u32 },
    /// C_UnwrapKey with CKM_AES_KWP under the AES key `wrapping`: the reverse of [`ObjectOp::Wrap`]. RSA
    /// and EC keys come in as private keys (PKCS#8), AES and generic secrets as secret keys.
    Unwrap { wrapping: u32, wrapped: Vec<u8>, key_type: KeyType, template: Template },
    /// C_DeriveKey with CKM_ECDH1_DERIVE (no KDF) from the EC private key `handle` and the peer's public
    /// key (SEC1 point or SubjectPublicKeyInfo DER): a generic secret holding the shared x coordinate.
    Derive { handle: u32, peer: Vec<u8>, template: Template },
    /// C_Sign.
    Sign { handle: u32, mech: SignMech, data: Vec<u8> },
    /// C_Verify.
    Verify { handle: u32, mech: SignMech, data: Vec<u8>, signature: Vec<u8> },
    /// C_Encrypt: RSA-OAEP (SHA-256) with a public key, AES-GCM with a secret key (IV first in the output).
    Encrypt { handle: u32, data: Vec<u8> },
    /// C_Decrypt, the reverse of [`ObjectOp::Encrypt`].
    Decrypt { handle: u32, data: Vec<u8> },
    /// A self-signed certificate for the key pair of private key `private` (cmu selfsign).
    SelfSign { private: u32, subject: String, serial: u64, not_before: u64, not_after: u64 },
    /// A PKCS#10 request for the key pair of private key `private` (cmu requestcertificate).
    CertificateRequest { private: u32, subject: String },
    /// C_CloseSession of the application's session: its session objects are destroyed.
    CloseSession,
}

/// An object request: the operation and whose login it runs under.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct ObjectRequest {
    /// The application's own login, or `None` for the role the host session has logged in on the slot.
    pub login: Option<AppLogin>,
    /// What is asked.
    pub op: ObjectOp,
}

/// The answer to an [`ObjectRequest`].
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum ObjectAnswer {
    /// The objects created.
    Created(Vec<ObjectInfo>),
    /// The objects the role can see.
    Listed(Vec<ObjectInfo>),
    /// One object.
    Info(ObjectInfo),
    /// Bytes out: a value, a wrapped key, a signature, a ciphertext or plaintext.
    Bytes(Vec<u8>),
    /// A PEM certificate or request.
    Pem(String),
    /// The signature verified, or the object was destroyed.
    Done,
}

impl ObjectOp {
    /// The audit event the request is, if logged (reading attributes is not).
    pub(in crate::device) fn audit(&self) -> Option<super::super::audit::Op> {
        use super::super::audit::Op;
        Some(match self {
            ObjectOp::GenerateKeyPair { .. } => Op::GenerateKeyPair,
            ObjectOp::GenerateKey { .. } => Op::GenerateKey,
            ObjectOp::Delete { .. } => Op::DestroyObject,
            ObjectOp::Wrap { .. } => Op::WrapKey,
            ObjectOp::Unwrap { .. } => Op::UnwrapKey,
            ObjectOp::Derive { .. } => Op::DeriveKey,
            ObjectOp::Sign { .. } | ObjectOp::SelfSign { .. } | ObjectOp::CertificateRequest { .. } => Op::Sign,
            ObjectOp::Verify { .. } => Op::Verify,
            ObjectOp::Encrypt { .. } => Op::Encrypt,
            ObjectOp::Decrypt { .. } => Op::Decrypt,
            ObjectOp::List | ObjectOp::Attributes { .. } | ObjectOp::Value { .. } | ObjectOp::CloseSession => {
                return None
            }
        })
    }
}

/// An object with its value, as it exists only inside the HSM: decrypted into working memory for use.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Object {
    attributes: Attributes,
    /// PKCS#8 DER (private keys), SubjectPublicKeyInfo DER (public keys) or the raw secret, base64.
    value: String,
}

impl Object {
    fn new(attributes: Attributes, value: &[u8]) -> Object {
        Object { attributes, value: B64.encode(value) }
    }

    fn value(&self) -> Vec<u8> {
        B64.decode(&self.value).unwrap_or_default()
    }

    /// Bytes of storage the object takes: its value, its label and the attribute table.
    fn size(&self) -> u32 {
        let value = u32::try_from(self.value.len() / 4 * 3).unwrap_or(u32::MAX);
        value.saturating_add(self.attributes.template.label.len() as u32).saturating_add(OBJECT_OVERHEAD)
    }
}

/// An object at rest: AES-GCM ciphertext under the KEK, bound to its handle.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Sealed {
    /// The GCM IV, base64.
    iv: String,
    /// Ciphertext and tag, base64. A fingerprint of the world takes its length only: the IV, new at every
    /// seal, already tells a changed object, and thousands of objects stay cheap to fingerprint.
    #[serde(serialize_with = "data_or_length")]
    data: String,
    /// Storage the object takes (kept in clear so capacity is known without decrypting).
    size: u32,
}

fn data_or_length<S: serde::Serializer>(data: &str, s: S) -> Result<S::Ok, S::Error> {
    match crate::snapshot::form() {
        crate::snapshot::Form::Fingerprint => s.serialize_u64(data.len() as u64),
        _ => s.serialize_str(data),
    }
}

/// The partition's objects at rest, by handle.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Objects {
    /// The next handle to give out.
    next: u32,
    /// In a world's fingerprint ([`crate::snapshot`]) only their count: with `next`, that tells every
    /// change (an object made takes a new handle, one destroyed lowers the count, none is changed in
    /// place), and a line costs the same with thousands of objects as with none.
    #[serde(serialize_with = "sealed_in_form")]
    sealed: BTreeMap<u32, Sealed>,
    /// The session objects (`CKA_TOKEN` false) of the application's session: in the unit's working
    /// memory, not its storage, so they take no storage space and are not counted as the partition's
    /// objects. Sealed like token objects so that the saved world holds no key in clear.
    #[serde(default, skip_serializing_if = "SessionObjects::is_empty")]
    session: SessionObjects,
}

/// The application's session objects and the device generation (`Hsm::generation`) they were made in:
/// every action that ends sessions (a reset or power cycle, zeroize, initialization, a firmware update)
/// bumps the generation, which ends them too.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
struct SessionObjects {
    generation: u64,
    #[serde(serialize_with = "sealed_in_form")]
    sealed: BTreeMap<u32, Sealed>,
}

impl SessionObjects {
    fn is_empty(&self) -> bool {
        self.sealed.is_empty()
    }
}

fn sealed_in_form<S: serde::Serializer>(sealed: &BTreeMap<u32, Sealed>, s: S) -> Result<S::Ok, S::Error> {
    match crate::snapshot::form() {
        crate::snapshot::Form::Fingerprint => s.serialize_u64(sealed.len() as u64),
        _ => sealed.serialize(s),
    }
}

impl Objects {
    /// How many objects are stored.
    pub fn count(&self) -> u32 {
        self.sealed.len() as u32
    }

    /// Bytes used.
    pub fn used(&self) -> u32 {
        self.sealed.values().map(|s| s.size).fold(0, u32::saturating_add)
    }

    /// Every object destroyed (partition init, Partition SO lockout).
    pub fn clear(&mut self) {
        self.sealed.clear();
        self.session.sealed.clear();
    }

    /// Takes every token object out (zeroize: they stay behind as blobs); session objects, in working
    /// memory, are simply gone.
    pub(in crate::device) fn take(&mut self) -> Vec<Sealed> {
        self.session.sealed.clear();
        std::mem::take(&mut self.sealed).into_values().collect()
    }
}

/// The HSM's storage encryption: the KEK, and what a zeroize left behind until the next power-up.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct Storage {
    /// The key-encryption key (AES-256, base64); none until the first object is stored after an
    /// initialization, and none once zeroized.
    #[serde(default)]
    kek: Option<String>,
    /// Objects whose KEK was destroyed: undecodable blobs, erased at the next power-up.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    remains: Vec<Sealed>,
}

impl Storage {
    fn kek(&mut self, rng: &mut dyn CryptoRngCore) -> Vec<u8> {
        if let Some(k) = self.kek.as_ref().and_then(|k| B64.decode(k).ok()) {
            return k;
        }
        let k = crypto::random_secret(rng, 32);
        self.kek = Some(B64.encode(&k));
        k
    }

    fn seal(&mut self, handle: u32, object: &Object, rng: &mut dyn CryptoRngCore) -> Result<Sealed, LunaRet> {
        let kek = self.kek(rng);
        let iv = crypto::random_secret(rng, crypto::GCM_IV_LEN);
        let plain = serde_json::to_vec(object).map_err(|_| retcode::GENERAL_ERROR)?;
        let data =
            crypto::aes_gcm_encrypt(&kek, &iv, &handle.to_be_bytes(), &plain).map_err(|_| retcode::GENERAL_ERROR)?;
        Ok(Sealed { iv: B64.encode(iv), data: B64.encode(data), size: object.size() })
    }

    fn open(&self, handle: u32, sealed: &Sealed) -> Result<Object, LunaRet> {
        // Without the KEK, or with a blob that fails its tag, the object is gone: the firmware reports
        // the handle as invalid.
        let kek = self.kek.as_ref().and_then(|k| B64.decode(k).ok()).ok_or(retcode::OBJECT_HANDLE_INVALID)?;
        let iv = B64.decode(&sealed.iv).map_err(|_| retcode::OBJECT_HANDLE_INVALID)?;
        let data = B64.decode(&sealed.data).map_err(|_| retcode::OBJECT_HANDLE_INVALID)?;
        let plain = crypto::aes_gcm_decrypt(&kek, &iv, &handle.to_be_bytes(), &data)
            .map_err(|_| retcode::OBJECT_HANDLE_INVALID)?;
        serde_json::from_slice(&plain).map_err(|_| retcode::OBJECT_HANDLE_INVALID)
    }

    /// Zeroize: the KEK is destroyed; `sealed` stays behind as undecodable blobs.
    pub(in crate::device) fn destroy_kek(&mut self, sealed: Vec<Sealed>) {
        self.kek = None;
        self.remains.extend(sealed);
    }

    /// Power-up: the remains of a zeroized storage are erased before anything else.
    pub(in crate::device) fn power_up(&mut self) {
        self.remains.clear();
    }

    /// Blobs a zeroize left, until the next power-up.
    pub fn remains(&self) -> usize {
        self.remains.len()
    }
}

fn map(e: crypto::Error) -> LunaRet {
    match e {
        crypto::Error::KeySize => retcode::KEY_SIZE_RANGE,
        crypto::Error::KeyInvalid => retcode::KEY_TYPE_INCONSISTENT,
        crypto::Error::SignatureInvalid => retcode::SIGNATURE_INVALID,
        crypto::Error::SignatureLen => retcode::SIGNATURE_LEN_RANGE,
        crypto::Error::EncryptedDataInvalid => retcode::ENCRYPTED_DATA_INVALID,
        crypto::Error::DataLen => retcode::DATA_LEN_RANGE,
        crypto::Error::WrappedKeyInvalid => retcode::WRAPPED_KEY_INVALID,
        crypto::Error::ParamInvalid => retcode::MECHANISM_PARAM_INVALID,
    }
}

/// A label as stored: longer than 32 characters is truncated, as LunaCM does for partition labels.
fn label(template: &mut Template) {
    if template.label.chars().count() > OBJECT_LABEL_MAX {
        template.label = template.label.chars().take(OBJECT_LABEL_MAX).collect();
    }
}

impl Hsm {
    /// Carries out an object request on the partition's slot.
    pub(in crate::device) fn object_request(
        &mut self,
        slot: SlotId,
        request: ObjectRequest,
        env: &mut Env<'_>,
    ) -> Result<Response, LunaRet> {
        self.require_partition_slot(slot)?;
        self.refuse_in_stm()?;
        self.require_partition_initialized(slot)?;
        self.drop_stale_session_objects();
        if request.op == ObjectOp::CloseSession {
            // Closing a session needs no login.
            self.close_app_session(slot, env.now_ms);
            return Ok(Response::Object(ObjectAnswer::Done));
        }
        let role = match request.login {
            Some(login) => self.app_login(slot, login, env.now_ms)?,
            None => {
                let role = self.session.role(slot).ok_or(retcode::USER_NOT_LOGGED_IN)?;
                self.require_no_forced_change(slot)?;
                role
            }
        };
        if !role.has_challenge() {
            // The Partition SO manages the partition, not its objects.
            return Err(retcode::USER_NOT_LOGGED_IN);
        }
        self.object_op(slot, role, request.op, env).map(Response::Object)
    }

    /// An application's own login: checked like `role login`, failures counted alike; it lasts for the
    /// one request.
    fn app_login(&mut self, slot: SlotId, login: AppLogin, now_ms: u64) -> Result<Role, LunaRet> {
        let AppLogin { role, password } = login;
        if !role.has_challenge() {
            return Err(retcode::USER_TYPE_INVALID);
        }
        let record = self.roles(slot)?.require(role)?.clone();
        self.lockout_code(slot, role, now_ms)?;
        if password.is_empty() {
            return Err(retcode::ARGUMENTS_BAD);
        }
        let good = match (&record.credential, &record.challenge) {
            (Credential::Password(v), _) => v.verify(password.as_bytes()),
            // A multifactor role logs in without its iKey only when activated, with its challenge secret.
            (Credential::Keyset(_), Some(c)) if record.activated => c.verify(password.as_bytes()),
            (Credential::Keyset(_), _) => return Err(retcode::OPERATION_RESTRICTED),
        };
        if !good {
            return Err(self.count_failure(slot, role, now_ms));
        }
        if record.must_change {
            return Err(retcode::SM_PIN_EXPIRED);
        }
        if let Some(rec) = self.roles_mut(slot).ok().and_then(|t| t.get_mut(role)) {
            rec.failures = 0;
        }
        Ok(role)
    }

    fn partition_policy(&self, id: u8) -> u32 {
        self.partition().and_then(|p| p.policies().get(id)).unwrap_or(0)
    }

    fn object_op(
        &mut self,
        slot: SlotId,
        role: Role,
        op: ObjectOp,
        env: &mut Env<'_>,
    ) -> Result<ObjectAnswer, LunaRet> {
        match op {
            ObjectOp::GenerateKeyPair { spec, mut public, mut private } => {
                self.may_manage(role, &[Class::PublicKey, Class::PrivateKey])?;
                label(&mut public);
                label(&mut private);
                self.check_usage(&private.usage)?;
                let (pair, key_type, bits, exponent, curve) = match spec {
                    KeyPairSpec::Rsa { bits, exponent } => {
                        let pair = crypto::rsa_generate(env.rng, bits as usize, exponent).map_err(map)?;
                        (pair, KeyType::Rsa, Some(bits), Some(exponent), None)
                    }
                    KeyPairSpec::Ec { curve } => (
                        crypto::ec_generate(env.rng, curve).map_err(map)?,
                        KeyType::Ec,
                        None,
                        None,
                        Some(curve.name().to_string()),
                    ),
                };
                let attrs = |class, template| Attributes {
                    class,
                    key_type,
                    template,
                    local: true,
                    modulus_bits: bits,
                    public_exponent: exponent,
                    ec_params: curve.clone(),
                    value_len: None,
                };
                // A public key is never sensitive or secret.
                public.sensitive = false;
                public.private = false;
                let public = Object::new(attrs(Class::PublicKey, public), &pair.public_der);
                let private = Object::new(attrs(Class::PrivateKey, private), &pair.private_der);
                let objects = self.store(slot, vec![public, private], env)?;
                Ok(ObjectAnswer::Created(objects))
            }
            ObjectOp::GenerateKey { spec, mut template } => {
                self.may_manage(role, &[Class::SecretKey])?;
                label(&mut template);
                self.check_usage(&template.usage)?;
                let (key_type, bytes) = match spec {
                    SecretSpec::Aes { bytes } if bytes == 16 || bytes == 32 => (KeyType::Aes, bytes),
                    SecretSpec::Generic { bytes } if (1..=GENERIC_SECRET_MAX).contains(&bytes) => {
                        (KeyType::GenericSecret, bytes)
                    }
                    _ => return Err(retcode::KEY_SIZE_RANGE),
                };
                let value = crypto::random_secret(env.rng, bytes as usize);
                let attrs = Attributes {
                    class: Class::SecretKey,
                    key_type,
                    template,
                    local: true,
                    modulus_bits: None,
                    public_exponent: None,
                    ec_params: None,
                    value_len: Some(bytes),
                };
                let objects = self.store(slot, vec![Object::new(attrs, &value)], env)?;
                Ok(ObjectAnswer::Created(objects))
            }
            ObjectOp::List => {
                // The session's objects with the token's: handles are unique across both.
                let mut handles: Vec<u32> = self
                    .objects()
                    .map(|o| o.sealed.keys().chain(o.session.sealed.keys()).copied().collect())
                    .unwrap_or_default();
                handles.sort_unstable();
                let mut out = Vec::new();
                for h in handles {
                    out.push(self.object_info(h, &self.open(h)?));
                }
                Ok(ObjectAnswer::Listed(out))
            }
            ObjectOp::Attributes { handle } => Ok(ObjectAnswer::Info(self.object_info(handle, &self.open(handle)?))),
            ObjectOp::Value { handle } => {
                let o = self.open(handle)?;
                if o.attributes.class != Class::PublicKey && o.attributes.template.sensitive {
                    return Err(retcode::ATTRIBUTE_SENSITIVE);
                }
                Ok(ObjectAnswer::Bytes(o.value()))
            }
            ObjectOp::Delete { handle } => {
                let o = self.open(handle)?;
                self.may_manage(role, &[o.attributes.class])?;
                let slot_objects = self.objects_mut().ok_or(retcode::SLOT_ID_INVALID)?;
                if slot_objects.sealed.remove(&handle).is_none() {
                    slot_objects.session.sealed.remove(&handle);
                }
                self.emit(env.now_ms, Event::ObjectDestroyed { slot, handle });
                Ok(ObjectAnswer::Done)
            }
            ObjectOp::Wrap { handle, wrapping } => {
                let key = self.open(handle)?;
                let kek = self.open(wrapping)?;
                if role == Role::CryptoUser
                    || (role == Role::LimitedCryptoOfficer && key.attributes.class != Class::PublicKey)
                {
                    return Err(USER_NOT_AUTHORIZED);
                }
                if kek.attributes.key_type != KeyType::Aes {
                    return Err(retcode::WRAPPING_KEY_TYPE_INCONSISTENT);
                }
                if !kek.attributes.template.usage.wrap {
                    return Err(KEY_FUNCTION_NOT_PERMITTED);
                }
                // Partition policies 1 and 5 decide whether private and secret keys may leave at all...
                let allowed = match key.attributes.class {
                    Class::PrivateKey => self.partition_policy(policy::PRIVATE_KEY_WRAPPING) != 0,
                    Class::SecretKey => self.partition_policy(policy::SECRET_KEY_WRAPPING) != 0,
                    Class::PublicKey => true,
                };
                if !allowed {
                    return Err(retcode::KEY_NOT_WRAPPABLE);
                }
                // ...and the key's own CKA_EXTRACTABLE whether this one may.
                if key.attributes.class != Class::PublicKey && !key.attributes.template.extractable {
                    return Err(retcode::KEY_UNEXTRACTABLE);
                }
                crypto::aes_kwp_wrap(&kek.value(), &key.value()).map(ObjectAnswer::Bytes).map_err(map)
            }
            ObjectOp::Unwrap { wrapping, wrapped, key_type, mut template } => {
                let class = match key_type {
                    KeyType::Rsa | KeyType::Ec => Class::PrivateKey,
                    KeyType::Aes | KeyType::GenericSecret => Class::SecretKey,
                };
                // Unwrapping creates a key: who may, as for generation.
                self.may_manage(role, &[class])?;
                label(&mut template);
                self.check_usage(&template.usage)?;
                let kek = self.open(wrapping).map_err(|e| {
                    if e == retcode::OBJECT_HANDLE_INVALID {
                        retcode::UNWRAPPING_KEY_HANDLE_INVALID
                    } else {
                        e
                    }
                })?;
                if kek.attributes.key_type != KeyType::Aes {
                    return Err(retcode::UNWRAPPING_KEY_TYPE_INCONSISTENT);
                }
                if !kek.attributes.template.usage.unwrap {
                    return Err(KEY_FUNCTION_NOT_PERMITTED);
                }
                // Partition policies 2 and 6 decide whether private and secret keys may come in at all.
                let policy = match class {
                    Class::PrivateKey => policy::PRIVATE_KEY_UNWRAPPING,
                    _ => policy::SECRET_KEY_UNWRAPPING,
                };
                if self.partition_policy(policy) == 0 {
                    return Err(retcode::KEY_NOT_UNWRAPPABLE);
                }
                let value = crypto::aes_kwp_unwrap(&kek.value(), &wrapped).map_err(map)?;
                let mut attrs = Attributes {
                    class,
                    key_type,
                    template,
                    // Made outside this HSM (or at least not known to be made inside it).
                    local: false,
                    modulus_bits: None,
                    public_exponent: None,
                    ec_params: None,
                    value_len: None,
                };
                // The value must be a key of the type the template names, of a size the HSM offers.
                let len = value.len() as u32;
                match (key_type, crypto::private_key_kind(&value)) {
                    (KeyType::Rsa, Ok(PrivateKeyKind::Rsa { bits, exponent }))
                        if crypto::RSA_MODULUS_BITS.contains(&bits) =>
                    {
                        attrs.modulus_bits = Some(bits as u32);
                        attrs.public_exponent = Some(exponent);
                    }
                    (KeyType::Ec, Ok(PrivateKeyKind::Ec(curve))) => attrs.ec_params = Some(curve.name().to_string()),
                    (KeyType::Aes, _) if len == 16 || len == 32 => attrs.value_len = Some(len),
                    (KeyType::GenericSecret, _) if (1..=GENERIC_SECRET_MAX).contains(&len) => {
                        attrs.value_len = Some(len)
                    }
                    _ => return Err(retcode::WRAPPED_KEY_INVALID),
                }
                let objects = self.store(slot, vec![Object::new(attrs, &value)], env)?;
                Ok(ObjectAnswer::Created(objects))
            }
            ObjectOp::Derive { handle, peer, mut template } => {
                // Deriving creates a secret key: who may, as for generation.
                self.may_manage(role, &[Class::SecretKey])?;
                label(&mut template);
                self.check_usage(&template.usage)?;
                let key = self.open(handle)?;
                if key.attributes.class != Class::PrivateKey || key.attributes.key_type != KeyType::Ec {
                    return Err(retcode::KEY_TYPE_INCONSISTENT);
                }
                if !key.attributes.template.usage.derive {
                    return Err(KEY_FUNCTION_NOT_PERMITTED);
                }
                let value = crypto::ecdh_derive(&key.value(), &peer).map_err(map)?;
                let attrs = Attributes {
                    class: Class::SecretKey,
                    key_type: KeyType::GenericSecret,
                    template,
                    // PKCS#11: a derived key is not CKA_LOCAL.
                    local: false,
                    modulus_bits: None,
                    public_exponent: None,
                    ec_params: None,
                    value_len: Some(value.len() as u32),
                };
                let objects = self.store(slot, vec![Object::new(attrs, &value)], env)?;
                Ok(ObjectAnswer::Created(objects))
            }
            ObjectOp::Sign { handle, mech, data } => {
                let key = self.open(handle)?;
                if !key.attributes.template.usage.sign {
                    return Err(KEY_FUNCTION_NOT_PERMITTED);
                }
                self.sign(&key, mech, &data, env.rng).map(ObjectAnswer::Bytes)
            }
            ObjectOp::Verify { handle, mech, data, signature } => {
                let key = self.open(handle)?;
                if !key.attributes.template.usage.verify {
                    return Err(KEY_FUNCTION_NOT_PERMITTED);
                }
                self.verify(&key, mech, &data, &signature).map(|_| ObjectAnswer::Done)
            }
            ObjectOp::Encrypt { handle, data } => {
                let key = self.open(handle)?;
                if !key.attributes.template.usage.encrypt {
                    return Err(KEY_FUNCTION_NOT_PERMITTED);
                }
                let out = match (key.attributes.class, key.attributes.key_type) {
                    (Class::PublicKey, KeyType::Rsa) => crypto::rsa_encrypt_oaep(env.rng, &key.value(), &data, None),
                    (Class::SecretKey, KeyType::Aes) => {
                        let iv = crypto::random_secret(env.rng, crypto::GCM_IV_LEN);
                        crypto::aes_gcm_encrypt(&key.value(), &iv, b"", &data).map(|ct| [iv, ct].concat())
                    }
                    _ => return Err(retcode::KEY_TYPE_INCONSISTENT),
                };
                out.map(ObjectAnswer::Bytes).map_err(map)
            }
            ObjectOp::Decrypt { handle, data } => {
                let key = self.open(handle)?;
                if !key.attributes.template.usage.decrypt {
                    return Err(KEY_FUNCTION_NOT_PERMITTED);
                }
                let out = match (key.attributes.class, key.attributes.key_type) {
                    (Class::PrivateKey, KeyType::Rsa) => crypto::rsa_decrypt_oaep(&key.value(), &data, None),
                    (Class::SecretKey, KeyType::Aes) if data.len() >= crypto::GCM_IV_LEN => {
                        let (iv, ct) = data.split_at(crypto::GCM_IV_LEN);
                        crypto::aes_gcm_decrypt(&key.value(), iv, b"", ct)
                    }
                    (Class::SecretKey, KeyType::Aes) => return Err(retcode::ENCRYPTED_DATA_LEN_RANGE),
                    _ => return Err(retcode::KEY_TYPE_INCONSISTENT),
                };
                out.map(ObjectAnswer::Bytes).map_err(map)
            }
            ObjectOp::SelfSign { private, subject, serial, not_before, not_after } => {
                let key = self.signing_private(private)?;
                let value = key.value();
                let signer = cert_key(key.attributes.key_type, &value)?;
                let pem =
                    crypto::self_signed_certificate(signer, &subject, serial, not_before, not_after).map_err(map)?;
                Ok(ObjectAnswer::Pem(pem))
            }
            ObjectOp::CertificateRequest { private, subject } => {
                let key = self.signing_private(private)?;
                let value = key.value();
                let signer = cert_key(key.attributes.key_type, &value)?;
                crypto::certificate_request(signer, &subject).map(ObjectAnswer::Pem).map_err(map)
            }
            // Answered before the login check (see `object_request`).
            ObjectOp::CloseSession => Ok(ObjectAnswer::Done),
        }
    }

    /// Ends the application's session on `slot`: its session objects are destroyed (`sim app close`, a
    /// logout on the partition).
    pub(in crate::device) fn close_app_session(&mut self, slot: SlotId, now_ms: u64) {
        if self.partition().map(|p| p.slot()) != Some(slot) {
            return;
        }
        let handles: Vec<u32> = match self.objects_mut() {
            Some(o) => std::mem::take(&mut o.session.sealed).into_keys().collect(),
            None => return,
        };
        for handle in handles {
            self.emit(now_ms, Event::ObjectDestroyed { slot, handle });
        }
    }

    /// Session objects of an older device generation belong to a session that has ended.
    fn drop_stale_session_objects(&mut self) {
        let generation = self.generation;
        if let Some(o) = self.objects_mut() {
            if o.session.generation != generation {
                o.session = SessionObjects { generation, sealed: BTreeMap::new() };
            }
        }
    }

    /// A private key that may sign a certificate or request.
    fn signing_private(&self, handle: u32) -> Result<Object, LunaRet> {
        let key = self.open(handle)?;
        if key.attributes.class != Class::PrivateKey {
            return Err(retcode::KEY_TYPE_INCONSISTENT);
        }
        if !key.attributes.template.usage.sign {
            return Err(KEY_FUNCTION_NOT_PERMITTED);
        }
        Ok(key)
    }

    /// Who may create or destroy objects of `classes`: the Crypto Officer; the Limited Crypto Officer
    /// public keys only; the Crypto User nothing. Partition policy 28 off stops key management for all.
    fn may_manage(&self, role: Role, classes: &[Class]) -> Result<(), LunaRet> {
        match role {
            Role::CryptoOfficer => {}
            Role::LimitedCryptoOfficer if classes.iter().all(|c| *c == Class::PublicKey) => {}
            _ => return Err(USER_NOT_AUTHORIZED),
        }
        if self.partition_policy(policy::KEY_MANAGEMENT) == 0 {
            return Err(retcode::OPERATION_RESTRICTED);
        }
        Ok(())
    }

    /// Partition policy 10 off: a key serves one purpose.
    fn check_usage(&self, usage: &Usage) -> Result<(), LunaRet> {
        if usage.purposes() > 1 && self.partition_policy(policy::MULTIPURPOSE_KEYS) == 0 {
            return Err(retcode::MULTI_FUNCTION_KEYS_NOT_ALLOWED);
        }
        Ok(())
    }

    fn sign(&self, key: &Object, mech: SignMech, data: &[u8], rng: &mut dyn CryptoRngCore) -> Result<Vec<u8>, LunaRet> {
        let (class, kt) = (key.attributes.class, key.attributes.key_type);
        let value = key.value();
        match (mech, class, kt) {
            (SignMech::RsaPkcs, Class::PrivateKey, KeyType::Rsa) => {
                self.rsa_pkcs_allowed()?;
                crypto::rsa_sign_pkcs1(&value, data)
            }
            (SignMech::RsaPss, Class::PrivateKey, KeyType::Rsa) => crypto::rsa_sign_pss(rng, &value, data),
            (SignMech::Ecdsa, Class::PrivateKey, KeyType::Ec) => {
                crypto::ecdsa_sign(&value, data, EcSignatureFormat::Raw)
            }
            (SignMech::Hmac, Class::SecretKey, KeyType::GenericSecret) => {
                Ok(crypto::hmac_sha256(&value, &[data]).to_vec())
            }
            _ => return Err(retcode::KEY_TYPE_INCONSISTENT),
        }
        .map_err(map)
    }

    fn verify(&self, key: &Object, mech: SignMech, data: &[u8], sig: &[u8]) -> Result<(), LunaRet> {
        let (class, kt) = (key.attributes.class, key.attributes.key_type);
        let value = key.value();
        match (mech, class, kt) {
            (SignMech::RsaPkcs, Class::PublicKey, KeyType::Rsa) => {
                self.rsa_pkcs_allowed()?;
                crypto::rsa_verify_pkcs1(&value, data, sig)
            }
            (SignMech::RsaPss, Class::PublicKey, KeyType::Rsa) => crypto::rsa_verify_pss(&value, data, sig),
            (SignMech::Ecdsa, Class::PublicKey, KeyType::Ec) => {
                crypto::ecdsa_verify(&value, data, sig, EcSignatureFormat::Raw)
            }
            (SignMech::Hmac, Class::SecretKey, KeyType::GenericSecret) => {
                if crypto::hmac_sha256_verify(&value, &[data], sig) && sig.len() == 32 {
                    Ok(())
                } else {
                    Err(crypto::Error::SignatureInvalid)
                }
            }
            _ => return Err(retcode::KEY_TYPE_INCONSISTENT),
        }
        .map_err(map)
    }

    /// Partition policy 33 off: no PKCS#1 v1.5 RSA.
    fn rsa_pkcs_allowed(&self) -> Result<(), LunaRet> {
        if self.partition_policy(policy::RSA_PKCS) == 0 {
            return Err(retcode::MECHANISM_INVALID);
        }
        Ok(())
    }

    fn objects(&self) -> Option<&Objects> {
        self.partition().map(|p| &p.objects)
    }

    fn objects_mut(&mut self) -> Option<&mut Objects> {
        self.partition_mut().map(|p| &mut p.objects)
    }

    /// Decrypts object `handle` (a token or a session object) into working memory.
    fn open(&self, handle: u32) -> Result<Object, LunaRet> {
        let sealed = self
            .objects()
            .and_then(|o| o.sealed.get(&handle).or_else(|| o.session.sealed.get(&handle)))
            .ok_or(retcode::OBJECT_HANDLE_INVALID)?;
        self.storage.open(handle, sealed)
    }

    fn object_info(&self, handle: u32, o: &Object) -> ObjectInfo {
        ObjectInfo { handle, attributes: o.attributes.clone(), size: o.size() }
    }

    /// Seals and stores new objects, all or none: the partition's storage must hold the token objects;
    /// session objects go to the application's session.
    fn store(&mut self, slot: SlotId, objects: Vec<Object>, env: &mut Env<'_>) -> Result<Vec<ObjectInfo>, LunaRet> {
        let used = self.objects().map_or(0, Objects::used);
        let needed =
            objects.iter().filter(|o| o.attributes.template.token).map(Object::size).fold(0u32, u32::saturating_add);
        if used.saturating_add(needed) > PARTITION_STORAGE_BYTES {
            return Err(retcode::MM_NOT_ENOUGH_MEMORY);
        }
        let first = self.objects().map_or(1, |o| o.next.max(1));
        let mut sealed = Vec::new();
        let mut infos = Vec::new();
        for (i, o) in objects.iter().enumerate() {
            let handle = first + i as u32;
            sealed.push((handle, o.attributes.template.token, self.storage.seal(handle, o, env.rng)?));
            infos.push(self.object_info(handle, o));
        }
        let store = self.objects_mut().ok_or(retcode::SLOT_ID_INVALID)?;
        store.next = first + sealed.len() as u32;
        for (handle, token, s) in sealed {
            if token {
                store.sealed.insert(handle, s);
            } else {
                store.session.sealed.insert(handle, s);
            }
        }
        for info in &infos {
            self.emit(env.now_ms, Event::ObjectCreated { slot, handle: info.handle, class: info.attributes.class });
        }
        Ok(infos)
    }
}

/// How a private key signs a certificate, by its type.
fn cert_key(key_type: KeyType, private_der: &[u8]) -> Result<CertKey<'_>, LunaRet> {
    match key_type {
        KeyType::Rsa => Ok(CertKey::Rsa(private_der)),
        KeyType::Ec => Ok(CertKey::Ec(private_der)),
        _ => Err(retcode::KEY_TYPE_INCONSISTENT),
    }
}

impl Hsm {
    /// Objects a zeroize left undecodable in storage, until the next power-up erases them.
    pub fn storage_remains(&self) -> usize {
        self.storage.remains()
    }
}
