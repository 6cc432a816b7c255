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
    /// A read of shared data without a stated purpose (`X-Purpose`).
    PurposeRequired,
    /// The resource is not shared (不予共享) under the class in force.
    NotShared,
    /// Conditional data, and the caller's unit holds no grant for it.
    GrantRequired,
    GrantSuspended,
    GrantRevoked,
    GrantExpired,
    /// The grant's period has not begun.
    GrantNotStarted,
    /// The grant was made under an emergency's raised class, and the emergency is over.
    EmergencyEnded,
    /// The data is not open (不予开放), or no longer on the open list.
    NotOpen,
    /// The open records API needs a developer key.
    ApiKeyRequired,
    /// Conditional open data, and the caller holds no agreement in force for it.
    AgreementRequired,
}

impl Denied {
    pub fn code(self) -> &'static str {
        match self {
            Denied::NotSignedIn => "not_signed_in",
            Denied::RoleRequired => "role_required",
            Denied::OtherOrg => "other_org",
            Denied::ReadOnlyToken => "read_only_token",
            Denied::RoleNotGrantable => "role_not_grantable",
            Denied::PurposeRequired => "purpose_required",
            Denied::NotShared => "not_shared",
            Denied::GrantRequired => "grant_required",
            Denied::GrantSuspended => "grant_suspended",
            Denied::GrantRevoked => "grant_revoked",
            Denied::GrantExpired => "grant_expired",
            Denied::GrantNotStarted => "grant_not_started",
            Denied::EmergencyEnded => "emergency_ended",
            Denied::NotOpen => "not_open",
            Denied::ApiKeyRequired => "api_key_required",
            Denied::AgreementRequired => "agreement_required",
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

/// Whether the actor acts for a unit as its staff (a steward, member or the authority's
/// administrator with a unit): who may consume shared data and file share requests.
fn unit_staff(actor: &Actor) -> Result<&str, Denied> {
    signed_in(actor)?;
    let org = actor.org_id().ok_or(Denied::RoleRequired)?;
    if actor.has_role(Role::Steward)
        || actor.has_role(Role::Member)
        || actor.has_role(Role::PlatformAdmin)
    {
        Ok(org)
    } else {
        Err(Denied::RoleRequired)
    }
}

/// Filing a share request (or a dispute of its refusal) for the actor's own unit: a steward
/// or member. Whether the resource may be requested at all is the action's check.
pub fn request_share(actor: &Actor, action: Action) -> Result<(Permit, &str), Denied> {
    writer(actor)?;
    let org = unit_staff(actor)?;
    Ok((Permit { action }, org))
}

/// The conformity check of a share request, the coordination of a dispute, declaring and
/// ending emergencies: the authority.
pub fn coordinate_sharing(actor: &Actor, action: Action) -> Decision {
    manage_orgs(actor, action)
}

/// The provider's reply to a share request, suspending or revoking a grant of its data,
/// answering an objection to its records: the provider's stewards, or the authority.
pub fn answer_as_provider(actor: &Actor, action: Action, provider_org: &str) -> Decision {
    edit_catalog(actor, action, provider_org)
}

/// Reading share requests and grants of one unit (as requester or provider), or of all
/// (`None`): the unit's staff, the authority and auditors.
pub fn view_sharing(actor: &Actor, action: Action, org: Option<&str>) -> Decision {
    view_unit_catalog(actor, action, org)
}

/// Flagging a record as wrong: any signed-in reader with a writing scope (the record's
/// visibility to the reader is the action's check).
pub fn object_to_record(actor: &Actor, action: Action) -> Decision {
    writer(actor)?;
    permit(action)
}

/// A grant as the sharing decision sees it (its state already taken at the time of reading).
#[derive(Debug, Clone, Copy)]
pub struct GrantCheck<'a> {
    pub id: &'a str,
    pub state: crate::sharing::GrantStatus,
    pub fields: &'a [String],
    pub raw_fields: &'a [String],
    /// Made under an emergency's raised class: whether that emergency is still in force.
    pub emergency: Option<(&'a str, bool)>,
}

/// What [`read_shared`] looks at: the resource's provider, its class in force (after any
/// emergency, named when one raised it), and the reader's unit's best grant for it.
#[derive(Debug, Clone, Copy)]
pub struct ShareCheck<'a> {
    pub provider_org: &'a str,
    pub class: crate::catalog::ShareAttr,
    pub raised_by: Option<&'a str>,
    pub grant: Option<GrantCheck<'a>>,
}

/// Why a shared read was allowed: what the audit entry records beside the permit.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Basis<'a> {
    /// The unit's own resource.
    Own,
    /// Unconditional data (perhaps raised to it by an emergency).
    Unconditional { emergency: Option<&'a str> },
    /// Under a grant (perhaps one made under an emergency).
    Grant {
        id: &'a str,
        emergency: Option<&'a str>,
    },
}

/// A shared read's permit, its basis and the fields it releases.
#[derive(Debug)]
pub struct SharePermit<'a> {
    pub permit: Permit,
    pub basis: Basis<'a>,
    pub scope: crate::sharing::view::Scope<'a>,
}

