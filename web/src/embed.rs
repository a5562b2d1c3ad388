//! The embed mode (`?embed`): the unit, its iKeys and the terminal without the page's chrome, sized to
//! an `<iframe>`, with a player for a demo script ([`hsm_core::demo`]) given by name (`demo=NAME`, from
//! the scripts shipped beside the app in `demos/`), by URL (`script=URL`) or inline (`lines=TEXT`), on a
//! starting world given as a world file (`world=URL`) or a fresh unit. The
//! player types each line as a person would, plays, pauses, steps, jumps to a chapter, starts over, and
//! lets the reader take over the same world; it copies the transcript and the script, exports the
//! session as an asciicast v2 file, and talks to the host page by `postMessage` and `window.luna`.
//! An embedded demo runs a world of its own (seed 1 unless `seed=N`): it never touches the trainee's.

use hsm_core::demo::{self, Step};
use leptos::prelude::*;
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;

use crate::cast::Cast;
use crate::device::Device;
use crate::ikeys::{DeskUi, IKeyTray};
use crate::sim::Sim;
use crate::terminal::{Terminal, TypedLine};

/// Who the messages to the host page are from.
const SOURCE: &str = "luna-usb-hsm7-sim";
/// Pause after a line's answer before the next line is typed, at normal speed.
const PAUSE_MS: u64 = 700;

/// The page's query parameter `name`, if given (`Some("")` for a bare `?embed`).
pub fn param(name: &str) -> Option<String> {
    let search = window().location().search().ok()?;
    let params = web_sys::UrlSearchParams::new_with_str(&search).ok()?;
    params.get(name)
}

/// Tells the host page (the parent of the frame, or this window when not framed) what happened.
fn announce(event: &str, detail: &[(&str, JsValue)]) {
    let msg = js_sys::Object::new();
    let _ = js_sys::Reflect::set(&msg, &"source".into(), &SOURCE.into());
    let _ = js_sys::Reflect::set(&msg, &"event".into(), &event.into());
    for (k, v) in detail {
        let _ = js_sys::Reflect::set(&msg, &(*k).into(), v);
    }
    let w = window();
    let target = w.parent().ok().flatten().unwrap_or_else(|| w.clone());
    let _ = target.post_message(&msg, "*");
}

/// Writes `text` to the clipboard (the Clipboard API; refused silently where the browser refuses).
fn copy(text: &str) {
    let Ok(navigator) = js_sys::Reflect::get(&window(), &"navigator".into()) else { return };
    let Ok(clipboard) = js_sys::Reflect::get(&navigator, &"clipboard".into()) else { return };
    if let Ok(write) = js_sys::Reflect::get(&clipboard, &"writeText".into()) {
        if let Some(write) = write.dyn_ref::<js_sys::Function>() {
            let _ = write.call1(&clipboard, &text.into());
        }
    }
}

/// The text at `url` (`what` names it in errors).
async fn fetch_text(url: &str, what: &str) -> Result<String, String> {
    let response = wasm_bindgen_futures::JsFuture::from(window().fetch_with_str(url))
        .await
        .map_err(|_| format!("the {what} {url} could not be fetched"))?;
    let response: web_sys::Response = response.unchecked_into();
    if !response.ok() {
        return Err(format!("the {what} {url} could not be fetched (HTTP {})", response.status()));
    }
    let text = wasm_bindgen_futures::JsFuture::from(response.text().map_err(|_| "no text".to_string())?)
        .await
        .map_err(|_| format!("the {what} {url} is not text"))?;
    text.as_string().ok_or_else(|| format!("the {what} {url} is not text"))
}

/// Reads the script the page names: shipped, by URL or inline. `Err` says why there is none.
async fn load_script() -> Result<String, String> {
    if let Some(text) = param("lines") {
        return Ok(text);
    }
    let url = match (param("demo"), param("script")) {
        (Some(name), _) if name.chars().all(|c| c.is_ascii_alphanumeric() || c == '-') => format!("demos/{name}.txt"),
        (Some(name), _) => return Err(format!("'{name}' is not a demo name")),
        (None, Some(url)) => url,
        (None, None) => return Err(String::new()),
    };
    fetch_text(&url, "script").await
}

