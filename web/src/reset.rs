//! "Reset simulator": back to a factory-fresh unit, after an in-page confirmation.

use leptos::prelude::*;

use crate::sim::Sim;

/// The reset button and its confirmation dialog.
#[component]
pub fn ResetButton() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let open = RwSignal::new(false);
    let cancel = NodeRef::<leptos::html::Button>::new();

    // The safe choice gets the keyboard when the dialog opens.
    Effect::new(move |_| {
        if open.get() {
            if let Some(cancel) = cancel.get() {
                let _ = cancel.focus();
            }
        }
    });

    view! {
        <button class="btn btn-reset" data-testid="reset-simulator" on:click=move |_| open.set(true)>
            "Reset simulator"
        </button>
        <Show when=move || open.get()>
            <div class="dialog-backdrop">
                <div
                    class="dialog"
                    role="dialog"
                    aria-modal="true"
                    aria-labelledby="reset-title"
                    data-testid="reset-dialog"
                    on:keydown=move |ev| {
                        if ev.key() == "Escape" {
                            open.set(false);
                        }
                    }
                >
                    <h2 id="reset-title">"Reset the simulator?"</h2>
                    <p>
                        "This replaces the HSM with a factory-fresh unit in Secure Transport Mode. Its label, "
                        "roles, partitions and every other change made here are erased. This cannot be undone."
                    </p>
                    <div class="dialog-actions">
                        <button
                            class="btn"
                            data-testid="reset-cancel"
                            node_ref=cancel
                            on:click=move |_| open.set(false)
                        >
                            "Cancel"
                        </button>
                        <button
                            class="btn btn-danger"
                            data-testid="reset-confirm"
                            on:click=move |_| {
                                open.set(false);
                                sim.reset();
                            }
                        >
                            "Confirm reset"
                        </button>
                    </div>
                </div>
            </div>
        </Show>
    }
}
