//! The Luna USB HSM 7 on the desk: its body and ports, and the touchscreen rendering the core's
//! [`Screen`](hsm_core::device::Screen).

use leptos::ev::{FocusEvent, KeyboardEvent};
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use hsm_core::device::{Button, Role, KEYPAD};

use crate::ikeys::{DeskUi, IKeyToken};
use crate::sim::Sim;

/// The unit, seen from above: touchscreen on the top face, host USB-C and 5V power at the back, the
/// iKey port on the right side, with the inserted iKey sticking out of it.
#[component]
pub fn Device() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let desk = expect_context::<DeskUi>();
    let inserted = move || sim.ikeys.with(|keys| keys.iter().find(|k| k.in_port).cloned());
    let port_title = move || match inserted() {
        Some(key) => format!("iKey port (USB-C), holding iKey {}", key.id),
        None => "iKey port (USB-C), empty".to_string(),
    };
    // A token from the tray over the port: green when it can go in, red when the port is taken (and the
    // caption says which).
    let incoming = move || {
        desk.over_port.get()
            && desk
                .dragging
                .get()
                .is_some_and(|id| sim.ikeys.with(|keys| keys.iter().any(|k| k.id == id && !k.in_port)))
    };
    let occupied = move || sim.ikeys.with(|keys| keys.iter().any(|k| k.in_port));

    view! {
        <figure class="hsm" data-testid="hsm-device" aria-label="Thales Luna USB HSM 7">
            <div class="cable cable-usb" aria-hidden="true"></div>
            <div class="cable cable-power" aria-hidden="true"></div>
            <div class="hsm-body">
                <div class="hsm-back">
                    <div class="port-group">
                        <span class="port port-usbc" data-testid="usb-host-port" title="USB-C host port">
                            <span class="plug"></span>
                        </span>
                        <span class="port-caption">"HOST"</span>
                    </div>
                    <div class="port-group">
                        <span class="port port-power" data-testid="power-port" title="5V DC power">
                            <span class="plug"></span>
                        </span>
                        <span class="port-caption">"5V DC"</span>
                    </div>
                </div>
                <div class="hsm-top">
                    <div class="bezel">
                        <TouchScreen/>
                    </div>
                    <div class="hsm-plate">
                        <span class="hsm-vents" aria-hidden="true"></span>
                        <span class="hsm-logo">"THALES"</span>
                        <span class="hsm-model">"Luna USB HSM 7"</span>
                        <span class="hsm-led" title="Power"></span>
                    </div>
                </div>
                <div class="hsm-side">
                    <span
                        class="port port-ikey"
                        class:port-drop-ok=move || incoming() && !occupied()
                        class:port-drop-busy=move || incoming() && occupied()
                        class:port-occupied=occupied
                        data-testid="ikey-port"
                        node_ref=desk.port
                        title=port_title
                    >
                        <span class="socket"></span>
                        {move || inserted().map(|key| view! { <IKeyToken key=key/> })}
                    </span>
                    // In words too, not in colour alone.
                    <span class="port-caption port-caption-side" data-testid="ikey-port-caption">
                        {move || match (incoming(), occupied()) {
                            (true, false) => "iKey: release to insert",
                            (true, true) => "iKey: port taken",
                            _ => "iKey",
                        }}
                    </span>
                </div>
            </div>
            <SlotLegend/>
            <figcaption class="hsm-caption">
                <span>"Luna USB HSM 7 — touchscreen, iKey port on the right side"</span>
            </figcaption>
        </figure>
    }
}

