//! The labs panel: the catalogue of guided exercises and, while one runs, its current step, a live mark
//! per check (judged by the core after every change), hints, the solution, and Restart and Leave.
//!
//! Lab text is shown as text: instructions are split into paragraphs and `code` spans and built into
//! elements, never handed to the page as HTML.

use hsm_core::labs::{catalogue, Lab};
use leptos::prelude::*;

use crate::confirm::InlineConfirm;
use crate::model::{paragraphs, Inline};
use crate::notice::Notice;
use crate::sim::Sim;
use hsm_core::view::LabView;

/// A lab's instructions: paragraphs with `code` spans.
fn instructions(markdown: &str) -> impl IntoView {
    paragraphs(markdown)
        .into_iter()
        .map(|p| {
            let parts = p
                .into_iter()
                .map(|part| match part {
                    Inline::Text(t) => t.into_any(),
                    Inline::Code(c) => view! { <code>{c}</code> }.into_any(),
                })
                .collect::<Vec<_>>();
            view! { <p class="lab-text">{parts}</p> }
        })
        .collect::<Vec<_>>()
}

/// One lab of the catalogue, with its Start button and the confirmation (starting replaces the world).
#[component]
fn LabItem(lab: Lab, asking: RwSignal<Option<String>>) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let id = StoredValue::new(lab.id.clone());
    let confirming = move || asking.with(|a| a.as_deref() == Some(id.get_value().as_str()));
    let title = lab.title.clone();
    view! {
        <li class="lab-item" data-testid="lab-item" data-id=lab.id.clone()>
            <div class="lab-item-head">
                <span class="lab-item-title">{lab.title.clone()}</span>
                <span class="lab-item-minutes">{format!("about {} min", lab.minutes)}</span>
            </div>
            <p class="lab-item-objective">{lab.objective.clone()}</p>
            <p class="lab-item-chapters">{lab.chapters.join(" · ")}</p>
            <button
                class="btn btn-small btn-primary"
                data-testid=format!("lab-start-{}", lab.id)
                aria-label=format!("Start the lab {}", lab.title)
                on:click=move |_| asking.set(Some(id.get_value()))
            >
                "Start…"
            </button>
            <Show when=confirming>
                <InlineConfirm
                    id="lab-start"
                    class="lab-confirm"
                    text=format!(
                        "Start \"{title}\"? The HSM, its iKeys and host files are replaced by the lab's starting state; what you did here is lost."
                    )
                    confirm_label="Start the lab"
                    confirm_class="btn-primary"
                    on_cancel=Callback::new(move |()| asking.set(None))
                    on_confirm=Callback::new(move |()| {
                        asking.set(None);
                        sim.start_lab(&id.get_value());
                    })
                />
            </Show>
        </li>
    }
}

