//! The touchscreen and the iKey port (chapter 4): ceremonies that create and present keysets, the Admin
//! tab, and what the screen shows.

mod admin;
mod button;
mod ceremony;
mod screen;

pub use admin::Admin;
pub use button::{Button, KEYPAD};
pub use ceremony::{check_pin, Ceremony, Failure, Input, KeysetRecord, Progress, Step, IKEY_TIMEOUT_MS};
pub use screen::Screen;
