//! The public data catalog (公共数据资源目录): a resource's content, the rules it must keep,
//! the diff between two versions, and the search terms it is found by.
//!
//! A [`ResourceDoc`] is what a steward writes and what every catalog version keeps; the
//! workflow state (status, version number, who and when) lives beside it, in the store.

pub mod diff;
pub mod rules;
pub mod search;
pub mod vocab;

pub use vocab::*;

use serde::{Deserialize, Serialize};

/// One 信息项: a column of the resource.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct Field {
    pub name: String,
    /// Lower-case ASCII, the column name the record store and the APIs use.
    pub code: String,
    #[serde(rename = "type")]
    pub field_type: FieldType,
    #[serde(default)]
    pub is_key: bool,
    /// The identifier kind whose check digit aggregation verifies.
    #[serde(default)]
    pub identifier: Option<IdentifierKind>,
    #[serde(default)]
    pub sensitive: bool,
    #[serde(default = "lowest_grade")]
    pub grade: u8,
    #[serde(default)]
    pub required: bool,
    #[serde(default)]
    pub description: String,
    /// The value rules aggregation checks every value against (range, pattern, code list).
    #[serde(default, skip_serializing_if = "ValueRules::is_empty")]
    pub rules: ValueRules,
}

/// What a field's values must keep beyond their type: declared in the catalog, checked on
/// every row that comes in.
#[derive(Debug, Clone, Default, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ValueRules {
    /// Inclusive bounds of a number, or of a date's or time's text (`2000-01-01`).
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub min: Option<serde_json::Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max: Option<serde_json::Value>,
    /// A regular expression the whole value must match.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub pattern: Option<String>,
    /// The code list (代码集): the only values allowed.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub codes: Vec<String>,
    /// The most characters a text may have.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub max_length: Option<u32>,
}

impl ValueRules {
    pub fn is_empty(&self) -> bool {
        self == &ValueRules::default()
    }
}

fn lowest_grade() -> u8 {
    1
}

fn yes() -> bool {
    true
}

/// The content of a catalog entry, as written and as each version keeps it.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct ResourceDoc {
    /// `分类码/顺序码`: class digit / item (2) / catalogue (3) / sequence, e.g. `1/01/002/0001`.
    pub code: String,
    pub name: String,
    #[serde(default)]
    pub summary: String,
    pub provider_org_id: String,
    pub category: Category,
    #[serde(default)]
    pub theme: String,
    pub format: ResourceFormat,
    pub update_cycle: UpdateCycle,
    pub share_attr: ShareAttr,
    #[serde(default)]
    pub share_condition: String,
    #[serde(default)]
    pub share_legal_basis: String,
    #[serde(default)]
    pub share_methods: Vec<ShareMethod>,
    pub open_attr: OpenAttr,
    #[serde(default)]
    pub open_condition: String,
    #[serde(default = "lowest_grade")]
    pub grade: u8,
    #[serde(default)]
    pub tags: Vec<String>,
    /// `YYYY-MM-DD`.
    #[serde(default)]
    pub release_date: Option<String>,
    #[serde(default)]
    pub related_resource_ids: Vec<String>,
    /// The information system the data comes from.
    #[serde(default)]
    pub system_id: Option<String>,
    /// Whether the data is aggregated into the platform (汇聚); such a resource needs a key.
    #[serde(default = "yes")]
    pub aggregated: bool,
    pub fields: Vec<Field>,
}

impl ResourceDoc {
    /// Tidies what a person typed without changing its meaning: trims text, drops empty and
    /// repeated tags and share methods, makes key fields required, and clears the share
    /// methods of data that is not shared.
    pub fn normalize(&mut self) {
        for s in [
            &mut self.code,
            &mut self.name,
            &mut self.summary,
            &mut self.provider_org_id,
            &mut self.theme,
            &mut self.share_condition,
            &mut self.share_legal_basis,
            &mut self.open_condition,
        ] {
            *s = s.trim().to_owned();
        }
        let mut seen = std::collections::HashSet::new();
        self.tags = std::mem::take(&mut self.tags)
            .into_iter()
            .map(|t| t.trim().to_owned())
            .filter(|t| !t.is_empty() && seen.insert(t.clone()))
            .collect();
        self.share_methods.sort();
        self.share_methods.dedup();
        if self.share_attr == ShareAttr::NotShared {
            self.share_methods.clear();
        }
        self.release_date = self
            .release_date
            .take()
            .map(|d| d.trim().to_owned())
            .filter(|d| !d.is_empty());
        self.related_resource_ids.retain(|r| !r.trim().is_empty());
        self.related_resource_ids.dedup();
        self.system_id = self.system_id.take().filter(|s| !s.trim().is_empty());
        for f in &mut self.fields {
            f.name = f.name.trim().to_owned();
            f.code = f.code.trim().to_owned();
            f.description = f.description.trim().to_owned();
            f.required |= f.is_key;
        }
    }

    pub fn key_fields(&self) -> impl Iterator<Item = &Field> {
        self.fields.iter().filter(|f| f.is_key)
    }

    /// The text the catalog search finds this resource by.
    pub fn search_terms(&self) -> String {
        let mut parts: Vec<&str> = vec![&self.name, &self.summary, &self.code, &self.theme];
        parts.extend(self.tags.iter().map(String::as_str));
        parts.extend(self.fields.iter().map(|f| f.name.as_str()));
        search::index_terms(&parts)
    }
}
