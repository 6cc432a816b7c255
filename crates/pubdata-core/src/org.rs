//! Units (政务部门 / 公共服务企事业单位): their kind and sector.

use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum OrgKind {
    /// 政务部门
    Government,
    /// 公共服务企事业单位
    PublicService,
}

impl OrgKind {
    pub const ALL: [OrgKind; 2] = [OrgKind::Government, OrgKind::PublicService];

    pub fn as_str(self) -> &'static str {
        match self {
            OrgKind::Government => "government",
            OrgKind::PublicService => "public_service",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            OrgKind::Government => "政务部门",
            OrgKind::PublicService => "公共服务企事业单位",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            OrgKind::Government => "Government department",
            OrgKind::PublicService => "Public-service unit",
        }
    }
}

/// The sectors the regulations name for public-service units; government departments
/// usually take `other` or the sector they regulate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Sector {
    Water,
    Power,
    Gas,
    Heating,
    PublicTransport,
    Transport,
    Telecom,
    Education,
    Healthcare,
    ElderlyCare,
    Postal,
    Other,
}

impl Sector {
    pub const ALL: [Sector; 12] = [
        Sector::Water,
        Sector::Power,
        Sector::Gas,
        Sector::Heating,
        Sector::PublicTransport,
        Sector::Transport,
        Sector::Telecom,
        Sector::Education,
        Sector::Healthcare,
        Sector::ElderlyCare,
        Sector::Postal,
        Sector::Other,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Sector::Water => "water",
            Sector::Power => "power",
            Sector::Gas => "gas",
            Sector::Heating => "heating",
            Sector::PublicTransport => "public_transport",
            Sector::Transport => "transport",
            Sector::Telecom => "telecom",
            Sector::Education => "education",
            Sector::Healthcare => "healthcare",
            Sector::ElderlyCare => "elderly_care",
            Sector::Postal => "postal",
            Sector::Other => "other",
        }
    }

    pub fn parse(s: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|k| k.as_str() == s)
    }

    pub fn label_zh(self) -> &'static str {
        match self {
            Sector::Water => "供水",
            Sector::Power => "供电",
            Sector::Gas => "供气",
            Sector::Heating => "供热",
            Sector::PublicTransport => "公共交通",
            Sector::Transport => "交通运输",
            Sector::Telecom => "通信",
            Sector::Education => "教育",
            Sector::Healthcare => "医疗卫生",
            Sector::ElderlyCare => "养老",
            Sector::Postal => "邮政",
            Sector::Other => "其他",
        }
    }

    pub fn label_en(self) -> &'static str {
        match self {
            Sector::Water => "Water",
            Sector::Power => "Power",
            Sector::Gas => "Gas",
            Sector::Heating => "Heating",
            Sector::PublicTransport => "Public transport",
            Sector::Transport => "Transport",
            Sector::Telecom => "Telecom",
            Sector::Education => "Education",
            Sector::Healthcare => "Healthcare",
            Sector::ElderlyCare => "Elderly care",
            Sector::Postal => "Postal",
            Sector::Other => "Other",
        }
    }
}
