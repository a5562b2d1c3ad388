//! The host-files panel: the files on the host computer that LunaCM reads and writes (policy templates
//! exported with `-exporttemplate`, applied with `-applytemplate`). The user can open one to read and
//! edit it, download it, upload a file from this computer, create an empty one and delete one. Every
//! change goes through the core's [`World::put_file`](hsm_core::World::put_file) and is saved like a
//! command; what the core refuses (too big, a bad name) is shown as a notice.

use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::confirm::InlineConfirm;
use crate::host_files::{download_name, download_url, file_text, focus_entry, read_chosen_file, size_words};
use crate::notice::Notice;
use crate::sim::Sim;

/// Gives the keyboard to the files panel's heading (after the open file was deleted).
fn focus_panel_summary() {
    request_animation_frame(|| {
        if let Some(summary) = document()
            .query_selector("[data-testid=\"files-panel\"] > summary")
            .ok()
            .flatten()
            .and_then(|s| s.dyn_into::<web_sys::HtmlElement>().ok())
        {
            let _ = summary.focus();
        }
    });
}

/// The files panel.
#[component]
pub fn FilesPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let files = sim.files;
    // The file open in the editor.
    let open = RwSignal::new(None::<String>);
    let new_name = RwSignal::new(String::new());
    let upload = NodeRef::<html::Input>::new();

    // A file that disappears from the host (deleted here, by LunaCM or in another tab) closes.
    Effect::new(move |_| {
        let gone = open.with(|o| o.as_ref().is_some_and(|name| files.with(|f| !f.iter().any(|f| &f.name == name))));
        if gone {
            open.set(None);
        }
    });

    let create = move || {
        let name = new_name.get_untracked().trim().to_string();
        if name.is_empty() {
            sim.notice.set(Some(Notice::warning("Type a name for the new file first, e.g. /tmp/myTemplate.")));
            return;
        }
        // An existing file is opened, never emptied.
        let exists = files.with_untracked(|f| f.iter().any(|f| f.name == name));
        let opened = move |name: String| {
            new_name.set(String::new());
            open.set(Some(name));
        };
        if exists {
            opened(name);
        } else {
            sim.put_file(&name.clone(), String::new(), move |written| {
                if written {
                    opened(name);
                }
            });
        }
    };

    let on_upload = move |_| {
        let Some(input) = upload.get_untracked() else { return };
        read_chosen_file(&input, sim, move |name, text| {
            sim.put_file(&name.clone(), text, move |written| {
                if written {
                    open.set(Some(name.trim().to_string()));
                }
            });
        });
    };

    view! {
        <details class="panel" data-testid="files-panel" open>
            <summary class="panel-title">
                "Host files" <span class="panel-sub">"what LunaCM reads and writes"</span>
            </summary>
            <div class="panel-body">
                <Show
                    when=move || files.with(|f| !f.is_empty())
                    fallback=|| view! {
                        <p class="panel-empty" data-testid="files-empty">
                            "No files yet. "<code>"hsm showpolicies -exporttemplate /tmp/HSMPT"</code>
                            " writes one; "<code>"-applytemplate"</code>" reads one."
                        </p>
                    }
                >
                    <ul class="files-list" data-testid="files-list" aria-label="Files on the host">
                        <For
                            each=move || files.with(|f| f.iter().map(|f| (f.name.clone(), f.text.len())).collect::<Vec<_>>())
                            key=|item| item.clone()
                            let((name, len))
                        >
                            {
                                let shown = name.clone();
                                let this = name.clone();
                                let attr = name.clone();
                                let hint = format!("Open {name}");
                                let is_open = move || open.with(|o| o.as_deref() == Some(this.as_str()));
                                view! {
                                    <li class="file-item" data-testid="file-item" data-name=attr>
                                        <button
                                            class="file-open"
                                            class:file-open-current=is_open.clone()
                                            aria-current=move || is_open().then_some("true")
                                            title=hint
                                            on:click=move |_| open.set(Some(name.clone()))
                                        >
                                            <span class="file-name">{shown}</span>
                                            <span class="file-size">{size_words(len)}</span>
                                        </button>
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                </Show>
                {move || open.get().map(|name| view! { <FileEditor name=name open=open/> })}
                <div class="files-actions">
                    <label class="btn btn-small file-upload">
                        "Upload…"
                        <input
                            type="file"
                            class="visually-hidden"
                            data-testid="file-upload"
                            node_ref=upload
                            aria-label="Upload a file from this computer to the host"
                            on:change=on_upload
                        />
                    </label>
                    <input
                        type="text"
                        class="file-new-name"
                        data-testid="file-new-name"
                        aria-label="Name of a new file"
                        placeholder="/tmp/newTemplate"
                        autocomplete="off"
                        spellcheck="false"
                        prop:value=move || new_name.get()
                        on:input=move |ev| new_name.set(event_target_value(&ev))
                        on:keydown=move |ev: KeyboardEvent| {
                            if ev.key() == "Enter" && !ev.is_composing() {
                                ev.prevent_default();
                                create();
                            }
                        }
                    />
                    <button class="btn btn-small" data-testid="file-new" on:click=move |_| create()>
                        "New file"
                    </button>
                </div>
            </div>
        </details>
    }
}

/// The open file: its text in an editable field, Save and Revert, a download link, and Delete with a
/// confirmation.
#[component]
fn FileEditor(name: String, open: RwSignal<Option<String>>) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let files = sim.files;
    let name = StoredValue::new(name);
    // The file's text on the host now.
    let stored = file_text(files, name);
    // The text the editor started from, and the text in the editor.
    let base = RwSignal::new(stored.get_untracked());
    let draft = RwSignal::new(stored.get_untracked());
    let dirty = move || draft.with(|d| base.with(|b| d != b));
    // The host's text changed under an edit (LunaCM exported again, another tab saved).
    let changed_on_host = move || stored.with(|s| base.with(|b| s != b));
    let confirming = RwSignal::new(false);

    // Without edits in progress, the editor follows the file.
    Effect::new(move |_| {
        let text = stored.get();
        let clean = draft.with_untracked(|d| base.with_untracked(|b| d == b));
        if clean {
            base.set(text.clone());
            draft.set(text);
        }
    });

    // The download link always points at the host's text.
    let url = download_url(stored);

    let save = move || {
        let text = draft.get_untracked();
        name.with_value(|n| {
            sim.put_file(n, text.clone(), move |written| {
                if written {
                    base.set(text);
                }
            })
        });
    };
    let revert = move || {
        let text = stored.get_untracked();
        base.set(text.clone());
        draft.set(text);
    };
    let delete_button = NodeRef::<html::Button>::new();
    // Backing out gives the keyboard back to the Delete button.
    let back_out = move || {
        confirming.set(false);
        if let Some(button) = delete_button.get_untracked() {
            let _ = button.focus();
        }
    };
    let delete = move || {
        confirming.set(false);
        name.with_value(|n| {
            sim.remove_file(n, move |deleted| {
                if deleted {
                    open.set(None);
                    focus_panel_summary();
                }
            })
        });
    };
    // Closing gives the keyboard back to the file's entry in the list.
    let close = move || {
        open.set(None);
        name.with_value(|n| focus_entry("file-item", n));
    };

    let on_text_keydown = move |ev: KeyboardEvent| {
        if (ev.ctrl_key() || ev.meta_key()) && ev.key().eq_ignore_ascii_case("s") {
            ev.prevent_default();
            save();
        }
    };

    let title = name.get_value();
    let field_label = format!("Text of {title}");
    view! {
        <div class="file-editor" data-testid="file-editor" role="group" aria-label=format!("File {title}")>
            <div class="file-editor-head">
                <span class="file-editor-name" data-testid="file-editor-name">{title.clone()}</span>
                <button
                    class="btn btn-small btn-quiet"
                    data-testid="file-close"
                    aria-label=format!("Close {title}")
                    on:click=move |_| close()
                >
                    "Close"
                </button>
            </div>
            <textarea
                class="file-text"
                data-testid="file-text"
                aria-label=field_label
                spellcheck="false"
                autocomplete="off"
                rows="9"
                prop:value=move || draft.get()
                on:input=move |ev| draft.set(event_target_value(&ev))
                on:keydown=on_text_keydown
            ></textarea>
            <Show when=changed_on_host>
                <p class="file-changed" data-testid="file-changed" role="status">
                    "The file changed on the host since you began editing: Save overwrites that change, Revert shows it."
                </p>
            </Show>
            <div class="file-editor-actions">
                <button
                    class="btn btn-small btn-primary"
                    data-testid="file-save"
                    prop:disabled=move || !dirty() && !changed_on_host()
                    on:click=move |_| save()
                >
                    "Save"
                </button>
                <button
                    class="btn btn-small"
                    data-testid="file-revert"
                    prop:disabled=move || !dirty() && !changed_on_host()
                    on:click=move |_| revert()
                >
                    "Revert"
                </button>
                <a
                    class="btn btn-small"
                    data-testid="file-download"
                    href=move || url.get()
                    download=download_name(&title)
                    title="Download the file as saved on the host"
                >
                    "Download"
                </a>
                <button
                    class="btn btn-small btn-danger-quiet"
                    data-testid="file-delete"
                    node_ref=delete_button
                    on:click=move |_| confirming.set(true)
                >
                    "Delete…"
                </button>
            </div>
            <Show when=move || confirming.get()>
                <InlineConfirm
                    id="file-delete"
                    text=format!(
                        "Delete {} from the host? LunaCM can no longer read it. This cannot be undone.",
                        name.get_value()
                    )
                    confirm_label="Delete file"
                    confirm_class="btn-danger"
                    on_cancel=Callback::new(move |()| back_out())
                    on_confirm=Callback::new(move |()| delete())
                />
            </Show>
        </div>
    }
}
