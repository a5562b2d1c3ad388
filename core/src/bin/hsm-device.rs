//! `hsm-device`: a simulated Luna USB HSM 7 at the device end of a byte pipe, speaking the protocol of
//! `docs/PROTOCOL.md` (the `hsm_core::wire` framing). The core of a physical training unit
//! (`docs/TRAINER.md`), and a device for a native `lunacm` to connect to.
//!
//! `hsm-device --stdio [--state FILE] [--seed N]`: frames on stdin and stdout, logs on stderr; the host
//! leaving is the end of stdin. `hsm-device --listen PATH [--state FILE] [--seed N]`: a Unix socket,
//! serving one host at a time (the next waits until the first leaves).
//!
//! With `--state FILE` the unit survives restarts: FILE (a world file of one unit, the format `lunacm
//! --state` reads) is read at start, created if missing, and rewritten after every request that changed
//! the unit. A FILE that exists and cannot be read is an error; it is never overwritten.

#[cfg(not(target_arch = "wasm32"))]
fn main() -> std::process::ExitCode {
    cli::main()
}

/// The device needs a byte pipe and a file system: there is nothing to run on wasm, where the browser
/// uses `hsm_core::wire::device::Endpoint` directly.
#[cfg(target_arch = "wasm32")]
fn main() {}

#[cfg(not(target_arch = "wasm32"))]
mod cli {
    use hsm_core::wire::device::Endpoint;
    use hsm_core::wire::CAP_PERSISTENT;
    use std::io::{self, Read, Write};
    use std::path::{Path, PathBuf};
    use std::process::ExitCode;
    use std::time::{SystemTime, UNIX_EPOCH};

    const USAGE: &str = "usage: hsm-device --stdio [--state FILE] [--seed N]
       hsm-device --listen PATH [--state FILE] [--seed N]

A simulated Luna USB HSM 7 answering the frames of docs/PROTOCOL.md.
  --stdio         frames on stdin and stdout; logs on stderr
  --listen PATH   a Unix socket at PATH, one host at a time
  --state FILE    keep the unit in FILE across restarts (created if missing; a FILE that
                  cannot be read is an error and is left as it is)
  --seed N        seed the unit's randomness with N (tests); random by default
  -h, --help      this text";

    /// Where the frames come from.
    enum Pipe {
        Stdio,
        Listen(PathBuf),
    }

    struct Options {
        pipe: Pipe,
        state: Option<PathBuf>,
        seed: Option<u64>,
    }

    /// The options, or the text to print and the exit code (0 for `--help`).
    fn parse_args(args: impl Iterator<Item = String>) -> Result<Options, (String, u8)> {
        let usage = |e: String| (format!("hsm-device: {e}\n{USAGE}"), 2);
        let mut args = args;
        let (mut pipe, mut state, mut seed) = (None, None, None);
        while let Some(a) = args.next() {
            let previous = match a.as_str() {
                "--stdio" => pipe.replace(Pipe::Stdio).map(|_| "--stdio or --listen"),
                "--listen" => {
                    let path = args.next().ok_or_else(|| usage("--listen needs a socket path".into()))?;
                    pipe.replace(Pipe::Listen(PathBuf::from(path))).map(|_| "--stdio or --listen")
                }
                "--state" => {
                    let file = args.next().ok_or_else(|| usage("--state needs a file".into()))?;
                    state.replace(PathBuf::from(file)).map(|_| "--state")
                }
                "--seed" => {
                    let v = args.next().ok_or_else(|| usage("--seed needs a number".into()))?;
                    let n = v.parse().map_err(|_| usage(format!("--seed takes a whole number, not '{v}'")))?;
                    seed.replace(n).map(|_| "--seed")
                }
                "-h" | "--help" => return Err((USAGE.to_string(), 0)),
                other => return Err(usage(format!("unknown argument '{other}'"))),
            };
            if let Some(flag) = previous {
                return Err(usage(format!("{flag} is given twice")));
            }
        }
        let pipe = pipe.ok_or_else(|| usage("say where the host is: --stdio or --listen PATH".into()))?;
        Ok(Options { pipe, state, seed })
    }

