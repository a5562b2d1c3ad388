//! The audit panel, for the Auditor: the log files the host's logging daemon wrote and the wrapped log
//! secrets on the host, how many records still wait in the HSM, and an open log file's records as a table
//! (sequence, time, who, what, result), filtered by category, with a mark per record once `audit verify`
//! has checked that file. A file can be downloaded, changed on this computer and uploaded back to the same
//! host path: how a trainee sees what verification makes of a log tampered with outside the HSM.
//!
//! Everything shown comes from the core's world ([`AuditView`], the host files), never from LunaCM's text.

use hsm_core::device::audit::Category;
use leptos::html;
use leptos::prelude::*;

use crate::confirm::InlineConfirm;
use crate::host_files::{download_name, download_url, file_text, focus_entry, read_chosen_file, size_words};
use crate::model::{log_rows, LogRow, Mark};
use crate::notice::Notice;
use crate::sim::Sim;
use hsm_core::view::{AuditFileKind, Verified};

/// The most rows the table draws: a full log file has about 585 records, and drawing them all after every
/// command would slow the page for nothing anyone reads at once.
const ROWS_SHOWN: usize = 500;

/// "3 records wait in the HSM for the host's logging daemon (its store holds 2000 before LOG FULL)."
fn store_words(stored: usize, capacity: usize) -> String {
    let waiting = match stored {
        0 => "No records wait".to_string(),
        1 => "1 record waits".to_string(),
        n => format!("{n} records wait"),
    };
    format!("{waiting} in the HSM for the host's logging daemon (its store holds {capacity} before LOG FULL).")
}

/// What the last `audit verify` says of the whole file, in words.
fn verification_words(v: &Verified, rows: &[LogRow]) -> String {
    let report = &v.report;
    let mut text = match &report.failure {
        Some(f) => {
            let at = match f.seq {
                Some(seq) => format!("record {seq} (line {})", f.line),
                None => format!("line {}", f.line),
            };
            format!(
                "audit verify failed on {at}: {} — {}. The records before it are verified; those after it are \
                 suspect.",
                f.tamper, f.reason
            )
        }
        None => match report.range {
            Some((a, b)) => format!("audit verify proved records {a} to {b} authentic."),
            None => "audit verify proved no record authentic.".to_string(),
        },
    };
    if report.last_unchecked {
        text.push_str(" The last record could not be checked: nothing after it is on the host.");
    }
    let later = rows.iter().filter(|r| r.line > v.lines).count();
    match later {
        0 => {}
        1 => text.push_str(" 1 line was added since and carries no mark."),
        n => text.push_str(&format!(" {n} lines were added since and carry no mark.")),
    }
    text
}

/// The category the filter's value names; `None` for all.
fn category_of(value: &str) -> Option<Category> {
    Category::ALL.into_iter().find(|c| c.word() == value)
}

