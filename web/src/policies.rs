//! The policies panel: the HSM's policies and, once it exists, the application partition's, as
//! `hsm showpolicies` and `partition showpolicies` list them. Read-only: as on the real unit, policies
//! change only through LunaCM, by the officer who owns them.

use leptos::prelude::*;

use crate::sim::Sim;
use hsm_core::view::PolicyRow;

/// One table of policies. `kind` names the rows' test ids: `policy-<kind>-<id>`.
#[component]
fn PolicyTable(caption: Signal<String>, kind: &'static str, rows: Signal<Vec<PolicyRow>>) -> impl IntoView {
    view! {
        <table class="policy-table" data-testid=format!("policies-{kind}")>
            <caption>{caption}</caption>
            <thead>
                <tr>
                    <th scope="col" class="policy-id">"No."</th>
                    <th scope="col">"Policy"</th>
                    <th scope="col" class="policy-value">"Value"</th>
                </tr>
            </thead>
            <tbody>
                <For each=move || rows.get() key=|row| row.clone() let(row)>
                    <tr data-testid=format!("policy-{kind}-{}", row.id) data-value=row.value.to_string()>
                        <td class="policy-id">{row.id}</td>
                        <th scope="row" class="policy-name">{row.name}</th>
                        <td class="policy-value">{row.value}</td>
                    </tr>
                </For>
            </tbody>
        </table>
    }
}

/// The read-only policies panel.
#[component]
pub fn PoliciesPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let tables = sim.policies;
    let hsm_rows = Signal::derive(move || tables.with(|t| t.hsm.clone()));
    let partition_rows =
        Signal::derive(move || tables.with(|t| t.partition.clone().map(|(_, r)| r).unwrap_or_default()));
    let partition_caption = Signal::derive(move || {
        tables.with(|t| {
            t.partition.as_ref().map(|(slot, _)| format!("Partition policies (slot {slot})")).unwrap_or_default()
        })
    });

    view! {
        <details class="panel" data-testid="policies-panel" open>
            <summary class="panel-title">
                "Policies" <span class="panel-sub">"read-only"</span>
            </summary>
            // The tables scroll inside the panel: the region takes the keyboard so that they can be
            // scrolled without a pointer.
            <div class="panel-body" tabindex="0" role="region" aria-label="Policies tables">
                <p class="panel-note">
                    "As on the real unit, policies change only through LunaCM: the HSM SO uses "
                    <code>"hsm changehsmpolicy"</code>", the Partition SO "<code>"partition changepolicy"</code>
                    " (" <code>"-policy N -value V"</code>")."
                </p>
                <PolicyTable caption=Signal::derive(|| "HSM policies".to_string()) kind="hsm" rows=hsm_rows/>
                <Show
                    when=move || tables.with(|t| t.partition.is_some())
                    fallback=|| view! {
                        <p class="panel-empty" data-testid="policies-no-partition">
                            "No application partition: its policies appear once the HSM SO has created it."
                        </p>
                    }
                >
                    <PolicyTable caption=partition_caption kind="partition" rows=partition_rows/>
                </Show>
            </div>
        </details>
    }
}