    pub fn main() -> ExitCode {
        let options = match parse_args(std::env::args().skip(1)) {
            Ok(o) => o,
            Err((text, code)) => {
                if code == 0 {
                    println!("{text}");
                } else {
                    eprintln!("{text}");
                }
                return ExitCode::from(code);
            }
        };
        match run(options) {
            Ok(()) => ExitCode::SUCCESS,
            Err(e) => {
                eprintln!("hsm-device: {e}");
                ExitCode::FAILURE
            }
        }
    }

    fn now_ms() -> u64 {
        SystemTime::now().duration_since(UNIX_EPOCH).map_or(0, |d| u64::try_from(d.as_millis()).unwrap_or(u64::MAX))
    }

    fn random_seed() -> Result<u64, String> {
        let mut bytes = [0; 8];
        getrandom::getrandom(&mut bytes).map_err(|e| format!("no randomness from the system: {e}"))?;
        Ok(u64::from_le_bytes(bytes))
    }

    /// The unit and where it is kept.
    struct Device {
        endpoint: Endpoint,
        state: Option<PathBuf>,
    }

    impl Device {
        /// Writes the unit to its state file if it changed. A failure is logged and the unit goes on: the
        /// next change tries again.
        fn save_if_changed(&mut self) {
            if !self.endpoint.take_changed() {
                return;
            }
            if let Some(path) = &self.state {
                if let Err(e) = save(path, &self.endpoint.state()) {
                    eprintln!("hsm-device: the state could not be saved to {}: {e}", path.display());
                }
            }
        }

        /// Answers the host on `input` and `output` until the host leaves.
        fn serve(&mut self, input: &mut impl Read, output: &mut impl Write) -> io::Result<()> {
            let mut buf = vec![0; 64 * 1024];
            let result = loop {
                let n = match input.read(&mut buf) {
                    Ok(0) => break Ok(()),
                    Ok(n) => n,
                    Err(e) if e.kind() == io::ErrorKind::Interrupted => continue,
                    Err(e) => break Err(e),
                };
                let greeted = self.endpoint.host().is_some();
                let out = self.endpoint.feed(&buf[..n], now_ms());
                if let (false, Some(hello), Some(protocol)) = (greeted, self.endpoint.host(), self.endpoint.protocol())
                {
                    // Quoted: the name is the host's text.
                    eprintln!("hsm-device: {:?} opened the link (protocol {protocol})", hello.product);
                }
                // Saved before answering: a host that saw the answer can count on the change.
                self.save_if_changed();
                if let Err(e) = output.write_all(&out).and_then(|()| output.flush()) {
                    break Err(e);
                }
            };
            self.endpoint.disconnect();
            self.save_if_changed();
            result
        }
    }

    /// Writes `text` to `path` through a temporary file and a rename, so that a power cut leaves the old
    /// state or the new, never half of one; readable by its owner only (it holds the unit's secrets).
    fn save(path: &Path, text: &str) -> io::Result<()> {
        let mut name = path.file_name().unwrap_or_default().to_os_string();
        name.push(".tmp");
        let tmp = path.with_file_name(name);
        let mut options = std::fs::OpenOptions::new();
        options.write(true).create(true).truncate(true);
        #[cfg(unix)]
        std::os::unix::fs::OpenOptionsExt::mode(&mut options, 0o600);
        let mut file = options.open(&tmp)?;
        file.write_all(text.as_bytes())?;
        file.sync_all()?;
        drop(file);
        std::fs::rename(&tmp, path)
    }

    /// The unit in `state`, a new one if the file does not exist yet (then written at once, so that its
    /// serial number and shipping e-mail stay the same across restarts).
    fn open(state: Option<&Path>, seed: u64) -> Result<Endpoint, String> {
        let Some(path) = state else {
            eprintln!("hsm-device: no --state: the unit is forgotten when hsm-device stops");
            return Ok(Endpoint::new(seed, now_ms()));
        };
        match std::fs::read_to_string(path) {
            Ok(text) => Endpoint::from_state(&text, seed).map_err(|e| {
                format!("{} is not a unit this device can load ({e}); it is left as it is", path.display())
            }),
            Err(e) if e.kind() == io::ErrorKind::NotFound => {
                let endpoint = Endpoint::new(seed, now_ms());
                save(path, &endpoint.state()).map_err(|e| format!("cannot create {}: {e}", path.display()))?;
                eprintln!("hsm-device: a new unit, kept in {}", path.display());
                Ok(endpoint)
            }
            Err(e) => Err(format!("cannot read {}: {e}; it is left as it is", path.display())),
        }
    }