/// The audit panel.
#[component]
pub fn AuditPanel() -> impl IntoView {
    let sim = expect_context::<Sim>();
    let audit = sim.audit;
    // The file open below the list.
    let open = RwSignal::new(None::<String>);
    // An upload waiting for the user to confirm that it replaces a host file: the host path and the text.
    let replacing = RwSignal::new(None::<(String, String)>);
    let upload = NodeRef::<html::Input>::new();

    // A file that disappears from the host (deleted, or no longer under the log path) closes.
    Effect::new(move |_| {
        let gone =
            open.with(|o| o.as_ref().is_some_and(|name| audit.with(|a| !a.files.iter().any(|f| &f.name == name))));
        if gone {
            open.set(None);
        }
    });

    // Uploads go into the configured log path, under the name the file has on this computer: a log
    // downloaded from here comes back to the very path it was downloaded from.
    let destination = move |name: &str| match audit.with_untracked(|a| a.path.clone()) {
        Some(dir) => format!("{}/{}", dir.trim_end_matches('/'), name.trim()),
        None => name.trim().to_string(),
    };
    let write = move |target: String, text: String| {
        sim.put_file(&target.clone(), text, move |written| {
            if !written {
                return;
            }
            if audit.with_untracked(|a| a.files.iter().any(|f| f.name == target)) {
                open.set(Some(target.clone()));
                focus_entry("audit-file", &target);
            } else {
                sim.notice.set(Some(Notice::info(format!(
                    "The file was written to {target}. This panel lists log files (.log) and wrapped secrets \
                     (.lws); the Host files panel shows every file."
                ))));
            }
        });
    };
    let on_upload = move |_| {
        let Some(input) = upload.get_untracked() else { return };
        read_chosen_file(&input, sim, move |name, text| {
            let target = destination(&name);
            // Replacing a file (a log the daemon wrote, most of all) is asked first; a new one is written.
            if sim.files.with_untracked(|f| f.iter().any(|f| f.name == target)) {
                replacing.set(Some((target, text)));
            } else {
                write(target, text);
            }
        });
    };
    // Backing out gives the keyboard back to the upload button.
    let back_out = move || {
        replacing.set(None);
        if let Some(input) = upload.get_untracked() {
            let _ = input.focus();
        }
    };
    let replace = move || {
        if let Some((target, text)) = replacing.get_untracked() {
            replacing.set(None);
            write(target, text);
        }
    };
    let upload_label = move || match audit.with(|a| a.path.clone()) {
        Some(dir) => format!("Upload to {dir}…"),
        None => "Upload…".to_string(),
    };

    view! {
        <details class="panel panel-audit" data-testid="audit-panel" open>
            <summary class="panel-title">
                "Audit logs" <span class="panel-sub">"the Auditor's log files and secrets"</span>
            </summary>
            <div class="panel-body">
                <p class="panel-note" data-testid="audit-store">
                    {move || {
                        audit.with(|a| {
                            let path = match &a.path {
                                Some(dir) => format!("Log files go to {dir}."),
                                None => "No log path is set: the Auditor sets one with audit config path.".to_string(),
                            };
                            format!("{} {path}", store_words(a.stored, a.capacity))
                        })
                    }}
                </p>
                <Show
                    when=move || audit.with(|a| !a.files.is_empty())
                    fallback=|| view! {
                        <p class="panel-empty" data-testid="audit-empty">
                            "No log files yet: they appear here as the HSM logs what happens. "
                            <code>"audit export"</code>" writes the wrapped log secret here too."
                        </p>
                    }
                >
                    <ul class="files-list" data-testid="audit-files" aria-label="Audit files on the host">
                        <For
                            each=move || audit.with(|a| a.files.clone())
                            key=|file| file.clone()
                            let(file)
                        >
                            {
                                let name = file.name.clone();
                                let this = file.name.clone();
                                let is_open = move || open.with(|o| o.as_deref() == Some(this.as_str()));
                                let (kind, kind_words) = match file.kind {
                                    AuditFileKind::Log => ("log", "log"),
                                    AuditFileKind::Secret => ("secret", "wrapped secret"),
                                };
                                view! {
                                    <li class="file-item" data-testid="audit-file" data-name=file.name.clone() data-kind=kind>
                                        <button
                                            class="file-open"
                                            class:file-open-current=is_open.clone()
                                            aria-current=move || is_open().then_some("true")
                                            title=format!("Open {}", file.name)
                                            on:click=move |_| open.set(Some(name.clone()))
                                        >
                                            <span class="file-name">{file.name.clone()}</span>
                                            <span class="file-size">{format!("{kind_words}, {}", size_words(file.len))}</span>
                                        </button>
                                    </li>
                                }
                            }
                        </For>
                    </ul>
                </Show>
                {move || open.get().map(|name| view! { <AuditFileView name=name open=open/> })}
                <div class="files-actions">
                    <label class="btn btn-small file-upload">
                        {upload_label}
                        <input
                            type="file"
                            class="visually-hidden"
                            data-testid="audit-upload"
                            node_ref=upload
                            aria-label=move || {
                                match audit.with(|a| a.path.clone()) {
                                    Some(dir) => format!("Upload a log file or secret from this computer into {dir}"),
                                    None => "Upload a log file or secret from this computer to the host".to_string(),
                                }
                            }
                            on:change=on_upload
                        />
                    </label>
                </div>
                {move || {
                    let question = replacing.with(|r| {
                        r.as_ref().map(|(target, text)| {
                            format!(
                                "Replace {target} on the host with the uploaded file ({})? The host's copy is \
                                 overwritten; audit verify then checks what you uploaded.",
                                size_words(text.len())
                            )
                        })
                    })?;
                    Some(view! {
                        <InlineConfirm
                            id="audit-replace"
                            text=question
                            confirm_label="Replace file"
                            confirm_class="btn-danger"
                            on_cancel=Callback::new(move |()| back_out())
                            on_confirm=Callback::new(move |()| replace())
                        />
                    })
                }}
            </div>
        </details>
    }
}

