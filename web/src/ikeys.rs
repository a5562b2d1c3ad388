//! iKeys on the desk: the tray of USB tokens with their stickers, dragging a token into the HSM's iKey
//! port and out again, and writing on a sticker.
//!
//! A token is moved with pointer events (mouse, pen and touch alike): it follows the pointer, the port
//! lights up while the token is over it, and letting go there inserts the key; letting go of the inserted
//! key anywhere else takes it out. From the keyboard, Enter (or Space) on a token does the same.

use hsm_core::ikey::{Color, STICKER_MAX};
use hsm_core::IKeyView;
use leptos::ev::{KeyboardEvent, MouseEvent, PointerEvent};
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::sim::Sim;

/// How far (CSS pixels) the pointer must move before a press becomes a drag, so that a click or a
/// double-click does not move the key.
const DRAG_THRESHOLD: f64 = 4.0;

/// Around the iKey port, where letting go of a token counts as "in the port" (CSS pixels beyond the
/// port's edges). Generous to the right, where an inserted key sits, because the pointer holds the
/// token by its body, not by its plug.
const DROP_LEFT: f64 = 48.0;
const DROP_RIGHT: f64 = 150.0;
const DROP_VERTICAL: f64 = 36.0;

/// What the desk's components share about iKeys being handled. `Copy`, provided by the app.
#[derive(Clone, Copy)]
pub struct DeskUi {
    /// The iKey port on the device, for hit-testing drops.
    pub port: NodeRef<html::Span>,
    /// A token is being dragged over the port.
    pub over_port: RwSignal<bool>,
    /// The key being dragged, if any.
    pub dragging: RwSignal<Option<u32>>,
    /// The key whose sticker is being written on, if any.
    pub editing: RwSignal<Option<u32>>,
}

impl DeskUi {
    /// Fresh handles, nothing in hand.
    pub fn new() -> DeskUi {
        DeskUi {
            port: NodeRef::new(),
            over_port: RwSignal::new(false),
            dragging: RwSignal::new(None),
            editing: RwSignal::new(None),
        }
    }

    /// Whether the point (client coordinates) is where a token lands in the port.
    fn over_port_at(&self, x: f64, y: f64) -> bool {
        self.port.get_untracked().is_some_and(|port| {
            let r = port.get_bounding_client_rect();
            x >= r.left() - DROP_LEFT
                && x <= r.right() + DROP_RIGHT
                && y >= r.top() - DROP_VERTICAL
                && y <= r.bottom() + DROP_VERTICAL
        })
    }
}

/// How a sticker reads aloud and in tooltips: "blue sticker HSM SO", "no sticker".
fn sticker_words(key: &IKeyView) -> String {
    match (key.color, key.label.is_empty()) {
        (Some(c), true) => format!("{} sticker", c.name()),
        (Some(c), false) => format!("{} sticker {}", c.name(), key.label),
        (None, true) => "no sticker".to_string(),
        (None, false) => format!("sticker {}", key.label),
    }
}

/// The accessible name of a token: "iKey 3, blue sticker HSM SO", "iKey 3 in the iKey port, no sticker".
pub fn aria_label(key: &IKeyView) -> String {
    let place = if key.in_port { " in the iKey port" } else { "" };
    format!("iKey {}{place}, {}", key.id, sticker_words(key))
}

/// The `data-color` value of a sticker colour: its name, or "none".
fn color_attr(color: Option<Color>) -> &'static str {
    color.map_or("none", |c| c.name())
}

/// Moves the keyboard to token `id` once it has been drawn in its new place (the tray or the port).
fn focus_token_soon(id: u32) {
    request_animation_frame(move || {
        let selector = format!("[data-testid=\"ikey-{id}\"]");
        if let Some(el) = document()
            .query_selector(&selector)
            .ok()
            .flatten()
            .and_then(|el| el.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = el.focus();
        }
    });
}