/// The player's state, shared by its controls, the host page's commands and `window.luna`.
#[derive(Clone, Copy)]
struct Player {
    sim: Sim,
    typed: RwSignal<String>,
    script: RwSignal<String>,
    steps: RwSignal<Vec<Step>>,
    /// The next step to run.
    pos: RwSignal<usize>,
    playing: RwSignal<bool>,
    /// A line is being typed or waits for its answer.
    busy: StoredValue<bool>,
    /// Run straight to this step without typing (a jump to a chapter), then pause.
    fast_to: StoredValue<Option<usize>>,
    /// Characters typed per second; 0 types a line at once.
    speed: RwSignal<u32>,
    caption: RwSignal<Option<String>>,
    chapter: RwSignal<Option<String>>,
    taken_over: RwSignal<bool>,
    /// The session as an asciicast v2 recording, its newest part past a limit.
    cast: StoredValue<Cast>,
    /// Set once the recording has dropped its oldest events (the button says so).
    cast_cut: RwSignal<bool>,
    cast_start: StoredValue<f64>,
}

impl Player {
    fn now_s(&self) -> f64 {
        js_sys::Date::now() / 1000.0 - self.cast_start.get_value()
    }

    fn record(&self, kind: &'static str, data: String) {
        let t = self.now_s();
        self.cast.update_value(|c| c.record(t, kind, data));
        if !self.cast_cut.get_untracked() && self.cast.with_value(Cast::dropped) {
            self.cast_cut.set(true);
        }
    }

    /// The markers and their step indexes.
    fn markers(&self) -> Vec<(usize, String)> {
        self.steps.with(|s| {
            s.iter()
                .enumerate()
                .filter_map(|(i, st)| match st {
                    Step::Marker(m) => Some((i, m.clone())),
                    _ => None,
                })
                .collect()
        })
    }

    fn play(&self) {
        self.taken_over.set(false);
        self.playing.set(true);
        self.advance(false);
    }

    fn pause(&self) {
        self.playing.set(false);
    }

    /// Runs the next line (and the captions and markers before it), then pauses.
    fn step(&self) {
        self.taken_over.set(false);
        self.playing.set(false);
        self.advance(true);
    }

    /// A fresh world and the script from the start, paused; then `then`.
    fn restart(&self, then: impl FnOnce(Player) + 'static) {
        let p = *self;
        p.playing.set(false);
        p.fast_to.set_value(None);
        p.sim.start_over(move || {
            p.pos.set(0);
            p.caption.set(None);
            p.chapter.set(None);
            p.cast.set_value(Cast::default());
            p.cast_cut.set(false);
            p.cast_start.set_value(js_sys::Date::now() / 1000.0);
            let banner = p.sim.transcript.with_untracked(|t| t.text());
            p.record("o", banner);
            then(p);
        });
    }

    /// Jumps to marker step `target`: a fresh world, every line before it run at once, then paused
    /// there.
    fn jump(&self, target: usize) {
        self.restart(move |p| {
            p.fast_to.set_value(Some(target));
            p.advance(false);
        });
    }

    /// The reader takes the keyboard: the player stops, the world stays.
    fn take_over(&self) {
        self.playing.set(false);
        self.taken_over.set(true);
    }

    /// Runs steps from `pos`: captions and markers at once, a line typed then entered. Continues while
    /// playing (or jumping); `one` stops after one line.
    fn advance(&self, one: bool) {
        if self.busy.get_value() {
            return;
        }
        let p = *self;
        let pos = p.pos.get_untracked();
        if let Some(target) = p.fast_to.get_value() {
            if pos >= target {
                p.fast_to.set_value(None);
                p.playing.set(false);
                // The marker itself is shown, and announced.
            }
        }
        let fast = p.fast_to.get_value().is_some();
        let Some(step) = p.steps.with_untracked(|s| s.get(pos).cloned()) else {
            if p.playing.get_untracked() {
                p.playing.set(false);
                announce("finished", &[]);
            }
            return;
        };
        match step {
            Step::Caption(text) => {
                p.caption.set(Some(text));
                p.pos.set(pos + 1);
                p.advance(one);
            }
            Step::Marker(title) => {
                p.chapter.set(Some(title.clone()));
                p.caption.set(None);
                p.pos.set(pos + 1);
                p.record("m", title.clone());
                announce("marker", &[("marker", title.into()), ("step", (pos as u32).into())]);
                if fast || p.playing.get_untracked() || one {
                    p.advance(one);
                }
            }
            Step::Line(line) => {
                if !(fast || p.playing.get_untracked() || one) {
                    return;
                }
                p.busy.set_value(true);
                let speed = if fast { 0 } else { p.speed.get_untracked() };
                p.type_line(line, 0, speed, one);
            }
        }
    }