/// Reading another unit's records through the sharing API (DESIGN.md §4). Default deny, deny
/// wins: a stated purpose always; a unit reads its own data whole; nothing of a resource
/// `not_shared` under the class in force; an active grant releases its fields; unconditional
/// data releases every field (masked by grade); otherwise the grant's state says why not.
pub fn read_shared<'a>(
    actor: &Actor,
    action: Action,
    check: &ShareCheck<'a>,
) -> Result<SharePermit<'a>, Denied> {
    use crate::catalog::ShareAttr;
    use crate::sharing::GrantStatus;
    use crate::sharing::view::Scope;
    let org = unit_staff(actor)?;
    if actor.purpose().is_none() {
        return Err(Denied::PurposeRequired);
    }
    let allow = |basis, scope| {
        Ok(SharePermit {
            permit: Permit { action },
            basis,
            scope,
        })
    };
    if org == check.provider_org {
        return allow(Basis::Own, Scope::Own);
    }
    if check.class == ShareAttr::NotShared {
        return Err(Denied::NotShared);
    }
    let grant_denial = match check.grant {
        Some(g) => match (g.state, g.emergency) {
            (GrantStatus::Active, Some((_, false))) => Some(Denied::EmergencyEnded),
            (GrantStatus::Active, emergency) => {
                return allow(
                    Basis::Grant {
                        id: g.id,
                        emergency: emergency.map(|e| e.0),
                    },
                    Scope::Fields {
                        granted: Some(g.fields),
                        raw: g.raw_fields,
                    },
                );
            }
            (GrantStatus::Suspended, _) => Some(Denied::GrantSuspended),
            (GrantStatus::Revoked, _) => Some(Denied::GrantRevoked),
            (GrantStatus::Expired, _) => Some(Denied::GrantExpired),
            (GrantStatus::Pending, _) => Some(Denied::GrantNotStarted),
        },
        None => None,
    };
    if check.class == ShareAttr::Unconditional {
        return allow(
            Basis::Unconditional {
                emergency: check.raised_by,
            },
            Scope::Fields {
                granted: None,
                raw: &[],
            },
        );
    }
    Err(grant_denial.unwrap_or(Denied::GrantRequired))
}

/// Proposing to open a resource (or a view of it), and answering the public about it: the
/// provider's stewards, or the authority.
pub fn propose_opening(actor: &Actor, action: Action, provider_org: &str) -> Decision {
    edit_catalog(actor, action, provider_org)
}

/// Approving or returning proposals, taking data off the open list, checking the materials
/// of applications, reviewing the showcase: the authority.
pub fn review_opening(actor: &Actor, action: Action) -> Decision {
    manage_orgs(actor, action)
}

/// Applying for conditional data, reporting its use, submitting to the showcase: any
/// signed-in user (public users first of all) with a writing scope.
pub fn apply_for_open_data(actor: &Actor, action: Action) -> Decision {
    writer(actor)?;
    permit(action)
}

/// How a caller reaches open data.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum OpenChannel {
    /// The portal's pages and file downloads: no key.
    Download,
    /// The records API: a developer key (`key_holder`), perhaps limited to an agreement.
    RecordsApi { key_holder: bool },
}

/// What [`read_open`] looks at: the dataset's open class and whether the caller holds an
/// agreement in force that covers it.
#[derive(Debug, Clone, Copy)]
pub struct OpenCheck {
    pub class: crate::catalog::OpenAttr,
    pub channel: OpenChannel,
    pub agreement_in_force: bool,
}

