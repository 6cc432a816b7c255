//! Sharing (共享) between departments: the vocabulary of requests, grants, emergencies and
//! objections, the class in force under an emergency, and what a reader sees of a record
//! ([`view`]). The decision itself is [`crate::policy::read_shared`].
//!
//! The regulations' principle is "sharing is the rule, not sharing the exception": an
//! `unconditional` resource is read by any unit stating a purpose, a `conditional` one under a
//! grant that a share request's approval creates, a `not_shared` one by nobody but its own
//! unit — unless an emergency raises its class for a while.

pub mod view;

use crate::catalog::ShareAttr;
use crate::catalog::vocab::vocab;
use serde::{Deserialize, Serialize};

vocab! {
    /// Where a share request stands.
    RequestStatus {
        Conformity => "conformity", "待合规审核", "Awaiting the conformity check";
        Reply => "reply", "待提供单位答复", "Awaiting the provider's reply";
        Approved => "approved", "已同意共享", "Approved";
        Refused => "refused", "提供单位拒绝", "Refused by the provider";
        Rejected => "rejected", "合规审核未通过", "Rejected at the conformity check";
        Disputed => "disputed", "异议协调中", "Disputed, the authority coordinates";
    }
}

impl RequestStatus {
    /// Whether the request still waits for someone.
    pub fn is_open(self) -> bool {
        matches!(
            self,
            RequestStatus::Conformity | RequestStatus::Reply | RequestStatus::Disputed
        )
    }
}

vocab! {
    /// The steps of a share request, each waiting on one unit.
    StepKind {
        Conformity => "conformity", "合规性审核（数据主管部门）", "Conformity check (authority)";
        Reply => "reply", "提供单位答复", "Provider's reply";
        Coordination => "coordination", "异议协调（数据主管部门）", "Coordination of a dispute (authority)";
    }
}

impl StepKind {
    /// The deadline rule a step's due date follows (`on_platform`: the data is already on the
    /// platform, which shortens the provider's reply).
    pub fn rule_key(self, on_platform: bool) -> &'static str {
        match self {
            StepKind::Conformity => "share_conformity",
            StepKind::Reply if on_platform => "share_reply_on_platform",
            StepKind::Reply => "share_reply_off_platform",
            StepKind::Coordination => "share_coordination",
        }
    }
}

vocab! {
    /// A grant's stored state; expiry is a matter of time, see [`grant_state`].
    GrantStatus {
        Active => "active", "有效", "Active";
        Suspended => "suspended", "已暂停", "Suspended";
        Revoked => "revoked", "已撤销", "Revoked";
        Expired => "expired", "已到期", "Expired";
        Pending => "pending", "未到开始日期", "Not yet started";
    }
}

/// A grant's state at `now_ms`: its stored status, or `expired` / `pending` by its period.
pub fn grant_state(
    stored: GrantStatus,
    starts_at: i64,
    expires_at: i64,
    now_ms: i64,
) -> GrantStatus {
    match stored {
        GrantStatus::Active if now_ms >= expires_at => GrantStatus::Expired,
        GrantStatus::Active if now_ms < starts_at => GrantStatus::Pending,
        s => s,
    }
}

vocab! {
    /// Where an objection stands.
    ObjectionStatus {
        Open => "open", "待核实", "Being checked";
        Answered => "answered", "已答复", "Answered";
    }
}

vocab! {
    /// How the provider answered an objection.
    ObjectionOutcome {
        Corrected => "corrected", "已更正", "Corrected";
        Confirmed => "confirmed", "经核实无误", "Confirmed as correct";
    }
}

/// The deadline rules of objections: the normal check, and the longer one for a case the
/// provider marks complex.
pub const OBJECTION_RULE: &str = "objection_check";
pub const OBJECTION_COMPLEX_RULE: &str = "objection_complex";