    fn run(options: Options) -> Result<(), String> {
        let seed = match options.seed {
            Some(seed) => seed,
            None => random_seed()?,
        };
        let mut endpoint = open(options.state.as_deref(), seed)?;
        if options.state.is_some() {
            endpoint.offer(CAP_PERSISTENT);
        }
        let hsm = endpoint.hsm();
        eprintln!("hsm-device: unit {} ({}, firmware {})", hsm.serial(), hsm.info().model, hsm.info().firmware);
        if hsm.in_stm() {
            let mail = endpoint.shipment();
            eprintln!(
                "hsm-device: in Secure Transport Mode; the shipping e-mail gives random user string {} and \
                 verification string {}",
                mail.random_user_string, mail.verification_string
            );
        }
        let mut device = Device { endpoint, state: options.state };
        match options.pipe {
            Pipe::Stdio => {
                let result = device.serve(&mut io::stdin().lock(), &mut io::stdout().lock());
                result.map_err(|e| format!("the pipe to the host failed: {e}"))
            }
            #[cfg(unix)]
            Pipe::Listen(path) => listen(&mut device, &path),
            #[cfg(not(unix))]
            Pipe::Listen(_) => Err("--listen needs Unix sockets, which this system lacks: use --stdio".into()),
        }
    }

    /// Serves hosts connecting to the Unix socket `path`, one after the other, until killed.
    #[cfg(unix)]
    fn listen(device: &mut Device, path: &Path) -> Result<(), String> {
        use std::os::unix::fs::FileTypeExt;
        use std::os::unix::net::{UnixListener, UnixStream};
        // A socket left by a device that was killed is reused; one with a device behind it, or a file
        // that is not a socket, is not touched.
        if let Ok(meta) = std::fs::symlink_metadata(path) {
            if !meta.file_type().is_socket() {
                return Err(format!("{} exists and is not a socket; it is left as it is", path.display()));
            }
            if UnixStream::connect(path).is_ok() {
                return Err(format!("a device already listens on {}", path.display()));
            }
            std::fs::remove_file(path)
                .map_err(|e| format!("cannot replace the stale socket {}: {e}", path.display()))?;
        }
        let listener = UnixListener::bind(path).map_err(|e| format!("cannot listen on {}: {e}", path.display()))?;
        eprintln!("hsm-device: listening on {}", path.display());
        for stream in listener.incoming() {
            let stream = match stream {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("hsm-device: a connection failed: {e}");
                    continue;
                }
            };
            eprintln!("hsm-device: a host connected");
            let mut output = match stream.try_clone() {
                Ok(s) => s,
                Err(e) => {
                    eprintln!("hsm-device: the connection cannot be used: {e}");
                    continue;
                }
            };
            let mut input = stream;
            match device.serve(&mut input, &mut output) {
                Ok(()) => eprintln!("hsm-device: the host left"),
                Err(e) => eprintln!("hsm-device: the host's connection failed: {e}"),
            }
        }
        Ok(())
    }

    #[cfg(test)]
    mod tests {
        use super::*;

        fn parse(args: &[&str]) -> Result<Options, (String, u8)> {
            parse_args(args.iter().map(|s| s.to_string()))
        }

        #[test]
        fn flags_are_checked() {
            assert!(matches!(parse(&["--stdio"]), Ok(Options { pipe: Pipe::Stdio, state: None, seed: None })));
            let o = parse(&["--listen", "/tmp/s", "--state", "f", "--seed", "5"]).unwrap();
            assert!(matches!(o.pipe, Pipe::Listen(ref p) if p == Path::new("/tmp/s")));
            assert_eq!((o.state.as_deref(), o.seed), (Some(Path::new("f")), Some(5)));
            assert_eq!(parse(&["--help"]).err().map(|e| e.1), Some(0));
            for bad in [&[][..], &["--seed", "x", "--stdio"], &["--stdio", "--listen", "p"], &["--state"], &["-x"]] {
                let (text, code) = parse(bad).err().expect("refused");
                assert_eq!(code, 2, "{bad:?}");
                assert!(text.starts_with("hsm-device: ") && text.contains("usage:"), "{text}");
            }
        }
    }
}
