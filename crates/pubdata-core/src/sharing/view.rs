//! What a reader sees of a record (DESIGN.md §4): only the fields it may read; of those,
//! fields of grade 3 or 4 masked by the field's rule unless the provider allowed them raw;
//! grades 1 and 2 as they are. A unit reads its own data whole.

use crate::catalog::Field;
use crate::masking::Mask;

/// The scope a decision left: the unit's own data, or some fields of another's.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Scope<'a> {
    /// The unit's own resource: every field, unmasked.
    Own,
    /// `granted`: the fields (None: every field, as for unconditional data); `raw`: those of
    /// grade 3 or 4 the provider allowed unmasked.
    Fields {
        granted: Option<&'a [String]>,
        raw: &'a [String],
    },
}

/// How one field is released.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Release {
    Raw,
    Masked(Mask),
}

/// One released field: its position in the resource's fields, its code, and how.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FieldRelease {
    pub index: usize,
    pub code: String,
    pub release: Release,
}

/// The grade from which a field is masked unless allowed raw.
pub const MASKED_FROM_GRADE: u8 = 3;

/// The fields released under `scope`, in the resource's order.
pub fn releases(fields: &[Field], scope: Scope<'_>) -> Vec<FieldRelease> {
    fields
        .iter()
        .enumerate()
        .filter_map(|(index, f)| {
            let release = match scope {
                Scope::Own => Release::Raw,
                Scope::Fields { granted, raw } => {
                    if let Some(g) = granted
                        && !g.iter().any(|c| c == &f.code)
                    {
                        return None;
                    }
                    if f.grade >= MASKED_FROM_GRADE && !raw.iter().any(|c| c == &f.code) {
                        Release::Masked(Mask::for_field(f))
                    } else {
                        Release::Raw
                    }
                }
            };
            Some(FieldRelease {
                index,
                code: f.code.clone(),
                release,
            })
        })
        .collect()
}

impl Release {
    /// The value as released.
    pub fn apply(self, value: &str) -> String {
        match self {
            Release::Raw => value.to_owned(),
            Release::Masked(m) => m.apply(value),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::catalog::{FieldType, IdentifierKind, ValueRules};

    fn field(code: &str, name: &str, grade: u8, id: Option<IdentifierKind>) -> Field {
        Field {
            name: name.into(),
            code: code.into(),
            field_type: FieldType::C,
            is_key: false,
            identifier: id,
            sensitive: grade >= 3,
            grade,
            required: false,
            description: String::new(),
            rules: ValueRules::default(),
        }
    }

    fn household() -> Vec<Field> {
        vec![
            field(
                "citizen_id",
                "公民身份号码",
                4,
                Some(IdentifierKind::CitizenId),
            ),
            field("name", "姓名", 3, None),
            field("gender", "性别", 2, None),
            field("domicile_address", "户籍地址", 3, None),
            field("police_station", "户籍所属派出所", 1, None),
        ]
    }

    #[test]
    fn a_grant_releases_its_fields_masked_by_grade_unless_allowed_raw() {
        let fs = household();
        let granted: Vec<String> = ["citizen_id", "name", "gender", "domicile_address"]
            .map(String::from)
            .into();
        let raw = vec!["name".to_owned()];
        let r = releases(
            &fs,
            Scope::Fields {
                granted: Some(&granted),
                raw: &raw,
            },
        );
        let got: Vec<(&str, Release)> = r.iter().map(|f| (f.code.as_str(), f.release)).collect();
        assert_eq!(
            got,
            vec![
                ("citizen_id", Release::Masked(Mask::CitizenId)),
                ("name", Release::Raw),
                ("gender", Release::Raw),
                ("domicile_address", Release::Masked(Mask::Address)),
            ]
        );
        assert_eq!(
            r[0].release.apply("110105194912310029"),
            "110105********0029"
        );
    }

    #[test]
    fn unconditional_data_releases_every_field_and_its_own_unit_reads_it_whole() {
        let fs = household();
        let all = releases(
            &fs,
            Scope::Fields {
                granted: None,
                raw: &[],
            },
        );
        assert_eq!(all.len(), 5);
        assert_eq!(all[1].release, Release::Masked(Mask::Name));
        assert_eq!(all[4].release, Release::Raw);
        assert!(
            releases(&fs, Scope::Own)
                .iter()
                .all(|f| f.release == Release::Raw)
        );
    }
}