/// Share classes in order of openness.
fn rank(a: ShareAttr) -> u8 {
    match a {
        ShareAttr::NotShared => 0,
        ShareAttr::Conditional => 1,
        ShareAttr::Unconditional => 2,
    }
}

/// Whether an emergency may raise `from` to `to`: one step up — `not_shared` → `conditional`,
/// or `conditional` → `unconditional`.
pub fn raise_allowed(from: ShareAttr, to: ShareAttr) -> bool {
    rank(to) == rank(from) + 1
}

/// A raise of one resource's class by an emergency, with the emergency's time span.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Raise {
    pub emergency_id: String,
    pub share_attr: ShareAttr,
    pub starts_at: i64,
    /// The end: `ends_at`, or when it was ended by hand, whichever came first.
    pub ends_at: i64,
}

impl Raise {
    pub fn in_force(&self, now_ms: i64) -> bool {
        self.starts_at <= now_ms && now_ms < self.ends_at
    }
}

/// The class a resource is shared under at `now_ms`: its catalog class, or the highest class
/// an emergency in force raised it to (with that emergency's id).
pub fn class_in_force<'a>(
    base: ShareAttr,
    raises: impl IntoIterator<Item = &'a Raise>,
    now_ms: i64,
) -> (ShareAttr, Option<&'a str>) {
    let mut best = (base, None);
    for r in raises {
        if r.in_force(now_ms) && rank(r.share_attr) > rank(best.0) {
            best = (r.share_attr, Some(r.emergency_id.as_str()));
        }
    }
    best
}

#[cfg(test)]
mod tests {
    use super::*;

    fn raise(id: &str, to: ShareAttr, from: i64, to_ms: i64) -> Raise {
        Raise {
            emergency_id: id.into(),
            share_attr: to,
            starts_at: from,
            ends_at: to_ms,
        }
    }

    #[test]
    fn raises_go_one_step_up_only() {
        use ShareAttr::*;
        assert!(raise_allowed(NotShared, Conditional));
        assert!(raise_allowed(Conditional, Unconditional));
        assert!(!raise_allowed(NotShared, Unconditional));
        assert!(!raise_allowed(Unconditional, Conditional));
        assert!(!raise_allowed(Conditional, Conditional));
    }

    #[test]
    fn the_class_in_force_follows_emergencies_and_reverts_when_they_end() {
        use ShareAttr::*;
        let raises = [
            raise("e1", Conditional, 100, 200),
            raise("e2", Unconditional, 150, 160),
        ];
        assert_eq!(class_in_force(NotShared, &raises, 99), (NotShared, None));
        assert_eq!(
            class_in_force(NotShared, &raises, 100),
            (Conditional, Some("e1"))
        );
        assert_eq!(
            class_in_force(NotShared, &raises, 155),
            (Unconditional, Some("e2"))
        );
        assert_eq!(
            class_in_force(NotShared, &raises, 160),
            (Conditional, Some("e1"))
        );
        assert_eq!(class_in_force(NotShared, &raises, 200), (NotShared, None));
        // A raise never lowers a class.
        assert_eq!(
            class_in_force(Unconditional, &raises, 155),
            (Unconditional, None)
        );
    }

    #[test]
    fn a_grant_expires_and_starts_by_its_period() {
        use GrantStatus::*;
        assert_eq!(grant_state(Active, 100, 200, 99), Pending);
        assert_eq!(grant_state(Active, 100, 200, 100), Active);
        assert_eq!(grant_state(Active, 100, 200, 200), Expired);
        assert_eq!(grant_state(Suspended, 100, 200, 150), Suspended);
        assert_eq!(grant_state(Revoked, 100, 200, 250), Revoked);
    }

    #[test]
    fn step_rules_follow_whether_the_data_is_on_the_platform() {
        assert_eq!(StepKind::Reply.rule_key(true), "share_reply_on_platform");
        assert_eq!(StepKind::Reply.rule_key(false), "share_reply_off_platform");
        assert_eq!(StepKind::Conformity.rule_key(false), "share_conformity");
    }
}