/// The open file: its name, Download and Close; a log's records, a secret's use.
#[component]
fn AuditFileView(name: String, open: RwSignal<Option<String>>) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let files = sim.files;
    let name = StoredValue::new(name);
    let text = file_text(files, name);
    let kind = Memo::new(move |_| {
        name.with_value(|n| sim.audit.with(|a| a.files.iter().find(|f| &f.name == n).map(|f| f.kind)))
    });
    let url = download_url(text);
    // Closing gives the keyboard back to the file's entry in the list.
    let close = move || {
        open.set(None);
        name.with_value(|n| focus_entry("audit-file", n));
    };
    let title = name.get_value();
    let base = download_name(&title);
    view! {
        <div class="file-editor audit-open" data-testid="audit-open" role="group" aria-label=format!("File {title}")>
            <div class="file-editor-head">
                <span class="file-editor-name" data-testid="audit-open-name">{title.clone()}</span>
                <a
                    class="btn btn-small"
                    data-testid="audit-download"
                    href=move || url.get()
                    download=base.clone()
                    title="Download the file as it is on the host"
                >
                    "Download"
                </a>
                <button
                    class="btn btn-small btn-quiet"
                    data-testid="audit-close"
                    aria-label=format!("Close {title}")
                    on:click=move |_| close()
                >
                    "Close"
                </button>
            </div>
            {move || match kind.get() {
                Some(AuditFileKind::Secret) => view! {
                    <p class="panel-note" data-testid="audit-secret">
                        "The HSM's log secret, wrapped under the Auditor's domain. On an HSM whose Auditor has the \
                         same domain, "<code>{format!("audit import file {base}")}</code>
                        " lets it verify this HSM's log files."
                    </p>
                }
                .into_any(),
                _ => view! { <LogRecords name=name.get_value() text=text/> }.into_any(),
            }}
        </div>
    }
}

/// A log file's records: what the last verification says of the file, the category filter, and the table.
#[component]
fn LogRecords(name: String, text: Memo<String>) -> impl IntoView {
    let sim = expect_context::<Sim>();
    let audit = sim.audit;
    let name = StoredValue::new(name);
    // The last verification, if it was of this file and the file still holds what was verified.
    let verified = Memo::new(move |_| audit.with(|a| a.verified.clone().filter(|v| name.with_value(|n| &v.file == n))));
    let rows = Memo::new(move |_| text.with(|t| verified.with(|v| log_rows(t, v.as_ref()))));
    let category = RwSignal::new(None::<Category>);
    let matches = move |row: &LogRow, c: Option<Category>| {
        c.is_none_or(|c| row.record.as_ref().is_ok_and(|r| r.category == Some(c)))
    };
    let matching = Memo::new(move |_| {
        let c = category.get();
        rows.with(|r| r.iter().filter(|row| matches(row, c)).count())
    });
    let shown = Memo::new(move |_| {
        let c = category.get();
        rows.with(|r| r.iter().filter(|row| matches(row, c)).take(ROWS_SHOWN).cloned().collect::<Vec<_>>())
    });
    let summary = move || {
        let base = name.with_value(|n| download_name(n));
        if let Some(words) = verified.with(|v| v.as_ref().map(|v| rows.with(|r| verification_words(v, r)))) {
            return words;
        }
        let changed = audit.with(|a| name.with_value(|n| a.last_verified_file.as_deref() == Some(n.as_str())));
        if changed {
            format!(
                "This file changed since audit verify checked it, so its marks are gone: \
                 audit verify file {base} checks it again."
            )
        } else {
            format!("Not verified yet: as the Auditor, audit verify file {base} checks its records.")
        }
    };
    let state = move || {
        if verified.with(|v| v.as_ref().is_some_and(|v| v.report.failure.is_some())) {
            "failed"
        } else if verified.with(Option::is_some) {
            "verified"
        } else {
            "none"
        }
    };
    let label = name.with_value(|n| format!("Records of {n}"));

    view! {
        <p class="audit-verification" data-testid="audit-verification" data-state=state>
            {summary}
        </p>
        <div class="audit-tools">
            <label class="audit-filter">
                "Category"
                <select
                    data-testid="audit-category"
                    prop:value=move || category.get().map_or("all", Category::word)
                    on:change=move |ev| category.set(category_of(&event_target_value(&ev)))
                >
                    <option value="all">"All"</option>
                    {Category::ALL
                        .into_iter()
                        .map(|c| view! { <option value=c.word()>{c.word()}</option> })
                        .collect::<Vec<_>>()}
                </select>
            </label>
            <span class="audit-count" data-testid="audit-count">
                {move || {
                    let (all, matching) = (rows.with(Vec::len), matching.get());
                    if category.with(Option::is_none) {
                        format!("{all} lines")
                    } else {
                        format!("{matching} of {all} lines")
                    }
                }}
            </span>
        </div>
        <div class="audit-table-wrap" tabindex="0" role="region" aria-label=label>
            <table class="audit-table" data-testid="audit-records">
                <thead>
                    <tr>
                        <th scope="col" class="audit-seq">"Seq"</th>
                        <th scope="col" class="audit-time">"Time"</th>
                        <th scope="col">"Who"</th>
                        <th scope="col">"What"</th>
                        <th scope="col">"Result"</th>
                        <th scope="col" class="audit-mark-cell">"Verification"</th>
                    </tr>
                </thead>
                <tbody>
                    <For each=move || shown.get() key=|row| row.clone() let(row)>
                        {record_row(row)}
                    </For>
                </tbody>
            </table>
        </div>
        <Show when=move || { matching.get() > ROWS_SHOWN }>
            <p class="panel-note audit-hidden" data-testid="audit-hidden-rows">
                {move || {
                    let hidden = matching.get() - ROWS_SHOWN;
                    format!(
                        "The table shows the first {ROWS_SHOWN} of {} lines: {hidden} more are not shown. \
                         Download the file to read them all.",
                        matching.get()
                    )
                }}
            </p>
        </Show>
    }
}

