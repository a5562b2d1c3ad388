//! `ped vector init`: the orange Remote PED vector iKey.

use super::{authorize, require_admin_slot, Command};
use crate::device::{Action, Request};
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
    authorize(ctx, Action::InitRpv).map_err(|e| match e {
        Stop::Fail(code, _) if code == retcode::OPERATION_RESTRICTED => {
            Stop::Fail(code, Some("A Remote PED vector exists only on a multifactor quorum-authenticated HSM.".into()))
        }
        Stop::Fail(code, _) if code == retcode::USER_NOT_LOGGED_IN => {
            Stop::Fail(code, Some("Log in as HSM SO first.".into()))
        }
        e => e,
    })?;
    ctx.ped(Request::InitRpv, None)
}
