//! A training unit on a USB cable: the host side of the byte-pipe protocol ([`crate::wire`]), with the
//! page as the pipe. The page owns the WebUSB device (only a page can ask the user to choose one); it
//! writes the bytes this side gives it to the unit's bulk OUT endpoint and passes back what it reads from
//! the bulk IN endpoint. Everything else happens here: the handshake, framing, LunaCM (its own
//! [`Console`], so the simulated unit's session is untouched while a unit is attached), and what to print
//! when the unit goes away.
//!
//! A unit that can be mirrored ([`CAP_MIRROR`]) is also drawn: after each exchange this side reads the
//! unit's state, and the page's touchscreen, iKey port, slot legend, environment and policies show it;
//! taps and iKeys moved on the page act on it. The iKeys stay the page's: one pushed into the unit's port
//! travels there, and comes back when it is pulled out or when the link ends.

use serde::{Deserialize, Serialize};

use super::{Answer, Call, Output, ToPage};
use crate::device::{Frame, PhysicalEvent};
use crate::host::HostFiles;
use crate::ikey::IKey;
use crate::lunacm::{self, tokenize, Console, Job, Output as JobOutput, Step, INDENT, PROMPT};
use crate::retcode::LunaRet;
use crate::view::{EnvironmentView, PolicyTables, SlotStatus, View};
use crate::wire::host::{Link, DISCONNECTED, LINK_ERROR};
use crate::wire::{Message, UnitState, WireError, CAP_MIRROR};
use crate::World;

/// What a USB device's descriptors say about it, as the page read them.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize, Deserialize)]
pub struct UsbUnit {
    /// `idVendor`.
    pub vendor_id: u16,
    /// `idProduct`.
    pub product_id: u16,
    /// The manufacturer string, if the device has one.
    pub manufacturer: String,
    /// The product string.
    pub product: String,
    /// The serial number string.
    pub serial: String,
    /// `bcdDevice`, as `major.minor.subminor`.
    pub version: String,
}

/// What the page tells this side about the cable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UsbEvent {
    /// A training unit was opened and its interface claimed: the handshake starts.
    Opened { unit: UsbUnit },
    /// Bytes read from the unit's bulk IN endpoint.
    Received { bytes: Vec<u8> },
    /// The link is gone: the user disconnected (`why` is `None`), the unit was unplugged, or a transfer
    /// failed (`why` says which).
    Closed { why: Option<String> },
}

/// What this side asks the page to do with the cable.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub enum UsbOut {
    /// Write these bytes to the bulk OUT endpoint, then read from the bulk IN endpoint.
    Transfer { bytes: Vec<u8> },
    /// Read again from the bulk IN endpoint: the answer is not complete yet.
    Read,
    /// Release and close the device: the link failed (the terminal says why).
    Close,
}

/// The attached unit as the page shows it.
#[derive(Clone, Debug, PartialEq, Eq, Serialize, Deserialize)]
pub struct AttachedView {
    /// What its descriptors say.
    pub unit: UsbUnit,
    /// What the unit said of itself in the handshake, once it has: program, serial, model, firmware.
    pub welcome: Option<crate::wire::Welcome>,
    /// LunaCM waits for the unit's answer.
    pub busy: bool,
}

/// What a job in flight was started for.
#[derive(Clone, Debug, PartialEq, Eq)]
enum Purpose {
    /// LunaCM starting on the unit, just connected.
    Open,
    /// A line typed in the terminal: the page's call `id`, and the line as echoed.
    Line { id: u32, echo: String },
    /// A poll of the PED while LunaCM waits for a ceremony on the unit.
    PedPoll,
    /// An application's operation (the page's call `id`).
    App { id: u32 },
    /// A tap or an iKey moved on the page, acting on the mirrored unit (the page's call `id`).
    Physical { id: u32 },
    /// Reading the mirrored unit's state after an exchange.
    Look,
}

