//! The environment control under the unit: its temperature and 5 V rail as its sensors read them, set
//! by the trainee or the instructor (out of range, the unit tampers or halts, as chapter 10 says), and
//! its USB cable, unplugged for a while and plugged again. The same as `sim temperature`, `sim voltage`
//! and `sim power cycle` in the terminal.

use leptos::prelude::*;

use crate::sim::Sim;

/// Reads a decimal number from an input, times `scale` (10: tenths; 1000: thousandths).
fn scaled(text: &str, scale: f64) -> Option<i64> {
    let v: f64 = text.trim().parse().ok()?;
    v.is_finite().then(|| (v * scale).round() as i64)
}

/// The environment control.
#[component]
pub fn EnvironmentPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let env = sim.environment;
    let temperature = RwSignal::new(String::new());
    let voltage = RwSignal::new(String::new());
    let seconds = RwSignal::new("10".to_string());
    let error = RwSignal::new(None::<String>);
    // The inputs follow the unit until the user edits them.
    Effect::new(move |_| {
        let e = env.get();
        temperature.set(format!("{:.1}", f64::from(e.temperature_dc) / 10.0));
        voltage.set(format!("{:.2}", f64::from(e.rail_mv) / 1000.0));
    });
    let apply = move || {
        let t = scaled(&temperature.get_untracked(), 10.0).filter(|t| (-400..=1250).contains(t));
        let v = scaled(&voltage.get_untracked(), 1000.0).filter(|v| (0..=12_000).contains(v));
        match (t, v) {
            (Some(t), Some(v)) => {
                error.set(None);
                sim.set_environment(t as i32, v as u32);
            }
            (None, _) => error.set(Some("The temperature is a number of degrees Celsius from -40 to 125.".into())),
            (_, None) => error.set(Some("The rail voltage is a number of volts from 0 to 12.".into())),
        }
    };
    let unplug = move || match seconds.get_untracked().trim().parse::<u64>() {
        Ok(s) if s <= 10 * 365 * 86_400 => {
            error.set(None);
            sim.power_cycle(s);
        }
        _ => error.set(Some("How long the cable stays out is a whole number of seconds.".into())),
    };
    view! {
        <section class="environment" data-testid="environment-panel" aria-label="The unit's environment and power">
            <p class="env-status" data-testid="env-status" aria-live="polite">
                "HSM Status: " <strong>{move || env.with(|e| e.status.clone())}</strong>
                {move || env.with(|e| (!e.warnings.is_empty()).then(|| format!(" (warning: {})", e.warnings.join(", "))))}
            </p>
            <form class="env-form" on:submit=move |ev| { ev.prevent_default(); apply(); }>
                <label>"Temperature (°C) "
                    <input type="number" step="0.5" data-testid="env-temperature"
                        prop:value=move || temperature.get()
                        on:input=move |ev| temperature.set(event_target_value(&ev))/>
                </label>
                <label>"5 V rail (V) "
                    <input type="number" step="0.01" data-testid="env-voltage"
                        prop:value=move || voltage.get()
                        on:input=move |ev| voltage.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-testid="env-apply">"Set"</button>
            </form>
            <form class="env-form" on:submit=move |ev| { ev.prevent_default(); unplug(); }>
                <label>"Unplug the USB cable for (s) "
                    <input type="number" min="0" step="1" data-testid="env-power-seconds"
                        prop:value=move || seconds.get()
                        on:input=move |ev| seconds.set(event_target_value(&ev))/>
                </label>
                <button type="submit" data-testid="env-power-cycle">"Unplug and plug in"</button>
            </form>
            {move || error.get().map(|e| view! { <p class="env-error" role="alert" data-testid="env-error">{e}</p> })}
        </section>
    }
}
