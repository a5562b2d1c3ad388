//! LunaCM without I/O: a host job asks for the device's answers one at a time.
//!
//! A USB transfer is asynchronous, and LunaCM's commands are written as plain synchronous code that calls
//! [`Transport::transact`]. The two meet by replay, as prompts already do: a job (a typed line, the
//! session's start, a poll of the PED or of the monitor, a run of `cmu`) runs against a [`Replay`]
//! transport holding the device's answers so far. When it sends a request beyond them, the run is
//! abandoned and the job yields [`Step::Device`] with that request; the caller gets the device's answer
//! however it can (at once in process, later from a USB transfer or a pipe) and resumes the job, which
//! runs again from its start, now one answer further. The last run, which needs nothing new, is the one
//! whose effects on the console are kept; host files a job writes are written only after its last
//! request, so an abandoned run has written none.

use super::{cmu, Console, Reply, PROMPT};
use crate::device::{Frame, PedStatus, Request, Response, Transport};
use crate::host::HostFiles;
use crate::hub;
use crate::retcode::{self, LunaRet};

/// The most units the host looks for when LunaCM starts: far more than a desk holds.
const MAX_UNITS: usize = 32;

/// A piece of host work that talks to the device.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Job {
    /// A line typed at LunaCM's prompt (a command or the answer to its question).
    Line(String),
    /// LunaCM starts: it closes the host's session on every unit it finds and prints its banner.
    OpenSession,
    /// LunaCM, waiting for an iKey ceremony, asks the PED how it stands.
    PedPoll,
    /// `hsm monitor` takes its next reading if one is due.
    MonitorPoll,
    /// A run of the client's `cmu` utility, with its arguments.
    Cmu(Vec<String>),
    /// An application uses the partition's keys (`sim app` without `app`).
    App(Vec<String>),
}

/// What a finished job printed: a line's reply, or text for the terminal.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Output {
    /// The reply to a typed line.
    Reply(Reply),
    /// What the job added to the terminal (the banner, a ceremony's result, a reading); may be empty.
    Text(String),
}

impl Output {
    /// The reply of a [`Job::Line`]; the text of any other job as a reply with no echo.
    pub fn into_reply(self) -> Reply {
        match self {
            Output::Reply(r) => r,
            Output::Text(text) => Reply { echo: String::new(), text },
        }
    }

    /// The text the job added to the terminal.
    pub fn into_text(self) -> String {
        match self {
            Output::Reply(r) => r.text,
            Output::Text(t) => t,
        }
    }
}

/// Where a job stands.
#[derive(Clone, Debug, PartialEq, Eq)]
pub enum Step {
    /// The job needs the device's answer to this request: pass it to [`Console::resume`].
    Device(Frame),
    /// The job is done.
    Done(Output),
}

/// A job between two of the device's answers.
#[derive(Clone, Debug, PartialEq, Eq)]
pub(super) struct InFlight {
    job: Job,
    /// The host's clock when the job began: every run of it sees the same time.
    now_ms: u64,
    answers: Vec<Result<Response, LunaRet>>,
}

/// The transport a job runs against: the device's answers so far, then the request that needs a new one.
pub struct Replay<'a> {
    answers: &'a [Result<Response, LunaRet>],
    next: usize,
    needs: Option<Frame>,
}

impl<'a> Replay<'a> {
    /// A replay with these answers, in the order the job asked for them.
    pub fn new(answers: &'a [Result<Response, LunaRet>]) -> Replay<'a> {
        Replay { answers, next: 0, needs: None }
    }

    /// The first request the answers did not cover, if the job sent one.
    pub fn needs(self) -> Option<Frame> {
        self.needs
    }
}

impl Transport for Replay<'_> {
    /// The next recorded answer; past them, the request is kept and every request fails, the run being
    /// abandoned anyway.
    fn transact(&mut self, frame: Frame) -> Result<Response, LunaRet> {
        if self.needs.is_none() {
            if let Some(answer) = self.answers.get(self.next) {
                self.next += 1;
                return answer.clone();
            }
            self.needs = Some(frame);
        }
        Err(retcode::DEVICE_ERROR)
    }
}

