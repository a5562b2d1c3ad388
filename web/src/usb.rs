//! A unit on a USB cable, through WebUSB: "Connect a device" asks the browser for one (its chooser needs
//! the click), opens it and claims its interface; from then on the page is the pipe between the worker
//! (which speaks the protocol and runs LunaCM, `hsm_core::worker::usb`) and the unit's bulk endpoints.
//! "Disconnect" returns the terminal to the simulated unit, whose world the link never touched.
//!
//! What can honestly be attached: a training unit that speaks this project's protocol (a vendor-specific
//! interface with one bulk IN and one bulk OUT endpoint, `docs/TRAINER.md`). A genuine Thales unit is
//! recognised by its descriptors and shown as it describes itself, and no more: its vendor's USB protocol
//! is not public, and administering it needs Thales' LunaCM and driver.

use std::cell::RefCell;

use hsm_core::worker::usb::{UsbEvent, UsbOut, UsbUnit};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::{spawn_local, JsFuture};
use web_sys::{UsbConnectionEvent, UsbDevice, UsbDeviceRequestOptions, UsbDirection, UsbEndpointType};

use crate::sim::Sim;

/// The vendor-specific interface class a training unit's protocol interface has.
const VENDOR_CLASS: u8 = 0xFF;
/// The most bytes one bulk IN transfer asks for; a longer answer arrives in several.
const READ_SIZE: u32 = 64 * 1024;
/// Manufacturer strings of genuine units (the name changed with the company's history).
const GENUINE_MAKERS: [&str; 3] = ["thales", "safenet", "gemalto"];

/// The device open and its interface claimed.
struct Link {
    device: UsbDevice,
    interface: u8,
    ep_in: u8,
    ep_out: u8,
}

thread_local! {
    /// The one unit this page has open.
    static LINK: RefCell<Option<Link>> = const { RefCell::new(None) };
}

/// Whether this browser has WebUSB (Chromium-based browsers do; Firefox and Safari do not).
fn supported() -> bool {
    let navigator = window().navigator();
    js_sys::Reflect::has(&navigator, &JsValue::from_str("usb")).unwrap_or(false)
}

/// What the user is told of a device that is not one this page can drive.
#[derive(Clone, Debug, PartialEq)]
struct Genuine {
    unit: UsbUnit,
}

/// The USB controls: connect, the unit attached, disconnect; or why there are none.
#[component]
pub fn UsbControls() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let problem = RwSignal::new(None::<String>);
    let genuine = RwSignal::new(None::<Genuine>);
    let connecting = RwSignal::new(false);
    if !supported() {
        return view! {
            <p class="usb-unsupported" data-testid="usb-unsupported">
                "This browser has no WebUSB (Firefox and Safari do not offer it): the simulator works as \
                 before, and a unit on a cable can be driven from a Chromium-based browser, or with the \
                 native lunacm --connect."
            </p>
        }
        .into_any();
    }
    listen_for_unplug(sim);
    let connect = move |_| {
        problem.set(None);
        genuine.set(None);
        connecting.set(true);
        spawn_local(async move {
            match choose_and_open().await {
                Ok(Chosen::Trainer(unit)) => sim.usb(UsbEvent::Opened { unit }),
                Ok(Chosen::Genuine(unit)) => genuine.set(Some(Genuine { unit })),
                Err(why) => problem.set(Some(why)),
            }
            connecting.set(false);
        });
    };
    let disconnect = move |_| {
        close();
        sim.usb(UsbEvent::Closed { why: None });
    };
    view! {
        <div class="usb" class:usb-attached=move || sim.attached.get().is_some() role="group" aria-label="A unit on a USB cable">
            <Show
                when=move || sim.attached.get().is_some()
                fallback=move || view! {
                    <button
                        type="button"
                        class="btn"
                        data-testid="usb-connect"
                        disabled=move || connecting.get()
                        on:click=connect
                    >
                        "Connect a device…"
                    </button>
                }
            >
                <button type="button" class="btn" data-testid="usb-disconnect" on:click=disconnect>"Disconnect"</button>
            </Show>
            <p class="usb-status" role="status" data-testid="usb-status">
                {move || sim.attached.get().map(|a| {
                    let Some(w) = &a.welcome else {
                        return format!("Connecting to {} over USB…", a.unit.product);
                    };
                    let what = if w.capabilities.iter().any(|c| c == hsm_core::wire::CAP_MIRROR) {
                        "The terminal, the touchscreen, the iKey port, the policies and the environment \
                         readings are this unit's; the host files, audit, labs and instructor panels stay \
                         the simulator's."
                    } else {
                        "The terminal drives this unit; the drawing and the panels still show the \
                         simulated unit."
                    };
                    format!("Attached over USB: {} serial {} (firmware {}). {what}", w.model, w.serial, w.firmware)
                })}
            </p>
            <Show when=move || problem.get().is_some()>
                <p class="usb-problem" role="alert" data-testid="usb-problem">{move || problem.get()}</p>
            </Show>
            <Show when=move || genuine.get().is_some()>
                <div class="usb-genuine" role="alert" data-testid="usb-genuine">
                    {move || genuine.get().map(|g| describe_genuine(&g.unit))}
                </div>
            </Show>
        </div>
    }
    .into_any()
}