/// What happened, for the engine to tell the page.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Outcome {
    /// Text for the terminal.
    pub text: String,
    /// A new LunaCM session's banner (the terminal starts over with it).
    pub banner: Option<String>,
    /// The page's call this answers, if a line was finished.
    pub answered: Option<u32>,
    /// What to do with the cable.
    pub usb: Option<UsbOut>,
    /// The link is over: the engine drops it and returns to the simulated unit.
    pub closed: bool,
    /// What an application's operation got back.
    pub said: Option<String>,
    /// An iKey back on the page's desk: pulled out of the unit's port, refused by it, or in it when the
    /// link ended.
    pub returned: Option<IKey>,
}

/// LunaCM talking to a unit over the page's USB link.
pub struct Attached {
    unit: UsbUnit,
    link: Link,
    console: Console,
    /// The id of the request whose answer the job in flight waits for.
    awaiting: Option<u32>,
    job: Option<Purpose>,
    /// The unit as last read, when it can be mirrored: drawn instead of the simulated unit.
    mirror: Option<World>,
    /// What a finished job has to say, held while the unit's state is read after it.
    held: Option<Outcome>,
    /// An iKey on its way into the unit's port, until the unit's answer says where it is.
    sent_key: Option<IKey>,
}

impl Attached {
    /// A unit just opened: the link starts with the Hello, which the page is to send.
    pub fn open(unit: UsbUnit) -> (Attached, Outcome) {
        let mut link = Link::new();
        let hello = link.hello_with(crate::wire::host::PRODUCT, &[CAP_MIRROR]);
        let text = format!(
            "\n{INDENT}Connecting to {} (serial {}) over USB...\n",
            name_of(&unit),
            if unit.serial.is_empty() { "unknown" } else { &unit.serial }
        );
        let attached = Attached {
            unit,
            link,
            console: Console::default(),
            awaiting: None,
            job: Some(Purpose::Open),
            mirror: None,
            held: None,
            sent_key: None,
        };
        (attached, Outcome { text, usb: Some(UsbOut::Transfer { bytes: hello }), ..Outcome::default() })
    }

    /// What the page shows of the link.
    pub fn view(&self) -> AttachedView {
        AttachedView { unit: self.unit.clone(), welcome: self.link.welcome().cloned(), busy: self.job.is_some() }
    }

    /// LunaCM's prompt on the unit.
    pub fn prompt(&self) -> lunacm::Prompt {
        self.console.prompt()
    }

    /// LunaCM waits for an iKey ceremony on the unit.
    pub fn waiting_for_ped(&self) -> bool {
        self.console.waiting_for_ped()
    }

    /// Draws the attached unit into `view` (the simulated world's): LunaCM's prompt and waits on it,
    /// and, when it is mirrored, its touchscreen, port, legend, policies and environment, with the desk's
    /// iKeys beside the one in its port.
    pub fn draw(&self, view: &mut View, now: u64) {
        let prompt = self.console.prompt();
        view.masked = prompt.masked;
        view.at_command_prompt = prompt.text == PROMPT;
        view.waiting_for_ped = self.console.waiting_for_ped();
        view.attached = Some(self.view());
        let Some(unit) = &self.mirror else { return };
        let on_desk = view.ikeys.iter().filter(|k| k.in_unit.is_none()).cloned();
        let in_port = unit.ikeys().into_iter().filter(|k| k.in_port);
        let mut ikeys: Vec<_> = on_desk.chain(in_port).collect();
        ikeys.sort_by_key(|k| k.id);
        view.ikeys = ikeys;
        view.screen = unit.screen(now);
        view.busy = unit.busy();
        view.slots = SlotStatus::of(unit);
        view.policies = PolicyTables::of(unit);
        view.environment = EnvironmentView::of(unit);
    }

    /// Whether the unit lets the page use its touchscreen and iKey port.
    pub fn mirrored(&self) -> bool {
        self.link.welcome().is_some_and(|w| w.capabilities.iter().any(|c| c == CAP_MIRROR))
    }

