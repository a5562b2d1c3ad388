//! The device end and LunaCM's transport over real byte streams: a socket pair with the device on a
//! thread, and the `hsm-device` binary as a child process.
#![cfg(unix)]

use hsm_core::device::{AuthMethod, Frame, Request, Response, Role, Transport, ADMIN_SLOT, PARTITION_SLOT};
use hsm_core::retcode;
use hsm_core::wire::device::Endpoint;
use hsm_core::wire::host::{PipeTransport, DISCONNECTED};
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