/// The verification cell of a row: the mark as a symbol and a word (never colour alone), and for the
/// failed record what was done to it and why.
fn mark_cell(mark: Option<Mark>) -> impl IntoView {
    let (symbol, title) = match &mark {
        Some(Mark::Verified) => ("✓ ", "Proven authentic by the HMAC chain"),
        Some(Mark::Failed { .. }) => ("✗ ", "The first record the HMAC chain does not prove"),
        Some(Mark::Suspect) => ("! ", "After the failure: it cannot be trusted"),
        Some(Mark::Unchecked) => ("? ", "Nothing follows it on the host to check it against"),
        None => ("", "Not verified"),
    };
    let class = format!("audit-mark audit-mark-{}", mark.as_ref().map_or("none", Mark::word));
    let (words, reason) = match mark {
        None => ("—".to_string(), None),
        Some(Mark::Failed { tamper, reason }) => (format!("failed: {tamper}"), Some(reason)),
        Some(m) => (m.word().to_string(), None),
    };
    view! {
        <td class="audit-mark-cell" title=title>
            <span class=class>
                <span aria-hidden="true">{symbol}</span>
                {words}
            </span>
            {reason.map(|r| view! { <span class="audit-mark-why" data-testid="audit-failure-reason">{r}</span> })}
        </td>
    }
}

/// `text` with a line-break opportunity after each underscore and before each parenthesis, so that event
/// and return-code names ("LUNA_LOG_EXTERNAL", "LUNA_RET_OK(0x00000000)") wrap between their words in a
/// narrow column rather than anywhere; copied, the text is unchanged.
fn breakable(text: &str) -> Vec<impl IntoView> {
    let mut parts = Vec::new();
    let mut from = 0;
    for (i, c) in text.char_indices() {
        let cut = match c {
            '_' => i + 1,
            '(' => i,
            _ => continue,
        };
        parts.push(text[from..cut].to_string());
        from = cut;
    }
    parts.push(text[from..].to_string());
    parts.into_iter().map(|p| view! { {p}<wbr/> }).collect()
}

/// One row of the records table: a record, or a line that is not one (its What says why).
fn record_row(row: LogRow) -> impl IntoView {
    let mark = row.mark.as_ref().map(Mark::word);
    let class = format!("audit-row audit-row-{}", mark.unwrap_or("none"));
    let (seq, time, who, what, result, detail, category, not_record) = match row.record {
        Ok(r) => (Some(r.seq), r.time, r.who, r.what, r.result, r.detail, r.category, None),
        Err(why) => {
            let what = format!("Line {} is not a record: {why}.", row.line);
            (None, String::new(), String::new(), what, String::new(), String::new(), None, Some("true"))
        }
    };
    view! {
        <tr
            class=class
            data-testid="audit-record"
            data-seq=seq.map(|s| s.to_string())
            data-line=row.line.to_string()
            data-mark=mark
            data-category=category.map(Category::word)
            data-not-record=not_record
        >
            <th scope="row" class="audit-seq">{seq.map_or_else(|| "—".to_string(), |s| s.to_string())}</th>
            <td class="audit-time">{time}</td>
            <td class="audit-who">{who}</td>
            <td class="audit-what" class:audit-not-record=not_record.is_some()>
                {breakable(&what)}
                {(!detail.is_empty()).then(|| view! { <span class="audit-detail">{detail}</span> })}
            </td>
            <td class="audit-result">{breakable(&result)}</td>
            {mark_cell(row.mark)}
        </tr>
    }
}