impl Console {
    /// Starts `job` at the host's time `now_ms`. A job that needs the device first yields its request.
    /// Starting a job abandons one still waiting for the device (its answers are dropped).
    pub fn begin(&mut self, job: Job, now_ms: u64, files: &mut HostFiles) -> Step {
        self.in_flight = Some(InFlight { job, now_ms, answers: Vec::new() });
        self.attempt(files)
    }

    /// Goes on with the job waiting for the device, now that it answered the request it yielded.
    /// Without such a job (the answer came too late: LunaCM was restarted), the answer is dropped and
    /// nothing is printed.
    pub fn resume(&mut self, answer: Result<Response, LunaRet>, files: &mut HostFiles) -> Step {
        match self.in_flight.as_mut() {
            Some(flight) => flight.answers.push(answer),
            None => return Step::Done(Output::Text(String::new())),
        }
        self.attempt(files)
    }

    /// True while a job waits for the device's answer.
    pub fn awaiting_device(&self) -> bool {
        self.in_flight.is_some()
    }

    /// Runs `job` to its end against a device that answers at once.
    pub fn run_job(&mut self, job: Job, now_ms: u64, transport: &mut dyn Transport, files: &mut HostFiles) -> Output {
        let mut step = self.begin(job, now_ms, files);
        loop {
            match step {
                Step::Done(out) => return out,
                Step::Device(frame) => step = self.resume(transport.transact(frame), files),
            }
        }
    }

    /// Runs the job in flight from its start on a copy of the console, and keeps the copy if the job
    /// finished.
    fn attempt(&mut self, files: &mut HostFiles) -> Step {
        let Some(flight) = self.in_flight.take() else {
            return Step::Done(Output::Text(String::new()));
        };
        let mut trial = self.clone();
        let mut replay = Replay::new(&flight.answers);
        let out = trial.perform(&flight.job, flight.now_ms, &mut replay, files);
        match replay.needs() {
            Some(frame) => {
                self.in_flight = Some(flight);
                Step::Device(frame)
            }
            None => {
                *self = trial;
                Step::Done(out)
            }
        }
    }

    /// One run of a job.
    fn perform(&mut self, job: &Job, now_ms: u64, transport: &mut dyn Transport, files: &mut HostFiles) -> Output {
        match job {
            Job::Line(line) => Output::Reply(self.enter(line, now_ms, transport, files)),
            Job::OpenSession => Output::Text(self.open_session(transport)),
            Job::PedPoll => Output::Text(self.poll_ped(transport)),
            Job::MonitorPoll => Output::Text(self.poll_monitor(now_ms, transport, files)),
            Job::Cmu(words) => Output::Text(cmu::run(words, transport, files, now_ms)),
            Job::App(words) => Output::Text(cmu::app(words, transport, files)),
        }
    }

    /// LunaCM starts: any command in progress is dropped, the host's session on every unit is closed
    /// (logging its roles out), and the banner lists the units with the first prompt.
    fn open_session(&mut self, transport: &mut dyn Transport) -> String {
        self.reset();
        let mut units = Vec::new();
        for unit in 0..MAX_UNITS {
            let slot = hub::admin_slot(unit);
            if transport.transact(Frame { slot, request: Request::CloseSession }) == Err(retcode::SLOT_ID_INVALID) {
                break;
            }
            if let Ok(Response::Info(info)) = transport.transact(Frame { slot, request: Request::GetInfo }) {
                units.push((slot, info));
            }
        }
        format!("{}{PROMPT}", super::banner(self.slot(), &units))
    }

    /// When LunaCM waits for a ceremony that has ended, its result: the text to add to the terminal.
    ///
    /// The ceremony runs on the unit of LunaCM's current slot: the command that started it addressed that
    /// slot, and while LunaCM waits it takes no command that could change the slot (`slot set` included),
    /// so the current slot still names the unit the ceremony runs on.
    fn poll_ped(&mut self, transport: &mut dyn Transport) -> String {
        if !self.waiting_for_ped() {
            return String::new();
        }
        let slot = hub::admin_slot_of(self.slot());
        match transport.transact(Frame { slot, request: Request::PedPoll }) {
            Ok(Response::Ped(PedStatus::Pending)) => String::new(),
            Ok(Response::Ped(PedStatus::Done(error))) => self.ped_done(error),
            // The ceremony vanished (the HSM was zeroized under it): report it as cancelled.
            _ => self.ped_done(Some(retcode::CANCEL)),
        }
    }
}
