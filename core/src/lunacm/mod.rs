//! The host's LunaCM: text in, [`Request`]s to the device, text out.
//!
//! LunaCM never touches device state; it only talks through a [`Transport`], and it does no I/O of its
//! own: every piece of host work is a [`Job`] that yields the requests it needs answered ([`exchange`]
//! says how), so the same code drives a device in process and one at the end of a USB cable. Interactive prompts
//! (passwords, `proceed`) are handled by replay: a command that needs an answer it does not have yet
//! stops with [`Stop::Ask`]; the console remembers the line and the answers so far, and runs the command
//! again from the start when the next answer arrives. Commands are written so that everything before
//! their last prompt only reads, so a replay repeats the same output, of which only the new part is shown.

pub mod cmu;
mod commands;
mod exchange;
mod format;
mod parse;

pub use commands::monitor::MonitorWait;
pub use exchange::{Job, Output, Replay, Step};
pub use format::{banner, http_date};
pub use parse::{tokenize, Args, OptSpec};

use crate::device::{Frame, PedStatus, Request, Response, SlotId, Transport};
use crate::host::HostFiles;
use crate::retcode::LunaRet;
use serde::{Deserialize, Serialize};

/// The LunaCM command prompt.
pub const PROMPT: &str = "lunacm:>";
/// Indentation of LunaCM's output lines.
pub const INDENT: &str = "        ";
/// The confirmation question of every destructive command.
pub const PROCEED: &str = "Type 'proceed' to continue, or 'quit' to quit now ->";
/// The Luna HSM Client's root directory on a Linux host: where LunaCM looks for a file named without a
/// directory (the guide's firmware update procedure copies the update files there).
pub const CLIENT_ROOT: &str = "/usr/safenet/lunaclient/bin";

/// What LunaCM shows after a line is entered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Reply {
    /// The line as it appears after the prompt: as typed, or asterisks for a password.
    pub echo: String,
    /// The output, ending with the next prompt.
    pub text: String,
}

/// A question LunaCM is waiting to have answered.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Prompt {
    /// The text shown, ending where the answer is typed.
    pub text: String,
    /// Whether the answer is a secret to be masked.
    pub masked: bool,
}

/// Why a command stopped before finishing.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Stop {
    /// It needs an answer to this prompt.
    Ask(Prompt),
    /// The HSM or LunaCM refused it with a return code, and optionally an explanation.
    Fail(LunaRet, Option<String>),
    /// The user answered `quit`.
    Cancelled,
    /// The command line itself is wrong.
    Syntax(String),
    /// The HSM is running an iKey ceremony; the command finishes when it ends.
    AwaitPed(PedWait),
    /// `hsm monitor` waits for its next reading; the command finishes with its last.
    AwaitMonitor(MonitorWait),
}

/// What a command waiting for the PED prints when the ceremony ends.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct PedWait {
    /// The command's first words, for error lines.
    verb: String,
    /// Printed when the ceremony succeeds.
    success: Option<String>,
}

/// A label, password or domain the name rules refuse stops the command with the rule's code and reason.
impl From<crate::device::NameError> for Stop {
    fn from(e: crate::device::NameError) -> Stop {
        Stop::Fail(e.code, Some(e.message))
    }
}

impl From<LunaRet> for Stop {
    fn from(code: LunaRet) -> Stop {
        Stop::Fail(code, None)
    }
}

/// A command that is waiting for answers.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
struct Pending {
    line: String,
    answers: Vec<String>,
    /// Bytes of output already shown, skipped when the command is replayed.
    shown: usize,
    prompt: Prompt,
}

/// What the console is waiting for.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
enum Waiting {
    /// The answer to a question.
    Answer(Pending),
    /// The end of an iKey ceremony on the touchscreen.
    Ped(PedWait),
    /// The next reading of `hsm monitor`.
    Monitor(MonitorWait),
}

/// A LunaCM session: the current slot and any command waiting for an answer.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct Console {
    slot: SlotId,
    waiting: Option<Waiting>,
    /// The last command ended by restarting LunaCM (a firmware rollback), until the world starts the new
    /// session.
    #[serde(skip)]
    restart: bool,
    /// How long the last command kept LunaCM busy beyond an instant (a firmware update), until the world
    /// moves its clock on by it.
    #[serde(skip)]
    took_ms: u64,
    /// A job waiting for the device's answer ([`Console::begin`]). Not saved: a world is saved between
    /// jobs, and an answer that arrives after a reload has no job to go to.
    #[serde(skip)]
    in_flight: Option<exchange::InFlight>,
}

