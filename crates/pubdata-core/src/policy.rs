//! The one policy point: pure functions that decide whether an actor may do an action.
//! Default deny — a function answers `Ok(Permit)` only on a rule that allows.
//!
//! Store writes take a `&Permit`, and a `Permit` can only be made here, so an action that
//! forgets its check does not compile. Later chapters (sharing, opening, sandbox, consent)
//! add their decisions here; the arguments grow (grants, consents, emergencies, purpose),
//! the shape does not.

use crate::Actor;
use crate::audit::Action;
use crate::role::Role;

/// Proof that the policy allowed `action`. Only this module can make one.
#[derive(Debug)]
pub struct Permit {
    action: Action,
}

impl Permit {
    pub fn action(&self) -> Action {
        self.action
    }
}

/// A refusal with its stable reason code (the `code` the caller sees).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Denied {
    /// Nobody is signed in.
    NotSignedIn,
    /// The actor lacks the role the action needs.
    RoleRequired,
    /// The target belongs to another unit.
    OtherOrg,
    /// The token's scope is `read`.
    ReadOnlyToken,
    /// A steward tried to grant a role that only the authority grants.
    RoleNotGrantable,
}

impl Denied {
    pub fn code(self) -> &'static str {
        match self {
            Denied::NotSignedIn => "not_signed_in",
            Denied::RoleRequired => "role_required",
            Denied::OtherOrg => "other_org",
            Denied::ReadOnlyToken => "read_only_token",
            Denied::RoleNotGrantable => "role_not_grantable",
        }
    }
}

pub type Decision = Result<Permit, Denied>;

fn permit(action: Action) -> Decision {
    Ok(Permit { action })
}

fn signed_in(actor: &Actor) -> Result<(), Denied> {
    if actor.is_signed_in() || actor.is_local_authority() {
        Ok(())
    } else {
        Err(Denied::NotSignedIn)
    }
}

fn writer(actor: &Actor) -> Result<(), Denied> {
    signed_in(actor)?;
    if actor.may_write() {
        Ok(())
    } else {
        Err(Denied::ReadOnlyToken)
    }
}

fn admin(actor: &Actor) -> Result<(), Denied> {
    if actor.is_local_authority() || actor.has_role(Role::PlatformAdmin) {
        Ok(())
    } else {
        Err(Denied::RoleRequired)
    }
}

fn staff(actor: &Actor) -> Result<(), Denied> {
    if actor.is_local_authority() || actor.roles().iter().any(|r| r.is_staff()) {
        Ok(())
    } else {
        Err(Denied::RoleRequired)
    }
}

/// Creating, changing, disabling units: the data authority only.
pub fn manage_orgs(actor: &Actor, action: Action) -> Decision {
    writer(actor)?;
    admin(actor)?;
    permit(action)
}

/// The list of units is known to every member of staff (they need it to address requests).
pub fn view_orgs(actor: &Actor, action: Action) -> Decision {
    signed_in(actor)?;
    staff(actor)?;
    permit(action)
}

/// Creating or changing a user of `target_org` with `roles`. The authority manages everyone;
/// a steward manages the stewards and members of its own unit.
pub fn manage_user(
    actor: &Actor,
    action: Action,
    target_org: Option<&str>,
    roles: &[Role],
) -> Decision {
    writer(actor)?;
    if admin(actor).is_ok() {
        return permit(action);
    }
    if !actor.has_role(Role::Steward) {
        return Err(Denied::RoleRequired);
    }
    if target_org.is_none() || target_org != actor.org_id() {
        return Err(Denied::OtherOrg);
    }
    if roles
        .iter()
        .any(|r| !matches!(r, Role::Steward | Role::Member))
    {
        return Err(Denied::RoleNotGrantable);
    }
    permit(action)
}

/// Reading users: the authority and auditors see all; a steward sees its own unit.
/// `org_filter` is the unit the caller restricts to (None = all).
pub fn view_users(actor: &Actor, action: Action, org_filter: Option<&str>) -> Decision {
    signed_in(actor)?;
    if admin(actor).is_ok() || actor.has_role(Role::Auditor) {
        return permit(action);
    }
    if actor.has_role(Role::Steward) {
        return if org_filter.is_some() && org_filter == actor.org_id() {
            permit(action)
        } else {
            Err(Denied::OtherOrg)
        };
    }
    Err(Denied::RoleRequired)
}

/// A signed-in user's own things: its tokens, its password, its home page.
pub fn own_account(actor: &Actor, action: Action, writes: bool) -> Decision {
    if !actor.is_signed_in() {
        return Err(Denied::NotSignedIn);
    }
    if writes && !actor.may_write() {
        return Err(Denied::ReadOnlyToken);
    }
    permit(action)
}

