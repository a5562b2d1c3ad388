//! Messages from the simulator itself (not from the HSM): storage problems, another tab's changes.

use leptos::prelude::*;

use crate::sim::Sim;

/// How serious a notice is; it picks the colour.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum NoticeKind {
    /// Something happened that the user should know about (another tab changed the state).
    Info,
    /// Something the user did was not carried out.
    Warning,
    /// Saved state was unusable, or state cannot be saved.
    Error,
}

/// One message shown above the workspace until dismissed or replaced.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Notice {
    /// Its seriousness.
    pub kind: NoticeKind,
    /// The full text, precise enough to act on.
    pub text: String,
}

impl Notice {
    /// An informational notice.
    pub fn info(text: impl Into<String>) -> Notice {
        Notice { kind: NoticeKind::Info, text: text.into() }
    }
    /// A warning.
    pub fn warning(text: impl Into<String>) -> Notice {
        Notice { kind: NoticeKind::Warning, text: text.into() }
    }
    /// An error.
    pub fn error(text: impl Into<String>) -> Notice {
        Notice { kind: NoticeKind::Error, text: text.into() }
    }
}

/// The banner showing the current [`Notice`], if any.
#[component]
pub fn NoticeBar() -> impl IntoView {
    let sim = expect_context::<Sim>();
    move || {
        sim.notice.get().map(|notice| {
            let class = match notice.kind {
                NoticeKind::Info => "notice notice-info",
                NoticeKind::Warning => "notice notice-warning",
                NoticeKind::Error => "notice notice-error",
            };
            let role = if notice.kind == NoticeKind::Info { "status" } else { "alert" };
            view! {
                <div class=class role=role data-testid="notice">
                    <span class="notice-text">{notice.text}</span>
                    <button
                        class="notice-dismiss"
                        data-testid="notice-dismiss"
                        aria-label="Dismiss"
                        on:click=move |_| sim.notice.set(None)
                    >
                        "×"
                    </button>
                </div>
            }
        })
    }
}