/// What the page says about a genuine unit: what its descriptors say, and what it cannot do with it.
fn describe_genuine(unit: &UsbUnit) -> String {
    format!(
        "This is a genuine unit: {} {} (USB {:04x}:{:04x}), serial {}, firmware {} (from its bcdDevice). \
         Its vendor's USB protocol is not public: administering it needs Thales' LunaCM and driver on this \
         computer. This page does not drive it, and it was not changed.",
        unit.manufacturer,
        unit.product,
        unit.vendor_id,
        unit.product_id,
        if unit.serial.is_empty() { "not given" } else { &unit.serial },
        unit.version,
    )
}

/// What the user chose.
enum Chosen {
    /// A training unit, open with its interface claimed.
    Trainer(UsbUnit),
    /// A genuine unit: described, not opened.
    Genuine(UsbUnit),
}

/// Asks the browser for a device, and opens it if it is a training unit.
async fn choose_and_open() -> Result<Chosen, String> {
    close();
    let usb = window().navigator().usb();
    // No filter: the chooser lists every device, so that a genuine unit can be picked and recognised.
    let options = UsbDeviceRequestOptions::new(&[]);
    let device = JsFuture::from(usb.request_device(&options)).await.map_err(|e| why("choose", &e))?;
    let unit = describe(&device);
    if is_genuine(&unit) {
        return Ok(Chosen::Genuine(unit));
    }
    JsFuture::from(device.open()).await.map_err(|e| why("open", &e))?;
    if device.configuration().is_none() {
        JsFuture::from(device.select_configuration(1)).await.map_err(|e| why("open", &e))?;
    }
    let Some((interface, ep_in, ep_out)) = protocol_interface(&device) else {
        let _ = JsFuture::from(device.close()).await;
        return Err(format!(
            "{} has no interface this page can use (a vendor-specific interface with a bulk IN and a bulk OUT \
             endpoint): it is neither a training unit nor a unit this page recognises.",
            unit_name(&unit)
        ));
    };
    if let Err(e) = JsFuture::from(device.claim_interface(interface)).await {
        let _ = JsFuture::from(device.close()).await;
        return Err(why("claim", &e));
    }
    LINK.with(|l| *l.borrow_mut() = Some(Link { device, interface, ep_in, ep_out }));
    Ok(Chosen::Trainer(unit))
}

/// The descriptors of a device.
fn describe(device: &UsbDevice) -> UsbUnit {
    UsbUnit {
        vendor_id: device.vendor_id(),
        product_id: device.product_id(),
        manufacturer: device.manufacturer_name().unwrap_or_default(),
        product: device.product_name().unwrap_or_default(),
        serial: device.serial_number().unwrap_or_default(),
        version: format!(
            "{}.{}.{}",
            device.device_version_major(),
            device.device_version_minor(),
            device.device_version_subminor()
        ),
    }
}

/// Whether the descriptors name Thales (or SafeNet, Gemalto) as the maker: no public source gives the
/// USB ids of a Luna USB HSM 7, so the maker's own string is what recognises one.
fn is_genuine(unit: &UsbUnit) -> bool {
    let maker = unit.manufacturer.to_ascii_lowercase();
    GENUINE_MAKERS.iter().any(|m| maker.contains(m))
}

fn unit_name(unit: &UsbUnit) -> String {
    let name = if unit.product.is_empty() { "The device" } else { unit.product.as_str() };
    format!("{name} ({:04x}:{:04x})", unit.vendor_id, unit.product_id)
}

/// The first vendor-specific interface with a bulk IN and a bulk OUT endpoint: its number and the two
/// endpoint numbers.
fn protocol_interface(device: &UsbDevice) -> Option<(u8, u8, u8)> {
    let configuration = device.configuration()?;
    configuration.interfaces().iter().find_map(|interface| {
        let alternate = interface.alternate();
        if alternate.interface_class() != VENDOR_CLASS {
            return None;
        }
        let bulk = |direction: UsbDirection| {
            alternate
                .endpoints()
                .iter()
                .find(|e| e.type_() == UsbEndpointType::Bulk && e.direction() == direction)
                .map(|e| e.endpoint_number())
        };
        Some((interface.interface_number(), bulk(UsbDirection::In)?, bulk(UsbDirection::Out)?))
    })
}