/// Issuing a token for any user: operators at the command line only.
pub fn issue_token_for_user(actor: &Actor, action: Action) -> Decision {
    if actor.is_local_authority() {
        permit(action)
    } else {
        Err(Denied::RoleRequired)
    }
}

/// Editing the working-day calendar: the authority.
pub fn edit_calendar(actor: &Actor, action: Action) -> Decision {
    manage_orgs(actor, action)
}

/// Viewing the calendar's listed days: any member of staff.
pub fn view_calendar(actor: &Actor, action: Action) -> Decision {
    view_orgs(actor, action)
}

/// Reading the audit log's entries: auditors and the authority (and operators). Proofs and
/// checkpoints are public and need no decision. Later: a person, for the entries about their
/// own records.
pub fn view_audit_log(actor: &Actor, action: Action) -> Decision {
    signed_in(actor)?;
    if admin(actor).is_ok() || actor.has_role(Role::Auditor) {
        permit(action)
    } else {
        Err(Denied::RoleRequired)
    }
}

/// Signing a checkpoint on request, rotating the log's key, exporting the log: the authority.
pub fn manage_audit_log(actor: &Actor, action: Action) -> Decision {
    manage_orgs(actor, action)
}

/// Writing a unit's catalog (its resources, its information systems, its review tasks):
/// the authority for any unit, a steward for its own.
pub fn edit_catalog(actor: &Actor, action: Action, provider_org: &str) -> Decision {
    writer(actor)?;
    if admin(actor).is_ok() {
        return permit(action);
    }
    if !actor.has_role(Role::Steward) {
        return Err(Denied::RoleRequired);
    }
    if actor.org_id() != Some(provider_org) {
        return Err(Denied::OtherOrg);
    }
    permit(action)
}

/// Approving or returning catalog entries and information systems, setting the deadline
/// rules: the authority.
pub fn review_catalog(actor: &Actor, action: Action) -> Decision {
    manage_orgs(actor, action)
}

/// Reading one catalog entry (or system): a published one by any member of staff; a draft,
/// submitted, returned or withdrawn one by its own unit, the authority and auditors.
pub fn view_catalog_entry(
    actor: &Actor,
    action: Action,
    provider_org: &str,
    published: bool,
) -> Decision {
    signed_in(actor)?;
    staff(actor)?;
    if published || sees_whole_catalog(actor) || actor.org_id() == Some(provider_org) {
        permit(action)
    } else {
        Err(Denied::OtherOrg)
    }
}

/// Searching the catalog: any member of staff. What a search shows follows
/// [`view_catalog_entry`]: see [`sees_whole_catalog`].
pub fn search_catalog(actor: &Actor, action: Action) -> Decision {
    signed_in(actor)?;
    staff(actor)?;
    permit(action)
}

/// Reading the catalog work of one unit (`Some`) or of all (`None`): review tasks,
/// unpublished entries. A unit's own staff, the authority and auditors.
pub fn view_unit_catalog(actor: &Actor, action: Action, org: Option<&str>) -> Decision {
    signed_in(actor)?;
    staff(actor)?;
    if sees_whole_catalog(actor) || (org.is_some() && org == actor.org_id()) {
        permit(action)
    } else {
        Err(Denied::OtherOrg)
    }
}

/// Whether the actor sees every unit's unpublished entries (the authority, auditors).
pub fn sees_whole_catalog(actor: &Actor) -> bool {
    admin(actor).is_ok() || actor.has_role(Role::Auditor)
}

/// Sending a batch of a unit's data (upload, push): the authority, or a steward or member of
/// the providing unit (a unit's system pushes with a member's write token).
pub fn supply_data(actor: &Actor, action: Action, provider_org: &str) -> Decision {
    writer(actor)?;
    if admin(actor).is_ok() {
        return permit(action);
    }
    if !(actor.has_role(Role::Steward) || actor.has_role(Role::Member)) {
        return Err(Denied::RoleRequired);
    }
    if actor.org_id() != Some(provider_org) {
        return Err(Denied::OtherOrg);
    }
    permit(action)
}

/// Reading a unit's own data as its provider sees it (batches, rejected rows, records with
/// their history, its versions): the unit's staff, the authority and auditors. Others read
/// records through sharing and opening, under their own rules.
pub fn view_unit_data(actor: &Actor, action: Action, provider_org: &str) -> Decision {
    view_unit_catalog(actor, action, Some(provider_org))
}

