//! The sharing chapter (共享): share requests under statutory deadlines and the grants their
//! approval creates (`requests.rs`, `grants.rs`), the sharing API's reads with masking and
//! request-hash binding (`read.rs`, over the caches of `cache.rs`), emergency
//! reclassification (`emergencies.rs`), objections to records (`objections.rs`) and the work
//! waiting on each role (`work.rs`).

pub mod cache;
pub mod emergencies;
pub mod grants;
pub mod objections;
pub mod read;
pub mod requests;
pub mod work;

use crate::ActionError;
use crate::error::FieldError;
use pubdata_core::catalog::ResourceDoc;

/// Field codes as stored: a JSON array.
pub(crate) fn codes_json(codes: &[String]) -> String {
    serde_json::to_string(codes).expect("strings serialize")
}

pub(crate) fn parse_codes(text: &str) -> Result<Vec<String>, ActionError> {
    serde_json::from_str(text).map_err(ActionError::unexpected)
}

/// Checks `codes` name fields of `doc`, once each; `field` names the input.
pub(crate) fn check_codes(
    doc: &ResourceDoc,
    field: &str,
    codes: &[String],
    allow_empty: bool,
) -> Result<Vec<String>, ActionError> {
    let codes: Vec<String> = codes.iter().map(|c| c.trim().to_owned()).collect();
    if codes.is_empty() && !allow_empty {
        return Err(ActionError::invalid(
            "fields_required",
            FieldError::new(
                field,
                "fields_required",
                "请至少选择一个信息项",
                "name at least one field",
            ),
        ));
    }
    let unknown: Vec<&str> = codes
        .iter()
        .filter(|c| !doc.fields.iter().any(|f| &f.code == *c))
        .map(String::as_str)
        .collect();
    if !unknown.is_empty() {
        let list = unknown.join(", ");
        return Err(ActionError::invalid(
            "unknown_field",
            FieldError::new(
                field,
                "unknown_field",
                format!("资源没有这些信息项：{list}"),
                format!("the resource has no fields {list}"),
            ),
        ));
    }
    let mut seen = std::collections::HashSet::new();
    if let Some(dup) = codes.iter().find(|c| !seen.insert(c.as_str())) {
        return Err(ActionError::invalid(
            "duplicate_field",
            FieldError::new(
                field,
                "duplicate_field",
                format!("信息项重复：{dup}"),
                format!("field {dup} is named twice"),
            ),
        ));
    }
    // In the resource's order, whatever order they were named in.
    Ok(doc
        .fields
        .iter()
        .filter(|f| codes.contains(&f.code))
        .map(|f| f.code.clone())
        .collect())
}

/// A required reason or explanation of at most `max` characters.
pub(crate) fn required_text(
    field: &str,
    value: &str,
    max: usize,
    (zh, en): (&str, &str),
) -> Result<String, ActionError> {
    let mut p = crate::error::Problems::default();
    let v = p.text(field, &format!("invalid_{field}"), value, max, (zh, en));
    p.finish()?;
    Ok(v.to_owned())
}

/// The start of a day (Beijing time) in Unix milliseconds.
pub(crate) fn day_start_ms(d: chrono::NaiveDate) -> i64 {
    d.and_hms_opt(0, 0, 0)
        .expect("midnight")
        .and_utc()
        .timestamp_millis()
        - 8 * 3_600_000
}
