//! Policy template files: the HSM policy template of chapter 8 and the partition policy template (PPT).
//!
//! A template is exported from one unit and applied when initializing another. Both formats are plain
//! text: `#` lines are comments, a policy missing from the file (deleted or commented out) keeps its
//! default, and each line is checked by the same rules as a manual policy change. The description on
//! a line is for the reader only: a policy is identified by its number.

use super::{check_row, partition_conflicts, Policies, PolicyDef, Refusal, HSM, PARTITION};
use crate::retcode::{self, LunaRet};
use std::collections::BTreeMap;
use std::fmt;

/// Why a template cannot be applied: the first bad line, what is wrong with it, and the return code.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct TemplateError {
    /// 1-based line number; 0 when the fault belongs to no single line.
    pub line: usize,
    /// What is wrong, for the person who edited the file.
    pub message: String,
    /// The code the HSM would return for the same value in a policy change, or one chosen for a
    /// line that cannot be read (`LUNA_RET_DATA_INVALID`) or names a policy twice
    /// (`LUNA_RET_TEMPLATE_INCONSISTENT`).
    pub code: LunaRet,
}

impl fmt::Display for TemplateError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        if self.line > 0 {
            write!(f, "line {}: ", self.line)?;
        }
        write!(f, "{} ({})", self.message, self.code.name)
    }
}

impl std::error::Error for TemplateError {}

/// The HSM template header's firmware line comes first; the rest follows the guide's example.
const HSM_FIELD_FORMAT: &str = "# Field format - Policy ID:Policy Description:Policy Value";

/// The HSM policy template of the policies `policies`, as `hsm showpolicies -exporttemplate` writes it.
/// `source` is the HSM's label and serial number, or `None` for an uninitialized HSM, whose template
/// leaves the "Sourced from HSM" field blank. Only policies the HSM SO can set are written.
pub fn export_hsm(policies: &Policies, firmware: &str, source: Option<(&str, &str)>) -> String {
    let (label, serial) = source.unwrap_or(("", ""));
    let mut out = format!("# HSM Policy template FW Version {firmware}\n");
    out.push_str(format!("# Sourced from HSM: {label}, SN: {serial}").trim_end());
    out.push('\n');
    out.push_str(HSM_FIELD_FORMAT);
    out.push('\n');
    for def in HSM.iter().filter(|d| d.shown() && !d.display_only) {
        let name = def.policy.unwrap_or_default();
        let value = policies.get(def.id).unwrap_or(def.default);
        out.push_str(&format!("{}:\"{name}\":{value}\n", def.id));
    }
    out
}

/// Reads an HSM policy template: the HSM defaults, changed by each line of the file. Policies 0 and 1
/// stay 0: `hsm init` records the method it uses with [`Policies::set_auth`].
pub fn parse_hsm(text: &str) -> Result<Policies, TemplateError> {
    apply(HSM, Policies::hsm_defaults(), text, hsm_line).map(|(policies, _)| policies)
}

/// `6:"Allow masking":1`: the description may hold anything but the separators around it.
fn hsm_line(line: &str) -> Result<(u8, u32), Refusal> {
    let malformed = || Refusal::new(retcode::DATA_INVALID, "expected Policy ID:Policy Description:Policy Value");
    let (id, rest) = line.split_once(':').ok_or_else(malformed)?;
    let (_description, value) = rest.rsplit_once(':').ok_or_else(malformed)?;
    Ok((number_id(id)?, number_value(value)?))
}

/// The header fields of a partition policy template, supplied by LunaCM when it exports one.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub struct PptHeader<'a> {
    /// When the file was written, already formatted.
    pub created_on: &'a str,
    /// The LunaCM (client) version that wrote it.
    pub client_version: &'a str,
    /// The partition's label.
    pub label: &'a str,
    /// The partition's serial number.
    pub serial: &'a str,
    /// The HSM's firmware version.
    pub firmware: &'a str,
}

/// The partition policy template of `policies`, as `partition showpolicies -exporttemplate` writes it:
/// every partition policy, each with the table's destructiveness flags.
pub fn export_partition(policies: &Policies, header: &PptHeader<'_>) -> String {
    let mut out = String::from("# Partition Policy template\n#\n");
    out.push_str(&format!("# Created on: {}\n", header.created_on));
    out.push_str(&format!("# Created by LunaCM {}\n#\n", header.client_version));
    out.push_str("# Partition Info\n");
    out.push_str(&format!(
        "#   Label: {}   Serial: {}   Firmware: {}\n#\n",
        header.label, header.serial, header.firmware
    ));
    out.push_str("# Policy Description = Policy ID, Policy Value[, Off-to-On destructive, On-to-Off destructive]\n#\n");
    for def in PARTITION.iter().filter(|d| d.policy.is_some()) {
        let value = policies.get(def.id).unwrap_or(def.default);
        out.push_str(&format!(
            "{} = {},{value},{},{}\n",
            def.policy.unwrap_or_default(),
            def.id,
            u8::from(def.destructive.off_to_on()),
            u8::from(def.destructive.on_to_off())
        ));
    }
    out
}

