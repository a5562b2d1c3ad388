//! The instructor's view: faults injected into the trainee's world during a session (a lost or stolen
//! iKey, a wrong PIN written on a sticker, power loss, a tamper, a full audit log, corrupted storage,
//! leaked sessions), or any `sim` command. What it does is not typed in LunaCM's terminal: the trainee
//! finds out as on a real desk, from the unit and LunaCM's answers. "Author a lab" records a new lab
//! from what the instructor does (see `hsm_core::labs::author`): the worker records, the page starts and
//! stops it, shows the checks proposed and downloads the lab file.

use hsm_core::labs::author::LabMeta;
use hsm_core::worker::Call;
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
                <AuthorLab/>
            </div>
        </details>
    }
}

/// A text field of the lab form: its label, its value, and its test id.
#[component]
fn Field(
    label: &'static str,
    value: RwSignal<String>,
    testid: &'static str,
    #[prop(optional)] wide: bool,
) -> impl IntoView {
    view! {
        <label class:app-wide=wide>
            {label}
            <input data-testid=testid prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev)) spellcheck="false"/>
        </label>
    }
}

/// A multi-line field of the lab form.
#[component]
fn Area(label: &'static str, value: RwSignal<String>, testid: &'static str) -> impl IntoView {
    view! {
        <label class="app-wide" style="flex-basis: 100%">
            {label}
            <textarea data-testid=testid rows="3" prop:value=move || value.get() on:input=move |ev| value.set(event_target_value(&ev))></textarea>
        </label>
    }
}