/// Publishing a data version, choosing automatic publication: as for the unit's catalog.
pub fn publish_data(actor: &Actor, action: Action, provider_org: &str) -> Decision {
    edit_catalog(actor, action, provider_org)
}

/// Registering and switching pull sources (they hold a unit's database credentials): the
/// authority.
pub fn manage_pull_sources(actor: &Actor, action: Action) -> Decision {
    manage_orgs(actor, action)
}

/// Public registration, sign-in and other doors that anyone may knock on.
pub fn anyone(action: Action) -> Decision {
    permit(action)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::actor::{Channel, TokenScope, UserRef};

    fn user(roles: &[Role], org: Option<&str>, scope: Option<TokenScope>) -> Actor {
        Actor::user(
            UserRef {
                user_id: "u1".into(),
                username: "u".into(),
                org_id: org.map(str::to_owned),
                roles: roles.to_vec(),
            },
            if scope.is_some() {
                Channel::Api
            } else {
                Channel::Web
            },
            scope,
            "req",
        )
    }

    /// One line a case: who, what, expected outcome.
    fn check(actor: &Actor, decision: Decision, expected: Result<(), Denied>, case: &str) {
        let _ = actor;
        assert_eq!(decision.map(|_| ()), expected, "{case}");
    }

    #[test]
    fn unit_administration_is_for_the_authority_only() {
        let a = Action::CreateOrg;
        let anon = Actor::anonymous(Channel::Api, "r");
        let admin = user(&[Role::PlatformAdmin], Some("auth"), None);
        let admin_ro = user(&[Role::PlatformAdmin], Some("auth"), Some(TokenScope::Read));
        let steward = user(&[Role::Steward], Some("water"), None);
        let op = Actor::operator("r");
        check(
            &anon,
            manage_orgs(&anon, a),
            Err(Denied::NotSignedIn),
            "anonymous",
        );
        check(&admin, manage_orgs(&admin, a), Ok(()), "admin");
        check(
            &admin_ro,
            manage_orgs(&admin_ro, a),
            Err(Denied::ReadOnlyToken),
            "read token",
        );
        check(
            &steward,
            manage_orgs(&steward, a),
            Err(Denied::RoleRequired),
            "steward",
        );
        check(&op, manage_orgs(&op, a), Ok(()), "operator");
    }

    #[test]
    fn stewards_manage_only_their_own_units_stewards_and_members() {
        let a = Action::CreateUser;
        let s = user(&[Role::Steward], Some("water"), None);
        let m = user(&[Role::Member], Some("water"), None);
        let admin = user(&[Role::PlatformAdmin], Some("auth"), None);
        use Role::*;
        check(
            &s,
            manage_user(&s, a, Some("water"), &[Member]),
            Ok(()),
            "own member",
        );
        check(
            &s,
            manage_user(&s, a, Some("water"), &[Steward, Member]),
            Ok(()),
            "own steward",
        );
        check(
            &s,
            manage_user(&s, a, Some("power"), &[Member]),
            Err(Denied::OtherOrg),
            "other",
        );
        check(
            &s,
            manage_user(&s, a, None, &[Public]),
            Err(Denied::OtherOrg),
            "public user",
        );
        check(
            &s,
            manage_user(&s, a, Some("water"), &[Auditor]),
            Err(Denied::RoleNotGrantable),
            "auditor role",
        );
        check(
            &s,
            manage_user(&s, a, Some("water"), &[PlatformAdmin]),
            Err(Denied::RoleNotGrantable),
            "admin role",
        );
        check(
            &m,
            manage_user(&m, a, Some("water"), &[Member]),
            Err(Denied::RoleRequired),
            "member",
        );
        check(
            &admin,
            manage_user(&admin, a, Some("power"), &[Auditor]),
            Ok(()),
            "admin",
        );
    }

    #[test]
    fn user_lists_follow_the_unit_for_stewards() {
        let a = Action::ListUsers;
        let s = user(&[Role::Steward], Some("water"), None);
        let aud = user(&[Role::Auditor], Some("auth"), None);
        let m = user(&[Role::Member], Some("water"), None);
        check(&s, view_users(&s, a, Some("water")), Ok(()), "own unit");
        check(
            &s,
            view_users(&s, a, None),
            Err(Denied::OtherOrg),
            "all units",
        );
        check(&aud, view_users(&aud, a, None), Ok(()), "auditor");
        check(
            &m,
            view_users(&m, a, Some("water")),
            Err(Denied::RoleRequired),
            "member",
        );
    }

    #[test]
    fn the_audit_log_is_read_by_auditors_and_the_authority_and_kept_by_the_authority() {
        let r = Action::ListAuditEntries;
        let w = Action::RotateAuditKey;
        let aud = user(&[Role::Auditor], Some("auth"), None);
        let admin = user(&[Role::PlatformAdmin], Some("auth"), None);
        let s = user(&[Role::Steward], Some("water"), None);
        let anon = Actor::anonymous(Channel::Web, "r");
        let op = Actor::operator("r");
        check(&aud, view_audit_log(&aud, r), Ok(()), "auditor reads");
        check(&admin, view_audit_log(&admin, r), Ok(()), "admin reads");
        check(&op, view_audit_log(&op, r), Ok(()), "operator reads");
        check(
            &s,
            view_audit_log(&s, r),
            Err(Denied::RoleRequired),
            "steward",
        );
        check(
            &anon,
            view_audit_log(&anon, r),
            Err(Denied::NotSignedIn),
            "anonymous",
        );
        check(&admin, manage_audit_log(&admin, w), Ok(()), "admin rotates");
        check(
            &aud,
            manage_audit_log(&aud, w),
            Err(Denied::RoleRequired),
            "auditor rotates",
        );
        check(&op, manage_audit_log(&op, w), Ok(()), "operator rotates");
    }

    #[test]
    fn own_account_needs_a_user_and_a_writing_scope_for_changes() {
        let a = Action::CreateToken;
        let ro = user(&[Role::Member], Some("water"), Some(TokenScope::Read));
        let op = Actor::operator("r");
        check(
            &ro,
            own_account(&ro, a, true),
            Err(Denied::ReadOnlyToken),
            "read token writes",
        );
        check(
            &ro,
            own_account(&ro, Action::ListTokens, false),
            Ok(()),
            "read token reads",
        );
        check(
            &op,
            own_account(&op, a, true),
            Err(Denied::NotSignedIn),
            "operator has no account",
        );
        let public = user(&[Role::Public], None, None);
        check(
            &public,
            view_orgs(&public, Action::ListOrgs),
            Err(Denied::RoleRequired),
            "public",
        );
    }

    #[test]
    fn a_units_catalog_is_written_by_its_stewards_and_the_authority() {
        let a = Action::CreateResource;
        let admin = user(&[Role::PlatformAdmin], Some("auth"), None);
        let steward = user(&[Role::Steward], Some("water"), None);
        let steward_ro = user(&[Role::Steward], Some("water"), Some(TokenScope::Read));
        let member = user(&[Role::Member], Some("water"), None);
        let auditor = user(&[Role::Auditor], Some("audit"), None);
        let anon = Actor::anonymous(Channel::Web, "r");
        check(
            &admin,
            edit_catalog(&admin, a, "water"),
            Ok(()),
            "admin, any unit",
        );
        check(
            &steward,
            edit_catalog(&steward, a, "water"),
            Ok(()),
            "own steward",
        );
        check(
            &steward,
            edit_catalog(&steward, a, "bus"),
            Err(Denied::OtherOrg),
            "other unit",
        );
        check(
            &steward_ro,
            edit_catalog(&steward_ro, a, "water"),
            Err(Denied::ReadOnlyToken),
            "read token",
        );
        check(
            &member,
            edit_catalog(&member, a, "water"),
            Err(Denied::RoleRequired),
            "member",
        );
        check(
            &auditor,
            edit_catalog(&auditor, a, "water"),
            Err(Denied::RoleRequired),
            "auditor",
        );
        check(
            &anon,
            edit_catalog(&anon, a, "water"),
            Err(Denied::NotSignedIn),
            "anonymous",
        );
        check(
            &steward,
            review_catalog(&steward, Action::ApproveResource),
            Err(Denied::RoleRequired),
            "steward approving",
        );
        check(
            &admin,
            review_catalog(&admin, Action::ApproveResource),
            Ok(()),
            "admin approving",
        );

        let g = Action::GetResource;
        check(
            &member,
            view_catalog_entry(&member, g, "bus", true),
            Ok(()),
            "published, other unit",
        );
        check(
            &member,
            view_catalog_entry(&member, g, "bus", false),
            Err(Denied::OtherOrg),
            "draft, other unit",
        );
        check(
            &member,
            view_catalog_entry(&member, g, "water", false),
            Ok(()),
            "draft, own unit",
        );
        check(
            &auditor,
            view_catalog_entry(&auditor, g, "bus", false),
            Ok(()),
            "draft, auditor",
        );
        check(
            &anon,
            view_catalog_entry(&anon, g, "bus", true),
            Err(Denied::NotSignedIn),
            "anonymous",
        );
        assert!(sees_whole_catalog(&admin) && sees_whole_catalog(&auditor));
        assert!(!sees_whole_catalog(&steward));
    }
}
