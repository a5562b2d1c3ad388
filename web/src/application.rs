//! The application's view: the trainee acts as an application on the host that uses the partition's
//! keys (sign a text, verify a signature, encrypt, decrypt) with the role LunaCM has logged in on the
//! partition, and sees the result, or the return code when a role, a key's attributes or a policy
//! forbid it. The same operations as `sim app` in the terminal; nothing of it goes to LunaCM's terminal.

use leptos::html;
use leptos::prelude::*;

use crate::sim::Sim;

/// The value typed in `input`.
fn value_of(input: NodeRef<html::Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

/// The application panel.
#[component]
pub fn ApplicationPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let operation = RwSignal::new("sign".to_string());
    let mech = RwSignal::new("pkcs".to_string());
    let (handle, data, input) =
        (NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new(), NodeRef::<html::Input>::new());
    let result = RwSignal::new(None::<String>);
    let error = RwSignal::new(None::<&'static str>);
    // The last signature or ciphertext goes into the field that verify and decrypt read.
    let last = RwSignal::new(String::new());
    let partition = move || sim.slots.with(|s| s.partition.clone());

    let run = move || {
        let Some(p) = partition() else {
            error.set(Some("There is no application partition: the HSM SO creates it first."));
            return;
        };
        let handle = value_of(handle).trim().to_string();
        if handle.is_empty() || handle.parse::<u32>().is_err() {
            error.set(Some("The key is its object handle, a number (cmu list or partition contents shows them)."));
            return;
        }
        let op = operation.get_untracked();
        let mut args = vec![op.clone(), format!("-slot={}", p.slot), format!("-handle={handle}")];
        if matches!(op.as_str(), "sign" | "verify") {
            args.push(format!("-mech={}", mech.get_untracked()));
        }
        match op.as_str() {
            "decrypt" => args.push(format!("-in={}", value_of(input).trim())),
            _ => args.push(format!("-data={}", value_of(data))),
        }
        if op == "verify" {
            args.push(format!("-signature={}", value_of(input).trim()));
        }
        error.set(None);
        sim.app(args, move |said| {
            let said = said.trim().to_string();
            if let Some(hex) =
                said.strip_prefix(&format!("app {op}: ")).filter(|h| h.chars().all(|c| c.is_ascii_hexdigit()))
            {
                last.set(hex.to_string());
            }
            result.set(Some(said));
        });
    };
    let needs_data = move || operation.with(|o| o != "decrypt");
    let needs_input = move || operation.with(|o| o == "verify" || o == "decrypt");
    let signs = move || operation.with(|o| o == "sign" || o == "verify");

    view! {
        <details class="panel panel-app" data-testid="app-panel">
            <summary class="panel-title">
                "Application" <span class="panel-sub">"use the partition's keys"</span>
            </summary>
            <div class="panel-body">
                <p class="panel-note">
                    "Act as an application on the host: it uses the role LunaCM has logged in on the partition "
                    "(the Crypto User, typically: " <code>"role login -name cu"</code> ")."
                    {move || partition().map(|p| match p.role {
                        Some(role) => format!(" Logged in on slot {} now: {role}.", p.slot),
                        None => format!(" Nobody is logged in on slot {} now.", p.slot),
                    })}
                </p>
                <form class="app-form" on:submit=move |ev| { ev.prevent_default(); run(); }>
                    <label>
                        "Operation"
                        <select
                            data-testid="app-operation"
                            on:change=move |ev| { operation.set(event_target_value(&ev)); result.set(None); }
                        >
                            <option value="sign">"Sign"</option>
                            <option value="verify">"Verify"</option>
                            <option value="encrypt">"Encrypt"</option>
                            <option value="decrypt">"Decrypt"</option>
                        </select>
                    </label>
                    <label>"Key handle" <input node_ref=handle data-testid="app-handle" inputmode="numeric" size="4"/></label>
                    <label class:hidden=move || !signs()>
                        "Mechanism"
                        <select data-testid="app-mech" on:change=move |ev| mech.set(event_target_value(&ev))>
                            <option value="pkcs">"RSA PKCS#1 v1.5"</option>
                            <option value="pss">"RSA PSS"</option>
                            <option value="ecdsa">"ECDSA"</option>
                            <option value="hmac">"HMAC"</option>
                        </select>
                    </label>
                    <label class="app-wide" class:hidden=move || !needs_data()>
                        "Text" <input node_ref=data data-testid="app-data" value="hello"/>
                    </label>
                    <label class="app-wide" class:hidden=move || !needs_input()>
                        {move || if operation.with(|o| o == "verify") { "Signature (hex)" } else { "Ciphertext (hex)" }}
                        <input node_ref=input data-testid="app-input" prop:value=move || last.get() spellcheck="false"/>
                    </label>
                    <button type="submit" class="btn" data-testid="app-run">"Run"</button>
                </form>
                {move || error.get().map(|e| view! { <p class="env-error" role="alert" data-testid="app-error">{e}</p> })}
                <output class="app-result" data-testid="app-result" aria-live="polite">{move || result.get()}</output>
            </div>
        </details>
    }
}