/// Reading open data (DESIGN.md §4): nothing `not_open`; the records API only with a key;
/// unconditional data by anyone; conditional data under an agreement in force.
pub fn read_open(action: Action, check: &OpenCheck) -> Decision {
    use crate::catalog::OpenAttr;
    if check.class == OpenAttr::NotOpen {
        return Err(Denied::NotOpen);
    }
    if check.channel == (OpenChannel::RecordsApi { key_holder: false }) {
        return Err(Denied::ApiKeyRequired);
    }
    match check.class {
        OpenAttr::Unconditional => permit(action),
        _ if check.agreement_in_force => permit(action),
        _ => Err(Denied::AgreementRequired),
    }
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
    fn shared_reads_need_a_purpose_a_class_and_for_conditional_data_a_live_grant() {
        use crate::catalog::ShareAttr::*;
        use crate::sharing::GrantStatus;
        use crate::sharing::view::Scope;
        let hr = user(&[Role::Member], Some("hr"), Some(TokenScope::Read))
            .with_purpose(Some("社保资格核验".into()));
        let no_purpose = user(&[Role::Member], Some("hr"), Some(TokenScope::Read));
        let police = user(&[Role::Member], Some("police"), Some(TokenScope::Read))
            .with_purpose(Some("核验".into()));
        let public = user(&[Role::Public], None, None).with_purpose(Some("x".into()));
        let fields = vec!["citizen_id".to_owned(), "name".to_owned()];
        let grant = |state, emergency| GrantCheck {
            id: "g1",
            state,
            fields: &fields,
            raw_fields: &[],
            emergency,
        };
        let check = |class, grant| ShareCheck {
            provider_org: "police",
            class,
            raised_by: None,
            grant,
        };
        fn outcome<'a>(actor: &Actor, c: ShareCheck<'a>) -> Result<(Basis<'a>, bool), Denied> {
            read_shared(actor, Action::ReadSharedRecord, &c)
                .map(|p| (p.basis, p.scope == Scope::Own))
        }
        assert_eq!(
            outcome(&no_purpose, check(Unconditional, None)),
            Err(Denied::PurposeRequired)
        );
        assert_eq!(
            outcome(&public, check(Unconditional, None)),
            Err(Denied::RoleRequired)
        );
        assert_eq!(
            outcome(&police, check(NotShared, None)),
            Ok((Basis::Own, true)),
            "a unit reads its own"
        );
        assert_eq!(
            outcome(
                &hr,
                check(NotShared, Some(grant(GrantStatus::Active, None)))
            ),
            Err(Denied::NotShared),
            "deny wins over a grant"
        );
        assert_eq!(
            outcome(&hr, check(Conditional, None)),
            Err(Denied::GrantRequired)
        );
        assert_eq!(
            outcome(
                &hr,
                check(Conditional, Some(grant(GrantStatus::Active, None)))
            ),
            Ok((
                Basis::Grant {
                    id: "g1",
                    emergency: None
                },
                false
            ))
        );
        for (state, denied) in [
            (GrantStatus::Suspended, Denied::GrantSuspended),
            (GrantStatus::Revoked, Denied::GrantRevoked),
            (GrantStatus::Expired, Denied::GrantExpired),
            (GrantStatus::Pending, Denied::GrantNotStarted),
        ] {
            assert_eq!(
                outcome(&hr, check(Conditional, Some(grant(state, None)))),
                Err(denied)
            );
        }
        assert_eq!(
            outcome(
                &hr,
                check(
                    Conditional,
                    Some(grant(GrantStatus::Active, Some(("e1", false))))
                )
            ),
            Err(Denied::EmergencyEnded)
        );
        assert_eq!(
            outcome(&hr, check(Unconditional, None)),
            Ok((Basis::Unconditional { emergency: None }, false))
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

    #[test]
    fn open_data_reads() {
        use crate::catalog::OpenAttr;
        let a = Action::ReadOpenRecords;
        let cases = [
            (
                OpenAttr::NotOpen,
                OpenChannel::Download,
                true,
                Err(Denied::NotOpen),
            ),
            (
                OpenAttr::Unconditional,
                OpenChannel::Download,
                false,
                Ok(()),
            ),
            (
                OpenAttr::Unconditional,
                OpenChannel::RecordsApi { key_holder: false },
                false,
                Err(Denied::ApiKeyRequired),
            ),
            (
                OpenAttr::Unconditional,
                OpenChannel::RecordsApi { key_holder: true },
                false,
                Ok(()),
            ),
            (
                OpenAttr::Conditional,
                OpenChannel::Download,
                false,
                Err(Denied::AgreementRequired),
            ),
            (
                OpenAttr::Conditional,
                OpenChannel::RecordsApi { key_holder: true },
                false,
                Err(Denied::AgreementRequired),
            ),
            (
                OpenAttr::Conditional,
                OpenChannel::RecordsApi { key_holder: true },
                true,
                Ok(()),
            ),
            (
                OpenAttr::Conditional,
                OpenChannel::RecordsApi { key_holder: false },
                true,
                Err(Denied::ApiKeyRequired),
            ),
        ];
        for (class, channel, agreement_in_force, want) in cases {
            let got = read_open(
                a,
                &OpenCheck {
                    class,
                    channel,
                    agreement_in_force,
                },
            )
            .map(|_| ());
            assert_eq!(got, want, "{class:?} {channel:?} {agreement_in_force}");
        }
    }
}
