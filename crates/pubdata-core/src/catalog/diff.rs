//! The field-by-field difference between two versions of a catalog entry: every attribute
//! that changed, and every 信息项 added, removed or changed (matched by code).

use super::ResourceDoc;
use serde_json::{Map, Value};

#[derive(Debug, Clone, PartialEq, Eq, serde::Serialize)]
pub struct Change {
    /// `share_attr`, `fields.uscc`, `fields.uscc.grade`, …
    pub path: String,
    /// The values as text (lists joined with `、`); `None` where the thing did not exist.
    pub old: Option<String>,
    pub new: Option<String>,
}

fn show(v: &Value) -> String {
    match v {
        Value::Null => String::new(),
        Value::String(s) => s.clone(),
        Value::Array(items) => items.iter().map(show).collect::<Vec<_>>().join("、"),
        other => other.to_string(),
    }
}

fn object(doc: &ResourceDoc) -> Map<String, Value> {
    match serde_json::to_value(doc) {
        Ok(Value::Object(m)) => m,
        _ => unreachable!("a ResourceDoc serializes as an object"),
    }
}

fn fields(m: &mut Map<String, Value>) -> Vec<(String, Map<String, Value>)> {
    let Some(Value::Array(list)) = m.remove("fields") else {
        return Vec::new();
    };
    list.into_iter()
        .filter_map(|f| match f {
            Value::Object(o) => Some((o.get("code").map(show).unwrap_or_default(), o)),
            _ => None,
        })
        .collect()
}

fn compare(
    prefix: &str,
    old: &Map<String, Value>,
    new: &Map<String, Value>,
    out: &mut Vec<Change>,
) {
    for (k, ov) in old {
        let nv = new.get(k).unwrap_or(&Value::Null);
        if ov != nv {
            out.push(Change {
                path: format!("{prefix}{k}"),
                old: Some(show(ov)),
                new: Some(show(nv)),
            });
        }
    }
}

/// What changed from `old` to `new`, attributes in the document's order, then fields.
pub fn diff(old: &ResourceDoc, new: &ResourceDoc) -> Vec<Change> {
    let (mut o, mut n) = (object(old), object(new));
    let (of, nf) = (fields(&mut o), fields(&mut n));
    let mut out = Vec::new();
    compare("", &o, &n, &mut out);
    for (code, ofield) in &of {
        match nf.iter().find(|(c, _)| c == code) {
            Some((_, nfield)) => compare(&format!("fields.{code}."), ofield, nfield, &mut out),
            None => out.push(Change {
                path: format!("fields.{code}"),
                old: ofield.get("name").map(show),
                new: None,
            }),
        }
    }
    for (code, nfield) in &nf {
        if !of.iter().any(|(c, _)| c == code) {
            out.push(Change {
                path: format!("fields.{code}"),
                old: None,
                new: nfield.get("name").map(show),
            });
        }
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{Field, FieldType, ShareAttr};

    fn sample() -> ResourceDoc {
        serde_json::from_value(serde_json::json!({
            "code": "1/01/002/0001", "name": "企业登记信息", "provider_org_id": "o",
            "category": "basic", "format": "database", "update_cycle": "daily",
            "share_attr": "unconditional", "share_methods": ["api"], "open_attr": "not_open",
            "tags": ["企业"],
            "fields": [
                {"name": "统一社会信用代码", "code": "uscc", "type": "C", "is_key": true, "identifier": "uscc"},
                {"name": "企业名称", "code": "name", "type": "C"}
            ]
        }))
        .unwrap()
    }

    #[test]
    fn same_documents_have_no_difference() {
        assert!(diff(&sample(), &sample()).is_empty());
    }

    #[test]
    fn names_each_changed_attribute_and_field() {
        let old = sample();
        let mut new = sample();
        new.share_attr = ShareAttr::Conditional;
        new.tags.push("法人".into());
        new.fields[1].grade = 3;
        new.fields.remove(0);
        new.fields.push(Field {
            name: "注册资本".into(),
            code: "capital".into(),
            field_type: FieldType::Y,
            is_key: false,
            identifier: None,
            sensitive: false,
            grade: 1,
            required: false,
            description: String::new(),
            rules: Default::default(),
        });
        let d = diff(&old, &new);
        let paths: Vec<_> = d.iter().map(|c| c.path.as_str()).collect();
        assert_eq!(
            paths,
            [
                "share_attr",
                "tags",
                "fields.uscc",
                "fields.name.grade",
                "fields.capital"
            ]
        );
        assert_eq!(d[0].old.as_deref(), Some("unconditional"));
        assert_eq!(d[0].new.as_deref(), Some("conditional"));
        assert_eq!(d[1].new.as_deref(), Some("企业、法人"));
        assert_eq!(
            (d[2].old.as_deref(), d[2].new.as_deref()),
            (Some("统一社会信用代码"), None)
        );
        assert_eq!(
            (d[3].old.as_deref(), d[3].new.as_deref()),
            (Some("1"), Some("3"))
        );
        assert_eq!(
            (d[4].old.as_deref(), d[4].new.as_deref()),
            (None, Some("注册资本"))
        );
    }
}
