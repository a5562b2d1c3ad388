//! The instructor's view: faults injected into the trainee's world during a session (a lost or stolen
//! iKey, a wrong PIN written on a sticker, power loss, a tamper, a full audit log, corrupted storage,
//! leaked sessions), or any `sim` command. What it does is not typed in LunaCM's terminal: the trainee
//! finds out as on a real desk, from the unit and LunaCM's answers.

use leptos::html;
use leptos::prelude::*;

use crate::sim::Sim;

/// A fault the instructor can inject, and the `sim` command (without `sim`) it is; `{ikey}` and `{pin}`
/// are filled in from the form, `{colour}` with the key's sticker colour (kept).
const FAULTS: &[(&str, &str)] = &[
    ("A lost or stolen iKey", "ikey lose {ikey}"),
    ("A wrong PIN written on an iKey's sticker", "ikey sticker {ikey} {colour} PIN {pin}"),
    ("Power loss for three hours", "power cycle 10800"),
    ("Overheating: a tamper", "temperature 75"),
    ("A nearly full audit log store", "audit capacity 3"),
    ("Corrupted permanent storage", "fault flash"),
    ("Corrupted volatile memory", "fault volatile"),
    ("An application that leaks sessions until the table is full", "app sessions open 1024"),
];

/// The instructor panel.
#[component]
pub fn InstructorPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let fault = RwSignal::new(0usize);
    let ikey = RwSignal::new(None::<u32>);
    let (pin, line) = (NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new());
    let result = RwSignal::new(None::<String>);
    let needs_key = move || FAULTS[fault.get()].1.contains("{ikey}");
    let needs_pin = move || FAULTS[fault.get()].1.contains("{pin}");
    // The keys on the desk, for faults that take one (the first one unless another is chosen).
    let desk_keys =
        move || sim.ikeys.with(|k| k.iter().filter(|k| k.in_unit.is_none()).map(|k| k.id).collect::<Vec<_>>());
    let chosen_key = move || ikey.get().or_else(|| desk_keys().first().copied());

    let run = move |command: String| {
        result.set(None);
        sim.instructor(&command, move |said| result.set(Some(said.trim().to_string())));
    };
    let inject = move |_| {
        let template = FAULTS[fault.get_untracked()].1;
        let pin = pin.get_untracked().map(|p| p.value()).unwrap_or_default();
        let key = chosen_key();
        let colour = sim.ikeys.with_untracked(|keys| {
            keys.iter().find(|k| Some(k.id) == key).and_then(|k| k.color).map_or("none".to_string(), |c| c.to_string())
        });
        let key = key.map(|k| k.to_string()).unwrap_or_default();
        run(template.replace("{ikey}", &key).replace("{colour}", &colour).replace("{pin}", pin.trim()));
    };
    let run_line = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let text = line.get_untracked().map(|l| l.value()).unwrap_or_default();
        let text = text.trim();
        let command = text.strip_prefix("sim ").unwrap_or(text).to_string();
        if !command.is_empty() {
            run(command);
        }
    };

    view! {
        <details class="panel panel-app" data-testid="instructor-panel">
            <summary class="panel-title">
                "Instructor" <span class="panel-sub">"inject a fault"</span>
            </summary>
            <div class="panel-body">
                <p class="panel-note">
                    "Changes the trainee's world as things happen on a real desk; nothing is typed in LunaCM's "
                    "terminal. Each is a " <code>"sim"</code> " command."
                </p>
                <div class="app-form">
                    <label class="app-wide">
                        "Fault"
                        <select data-testid="instructor-fault" on:change=move |ev| fault.set(event_target_value(&ev).parse().unwrap_or(0))>
                            {FAULTS.iter().enumerate().map(|(i, (name, _))| view! { <option value=i.to_string()>{*name}</option> }).collect_view()}
                        </select>
                    </label>
                    <label class:hidden=move || !needs_key()>
                        "iKey"
                        <select data-testid="instructor-ikey" on:change=move |ev| ikey.set(event_target_value(&ev).parse().ok())>
                            <For each=desk_keys key=|id| *id let(id)>
                                <option value=id.to_string() selected=move || chosen_key() == Some(id)>{format!("iKey {id}")}</option>
                            </For>
                        </select>
                    </label>
                    <label class:hidden=move || !needs_pin()>
                        "PIN written" <input node_ref=pin data-testid="instructor-pin" inputmode="numeric" size="6" value="4321"/>
                    </label>
                    <button type="button" class="btn" data-testid="instructor-inject" on:click=inject>"Inject"</button>
                </div>
                <form class="app-form" on:submit=run_line>
                    <label class="app-wide">
                        "Any sim command" <input node_ref=line data-testid="instructor-line" placeholder="sim clock advance 3600" spellcheck="false"/>
                    </label>
                    <button type="submit" class="btn" data-testid="instructor-run">"Run"</button>
                </form>
                <output class="app-result" data-testid="instructor-result" aria-live="polite">{move || result.get()}</output>
            </div>
        </details>
    }
}