    /// A tap, or an iKey pushed in or pulled out, on the page (call `id`) acts on the unit. Refused while
    /// LunaCM waits for the unit, or when the unit cannot be mirrored; an iKey refused here is given back
    /// in the error's place by the caller.
    pub fn physical(&mut self, id: u32, event: PhysicalEvent) -> Result<Outcome, String> {
        if self.job.is_some() {
            return Err("The unit on the cable is busy with LunaCM's request; try again in a moment.".into());
        }
        if !self.mirrored() {
            return Err("The unit on the cable does not let this page use its touchscreen or iKey port.".into());
        }
        if let PhysicalEvent::Insert(key) = &event {
            self.sent_key = Some(key.clone());
        }
        let (wire_id, bytes) = self.link.physical(event).map_err(|e| format!("The unit could not be told: {e}."))?;
        self.job = Some(Purpose::Physical { id });
        self.awaiting = Some(wire_id);
        Ok(Outcome { usb: Some(UsbOut::Transfer { bytes }), ..Outcome::default() })
    }

    /// An application on the host uses the unit's keys (the page's call `id`), as `sim app` does.
    pub fn app(&mut self, id: u32, args: Vec<String>, now: u64, files: &mut HostFiles) -> Result<Outcome, String> {
        if self.job.is_some() {
            return Err("The unit on the cable is busy with LunaCM's request; try again in a moment.".into());
        }
        self.job = Some(Purpose::App { id });
        let step = self.console.begin(Job::App(args), now, files);
        Ok(self.step(step, files))
    }

    /// A line typed in the terminal (page call `id`). Refused while LunaCM waits for the unit's answer.
    pub fn enter(&mut self, id: u32, line: &str, now: u64, files: &mut HostFiles) -> Result<Outcome, String> {
        if self.job.is_some() {
            return Err("LunaCM is waiting for the unit's answer.".into());
        }
        let prompt = self.console.prompt();
        let echo = if prompt.masked { "*".repeat(line.chars().count()) } else { line.to_string() };
        let words = tokenize(line).unwrap_or_default();
        let first = words.first().map(|w| w.to_ascii_lowercase());
        let at_prompt = !self.console.waiting();
        let job = match first.as_deref() {
            Some("sim") if at_prompt => {
                let text = format!(
                    "{echo}\n{INDENT}'sim' commands act on the simulated unit; this terminal drives the unit on the USB \
                     cable. Disconnect it to go back to the simulator.\n\n{PROMPT}"
                );
                return Ok(Outcome { text, answered: Some(id), ..Outcome::default() });
            }
            Some("cmu") if at_prompt => Job::Cmu(words[1..].to_vec()),
            Some("exit" | "quit") if at_prompt && words.len() == 1 => Job::OpenSession,
            _ => Job::Line(line.to_string()),
        };
        // `exit` starts LunaCM again on the unit: the line's answer is the new banner.
        self.job = Some(Purpose::Line { id, echo });
        let step = self.console.begin(job, now, files);
        Ok(self.step(step, files))
    }

    /// Time passes: while LunaCM waits for a ceremony on the unit, it asks the unit how it stands.
    pub fn tick(&mut self, now: u64, files: &mut HostFiles) -> Option<Outcome> {
        if self.job.is_some() || !self.console.waiting_for_ped() {
            return None;
        }
        self.job = Some(Purpose::PedPoll);
        let step = self.console.begin(Job::PedPoll, now, files);
        Some(self.step(step, files))
    }

    /// What the page says about the cable.
    pub fn event(&mut self, event: UsbEvent, now: u64, files: &mut HostFiles) -> Outcome {
        match event {
            // A second open is the page's business; it closes the first before.
            UsbEvent::Opened { .. } => Outcome::default(),
            UsbEvent::Received { bytes } => {
                self.link.push(&bytes);
                self.received(now, files)
            }
            UsbEvent::Closed { why } => self.gone(why, files),
        }
    }