impl Default for Console {
    fn default() -> Self {
        // LunaCM starts on unit 1's admin slot.
        Console { slot: crate::hub::admin_slot(0), waiting: None, restart: false, took_ms: 0, in_flight: None }
    }
}

/// Everything a command sees while it runs.
pub struct Ctx<'a> {
    /// The command's options.
    pub args: Args,
    /// Output so far.
    pub out: String,
    /// The session's current slot.
    pub slot: &'a mut SlotId,
    /// The host's files (templates).
    pub files: &'a mut HostFiles,
    /// The host's clock, milliseconds since the epoch.
    pub now_ms: u64,
    /// The command's first words, for error lines.
    verb: String,
    answers: &'a [String],
    next_answer: usize,
    transport: &'a mut dyn Transport,
    /// LunaCM restarts once the command succeeds.
    restart: bool,
    /// How long the command takes on the world's clock (see [`Ctx::takes`]).
    took_ms: u64,
}

impl Ctx<'_> {
    /// Prints one indented line.
    pub fn line(&mut self, text: &str) {
        if text.is_empty() {
            self.out.push('\n');
        } else {
            self.out.push_str(INDENT);
            self.out.push_str(text);
            self.out.push('\n');
        }
    }

    /// Asks a question; returns the answer once the user has given it.
    pub fn ask(&mut self, text: &str, masked: bool) -> Result<String, Stop> {
        let shown = format!("\n{INDENT}{text}");
        self.out.push_str(&shown);
        match self.answers.get(self.next_answer) {
            Some(a) => {
                self.next_answer += 1;
                // The typed answer and its newline are shown by the terminal (the reply's echo).
                Ok(a.clone())
            }
            None => Err(Stop::Ask(Prompt { text: shown, masked })),
        }
    }

    /// Asks for `proceed` unless `-force` was given; anything else cancels the command.
    pub fn confirm(&mut self) -> Result<(), Stop> {
        if self.args.has("force") {
            return Ok(());
        }
        self.confirm_always()
    }

    /// Asks for `proceed` even with `-force`: for questions only a person can answer.
    pub fn confirm_always(&mut self) -> Result<(), Stop> {
        let answer = self.ask(PROCEED, false)?;
        if answer.trim().eq_ignore_ascii_case("proceed") {
            Ok(())
        } else {
            Err(Stop::Cancelled)
        }
    }

    /// Sends a request to the HSM, addressed to the current slot.
    pub fn call(&mut self, request: Request) -> Result<Response, Stop> {
        let slot = *self.slot;
        self.call_slot(slot, request)
    }

    /// Sends a request to the HSM, addressed to `slot`.
    pub fn call_slot(&mut self, slot: SlotId, request: Request) -> Result<Response, Stop> {
        self.transport.transact(Frame { slot, request }).map_err(Stop::from)
    }

    /// LunaCM restarts when the command has succeeded, as it does after a firmware rollback: the session
    /// ends (every role logged out) and the banner is printed again.
    pub fn restart_lunacm(&mut self) {
        self.restart = true;
    }

    /// The command keeps LunaCM busy for `ms` (an update being written): the world's clock moves on by
    /// that much once it returns, as the user's would while they wait.
    pub fn takes(&mut self, ms: u64) {
        self.took_ms = self.took_ms.saturating_add(ms);
    }

    /// What a command waiting for the PED prints when the ceremony ends.
    pub fn ped_wait(&self, success: Option<&str>) -> PedWait {
        PedWait { verb: self.verb.clone(), success: success.map(str::to_string) }
    }

    /// Sends a request that starts an iKey ceremony: LunaCM asks the user to attend to the PED and waits.
    /// `success` is printed if the ceremony succeeds. This must be the command's last step.
    pub fn ped(&mut self, request: Request, success: Option<&str>) -> Result<(), Stop> {
        match self.call(request)? {
            Response::Ped(PedStatus::Pending) => {
                self.line("");
                self.line("Please attend to the PED.");
                Err(Stop::AwaitPed(PedWait { verb: self.verb.clone(), success: success.map(str::to_string) }))
            }
            Response::Ped(PedStatus::Done(None)) => Ok(()),
            Response::Ped(PedStatus::Done(Some(code))) => Err(Stop::Fail(code, explain_ped(code))),
            Response::Done => Ok(()),
            other => Err(commands::unexpected(other)),
        }
    }
}

impl Console {
    /// The session's current slot.
    pub fn slot(&self) -> SlotId {
        self.slot
    }

