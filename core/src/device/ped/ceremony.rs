//! iKey ceremonies on the touchscreen (chapter 4): creating keysets (reuse, M of N, PIN, duplicates),
//! authenticating a role with a quorum of splits, and what the HSM keeps to verify a keyset.
//!
//! A [`Ceremony`] is a list of steps (authenticate an existing keyset, create a new one) run as a state
//! machine. The user drives it with physical events: inserting and removing the iKey in the port and
//! tapping the touchscreen. Every waiting state has a deadline; when it passes, the ceremony fails.

mod screen;

use super::button::Button;
use crate::device::roles::Verifier;
use crate::device::CryptoRngCore;
use crate::ikey::shamir::{self, Share};
use crate::ikey::{check_value, IKey, KeyContent, KeysetId, SecretKind, PIN_LEN, SECRET_LEN};
use crate::retcode::{self, LunaRet};
use serde::{Deserialize, Serialize};

/// How long the touchscreen waits for each iKey action.
pub const IKEY_TIMEOUT_MS: u64 = 120_000;

/// What the HSM keeps for a secret that lives on iKeys: the keyset's identity and quorum, and a verifier.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct KeysetRecord {
    /// Kind of secret.
    pub kind: SecretKind,
    /// Which keyset.
    pub keyset: KeysetId,
    /// Splits needed.
    pub m: u8,
    /// Splits made.
    pub n: u8,
    verifier: Verifier,
    /// For the Auditor's white keyset: the audit domain key it carries, the same on every HSM that uses
    /// the keyset, so that they verify each other's logs.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub audit_kcv: Option<crate::device::audit::Bytes32>,
}

impl KeysetRecord {
    fn new(
        kind: SecretKind,
        keyset: KeysetId,
        m: u8,
        n: u8,
        secret: &[u8],
        rng: &mut dyn CryptoRngCore,
    ) -> KeysetRecord {
        let audit_kcv = (kind == SecretKind::Auditor)
            .then(|| crate::device::audit::Bytes32(crate::device::audit::secret::kcv_from_ikey(secret)));
        KeysetRecord { kind, keyset, m, n, verifier: Verifier::new(secret, rng), audit_kcv }
    }

    /// Bytes that identify the record, for state digests.
    pub fn fingerprint(&self) -> &[u8] {
        self.verifier.fingerprint()
    }
}

/// One step of a ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum Step {
    /// Present a quorum of an existing keyset.
    Authenticate(KeysetRecord),
    /// Create (or reuse) a keyset of this kind.
    Create(SecretKind),
}

/// How a ceremony ended badly.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Failure {
    /// The return code LunaCM reports.
    pub code: LunaRet,
    /// Whether it counts as a failed login (wrong key of the right type, wrong PIN).
    pub counted: bool,
    /// What the touchscreen says about it.
    pub message: String,
}

/// A new keyset being written.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct NewKeyset {
    kind: SecretKind,
    keyset: KeysetId,
    m: u8,
    n: u8,
    secret: Vec<u8>,
    shares: Vec<Share>,
    check: [u8; 8],
}

/// Splits gathered so far while presenting an existing keyset.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Gathered {
    kind: SecretKind,
    /// Keyset, quorum and check value: known from the HSM's record when authenticating, from the first key
    /// when reusing.
    set: Option<(KeysetId, u8, u8, [u8; 8])>,
    shares: Vec<Share>,
}

#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum State {
    /// Waiting for a split of an existing keyset.
    PresentKey(Gathered),
    /// Waiting for the PIN of the inserted split.
    PresentPin {
        gathered: Gathered,
        content: KeyContent,
        entry: String,
    },
    /// Stage 1: reuse or new.
    ReuseAsk(SecretKind),
    /// Stage 2: M, then N.
    EnterM {
        kind: SecretKind,
        entry: String,
    },
    EnterN {
        kind: SecretKind,
        m: u8,
        entry: String,
    },
    /// Stage 3: a blank or rewritable key for split `i`.
    WriteKey {
        new: NewKeyset,
        i: u8,
    },
    Overwrite {
        new: NewKeyset,
        i: u8,
        target: u32,
    },
    PinAsk {
        new: NewKeyset,
        i: u8,
        target: u32,
    },
    PinEnter {
        new: NewKeyset,
        i: u8,
        target: u32,
        first: Option<String>,
        entry: String,
    },
    /// Stage 4: duplicates of split `i`, whose content is `written`.
    DupAsk {
        new: NewKeyset,
        i: u8,
        written: KeyContent,
    },
    DupKey {
        new: NewKeyset,
        i: u8,
        written: KeyContent,
    },
    DupOverwrite {
        new: NewKeyset,
        i: u8,
        written: KeyContent,
        target: u32,
    },
}