    /// Reads what the bytes received complete.
    fn received(&mut self, now: u64, files: &mut HostFiles) -> Outcome {
        loop {
            return match self.link.next_message() {
                None => Outcome { usb: Some(UsbOut::Read), ..Outcome::default() },
                Some(Ok(Message::Welcome(_))) if self.job == Some(Purpose::Open) && self.awaiting.is_none() => {
                    let step = self.console.begin(Job::OpenSession, now, files);
                    self.step(step, files)
                }
                Some(Ok(Message::Response { id, result })) if Some(id) == self.awaiting => {
                    self.awaiting = None;
                    let step = self.console.resume(result, files);
                    self.step(step, files)
                }
                Some(Ok(Message::Unit { id, unit })) if Some(id) == self.awaiting => {
                    self.awaiting = None;
                    self.seen(*unit, files)
                }
                // The answer to a request given up on (the link was reopened): too late to matter.
                Some(Ok(Message::Response { .. } | Message::Unit { .. })) => continue,
                Some(Ok(Message::Error(e))) => {
                    let why = format!("The unit could not take LunaCM's request: {}.", e.message);
                    self.failed(why, LINK_ERROR, files)
                }
                Some(Ok(other)) => {
                    let why = format!("The unit sent a {:?} frame LunaCM did not expect.", other.kind());
                    self.failed(why, LINK_ERROR, files)
                }
                Some(Err(WireError::UnsupportedVersion { offered, min, max })) => {
                    let why = format!(
                        "The unit speaks protocol version {offered}; this page speaks {min} to {max}. Update the \
                         unit's software or this page."
                    );
                    self.failed(why, LINK_ERROR, files)
                }
                Some(Err(e)) => self.failed(format!("The unit's answer could not be read: {e}."), LINK_ERROR, files),
            };
        }
    }

    /// Where a job stands: send its next request, or print what it printed.
    fn step(&mut self, step: Step, files: &mut HostFiles) -> Outcome {
        match step {
            Step::Device(frame) => self.send(frame, files),
            Step::Done(out) => self.finished(out),
        }
    }

    fn send(&mut self, frame: Frame, files: &mut HostFiles) -> Outcome {
        match self.link.request(frame) {
            Ok((id, bytes)) => {
                self.awaiting = Some(id);
                Outcome { usb: Some(UsbOut::Transfer { bytes }), ..Outcome::default() }
            }
            // Too large to send: the command fails as the device would fail it, and the link stays.
            Err(e) => {
                let step = self.console.resume(Err(crate::wire::host::TOO_LARGE), files);
                let mut out = self.step(step, files);
                out.text = format!("{INDENT}The request could not be sent: {e}.\n{}", out.text);
                out
            }
        }
    }

    /// A job finished: what it printed, once the unit's state is read again (when it is mirrored).
    fn finished(&mut self, out: JobOutput) -> Outcome {
        let outcome = self.done(out);
        if !self.mirrored() {
            return outcome;
        }
        match self.link.look() {
            Ok((id, bytes)) => {
                self.held = Some(outcome);
                self.job = Some(Purpose::Look);
                self.awaiting = Some(id);
                Outcome { usb: Some(UsbOut::Transfer { bytes }), ..Outcome::default() }
            }
            Err(_) => outcome,
        }
    }

    /// The unit's state arrived, after a Look or a Physical.
    fn seen(&mut self, unit: UnitState, files: &mut HostFiles) -> Outcome {
        let world = match World::from_json(&unit.world) {
            Ok(world) => world,
            Err(e) => {
                let why = format!("The unit's state could not be read: {e}.");
                let mut out = self.failed(why, LINK_ERROR, files);
                out.returned = out.returned.or(unit.returned);
                return out;
            }
        };
        // The unit is drawn with the session that drives it; the console changes only in jobs, each
        // followed by this read.
        let mut world = world;
        world.set_console(self.console.clone());
        self.mirror = Some(world);
        self.sent_key = None;
        match self.job.take() {
            Some(Purpose::Physical { id }) => {
                Outcome { answered: Some(id), returned: unit.returned, ..Outcome::default() }
            }
            _ => {
                let mut out = self.held.take().unwrap_or_default();
                out.returned = out.returned.or(unit.returned);
                out
            }
        }
    }

