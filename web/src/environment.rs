//! The environment control under the unit: its temperature and 5 V rail as its sensors read them, set
//! by the trainee or the instructor (out of range, the unit tampers or halts, as chapter 10 says), and
//! its USB cable, unplugged for a while and plugged again. The same as `sim temperature`, `sim voltage`
//! and `sim power cycle` in the terminal.

use hsm_core::device::tamper::{celsius, parse_decimal, volts};
use leptos::html;
use leptos::prelude::*;

use crate::sim::Sim;

/// The value typed in `input`.
fn typed(input: NodeRef<html::Input>) -> String {
    input.get_untracked().map(|i| i.value()).unwrap_or_default()
}

/// The environment control.
#[component]
pub fn EnvironmentPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let env = sim.environment;
    let (temperature, voltage, seconds) = (NodeRef::<html::Input>::new(), NodeRef::new(), NodeRef::new());
    let error = RwSignal::new(None::<&'static str>);
    let apply = move || {
        let t = parse_decimal(&typed(temperature), 1).filter(|t| (-400..=1250).contains(t));
        let v = parse_decimal(&typed(voltage), 3).filter(|v| (0..=12_000).contains(v));
        match (t, v) {
            (Some(t), Some(v)) => {
                error.set(None);
                sim.set_environment(t as i32, v as u32);
            }
            (None, _) => error.set(Some("The temperature is a number of degrees Celsius from -40 to 125.")),
            (_, None) => error.set(Some("The rail voltage is a number of volts from 0 to 12.")),
        }
    };
    let unplug = move |_| match typed(seconds).trim().parse::<u64>() {
        Ok(s) if s <= 10 * 365 * 86_400 => {
            error.set(None);
            sim.power_cycle(s);
        }
        _ => error.set(Some("How long the cable stays out is a whole number of seconds.")),
    };
    let (t0, v0) = env.with_untracked(|e| (e.temperature_dc, e.rail_mv));
    view! {
        <section class="environment" data-testid="environment-panel" aria-label="The unit's environment and power">
            <p class="env-status" data-testid="env-status" aria-live="polite">
                {move || env.with(|e| {
                    let mut s = format!("{}, {}. HSM Status: {}", celsius(e.temperature_dc), volts(e.rail_mv), e.status);
                    if !e.warnings.is_empty() {
                        s.push_str(&format!(" (warning: {})", e.warnings.join(", ")));
                    }
                    s
                })}
            </p>
            <form class="env-form" on:submit=move |ev| { ev.prevent_default(); apply(); }>
                <label>"Temperature (°C)"<input node_ref=temperature data-testid="env-temperature" inputmode="decimal" value=celsius(t0).trim_end_matches(" C").to_string()/></label>
                <label>"5 V rail (V)"<input node_ref=voltage data-testid="env-voltage" inputmode="decimal" value=volts(v0).trim_end_matches(" V").to_string()/></label>
                <button type="submit" data-testid="env-apply">"Set"</button>
                <label>"Unplug for (s)"<input node_ref=seconds data-testid="env-power-seconds" inputmode="numeric" value="10"/></label>
                <button type="button" data-testid="env-power-cycle" on:click=unplug>"Unplug and plug in"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="env-error" role="alert" data-testid="env-error">{e}</p> })}
        </section>
    }
}
