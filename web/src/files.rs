//! The host-files panel: the files on the host computer that LunaCM reads and writes (policy templates
//! exported with `-exporttemplate`, applied with `-applytemplate`). The user can open one to read and
//! edit it, download it, upload a file from this computer, create an empty one and delete one. Every
//! change goes through the core's [`World::put_file`](hsm_core::World::put_file) and is saved like a
//! command; what the core refuses (too big, a bad name) is shown as a notice.

use hsm_core::host::FILE_MAX;
use leptos::ev::KeyboardEvent;
use leptos::html;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::confirm::InlineConfirm;
use crate::notice::Notice;
use crate::sim::Sim;

/// The name a download gets: the last part of the host path ("/tmp/HSMPT" is saved as "HSMPT").
fn download_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty() {
        "file.txt".to_string()
    } else {
        base.to_string()
    }
}

/// "812 bytes", "1 byte", "12.5 KiB".
fn size_words(len: usize) -> String {
    match len {
        1 => "1 byte".to_string(),
        n if n < 10 * 1024 => format!("{n} bytes"),
        n => format!("{:.1} KiB", n as f64 / 1024.0),
    }
}

/// An object URL for `text` (as UTF-8 bytes), for a download link. Typed as plain bytes, not text, so that
/// browsers keep the file's name as it is ("HSMPT", not "HSMPT.txt"), ready to be uploaded again.
fn object_url(text: &str) -> Option<String> {
    let parts = js_sys::Array::of1(&wasm_bindgen::JsValue::from_str(text));
    let options = web_sys::BlobPropertyBag::new();
    options.set_type("application/octet-stream");
    let blob = web_sys::Blob::new_with_str_sequence_and_options(&parts, &options).ok()?;
    web_sys::Url::create_object_url_with_blob(&blob).ok()
}

/// Gives the keyboard to the list entry of file `name`, once the page has been redrawn.
fn focus_file_entry(name: &str) {
    let name = name.to_string();
    request_animation_frame(move || {
        let Ok(items) = document().query_selector_all("[data-testid=\"file-item\"]") else { return };
        for i in 0..items.length() {
            let Some(item) = items.item(i).and_then(|n| n.dyn_into::<web_sys::Element>().ok()) else { continue };
            if item.get_attribute("data-name").as_deref() == Some(name.as_str()) {
                if let Some(button) =
                    item.query_selector("button").ok().flatten().and_then(|b| b.dyn_into::<web_sys::HtmlElement>().ok())
                {
                    let _ = button.focus();
                }
                return;
            }
        }
    });
}

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
        if exists || sim.put_file(&name, String::new()) {
            new_name.set(String::new());
            open.set(Some(name));
        }
    };

    let on_upload = move |_| {
        let Some(input) = upload.get_untracked() else { return };
        let Some(file) = input.files().and_then(|list| list.get(0)) else { return };
        // The same file can be chosen again later.
        input.set_value("");
        let name = file.name();
        let size = file.size();
        if size > FILE_MAX as f64 {
            sim.notice.set(Some(Notice::warning(format!(
                "'{name}' is {size} bytes; the host keeps files up to {FILE_MAX} bytes. It was not uploaded."
            ))));
            return;
        }
        leptos::task::spawn_local(async move {
            match wasm_bindgen_futures::JsFuture::from(file.text()).await.ok().and_then(|v| v.as_string()) {
                Some(text) => {
                    if sim.put_file(&name, text) {
                        open.set(Some(name.trim().to_string()));
                    }
                }
                None => sim
                    .notice
                    .set(Some(Notice::warning(format!("'{name}' could not be read as text. It was not uploaded.")))),
            }
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
    let stored = Memo::new(move |_| {
        name.with_value(|n| files.with(|f| f.iter().find(|f| &f.name == n).map(|f| f.text.clone()).unwrap_or_default()))
    });
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

    // The download link always points at the host's text; an old object URL is released.
    let url = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let next = stored.with(|t| object_url(t));
        if let Some(old) = url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
        url.set(next);
    });
    on_cleanup(move || {
        if let Some(old) = url.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old);
        }
    });

    let save = move || {
        let text = draft.get_untracked();
        if name.with_value(|n| sim.put_file(n, text.clone())) {
            base.set(text);
        }
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
        if name.with_value(|n| sim.remove_file(n)) {
            open.set(None);
            focus_panel_summary();
        }
    };
    // Closing gives the keyboard back to the file's entry in the list.
    let close = move || {
        open.set(None);
        name.with_value(|n| focus_file_entry(n));
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
