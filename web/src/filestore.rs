//! The host's files in the browser's IndexedDB, one record per file, kept apart from the world in
//! localStorage: a world whose audit logs hold tens of thousands of records is far beyond what
//! localStorage holds, and saving a line then writes only the files it changed, not all of them.
//!
//! IndexedDB answers through events; each request here is wrapped in a Promise and awaited.

use std::collections::BTreeMap;

use js_sys::{Array, Promise};
use wasm_bindgen::prelude::*;
use wasm_bindgen::JsCast;
use wasm_bindgen_futures::JsFuture;
use web_sys::{IdbDatabase, IdbOpenDbRequest, IdbRequest, IdbTransaction, IdbTransactionMode};

/// The database, its version and its one object store (key: the file's name, value: its text).
const DB_NAME: &str = "luna-usb-hsm7-sim";
const DB_VERSION: u32 = 1;
const STORE: &str = "files";

/// The message of a failed request or transaction (a DOMException: quota exceeded, blocked...).
fn reason(value: &JsValue) -> String {
    if let Some(e) = value.dyn_ref::<web_sys::DomException>() {
        return format!("{}: {}", e.name(), e.message());
    }
    if let Some(e) = value.dyn_ref::<js_sys::Error>() {
        return String::from(e.message());
    }
    value.as_string().unwrap_or_else(|| "IndexedDB refused the request".to_string())
}

/// Awaits a request's `success` (its result) or `error`.
async fn request(req: &IdbRequest) -> Result<JsValue, String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let ok_req = req.clone();
        let on_success = Closure::once_into_js(move || {
            let _ = resolve.call1(&JsValue::UNDEFINED, &ok_req.result().unwrap_or(JsValue::UNDEFINED));
        });
        let err_req = req.clone();
        let on_error = Closure::once_into_js(move || {
            let error = err_req.error().ok().flatten().map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        });
        req.set_onsuccess(Some(on_success.unchecked_ref()));
        req.set_onerror(Some(on_error.unchecked_ref()));
    });
    JsFuture::from(promise).await.map_err(|e| reason(&e))
}

/// Awaits a transaction's `complete`, or its `error`/`abort`.
async fn finished(tx: &IdbTransaction) -> Result<(), String> {
    let promise = Promise::new(&mut |resolve, reject| {
        let on_complete = Closure::once_into_js(move || {
            let _ = resolve.call0(&JsValue::UNDEFINED);
        });
        let failed = tx.clone();
        let reject_too = reject.clone();
        let on_error = Closure::once_into_js(move || {
            let error = failed.error().map(JsValue::from).unwrap_or(JsValue::UNDEFINED);
            let _ = reject.call1(&JsValue::UNDEFINED, &error);
        });
        let aborted = tx.clone();
        let on_abort = Closure::once_into_js(move || {
            let error = aborted.error().map(JsValue::from).unwrap_or_else(|| "the transaction was aborted".into());
            let _ = reject_too.call1(&JsValue::UNDEFINED, &error);
        });
        tx.set_oncomplete(Some(on_complete.unchecked_ref()));
        tx.set_onerror(Some(on_error.unchecked_ref()));
        tx.set_onabort(Some(on_abort.unchecked_ref()));
    });
    JsFuture::from(promise).await.map(|_| ()).map_err(|e| reason(&e))
}

/// Opens (creating on first use) the database.
pub async fn open() -> Result<IdbDatabase, String> {
    let factory = web_sys::window()
        .and_then(|w| w.indexed_db().ok().flatten())
        .ok_or("this browser gives the page no IndexedDB")?;
    let open: IdbOpenDbRequest = factory.open_with_u32(DB_NAME, DB_VERSION).map_err(|e| reason(&e))?;
    let upgrading = open.clone();
    let on_upgrade = Closure::once_into_js(move || {
        if let Ok(db) = upgrading.result().and_then(|r| r.dyn_into::<IdbDatabase>()) {
            if !db.object_store_names().contains(STORE) {
                let _ = db.create_object_store(STORE);
            }
        }
    });
    open.set_onupgradeneeded(Some(on_upgrade.unchecked_ref()));
    let db = request(&open).await?;
    db.dyn_into::<IdbDatabase>().map_err(|_| "IndexedDB did not give a database".to_string())
}

/// Every file in the store, by name.
pub async fn read_all(db: &IdbDatabase) -> Result<BTreeMap<String, String>, String> {
    let tx = db.transaction_with_str(STORE).map_err(|e| reason(&e))?;
    let store = tx.object_store(STORE).map_err(|e| reason(&e))?;
    let keys = request(&store.get_all_keys().map_err(|e| reason(&e))?).await?;
    let values = request(&store.get_all().map_err(|e| reason(&e))?).await?;
    let (keys, values) = (Array::from(&keys), Array::from(&values));
    let mut files = BTreeMap::new();
    for i in 0..keys.length() {
        if let (Some(name), Some(text)) = (keys.get(i).as_string(), values.get(i).as_string()) {
            files.insert(name, text);
        }
    }
    Ok(files)
}

/// Writes (`Some(text)`, a string as the worker sent it) or deletes (`None`) files, all in one
/// transaction: all of them are written, or none.
pub async fn write(db: &IdbDatabase, changes: Vec<(String, Option<JsValue>)>) -> Result<(), String> {
    let tx = db.transaction_with_str_and_mode(STORE, IdbTransactionMode::Readwrite).map_err(|e| reason(&e))?;
    let store = tx.object_store(STORE).map_err(|e| reason(&e))?;
    for (name, text) in changes {
        let key = JsValue::from_str(&name);
        match text {
            Some(text) => store.put_with_key(&text, &key),
            None => store.delete(&key),
        }
        .map_err(|e| reason(&e))?;
    }
    finished(&tx).await
}

/// The file store as the page found it when it opened.
#[derive(Clone)]
pub struct Opened {
    /// The database, when the browser gives one and it could be read.
    pub db: Option<IdbDatabase>,
    /// The files it held.
    pub files: BTreeMap<String, String>,
    /// Why there is no database, if there is none.
    pub problem: Option<String>,
}

/// Opens the database and reads every file, before the app starts.
pub async fn open_and_read() -> Opened {
    let db = match open().await {
        Ok(db) => db,
        Err(problem) => return Opened { db: None, files: BTreeMap::new(), problem: Some(problem) },
    };
    match read_all(&db).await {
        Ok(files) => Opened { db: Some(db), files, problem: None },
        Err(problem) => Opened { db: None, files: BTreeMap::new(), problem: Some(problem) },
    }
}
