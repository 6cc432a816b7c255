//! The demo city: 澜江市, a fictional prefecture-level city (its division code 369900 is
//! not a real one). Its data authority and sixteen units, each with a steward and a member,
//! plus an administrator and an auditor; all credit codes are valid GB 32100 codes. Its
//! catalog (resources, information systems, duty changes) is in [`crate::demo_catalog`].

use crate::action::Audited;
use crate::platform::orgs::{OrgInput, create_org};
use crate::platform::users::{NewUser, create_user};
use crate::{ActionError, App};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::identifiers::credit_code_check_char;
use pubdata_core::policy;

/// Every demo user's password: 8+ characters, four character classes.
pub const DEMO_PASSWORD: &str = "Demo-2026-pass";

const DIVISION: &str = "369900";

/// (slug, name, kind, sector, category of the credit code, accountable head)
pub(crate) const UNITS: &[(&str, &str, &str, &str, &str, &str)] = &[
    (
        "bigdata",
        "澜江市大数据局",
        "government",
        "other",
        "11",
        "周明远",
    ),
    (
        "police",
        "澜江市公安局",
        "government",
        "other",
        "11",
        "郑国强",
    ),
    (
        "market",
        "澜江市市场监督管理局",
        "government",
        "other",
        "11",
        "王晓华",
    ),
    (
        "hrss",
        "澜江市人力资源和社会保障局",
        "government",
        "other",
        "11",
        "李秀英",
    ),
    (
        "health",
        "澜江市卫生健康委员会",
        "government",
        "healthcare",
        "11",
        "陈建平",
    ),
    (
        "transport",
        "澜江市交通运输局",
        "government",
        "transport",
        "11",
        "刘志刚",
    ),
    (
        "water",
        "澜江水务集团有限公司",
        "public_service",
        "water",
        "91",
        "赵海波",
    ),
    (
        "power",
        "国网澜江供电公司",
        "public_service",
        "power",
        "91",
        "孙立新",
    ),
    (
        "bus",
        "澜江公交集团有限责任公司",
        "public_service",
        "public_transport",
        "91",
        "吴建军",
    ),
    (
        "civil",
        "澜江市民政局",
        "government",
        "other",
        "11",
        "黄淑敏",
    ),
    (
        "edu",
        "澜江市教育局",
        "government",
        "education",
        "11",
        "林振华",
    ),
    (
        "nrp",
        "澜江市自然资源和规划局",
        "government",
        "other",
        "11",
        "何永昌",
    ),
    (
        "housing",
        "澜江市住房和城乡建设局",
        "government",
        "other",
        "11",
        "马卫东",
    ),
    (
        "eco",
        "澜江市生态环境局",
        "government",
        "other",
        "11",
        "高文涛",
    ),
    (
        "stats",
        "澜江市统计局",
        "government",
        "other",
        "11",
        "罗文静",
    ),
    (
        "citygas",
        "澜江市燃气集团有限公司",
        "public_service",
        "gas",
        "91",
        "钱国栋",
    ),
    (
        "heat",
        "澜江热力集团有限公司",
        "public_service",
        "heating",
        "91",
        "冯立群",
    ),
];

/// A sign-in of the demo city, printed at start.
pub struct DemoSignIn {
    pub username: String,
    pub role: &'static str,
    pub org: String,
}

/// The GB 11714 organisation code (8 characters + its check) for the n-th demo unit.
fn org_code(n: usize) -> String {
    let body = format!("{:08}", 55_120_000 + n * 37);
    let weights = [3, 7, 9, 10, 5, 8, 4, 2];
    let sum: u32 = body
        .chars()
        .zip(weights)
        .map(|(c, w)| c.to_digit(10).expect("digit") * w)
        .sum();
    let check = match 11 - sum % 11 {
        10 => 'X',
        11 => '0',
        c => char::from_digit(c, 10).expect("digit"),
    };
    format!("{body}{check}")
}