    fn done(&mut self, out: JobOutput) -> Outcome {
        match self.job.take() {
            Some(Purpose::Open) => {
                let welcome = self.link.welcome();
                let preface = match welcome {
                    Some(w) => format!(
                        "Connected over USB to {} (serial {}, firmware {}, protocol {}).\n\n",
                        w.product, w.serial, w.firmware, w.protocol
                    ),
                    None => String::new(),
                };
                Outcome { banner: Some(format!("{preface}{}", out.into_text())), ..Outcome::default() }
            }
            Some(Purpose::Line { id, echo }) => {
                let text = format!("{echo}\n{}", out.into_reply().text);
                Outcome { text, answered: Some(id), ..Outcome::default() }
            }
            Some(Purpose::App { id }) => {
                Outcome { answered: Some(id), said: Some(out.into_text()), ..Outcome::default() }
            }
            Some(Purpose::PedPoll | Purpose::Physical { .. } | Purpose::Look) | None => {
                Outcome { text: out.into_text(), ..Outcome::default() }
            }
        }
    }

    /// The link failed: the command in progress fails with `code`, the page closes the device.
    fn failed(&mut self, why: String, code: LunaRet, files: &mut HostFiles) -> Outcome {
        let mut out = self.end(&why, code, files);
        out.usb = Some(UsbOut::Close);
        out
    }

    /// The page says the link is gone.
    fn gone(&mut self, why: Option<String>, files: &mut HostFiles) -> Outcome {
        let why = why.unwrap_or_else(|| "The unit was disconnected.".to_string());
        self.end(&why, DISCONNECTED, files)
    }

    /// Ends the link: a command waiting for the unit, or for its PED, fails with `code`; the terminal
    /// says why and that the simulated unit is back; an iKey in the unit's port (or on its way there)
    /// comes back to the page's desk.
    fn end(&mut self, why: &str, code: LunaRet, files: &mut HostFiles) -> Outcome {
        let mut text = String::new();
        let mut answered = None;
        let mut said = None;
        match self.job.clone() {
            // A job's answer was in; only the unit's state after it was missing.
            Some(Purpose::Look) => {
                let held = self.held.take().unwrap_or_default();
                text.push_str(&held.text);
                text.push_str(&held.banner.unwrap_or_default());
                answered = held.answered;
                said = held.said;
            }
            Some(Purpose::Physical { id }) => answered = Some(id),
            _ if self.awaiting.is_some() || self.console.awaiting_device() => {
                let out = match self.console.resume(Err(code), files) {
                    Step::Done(out) => self.done(out),
                    // The command wants the unit again: it is gone, so the command is dropped.
                    Step::Device(_) => {
                        self.console.reset();
                        self.done(JobOutput::Text(String::new()))
                    }
                };
                answered = out.answered;
                said = out.said;
                text.push_str(&out.text);
                text.push_str(&out.banner.unwrap_or_default());
            }
            _ => {}
        }
        // A command still waiting for the unit's PED fails too: the link may have gone between two polls,
        // or while the unit's state was read after one (a `Look`, above).
        if self.console.waiting_for_ped() {
            text.push_str(&self.console.ped_done(Some(code)));
        }
        self.awaiting = None;
        self.job = None;
        let in_port = self.mirror.as_ref().and_then(|m| m.front_hsm().port().cloned());
        let returned = in_port.or(self.sent_key.take());
        if let Some(key) = &returned {
            text.push_str(&format!("\n{INDENT}iKey {} is back on the desk.", key.id));
        }
        text.push_str(&format!("\n\n{INDENT}{why}\n{INDENT}Back to the simulated unit.\n"));
        Outcome { text, answered, said, closed: true, returned, ..Outcome::default() }
    }

    /// The answer the page's call gets if the link is dropped under it.
    pub fn pending_call(&self) -> Option<u32> {
        match &self.job {
            Some(Purpose::Line { id, .. }) => Some(*id),
            _ => None,
        }
    }
}

