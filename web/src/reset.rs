//! "Reset simulator": back to a factory-fresh unit, after an in-page confirmation.

use leptos::prelude::*;

use crate::confirm::ConfirmDialog;
use crate::sim::Sim;

/// The reset button and its confirmation dialog.
#[component]
pub fn ResetButton() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let open = RwSignal::new(false);
    view! {
        <button class="btn btn-reset" data-testid="reset-simulator" on:click=move |_| open.set(true)>
            "Reset simulator"
        </button>
        <Show when=move || open.get()>
            <ConfirmDialog
                id="reset"
                title="Reset the simulator?"
                confirm_label="Confirm reset"
                on_cancel=Callback::new(move |()| open.set(false))
                on_confirm=Callback::new(move |()| {
                    open.set(false);
                    sim.reset();
                })
            >
                "This replaces the HSM with a factory-fresh unit in Secure Transport Mode. Its label, "
                "roles, partitions and every other change made here are erased. This cannot be undone."
            </ConfirmDialog>
        </Show>
    }
}