/// The lab in progress.
#[component]
fn LabRunView(lab: Signal<LabView>) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let restarting = RwSignal::new(false);
    let finished = move || lab.with(LabView::finished);
    // The completion report so far, with the terminal's transcript, downloaded as a file.
    let report = move |html: bool| {
        let name =
            format!("lab-report-{}.{}", lab.with_untracked(|l| l.id.clone()), if html { "html" } else { "json" });
        sim.lab_report(html, move |text| crate::host_files::download(text, &name));
    };
    let progress = move || {
        lab.with(|l| {
            if l.finished() {
                format!("All {} steps done", l.steps)
            } else {
                format!("Step {} of {}", l.step + 1, l.steps)
            }
        })
    };
    view! {
        <div class="lab-run" data-testid="lab-run" data-step=move || lab.with(|l| l.step.to_string())>
            <h3 class="lab-run-title" data-testid="lab-title">{move || lab.with(|l| l.title.clone())}</h3>
            <p class="lab-progress" data-testid="lab-progress">{progress}</p>
            <Show
                when=move || !finished()
                fallback=move || view! {
                    <p class="lab-done" data-testid="lab-done" role="status">
                        "Lab complete: every step's checks pass. Restart it to practise again, or leave it to pick another."
                    </p>
                }
            >
                <h4 class="lab-step-title" data-testid="lab-step-title">{move || lab.with(|l| l.step_title.clone())}</h4>
                <div class="lab-instructions" data-testid="lab-instructions">
                    {move || lab.with(|l| instructions(&l.instructions))}
                </div>
                <ul class="lab-checks" data-testid="lab-checks" aria-label="Checks of this step" aria-live="polite">
                    {move || {
                        lab.with(|l| {
                            l.checks
                                .iter()
                                .map(|c| {
                                    let passed = c.passed();
                                    let why = c.failure.clone().unwrap_or_else(|| "Done.".to_string());
                                    let mark = if passed { "✓" } else { "○" };
                                    let state = if passed { "done" } else { "not yet" };
                                    let tip = why.clone();
                                    view! {
                                        <li
                                            class="lab-check"
                                            class:lab-check-passed=passed
                                            data-testid="lab-check"
                                            data-passed=passed.to_string()
                                            title=tip
                                        >
                                            <span class="lab-check-mark" aria-hidden="true">{mark}</span>
                                            <span class="lab-check-text">
                                                {c.description.clone()}
                                                <span class="visually-hidden">{format!(": {state}.")}</span>
                                                {(!passed).then(|| view! { <span class="lab-check-why">{why}</span> })}
                                            </span>
                                        </li>
                                    }
                                })
                                .collect::<Vec<_>>()
                        })
                    }}
                </ul>
                <ol class="lab-hints" data-testid="lab-hints" aria-label="Hints">
                    {move || {
                        lab.with(|l| l.hints.iter().map(|h| view! { <li class="lab-hint-text">{h.clone()}</li> }).collect::<Vec<_>>())
                    }}
                </ol>
                {move || {
                    lab.with(|l| {
                        l.solution.clone().map(|lines| {
                            view! {
                                <div class="lab-solution-lines" data-testid="lab-solution-lines">
                                    <p class="panel-note">"The solution (recorded in your progress):"</p>
                                    <pre>{lines.join("\n")}</pre>
                                </div>
                            }
                        })
                    })
                }}
                <div class="lab-actions">
                    <button
                        class="btn btn-small"
                        data-testid="lab-hint"
                        prop:disabled=move || !lab.with(|l| l.more_hints)
                        on:click=move |_| sim.reveal_hint()
                    >
                        {move || if lab.with(|l| l.more_hints) { "Show a hint" } else { "No more hints" }}
                    </button>
                    <button
                        class="btn btn-small"
                        data-testid="lab-solution"
                        prop:disabled=move || lab.with(|l| l.solution.is_some())
                        on:click=move |_| sim.view_solution()
                    >
                        "Show the solution"
                    </button>
                </div>
            </Show>
            <div class="lab-actions">
                <button class="btn btn-small" data-testid="lab-restart" on:click=move |_| restarting.set(true)>
                    "Restart this lab…"
                </button>
                <button class="btn btn-small btn-danger-quiet" data-testid="lab-stop" on:click=move |_| sim.stop_lab()>
                    "Leave the lab"
                </button>
            </div>
            <p class="panel-note lab-report">
                "Your report (a practice record made in this browser, not a certification): "
                <button class="btn btn-small" data-testid="lab-report-html" on:click=move |_| report(true)>"HTML"</button>
                " "
                <button class="btn btn-small" data-testid="lab-report-json" on:click=move |_| report(false)>"JSON"</button>
            </p>
            <Show when=move || restarting.get()>
                <InlineConfirm
                    id="lab-restart"
                    text="Restart the lab from its starting state? Your progress in it is lost."
                    confirm_label="Restart"
                    confirm_class="btn-primary"
                    on_cancel=Callback::new(move |()| restarting.set(false))
                    on_confirm=Callback::new(move |()| {
                        restarting.set(false);
                        sim.start_lab(&lab.with_untracked(|l| l.id.clone()));
                    })
                />
            </Show>
        </div>
    }
}

