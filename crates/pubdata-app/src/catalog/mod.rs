//! The catalog chapter (目录): resources and their review, catalog search, the
//! responsibility list with its import and export, the duty to keep the catalog current, and
//! the information-system registry.

pub mod duty;
pub mod list;
pub mod resources;
pub mod search;
pub mod systems;
pub mod template;

use crate::ActionError;
use crate::error::FieldError;
use pubdata_core::catalog::rules::Violation;

impl From<Violation> for FieldError {
    fn from(v: Violation) -> FieldError {
        FieldError {
            field: v.field,
            code: v.code.to_owned(),
            message_zh: v.message_zh,
            message_en: v.message_en,
        }
    }
}

/// The rules' violations as one 422 whose code names the first rule broken.
pub(crate) fn refuse(violations: Vec<Violation>) -> Result<(), ActionError> {
    match violations.first() {
        None => Ok(()),
        Some(first) => Err(ActionError::Invalid {
            code: first.code,
            errors: violations.into_iter().map(FieldError::from).collect(),
        }),
    }
}

/// A reason a person must give (returning, withdrawing): 1 to 500 characters.
pub(crate) fn reason(text: &str) -> Result<String, ActionError> {
    let t = text.trim();
    if t.is_empty() || t.chars().count() > 500 {
        return Err(ActionError::invalid(
            "reason_required",
            FieldError::new(
                "reason",
                "reason_required",
                "须写明理由（不超过500字）",
                "a reason of 1 to 500 characters is required",
            ),
        ));
    }
    Ok(t.to_owned())
}
