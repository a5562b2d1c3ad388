//! The host's LunaCM in a terminal window: the transcript, with the input inline after the last prompt.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use crate::history::History;
use crate::sim::Sim;
use crate::transcript::Transcript;

/// What the input line says while LunaCM waits for an iKey ceremony on the device.
const PED_PLACEHOLDER: &str = "Waiting for the PED: use the touchscreen and the iKeys…";

/// What is typed on the terminal's input line, shared with what types for the user (a demo's player).
#[derive(Clone, Copy)]
pub struct TypedLine(pub RwSignal<String>);

/// The LunaCM terminal window.
#[component]
pub fn Terminal() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let scroller = NodeRef::<html::Div>::new();
    let input = NodeRef::<html::Input>::new();
    let line = use_context::<TypedLine>().map_or_else(|| RwSignal::new(String::new()), |t| t.0);
    let history = StoredValue::new(History::default());

    let focus_input = move || {
        if let Some(input) = input.get_untracked() {
            let _ = input.focus();
        }
    };
    // Given the keyboard back as output arrives, without scrolling the page to it: on a phone the unit
    // above the terminal stays in view during a ceremony.
    let keep_input_focused = move || {
        if let Some(input) = input.get_untracked() {
            let options = web_sys::FocusOptions::new();
            options.set_prevent_scroll(true);
            let _ = input.focus_with_options(&options);
        }
    };

    // Follow the output like a terminal does, and keep the keyboard on the input line, including
    // when the input turns into a password field; but not away from a text field elsewhere on the page
    // (a sticker being written on), from an iKey being moved with the keyboard, nor from the touchscreen
    // while LunaCM waits for it (the prompt returns once the ceremony is over). Done just before the next
    // frame, not as the output is added: reading the scroll height lays the page out, and the frame lays
    // it out anyway (at load, the whole page's first layout would otherwise join the task drawing it).
    Effect::new(move |_| {
        sim.transcript.track();
        sim.masked.track();
        request_animation_frame(move || {
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(f64::from(el.scroll_height()));
            }
            let busy_elsewhere = document().active_element().is_some_and(|el| {
                let ours = input.get_untracked().is_some_and(|input| input.is_same_node(Some(&el)));
                let typing =
                    el.tag_name().eq_ignore_ascii_case("input") || el.tag_name().eq_ignore_ascii_case("textarea");
                let ikey = el.get_attribute("role").as_deref() == Some("button") && el.class_list().contains("ikey");
                let screen = sim.waiting_for_ped.get_untracked() && el.closest(".touchscreen").ok().flatten().is_some();
                !ours && (typing || ikey || screen)
            });
            if !busy_elsewhere {
                keep_input_focused();
            }
        });
    });

    // A notice above the workspace (or its dismissal) changes the terminal's height: keep the prompt in
    // view once the page is laid out again.
    Effect::new(move |_| {
        sim.notice.track();
        request_animation_frame(move || {
            if let Some(el) = scroller.get_untracked() {
                el.set_scroll_top(f64::from(el.scroll_height()));
            }
        });
    });

    // A prompt that stops asking for a password (the simulator was reset under it) must not
    // leave a half-typed password in the now unmasked input.
    Effect::new(move |was_masked: Option<bool>| {
        let masked = sim.masked.get();
        if was_masked.is_some_and(|was| was != masked) {
            line.set(String::new());
        }
        masked
    });

    // Typing while nothing has the keyboard (a click on the desk), or while a button has it (the one
    // that opened a dialog, which has it back once the dialog closes), types into the terminal, as it
    // would in a terminal window. Only keys that type: Tab moves through the page and Escape closes what
    // it closes, as everywhere; Space and Enter still press the button; and nothing is taken from a
    // dialog, the touchscreen (its keypad takes digits) or the sticker editor.
    let typing_anywhere = window_event_listener(leptos::ev::keydown, move |ev| {
        let key = ev.key();
        let types = key.chars().count() == 1 || key == "Backspace";
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() || !types {
            return;
        }
        let takes = match document().active_element() {
            None => true,
            Some(el) => {
                let tag = el.tag_name().to_ascii_lowercase();
                let control = matches!(tag.as_str(), "button" | "summary" | "a") && key != " " && key != "Backspace";
                let guarded = el
                    .closest("[role=\"dialog\"], [role=\"alertdialog\"], .touchscreen, .sticker-editor")
                    .ok()
                    .flatten()
                    .is_some();
                tag == "body" || (control && !guarded)
            }
        };
        if takes {
            focus_input();
        }
    });
    on_cleanup(move || typing_anywhere.remove());

    let on_keydown = move |ev: KeyboardEvent| match ev.key().as_str() {
        // (Enter while an input method composes a character belongs to the input method.)
        "Enter" if !ev.is_composing() => {
            ev.prevent_default();
            let text = line.get_untracked();
            // Only commands go into the history: never answers to prompts, so never a password.
            if !sim.masked.get_untracked() && sim.at_command_prompt.get_untracked() {
                history.update_value(|h| h.push(&text));
            }
            line.set(String::new());
            // A line that was not run (another tab changed the world first) is given back, to be run
            // again on the newer state with one key.
            if !sim.enter(&text) {
                line.set(text);
            }
        }
        "ArrowUp" if !sim.masked.get_untracked() => {
            ev.prevent_default();
            let current = line.get_untracked();
            if let Some(older) = history.try_update_value(|h| h.older(&current)).flatten() {
                line.set(older);
            }
        }
        "ArrowDown" if !sim.masked.get_untracked() => {
            ev.prevent_default();
            if let Some(newer) = history.try_update_value(|h| h.newer()).flatten() {
                line.set(newer);
            }
        }
        _ => {}
    };

    // A click in the window gives the input the keyboard back, unless it ended a text selection
    // (the transcript must stay easy to select and copy).
    let on_click = move |_| {
        let selecting = window().get_selection().ok().flatten().is_some_and(|s| !s.is_collapsed());
        if !selecting {
            focus_input();
        }
    };

    view! {
        <div class="terminal" data-testid="lunacm-terminal">
            <div class="terminal-titlebar">
                <span class="dot dot-red"></span>
                <span class="dot dot-amber"></span>
                <span class="dot dot-green"></span>
                <span class="terminal-title">"LunaCM — host"</span>
                <span class="terminal-revision" data-testid="world-revision" title="Changes since the unit was made">
                    "revision " {move || sim.revision.get()}
                </span>
            </div>
            <div class="terminal-body" node_ref=scroller on:click=on_click>
                <div class="terminal-text">
                    <Show when=move || sim.transcript.with(Transcript::dropped)>
                        <p class="transcript-dropped" data-testid="transcript-dropped">
                            {format!(
                                "Earlier output is no longer shown: the terminal keeps the last {}k characters.",
                                crate::transcript::SCROLLBACK_CHARS / 1000
                            )}
                        </p>
                    </Show>
                    // One block per run of whole lines: new output is added, not redrawn, so a screen
                    // reader hears each answer once, and layout touches only what is new.
                    <pre
                        class="transcript"
                        data-testid="lunacm-output"
                        role="log"
                        aria-live="polite"
                        aria-label="LunaCM output"
                    >
                        <For each=move || sim.transcript.with(Transcript::blocks) key=|(n, _)| *n let((_, lines))>
                            <span class="transcript-lines">{lines.to_string()}</span>
                        </For>
                        <span class="transcript-tail">{move || sim.transcript.with(Transcript::tail)}</span>
                    </pre>
                    <input
                        class="terminal-input"
                        data-testid="lunacm-input"
                        node_ref=input
                        type=move || if sim.masked.get() { "password" } else { "text" }
                        aria-label=move || if sim.masked.get() { "Password for LunaCM" } else { "LunaCM command" }
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        placeholder=move || sim.waiting_for_ped.get().then_some(PED_PLACEHOLDER)
                        prop:value=move || line.get()
                        style:width=move || {
                            let typed = line.with(|l| l.chars().count()) + 2;
                            let hint = if sim.waiting_for_ped.get() { PED_PLACEHOLDER.chars().count() + 2 } else { 0 };
                            format!("{}ch", typed.max(hint))
                        }
                        on:input=move |ev| line.set(event_target_value(&ev))
                        on:keydown=on_keydown
                    />
                    // Lines run in the simulator's worker: a long one (a key generation) shows it is under
                    // way, after a moment so that quick answers do not flicker.
                    <Show when=move || { sim.lines_running.get() > 0 }>
                        <span class="terminal-busy" data-testid="terminal-busy" role="status">
                            "The HSM is working…"
                        </span>
                    </Show>
                </div>
            </div>
        </div>
    }
}
