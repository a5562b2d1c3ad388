//! "Export world" and "Import world": the whole simulated world (unit, iKeys, host files, lab progress)
//! as a world file this computer keeps, and such a file brought back, after a confirmation. A file the
//! simulator cannot read is refused with why, and the world stays as it is.

use leptos::html;
use leptos::prelude::*;

use crate::confirm::ConfirmDialog;
use crate::host_files::download;
use crate::notice::Notice;
use crate::sim::Sim;

/// The name an exported world gets.
const EXPORT_NAME: &str = "luna-usb-hsm7-world.json";

/// The export and import buttons, and the import's confirmation dialog.
#[component]
pub fn WorldFileButtons() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let chooser = NodeRef::<html::Input>::new();
    // The file chosen and its text, while the user confirms.
    let chosen = RwSignal::new(None::<(String, String)>);

    let export = move |_| sim.export_world(|text| download(text, EXPORT_NAME));
    let on_chosen = move |_| {
        let Some(input) = chooser.get_untracked() else { return };
        let Some(file) = input.files().and_then(|list| list.get(0)) else { return };
        input.set_value("");
        let name = file.name();
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string()) {
                Some(text) => chosen.set(Some((name, text))),
                None => sim
                    .notice
                    .set(Some(Notice::warning(format!("'{name}' could not be read as text: nothing was imported.")))),
            }
        });
    };
    let confirm = move |()| {
        if let Some((name, text)) = chosen.get_untracked() {
            chosen.set(None);
            sim.import_world(&name, text, |_| {});
        }
    };

    view! {
        <button class="btn btn-reset" data-testid="world-export" on:click=export title="Save the whole simulator as a file">
            "Export world"
        </button>
        <button
            class="btn btn-reset"
            data-testid="world-import"
            title="Replace the simulator with a world file"
            on:click=move |_| {
                if let Some(input) = chooser.get_untracked() {
                    input.click();
                }
            }
        >
            "Import world…"
        </button>
        <input
            type="file"
            accept=".json,application/json"
            class="visually-hidden"
            tabindex="-1"
            aria-hidden="true"
            data-testid="world-import-file"
            node_ref=chooser
            on:change=on_chosen
        />
        <Show when=move || chosen.with(Option::is_some)>
            <ConfirmDialog
                id="world-import"
                title="Replace the simulator with this file?"
                confirm_label="Replace"
                on_cancel=Callback::new(move |()| chosen.set(None))
                on_confirm=Callback::new(confirm)
            >
                {move || chosen.with(|c| c.as_ref().map(|(name, _)| name.clone()).unwrap_or_default())}
                " replaces the unit, the iKeys, the host files and the lab in progress. Export the "
                "current world first to keep it. A file that is not a world this simulator reads "
                "changes nothing."
            </ConfirmDialog>
        </Show>
    }
}
