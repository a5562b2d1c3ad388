//! The page: a desk with the HSM and a tray of iKeys on it, the host's LunaCM terminal beside it with the
//! labs, policies, host-files and audit panels under it, and the simulator's own controls (reset, notices) in a header.

use leptos::prelude::*;

use crate::application::ApplicationPanel;
use crate::audit::AuditPanel;
use crate::device::Device;
use crate::environment::EnvironmentPanel;
use crate::files::FilesPanel;
use crate::filestore::Opened;
use crate::ikeys::{DeskUi, IKeyTray};
use crate::instructor::InstructorPanel;
use crate::labs::LabsPanel;
use crate::notice::NoticeBar;
use crate::persistence::StorageSync;
use crate::policies::PoliciesPanel;
use crate::reset::ResetButton;
use crate::sim::Sim;
use crate::terminal::Terminal;
use crate::update::UpdateBar;
use crate::usb::UsbControls;
use crate::world_file::WorldFileButtons;

/// The whole app, on the file store the page opened. Owns the [`Sim`] and hands it to every component
/// through context.
#[component]
pub fn App(opened: Opened) -> impl IntoView {
    let sim = Sim::start(opened);
    provide_context(sim);
    crate::api::install(sim);
    // Opened by an LMS on a lab: report its progress through SCORM 1.2 (nothing without an LMS).
    crate::scorm::connect(sim);
    provide_context(DeskUi::new());
    provide_context(crate::terminal::TypedLine(RwSignal::new(String::new())));

    // Time passes for the device too: an iKey wait times out, the touchscreen changes. Tell it every
    // second.
    set_interval(move || sim.tick(), std::time::Duration::from_secs(1));

    // The panels under the terminal are drawn after the desk and the terminal, in two turns a frame
    // apart: drawing and laying out everything at once, when the world opens, held the page for longer
    // than a frame is worth (a task of about 90 ms at every load); split, each part is short.
    let panels = RwSignal::new(0u8);
    let next_panels = move || {
        request_animation_frame(move || {
            set_timeout(move || panels.update(|n| *n += 1), std::time::Duration::ZERO);
        })
    };
    Effect::new(move |_| {
        let (opened, drawn) = (sim.opened.get(), panels.get());
        if opened && drawn < 2 {
            next_panels();
        }
    });

    view! {
        <StorageSync/>
        <header class="topbar">
            <h1 class="brand">
                <span class="brand-mark">"Luna USB HSM 7"</span>
                " "
                <span class="brand-sub">"simulator and trainer"</span>
            </h1>
            <p class="disclaimer" data-testid="disclaimer">
                "Independent training simulator, not affiliated with or endorsed by Thales. "
                "Use training secrets only, never real ones."
            </p>
            <div class="topbar-actions">
                <WorldFileButtons/>
                <ResetButton/>
            </div>
        </header>
        <NoticeBar/>
        <UpdateBar/>
        // The world opens in the simulator's worker: the desk is drawn once it has.
        <Show
            when=move || sim.opened.get()
            fallback=|| view! { <p class="starting" role="status">"Starting the simulator…"</p> }
        >
            <main class="workspace">
                <section class="desk" aria-label="The HSM and its iKeys on the desk">
                    <Device/>
                    <EnvironmentPanel/>
                    <IKeyTray/>
                </section>
                <section class="host" aria-label="Host computer">
                    <UsbControls/>
                    <Terminal/>
                    <div class="panels">
                        <Show when=move || { panels.get() >= 1 }>
                            <LabsPanel/>
                            <ApplicationPanel/>
                            <InstructorPanel/>
                        </Show>
                        <Show when=move || { panels.get() >= 2 }>
                            <PoliciesPanel/>
                            <FilesPanel/>
                            <AuditPanel/>
                        </Show>
                    </div>
                </section>
            </main>
        </Show>
    }
}
