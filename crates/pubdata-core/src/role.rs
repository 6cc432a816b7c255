//! Roles (DESIGN.md §4). A user of a unit holds one or more of the first four; `public`
//! is the role of people who registered themselves on the open portal.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Role {
    /// 大数据主管部门: organizes, coordinates, supervises.
    PlatformAdmin,
    /// 数据专管员: keeps a unit's catalog and data, reviews requests for its data.
    Steward,
    /// A member of a unit: uses shared data for the unit's duties.
    Member,
    /// Reads the audit log and the supervision views.
    Auditor,
    /// A member of the public, registered on the open portal.
    Public,
}

impl Role {
    pub const ALL: [Role; 5] = [
        Role::PlatformAdmin,
        Role::Steward,
        Role::Member,
        Role::Auditor,
        Role::Public,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "platform_admin",
            Role::Steward => "steward",
            Role::Member => "member",
            Role::Auditor => "auditor",
            Role::Public => "public",
        }
    }

    pub fn parse(s: &str) -> Option<Role> {
        Role::ALL.into_iter().find(|r| r.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "平台管理员",
            Role::Steward => "数据专管员",
            Role::Member => "单位成员",
            Role::Auditor => "审计员",
            Role::Public => "公众用户",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Role::PlatformAdmin => "Platform administrator",
            Role::Steward => "Data steward",
            Role::Member => "Unit member",
            Role::Auditor => "Auditor",
            Role::Public => "Public user",
        }
    }

    /// Roles that belong to a unit's staff; `public` never combines with them.
    pub fn is_staff(self) -> bool {
        !matches!(self, Role::Public)
    }
}

/// A set of roles, kept sorted and without duplicates, as stored and as shown.
pub fn normalize_roles(roles: &[Role]) -> Vec<Role> {
    let mut v = roles.to_vec();
    v.sort();
    v.dedup();
    v
}

/// Stored form: comma-separated names in a fixed order.
pub fn roles_to_text(roles: &[Role]) -> String {
    normalize_roles(roles)
        .iter()
        .map(|r| r.as_str())
        .collect::<Vec<_>>()
        .join(",")
}

pub fn roles_from_text(s: &str) -> Vec<Role> {
    normalize_roles(
        &s.split(',')
            .filter_map(|p| Role::parse(p.trim()))
            .collect::<Vec<_>>(),
    )
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn roles_round_trip_through_their_stored_text() {
        let roles = [Role::Steward, Role::PlatformAdmin, Role::Steward];
        let text = roles_to_text(&roles);
        assert_eq!(text, "platform_admin,steward");
        assert_eq!(
            roles_from_text(&text),
            vec![Role::PlatformAdmin, Role::Steward]
        );
    }

    #[test]
    fn every_role_parses_from_its_name() {
        for r in Role::ALL {
            assert_eq!(Role::parse(r.as_str()), Some(r));
        }
        assert_eq!(Role::parse("root"), None);
    }
}