/// The touchscreen: the idle status (label, logged-in role), or the prompts of an iKey ceremony or the
/// Admin tab, with its buttons and, when the device asks for digits, a keypad. Every button is passed
/// to the device by its visible text.
#[component]
pub fn TouchScreen() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let screen = sim.screen;
    let status = move || screen.with(|s| s.status.iter().cloned().enumerate().collect::<Vec<_>>());
    // A ceremony or the Admin tab names its operation, shown as a heading instead of the status.
    let operation = move || screen.with(|s| s.operation.is_some());
    let heading = move || screen.with(|s| s.operation.clone());
    let note = move || screen.with(|s| s.note.clone());
    let prompt = move || screen.with(|s| s.prompt.iter().cloned().enumerate().collect::<Vec<_>>());
    let buttons = move || screen.with(|s| s.buttons.clone());

    // What a screen reader announces as the screen changes: its heading, status and prompts (the keypad
    // entry is a status of its own).
    let announcement = Memo::new(move |_| {
        screen.with(|s| {
            let mut parts = vec![s.operation.clone().unwrap_or_else(|| s.title.clone())];
            parts.extend(s.status.iter().cloned());
            parts.extend(s.role.clone());
            parts.extend(s.note.clone());
            parts.extend(s.prompt.iter().cloned());
            parts.retain(|p| !p.is_empty());
            parts.join(". ")
        })
    });

    let container = NodeRef::<leptos::html::Div>::new();
    let is_container = move |ev: &KeyboardEvent| {
        ev.target().zip(container.get_untracked()).is_some_and(|(t, c)| c.is_same_node(t.dyn_ref()))
    };
    // Digits typed while the touchscreen has the keyboard go to its keypad; Enter on the screen itself
    // (not on one of its buttons) is the keypad's Enter.
    let on_keydown = move |ev: KeyboardEvent| {
        if !screen.with_untracked(|s| s.keypad) || ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let key = ev.key();
        if let Some(digit) = KEYPAD.iter().find(|d| d.label() == key) {
            ev.prevent_default();
            sim.tap(digit.label());
        } else if key == "Backspace" {
            ev.prevent_default();
            sim.tap(Button::Clear.label());
        } else if key == "Enter" && is_container(&ev) && screen.with_untracked(|s| s.buttons.contains(&Button::Enter)) {
            ev.prevent_default();
            sim.tap(Button::Enter.label());
        }
    };
    // A tap changes the screen and its buttons: when the button that had the keyboard goes with the old
    // screen, the keyboard stays on the touchscreen instead of falling back to the page.
    let on_focusout = move |ev: FocusEvent| {
        if ev.related_target().is_some() {
            return;
        }
        let Some(left) = ev.target().and_then(|t| t.dyn_into::<web_sys::Node>().ok()) else { return };
        request_animation_frame(move || {
            let lost = document().active_element().is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body"));
            if lost && !left.is_connected() {
                if let Some(container) = container.get_untracked() {
                    let _ = container.focus();
                }
            }
        });
    };

    view! {
        <div
            class="touchscreen"
            class:ts-busy=operation
            data-testid="hsm-screen"
            role="group"
            aria-label="HSM touchscreen"
            tabindex="-1"
            node_ref=container
            on:keydown=on_keydown
            on:focusout=on_focusout
        >
            <div class="ts-title" data-testid="screen-title">{move || screen.with(|s| s.title.clone())}</div>
            <Show when=move || screen.with(|s| !s.status.is_empty())>
                <ul class="ts-status" data-testid="screen-status">
                    <For each=status key=|item| item.clone() let((_, line))>
                        <li class="ts-status-line" data-status=line.to_lowercase().replace(' ', "-")>{line.clone()}</li>
                    </For>
                </ul>
                <div class="ts-label" data-testid="screen-label">
                    <span class="ts-caption">"Label"</span>
                    {move || {
                        let label = screen.with(|s| s.label.clone());
                        if label.is_empty() {
                            view! { <span class="ts-value ts-none">"none"</span> }.into_any()
                        } else {
                            view! { <span class="ts-value">{label}</span> }.into_any()
                        }
                    }}
                </div>
            </Show>
            {move || screen.with(|s| s.role.clone()).map(|role| view! {
                <div class="ts-role" data-testid="screen-role">{role}</div>
            })}
            {move || heading().map(|h| view! { <div class="ts-operation" data-testid="screen-operation">{h}</div> })}
            {move || note().map(|n| view! { <p class="ts-note" data-testid="screen-note">{n}</p> })}
            <Show when=move || !prompt().is_empty()>
                <div class="ts-prompt" data-testid="screen-prompt">
                    <For each=prompt key=|item| item.clone() let((_, line))>
                        <p>{line}</p>
                    </For>
                </div>
            </Show>
            <Show when=move || screen.with(|s| s.keypad)>
                <div
                    class="ts-entry"
                    data-testid="screen-entry"
                    role="status"
                    aria-label="Entry"
                >
                    {move || screen.with(|s| s.entry.clone())}
                    <span class="ts-caret" aria-hidden="true"></span>
                </div>
                <div class="ts-keypad" data-testid="screen-keypad" role="group" aria-label="Keypad">
                    {KEYPAD
                        .into_iter()
                        .map(|digit| view! {
                            <button class="ts-key" data-button=digit.label() on:click=move |_| sim.tap(digit.label())>{digit.label()}</button>
                        })
                        .collect_view()}
                    <button class="ts-key ts-key-clear" data-button="clear" on:click=move |_| sim.tap(Button::Clear.label())>
                        {Button::Clear.label()}
                    </button>
                </div>
            </Show>
            <Show when=move || screen.with(|s| !s.buttons.is_empty())>
                <div class="ts-buttons" data-testid="screen-buttons">
                    <For each=buttons key=|b| *b let(b)>
                        {
                            let slug = b.label().to_lowercase().replace(' ', "-");
                            view! {
                                <button
                                    class="ts-button"
                                    data-button=slug
                                    on:click=move |_| sim.tap(b.label())
                                >
                                    {b.label()}
                                </button>
                            }
                        }
                    </For>
                </div>
            </Show>
        </div>
        // Beside the screen rather than in it, so that the screen's own text is only what it shows.
        <p class="visually-hidden" data-testid="screen-announcer" aria-live="polite" aria-atomic="true">
            {move || announcement.get()}
        </p>
    }
}