    /// Types `line` from character `at`, `speed` characters a second, then enters it.
    fn type_line(&self, line: String, at: usize, speed: u32, one: bool) {
        let p = *self;
        let count = line.chars().count();
        if speed == 0 || at >= count {
            p.typed.set(String::new());
            let echo = line.clone();
            let posted = p.sim.run(&line, move |out| {
                p.busy.set_value(false);
                p.record("o", format!("{echo}\n{out}"));
                let pos = p.pos.get_untracked();
                p.pos.set(pos + 1);
                announce("line", &[("line", echo.clone().into()), ("output", out.into())]);
                if one {
                    return;
                }
                if p.fast_to.get_value().is_some() {
                    p.advance(false);
                } else if p.playing.get_untracked() {
                    set_timeout(move || p.advance(false), std::time::Duration::from_millis(PAUSE_MS));
                }
            });
            if !posted {
                p.busy.set_value(false);
                p.playing.set(false);
            }
            return;
        }
        p.typed.set(line.chars().take(at + 1).collect());
        let delay = 1000 / u64::from(speed.max(1));
        set_timeout(move || p.type_line(line, at + 1, speed, one), std::time::Duration::from_millis(delay));
    }

    /// The recording as an asciicast v2 file (see [`Cast`]), titled with the chapter shown.
    fn asciicast(&self) -> String {
        let title = self.chapter.get_untracked().unwrap_or_else(|| "Luna USB HSM 7 simulator".into());
        self.cast.with_value(|c| c.to_asciicast(self.cast_start.get_value() as u64, &title))
    }
}

/// Listens to the host page's commands (`{command: "play" | "pause" | "step" | "restart" | "run", line}`)
/// and offers the same on `window.luna`.
fn listen(p: Player) {
    let on_message = Closure::<dyn FnMut(web_sys::MessageEvent)>::new(move |ev: web_sys::MessageEvent| {
        let data = ev.data();
        let get = |k: &str| js_sys::Reflect::get(&data, &k.into()).ok().and_then(|v| v.as_string());
        match get("command").as_deref() {
            Some("play") => p.play(),
            Some("pause") => p.pause(),
            Some("step") => p.step(),
            Some("restart") => p.restart(|_| {}),
            Some("run") => {
                if let Some(line) = get("line") {
                    p.take_over();
                    let echo = line.clone();
                    p.sim.run(&line, move |out| announce("line", &[("line", echo.into()), ("output", out.into())]));
                }
            }
            _ => {}
        }
    });
    let _ = window().add_event_listener_with_callback("message", on_message.as_ref().unchecked_ref());
    on_message.forget();
    let luna = js_sys::Reflect::get(&window(), &"luna".into()).unwrap_or(JsValue::UNDEFINED);
    if luna.is_object() {
        for (name, f) in [
            ("play", Closure::<dyn Fn()>::new(move || p.play())),
            ("pause", Closure::<dyn Fn()>::new(move || p.pause())),
            ("step", Closure::<dyn Fn()>::new(move || p.step())),
            ("restart", Closure::<dyn Fn()>::new(move || p.restart(|_| {}))),
        ] {
            let _ = js_sys::Reflect::set(&luna, &name.into(), f.as_ref());
            f.forget();
        }
    }
}

