//! The Luna USB HSM 7 on the desk: its body and ports, and the touchscreen rendering the core's
//! [`Screen`](hsm_core::device::Screen).

use leptos::prelude::*;

use crate::sim::Sim;

/// The unit, seen from above: touchscreen on the top face, host USB-C and 5V power at the back, the
/// iKey port on the right side.
#[component]
pub fn Device() -> impl IntoView {
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
                    <span class="port port-ikey" data-testid="ikey-port" title="iKey port (USB-C), empty">
                        <span class="socket"></span>
                    </span>
                    <span class="port-caption port-caption-side">"iKey"</span>
                </div>
            </div>
            <figcaption class="hsm-caption">"Luna USB HSM 7 — touchscreen, iKey port on the right side"</figcaption>
        </figure>
    }
}

/// The touchscreen. Taps and keypad digits are displayed but not yet sent to the device.
#[component]
pub fn TouchScreen() -> impl IntoView {
    let screen = expect_context::<Sim>().screen;
    let status = move || screen.with(|s| s.status.iter().cloned().enumerate().collect::<Vec<_>>());
    let prompt = move || screen.with(|s| s.prompt.iter().cloned().enumerate().collect::<Vec<_>>());
    let buttons =
        move || screen.with(|s| s.buttons.iter().cloned().enumerate().collect::<Vec<_>>());

    view! {
        <div class="touchscreen" data-testid="hsm-screen" role="group" aria-label="HSM touchscreen">
            <div class="ts-title" data-testid="screen-title">{move || screen.with(|s| s.title.clone())}</div>
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
            {move || screen.with(|s| s.role.clone()).map(|role| view! {
                <div class="ts-role" data-testid="screen-role">{role}</div>
            })}
            <Show when=move || screen.with(|s| !s.prompt.is_empty())>
                <div class="ts-prompt" data-testid="screen-prompt">
                    <For each=prompt key=|item| item.clone() let((_, line))>
                        <p>{line}</p>
                    </For>
                </div>
            </Show>
            <Show when=move || screen.with(|s| !s.entry.is_empty() || s.keypad)>
                <div class="ts-entry" data-testid="screen-entry">{move || screen.with(|s| s.entry.clone())}</div>
            </Show>
            <Show when=move || screen.with(|s| s.keypad)>
                <div class="ts-keypad" data-testid="screen-keypad">
                    {["1", "2", "3", "4", "5", "6", "7", "8", "9", "0"]
                        .into_iter()
                        .map(|digit| view! { <button class="ts-key" disabled=true>{digit}</button> })
                        .collect_view()}
                </div>
            </Show>
            <Show when=move || screen.with(|s| !s.buttons.is_empty())>
                <div class="ts-buttons" data-testid="screen-buttons">
                    <For each=buttons key=|item| item.clone() let((_, text))>
                        <button class="ts-button" disabled=true>{text}</button>
                    </For>
                </div>
            </Show>
        </div>
    }
}
