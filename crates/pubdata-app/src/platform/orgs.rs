//! Units: create, change, disable, read.

use super::{Page, page_limit};
use crate::action::Audited;
use crate::error::{FieldError, Problems};
use crate::{ActionError, App, new_id, now_ms};
use pubdata_core::Actor;
use pubdata_core::audit::{Action, Target};
use pubdata_core::identifiers::CreditCode;
use pubdata_core::org::{OrgKind, Sector};
use pubdata_core::policy;
use pubdata_store::orgs::{self as store, OrgRow};
use serde::{Deserialize, Serialize};

#[derive(Debug, Clone, Serialize, PartialEq, Eq)]
pub struct Org {
    pub id: String,
    pub name: String,
    pub kind: OrgKind,
    pub sector: Sector,
    pub uscc: String,
    pub parent_id: Option<String>,
    pub accountable_head: String,
    pub disabled: bool,
}

impl TryFrom<OrgRow> for Org {
    type Error = ActionError;
    fn try_from(r: OrgRow) -> Result<Org, ActionError> {
        let corrupt = |what: &str| ActionError::Unexpected(format!("org {}: bad {what}", r.id));
        Ok(Org {
            kind: OrgKind::parse(&r.kind).ok_or_else(|| corrupt("kind"))?,
            sector: Sector::parse(&r.sector).ok_or_else(|| corrupt("sector"))?,
            id: r.id,
            name: r.name,
            uscc: r.uscc,
            parent_id: r.parent_id,
            accountable_head: r.accountable_head,
            disabled: r.disabled,
        })
    }
}

/// The fields of a unit as a caller sends them, unchecked.
#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct OrgInput {
    pub name: String,
    pub kind: String,
    pub sector: String,
    pub uscc: String,
    #[serde(default)]
    pub parent_id: Option<String>,
    pub accountable_head: String,
}

struct ValidOrg {
    name: String,
    kind: OrgKind,
    sector: Sector,
    uscc: CreditCode,
    parent_id: Option<String>,
    accountable_head: String,
}

fn parse(input: &OrgInput) -> Result<ValidOrg, ActionError> {
    let mut p = Problems::default();
    let name = p.text(
        "name",
        "invalid_name",
        &input.name,
        100,
        ("单位名称", "name"),
    );
    let kind = OrgKind::parse(input.kind.trim());
    if kind.is_none() {
        p.add(
            "invalid_input",
            FieldError::new(
                "kind",
                "invalid_kind",
                "单位类型应为 government 或 public_service",
                "kind must be government or public_service",
            ),
        );
    }
    let sector = Sector::parse(input.sector.trim());
    if sector.is_none() {
        let names: Vec<_> = Sector::ALL.iter().map(|s| s.as_str()).collect();
        p.add(
            "invalid_input",
            FieldError::new(
                "sector",
                "invalid_sector",
                format!("行业应为：{}", names.join("、")),
                format!("sector must be one of {}", names.join(", ")),
            ),
        );
    }
    let uscc = match CreditCode::parse(&input.uscc) {
        Ok(c) => Some(c),
        Err(e) => {
            p.add(
                "invalid_uscc",
                FieldError::new("uscc", e.code(), e.message_zh(), e.to_string()),
            );
            None
        }
    };
    let head = p.text(
        "accountable_head",
        "invalid_accountable_head",
        &input.accountable_head,
        50,
        ("第一责任人", "accountable head"),
    );
    p.finish()?;
    Ok(ValidOrg {
        name: name.to_owned(),
        kind: kind.expect("checked"),
        sector: sector.expect("checked"),
        uscc: uscc.expect("checked"),
        parent_id: input
            .parent_id
            .as_deref()
            .map(str::trim)
            .filter(|s| !s.is_empty())
            .map(str::to_owned),
        accountable_head: head.to_owned(),
    })
}

/// A unique index caught what `check_clashes` could not see yet: a concurrent transaction
/// (PostgreSQL) committed the same code or name in between.
fn clash(e: pubdata_store::StoreError) -> ActionError {
    if e.is_unique_violation_on("orgs", "uscc") {
        ActionError::Conflict("uscc_taken")
    } else if e.is_unique_violation_on("orgs", "name") {
        ActionError::Conflict("org_name_taken")
    } else {
        e.into()
    }
}

/// Refuses a duplicate name or credit code, and a parent that is unknown or would make a cycle.
async fn check_clashes(
    tx: &mut pubdata_store::Tx,
    org: &ValidOrg,
    id: Option<&str>,
) -> Result<(), ActionError> {
    if let Some(other) = store::get_by_uscc(tx, org.uscc.as_str()).await?
        && Some(other.id.as_str()) != id
    {
        return Err(ActionError::Conflict("uscc_taken"));
    }
    if let Some(other) = store::get_by_name(tx, &org.name).await?
        && Some(other.id.as_str()) != id
    {
        return Err(ActionError::Conflict("org_name_taken"));
    }
    if let Some(parent) = &org.parent_id {
        if store::get(tx, parent).await?.is_none() {
            return Err(ActionError::invalid(
                "invalid_input",
                FieldError::new(
                    "parent_id",
                    "unknown_parent",
                    "上级单位不存在",
                    "parent org does not exist",
                ),
            ));
        }
        if let Some(id) = id
            && (parent == id || store::ancestors(tx, parent).await?.iter().any(|a| a == id))
        {
            return Err(ActionError::invalid(
                "invalid_input",
                FieldError::new(
                    "parent_id",
                    "parent_cycle",
                    "上级单位不能是本单位或其下级",
                    "parent would make a cycle",
                ),
            ));
        }
    }
    Ok(())
}