/// "Open a lab file…": a lab an instructor shared as a file (TOML, as in `labs/`), started after a
/// confirmation, since it replaces the world. A file that is not a lab this simulator reads is refused
/// with why.
#[component]
fn LabFile() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let chooser = NodeRef::<leptos::html::Input>::new();
    let chosen = RwSignal::new(None::<(String, String)>);
    let on_chosen = move |_| {
        let Some(input) = chooser.get_untracked() else { return };
        crate::host_files::read_chosen_file(&input, sim, move |name, text| chosen.set(Some((name, text))));
    };
    view! {
        <p class="panel-note">
            "A lab shared as a file: "
            <button
                class="btn btn-small"
                data-testid="lab-file-open"
                on:click=move |_| {
                    if let Some(input) = chooser.get_untracked() {
                        input.click();
                    }
                }
            >
                "Open a lab file…"
            </button>
            <input type="file" accept=".toml" class="visually-hidden" tabindex="-1" aria-hidden="true" data-testid="lab-file" node_ref=chooser on:change=on_chosen/>
        </p>
        <Show when=move || chosen.with(Option::is_some)>
            <InlineConfirm
                id="lab-file"
                text=chosen.with_untracked(|c| c.as_ref().map(|(name, _)| format!(
                    "Start the lab in {name}? The HSM, its iKeys and host files are replaced by the lab's starting state; what you did here is lost."
                ))).unwrap_or_default()
                confirm_label="Start the lab"
                confirm_class="btn-primary"
                on_cancel=Callback::new(move |()| chosen.set(None))
                on_confirm=Callback::new(move |()| {
                    if let Some((name, text)) = chosen.get_untracked() {
                        chosen.set(None);
                        sim.start_lab_file(&name, text);
                    }
                })
            />
        </Show>
    }
}

/// The labs panel.
#[component]
pub fn LabsPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let labs = catalogue::labs().unwrap_or_default();
    let asking = RwSignal::new(None::<String>);
    let running = move || sim.lab.with(Option::is_some);
    // A link to a lab (`?lab=ID`, as an instructor shares it) asks to start it, as its Start button
    // does: starting replaces the trainee's world, so never without a yes.
    if let Some(id) = crate::embed::param("lab") {
        match labs.iter().find(|l| l.id == id) {
            Some(lab) if sim.lab.with_untracked(|r| r.as_ref().is_some_and(|r| r.id == lab.id)) => {}
            Some(lab) if running() => sim.notice.set(Some(Notice::info(format!(
                "The link opens the lab \"{}\": leave the lab in progress first, then start it from the catalogue.",
                lab.title
            )))),
            Some(lab) => {
                asking.set(Some(lab.id.clone()));
                let selector = format!("[data-testid=\"lab-start-{}\"]", lab.id);
                request_animation_frame(move || {
                    if let Ok(Some(el)) = document().query_selector(&selector) {
                        el.scroll_into_view();
                    }
                });
            }
            None => sim.notice.set(Some(Notice::warning(format!(
                "The link names a lab that does not exist here: '{id}'. Nothing was changed."
            )))),
        }
    }
    let current = Signal::derive(move || sim.lab.get().unwrap_or_else(empty_view));
    view! {
        <details class="panel panel-labs" data-testid="labs-panel" open>
            <summary class="panel-title">
                "Labs" <span class="panel-sub">"guided exercises, checked on the simulated HSM"</span>
            </summary>
            <div class="panel-body">
                <Show
                    when=running
                    fallback=move || {
                        let labs = labs.clone();
                        view! {
                            <p class="panel-note">
                                "Each lab starts the HSM in a known state and checks your work after every command, iKey move or tap."
                            </p>
                            <ul class="lab-list" aria-label="Labs">
                                {labs.into_iter().map(|lab| view! { <LabItem lab=lab asking=asking/> }).collect::<Vec<_>>()}
                            </ul>
                            <LabFile/>
                        }
                    }
                >
                    <LabRunView lab=current/>
                </Show>
            </div>
        </details>
    }
}

/// What the run view shows for the instant between leaving a lab and the catalogue returning.
fn empty_view() -> LabView {
    LabView {
        id: String::new(),
        title: String::new(),
        step: 0,
        steps: 0,
        step_title: String::new(),
        instructions: String::new(),
        checks: Vec::new(),
        hints: Vec::new(),
        more_hints: false,
        solution: None,
    }
}
