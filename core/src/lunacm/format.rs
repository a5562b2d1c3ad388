//! Layout helpers shared by LunaCM commands.

use super::INDENT;
use crate::device::{AuthMethod, HsmInfo, PartitionInfo, SlotId};

/// Client version LunaCM reports in its banner.
pub const CLIENT_VERSION: &str = "10.9.0-62";

/// `        Name ->                 value`: the padded field layout of `slot list`.
pub fn field(name: &str, value: &str) -> String {
    format!("{INDENT}{:<24}{value}", format!("{name} ->")).trim_end().to_string()
}

/// The slot listing's `Configuration ->` text for the admin slot.
pub fn configuration(info: &HsmInfo) -> String {
    let auth = if info.auth == Some(AuthMethod::Multifactor) { "PED" } else { "PW" };
    format!("Luna HSM Admin Partition ({auth}) Key Export With Cloning Mode")
}

/// The slot listing's `Configuration ->` text for the application partition.
pub fn partition_configuration(info: &HsmInfo) -> String {
    let auth = if info.auth == Some(AuthMethod::Multifactor) { "PED" } else { "PW" };
    format!("Luna User Partition With SO ({auth}) Key Export With Cloning Mode")
}

/// The slot entry `slot list` and the banner print for the application partition.
pub fn partition_slot(p: &PartitionInfo, info: &HsmInfo) -> String {
    let lines = [
        field("Slot Id", &p.slot.to_string()),
        field("Label", &p.label),
        field("Serial Number", &p.serial),
        field("Model", &info.model),
        field("Firmware Version", &info.firmware),
        field("Bootloader Version", &info.bootloader),
        field("Configuration", &partition_configuration(info)),
        field("Slot Description", "User Token Slot"),
    ];
    lines.join("\n") + "\n"
}

/// Every slot's entry of every unit, unit by unit, each given with its admin slot: the application
/// partition's entry first, then the admin slot's, separated by a blank line.
pub fn units_slots(units: &[(SlotId, HsmInfo)]) -> String {
    let each: Vec<String> = units.iter().map(|(admin, info)| slots(*admin, info)).collect();
    each.join("\n")
}

/// Every slot's entry of one unit, the application partition's first, separated by a blank line.
pub fn slots(admin: u32, info: &HsmInfo) -> String {
    let mut s = String::new();
    if let Some(p) = &info.partition {
        s.push_str(&partition_slot(p, info));
        s.push('\n');
    }
    s.push_str(&admin_slot(admin, info));
    s
}

/// The slot entry `slot list` and the banner print for the admin slot.
pub fn admin_slot(slot: u32, info: &HsmInfo) -> String {
    let lines = [
        field("Slot Id", &slot.to_string()),
        field("Label", &info.label),
        field("Serial Number", &info.serial),
        field("Model", &info.model),
        field("Firmware Version", &info.firmware),
        field("Bootloader Version", &info.bootloader),
        field("Configuration", &configuration(info)),
        field("Slot Description", "Admin Token Slot"),
        field("HSM Status", &info.status.to_string()),
    ];
    lines.join("\n") + "\n"
}

/// The banner LunaCM prints when it starts, with the slot listing of every unit (each given with its
/// admin slot, unit 1 first).
pub fn banner(slot: u32, units: &[(SlotId, HsmInfo)]) -> String {
    format!(
        "lunacm (64-bit) v{CLIENT_VERSION}. Copyright (c) 2025 Thales Group. All rights reserved.\n\n\
         {INDENT}Available HSMs:\n\n{}\n\n{INDENT}Current Slot Id: {slot}\n\n",
        units_slots(units)
    )
}

/// Formats milliseconds since the epoch as LunaCM prints times: `Fri Nov 27 20:20:21 UTC 2026`.
pub fn http_date(ms: u64) -> String {
    let c = crate::calendar::civil(ms);
    const DAYS: [&str; 7] = ["Thu", "Fri", "Sat", "Sun", "Mon", "Tue", "Wed"];
    const MONTHS: [&str; 12] = ["Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug", "Sep", "Oct", "Nov", "Dec"];
    format!(
        "{} {} {:2} {:02}:{:02}:{:02} UTC {}",
        DAYS[c.weekday_from_thursday as usize],
        MONTHS[(c.month - 1) as usize],
        c.day,
        c.hour,
        c.minute,
        c.second,
        c.year
    )
}

#[cfg(test)]
mod tests {
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    #[test]
    fn dates_format_like_lunacm() {
        assert_eq!(http_date(0), "Thu Jan  1 00:00:00 UTC 1970");
        // 2024-11-27 20:20:21 UTC, the guide's sample time.
        assert_eq!(http_date(1_732_738_821_000), "Wed Nov 27 20:20:21 UTC 2024");
        assert_eq!(http_date(951_782_400_000), "Tue Feb 29 00:00:00 UTC 2000");
    }

    #[test]
    fn fields_align_values_at_one_column() {
        assert_eq!(field("Slot Id", "4"), "        Slot Id ->              4");
        assert_eq!(field("Bootloader Version", "1.6.0"), "        Bootloader Version ->   1.6.0");
        assert_eq!(field("Label", ""), "        Label ->");
    }
}