/// A logged-in role in words ("HSM SO logged in", "no role logged in") and its short name for tests and
/// styles ("" for none).
fn login_words(role: Option<Role>) -> (String, &'static str) {
    match role {
        Some(r) => (format!("{} logged in", r.display_name()), r.short_name()),
        None => ("no role logged in".to_string(), ""),
    }
}

/// Under the unit: this tab's LunaCM session and the slots it addresses, read from the device model
/// (never from LunaCM's text): the current slot, the role logged in on the admin slot and on the
/// application partition, whether the partition exists (its label, or "not initialized") and which of
/// its roles are activated.
#[component]
fn SlotLegend() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let slots = sim.slots;
    let current = move || slots.with(|s| s.current_slot);
    let unit = move || slots.with(|s| s.unit.clone());
    let admin_slot = move || slots.with(|s| s.admin_slot);
    let admin = move || slots.with(|s| login_words(s.admin_role));
    let partition = move || slots.with(|s| s.partition.clone());
    let partition_role = move || slots.with(|s| login_words(s.partition.as_ref().and_then(|p| p.role)));
    let activated = move || slots.with(|s| s.partition.as_ref().map(|p| p.activated.clone()).unwrap_or_default());
    let is_current = move |slot: Option<u32>| slot == Some(current());

    view! {
        <section class="slot-status" data-testid="slot-status" aria-label="Slots and logins of this tab's LunaCM">
            <div class="slot-head">
                <span class="slot-title">"LunaCM session"</span>
                <Show when=move || unit().is_some()>
                    <span class="slot-unit" data-testid="front-unit">
                        {move || unit().unwrap_or_default()}
                    </span>
                </Show>
                <span class="slot-current">
                    "current slot "
                    <span class="slot-current-id" data-testid="current-slot" data-slot=move || current().to_string()>
                        {current}
                    </span>
                    <span class="slot-current-words">{move || slots.with(|s| format!(" · {}", s.current_slot_words()))}</span>
                </span>
            </div>
            <ul class="slot-list">
                <li
                    class="slot"
                    class:slot-is-current=move || is_current(Some(admin_slot()))
                    aria-current=move || is_current(Some(admin_slot())).then_some("true")
                >
                    <span class="slot-id" aria-label=move || format!("slot {}", admin_slot())>{admin_slot}</span>
                    <span class="slot-name">"Admin partition"</span>
                    <span
                        class="slot-role"
                        class:slot-none=move || admin().1.is_empty()
                        data-testid="admin-role"
                        data-role=move || admin().1
                    >
                        {move || admin().0}
                    </span>
                </li>
                <li
                    class="slot"
                    class:slot-is-current=move || is_current(partition().map(|p| p.slot))
                    aria-current=move || is_current(partition().map(|p| p.slot)).then_some("true")
                >
                    <span class="slot-id" aria-label=move || partition().map(|p| format!("slot {}", p.slot))>
                        {move || partition().map_or_else(|| "–".to_string(), |p| p.slot.to_string())}
                    </span>
                    <span
                        class="slot-name"
                        class:slot-none=move || partition().is_none_or(|p| !p.initialized)
                        data-testid="partition-state"
                        data-state=move || match partition() {
                            None => "none",
                            Some(p) if p.initialized => "initialized",
                            Some(_) => "uninitialized",
                        }
                        data-label=move || partition().map(|p| p.label).unwrap_or_default()
                    >
                        {move || match partition() {
                            None => "No application partition".to_string(),
                            Some(p) if p.initialized => format!("Partition \"{}\"", p.label),
                            Some(_) => "Partition not initialized".to_string(),
                        }}
                    </span>
                    <Show when=move || partition().is_some()>
                        <span
                            class="slot-role"
                            class:slot-none=move || partition_role().1.is_empty()
                            data-testid="partition-role"
                            data-role=move || partition_role().1
                        >
                            {move || partition_role().0}
                        </span>
                        <span
                            class="slot-activated"
                            class:slot-none=move || activated().is_empty()
                            data-testid="partition-activated"
                            data-roles=move || {
                                activated().iter().map(Role::short_name).collect::<Vec<_>>().join(",")
                            }
                        >
                            "activated: "
                            {move || {
                                let roles = activated();
                                if roles.is_empty() {
                                    "none".to_string()
                                } else {
                                    roles.iter().map(Role::display_name).collect::<Vec<_>>().join(", ")
                                }
                            }}
                        </span>
                    </Show>
                </li>
            </ul>
        </section>
    }
}