/// The face of a token: USB-C plug, moulded body, and the sticker with its text. Used by the tokens and
/// by the sticker editor's preview.
fn token_face(color: Option<Color>, label: String) -> impl IntoView {
    let empty = label.is_empty();
    view! {
        <span class="ikey-plug" aria-hidden="true"></span>
        <span class="ikey-body" aria-hidden="true">
            <span class="ikey-sticker" class:ikey-sticker-none=color.is_none() class:ikey-sticker-empty=empty data-color=color_attr(color)>
                <span class="ikey-sticker-text">{label}</span>
            </span>
            <span class="ikey-ring"></span>
        </span>
    }
}

/// One iKey, drawn as a USB token with its sticker. In the tray it can be dragged onto the iKey port; in
/// the port it can be dragged off. Enter or Space does the same from the keyboard.
#[component]
pub fn IKeyToken(key: IKeyView) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let desk = expect_context::<DeskUi>();
    let id = key.id;
    let in_port = key.in_port;
    // Where the press started, while the pointer is down on this token.
    let pressed = StoredValue::new(None::<(i32, f64, f64)>);
    // How far the token has been dragged, once the press became a drag.
    let offset = RwSignal::new(None::<(f64, f64)>);

    let end_drag = move || {
        pressed.set_value(None);
        offset.set(None);
        desk.over_port.set(false);
        desk.dragging.set(None);
    };

    let on_pointerdown = move |ev: PointerEvent| {
        if ev.button() != 0 || !ev.is_primary() {
            return;
        }
        if let Some(el) = ev.current_target().and_then(|t| t.dyn_into::<web_sys::Element>().ok()) {
            let _ = el.set_pointer_capture(ev.pointer_id());
        }
        pressed.set_value(Some((ev.pointer_id(), ev.client_x(), ev.client_y())));
    };
    let on_pointermove = move |ev: PointerEvent| {
        let Some((pointer, x0, y0)) = pressed.get_value() else {
            return;
        };
        if pointer != ev.pointer_id() {
            return;
        }
        let (x, y) = (ev.client_x(), ev.client_y());
        let (dx, dy) = (x - x0, y - y0);
        if offset.get_untracked().is_none() && dx.hypot(dy) < DRAG_THRESHOLD {
            return;
        }
        ev.prevent_default();
        // In a scaled drawing (the unit on a phone) the token moves in its own, scaled pixels: it
        // follows the pointer only if the offset is scaled back.
        let zoom = ev
            .current_target()
            .and_then(|t| js_sys::Reflect::get(&t, &"currentCSSZoom".into()).ok())
            .and_then(|z| z.as_f64())
            .filter(|z| *z > 0.0)
            .unwrap_or(1.0);
        offset.set(Some((dx / zoom, dy / zoom)));
        desk.dragging.set(Some(id));
        let over = desk.over_port_at(x, y);
        if desk.over_port.get_untracked() != over {
            desk.over_port.set(over);
        }
    };
    let on_pointerup = move |ev: PointerEvent| {
        let Some((pointer, ..)) = pressed.get_value() else {
            return;
        };
        if pointer != ev.pointer_id() {
            return;
        }
        let dragged = offset.get_untracked().is_some();
        let over = desk.over_port_at(ev.client_x(), ev.client_y());
        // Settle this token's state first: moving the key redraws it elsewhere and disposes of this one.
        end_drag();
        if !dragged {
            return;
        }
        if over && !in_port {
            sim.insert_ikey(id, |_| {});
        } else if !over && in_port {
            sim.remove_ikey(|_| {});
        }
    };
    let on_pointercancel = move |_: PointerEvent| end_drag();

    let toggle = move || {
        let done = move |moved: bool| {
            if moved {
                focus_token_soon(id);
            }
        };
        if in_port {
            sim.remove_ikey(done);
        } else {
            sim.insert_ikey(id, done);
        }
    };
    let on_keydown = move |ev: KeyboardEvent| {
        if matches!(ev.key().as_str(), "Enter" | " ") && !ev.repeat() {
            ev.prevent_default();
            toggle();
        }
    };
    // Assistive technology activates a button with a click that no pointer made (detail 0); a real
    // click does nothing, as only a drag moves the key.
    let on_click = move |ev: MouseEvent| {
        if ev.detail() == 0 {
            toggle();
        }
    };
    let on_dblclick = move |_: MouseEvent| {
        if !in_port {
            desk.editing.set(Some(id));
        }
    };

    let hint = if in_port {
        "Drag it off the port, or press Enter, to take it out"
    } else {
        "Drag it onto the iKey port, or press Enter, to insert it; double-click to write on its sticker"
    };
    let title = format!("{} — {hint}", aria_label(&key));

    view! {
        <span
            class="ikey"
            class:ikey-in-port=in_port
            class:ikey-dragging=move || offset.with(Option::is_some)
            data-testid=format!("ikey-{id}")
            data-color=color_attr(key.color)
            data-label=key.label.clone()
            data-in-port=if in_port { "true" } else { "false" }
            role="button"
            tabindex="0"
            aria-label=aria_label(&key)
            title=title
            style:transform=move || offset.get().map(|(dx, dy)| format!("translate({dx}px, {dy}px)"))
            on:pointerdown=on_pointerdown
            on:pointermove=on_pointermove
            on:pointerup=on_pointerup
            on:pointercancel=on_pointercancel
            on:keydown=on_keydown
            on:click=on_click
            on:dblclick=on_dblclick
        >
            {token_face(key.color, key.label.clone())}
        </span>
    }
}