/// What the user did on or to the device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Input {
    /// A key went into the port.
    Inserted,
    /// The key was taken out.
    Removed,
    /// A touchscreen button was tapped.
    Tap(Button),
}

/// Where a ceremony stands after an input.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Progress {
    /// Still waiting for the user.
    Waiting,
    /// Every step done: the keysets created, in step order.
    Done(Vec<KeysetRecord>),
    /// Ended without success.
    Failed(Failure),
}

/// A running iKey ceremony.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Ceremony {
    /// Title of the operation, shown on top of the screen.
    title: String,
    /// Steps still to come, last first.
    steps: Vec<Step>,
    current: Step,
    state: State,
    created: Vec<KeysetRecord>,
    deadline_ms: u64,
    note: Option<String>,
    /// HSM policy 37 (Allow MofN): when off, new keysets are 1 of 1 and M and N are not asked.
    #[serde(default = "allowed")]
    m_of_n: bool,
}

fn allowed() -> bool {
    true
}

impl Ceremony {
    /// Starts a ceremony: `first`, then each of `then` in order.
    pub fn start(title: &str, first: Step, then: Vec<Step>, now_ms: u64, m_of_n: bool) -> Ceremony {
        let mut steps = then;
        steps.reverse(); // popped from the end
        Ceremony {
            title: title.to_string(),
            state: State::for_step(&first),
            current: first,
            steps,
            created: Vec::new(),
            deadline_ms: now_ms + IKEY_TIMEOUT_MS,
            note: None,
            m_of_n,
        }
    }

    /// Fails the ceremony if its current wait has lasted too long.
    pub fn tick(&mut self, now_ms: u64) -> Progress {
        if now_ms >= self.deadline_ms {
            Progress::Failed(Failure {
                code: retcode::TIMEOUT,
                counted: false,
                message: "The iKey operation timed out.".into(),
            })
        } else {
            Progress::Waiting
        }
    }

    /// Handles one input; `port` is the iKey port, which the ceremony may read and write.
    pub fn handle(
        &mut self,
        input: Input,
        port: &mut Option<IKey>,
        now_ms: u64,
        rng: &mut dyn CryptoRngCore,
    ) -> Progress {
        if let Progress::Failed(f) = self.tick(now_ms) {
            return Progress::Failed(f);
        }
        if input == Input::Tap(Button::Cancel) {
            return Progress::Failed(Failure {
                code: retcode::CANCEL,
                counted: false,
                message: "Operation cancelled.".into(),
            });
        }
        self.deadline_ms = now_ms + IKEY_TIMEOUT_MS;
        self.note = None;
        let state = std::mem::replace(&mut self.state, State::ReuseAsk(SecretKind::HsmSo));
        let flow = match self.step(state, input, port, rng) {
            Ok(next) => {
                self.state = next;
                return Progress::Waiting;
            }
            Err(flow) => flow,
        };
        let record = match flow {
            Flow::Fail(f) => return Progress::Failed(f),
            Flow::Created(new) => Some(KeysetRecord::new(new.kind, new.keyset, new.m, new.n, &new.secret, rng)),
            Flow::Presented { kind, keyset, m, n, check, secret } => match &self.current {
                Step::Authenticate(record) => {
                    if !record.verifier.verify(&secret) {
                        return Progress::Failed(Failure {
                            code: retcode::UM_PIN_INCORRECT,
                            counted: true,
                            message: "Authentication failed: wrong iKey or wrong PIN.".into(),
                        });
                    }
                    None
                }
                Step::Create(_) => {
                    if check_value(&secret) != check {
                        return Progress::Failed(Failure {
                            code: retcode::M_OF_N_SECRET_INVALID,
                            counted: false,
                            message: "The keyset could not be reassembled: a PIN is wrong.".into(),
                        });
                    }
                    Some(KeysetRecord::new(kind, keyset, m, n, &secret, rng))
                }
            },
        };
        self.created.extend(record);
        match self.steps.pop() {
            Some(step) => {
                self.state = State::for_step(&step);
                self.current = step;
                self.note = Some("Done. Remove the iKey.".into());
                Progress::Waiting
            }
            None => Progress::Done(std::mem::take(&mut self.created)),
        }
    }

