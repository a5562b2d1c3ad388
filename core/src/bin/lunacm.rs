//! A native `lunacm` over a state file.
//!
//! `lunacm --state FILE [--seed N] [--blank-ikeys N]`: on a terminal, a REPL with masked passwords; with stdin from a file
//! or pipe, one line per command or prompt answer, echoed after the prompt so the output reads as a
//! transcript. The world is saved to FILE after every line; a missing FILE means a factory-fresh unit.
//! A line that is not valid UTF-8 is reported on stderr and skipped, and the exit status is then 1.
//!
//! `lunacm --lab ID|FILE`: a lab (from the catalogue, or a lab file) from its starting state, in memory;
//! after each line the checks that changed and each completed step are announced.
//! `lunacm --check-lab FILE`: runs the lab's starting state and every step's solution, evaluating the
//! checks after each step; exits 1 if any fails.
//!
//! `lunacm --connect SOCKET`: LunaCM on a unit at the other end of a Unix socket (`hsm-device --listen`),
//! through the byte-pipe protocol (`docs/PROTOCOL.md`): the same commands and output, the unit's state
//! kept by the unit. `sim` commands, which act on the simulated world, are not available; host files the
//! commands write are kept in memory for the run.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The CLI needs a terminal and a file system: there is nothing to run on wasm.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use hsm_core::labs::{self, CheckResult, Lab, LabRun};
    use hsm_core::lunacm::PROMPT;
    use hsm_core::{Settings, World};
    use std::io::{self, BufRead, IsTerminal, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::string::FromUtf8Error;
    use std::time::{SystemTime, UNIX_EPOCH};

    struct Options {
        state: Option<PathBuf>,
        /// `--lab`: a lab id or file.
        lab: Option<String>,
        /// `--check-lab`: a lab file.
        check_lab: Option<String>,
        seed: Option<u64>,
        /// Blank iKeys on the desk of a new world.
        blank_ikeys: Option<u32>,
        /// `--connect`: the Unix socket a unit listens on.
        connect: Option<PathBuf>,
    }

    const USAGE: &str = "usage: lunacm --state FILE [--seed N] [--blank-ikeys N]\n       lunacm --lab ID|FILE\n       \
                         lunacm --check-lab FILE\n       lunacm --connect SOCKET";

    fn parse_args() -> Result<Options, String> {
        let mut args = std::env::args().skip(1);
        let (mut state, mut seed, mut blank_ikeys, mut lab, mut check_lab) = (None, None, None, None, None);
        let mut connect = None;
        while let Some(a) = args.next() {
            match a.as_str() {
                "--state" => state = Some(PathBuf::from(args.next().ok_or("--state needs a file")?)),
                "--seed" => {
                    let v = args.next().ok_or("--seed needs a number")?;
                    seed = Some(v.parse().map_err(|_| format!("--seed takes a whole number, not '{v}'"))?);
                }
                "--blank-ikeys" => {
                    let v = args.next().ok_or("--blank-ikeys needs a number")?;
                    let n = v.parse().ok().filter(|n| *n <= 64);
                    blank_ikeys = Some(n.ok_or(format!("--blank-ikeys takes a number from 0 to 64, not '{v}'"))?);
                }
                "--lab" => lab = Some(args.next().ok_or("--lab needs a lab id or file")?),
                "--check-lab" => check_lab = Some(args.next().ok_or("--check-lab needs a lab file")?),
                "--connect" => connect = Some(PathBuf::from(args.next().ok_or("--connect needs a socket path")?)),
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
            }
        }
        if connect.is_some() {
            if state.is_some() || seed.is_some() || blank_ikeys.is_some() || lab.is_some() || check_lab.is_some() {
                return Err(format!("--connect drives a unit that keeps its own state: use it alone\n{USAGE}"));
            }
            return Ok(Options { state, lab, check_lab, seed, blank_ikeys, connect });
        }
        if lab.is_some() || check_lab.is_some() {
            if lab.is_some() && check_lab.is_some() {
                return Err(format!("--lab and --check-lab cannot be combined\n{USAGE}"));
            }
            if state.is_some() || seed.is_some() || blank_ikeys.is_some() {
                return Err(format!(
                    "a lab runs in memory from its own starting state: drop --state, --seed and --blank-ikeys\n{USAGE}"
                ));
            }
            return Ok(Options { state: None, lab, check_lab, seed, blank_ikeys, connect });
        }
        Ok(Options { state: Some(state.ok_or(USAGE)?), lab, check_lab, seed, blank_ikeys, connect })
    }

    fn now_ms() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    }

    /// Loads FILE, or makes a new world when there is none (the seed and settings apply only then).
    fn load(path: &Path, seed: Option<u64>, settings: Settings) -> Result<World, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                // A world file (as the browser exports it), or a state file of an earlier version.
                World::from_world_file(&text)
                    .map_err(|e| format!("{}: {e}; the file was left as it is", path.display()))
            }
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let seed = match seed {
                    Some(s) => s,
                    None => {
                        let mut b = [0u8; 8];
                        getrandom::getrandom(&mut b).map_err(|e| format!("no randomness available: {e}"))?;
                        u64::from_le_bytes(b)
                    }
                };
                Ok(World::with_settings(seed, now_ms(), settings))
            }
            Err(e) => Err(format!("{}: {e}", path.display())),
        }
    }

    /// Writes the world next to FILE and renames it over FILE, so a crash never leaves half a file.
    fn save(path: &Path, world: &World) -> Result<(), String> {
        let tmp = path.with_extension("tmp");
        std::fs::write(&tmp, world.to_world_file())
            .and_then(|_| std::fs::rename(&tmp, path))
            .map_err(|e| format!("{}: {e}", path.display()))
    }

    pub fn main() -> ExitCode {
        let opts = match parse_args() {
            Ok(o) => o,
            Err(e) => {
                eprintln!("{e}");
                return ExitCode::from(2);
            }
        };
        if let Some(file) = &opts.check_lab {
            return check_lab(file);
        }
        if let Some(socket) = &opts.connect {
            return connect(socket);
        }
        let mut settings = Settings::default();
        if let Some(n) = opts.blank_ikeys {
            settings.blank_ikeys = n;
        }
        let mut lab = None;
        let loaded = match (&opts.lab, &opts.state) {
            (Some(which), _) => load_lab(which).and_then(|l| {
                let world = l.start_at(now_ms()).map_err(|e| format!("lab {}: {e}", l.id))?;
                lab = Some(LabProgress::new(l, &world));
                Ok(world)
            }),
            (None, Some(state)) => load(state, opts.seed, settings),
            (None, None) => Err(USAGE.into()),
        };
        let mut world = match loaded {
            Ok(w) => w,
            Err(e) => {
                eprintln!("lunacm: {e}");
                return ExitCode::from(2);
            }
        };
        let interactive = io::stdin().is_terminal();
        let mut out = io::stdout().lock();
        if let Some(lab) = &lab {
            let _ = write!(out, "{}", lab.introduction());
        }
        let _ = write!(out, "{}", world.start_session(now_ms()));
        let _ = out.flush();
        let mut stdin = io::stdin().lock();
        let (mut line_no, mut failed) = (0u64, false);
        loop {
            line_no += 1;
            let line = match read_input(&mut stdin, interactive && world.input_masked()) {
                Input::Line(l) => l,
                Input::NotUtf8 => {
                    // Commands and prompt answers alike: say so, go on, and fail at the end.
                    let answer = world.prompt() != hsm_core::lunacm::PROMPT && !world.waiting_for_ped();
                    let what = if answer { " (an answer to a prompt)" } else { "" };
                    eprintln!("lunacm: line {line_no}{what} is not valid UTF-8; skipped");
                    failed = true;
                    continue;
                }
                Input::End => break,
                Input::Failed(e) => {
                    eprintln!("lunacm: line {line_no}: {e}");
                    failed = true;
                    break;
                }
            };
            let cmd = line.trim().to_ascii_lowercase();
            if !world.input_masked() && world.prompt() == hsm_core::lunacm::PROMPT && (cmd == "exit" || cmd == "quit") {
                if !interactive {
                    let _ = writeln!(out, "{line}");
                }
                break;
            }
            let now = now_ms();
            let reply = world.enter(&line, now);
            let mut text = reply.text;
            if let Some(lab) = &mut lab {
                let news = lab.after_line(&world, now);
                if !news.is_empty() {
                    // The lab's news goes before the prompt that ends the reply.
                    match text.strip_suffix(PROMPT) {
                        Some(body) => text = format!("{body}{news}\n{PROMPT}"),
                        None => text.push_str(&news),
                    }
                }
            }
            // A terminal already shows what was typed; a script's transcript needs the echo.
            let _ = if interactive { write!(out, "{text}") } else { write!(out, "{}\n{text}", reply.echo) };
            let _ = out.flush();
            if let Some(state) = &opts.state {
                if let Err(e) = save(state, &world) {
                    eprintln!("lunacm: could not save the world: {e}");
                    return ExitCode::from(1);
                }
            }
        }
        let _ = writeln!(out);
        if let Some(state) = &opts.state {
            if let Err(e) = save(state, &world) {
                eprintln!("lunacm: could not save the world: {e}");
                return ExitCode::from(1);
            }
        }
        if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    /// `--connect`: LunaCM on the unit listening on `socket`, until the input ends or `exit`.
    #[cfg(unix)]
    fn connect(socket: &Path) -> ExitCode {
        use hsm_core::device::{Frame, Request, Transport, ADMIN_SLOT};
        use hsm_core::host::HostFiles;
        use hsm_core::lunacm::{tokenize, Console, Job};
        use hsm_core::wire::host::PipeTransport;

        let mut unit = match PipeTransport::connect_unix(socket) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("lunacm: {}: {e}", socket.display());
                return ExitCode::from(2);
            }
        };
        let mut console = Console::default();
        let mut files = HostFiles::default();
        let interactive = io::stdin().is_terminal();
        let mut out = io::stdout().lock();
        let w = unit.welcome();
        let connected = format!(
            "Connected to {} on {} (serial {}, firmware {}, protocol {}).\n\n",
            w.product,
            socket.display(),
            w.serial,
            w.firmware,
            w.protocol
        );
        let banner = console.run_job(Job::OpenSession, now_ms(), &mut unit, &mut files).into_text();
        let _ = write!(out, "{connected}{banner}");
        let _ = out.flush();
        let mut stdin = io::stdin().lock();
        let mut failed = false;
        loop {
            let line = match read_input(&mut stdin, interactive && console.prompt().masked) {
                Input::Line(l) => l,
                Input::NotUtf8 => {
                    eprintln!("lunacm: a line is not valid UTF-8; skipped");
                    failed = true;
                    continue;
                }
                Input::End => break,
                Input::Failed(e) => {
                    eprintln!("lunacm: {e}");
                    failed = true;
                    break;
                }
            };
            let words = tokenize(&line).unwrap_or_default();
            let first = words.first().map(|w| w.to_ascii_lowercase());
            let at_prompt = !console.waiting();
            let echo = if interactive { String::new() } else { format!("{}\n", console_echo(&console, &line)) };
            let job = match first.as_deref() {
                Some("exit" | "quit") if at_prompt && words.len() == 1 => {
                    let _ = write!(out, "{echo}");
                    break;
                }
                Some("sim") if at_prompt => {
                    let _ = write!(
                        out,
                        "{echo}        'sim' commands act on the simulated world; this LunaCM is connected to a unit.\n\n{PROMPT}"
                    );
                    let _ = out.flush();
                    continue;
                }
                Some("cmu") if at_prompt => Job::Cmu(words[1..].to_vec()),
                _ => Job::Line(line.clone()),
            };
            let is_line = matches!(job, Job::Line(_));
            let output = console.run_job(job, now_ms(), &mut unit, &mut files);
            let text = if is_line { output.into_reply().text } else { format!("{}\n{PROMPT}", output.into_text()) };
            let _ = write!(out, "{echo}{text}");
            let _ = out.flush();
            // LunaCM waits for an iKey ceremony on the unit's touchscreen: it asks the unit how it stands.
            while console.waiting_for_ped() && !unit.is_gone() {
                std::thread::sleep(std::time::Duration::from_millis(500));
                let _ = write!(out, "{}", console.run_job(Job::PedPoll, now_ms(), &mut unit, &mut files).into_text());
                let _ = out.flush();
            }
            if unit.is_gone() {
                eprintln!("lunacm: the unit on {} is gone", socket.display());
                failed = true;
                break;
            }
        }
        let _ = writeln!(out);
        // LunaCM quits: the unit closes this host's session, logging its roles out.
        let _ = unit.transact(Frame { slot: ADMIN_SLOT, request: Request::CloseSession });
        if failed {
            ExitCode::from(1)
        } else {
            ExitCode::SUCCESS
        }
    }

    #[cfg(not(unix))]
    fn connect(_: &Path) -> ExitCode {
        eprintln!("lunacm: --connect needs Unix sockets, which this system does not have");
        ExitCode::from(2)
    }

    /// The line as the transcript shows it after the prompt: asterisks for a password.
    #[cfg(unix)]
    fn console_echo(console: &hsm_core::lunacm::Console, line: &str) -> String {
        if console.prompt().masked {
            "*".repeat(line.chars().count())
        } else {
            line.to_string()
        }
    }

    /// One line of input.
    enum Input {
        Line(String),
        /// A line that is not valid UTF-8.
        NotUtf8,
        /// The input ended.
        End,
        /// The input could not be read.
        Failed(String),
    }

    /// Reads one line: without echo when `masked` (a password on a terminal).
    fn read_input(stdin: &mut impl BufRead, masked: bool) -> Input {
        if masked {
            return match rpassword::read_password() {
                Ok(l) => Input::Line(l),
                Err(e) => Input::Failed(format!("could not read the password: {e}")),
            };
        }
        match read_line(stdin) {
            Ok(Some(Ok(l))) => Input::Line(l),
            Ok(Some(Err(_))) => Input::NotUtf8,
            Ok(None) => Input::End,
            Err(e) => Input::Failed(format!("could not read a line: {e}")),
        }
    }

    /// A lab from a file (a path that exists, or ends in `.toml`) or from the catalogue by id.
    fn load_lab(which: &str) -> Result<Lab, String> {
        let path = Path::new(which);
        if path.exists() || which.ends_with(".toml") {
            let text = std::fs::read_to_string(path).map_err(|e| format!("{which}: {e}"))?;
            return labs::parse(&text).map_err(|e| format!("{which}: {e}"));
        }
        labs::catalogue::find(which).ok_or_else(|| {
            let ids: Vec<String> = labs::catalogue::labs().unwrap_or_default().into_iter().map(|l| l.id).collect();
            format!("there is no lab '{which}'; the labs are: {}", ids.join(", "))
        })
    }

    /// A lab in progress in the REPL, and the checks of the current step as last seen.
    struct LabProgress {
        run: LabRun,
        seen: Vec<bool>,
    }

    fn passed(results: &[CheckResult]) -> Vec<bool> {
        results.iter().map(CheckResult::passed).collect()
    }

    impl LabProgress {
        fn new(lab: Lab, world: &World) -> LabProgress {
            let mut run = LabRun::new(lab, world);
            // The trainee begins now, not at the first line's evaluation.
            run.began = labs::Began::At(now_ms());
            let seen = passed(&run.check_step(0, world, now_ms()));
            LabProgress { run, seen }
        }

        fn introduction(&self) -> String {
            let lab = &self.run.lab;
            let mut s = format!("Lab: {}\n", lab.title);
            s.push_str(&format!("Guide chapters: {}; about {} minutes.\n", lab.chapters.join(", "), lab.minutes));
            s.push_str(&format!("Objective: {}\n", lab.objective.trim()));
            s.push_str(&self.step_text());
            s.push('\n');
            s
        }

        fn step_text(&self) -> String {
            match self.run.current() {
                Some(step) => format!(
                    "\nStep {} of {}: {}\n{}\n",
                    self.run.step + 1,
                    self.run.lab.steps.len(),
                    step.title,
                    step.instructions.trim()
                ),
                None => String::new(),
            }
        }

        /// What changed with the last line: checks that now pass or fail, a completed step, the end.
        fn after_line(&mut self, world: &World, now: u64) -> String {
            if self.run.finished() {
                return String::new();
            }
            let step = self.run.step;
            let results = self.run.evaluate(world, now);
            let mut s = String::new();
            for (r, was) in results.iter().zip(&self.seen) {
                if r.passed() != *was {
                    match &r.failure {
                        None => s.push_str(&format!("\n[lab] done: {}", r.description)),
                        Some(f) => s.push_str(&format!("\n[lab] no longer: {f}")),
                    }
                }
            }
            self.seen = passed(&results);
            if self.run.step != step {
                s.push_str(&format!("\n[lab] Step {} complete: {}\n", step + 1, self.run.lab.steps[step].title));
                if self.run.finished() {
                    s.push_str(&format!("\n[lab] Lab complete: {}\n", self.run.lab.title));
                } else {
                    s.push_str(&self.step_text());
                    self.seen = passed(&self.run.check_step(self.run.step, world, now));
                }
            } else if !s.is_empty() {
                s.push('\n');
            }
            s
        }
    }

    /// `--check-lab`: the starting state, then each step's solution, checking the step after it.
    fn check_lab(file: &str) -> ExitCode {
        let lab = match load_lab(file) {
            Ok(l) => l,
            Err(e) => {
                eprintln!("lunacm: {e}");
                return ExitCode::from(2);
            }
        };
        let outcomes = match lab.check_solutions() {
            Ok(o) => o,
            Err(e) => {
                eprintln!("lunacm: lab {}: {e}", lab.id);
                return ExitCode::from(1);
            }
        };
        let mut failed = 0;
        println!("lab {}: {}", lab.id, lab.title);
        for (i, step) in outcomes.iter().enumerate() {
            if step.passed() {
                println!("step {}: pass: {}", i + 1, step.title);
            } else {
                failed += 1;
                println!("step {}: FAIL: {}", i + 1, step.title);
                for b in &step.failures {
                    println!("    {b}");
                }
                println!("    the last line printed:");
                for l in step.last_output.trim_end().lines() {
                    println!("    | {l}");
                }
            }
        }
        if failed > 0 {
            println!("{failed} of {} steps failed", lab.steps.len());
            ExitCode::from(1)
        } else {
            println!("every step passes");
            ExitCode::SUCCESS
        }
    }

    /// The next line of `input` without its line ending: `None` at the end of the input, `Some(Err(_))`
    /// for a line that is not valid UTF-8.
    fn read_line(input: &mut impl BufRead) -> io::Result<Option<Result<String, FromUtf8Error>>> {
        let mut bytes = Vec::new();
        if input.read_until(b'\n', &mut bytes)? == 0 {
            return Ok(None);
        }
        if bytes.last() == Some(&b'\n') {
            bytes.pop();
            if bytes.last() == Some(&b'\r') {
                bytes.pop();
            }
        }
        Ok(Some(String::from_utf8(bytes)))
    }
}
