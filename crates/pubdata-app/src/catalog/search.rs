//! Catalog search: the same search for the pages and `GET /api/v1/resources`.

use super::resources::Resource;
use crate::action::Audited;
use crate::{ActionError, App};
use pubdata_core::Actor;
use pubdata_core::audit::Action;
use pubdata_core::catalog::search::Query;
use pubdata_core::policy;
use pubdata_store::catalog::search::{self as store, Filter, Match, Sort, Visibility};
use serde::{Deserialize, Serialize};
use std::collections::BTreeMap;

#[derive(Debug, Clone, Default, Deserialize)]
#[serde(deny_unknown_fields)]
pub struct SearchInput {
    #[serde(default)]
    pub q: Option<String>,
    pub provider_org_id: Option<String>,
    pub share_attr: Option<String>,
    pub open_attr: Option<String>,
    pub status: Option<String>,
    pub theme: Option<String>,
    pub format: Option<String>,
    pub update_cycle: Option<String>,
    /// `relevance` (default) or `updated`.
    pub sort: Option<String>,
    pub cursor: Option<String>,
    pub limit: Option<i64>,
}

/// The facets, in the order pages show them.
pub const FACETS: [&str; 6] = [
    "provider_org_id",
    "theme",
    "share_attr",
    "open_attr",
    "format",
    "update_cycle",
];

#[derive(Debug, Clone, Serialize)]
pub struct SearchPage {
    pub items: Vec<Resource>,
    pub next_cursor: Option<String>,
    /// How many entries match in all.
    pub total: i64,
    /// For each facet, each value's count among all matches.
    pub facets: BTreeMap<&'static str, BTreeMap<String, i64>>,
}

fn blank_is_none(v: &Option<String>) -> Option<String> {
    v.as_deref()
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_owned)
}

/// The cursor is the offset of the next page, opaque to callers.
fn offset(cursor: Option<&str>) -> Result<i64, ActionError> {
    match cursor.map(str::trim).filter(|c| !c.is_empty()) {
        None => Ok(0),
        Some(c) => c
            .parse::<i64>()
            .ok()
            .filter(|n| (0..=1_000_000).contains(n))
            .ok_or(ActionError::BadRequest("invalid_cursor")),
    }
}

pub async fn search_resources(
    app: &App,
    actor: &Actor,
    input: SearchInput,
) -> Result<SearchPage, ActionError> {
    let a = Audited::new(app, actor, Action::SearchResources);
    a.finish(
        async {
            policy::search_catalog(actor, a.action)?;
            let limit = crate::platform::page_limit(input.limit);
            let offset = offset(input.cursor.as_deref())?;
            let sort = match input.sort.as_deref().map(str::trim) {
                None | Some("") | Some("relevance") => Sort::Relevance,
                Some("updated") => Sort::Updated,
                Some(_) => return Err(ActionError::BadRequest("invalid_sort")),
            };
            let text = input.q.as_deref().and_then(Query::parse).map(|q| Match {
                fts5: q.to_fts5(),
                tsquery: q.to_tsquery(),
            });
            let filter = Filter {
                provider_org_id: blank_is_none(&input.provider_org_id),
                share_attr: blank_is_none(&input.share_attr),
                open_attr: blank_is_none(&input.open_attr),
                status: blank_is_none(&input.status),
                theme: blank_is_none(&input.theme),
                format: blank_is_none(&input.format),
                update_cycle: blank_is_none(&input.update_cycle),
            };
            let visibility = if policy::sees_whole_catalog(actor) {
                Visibility::All
            } else {
                Visibility::PublishedOr(actor.org_id().map(str::to_owned))
            };
            let mut tx = app.db().begin_read().await?;
            let found = store::search(
                &mut tx,
                text.as_ref(),
                &filter,
                &visibility,
                sort,
                offset,
                limit,
            )
            .await?;
            tx.rollback().await?;
            let tx = a.begin().await?;
            a.commit(tx).await?;

            let mut facets: BTreeMap<&'static str, BTreeMap<String, i64>> =
                FACETS.iter().map(|f| (*f, BTreeMap::new())).collect();
            let mut total = 0;
            for f in &found.facets {
                total += f.n;
                let values = [
                    &f.provider_org_id,
                    &f.theme,
                    &f.share_attr,
                    &f.open_attr,
                    &f.format,
                    &f.update_cycle,
                ];
                for (name, value) in FACETS.iter().zip(values) {
                    *facets
                        .get_mut(name)
                        .expect("every facet")
                        .entry(value.clone())
                        .or_default() += f.n;
                }
            }
            let items = found
                .rows
                .iter()
                .map(Resource::try_from)
                .collect::<Result<Vec<_>, _>>()?;
            let next_cursor = (offset + (items.len() as i64) < total
                && items.len() as i64 == limit)
                .then(|| (offset + limit).to_string());
            Ok(SearchPage {
                items,
                next_cursor,
                total,
                facets,
            })
        }
        .await,
    )
    .await
}
