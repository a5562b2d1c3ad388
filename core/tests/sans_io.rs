//! LunaCM without I/O: a whole procedure typed into LunaCM, with the device's answers delivered later (as a
//! USB transfer or a pipe delivers them), prints exactly what it prints against the in-process device, and
//! the device sees each request once.

mod common;

use common::{Session, NOW, SEED};
use hsm_core::device::{Env, Frame, Hsm, Request, Response};
use hsm_core::host::HostFiles;
use hsm_core::lunacm::{Console, Job, Output, Step};
use hsm_core::retcode::{self, LunaRet};
use rand_chacha::ChaCha20Rng;
use rand_core::SeedableRng;
#[cfg(target_arch = "wasm32")]
use wasm_bindgen_test::wasm_bindgen_test as test;
#[cfg(target_arch = "wasm32")]
wasm_bindgen_test::wasm_bindgen_test_configure!(run_in_browser);

/// A unit at the far end of a cable: it answers a request only when asked to, and counts what it got.
struct FarUnit {
    hsm: Hsm,
    rng: ChaCha20Rng,
    random_user_string: String,
    got: Vec<Frame>,
}

impl FarUnit {
    /// The unit a [`Session`] world makes from the same seed.
    fn new() -> FarUnit {
        let mut rng = ChaCha20Rng::seed_from_u64(SEED);
        let (hsm, random_user_string, _) = Hsm::from_factory(&mut rng);
        FarUnit { hsm, rng, random_user_string, got: Vec::new() }
    }

    fn answer(&mut self, frame: Frame) -> Result<Response, LunaRet> {
        self.got.push(frame.clone());
        self.hsm.handle(frame, &mut Env { now_ms: NOW, rng: &mut self.rng })
    }
}

/// LunaCM on a host whose requests travel to a [`FarUnit`] and back one at a time.
struct Host {
    console: Console,
    files: HostFiles,
    unit: FarUnit,
    transcript: String,
}

impl Host {
    fn new() -> Host {
        let mut host = Host {
            console: Console::default(),
            files: HostFiles::default(),
            unit: FarUnit::new(),
            transcript: String::new(),
        };
        let banner = host.drive(Job::OpenSession).into_reply().text;
        host.transcript.push_str(&banner);
        host
    }

    /// Runs a job to its end, carrying each request to the unit and its answer back.
    fn drive(&mut self, job: Job) -> Output {
        let mut step = self.console.begin(job, NOW, &mut self.files);
        loop {
            match step {
                Step::Done(out) => return out,
                Step::Device(frame) => {
                    assert!(self.console.awaiting_device());
                    let answer = self.unit.answer(frame);
                    step = self.console.resume(answer, &mut self.files);
                }
            }
        }
    }

    fn enter(&mut self, line: &str) -> String {
        let reply = self.drive(Job::Line(line.into())).into_reply();
        self.transcript.push_str(&format!("{}\n{}", reply.echo, reply.text));
        reply.text
    }
}

fn procedure(random_user_string: &str) -> Vec<String> {
    let mut lines = common::partition_procedure(random_user_string, "far");
    lines.extend(["role login -name so -password wrongpass", "hsm showinfo", "partition showinfo"].map(String::from));
    lines
}

#[test]
fn a_procedure_over_a_slow_link_prints_what_it_prints_in_process() {
    let mut here = Session::new();
    let mut far = Host::new();
    assert_eq!(far.transcript, here.transcript, "the banners differ");
    for line in procedure(&far.unit.random_user_string.clone()) {
        let expected = here.enter(&line);
        assert_eq!(far.enter(&line), expected, "after {line:?}");
    }
    assert_eq!(far.transcript, here.transcript);
    // The procedure did what it says on the far unit.
    let info = far.unit.hsm.info();
    assert_eq!(info.label, "far");
    assert_eq!(info.partition.as_ref().map(|p| p.label.as_str()), Some("app1"));
    assert!(!far.console.awaiting_device());
}

#[test]
fn each_request_reaches_the_device_once() {
    let mut far = Host::new();
    // Opening: the session is closed on unit 1, then its identity read; unit 2's slot does not exist.
    let asked: Vec<_> = far.unit.got.iter().map(|f| (f.slot, f.request.clone())).collect();
    assert_eq!(asked, vec![(4, Request::CloseSession), (4, Request::GetInfo), (6, Request::CloseSession)], "{asked:?}");
    far.unit.got.clear();
    let rus = far.unit.random_user_string.clone();
    far.enter(&format!("stm recover -randomuserstring {rus}"));
    let before_proceed = far.unit.got.len();
    far.enter("proceed");
    // `proceed` replays the command from its start: the reads before the question go to the device again
    // (the unit may have changed while the user thought), and the recovery once.
    let recoveries = far.unit.got.iter().filter(|f| f.request == Request::StmRecover).count();
    assert_eq!(recoveries, 1);
    assert!(far.unit.got.len() > before_proceed);
    assert!(!far.unit.hsm.info().status.to_string().contains("Transport"), "{:?}", far.unit.hsm.info().status);
}

#[test]
fn a_late_answer_or_a_new_job_leaves_the_console_consistent() {
    let mut console = Console::default();
    let mut files = HostFiles::default();
    // An answer with no job waiting is dropped.
    assert_eq!(console.resume(Ok(Response::Done), &mut files), Step::Done(Output::Text(String::new())));
    // A line that needs the device waits for it.
    let Step::Device(frame) = console.begin(Job::Line("hsm showinfo".into()), NOW, &mut files) else {
        panic!("hsm showinfo asks the device");
    };
    assert_eq!(frame.slot, 4);
    assert!(console.awaiting_device());
    // The link drops: the device's error ends the command with its code, and LunaCM is back at its prompt.
    let Step::Done(out) = console.resume(Err(retcode::DEVICE_ERROR), &mut files) else {
        panic!("an error answer ends the command");
    };
    let text = out.into_text();
    assert!(text.contains("CKR_DEVICE_ERROR") && text.ends_with("lunacm:>"), "{text}");
    assert!(!console.awaiting_device());
    // A job begun while another waits replaces it: `help` needs no device, so nothing waits after it.
    assert!(matches!(console.begin(Job::Line("hsm showinfo".into()), NOW, &mut files), Step::Device(_)));
    let Step::Done(out) = console.begin(Job::Line("help".into()), NOW, &mut files) else {
        panic!("help answers without the device");
    };
    assert!(out.into_text().contains("hsm showinfo"));
    assert!(!console.awaiting_device());
}
