//! The audit entry: who did what to which target, allowed or denied. Every action records
//! exactly one (DESIGN.md §5). The closed vocabulary of actions lives here so that the log's
//! meaning cannot drift: a new action is a new variant.

use serde::{Deserialize, Serialize};

macro_rules! actions {
    ($($variant:ident => $name:literal, $zh:literal;)*) => {
        /// Every use case of the platform, named verb_noun; the same name is the audit
        /// entry's `action`.
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
        #[serde(rename_all = "snake_case")]
        pub enum Action { $($variant),* }

        impl Action {
            pub const ALL: &'static [Action] = &[$(Action::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $(Action::$variant => $name),* }
            }
            pub fn label_zh(self) -> &'static str {
                match self { $(Action::$variant => $zh),* }
            }
            pub fn parse(s: &str) -> Option<Action> {
                match s { $($name => Some(Action::$variant),)* _ => None }
            }
        }
    };
}

actions! {
    SignIn => "sign_in", "登录";
    SignOut => "sign_out", "退出登录";
    RegisterUser => "register_user", "公众注册";
    ChangePassword => "change_password", "修改密码";
    Authenticate => "authenticate", "身份验证";
    ViewHome => "view_home", "查看待办";
    CreateOrg => "create_org", "创建单位";
    UpdateOrg => "update_org", "修改单位";
    DisableOrg => "disable_org", "停用单位";
    EnableOrg => "enable_org", "启用单位";
    GetOrg => "get_org", "查看单位";
    ListOrgs => "list_orgs", "查询单位";
    CreateUser => "create_user", "创建用户";
    UpdateUser => "update_user", "修改用户";
    DisableUser => "disable_user", "停用用户";
    EnableUser => "enable_user", "启用用户";
    GetUser => "get_user", "查看用户";
    ListUsers => "list_users", "查询用户";
    CreateToken => "create_token", "创建令牌";
    RevokeToken => "revoke_token", "吊销令牌";
    ListTokens => "list_tokens", "查看令牌";
    ListCalendarDays => "list_calendar_days", "查看工作日历";
    SetCalendarDay => "set_calendar_day", "设置日历日";
    DeleteCalendarDay => "delete_calendar_day", "删除日历日";
    ImportCalendar => "import_calendar", "导入工作日历";
    LoadDemo => "load_demo", "载入演示数据";
    RejectRequest => "reject_request", "拒绝请求";
}

/// Allowed, or refused with a stable reason code (the same `code` the caller sees).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(tag = "decision", content = "reason", rename_all = "snake_case")]
pub enum Decision {
    Allow,
    Deny(String),
}

impl Decision {
    pub fn as_str(&self) -> &'static str {
        match self {
            Decision::Allow => "allow",
            Decision::Deny(_) => "deny",
        }
    }
    pub fn reason(&self) -> Option<&str> {
        match self {
            Decision::Allow => None,
            Decision::Deny(r) => Some(r),
        }
    }
}

/// What an action was about: `kind/id`, e.g. `org/0193…`, `user/admin`, `calendar/2026-10-01`.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct Target(String);

impl Target {
    pub fn new(kind: &str, id: impl std::fmt::Display) -> Target {
        Target(format!("{kind}/{id}"))
    }
    pub fn as_str(&self) -> &str {
        &self.0
    }
    pub fn from_stored(s: String) -> Target {
        Target(s)
    }
}

/// One audit entry as recorded. Times are Unix milliseconds (UTC).
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct AuditEntry {
    pub at_ms: i64,
    pub actor_user_id: Option<String>,
    pub actor_username: Option<String>,
    pub actor_org_id: Option<String>,
    pub channel: String,
    pub action: Action,
    pub target: Option<Target>,
    pub decision: Decision,
    pub purpose: Option<String>,
    pub request_id: String,
}

impl AuditEntry {
    pub fn new(
        actor: &crate::Actor,
        action: Action,
        target: Option<Target>,
        decision: Decision,
        at_ms: i64,
    ) -> AuditEntry {
        AuditEntry {
            at_ms,
            actor_user_id: actor.user_id().map(str::to_owned),
            actor_username: actor.username().map(str::to_owned),
            actor_org_id: actor.org_id().map(str::to_owned),
            channel: actor.channel().as_str().to_owned(),
            action,
            target,
            decision,
            purpose: actor.purpose().map(str::to_owned),
            request_id: actor.request_id().to_owned(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn action_names_are_unique_and_parse_back() {
        let mut seen = std::collections::HashSet::new();
        for a in Action::ALL {
            assert!(
                seen.insert(a.as_str()),
                "duplicate action name {}",
                a.as_str()
            );
            assert_eq!(Action::parse(a.as_str()), Some(*a));
        }
    }
}
