//! Entry point of the browser app: mount [`app::App`] on the page body.

mod api;
mod app;
mod application;
mod audit;
mod cast;
mod confirm;
mod device;
mod embed;
mod environment;
mod files;
mod filestore;
mod history;
mod host_files;
mod ikeys;
mod instructor;
mod labs;
mod model;
mod notice;
mod persistence;
mod policies;
mod reset;
mod scorm;
mod sim;
mod terminal;
mod transcript;
mod update;
mod usb;
mod world_file;

fn main() {
    console_error_panic_hook::set_once();
    // The host files are read from IndexedDB before the app starts: it answers asynchronously.
    // `?embed`: a demo in a frame, with a world of its own; it reads nothing of the trainee's.
    if embed::param("embed").is_some() {
        leptos::mount::mount_to_body(embed::EmbedApp);
        return;
    }
    wasm_bindgen_futures::spawn_local(async {
        let opened = filestore::open_and_read().await;
        leptos::mount::mount_to_body(move || app::App(app::AppProps { opened }));
    });
}