pub async fn create_org(app: &App, actor: &Actor, input: OrgInput) -> Result<Org, ActionError> {
    let a = Audited::new(app, actor, Action::CreateOrg);
    a.finish(
        async {
            let permit = policy::manage_orgs(actor, a.action)?;
            let valid = parse(&input)?;
            let mut tx = a.begin().await?;
            check_clashes(&mut tx, &valid, None).await?;
            let now = now_ms();
            let row = OrgRow {
                id: new_id(),
                name: valid.name,
                kind: valid.kind.as_str().to_owned(),
                sector: valid.sector.as_str().to_owned(),
                uscc: valid.uscc.as_str().to_owned(),
                parent_id: valid.parent_id,
                accountable_head: valid.accountable_head,
                disabled: false,
                created_at: now,
                updated_at: now,
            };
            a.set_target(Target::new("org", &row.id));
            store::insert(&mut tx, &permit, &row).await.map_err(clash)?;
            a.commit(tx).await?;
            Org::try_from(row)
        }
        .await,
    )
    .await
}

pub async fn update_org(
    app: &App,
    actor: &Actor,
    id: &str,
    input: OrgInput,
) -> Result<Org, ActionError> {
    let a = Audited::new(app, actor, Action::UpdateOrg).with_target(Target::new("org", id));
    a.finish(
        async {
            let permit = policy::manage_orgs(actor, a.action)?;
            let valid = parse(&input)?;
            let mut tx = a.begin().await?;
            let mut row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("org_not_found"))?;
            check_clashes(&mut tx, &valid, Some(id)).await?;
            row.name = valid.name;
            row.kind = valid.kind.as_str().to_owned();
            row.sector = valid.sector.as_str().to_owned();
            row.uscc = valid.uscc.as_str().to_owned();
            row.parent_id = valid.parent_id;
            row.accountable_head = valid.accountable_head;
            row.updated_at = now_ms();
            store::update(&mut tx, &permit, &row).await.map_err(clash)?;
            a.commit(tx).await?;
            Org::try_from(row)
        }
        .await,
    )
    .await
}

/// Disables (`disabled = true`) or re-enables a unit. A disabled unit's users cannot sign in.
pub async fn set_org_disabled(
    app: &App,
    actor: &Actor,
    id: &str,
    disabled: bool,
) -> Result<Org, ActionError> {
    let action = if disabled {
        Action::DisableOrg
    } else {
        Action::EnableOrg
    };
    let a = Audited::new(app, actor, action).with_target(Target::new("org", id));
    a.finish(
        async {
            let permit = policy::manage_orgs(actor, a.action)?;
            let mut tx = a.begin().await?;
            let mut row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("org_not_found"))?;
            row.disabled = disabled;
            row.updated_at = now_ms();
            store::update(&mut tx, &permit, &row).await?;
            a.commit(tx).await?;
            Org::try_from(row)
        }
        .await,
    )
    .await
}

pub async fn get_org(app: &App, actor: &Actor, id: &str) -> Result<Org, ActionError> {
    let a = Audited::new(app, actor, Action::GetOrg).with_target(Target::new("org", id));
    a.finish(
        async {
            policy::view_orgs(actor, a.action)?;
            let mut tx = a.begin().await?;
            let row = store::get(&mut tx, id)
                .await?
                .ok_or(ActionError::NotFound("org_not_found"))?;
            a.commit(tx).await?;
            Org::try_from(row)
        }
        .await,
    )
    .await
}

pub async fn list_orgs(
    app: &App,
    actor: &Actor,
    cursor: Option<&str>,
    limit: Option<i64>,
    include_disabled: bool,
) -> Result<Page<Org>, ActionError> {
    let a = Audited::new(app, actor, Action::ListOrgs);
    a.finish(
        async {
            policy::view_orgs(actor, a.action)?;
            let limit = page_limit(limit);
            let mut tx = a.begin().await?;
            let rows = store::list(&mut tx, cursor, limit + 1, include_disabled).await?;
            a.commit(tx).await?;
            let more = rows.len() as i64 > limit;
            let items = rows
                .into_iter()
                .take(limit as usize)
                .map(Org::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            let next_cursor = if more {
                items.last().map(|o| o.id.clone())
            } else {
                None
            };
            Ok(Page { items, next_cursor })
        }
        .await,
    )
    .await
}
