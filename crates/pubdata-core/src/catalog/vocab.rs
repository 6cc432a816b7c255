//! The catalog's closed vocabularies (DESIGN.md §1), each with its stored name and zh/en
//! labels. The stored name is what the API, the database and the import template use.

use serde::{Deserialize, Serialize};

/// Declares a vocabulary enum: stored name, zh label, en label per variant.
macro_rules! vocab {
    ($(#[$m:meta])* $name:ident { $($variant:ident => $s:literal, $zh:literal, $en:literal;)* }) => {
        $(#[$m])*
        #[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
        pub enum $name { $(#[serde(rename = $s)] $variant),* }

        impl $name {
            pub const ALL: &'static [$name] = &[$($name::$variant),*];
            pub fn as_str(self) -> &'static str {
                match self { $($name::$variant => $s),* }
            }
            pub fn label_zh(self) -> &'static str {
                match self { $($name::$variant => $zh),* }
            }
            pub fn label_en(self) -> &'static str {
                match self { $($name::$variant => $en),* }
            }
            /// By stored name, or by its Chinese label (as the import template writes it).
            pub fn parse(s: &str) -> Option<$name> {
                let s = s.trim();
                Self::ALL.iter().copied().find(|v| v.as_str() == s || v.label_zh() == s)
            }
            /// The stored names, for error messages.
            pub fn names() -> String {
                Self::ALL.iter().map(|v| v.as_str()).collect::<Vec<_>>().join(", ")
            }
        }

        impl std::fmt::Display for $name {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }
    };
}
pub(crate) use vocab;

vocab! {
    /// 资源分类: the first digit of a resource code.
    Category {
        Basic => "basic", "基础信息资源", "Basic";
        Thematic => "thematic", "主题信息资源", "Thematic";
        Departmental => "departmental", "部门信息资源", "Departmental";
    }
}

impl Category {
    /// The class digit of the code (`分类码`'s first part).
    pub fn digit(self) -> char {
        match self {
            Category::Basic => '1',
            Category::Thematic => '2',
            Category::Departmental => '3',
        }
    }
}

vocab! {
    /// 资源格式 (编制指南).
    ResourceFormat {
        ElectronicFile => "electronic_file", "电子文件", "Electronic file";
        Spreadsheet => "spreadsheet", "电子表格", "Spreadsheet";
        Database => "database", "数据库", "Database";
        Image => "image", "图形图像", "Image";
        Stream => "stream", "流媒体", "Stream";
        SelfDescribing => "self_describing", "自描述格式", "Self-describing";
        ServiceInterface => "service_interface", "服务接口", "Service interface";
    }
}

vocab! {
    /// 信息项数据类型, the 编制指南's one-letter set.
    FieldType {
        C => "C", "字符型", "Text";
        N => "N", "数值型", "Number";
        Y => "Y", "货币型", "Currency";
        D => "D", "日期型", "Date";
        T => "T", "日期时间型", "Date and time";
        L => "L", "逻辑型", "Boolean";
        M => "M", "备注型", "Memo";
        G => "G", "通用型", "General";
        B => "B", "二进制", "Binary";
        I => "I", "整数型", "Integer";
        F => "F", "浮点型", "Float";
    }
}

vocab! {
    /// 共享属性.
    ShareAttr {
        Unconditional => "unconditional", "无条件共享", "Shared unconditionally";
        Conditional => "conditional", "有条件共享", "Shared on conditions";
        NotShared => "not_shared", "不予共享", "Not shared";
    }
}

vocab! {
    /// 开放属性.
    OpenAttr {
        Unconditional => "unconditional", "无条件开放", "Open unconditionally";
        Conditional => "conditional", "有条件开放", "Open on conditions";
        NotOpen => "not_open", "不予开放", "Not open";
    }
}

vocab! {
    /// 共享方式.
    ShareMethod {
        Api => "api", "接口", "API";
        File => "file", "文件", "File";
        Table => "table", "库表", "Table";
    }
}

vocab! {
    /// 更新周期.
    UpdateCycle {
        Realtime => "realtime", "实时", "Real time";
        Daily => "daily", "每日", "Daily";
        Weekly => "weekly", "每周", "Weekly";
        Monthly => "monthly", "每月", "Monthly";
        Quarterly => "quarterly", "每季度", "Quarterly";
        HalfYearly => "half_yearly", "每半年", "Half-yearly";
        Yearly => "yearly", "每年", "Yearly";
        Irregular => "irregular", "不定期", "Irregular";
    }
}

vocab! {
    /// What kind of identifier a field holds, so that aggregation checks every value.
    IdentifierKind {
        Uscc => "uscc", "统一社会信用代码", "Unified social credit code";
        CitizenId => "citizen_id", "公民身份号码", "Citizen ID number";
    }
}

vocab! {
    /// Where a resource stands in its review.
    ResourceStatus {
        Draft => "draft", "草稿", "Draft";
        Submitted => "submitted", "待审核", "Submitted";
        Returned => "returned", "已退回", "Returned";
        Published => "published", "已发布", "Published";
        Withdrawn => "withdrawn", "已撤销", "Withdrawn";
    }
}

vocab! {
    /// 政务信息系统 status, planned → under review → approved → in service → retired.
    SystemStatus {
        Planned => "planned", "规划中", "Planned";
        UnderReview => "under_review", "审核中", "Under review";
        Approved => "approved", "已批准", "Approved";
        InService => "in_service", "运行中", "In service";
        Retired => "retired", "已停用", "Retired";
    }
}

vocab! {
    /// Why a catalog review task was closed.
    TaskResolution {
        Updated => "updated", "已更新目录", "Catalog updated";
        NoChange => "no_change", "无需变更", "No change needed";
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn parse_takes_the_stored_name_or_the_chinese_label() {
        assert_eq!(
            ShareAttr::parse("conditional"),
            Some(ShareAttr::Conditional)
        );
        assert_eq!(ShareAttr::parse("有条件共享"), Some(ShareAttr::Conditional));
        assert_eq!(UpdateCycle::parse(" 每日 "), Some(UpdateCycle::Daily));
        assert_eq!(FieldType::parse("c"), None);
        assert_eq!(OpenAttr::parse("open"), None);
    }

    #[test]
    fn serde_uses_the_stored_names() {
        assert_eq!(serde_json::to_string(&FieldType::C).unwrap(), "\"C\"");
        assert_eq!(
            serde_json::to_string(&UpdateCycle::HalfYearly).unwrap(),
            "\"half_yearly\""
        );
        let f: ResourceFormat = serde_json::from_str("\"service_interface\"").unwrap();
        assert_eq!(f, ResourceFormat::ServiceInterface);
    }
}
