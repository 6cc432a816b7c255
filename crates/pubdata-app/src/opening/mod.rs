//! The opening chapter (开放): proposals with their security review and the authority's
//! decision (`proposals.rs`), the open list and the open catalog kept in memory for the portal
//! (`datasets.rs`), the files of each version as opened (`files.rs`), the records API of open
//! data behind developer keys and their quotas (`records.rs`, `keys.rs`), and the use counts
//! (`stats.rs`).

pub mod applications;
pub mod ckan;
pub mod datasets;
pub mod dcat;
pub mod feedback;
pub mod files;
pub mod keys;
pub mod proposals;
pub mod records;
pub mod showcase;
pub mod stats;

use crate::ActionError;
use crate::error::FieldError;
use pubdata_core::catalog::ResourceDoc;
use pubdata_core::masking::Mask;
use std::collections::BTreeMap;

fn invalid(field: &str, code: &'static str, zh: String, en: String) -> ActionError {
    ActionError::invalid(code, FieldError::new(field, code, zh, en))
}

/// The view of a resource a proposal opens: which fields (in the resource's order), masked by
/// which rule, and which rows (fields equal to values).
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct View {
    pub fields: Vec<String>,
    pub masks: BTreeMap<String, Mask>,
    pub row_filter: BTreeMap<String, String>,
}

impl View {
    /// Positions in the resource's fields of each opened field, with its mask.
    pub fn columns<'d>(&self, doc: &'d ResourceDoc) -> Vec<(usize, &'d str, Option<Mask>)> {
        doc.fields
            .iter()
            .enumerate()
            .filter(|(_, f)| self.fields.contains(&f.code))
            .map(|(i, f)| (i, f.code.as_str(), self.masks.get(&f.code).copied()))
            .collect()
    }

    /// Whether a record (its values as text, in the resource's field order) is in the view.
    pub fn keeps(&self, doc: &ResourceDoc, values: &[Option<String>]) -> bool {
        self.row_filter.iter().all(|(code, want)| {
            doc.fields
                .iter()
                .position(|f| &f.code == code)
                .and_then(|i| values.get(i).cloned().flatten())
                .is_some_and(|v| v.trim() == want.trim())
        })
    }

    pub fn to_json(&self) -> (String, String, String) {
        let masks: BTreeMap<&str, &str> = self
            .masks
            .iter()
            .map(|(k, m)| (k.as_str(), m.as_str()))
            .collect();
        (
            serde_json::to_string(&self.fields).expect("strings serialize"),
            serde_json::to_string(&masks).expect("strings serialize"),
            serde_json::to_string(&self.row_filter).expect("strings serialize"),
        )
    }

    pub fn from_json(fields: &str, masks: &str, row_filter: &str) -> Result<View, ActionError> {
        let fields: Vec<String> = serde_json::from_str(fields).map_err(ActionError::unexpected)?;
        let masks: BTreeMap<String, String> =
            serde_json::from_str(masks).map_err(ActionError::unexpected)?;
        let row_filter = serde_json::from_str(row_filter).map_err(ActionError::unexpected)?;
        let masks = masks
            .into_iter()
            .map(|(k, m)| {
                Mask::parse(&m)
                    .map(|m| (k, m))
                    .ok_or_else(|| ActionError::Unexpected(format!("stored mask {m:?}")))
            })
            .collect::<Result<_, _>>()?;
        Ok(View {
            fields,
            masks,
            row_filter,
        })
    }

    /// Checks a view named by a steward against the resource; every problem at once.
    pub fn parse(
        doc: &ResourceDoc,
        fields: &[String],
        masks: &BTreeMap<String, String>,
        row_filter: &BTreeMap<String, String>,
    ) -> Result<View, ActionError> {
        let mut p = crate::error::Problems::default();
        let fields = if fields.is_empty() {
            doc.fields.iter().map(|f| f.code.clone()).collect()
        } else {
            p.keep(crate::sharing::check_codes(doc, "fields", fields, false))?
                .unwrap_or_default()
        };
        let mut parsed = BTreeMap::new();
        for (code, rule) in masks {
            let code = code.trim();
            if !doc.fields.iter().any(|f| f.code == code) {
                p.keep::<()>(Err(invalid(
                    &format!("masks.{code}"),
                    "unknown_field",
                    format!("资源没有信息项 {code}"),
                    format!("the resource has no field {code}"),
                )))?;
                continue;
            }
            if !fields.iter().any(|f| f == code) {
                p.keep::<()>(Err(invalid(
                    &format!("masks.{code}"),
                    "mask_field_not_opened",
                    format!("信息项 {code} 未列入开放的信息项，无需脱敏"),
                    format!("field {code} is not among the opened fields"),
                )))?;
                continue;
            }
            match Mask::parse(rule.trim()) {
                Some(m) => {
                    parsed.insert(code.to_owned(), m);
                }
                None => {
                    let names: Vec<&str> = Mask::ALL.iter().map(|m| m.as_str()).collect();
                    p.keep::<()>(Err(invalid(
                        &format!("masks.{code}"),
                        "unknown_mask",
                        format!("脱敏规则应为：{}", names.join("、")),
                        format!("a mask rule is one of {}", names.join(", ")),
                    )))?;
                }
            }
        }
        let mut filter = BTreeMap::new();
        for (code, value) in row_filter {
            let code = code.trim();
            if !doc.fields.iter().any(|f| f.code == code) {
                p.keep::<()>(Err(invalid(
                    &format!("row_filter.{code}"),
                    "unknown_field",
                    format!("资源没有信息项 {code}"),
                    format!("the resource has no field {code}"),
                )))?;
                continue;
            }
            filter.insert(code.to_owned(), value.trim().to_owned());
        }
        p.finish()?;
        Ok(View {
            fields,
            masks: parsed,
            row_filter: filter,
        })
    }
}

/// `YYYY-MM` of a time, Beijing.
pub(crate) fn month_of(ms: i64) -> String {
    crate::local_date(ms).format("%Y-%m").to_string()
}
