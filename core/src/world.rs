//! The whole simulated world as one serializable value: the HSM, the LunaCM session, the clock and the RNG.

use crate::device::{Env, Hsm, Local, Screen};
use crate::lunacm::{self, tokenize, Console, Reply, PROMPT};
use crate::sim;
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
use serde::{Deserialize, Serialize};
use std::fmt;

/// Version of the saved-world format; a saved world of another version is refused, not guessed at.
pub const SCHEMA_VERSION: u32 = 1;

/// What Thales e-mails the customer before a new unit ships ("logical control validation").
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Shipment {
    /// The unit's serial number.
    pub serial: String,
    /// STM random user string.
    pub random_user_string: String,
    /// STM verification string.
    pub verification_string: String,
}

/// Everything that persists between commands, page loads and CLI runs.
#[derive(Clone, Debug, PartialEq, Serialize, Deserialize)]
pub struct World {
    schema: u32,
    revision: u64,
    pub(crate) hsm: Hsm,
    pub(crate) shipment: Shipment,
    /// Added to the host clock by `sim clock advance`.
    pub(crate) clock_offset_ms: u64,
    pub(crate) rng: ChaCha20Rng,
    console: Console,
}

/// Why a saved world could not be loaded.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum LoadError {
    /// The text is not a saved world at all.
    Corrupt(String),
    /// A saved world of another schema version.
    Version { found: u64, expected: u32 },
}

impl fmt::Display for LoadError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            LoadError::Corrupt(e) => write!(f, "the saved simulator state is damaged and cannot be read ({e})"),
            LoadError::Version { found, expected } => write!(
                f,
                "the saved simulator state is in format version {found}, but this simulator reads version {expected}"
            ),
        }
    }
}

impl std::error::Error for LoadError {}

impl World {
    /// A factory-fresh unit, in Secure Transport Mode and zeroized, with randomness from `seed`.
    pub fn new(seed: u64, _now_ms: u64) -> World {
        let mut rng = ChaCha20Rng::seed_from_u64(seed);
        let (hsm, random_user_string, verification_string) = Hsm::from_factory(&mut rng);
        let shipment = Shipment { serial: hsm.serial().to_string(), random_user_string, verification_string };
        World { schema: SCHEMA_VERSION, revision: 0, hsm, shipment, clock_offset_ms: 0, rng, console: Console::default() }
    }

    /// Starts a new LunaCM session: drops any command in progress, closes the HSM session (logging the
    /// role out, as quitting LunaCM does) and returns the banner and the first prompt.
    pub fn start_session(&mut self) -> String {
        self.console.reset();
        self.hsm.close_session();
        format!("{}{PROMPT}", lunacm::banner(self.console.slot(), &self.hsm.info()))
    }

    /// Handles one line typed at the current prompt: a LunaCM command, a `sim` command, or the answer
    /// to the question LunaCM is asking.
    pub fn enter(&mut self, line: &str, now_ms: u64) -> Reply {
        self.revision += 1;
        let now = self.now(now_ms);
        if !self.console.waiting() {
            let words = tokenize(line).unwrap_or_default();
            let first = words.first().map(|w| w.to_ascii_lowercase());
            match first.as_deref() {
                Some("sim") => {
                    let text = sim::run(self, &words[1..], now_ms);
                    return Reply { echo: line.to_string(), text: format!("{text}\n{PROMPT}") };
                }
                Some("exit") | Some("quit") if words.len() == 1 => {
                    let text = format!("\n{}", self.start_session());
                    return Reply { echo: line.to_string(), text };
                }
                _ => {}
            }
        }
        let World { hsm, rng, console, .. } = self;
        let mut transport = Local { hsm, env: Env { now_ms: now, rng } };
        console.enter(line, now, &mut transport)
    }

    /// True while LunaCM waits for a password: the input and its echo are masked.
    pub fn input_masked(&self) -> bool {
        self.console.prompt().masked
    }

    /// The text LunaCM is waiting at: `lunacm:>` or a question.
    pub fn prompt(&self) -> String {
        self.console.prompt().text
    }

    /// What the touchscreen shows.
    pub fn screen(&self, _now_ms: u64) -> Screen {
        self.hsm.screen()
    }

    /// The world's time: the host clock plus any `sim clock advance`.
    pub fn now(&self, host_now_ms: u64) -> u64 {
        host_now_ms.saturating_add(self.clock_offset_ms)
    }

    /// Counts the lines entered; a newer saved revision means another tab changed the world.
    pub fn revision(&self) -> u64 {
        self.revision
    }

    /// The shipping e-mail with the unit's STM strings.
    pub fn shipment(&self) -> &Shipment {
        &self.shipment
    }

    /// The device, for inspection.
    pub fn hsm(&self) -> &Hsm {
        &self.hsm
    }

    /// The saved form of the world.
    pub fn to_json(&self) -> String {
        serde_json::to_string(self).expect("a world always serializes")
    }

    /// Reads a saved world, refusing damaged text and other schema versions with a precise error.
    pub fn from_json(text: &str) -> Result<World, LoadError> {
        let value: serde_json::Value = serde_json::from_str(text).map_err(|e| LoadError::Corrupt(e.to_string()))?;
        let found = value.get("schema").and_then(|v| v.as_u64()).ok_or_else(|| LoadError::Corrupt("no schema version".into()))?;
        if found != u64::from(SCHEMA_VERSION) {
            return Err(LoadError::Version { found, expected: SCHEMA_VERSION });
        }
        serde_json::from_value(value).map_err(|e| LoadError::Corrupt(e.to_string()))
    }

    /// Replaces the world with a factory-fresh one (the `sim reset` command).
    pub(crate) fn reset(&mut self, seed: u64, now_ms: u64) {
        let revision = self.revision;
        *self = World::new(seed, now_ms);
        self.revision = revision;
    }
}
