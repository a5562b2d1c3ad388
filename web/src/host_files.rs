//! What the host-files and audit panels share: a host file's text, sizes in words, download links to it,
//! reading a file uploaded from this computer, and giving the keyboard back to a file's entry in a list.

use hsm_core::host::FILE_MAX;
use leptos::prelude::*;
use wasm_bindgen::JsCast;

use crate::notice::Notice;
use crate::sim::Sim;
use hsm_core::view::HostFile;

/// The name a download gets: the last part of the host path ("/tmp/HSMPT" is saved as "HSMPT").
pub fn download_name(name: &str) -> String {
    let base = name.rsplit(['/', '\\']).next().unwrap_or_default().trim();
    if base.is_empty() {
        "file.txt".to_string()
    } else {
        base.to_string()
    }
}

/// "812 bytes", "1 byte", "12.5 KiB".
pub fn size_words(len: usize) -> String {
    match len {
        1 => "1 byte".to_string(),
        n if n < 10 * 1024 => format!("{n} bytes"),
        n => format!("{:.1} KiB", n as f64 / 1024.0),
    }
}

/// The text of host file `name` as it is now (empty once the file is gone).
pub fn file_text(files: RwSignal<Vec<HostFile>>, name: StoredValue<String>) -> Memo<String> {
    Memo::new(move |_| {
        name.with_value(|n| {
            files.with(|f| f.iter().find(|f| &f.name == n).map(|f| f.text.to_string()).unwrap_or_default())
        })
    })
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

/// Saves `text` as a download named `name`, through a link clicked once.
pub fn download(text: &str, name: &str) {
    let Some(url) = object_url(text) else { return };
    if let Ok(link) = document().create_element("a") {
        let _ = link.set_attribute("href", &url);
        let _ = link.set_attribute("download", name);
        if let Some(link) = link.dyn_ref::<web_sys::HtmlElement>() {
            link.click();
        }
    }
    // The download has its own copy once started: the URL can go with the next task.
    set_timeout(move || drop(web_sys::Url::revoke_object_url(&url)), std::time::Duration::from_secs(1));
}

/// A download link's `href` that always points at `text` as it is now: a new object URL when the text
/// changes, the old one released, and the last one released with the component.
pub fn download_url(text: Memo<String>) -> ReadSignal<Option<String>> {
    let url = RwSignal::new(None::<String>);
    Effect::new(move |_| {
        let next = text.with(|t| object_url(t));
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
    url.read_only()
}

/// Reads the file chosen in `input` as text and hands its name and text to `then`. The input is emptied,
/// so that the same file can be chosen again. A file larger than the host keeps, or one that is not text,
/// is refused with a notice.
pub fn read_chosen_file(input: &web_sys::HtmlInputElement, sim: Sim, then: impl FnOnce(String, String) + 'static) {
    let Some(file) = input.files().and_then(|list| list.get(0)) else { return };
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
            Some(text) => then(name, text),
            None => sim
                .notice
                .set(Some(Notice::warning(format!("'{name}' could not be read as text. It was not uploaded.")))),
        }
    });
}

/// Gives the keyboard to the button of the list entry with test id `test_id` and `data-name` `name`, once
/// the page has been redrawn.
pub fn focus_entry(test_id: &'static str, name: &str) {
    let name = name.to_string();
    request_animation_frame(move || {
        let Ok(items) = document().query_selector_all(&format!("[data-testid=\"{test_id}\"]")) else { return };
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
