//! The host's LunaCM in a terminal window: the transcript, with the input inline after the last prompt.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;

use crate::history::History;
use crate::sim::Sim;

/// The LunaCM terminal window.
#[component]
pub fn Terminal() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let scroller = NodeRef::<html::Div>::new();
    let input = NodeRef::<html::Input>::new();
    let line = RwSignal::new(String::new());
    let history = StoredValue::new(History::default());

    let focus_input = move || {
        if let Some(input) = input.get_untracked() {
            let _ = input.focus();
        }
    };

    // Follow the output like a terminal does, and keep the keyboard on the input line, including
    // when the input turns into a password field.
    Effect::new(move |_| {
        sim.transcript.track();
        sim.masked.track();
        if let Some(el) = scroller.get() {
            el.set_scroll_top(el.scroll_height());
        }
        focus_input();
    });

    // A prompt that stops asking for a password (another tab's change restarted LunaCM) must not
    // leave a half-typed password in the now unmasked input.
    Effect::new(move |was_masked: Option<bool>| {
        let masked = sim.masked.get();
        if was_masked.is_some_and(|was| was != masked) {
            line.set(String::new());
        }
        masked
    });

    // Typing while nothing has the keyboard (after a dialog closed, a click on the desk) types into
    // the terminal, as it would in a terminal window.
    let typing_anywhere = window_event_listener(leptos::ev::keydown, move |ev| {
        if ev.ctrl_key() || ev.meta_key() || ev.alt_key() {
            return;
        }
        let idle = document()
            .active_element()
            .is_none_or(|el| el.tag_name().eq_ignore_ascii_case("body"));
        if idle {
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
            if !sim.masked.get_untracked() && sim.at_command_prompt() {
                history.update_value(|h| h.push(&text));
            }
            line.set(String::new());
            sim.enter(&text);
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
        let selecting = window()
            .get_selection()
            .ok()
            .flatten()
            .is_some_and(|s| !s.is_collapsed());
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
                <span class="terminal-revision" data-testid="world-revision" title="Lines entered since the unit was made">
                    "revision " {move || sim.revision.get()}
                </span>
            </div>
            <div class="terminal-body" node_ref=scroller on:click=on_click>
                <div class="terminal-text">
                    <pre class="transcript" data-testid="lunacm-output">{move || sim.transcript.get()}</pre>
                    <input
                        class="terminal-input"
                        data-testid="lunacm-input"
                        node_ref=input
                        type=move || if sim.masked.get() { "password" } else { "text" }
                        aria-label=move || if sim.masked.get() { "Password for LunaCM" } else { "LunaCM command" }
                        autocomplete="off"
                        autocapitalize="off"
                        spellcheck="false"
                        prop:value=move || line.get()
                        style:width=move || format!("{}ch", line.with(|l| l.chars().count()) + 2)
                        on:input=move |ev| line.set(event_target_value(&ev))
                        on:keydown=on_keydown
                    />
                </div>
            </div>
        </div>
    }
}
