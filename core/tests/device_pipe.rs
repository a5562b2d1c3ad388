//! The device end and LunaCM's transport over real byte streams: a socket pair with the device on a
//! thread, and the `hsm-device` binary as a child process.
#![cfg(unix)]

use hsm_core::device::{AuthMethod, Frame, HsmStatus, Request, Response, Role, Transport, ADMIN_SLOT, PARTITION_SLOT};
use hsm_core::retcode;
use hsm_core::wire::device::Endpoint;
use hsm_core::wire::host::{Duplex, PipeTransport, DISCONNECTED};
use hsm_core::wire::{CAP_MIRROR, CAP_PERSISTENT};
use hsm_core::World;
use std::ffi::OsStr;
use std::io::{Read, Write};
use std::os::unix::net::UnixStream;
use std::thread;

const NOW: u64 = 1_700_000_000_000;

/// Serves `endpoint` on `stream` until the host closes it; returns the endpoint.
fn serve(mut endpoint: Endpoint, mut stream: UnixStream) -> Endpoint {
    let mut buf = [0; 4096];
    loop {
        let n = match stream.read(&mut buf) {
            Ok(0) | Err(_) => break,
            Ok(n) => n,
        };
        let out = endpoint.feed(&buf[..n], NOW);
        if stream.write_all(&out).is_err() {
            break;
        }
    }
    endpoint.disconnect();
    endpoint
}

fn call(t: &mut impl Transport, slot: u32, request: Request) -> Result<Response, retcode::LunaRet> {
    t.transact(Frame { slot, request })
}

/// STM recovery, password initialization, SO login and the partition with its SO and Crypto Officer.
fn procedure(t: &mut impl Transport, rus: &str) {
    let Ok(Response::Info(info)) = call(t, ADMIN_SLOT, Request::GetInfo) else { panic!("no info") };
    assert!(info.partition.is_none());
    call(t, ADMIN_SLOT, Request::StmVerify { random_user_string: rus.into() }).unwrap();
    call(t, ADMIN_SLOT, Request::StmRecover).unwrap();
    call(t, ADMIN_SLOT, Request::Authorize(hsm_core::device::Action::InitHsm { auth: Some(AuthMethod::Password) }))
        .unwrap();
    let init = Request::InitHsm {
        label: "trainer".into(),
        auth: AuthMethod::Password,
        so_password: Some("userpin1".into()),
        domain: Some("mydomain".into()),
        policies: None,
    };
    call(t, ADMIN_SLOT, init).unwrap();
    assert_eq!(
        call(t, ADMIN_SLOT, Request::CreatePartition { version: 0 }),
        Err(retcode::USER_NOT_LOGGED_IN),
        "the HSM SO must log in first"
    );
    call(t, ADMIN_SLOT, Request::Login { role: Role::So, password: Some("userpin1".into()) }).unwrap();
    assert_eq!(
        call(t, ADMIN_SLOT, Request::CreatePartition { version: 0 }),
        Ok(Response::PartitionCreated { slot: PARTITION_SLOT })
    );
    let init = Request::InitPartition {
        label: "part1".into(),
        so_password: Some("popin123".into()),
        domain: Some("partdomain".into()),
        current_password: None,
        policies: None,
    };
    call(t, PARTITION_SLOT, init).unwrap();
    call(t, PARTITION_SLOT, Request::Login { role: Role::PartitionSo, password: Some("popin123".into()) }).unwrap();
    call(t, PARTITION_SLOT, Request::InitRole { role: Role::CryptoOfficer, password: Some("copin123".into()) })
        .unwrap();
    let Ok(Response::Info(info)) = call(t, PARTITION_SLOT, Request::GetInfo) else { panic!("no info") };
    let partition = info.partition.expect("a partition");
    assert_eq!((partition.label.as_str(), partition.logged_in), ("part1", Some(Role::PartitionSo)));
}

#[test]
fn a_whole_procedure_over_a_socket_pair() {
    let endpoint = Endpoint::new(11, NOW);
    let rus = endpoint.shipment().random_user_string.clone();
    let serial = endpoint.hsm().serial().to_string();
    let (host, device) = UnixStream::pair().unwrap();
    let server = thread::spawn(move || serve(endpoint, device));
    let mut transport = PipeTransport::open(host).expect("the link opens");
    assert_eq!(transport.welcome().serial, serial);
    procedure(&mut transport, &rus);
    drop(transport);
    let endpoint = server.join().unwrap();
    assert_eq!(endpoint.hsm().label(), "trainer");
    assert_eq!(endpoint.hsm().logged_in(ADMIN_SLOT), None, "the host's leaving logged the roles out");
}