/// Reads a partition policy template for a partition on the HSM whose policies are `hsm`: the
/// partition defaults on that HSM, changed by each line, then checked as a whole for the dependencies
/// between policies (so the order of the lines does not matter).
///
/// The destructiveness flags of a line must be 0 or 1 but are otherwise ignored: the table decides
/// which changes destroy objects, and a template cannot change that.
pub fn parse_partition(text: &str, hsm: &Policies) -> Result<Policies, TemplateError> {
    let (policies, lines) = apply(PARTITION, Policies::partition_defaults_for(hsm), text, ppt_line)?;
    // Blame a broken dependency on the last line that took part in it: that line completed the conflict.
    let first = partition_conflicts(&policies, hsm)
        .into_iter()
        .map(|c| (c.ids.iter().filter_map(|id| lines.get(id)).copied().max().unwrap_or(0), c.refusal))
        .min_by_key(|(line, _)| *line);
    match first {
        Some((line, r)) => Err(TemplateError { line, message: r.reason, code: r.code }),
        None => Ok(policies),
    }
}

/// `Allow private key cloning = 0,1,1,0`: description, then id, value and the two optional flags.
fn ppt_line(line: &str) -> Result<(u8, u32), Refusal> {
    let malformed = || {
        Refusal::new(
            retcode::DATA_INVALID,
            "expected Policy Description = Policy ID, Policy Value[, Off-to-On destructive, On-to-Off destructive]",
        )
    };
    let (_description, fields) = line.rsplit_once('=').ok_or_else(malformed)?;
    let fields: Vec<&str> = fields.split(',').map(str::trim).collect();
    match fields[..] {
        [id, value] => Ok((number_id(id)?, number_value(value)?)),
        [id, value, off_to_on, on_to_off] => {
            if [off_to_on, on_to_off].iter().any(|f| *f != "0" && *f != "1") {
                return Err(Refusal::new(retcode::DATA_INVALID, "destructiveness flags must be 0 or 1"));
            }
            Ok((number_id(id)?, number_value(value)?))
        }
        _ => Err(malformed()),
    }
}

fn number_id(text: &str) -> Result<u8, Refusal> {
    let text = text.trim();
    text.parse().map_err(|_| Refusal::new(retcode::RM_ELEMENT_ID_INVALID, format!("'{text}' is not a policy ID")))
}

fn number_value(text: &str) -> Result<u32, Refusal> {
    let text = text.trim();
    text.parse().map_err(|_| Refusal::new(retcode::RM_ELEMENT_VALUE_INVALID, format!("'{text}' is not a policy value")))
}

/// Applies every policy line of `text` to `start`, each checked on its own against `defs`. Returns the
/// policies and the line that set each one.
fn apply(
    defs: &[PolicyDef],
    start: Policies,
    text: &str,
    parse_line: fn(&str) -> Result<(u8, u32), Refusal>,
) -> Result<(Policies, BTreeMap<u8, usize>), TemplateError> {
    let mut policies = start.clone();
    let mut lines = BTreeMap::new();
    // `lines()` drops a trailing '\r' with the '\n', so files written on Windows read the same.
    for (index, raw) in text.lines().enumerate() {
        let line = raw.trim();
        if line.is_empty() || line.starts_with('#') {
            continue;
        }
        let number = index + 1;
        let fail = |r: Refusal| TemplateError { line: number, message: r.reason, code: r.code };
        let (id, value) = parse_line(line).map_err(fail)?;
        if let Some(earlier) = lines.insert(id, number) {
            return Err(fail(Refusal::new(
                retcode::TEMPLATE_INCONSISTENT,
                format!("policy {id} is already set on line {earlier}"),
            )));
        }
        // Each line is checked against the starting values so that `old` means the default.
        let change = check_row(defs, &start, id, value).map_err(fail)?;
        policies.set(&change);
    }
    Ok((policies, lines))
}

#[cfg(test)]
mod tests {
    use super::super::{check_partition_change, AuthMethod, Change};
    use super::*;
    #[cfg(target_arch = "wasm32")]
    use wasm_bindgen_test::wasm_bindgen_test as test;