/// The tray on the desk: every iKey in its place (the one in the port leaves an outline), "Add blank
/// iKey", and the sticker editor.
#[component]
pub fn IKeyTray() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let desk = expect_context::<DeskUi>();
    // Every key keeps its place in the tray; a key in the port leaves its outline behind.
    let keys = move || sim.ikeys.get();
    let add = move |_| {
        sim.add_blank_ikey(focus_token_soon);
    };

    view! {
        <section class="tray" data-testid="ikey-tray" aria-label="iKeys on the desk">
            <div class="tray-head">
                <span class="tray-title">"iKeys"</span>
                <span class="tray-hint">"Drag a key onto the iKey port; drag it off to take it out."</span>
                <button class="btn btn-small" data-testid="ikey-add" on:click=add>
                    "Add blank iKey"
                </button>
            </div>
            <ul class="tray-keys">
                <For
                    each=keys
                    key=|k| (k.id, k.color, k.label.clone(), k.in_port, k.in_unit)
                    let(key)
                >
                    <li class="tray-slot">
                        {
                            let id = key.id;
                            // The sticker's colour in words too: colour alone must not carry it.
                            let colour = key.color.map(|c| view! {
                                <span class="tray-slot-colour" data-testid=format!("ikey-colour-{id}") data-color=c.name()>
                                    {c.name()}
                                </span>
                            });
                            if let (false, Some(unit)) = (key.in_port, key.in_unit) {
                                // In the port of a unit that is not in front of you.
                                view! {
                                    <span class="tray-slot-away">{format!("in unit {unit}'s iKey port")}</span>
                                    <span class="tray-slot-foot">
                                        <span class="tray-slot-id">{format!("iKey {id}")} {colour}</span>
                                    </span>
                                }
                                .into_any()
                            } else if key.in_port {
                                view! {
                                    <span class="tray-slot-away">"in the iKey port"</span>
                                    <span class="tray-slot-foot">
                                        <span class="tray-slot-id">{format!("iKey {id}")} {colour}</span>
                                    </span>
                                }
                                .into_any()
                            } else {
                                let name = format!("Write on the sticker of iKey {id}");
                                let lose_name = format!("Lose iKey {id} (lost, stolen or destroyed)");
                                let lose = move |_| {
                                    let sure = web_sys::window()
                                        .and_then(|w| {
                                            w.confirm_with_message(&format!(
                                                "Lose iKey {id}? It leaves the desk for good, with whatever it holds."
                                            ))
                                            .ok()
                                        })
                                        .unwrap_or(false);
                                    if sure {
                                        sim.lose_ikey(id);
                                    }
                                };
                                view! {
                                    <IKeyToken key=key/>
                                    <span class="tray-slot-foot">
                                        <span class="tray-slot-id">{format!("iKey {id}")} {colour}</span>
                                        <button
                                            class="sticker-edit"
                                            data-testid=format!("ikey-edit-{id}")
                                            aria-label=name.clone()
                                            title=name
                                            on:click=move |_| desk.editing.set(Some(id))
                                        >
                                            "✎ sticker"
                                        </button>
                                        <button
                                            class="sticker-edit ikey-lose"
                                            data-testid=format!("ikey-lose-{id}")
                                            aria-label=lose_name.clone()
                                            title=lose_name
                                            on:click=lose
                                        >
                                            "✕"
                                        </button>
                                    </span>
                                }
                                .into_any()
                            }
                        }
                    </li>
                </For>
            </ul>
            <Show when=move || sim.ikeys.with(Vec::is_empty)>
                <p class="tray-empty">"No iKeys on the desk."</p>
            </Show>
            {move || desk.editing.get().map(|id| view! { <StickerEditor id=id/> })}
        </section>
    }
}