/// The engine's side of the link: routing the page's calls to the attached unit and telling the page
/// what the link did.
impl super::Engine {
    /// Something happened on the USB link.
    pub(super) fn usb(&mut self, event: UsbEvent, now: u64) -> ToPage {
        let outcome = match (event, self.attached.as_mut()) {
            (UsbEvent::Opened { unit }, _) => {
                let (attached, outcome) = Attached::open(unit);
                self.attached = Some(attached);
                outcome
            }
            (event, Some(attached)) => attached.event(event, now, self.world.files_mut()),
            // Bytes or a close for a link that is already over.
            (_, None) => return ToPage::default(),
        };
        self.usb_outcome(outcome, now)
    }

    /// A line typed while a unit is attached goes to it.
    fn usb_enter(&mut self, id: u32, line: &str, now: u64) -> ToPage {
        let Some(attached) = self.attached.as_mut() else { return ToPage::default() };
        match attached.enter(id, line, now, self.world.files_mut()) {
            Ok(outcome) => self.usb_outcome(outcome, now),
            Err(why) => {
                let answer = Answer { id, outcome: Err(why), said: String::new() };
                ToPage { answer: Some(answer), ..ToPage::default() }
            }
        }
    }

    /// A call that acts on the unit on the cable while one is attached: a line, a tap, an iKey moved, an
    /// application's operation; the environment control is refused (it acts on a simulated unit only).
    /// `None`: the call is the simulator's as usual (host files, the desk's iKeys, labs...).
    pub(super) fn attached_call(&mut self, id: u32, call: &Call, now: u64) -> Option<ToPage> {
        let refuse = |why: &str| ToPage {
            answer: Some(Answer { id, outcome: Err(why.to_string()), said: String::new() }),
            ..ToPage::default()
        };
        let attached = self.attached.as_mut()?;
        let result = match call {
            Call::Enter { line } => return Some(self.usb_enter(id, line, now)),
            Call::Tap { label } => attached.physical(id, PhysicalEvent::Tap(label.clone())),
            Call::RemoveIkey => attached.physical(id, PhysicalEvent::Remove),
            Call::InsertIkey { ikey } => {
                let Some(key) = self.world.tray.take(*ikey) else {
                    return Some(refuse(&format!("iKey {ikey} is not on the desk.")));
                };
                attached.physical(id, PhysicalEvent::Insert(key.clone())).inspect_err(|_| self.world.tray.put(key))
            }
            Call::App { args } => attached.app(id, args.clone(), now, self.world.files_mut()),
            Call::SetEnvironment { .. } | Call::PowerCycle { .. } => {
                Err("The environment control acts on the simulated unit: disconnect the unit on the cable first."
                    .into())
            }
            _ => return None,
        };
        Some(match result {
            Ok(outcome) => self.usb_outcome(outcome, now),
            Err(why) => refuse(&why),
        })
    }

    /// Tells the page what the link did: the terminal's text (a new session's banner when LunaCM started
    /// on the unit; the simulated unit's prompt when the link is over), the call answered, what to do
    /// with the cable.
    pub(super) fn usb_outcome(&mut self, outcome: Outcome, now: u64) -> ToPage {
        let Outcome { mut text, banner, answered, usb, closed, said, returned } = outcome;
        if let Some(key) = returned {
            self.world.tray.put(key);
        }
        if closed {
            self.attached = None;
            text.push_str(&format!("\n{}", self.world.prompt()));
        }
        let output = match banner {
            Some(banner) => Some(Output::Restart(format!("{text}{banner}"))),
            None => (!text.is_empty()).then_some(Output::Append(text)),
        };
        ToPage {
            answer: answered.map(|id| Answer { id, outcome: Ok(None), said: said.unwrap_or_default() }),
            output,
            view: self.refresh(now),
            save: self.save(),
            event: None,
            usb,
        }
    }
}

/// "Luna trainer (1209:0007)": the product string and the ids, as a person recognises the device.
fn name_of(unit: &UsbUnit) -> String {
    let name = if unit.product.is_empty() { "a USB device" } else { unit.product.as_str() };
    format!("{name} ({:04x}:{:04x})", unit.vendor_id, unit.product_id)
}
