//! A native `lunacm` over a state file.
//!
//! `lunacm --state FILE [--seed N] [--blank-ikeys N]`: on a terminal, a REPL with masked passwords; with stdin from a file
//! or pipe, one line per command or prompt answer, echoed after the prompt so the output reads as a
//! transcript. The world is saved to FILE after every line; a missing FILE means a factory-fresh unit.
//! A line that is not valid UTF-8 is reported on stderr and skipped, and the exit status is then 1.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The CLI needs a terminal and a file system: there is nothing to run on wasm.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use hsm_core::{Settings, World};
    use std::io::{self, BufRead, IsTerminal, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::string::FromUtf8Error;
    use std::time::{SystemTime, UNIX_EPOCH};

    struct Options {
        state: PathBuf,
        seed: Option<u64>,
        /// Blank iKeys on the desk of a new world.
        blank_ikeys: Option<u32>,
    }

    const USAGE: &str = "usage: lunacm --state FILE [--seed N] [--blank-ikeys N]";

    fn parse_args() -> Result<Options, String> {
        let mut args = std::env::args().skip(1);
        let (mut state, mut seed, mut blank_ikeys) = (None, None, None);
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
                "-h" | "--help" => return Err(USAGE.into()),
                other => return Err(format!("unknown argument '{other}'\n{USAGE}")),
            }
        }
        Ok(Options { state: state.ok_or(USAGE)?, seed, blank_ikeys })
    }

    fn now_ms() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map(|d| d.as_millis() as u64).unwrap_or(0)
    }

    /// Loads FILE, or makes a new world when there is none (the seed and settings apply only then).
    fn load(path: &Path, seed: Option<u64>, settings: Settings) -> Result<World, String> {
        match std::fs::read_to_string(path) {
            Ok(text) => {
                World::from_json(&text).map_err(|e| format!("{}: {e}; the file was left as it is", path.display()))
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
        std::fs::write(&tmp, world.to_json())
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
        let mut settings = Settings::default();
        if let Some(n) = opts.blank_ikeys {
            settings.blank_ikeys = n;
        }
        let mut world = match load(&opts.state, opts.seed, settings) {
            Ok(w) => w,
            Err(e) => {
                eprintln!("lunacm: {e}");
                return ExitCode::from(2);
            }
        };
        let interactive = io::stdin().is_terminal();
        let mut out = io::stdout().lock();
        let _ = write!(out, "{}", world.start_session());
        let _ = out.flush();
        let mut stdin = io::stdin().lock();
        let (mut line_no, mut failed) = (0u64, false);
        loop {
            line_no += 1;
            let line = if interactive && world.input_masked() {
                match rpassword::read_password() {
                    Ok(l) => l,
                    Err(e) => {
                        eprintln!("lunacm: could not read the password: {e}");
                        failed = true;
                        break;
                    }
                }
            } else {
                match read_line(&mut stdin) {
                    Ok(Some(Ok(l))) => l,
                    Ok(Some(Err(_))) => {
                        // Commands and prompt answers alike: say so, go on, and fail at the end.
                        let answer = world.prompt() != hsm_core::lunacm::PROMPT && !world.waiting_for_ped();
                        let what = if answer { " (an answer to a prompt)" } else { "" };
                        eprintln!("lunacm: line {line_no}{what} is not valid UTF-8; skipped");
                        failed = true;
                        continue;
                    }
                    Ok(None) => break,
                    Err(e) => {
                        eprintln!("lunacm: could not read line {line_no}: {e}");
                        failed = true;
                        break;
                    }
                }
            };
            let cmd = line.trim().to_ascii_lowercase();
            if !world.input_masked() && world.prompt() == hsm_core::lunacm::PROMPT && (cmd == "exit" || cmd == "quit") {
                if !interactive {
                    let _ = writeln!(out, "{line}");
                }
                break;
            }
            let reply = world.enter(&line, now_ms());
            // A terminal already shows what was typed; a script's transcript needs the echo.
            let _ =
                if interactive { write!(out, "{}", reply.text) } else { write!(out, "{}\n{}", reply.echo, reply.text) };
            let _ = out.flush();
            if let Err(e) = save(&opts.state, &world) {
                eprintln!("lunacm: could not save the world: {e}");
                return ExitCode::from(1);
            }
        }
        let _ = writeln!(out);
        if let Err(e) = save(&opts.state, &world) {
            eprintln!("lunacm: could not save the world: {e}");
            return ExitCode::from(1);
        }
        if failed {
            ExitCode::from(1)
        } else {
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