    fn step(
        &mut self,
        state: State,
        input: Input,
        port: &mut Option<IKey>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<State, Flow> {
        let key_now = matches!(input, Input::Inserted | Input::Tap(Button::Enter));
        match state {
            State::PresentKey(g) => {
                if !key_now {
                    return Ok(State::PresentKey(g));
                }
                self.present(g, port)
            }
            State::PresentPin { gathered, content, entry } => match keypad(entry, &input) {
                Keypad::Typing(entry) => Ok(State::PresentPin { gathered, content, entry }),
                Keypad::Entered(pin) => {
                    if !PIN_LEN.contains(&pin.len()) {
                        self.note = Some("A PIN has 4 to 48 digits.".into());
                        return Ok(State::PresentPin { gathered, content, entry: String::new() });
                    }
                    let share = content.share(Some(&pin));
                    self.accept(gathered, content, share)
                }
            },
            State::ReuseAsk(kind) => match input {
                Input::Tap(Button::Reuse) => Ok(State::PresentKey(Gathered { kind, set: None, shares: Vec::new() })),
                Input::Tap(Button::New) if !self.m_of_n => Ok(new_keyset(kind, 1, 1, rng)),
                Input::Tap(Button::New) => Ok(State::EnterM { kind, entry: String::new() }),
                _ => Ok(State::ReuseAsk(kind)),
            },
            State::EnterM { kind, entry } => match keypad(entry, &input) {
                Keypad::Typing(entry) => Ok(State::EnterM { kind, entry }),
                Keypad::Entered(v) => match v.parse::<u8>() {
                    Ok(m) if (1..=shamir::MAX_SHARES).contains(&m) => {
                        Ok(State::EnterN { kind, m, entry: String::new() })
                    }
                    _ => {
                        self.note = Some("M must be a number from 1 to 16.".into());
                        Ok(State::EnterM { kind, entry: String::new() })
                    }
                },
            },
            State::EnterN { kind, m, entry } => match keypad(entry, &input) {
                Keypad::Typing(entry) => Ok(State::EnterN { kind, m, entry }),
                Keypad::Entered(v) => match v.parse::<u8>() {
                    Ok(n) if (m..=shamir::MAX_SHARES).contains(&n) => Ok(new_keyset(kind, m, n, rng)),
                    _ => {
                        self.note = Some(format!("N must be a number from {m} to 16."));
                        Ok(State::EnterN { kind, m, entry: String::new() })
                    }
                },
            },
            State::WriteKey { new, i } => {
                if !key_now {
                    return Ok(State::WriteKey { new, i });
                }
                match port.as_ref() {
                    None => {
                        self.note = Some("Insert an iKey first.".into());
                        Ok(State::WriteKey { new, i })
                    }
                    Some(k) => match &k.content {
                        Some(c) if c.keyset == new.keyset => {
                            self.note = Some(format!(
                                "This iKey already holds split {} of this keyset. Insert another iKey.",
                                c.split
                            ));
                            Ok(State::WriteKey { new, i })
                        }
                        Some(_) => Ok(State::Overwrite { new, i, target: k.id }),
                        None => Ok(State::PinAsk { new, i, target: k.id }),
                    },
                }
            }
            State::Overwrite { new, i, target } => match input {
                Input::Tap(Button::Overwrite) => Ok(State::PinAsk { new, i, target }),
                Input::Tap(Button::UseAnother) | Input::Removed => {
                    self.note = Some("Insert a blank or rewritable iKey.".into());
                    Ok(State::WriteKey { new, i })
                }
                _ => Ok(State::Overwrite { new, i, target }),
            },
            State::PinAsk { new, i, target } => match input {
                Input::Removed => Ok(self.removed_while_writing(new, i)),
                Input::Tap(Button::Yes) => Ok(State::PinEnter { new, i, target, first: None, entry: String::new() }),
                Input::Tap(Button::No) => self.write(new, i, target, None, port, rng),
                _ => Ok(State::PinAsk { new, i, target }),
            },
            State::PinEnter { new, i, target, first, entry } => {
                if input == Input::Removed {
                    return Ok(self.removed_while_writing(new, i));
                }
                match keypad(entry, &input) {
                    Keypad::Typing(entry) => Ok(State::PinEnter { new, i, target, first, entry }),
                    Keypad::Entered(pin) => {
                        if let Err(e) = check_pin(&pin) {
                            self.note = Some(e);
                            return Ok(State::PinEnter { new, i, target, first: None, entry: String::new() });
                        }
                        match first {
                            None => Ok(State::PinEnter { new, i, target, first: Some(pin), entry: String::new() }),
                            Some(f) if f == pin => self.write(new, i, target, Some(&pin), port, rng),
                            Some(_) => {
                                self.note = Some("The PINs did not match. Enter the PIN again.".into());
                                Ok(State::PinEnter { new, i, target, first: None, entry: String::new() })
                            }
                        }
                    }
                }
            }
            State::DupAsk { new, i, written } => match input {
                Input::Tap(Button::Yes) => Ok(State::DupKey { new, i, written }),
                Input::Tap(Button::No) => self.next_split(new, i),
                _ => Ok(State::DupAsk { new, i, written }),
            },
            State::DupKey { new, i, written } => {
                if !key_now {
                    return Ok(State::DupKey { new, i, written });
                }
                match port.as_ref() {
                    None => {
                        self.note = Some("Insert a blank or rewritable iKey for the duplicate.".into());
                        Ok(State::DupKey { new, i, written })
                    }
                    Some(k) => match &k.content {
                        Some(c) if c.keyset == new.keyset => {
                            self.note = Some(
                                "This iKey already holds a split of this keyset. Remove it and insert another.".into(),
                            );
                            Ok(State::DupKey { new, i, written })
                        }
                        Some(_) => Ok(State::DupOverwrite { new, i, written, target: k.id }),
                        None => Ok(self.duplicate(new, i, written, port)),
                    },
                }
            }
            State::DupOverwrite { new, i, written, target } => match input {
                Input::Tap(Button::Overwrite) if port.as_ref().map(|k| k.id) == Some(target) => {
                    Ok(self.duplicate(new, i, written, port))
                }
                Input::Tap(Button::UseAnother) | Input::Removed | Input::Tap(Button::Overwrite) => {
                    self.note = Some("Insert a blank or rewritable iKey for the duplicate.".into());
                    Ok(State::DupKey { new, i, written })
                }
                _ => Ok(State::DupOverwrite { new, i, written, target }),
            },
        }
    }

    /// A key was offered for an existing keyset: check its kind, keyset and split.
    fn present(&mut self, g: Gathered, port: &mut Option<IKey>) -> Result<State, Flow> {
        let color = g.kind.color();
        let Some(key) = port.as_ref() else {
            self.note = Some(format!("Insert {} {} iKey.", color.with_article(), g.kind.name()));
            return Ok(State::PresentKey(g));
        };
        let content = match &key.content {
            Some(c) if c.kind == g.kind => c.clone(),
            // No key, a blank or another colour: not a failed attempt.
            _ => {
                self.note = Some(format!(
                    "This iKey does not hold {} secret. Remove it and insert {} iKey.",
                    g.kind.with_article(),
                    color.with_article()
                ));
                return Ok(State::PresentKey(g));
            }
        };
        if let Some((keyset, ..)) = g.set {
            if content.keyset != keyset {
                if matches!(self.current, Step::Authenticate(_)) {
                    // A wrong key of the right type is a failed attempt.
                    return Err(Flow::Fail(Failure {
                        code: retcode::UM_PIN_INCORRECT,
                        counted: true,
                        message: format!("This {} iKey does not belong to this HSM's keyset.", g.kind.name()),
                    }));
                }
                self.note = Some("This iKey belongs to another keyset. Insert a split of the same keyset.".into());
                return Ok(State::PresentKey(g));
            }
        }
        if g.shares.iter().any(|s| s.x == content.split) {
            self.note = Some("This split has already been presented. Remove it and insert a different split.".into());
            return Ok(State::PresentKey(g));
        }
        if content.has_pin() {
            return Ok(State::PresentPin { gathered: g, content, entry: String::new() });
        }
        let share = content.share(None);
        self.accept(g, content, share)
    }

    /// A split (read with its PIN, if any) joins the gathered ones; with M of them, the secret is checked.
    fn accept(&mut self, mut g: Gathered, content: KeyContent, share: Share) -> Result<State, Flow> {
        let (keyset, m, n, check) = g.set.unwrap_or((content.keyset, content.m, content.n, content.check));
        g.set = Some((keyset, m, n, check));
        g.shares.push(share);
        if (g.shares.len() as u8) < m {
            self.note = Some(format!("Split accepted ({} of {m}). Remove the iKey.", g.shares.len()));
            return Ok(State::PresentKey(g));
        }
        let secret = shamir::combine(&g.shares).unwrap_or_default();
        Err(Flow::Presented { kind: g.kind, keyset, m, n, check, secret })
    }

    fn removed_while_writing(&mut self, new: NewKeyset, i: u8) -> State {
        self.note = Some("The iKey was removed before it was written. Insert it again.".into());
        State::WriteKey { new, i }
    }

    fn write(
        &mut self,
        new: NewKeyset,
        i: u8,
        target: u32,
        pin: Option<&str>,
        port: &mut Option<IKey>,
        rng: &mut dyn CryptoRngCore,
    ) -> Result<State, Flow> {
        let Some(key) = port.as_mut().filter(|k| k.id == target) else {
            return Ok(self.removed_while_writing(new, i));
        };
        let share = &new.shares[i as usize - 1];
        let written = KeyContent::new(new.kind, new.keyset, new.m, new.n, share, new.check, pin, rng);
        key.content = Some(written.clone());
        self.note = Some(format!("{} split {i} of {} written.", new.kind.name(), new.n));
        Ok(State::DupAsk { new, i, written })
    }

    fn duplicate(&mut self, new: NewKeyset, i: u8, written: KeyContent, port: &mut Option<IKey>) -> State {
        if let Some(key) = port.as_mut() {
            key.content = Some(written.clone());
        }
        self.note = Some("Duplicate written.".into());
        State::DupAsk { new, i, written }
    }

    fn next_split(&mut self, new: NewKeyset, i: u8) -> Result<State, Flow> {
        if i < new.n {
            self.note = Some("Remove the iKey.".into());
            return Ok(State::WriteKey { new, i: i + 1 });
        }
        Err(Flow::Created(new))
    }
}

/// How a step left the state machine.
enum Flow {
    /// The ceremony ends in failure.
    Fail(Failure),
    /// M splits of an existing keyset were presented and combined.
    Presented { kind: SecretKind, keyset: KeysetId, m: u8, n: u8, check: [u8; 8], secret: Vec<u8> },
    /// Every split of a new keyset was written.
    Created(NewKeyset),
}

impl State {
    fn for_step(step: &Step) -> State {
        match step {
            Step::Authenticate(r) => State::PresentKey(Gathered {
                kind: r.kind,
                set: Some((r.keyset, r.m, r.n, [0; 8])),
                shares: Vec::new(),
            }),
            Step::Create(kind) => State::ReuseAsk(*kind),
        }
    }
}

/// A new secret of `kind`, split M of N, ready to be written from split 1.
fn new_keyset(kind: SecretKind, m: u8, n: u8, rng: &mut dyn CryptoRngCore) -> State {
    let mut secret = vec![0u8; SECRET_LEN];
    rng.fill_bytes(&mut secret);
    let mut keyset = [0u8; 8];
    rng.fill_bytes(&mut keyset);
    let shares = shamir::split(&secret, m, n, rng);
    let check = check_value(&secret);
    State::WriteKey { new: NewKeyset { kind, keyset, m, n, secret, shares, check }, i: 1 }
}

enum Keypad {
    Typing(String),
    Entered(String),
}

/// Digits and Clear edit the entry; Enter submits it.
fn keypad(mut entry: String, input: &Input) -> Keypad {
    match input {
        Input::Tap(Button::Enter) => return Keypad::Entered(entry),
        Input::Tap(Button::Clear) => entry.clear(),
        Input::Tap(Button::Digit(d)) if entry.len() < 48 => entry.push_str(Button::Digit(*d).label()),
        _ => {}
    }
    Keypad::Typing(entry)
}

/// PINs are 4 to 48 digits and do not start with 0.
pub fn check_pin(pin: &str) -> Result<(), String> {
    if !PIN_LEN.contains(&pin.len()) || !pin.chars().all(|c| c.is_ascii_digit()) {
        return Err("A PIN has 4 to 48 digits.".into());
    }
    if pin.starts_with('0') {
        return Err("A PIN may not start with 0.".into());
    }
    Ok(())
}