    /// Chapter 8's example of a template exported from a factory-default HSM.
    const GUIDE_EXAMPLE: &str = "\
# HSM Policy template FW Version 7.7.2
# Sourced from HSM: myLunaUSB, SN: 556677
# Field format - Policy ID:Policy Description:Policy Value
6:\"Allow masking\":1
7:\"Allow cloning\":1
12:\"Allow non-FIPS algorithms\":1
15:\"SO can reset partition PIN\":0
16:\"Allow network replication\":1
21:\"Force user PIN change after set/reset\":1
22:\"Allow offboard storage\":1
25:\"Allow remote PED usage\":1
30:\"Allow unmasking\":1
33:\"Current maximum number of partitions\":1
37:\"Allow MofN\":1
43:\"Allow low level math acceleration\":1
49:\"Allow Partition Utilization Metrics\":0
56:\"Allow User Defined ECC Curves\":1
";

    const HEADER: PptHeader<'static> = PptHeader {
        created_on: "Mon Jun  2 10:00:00 2025",
        client_version: "10.9.0-62",
        label: "par1",
        serial: "1234567",
        firmware: "7.7.2",
    };

    fn hsm(auth: AuthMethod) -> Policies {
        let mut p = Policies::hsm_defaults();
        p.set_auth(Some(auth));
        p
    }

    fn with(mut p: Policies, id: u8, value: u32) -> Policies {
        p.set(&Change { id, old: 0, new: value, destructive: false });
        p
    }

    /// The error for `text`, which must fail.
    fn hsm_error(text: &str) -> TemplateError {
        parse_hsm(text).expect_err("the template should be refused")
    }

    #[test]
    fn hsm_export_of_the_defaults_is_the_guide_example() {
        let text = export_hsm(&hsm(AuthMethod::Multifactor), "7.7.2", Some(("myLunaUSB", "556677")));
        assert_eq!(text, GUIDE_EXAMPLE);
    }

    #[test]
    fn an_uninitialized_hsm_leaves_the_source_blank() {
        let text = export_hsm(&Policies::hsm_defaults(), "7.7.2", None);
        assert_eq!(text.lines().nth(1), Some("# Sourced from HSM: , SN:"));
        assert!(parse_hsm(&text).is_ok(), "the blank field is informational");
    }

    #[test]
    fn hsm_template_round_trips() {
        let p = with(with(Policies::hsm_defaults(), 15, 1), 49, 1);
        let text = export_hsm(&p, "7.7.2", Some(("a", "1")));
        assert!(text.contains("15:\"SO can reset partition PIN\":1\n"));
        assert_eq!(parse_hsm(&text), Ok(p));
        assert_eq!(parse_hsm(GUIDE_EXAMPLE), Ok(Policies::hsm_defaults()));
    }

    #[test]
    fn a_commented_or_deleted_line_takes_the_default() {
        let p = with(with(Policies::hsm_defaults(), 15, 1), 7, 0);
        let text = export_hsm(&p, "7.7.2", None).replace("15:\"SO", "#15:\"SO").replace("7:\"Allow cloning\":0\n", "");
        let parsed = parse_hsm(&text).unwrap();
        assert_eq!(parsed.get(15), Some(0));
        assert_eq!(parsed.get(7), Some(1));
    }

    #[test]
    fn crlf_spaces_and_any_description_are_accepted() {
        let text = "# comment\r\n\r\n   12 : \"anything at all\" : 0   \r\n";
        assert_eq!(parse_hsm(text).unwrap().get(12), Some(0));
    }

    #[test]
    fn hsm_template_errors_name_the_line_and_code() {
        let e = hsm_error("# x\n6:\"Allow masking\":1\n16:\"Allow network replication\":2\n");
        assert_eq!((e.line, e.code), (3, retcode::RM_ELEMENT_VALUE_INVALID));
        assert!(e.message.contains("0 to 1"), "{e}");

        let e = hsm_error("6:\"Allow masking\":on\n");
        assert_eq!((e.line, e.code), (1, retcode::RM_ELEMENT_VALUE_INVALID));

        let e = hsm_error("\n\n99:\"No such policy\":1\n");
        assert_eq!((e.line, e.code), (3, retcode::RM_ELEMENT_ID_INVALID));

        let e = hsm_error("6:\"Allow masking\":1\n35:\"Enable Single Domain\":1\n");
        assert_eq!((e.line, e.code), (2, retcode::RM_CONFIG_CHANGE_ILLEGAL));

        let e = hsm_error("1:\"PED-based authentication\":1\n");
        assert_eq!((e.line, e.code), (1, retcode::RM_POLICY_WRITE_RESTRICTED));

        let e = hsm_error("6 Allow masking 1\n");
        assert_eq!((e.line, e.code), (1, retcode::DATA_INVALID));

        let e = hsm_error("6:\"Allow masking\":1\n#\n6:\"Allow masking\":0\n");
        assert_eq!((e.line, e.code), (3, retcode::TEMPLATE_INCONSISTENT));
        assert_eq!(e.to_string(), "line 3: policy 6 is already set on line 1 (LUNA_RET_TEMPLATE_INCONSISTENT)");
    }

    #[test]
    fn ppt_export_has_the_header_and_one_line_per_policy() {
        let text = export_partition(&Policies::partition_defaults(), &HEADER);
        let lines: Vec<&str> = text.lines().collect();
        assert_eq!(lines[0], "# Partition Policy template");
        assert_eq!(lines[2], "# Created on: Mon Jun  2 10:00:00 2025");
        assert_eq!(lines[3], "# Created by LunaCM 10.9.0-62");
        assert_eq!(lines[6], "#   Label: par1   Serial: 1234567   Firmware: 7.7.2");
        assert!(lines.contains(&"Allow private key cloning = 0,1,1,0"));
        assert!(lines.contains(&"Max failed user logins allowed = 20,10,0,0"));
        assert!(lines.contains(&"Allow multipurpose keys = 10,1,0,1"));
        let policy_lines = lines.iter().filter(|l| !l.starts_with('#')).count();
        assert_eq!(policy_lines, PARTITION.len());
    }

    #[test]
    fn ppt_round_trips() {
        let h = hsm(AuthMethod::Multifactor);
        let p = with(with(with(Policies::partition_defaults(), 20, 3), 22, 1), 41, 1);
        let text = export_partition(&p, &HEADER);
        assert_eq!(parse_partition(&text, &h), Ok(p));
    }

    #[test]
    fn ppt_lines_may_omit_the_flags_and_the_flags_are_ignored() {
        let h = hsm(AuthMethod::Password);
        let p =
            parse_partition("Allow private key cloning = 0,0,0,0\r\nAllow raw RSA operations = 18, 0\n", &h).unwrap();
        assert_eq!((p.get(0), p.get(18)), (Some(0), Some(0)));
        // The file said turning 0 on is not destructive; the table still says it is.
        assert!(check_partition_change(&p, &h, 0, 1).unwrap().destructive);
        let e = parse_partition("Allow private key cloning = 0,0,2,0\n", &h).unwrap_err();
        assert_eq!((e.line, e.code), (1, retcode::DATA_INVALID));
    }

    #[test]
    fn ppt_errors_name_the_line_and_code() {
        let h = hsm(AuthMethod::Password);
        let e = parse_partition("# a\nMax failed user logins allowed = 20,11,0,0\n", &h).unwrap_err();
        assert_eq!((e.line, e.code), (2, retcode::RM_ELEMENT_VALUE_INVALID));
        let e = parse_partition("Something = 8,1,0,0\n", &h).unwrap_err();
        assert_eq!((e.line, e.code), (1, retcode::RM_ELEMENT_ID_INVALID));
        let e =
            parse_partition("Allow private key cloning = 0,1\nAllow secret key masking = 7,1,1,0\n", &h).unwrap_err();
        assert_eq!((e.line, e.code), (2, retcode::RM_CONFIG_CHANGE_ILLEGAL));
        let e = parse_partition("Allow activation = 22,1,0,0\n", &h).unwrap_err();
        assert_eq!((e.line, e.code), (1, retcode::CHALLENGE_REQUIRES_PED));
    }

    #[test]
    fn ppt_cloning_and_wrapping_conflict_is_blamed_on_the_later_line() {
        let h = hsm(AuthMethod::Password);
        let text = "# t\nAllow private key wrapping = 1,1,1,0\nAllow secret key cloning = 4,1\nAllow private key cloning = 0,1,1,0\n";
        let e = parse_partition(text, &h).unwrap_err();
        assert_eq!((e.line, e.code), (4, retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES));
        // Wrapping alone conflicts with the default of cloning: the wrapping line is to blame.
        let e = parse_partition("\nAllow private key wrapping = 1,1\n", &h).unwrap_err();
        assert_eq!((e.line, e.code), (2, retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES));
        // Order does not matter once the file as a whole is consistent.
        let ok = parse_partition("Allow private key wrapping = 1,1\nAllow private key cloning = 0,0\n", &h).unwrap();
        assert_eq!((ok.get(0), ok.get(1)), (Some(0), Some(1)));
    }

    #[test]
    fn ppt_cloning_follows_hsm_policy_7() {
        let mut h = hsm(AuthMethod::Password);
        h.set(&Change { id: 7, old: 1, new: 0, destructive: true });
        let p = parse_partition("# nothing set\n", &h).unwrap();
        assert_eq!((p.get(0), p.get(4)), (Some(0), Some(0)), "cloning starts off under HSM cloning off");
        let e = parse_partition("\n\nAllow secret key cloning = 4,1,1,0\n", &h).unwrap_err();
        assert_eq!((e.line, e.code), (3, retcode::RM_CONFIG_CHANGE_FAILS_DEPENDENCIES));
    }
}