/// The embedded app: the unit and its iKeys, the terminal, and the player when a script is given.
#[component]
pub fn EmbedApp() -> impl IntoView {
    let seed = param("seed").and_then(|s| s.parse().ok()).unwrap_or(1);
    let sim = Sim::start_apart(seed);
    let problem = RwSignal::new(None::<String>);
    provide_context(sim);
    provide_context(DeskUi::new());
    let typed = TypedLine(RwSignal::new(String::new()));
    provide_context(typed);
    crate::api::install(sim);
    set_interval(move || sim.tick(), std::time::Duration::from_secs(1));

    let p = Player {
        sim,
        typed: typed.0,
        script: RwSignal::new(String::new()),
        steps: RwSignal::new(Vec::new()),
        pos: RwSignal::new(0),
        playing: RwSignal::new(false),
        busy: StoredValue::new(false),
        fast_to: StoredValue::new(None),
        speed: RwSignal::new(30),
        caption: RwSignal::new(None),
        chapter: RwSignal::new(None),
        taken_over: RwSignal::new(false),
        cast: StoredValue::new(Cast::default()),
        cast_cut: RwSignal::new(false),
        cast_start: StoredValue::new(js_sys::Date::now() / 1000.0),
    };
    listen(p);
    // The script loads while the world opens; the player is ready when both are. A starting world
    // (`world=URL`, a world file) replaces the fresh unit first.
    let world_ready = RwSignal::new(param("world").is_none());
    if let Some(url) = param("world") {
        leptos::task::spawn_local(async move {
            match fetch_text(&url, "world file").await {
                Ok(text) => sim.import_world(&url.clone(), text, move |imported| {
                    if !imported {
                        let why = sim.notice.with_untracked(|n| n.as_ref().map(|n| n.text.clone())).unwrap_or_default();
                        problem.set(Some(format!("The starting world {url} was not loaded: {why}")));
                    }
                    world_ready.set(true);
                }),
                Err(why) => {
                    problem.set(Some(format!("No starting world: {why}.")));
                    world_ready.set(true);
                }
            }
        });
    }
    leptos::task::spawn_local(async move {
        match load_script().await {
            Ok(text) => {
                p.steps.set(demo::parse(&text));
                p.script.set(text);
            }
            Err(why) if why.is_empty() => {}
            Err(why) => problem.set(Some(format!("No demo: {why}."))),
        }
    });
    let announced = StoredValue::new(false);
    Effect::new(move |_| {
        if sim.opened.get() && world_ready.get() && !p.steps.with(Vec::is_empty) && !announced.get_value() {
            announced.set_value(true);
            let banner = sim.transcript.with_untracked(|t| t.text());
            p.cast_start.set_value(js_sys::Date::now() / 1000.0);
            p.record("o", banner);
            announce("ready", &[("steps", (p.steps.with_untracked(Vec::len) as u32).into())]);
            if param("autoplay").is_some() {
                p.play();
            }
        }
    });

    let has_script = move || !p.steps.with(Vec::is_empty);
    let finished = move || p.pos.get() >= p.steps.with(Vec::len);
    view! {
        <div class="embed" data-testid="embed">
            <p class="embed-disclaimer">
                "Independent training simulator of the Luna USB HSM 7, not affiliated with or endorsed by Thales."
            </p>
            {move || problem.get().map(|p| view! { <p class="embed-problem" role="alert" data-testid="player-problem">{p}</p> })}
            <Show when=has_script>
                <div class="player" role="toolbar" aria-label="Demo player" data-testid="player">
                    <button class="btn btn-small" data-testid="player-play" on:click=move |_| if p.playing.get_untracked() { p.pause() } else { p.play() }>
                        {move || if p.playing.get() { "Pause" } else if finished() { "Finished" } else { "Play" }}
                    </button>
                    <button class="btn btn-small" data-testid="player-step" on:click=move |_| p.step()>"Step"</button>
                    <button class="btn btn-small" data-testid="player-restart" on:click=move |_| p.restart(|_| {})>"Start over"</button>
                    <button class="btn btn-small" data-testid="player-takeover" on:click=move |_| p.take_over()>"Take over"</button>
                    <label class="player-speed">
                        "Speed "
                        <select data-testid="player-speed" on:change=move |ev| p.speed.set(event_target_value(&ev).parse().unwrap_or(30))>
                            <option value="15">"slow"</option>
                            <option value="30" selected>"normal"</option>
                            <option value="80">"fast"</option>
                            <option value="0">"instant"</option>
                        </select>
                    </label>
                    <button class="btn btn-small" data-testid="player-copy-transcript" on:click=move |_| copy(&sim.transcript.with_untracked(|t| t.text()))>"Copy transcript"</button>
                    <button class="btn btn-small" data-testid="player-copy-script" on:click=move |_| copy(&p.script.get_untracked())>"Copy script"</button>
                    <button
                        class="btn btn-small"
                        data-testid="player-asciicast"
                        title=move || p.cast_cut.get().then(|| format!("The recording keeps the newest {} characters of the session.", crate::cast::LIMIT))
                        on:click=move |_| crate::host_files::download(&p.asciicast(), "luna-demo.cast")
                    >
                        {move || if p.cast_cut.get() { "asciicast (newest part)" } else { "asciicast" }}
                    </button>
                    <nav class="player-chapters" aria-label="Chapters">
                        <For each=move || p.markers() key=|(i, _)| *i let((i, title))>
                            <button
                                class="btn btn-small player-chapter"
                                data-testid="player-chapter"
                                class:current=move || p.chapter.with(|c| c.as_deref() == Some(title.as_str()))
                                on:click=move |_| p.jump(i)
                            >
                                {title.clone()}
                            </button>
                        </For>
                    </nav>
                </div>
                <p class="player-caption" data-testid="player-caption" aria-live="polite">
                    {move || p.chapter.get().map(|c| view! { <strong>{c}": "</strong> })}
                    {move || p.caption.get()}
                    {move || p.taken_over.get().then_some(" You have the keyboard: type in the terminal.")}
                </p>
            </Show>
            <Show when=move || sim.opened.get() fallback=|| view! { <p class="starting" role="status">"Starting the simulator…"</p> }>
                <div class="embed-body">
                    <div class="embed-desk">
                        <Device/>
                        <IKeyTray/>
                    </div>
                    <Terminal/>
                </div>
            </Show>
        </div>
    }
}
