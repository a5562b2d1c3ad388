//! `ped vector init`: the orange Remote PED vector iKey.

use super::{info, require_admin_slot, Command};
use crate::device::{AuthMethod, Request, Role};
use crate::lunacm::{Ctx, Stop};
use crate::retcode;

pub const VECTOR_INIT: Command = Command {
    group: "ped",
    group_short: "ped",
    name: "vector init",
    short: "v i",
    summary: "Create the Remote PED vector (orange iKey)",
    options: &[],
    run: vector_init,
};

fn vector_init(ctx: &mut Ctx<'_>) -> Result<(), Stop> {
    require_admin_slot(ctx)?;
    let info = info(ctx)?;
    if info.auth != Some(AuthMethod::Multifactor) {
        return Err(Stop::Fail(
            retcode::OPERATION_RESTRICTED,
            Some("A Remote PED vector exists only on a multifactor quorum-authenticated HSM.".into()),
        ));
    }
    if info.logged_in != Some(Role::So) {
        return Err(Stop::Fail(retcode::USER_NOT_LOGGED_IN, Some("Log in as HSM SO first.".into())));
    }
    ctx.ped(Request::InitRpv, None)
}