    /// The prompt the user is answering: a question, or the command prompt.
    pub fn prompt(&self) -> Prompt {
        match &self.waiting {
            Some(Waiting::Answer(p)) => p.prompt.clone(),
            Some(Waiting::Ped(_) | Waiting::Monitor(_)) => Prompt { text: String::new(), masked: false },
            None => Prompt { text: PROMPT.into(), masked: false },
        }
    }

    /// True while LunaCM waits for an answer or for the PED rather than for a command.
    pub fn waiting(&self) -> bool {
        self.waiting.is_some()
    }

    /// True while a command waits for an iKey ceremony to end.
    pub fn waiting_for_ped(&self) -> bool {
        matches!(self.waiting, Some(Waiting::Ped(_)))
    }

    /// True while `hsm monitor` waits for its next reading.
    pub fn monitoring(&self) -> bool {
        matches!(self.waiting, Some(Waiting::Monitor(_)))
    }

    /// Lets `hsm monitor` take its next reading if its time has come at `now_ms`: returns its line, and
    /// the command's result after its last (empty when no reading was due or no monitor runs).
    fn poll_monitor(&mut self, now_ms: u64, transport: &mut dyn Transport, files: &mut HostFiles) -> String {
        let mut wait = match self.waiting.take() {
            Some(Waiting::Monitor(w)) => w,
            other => {
                self.waiting = other;
                return String::new();
            }
        };
        match wait.poll(now_ms, transport, files) {
            Ok((line, true)) => {
                self.waiting = Some(Waiting::Monitor(wait));
                line
            }
            Ok((line, false)) => format!("{line}\nCommand Result : No Error\n\n{PROMPT}"),
            Err((code, msg)) => failure_text(String::new(), "hsm monitor", code, msg),
        }
    }

    /// The ceremony a command was waiting for has ended: prints the command's result.
    pub fn ped_done(&mut self, error: Option<LunaRet>) -> String {
        let Some(Waiting::Ped(wait)) = self.waiting.take() else {
            return String::new();
        };
        match error {
            None => {
                let mut t = String::new();
                if let Some(s) = wait.success {
                    t.push_str(&format!("\n{INDENT}{s}\n"));
                }
                format!("{t}\nCommand Result : No Error\n\n{PROMPT}")
            }
            Some(code) => failure_text(String::new(), &wait.verb, code, explain_ped(code)),
        }
    }

    /// Whether the last command asked for LunaCM to restart; asking clears it.
    pub fn take_restart(&mut self) -> bool {
        std::mem::take(&mut self.restart)
    }

    /// How long the last command kept LunaCM busy ([`Ctx::takes`]); asking clears it.
    pub fn take_took_ms(&mut self) -> u64 {
        std::mem::take(&mut self.took_ms)
    }

    /// Drops any command in progress but stays on the current slot.
    pub fn reset_keeping_slot(&mut self) {
        self.waiting = None;
    }

    /// Drops any command in progress: what a LunaCM restart does.
    pub fn reset(&mut self) {
        *self = Console::default();
    }

    /// Handles one line typed at the current prompt.
    fn enter(&mut self, line: &str, now_ms: u64, transport: &mut dyn Transport, files: &mut HostFiles) -> Reply {
        let prompt = self.prompt();
        let echo = if prompt.masked { "*".repeat(line.chars().count()) } else { line.to_string() };
        let (cmd_line, answers, shown) = match self.waiting.take() {
            Some(Waiting::Answer(mut p)) => {
                p.answers.push(line.to_string());
                (p.line, p.answers, p.shown)
            }
            Some(Waiting::Ped(wait)) => {
                self.waiting = Some(Waiting::Ped(wait));
                let text = format!(
                    "{INDENT}LunaCM is waiting for the iKey operation: follow the touchscreen (or use 'sim' commands).\n"
                );
                return Reply { echo, text };
            }
            Some(Waiting::Monitor(wait)) => {
                self.waiting = Some(Waiting::Monitor(wait));
                return Reply { echo, text: commands::monitor::busy_note() };
            }
            None => (line.to_string(), Vec::new(), 0),
        };
        if answers.is_empty() && cmd_line.trim().is_empty() {
            return Reply { echo, text: PROMPT.into() };
        }
        let (out, stop, restart, took_ms) = self.run(&cmd_line, &answers, now_ms, transport, files);
        self.restart = restart && stop.is_none();
        self.took_ms = took_ms;
        // A replay prints the same prefix again; show only what is new.
        let fresh = out.get(shown..).unwrap_or_default().to_string();
        let text = match stop {
            Some(Stop::Ask(prompt)) => {
                self.waiting = Some(Waiting::Answer(Pending { line: cmd_line, answers, shown: out.len(), prompt }));
                // The prompt text is already the tail of the output.
                return Reply { echo, text: fresh };
            }
            Some(Stop::AwaitPed(wait)) => {
                self.waiting = Some(Waiting::Ped(wait));
                return Reply { echo, text: fresh };
            }
            Some(Stop::AwaitMonitor(wait)) => {
                self.waiting = Some(Waiting::Monitor(wait));
                return Reply { echo, text: fresh };
            }
            None => format!("{fresh}\nCommand Result : No Error\n\n{PROMPT}"),
            Some(Stop::Cancelled) => format!("{fresh}\nCommand Result : 0xb (User Cancelled Operation)\n\n{PROMPT}"),
            Some(Stop::Syntax(msg)) => {
                format!(
                    "{fresh}\n{INDENT}Syntax error: {msg}\n\n{}\n\n{PROMPT}",
                    crate::retcode::ARGUMENTS_BAD.command_result()
                )
            }
            Some(Stop::Fail(code, msg)) => {
                let msg = msg.or_else(|| commands::explain(code));
                failure_text(fresh, &cmd_words(&cmd_line), code, msg)
            }
        };
        Reply { echo, text }
    }