#[test]
fn a_device_that_goes_away_is_not_present() {
    let (host, device) = UnixStream::pair().unwrap();
    let server = thread::spawn(move || {
        let mut endpoint = Endpoint::new(1, NOW);
        let mut device = device;
        let mut buf = [0; 4096];
        // Answer the Hello, then pull the cable.
        let n = device.read(&mut buf).unwrap();
        device.write_all(&endpoint.feed(&buf[..n], NOW)).unwrap();
    });
    let mut transport = PipeTransport::open(host).expect("the link opens");
    server.join().unwrap();
    assert_eq!(call(&mut transport, ADMIN_SLOT, Request::GetInfo), Err(DISCONNECTED));
    assert!(transport.is_gone());
    assert_eq!(call(&mut transport, ADMIN_SLOT, Request::GetInfo), Err(DISCONNECTED));
}

/// A fresh directory for one test's files.
fn scratch(name: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!("hsm-device-test-{}-{name}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn device(args: &[&std::ffi::OsStr]) -> std::process::Child {
    std::process::Command::new(env!("CARGO_BIN_EXE_hsm-device"))
        .args(args)
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::piped())
        .spawn()
        .expect("hsm-device starts")
}

/// LunaCM's transport to a child `hsm-device --stdio`.
fn over_stdio(
    child: &mut std::process::Child,
) -> PipeTransport<Duplex<std::process::ChildStdout, std::process::ChildStdin>> {
    let duplex = Duplex { reader: child.stdout.take().unwrap(), writer: child.stdin.take().unwrap() };
    PipeTransport::open(duplex).expect("the link opens")
}

#[test]
fn the_device_binary_keeps_its_unit_across_restarts() {
    let dir = scratch("restart");
    let state = dir.join("unit.json");
    let args = [OsStr::new("--stdio"), OsStr::new("--seed"), OsStr::new("5"), OsStr::new("--state"), state.as_os_str()];
    let mut child = device(&args);
    let mut transport = over_stdio(&mut child);
    assert_eq!(transport.welcome().capabilities, vec![CAP_MIRROR.to_string(), CAP_PERSISTENT.to_string()]);
    let saved = World::from_json(&std::fs::read_to_string(&state).unwrap()).expect("a new unit is saved at once");
    assert_eq!(saved.hsm().serial(), transport.welcome().serial);
    procedure(&mut transport, &saved.shipment().random_user_string);
    drop(transport);
    let out = child.wait_with_output().unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    assert!(String::from_utf8_lossy(&out.stderr).contains("random user string"));

    let mut child = device(&args);
    let mut transport = over_stdio(&mut child);
    let Ok(Response::Info(info)) = call(&mut transport, ADMIN_SLOT, Request::GetInfo) else { panic!("no info") };
    assert_eq!((info.serial, info.label.as_str(), info.logged_in), (saved.hsm().serial().to_string(), "trainer", None));
    assert_eq!(info.partition.map(|p| p.label), Some("part1".to_string()));
    drop(transport);
    assert!(child.wait().unwrap().success());
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn a_state_file_the_device_cannot_read_is_left_alone() {
    let dir = scratch("unreadable");
    let state = dir.join("unit.json");
    std::fs::write(&state, "not a unit").unwrap();
    let out = device(&[OsStr::new("--stdio"), OsStr::new("--state"), state.as_os_str()]).wait_with_output().unwrap();
    assert!(!out.status.success());
    let stderr = String::from_utf8_lossy(&out.stderr);
    assert!(stderr.contains("is not a unit this device can load"), "{stderr}");
    assert_eq!(std::fs::read_to_string(&state).unwrap(), "not a unit");

    let out = device(&[OsStr::new("--stdio"), OsStr::new("--seed"), OsStr::new("many")]).wait_with_output().unwrap();
    assert_eq!(out.status.code(), Some(2));
    assert!(String::from_utf8_lossy(&out.stderr).contains("--seed takes a whole number"));
    let _ = std::fs::remove_dir_all(&dir);
}

#[test]
fn the_device_binary_listens_on_a_unix_socket() {
    let dir = scratch("listen");
    let socket = dir.join("hsm.sock");
    let mut child = device(&[OsStr::new("--listen"), socket.as_os_str(), OsStr::new("--seed"), OsStr::new("9")]);
    let mut tries = 0;
    let mut transport = loop {
        match PipeTransport::connect_unix(&socket) {
            Ok(t) => break t,
            Err(_) if tries < 100 => {
                tries += 1;
                thread::sleep(std::time::Duration::from_millis(50));
            }
            Err(e) => panic!("no device on the socket: {e}"),
        }
    };
    call(&mut transport, ADMIN_SLOT, Request::StmRecover).unwrap();
    drop(transport);
    // The next host finds the same unit, out of transport mode.
    let mut transport = PipeTransport::connect_unix(&socket).expect("a second host connects");
    let Ok(Response::Info(info)) = call(&mut transport, ADMIN_SLOT, Request::GetInfo) else { panic!("no info") };
    assert_eq!(info.status, HsmStatus::Zeroized);
    drop(transport);
    child.kill().unwrap();
    child.wait().unwrap();
    let _ = std::fs::remove_dir_all(&dir);
}