/// Writes on the sticker of iKey `id`: a colour (or none) and up to 32 characters of text.
#[component]
fn StickerEditor(id: u32) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let desk = expect_context::<DeskUi>();
    let current = sim.ikeys.with_untracked(|keys| keys.iter().find(|k| k.id == id).cloned());
    let color = RwSignal::new(current.as_ref().and_then(|k| k.color));
    let text = RwSignal::new(current.map(|k| k.label).unwrap_or_default());
    let field = NodeRef::<html::Input>::new();

    // The text field gets the keyboard when the editor opens.
    Effect::new(move |_| {
        if let Some(field) = field.get() {
            let _ = field.focus();
        }
    });

    let close = move || {
        desk.editing.set(None);
        focus_token_soon(id);
    };
    let save = move || {
        sim.set_sticker(id, color.get_untracked(), &text.get_untracked(), move |written| {
            if written {
                close();
            }
        });
    };
    // Escape anywhere in the editor cancels; Enter in the text field saves.
    let on_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Escape" {
            close();
        }
    };
    let on_text_keydown = move |ev: KeyboardEvent| {
        if ev.key() == "Enter" && !ev.is_composing() {
            ev.prevent_default();
            save();
        }
    };

    let choices = std::iter::once(None).chain(Color::ALL.into_iter().map(Some));
    let title_id = format!("sticker-editor-title-{id}");
    let labelled_by = title_id.clone();

    view! {
        <div
            class="sticker-editor"
            data-testid="sticker-editor"
            role="group"
            aria-labelledby=labelled_by
            on:keydown=on_keydown
        >
            <div class="sticker-editor-head">
                <span class="sticker-editor-title" id=title_id>{format!("Sticker of iKey {id}")}</span>
                <span class="ikey ikey-preview" aria-hidden="true">
                    {move || token_face(color.get(), text.get())}
                </span>
            </div>
            <fieldset class="swatches">
                <legend>"Colour"</legend>
                {choices
                    .map(|choice| {
                        let name = color_attr(choice);
                        view! {
                            <label class="swatch" data-color=name>
                                <input
                                    type="radio"
                                    name=format!("sticker-color-{id}")
                                    value=name
                                    data-testid=format!("sticker-color-{name}")
                                    prop:checked=move || color.get() == choice
                                    on:change=move |_| color.set(choice)
                                />
                                <span class="swatch-chip" aria-hidden="true"></span>
                                <span class="swatch-name">{name}</span>
                            </label>
                        }
                    })
                    .collect_view()}
            </fieldset>
            <div class="sticker-editor-row">
                <label class="sticker-text-label">
                    <span>"Text"</span>
                    <input
                        type="text"
                        class="sticker-text"
                        data-testid="sticker-text"
                        node_ref=field
                        maxlength=STICKER_MAX.to_string()
                        autocomplete="off"
                        spellcheck="false"
                        placeholder="e.g. HSM SO"
                        prop:value=move || text.get()
                        on:input=move |ev| text.set(event_target_value(&ev))
                        on:keydown=on_text_keydown
                    />
                </label>
                <button class="btn btn-small" data-testid="sticker-cancel" on:click=move |_| close()>
                    "Cancel"
                </button>
                <button class="btn btn-small btn-primary" data-testid="sticker-save" on:click=move |_| save()>
                    "Save"
                </button>
            </div>
        </div>
    }
}