    fn run(
        &mut self,
        line: &str,
        answers: &[String],
        now_ms: u64,
        transport: &mut dyn Transport,
        files: &mut HostFiles,
    ) -> (String, Option<Stop>, bool, u64) {
        let words = match tokenize(line) {
            Ok(w) => w,
            Err(e) => return (String::new(), Some(Stop::Syntax(e)), false, 0),
        };
        let Some((cmd, rest)) = commands::find(&words) else {
            let msg = format!("unknown command '{}'. Type 'help' for the list of commands.", words.join(" "));
            return (String::new(), Some(Stop::Syntax(msg)), false, 0);
        };
        let parsed =
            if cmd.keywords() { Args::parse_keywords(rest, cmd.options) } else { Args::parse(rest, cmd.options) };
        let args = match parsed {
            Ok(a) => a,
            Err(e) => return (String::new(), Some(Stop::Syntax(format!("{e}\n\n{}", commands::usage(cmd)))), false, 0),
        };
        let verb = cmd_words(line);
        let mut ctx = Ctx {
            args,
            out: String::new(),
            slot: &mut self.slot,
            files,
            now_ms,
            verb,
            answers,
            next_answer: 0,
            transport,
            restart: false,
            took_ms: 0,
        };
        let result = (cmd.run)(&mut ctx);
        (ctx.out, result.err(), ctx.restart, ctx.took_ms)
    }
}

/// Output so far, then the error lines LunaCM prints for a failed command, then the prompt.
fn failure_text(mut t: String, verb: &str, code: LunaRet, msg: Option<String>) -> String {
    t.push('\n');
    if let Some(msg) = msg {
        t.push_str(&format!("{INDENT}{msg}\n\n"));
    }
    t.push_str(&format!("{INDENT}Error: '{verb}' failed. ({code})\n\n{}\n\n{PROMPT}", code.command_result()));
    t
}

/// What a trainee should know about how an iKey ceremony failed.
fn explain_ped(code: LunaRet) -> Option<String> {
    use crate::retcode as rc;
    let text = if code == rc::SO_LOGIN_FAILURE_THRESHOLD {
        "Three consecutive HSM SO logins failed: the HSM has been zeroized."
    } else if code == rc::UM_PIN_INCORRECT {
        "Authentication failed: a wrong iKey of the right type, or a wrong PIN, was presented."
    } else if code == rc::TIMEOUT {
        "The iKey operation timed out on the touchscreen."
    } else if code == rc::CANCEL {
        "The iKey operation was cancelled on the touchscreen."
    } else if code == rc::UM_PIN_INCORRECT_CONTAINER_LOCKED {
        "Authentication failed, and too many have: the role is locked out."
    } else if code == rc::UM_PIN_INCORRECT_CONTAINER_ZEROIZED {
        "Authentication failed ten times: the partition has been zeroized."
    } else if code == rc::AUDIT_LOGIN_FAILURE_THRESHOLD {
        "Three consecutive Auditor logins failed: the Auditor is locked out for ten minutes."
    } else if code == rc::M_OF_N_SECRET_INVALID {
        "The presented keyset could not be reassembled: a PIN is wrong."
    } else {
        return None;
    };
    Some(text.into())
}

/// The words of a command line that name the command (`ped vector init`), as LunaCM names it in errors.
fn cmd_words(line: &str) -> String {
    let words = tokenize(line).unwrap_or_default();
    let n = commands::find(&words).map_or(words.len().min(2), |(_, rest)| words.len() - rest.len());
    words[..n].join(" ")
}
