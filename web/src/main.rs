//! Entry point of the browser app: mount [`app::App`] on the page body.

mod app;
mod audit;
mod confirm;
mod device;
mod files;
mod history;
mod host_files;
mod ikeys;
mod labs;
mod model;
mod notice;
mod persistence;
mod policies;
mod reset;
mod sim;
mod terminal;
mod transcript;

fn main() {
    console_error_panic_hook::set_once();
    leptos::mount::mount_to_body(app::App);
}
