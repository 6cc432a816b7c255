//! The typed errors of actions. Each carries a stable `code` (listed in the http crate's
//! problem table with its messages); the HTTP status follows from the variant.

use pubdata_core::policy::Denied;
use pubdata_store::StoreError;

/// One problem with one input field.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldError {
    pub field: String,
    pub code: String,
    pub message_zh: String,
    pub message_en: String,
}

impl FieldError {
    pub fn new(field: &str, code: &str, zh: impl Into<String>, en: impl Into<String>) -> Self {
        FieldError {
            field: field.to_owned(),
            code: code.to_owned(),
            message_zh: zh.into(),
            message_en: en.into(),
        }
    }
}

#[derive(Debug, thiserror::Error)]
pub enum ActionError {
    /// The input is wrong (422); `code` names the problem, `errors` each field.
    #[error("invalid input: {code}")]
    Invalid {
        code: &'static str,
        errors: Vec<FieldError>,
    },
    /// The request itself is malformed (400).
    #[error("bad request: {0}")]
    BadRequest(&'static str),
    /// No valid identity (401).
    #[error("not authenticated: {0}")]
    Unauthenticated(&'static str),
    /// The policy refused (403).
    #[error("forbidden: {0}")]
    Forbidden(&'static str),
    /// (404)
    #[error("not found: {0}")]
    NotFound(&'static str),
    /// The change clashes with the current state (409).
    #[error("conflict: {0}")]
    Conflict(&'static str),
    /// Over a rate quota (429): try again after `retry_after` seconds.
    #[error("too many requests: {code}")]
    TooManyRequests {
        code: &'static str,
        retry_after: u64,
    },
    /// A fault of ours, not the caller's (500). The cause is logged, not shown.
    #[error("unexpected: {0}")]
    Unexpected(String),
}

impl ActionError {
    /// A fault of ours, with its cause for the log.
    pub fn unexpected(cause: impl std::fmt::Display) -> ActionError {
        ActionError::Unexpected(cause.to_string())
    }

    pub fn code(&self) -> &'static str {
        match self {
            ActionError::Invalid { code, .. } => code,
            ActionError::BadRequest(c)
            | ActionError::Unauthenticated(c)
            | ActionError::Forbidden(c)
            | ActionError::NotFound(c)
            | ActionError::Conflict(c) => c,
            ActionError::TooManyRequests { code, .. } => code,
            ActionError::Unexpected(_) => "internal_error",
        }
    }

    /// One invalid field.
    pub fn invalid(code: &'static str, field: FieldError) -> ActionError {
        ActionError::Invalid {
            code,
            errors: vec![field],
        }
    }
}

impl From<Denied> for ActionError {
    fn from(d: Denied) -> Self {
        match d {
            // No credentials at all: 401, so that clients know to send some.
            Denied::NotSignedIn | Denied::ApiKeyRequired => ActionError::Unauthenticated(d.code()),
            // A malformed request rather than a refusal of who asks (API.md: 400).
            Denied::PurposeRequired => ActionError::BadRequest(d.code()),
            _ => ActionError::Forbidden(d.code()),
        }
    }
}

impl From<StoreError> for ActionError {
    fn from(e: StoreError) -> Self {
        ActionError::Unexpected(e.to_string())
    }
}

/// Collects field errors while parsing an input; `finish` turns them into one error.
#[derive(Default)]
pub struct Problems {
    errors: Vec<FieldError>,
    code: Option<&'static str>,
}

impl Problems {
    /// Records a field error; the first error's `top_code` becomes the error's code.
    pub fn add(&mut self, top_code: &'static str, e: FieldError) {
        self.code.get_or_insert(top_code);
        self.errors.push(e);
    }
    /// Checks that `value` (trimmed) has 1 to `max` characters; returns it trimmed.
    /// `label_zh`/`label_en` name the field in the message (e.g. "单位名称", "name").
    pub fn text<'v>(
        &mut self,
        field: &str,
        code: &str,
        value: &'v str,
        max: usize,
        (label_zh, label_en): (&str, &str),
    ) -> &'v str {
        let v = value.trim();
        if v.is_empty() || v.chars().count() > max {
            self.add(
                "invalid_input",
                FieldError::new(
                    field,
                    code,
                    format!("{label_zh}不能为空且不超过{max}字"),
                    format!("{label_en} must be 1 to {max} characters"),
                ),
            );
        }
        v
    }

    /// Goes on past an invalid part: its field errors join the others (so a form shows every
    /// problem at once); any other error stops at once.
    pub fn keep<T>(&mut self, r: Result<T, ActionError>) -> Result<Option<T>, ActionError> {
        match r {
            Ok(v) => Ok(Some(v)),
            Err(ActionError::Invalid { code, errors }) => {
                self.code.get_or_insert(code);
                self.errors.extend(errors);
                Ok(None)
            }
            Err(e) => Err(e),
        }
    }

    pub fn finish(self) -> Result<(), ActionError> {
        match self.code {
            None => Ok(()),
            Some(code) => Err(ActionError::Invalid {
                code,
                errors: self.errors,
            }),
        }
    }
}
