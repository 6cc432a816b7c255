//! Who is acting: a signed-in user (through a web session or an API token), an operator at
//! the command line, the platform itself, or nobody yet (anonymous).

use crate::role::Role;
use serde::{Deserialize, Serialize};

/// The door the request came through.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Channel {
    Web,
    Api,
    Cli,
    /// Work the platform does by itself (start-up, demo loading, scheduled jobs).
    System,
}

impl Channel {
    pub fn as_str(self) -> &'static str {
        match self {
            Channel::Web => "web",
            Channel::Api => "api",
            Channel::Cli => "cli",
            Channel::System => "system",
        }
    }
}

/// What an API token lets its holder do.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum TokenScope {
    /// Reads only.
    Read,
    /// Reads and changes.
    Write,
}

impl TokenScope {
    pub fn as_str(self) -> &'static str {
        match self {
            TokenScope::Read => "read",
            TokenScope::Write => "write",
        }
    }
    pub fn parse(s: &str) -> Option<Self> {
        match s {
            "read" => Some(TokenScope::Read),
            "write" => Some(TokenScope::Write),
            _ => None,
        }
    }
}

/// The identity a request acts under. Built only by authentication in `pubdata-app`
/// (or by the CLI and start-up for operator and system work); every action takes one.
#[derive(Debug, Clone)]
pub struct Actor {
    user: Option<UserRef>,
    channel: Channel,
    scope: Option<TokenScope>,
    purpose: Option<String>,
    request_id: String,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct UserRef {
    pub user_id: String,
    pub username: String,
    pub org_id: Option<String>,
    pub roles: Vec<Role>,
}

impl Actor {
    pub fn anonymous(channel: Channel, request_id: impl Into<String>) -> Actor {
        Actor {
            user: None,
            channel,
            scope: None,
            purpose: None,
            request_id: request_id.into(),
        }
    }

    /// A signed-in user. `scope` is `Some` when the user acts through an API token.
    pub fn user(
        user: UserRef,
        channel: Channel,
        scope: Option<TokenScope>,
        request_id: impl Into<String>,
    ) -> Actor {
        Actor {
            user: Some(user),
            channel,
            scope,
            purpose: None,
            request_id: request_id.into(),
        }
    }

    /// An operator with access to the data directory, at the command line. Treated as the
    /// platform administrator: whoever can read the data directory already holds everything.
    pub fn operator(request_id: impl Into<String>) -> Actor {
        Actor {
            user: None,
            channel: Channel::Cli,
            scope: None,
            purpose: None,
            request_id: request_id.into(),
        }
    }

    /// The platform acting on its own (first start, demo loading).
    pub fn system(request_id: impl Into<String>) -> Actor {
        Actor {
            user: None,
            channel: Channel::System,
            scope: None,
            purpose: None,
            request_id: request_id.into(),
        }
    }

    pub fn with_purpose(mut self, purpose: Option<String>) -> Actor {
        self.purpose = purpose.filter(|p| !p.trim().is_empty());
        self
    }

    pub fn user_ref(&self) -> Option<&UserRef> {
        self.user.as_ref()
    }
    pub fn user_id(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.user_id.as_str())
    }
    pub fn username(&self) -> Option<&str> {
        self.user.as_ref().map(|u| u.username.as_str())
    }
    pub fn org_id(&self) -> Option<&str> {
        self.user.as_ref().and_then(|u| u.org_id.as_deref())
    }
    pub fn roles(&self) -> &[Role] {
        self.user
            .as_ref()
            .map(|u| u.roles.as_slice())
            .unwrap_or(&[])
    }
    pub fn has_role(&self, role: Role) -> bool {
        self.roles().contains(&role)
    }
    pub fn channel(&self) -> Channel {
        self.channel
    }
    pub fn scope(&self) -> Option<TokenScope> {
        self.scope
    }
    pub fn purpose(&self) -> Option<&str> {
        self.purpose.as_deref()
    }
    pub fn request_id(&self) -> &str {
        &self.request_id
    }
    pub fn is_signed_in(&self) -> bool {
        self.user.is_some()
    }
    /// Operator (CLI) or system: trusted local work, not a web or API caller.
    pub fn is_local_authority(&self) -> bool {
        self.user.is_none() && matches!(self.channel, Channel::Cli | Channel::System)
    }
    /// Whether this actor may change anything: a read-scoped token may not.
    pub fn may_write(&self) -> bool {
        self.scope != Some(TokenScope::Read)
    }
}