pub fn demo_uscc(n: usize, category: &str) -> String {
    let first17 = format!("{category}{DIVISION}{}", org_code(n));
    let check =
        credit_code_check_char(&first17).expect("demo codes use the GB 32100 character set");
    format!("{first17}{check}")
}

/// Whether the platform holds no units and no users yet (start-up asks before `serve --demo`
/// loads the demo; a read by the platform itself, not audited).
pub async fn is_empty(app: &App) -> Result<bool, ActionError> {
    let mut tx = app.db().begin().await?;
    let empty = pubdata_store::orgs::count(&mut tx).await? == 0
        && pubdata_store::users::count(&mut tx).await? == 0;
    tx.rollback().await?;
    Ok(empty)
}

/// Loads the demo city. Refused (`demo_not_empty`) unless there are no units and no users yet.
/// Each unit and user is created by its own action (and audit entry); `load_demo` records
/// one entry more for the whole.
pub async fn load_demo(app: &App, actor: &Actor) -> Result<Vec<DemoSignIn>, ActionError> {
    let a = Audited::new(app, actor, Action::LoadDemo).with_target(Target::new("demo", "澜江市"));
    a.finish(
        async {
            policy::manage_orgs(actor, a.action)?;
            if !is_empty(app).await? {
                return Err(ActionError::Conflict("demo_not_empty"));
            }
            let sign_ins = create_city(app, actor).await?;
            a.commit(a.begin().await?).await?;
            Ok(sign_ins)
        }
        .await,
    )
    .await
}

async fn create_city(app: &App, actor: &Actor) -> Result<Vec<DemoSignIn>, ActionError> {
    let mut sign_ins = Vec::new();
    let mut unit_ids = std::collections::HashMap::new();
    for (n, (slug, name, kind, sector, category, head)) in UNITS.iter().enumerate() {
        let org = create_org(
            app,
            actor,
            OrgInput {
                name: (*name).into(),
                kind: (*kind).into(),
                sector: (*sector).into(),
                uscc: demo_uscc(n, category),
                parent_id: None,
                accountable_head: (*head).into(),
            },
        )
        .await?;
        unit_ids.insert(*slug, org.id.clone());
        let mut users: Vec<(String, &'static str, String)> = vec![
            (
                format!("{slug}_steward"),
                "steward",
                format!("{name}数据专管员"),
            ),
            (
                format!("{slug}_member"),
                "member",
                format!("{name}工作人员"),
            ),
        ];
        if *slug == "bigdata" {
            users.insert(0, ("admin".into(), "platform_admin", "平台管理员".into()));
            users.insert(1, ("auditor".into(), "auditor", "审计员".into()));
        }
        for (username, role, display) in users {
            create_user(
                app,
                actor,
                NewUser {
                    username: username.clone(),
                    display_name: display,
                    org_id: Some(org.id.clone()),
                    roles: vec![role.to_owned()],
                    password: DEMO_PASSWORD.into(),
                },
            )
            .await?;
            sign_ins.push(DemoSignIn {
                username,
                role,
                org: (*name).to_owned(),
            });
        }
    }
    crate::demo_catalog::create_catalog(app, actor, &unit_ids).await?;
    crate::demo_data::load(app, actor).await?;
    Ok(sign_ins)
}

#[cfg(test)]
mod tests {
    use pubdata_core::identifiers::CreditCode;

    #[test]
    fn every_demo_credit_code_is_valid_and_distinct() {
        let codes: Vec<String> = super::UNITS
            .iter()
            .enumerate()
            .map(|(n, u)| super::demo_uscc(n, u.4))
            .collect();
        for c in &codes {
            let parsed = CreditCode::parse(c).expect(c);
            assert_eq!(parsed.org_code_warning(), None, "{c}");
        }
        let mut d = codes.clone();
        d.sort();
        d.dedup();
        assert_eq!(d.len(), codes.len());
    }
}