/// "Author a lab": record from the world as it is, stop, pick the checks, name the lab, export it.
#[component]
fn AuthorLab() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let result = RwSignal::new(None::<String>);
    let (id, title, chapters, objective) = (
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    let (minutes, step_title, instructions, hints) = (
        RwSignal::new("10".to_string()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
        RwSignal::new(String::new()),
    );
    // Which proposed checks go into the lab: all of them until the author unticks some.
    let chosen = RwSignal::new(Vec::<bool>::new());
    Effect::new(move |shown: Option<Vec<String>>| {
        let proposals = sim.authoring.with(|a| a.as_ref().map(|a| a.proposals.clone()).unwrap_or_default());
        if shown.as_ref() != Some(&proposals) {
            chosen.set(vec![true; proposals.len()]);
        }
        proposals
    });
    let recording = move || sim.authoring.with(|a| a.as_ref().is_some_and(|a| a.recording));
    let stopped = move || sim.authoring.with(|a| a.as_ref().is_some_and(|a| !a.recording));
    let answered = move |what: &'static str| {
        move |outcome: Result<String, String>| result.set(Some(outcome.map_or_else(|e| e, |_| what.to_string())))
    };
    let start = move |_| {
        result.set(None);
        sim.author(Call::StartAuthoring, answered("Recording: what you do now is the lab's solution."));
    };
    let stop = move |_| {
        sim.author(Call::StopAuthoring, answered("Recording stopped: pick the checks, name the lab, export it."))
    };
    let discard = move |_| sim.author(Call::DiscardAuthoring, answered("The recording was discarded."));
    let export = move |_| {
        let list = |text: String, by: char| -> Vec<String> {
            text.split(by).map(str::trim).filter(|s| !s.is_empty()).map(String::from).collect()
        };
        let meta = LabMeta {
            id: id.get_untracked().trim().to_string(),
            title: title.get_untracked().trim().to_string(),
            chapters: list(chapters.get_untracked(), ','),
            objective: objective.get_untracked().trim().to_string(),
            minutes: minutes.get_untracked().trim().parse().unwrap_or(0),
            step_title: step_title.get_untracked().trim().to_string(),
            instructions: instructions.get_untracked().trim().to_string(),
            hints: list(hints.get_untracked(), '\n'),
        };
        let checks: Vec<usize> =
            chosen.with_untracked(|c| c.iter().enumerate().filter(|(_, on)| **on).map(|(i, _)| i).collect());
        let name = format!("{}.toml", meta.id);
        sim.author(Call::ExportLab { meta, checks }, move |outcome| match outcome {
            Ok(text) => {
                crate::host_files::download(&text, &name);
                result
                    .set(Some(format!("Exported {name}: share it; \"Open a lab file…\" in the labs panel starts it.")));
            }
            Err(err) => result.set(Some(err)),
        });
    };
    let lines = move || sim.authoring.with(|a| a.as_ref().map(|a| a.lines.clone()).unwrap_or_default());

    view! {
        <section class="author" data-testid="author-lab" aria-labelledby="author-title-heading">
            <h3 id="author-title-heading" class="panel-subtitle">"Author a lab"</h3>
            <p class="panel-note">
                "Recording starts from the world as it is now, which becomes the lab's starting state (LunaCM starts a "
                "new session, no role logged in, as it will for the trainee). Then every line you type in LunaCM, "
                "every iKey you move and every touchscreen button you tap is the lab's solution. "
                <strong>"Passwords and PINs you type, at masked prompts too, are written in the lab file as typed: "
                "use training secrets only."</strong>
            </p>
            <div class="app-form">
                <Show when=move || !recording()>
                    <button type="button" class="btn btn-primary" data-testid="author-start" on:click=start>
                        {move || if stopped() { "Record again" } else { "Start recording" }}
                    </button>
                </Show>
                <Show when=recording>
                    <span data-testid="author-recording" role="status">
                        {move || format!("● Recording: {} line(s)", lines().len())}
                    </span>
                    <button type="button" class="btn btn-primary" data-testid="author-stop" on:click=stop>"Stop recording"</button>
                </Show>
                <Show when=move || recording() || stopped()>
                    <button type="button" class="btn" data-testid="author-discard" on:click=discard>"Discard"</button>
                </Show>
            </div>
            <Show when=move || sim.authoring.with(|a| a.as_ref().is_some_and(|a| a.full))>
                <p class="panel-note" data-testid="author-full">"The recording is full: stop it, or discard it and record a shorter procedure."</p>
            </Show>
            <Show when=move || !lines().is_empty()>
                <ol class="author-lines" data-testid="author-lines" aria-label="Solution lines recorded" style="max-height: 12em; overflow: auto; font-family: ui-monospace, monospace; font-size: 0.85em; margin: 4px 0">
                    {move || lines().into_iter().map(|l| view! { <li data-testid="author-line">{l}</li> }).collect_view()}
                </ol>
            </Show>
            <Show when=stopped>
                {move || sim.authoring.with(|a| a.as_ref().and_then(|a| a.problem.clone())).map(|p| view! {
                    <p class="panel-note" data-testid="author-problem" role="alert">{p}</p>
                })}
                <fieldset class="author-checks" data-testid="author-checks" style="border: 0; padding: 0; margin: 6px 0">
                    <legend>"Checks the final world passes and the starting world does not"</legend>
                    {move || sim.authoring.with(|a| {
                        a.as_ref().map(|a| a.proposals.clone()).unwrap_or_default().into_iter().enumerate().map(|(i, text)| view! {
                            <label style="flex-direction: row; align-items: center; gap: 6px">
                                <input
                                    type="checkbox"
                                    data-testid="author-check"
                                    prop:checked=move || chosen.with(|c| c.get(i).copied().unwrap_or(false))
                                    on:change=move |ev| {
                                        let on = event_target_checked(&ev);
                                        chosen.update(|c| if let Some(x) = c.get_mut(i) { *x = on });
                                    }
                                />
                                {text}
                            </label>
                        }).collect_view()
                    })}
                </fieldset>
                <div class="app-form">
                    <Field label="Id (lowercase, digits, dashes)" value=id testid="author-id"/>
                    <Field label="Title" value=title testid="author-title" wide=true/>
                    <Field label="Minutes" value=minutes testid="author-minutes"/>
                    <Field label="Chapters (comma-separated)" value=chapters testid="author-chapters" wide=true/>
                    <Area label="Objective" value=objective testid="author-objective"/>
                    <Field label="Step title" value=step_title testid="author-step-title" wide=true/>
                    <Area label="Step instructions (commands as `code`)" value=instructions testid="author-instructions"/>
                    <Area label="Hints (one a line, revealed one at a time)" value=hints testid="author-hints"/>
                    <button type="button" class="btn btn-primary" data-testid="author-export" on:click=export>"Export lab"</button>
                </div>
            </Show>
            <output class="app-result" data-testid="author-result" aria-live="polite">{move || result.get()}</output>
        </section>
    }
}
