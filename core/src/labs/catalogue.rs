//! Every lab of `labs/` at the repository root, embedded so that every front end has them.

use super::{parse, Lab, LabError};

/// The lab files: file name and text, in the order a trainee takes them.
pub const FILES: &[(&str, &str)] = &[
    ("01-receive-new-unit.toml", include_str!("../../../labs/01-receive-new-unit.toml")),
    ("02-hard-init-password.toml", include_str!("../../../labs/02-hard-init-password.toml")),
    ("03-hard-init-ikeys.toml", include_str!("../../../labs/03-hard-init-ikeys.toml")),
    ("04-bad-so-logins.toml", include_str!("../../../labs/04-bad-so-logins.toml")),
    ("05-zeroize-vs-factory-reset.toml", include_str!("../../../labs/05-zeroize-vs-factory-reset.toml")),
    ("06-partition-and-crypto-officer.toml", include_str!("../../../labs/06-partition-and-crypto-officer.toml")),
    ("07-crypto-officer-lockout.toml", include_str!("../../../labs/07-crypto-officer-lockout.toml")),
    ("08-policy-template.toml", include_str!("../../../labs/08-policy-template.toml")),
    ("09-lost-ikey-split.toml", include_str!("../../../labs/09-lost-ikey-split.toml")),
];

/// Every lab, parsed; a broken file is reported with its name.
pub fn labs() -> Result<Vec<Lab>, LabError> {
    FILES.iter().map(|(name, text)| parse(text).map_err(|e| LabError(format!("{name}: {e}")))).collect()
}

/// The lab with this id.
pub fn find(id: &str) -> Option<Lab> {
    FILES.iter().filter_map(|(_, text)| parse(text).ok()).find(|l| l.id == id)
}