/// What a failed WebUSB step means for the user.
fn why(step: &str, error: &JsValue) -> String {
    let name = error.dyn_ref::<web_sys::DomException>().map(|e| e.name()).unwrap_or_default();
    let message = error.dyn_ref::<web_sys::DomException>().map(|e| e.message()).unwrap_or_default();
    match (step, name.as_str()) {
        ("choose", "NotFoundError") => "No device was chosen.".into(),
        ("choose", "SecurityError") => {
            "The browser refused access to USB devices (a permission policy, or the page is not in a secure \
             context)."
                .into()
        }
        (_, "SecurityError") => {
            "The browser blocks this device: Chromium keeps protected interface classes (keyboards, storage, \
             smart cards...) away from web pages."
                .into()
        }
        ("open", _) => format!(
            "The device could not be opened: another program or an operating-system driver holds it (on \
             Linux, check the udev rules; on Windows, the device needs the WinUSB driver). ({name}: {message})"
        ),
        ("claim", _) => format!(
            "The device's interface is claimed by another program or an operating-system driver. ({name}: \
             {message})"
        ),
        _ => format!("{name}: {message}"),
    }
}

/// Does what the worker asks with the cable; a failure closes the device and tells the worker why.
pub fn perform(sim: Sim, out: UsbOut) {
    let Some((device, ep_in, ep_out)) =
        LINK.with(|l| l.borrow().as_ref().map(|l| (l.device.clone(), l.ep_in, l.ep_out)))
    else {
        // The device went away in the meantime: the worker has been told, or will be.
        return;
    };
    spawn_local(async move {
        let result = match out {
            UsbOut::Close => {
                close();
                return;
            }
            UsbOut::Transfer { bytes } => match write(&device, ep_out, &bytes).await {
                Ok(()) => read(&device, ep_in).await,
                Err(e) => Err(e),
            },
            UsbOut::Read => read(&device, ep_in).await,
        };
        // A link closed while the transfer ran (Disconnect, unplug) has already been reported.
        if LINK.with(|l| l.borrow().is_none()) {
            return;
        }
        match result {
            Ok(bytes) => sim.usb(UsbEvent::Received { bytes }),
            Err(why) => {
                close();
                sim.usb(UsbEvent::Closed { why: Some(why) });
            }
        }
    });
}

async fn write(device: &UsbDevice, ep_out: u8, bytes: &[u8]) -> Result<(), String> {
    let promise = device.transfer_out_with_u8_slice(ep_out, bytes).map_err(|e| transfer_failed(&e))?;
    let result = JsFuture::from(promise).await.map_err(|e| transfer_failed(&e))?;
    if result.bytes_written() as usize != bytes.len() {
        return Err("The unit took only part of LunaCM's request.".into());
    }
    Ok(())
}

async fn read(device: &UsbDevice, ep_in: u8) -> Result<Vec<u8>, String> {
    let result = JsFuture::from(device.transfer_in(ep_in, READ_SIZE)).await.map_err(|e| transfer_failed(&e))?;
    let data = result.data().ok_or("The unit answered with no data.")?;
    Ok(js_sys::Uint8Array::new_with_byte_offset_and_length(
        &data.buffer(),
        data.byte_offset() as u32,
        data.byte_length() as u32,
    )
    .to_vec())
}

fn transfer_failed(error: &JsValue) -> String {
    let message = error.dyn_ref::<web_sys::DomException>().map(|e| e.message()).unwrap_or_default();
    format!("The USB transfer failed: the unit was unplugged or stopped answering ({message}).")
}

/// Releases and closes the device, if one is open.
fn close() {
    if let Some(link) = LINK.with(|l| l.borrow_mut().take()) {
        spawn_local(async move {
            let _ = JsFuture::from(link.device.release_interface(link.interface)).await;
            let _ = JsFuture::from(link.device.close()).await;
        });
    }
}

/// The unit pulled out: the worker is told, and LunaCM's command in progress fails.
fn listen_for_unplug(sim: Sim) {
    let on_disconnect = Closure::<dyn FnMut(UsbConnectionEvent)>::new(move |event: UsbConnectionEvent| {
        let ours = LINK.with(|l| l.borrow().as_ref().is_some_and(|l| l.device == event.device()));
        if ours {
            LINK.with(|l| l.borrow_mut().take());
            sim.usb(UsbEvent::Closed { why: Some("The unit was unplugged.".into()) });
        }
    });
    window().navigator().usb().set_ondisconnect(Some(on_disconnect.as_ref().unchecked_ref()));
    on_disconnect.forget();
}
