//! Catalog search: full-text match (SQLite FTS5, PostgreSQL tsvector over the same
//! pre-computed terms, see `pubdata_core::catalog::search`), filters, facet counts, paging.

use super::resources::{COLUMNS, ResourceRow};
use crate::Tx;
use crate::db::Result;

/// Who sees unpublished entries.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Visibility {
    /// The authority and auditors: every unit's entries.
    All,
    /// Everyone else: published entries, and every entry of their own unit (if any).
    PublishedOr(Option<String>),
}

#[derive(Debug, Clone, Default)]
pub struct Filter {
    pub provider_org_id: Option<String>,
    pub share_attr: Option<String>,
    pub open_attr: Option<String>,
    /// `None`: every status but `withdrawn`.
    pub status: Option<String>,
    pub theme: Option<String>,
    pub format: Option<String>,
    pub update_cycle: Option<String>,
}

/// The text of a full-text query for each backend (`Query::to_fts5`, `Query::to_tsquery`).
#[derive(Debug, Clone)]
pub struct Match {
    pub fts5: String,
    pub tsquery: String,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Sort {
    /// Best match first (falls back to newest when there is no query).
    Relevance,
    /// Most recently changed first.
    Updated,
}

/// One combination of facet values and how many results have it; the caller sums per facet.
#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct FacetRow {
    pub provider_org_id: String,
    pub theme: String,
    pub share_attr: String,
    pub open_attr: String,
    pub format: String,
    pub update_cycle: String,
    pub n: i64,
}

pub struct Found {
    pub rows: Vec<ResourceRow>,
    pub facets: Vec<FacetRow>,
}

const FILTERS: &str = "
      AND ($2 IS NULL OR r.provider_org_id = $2)
      AND ($3 IS NULL OR r.share_attr = $3)
      AND ($4 IS NULL OR r.open_attr = $4)
      AND (($5 IS NULL AND r.status <> 'withdrawn') OR r.status = $5)
      AND ($6 IS NULL OR r.theme = $6)
      AND ($7 IS NULL OR r.format = $7)
      AND ($8 IS NULL OR r.update_cycle = $8)
      AND (r.status = 'published' OR $9 OR r.provider_org_id = $10)";

const FACET_COLUMNS: &str =
    "r.provider_org_id, r.theme, r.share_attr, r.open_attr, r.format, r.update_cycle";

/// Binds `$1` (the match text, or NULL) and the filters `$2`–`$10`.
macro_rules! bind_all {
    ($q:expr, $text:expr, $f:expr, $vis:expr) => {{
        let (all, org) = match $vis {
            Visibility::All => (true, None),
            Visibility::PublishedOr(org) => (false, org.as_deref()),
        };
        $q.bind($text)
            .bind($f.provider_org_id.as_deref())
            .bind($f.share_attr.as_deref())
            .bind($f.open_attr.as_deref())
            .bind($f.status.as_deref())
            .bind($f.theme.as_deref())
            .bind($f.format.as_deref())
            .bind($f.update_cycle.as_deref())
            .bind(all)
            .bind(org.unwrap_or(""))
    }};
}

/// One page of results (`offset`, `limit`) and the facet counts of all results.
pub async fn search(
    tx: &mut Tx,
    text: Option<&Match>,
    filter: &Filter,
    visibility: &Visibility,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Found> {
    let (from, rank, matched): (&str, &str, Option<&str>) = match (tx as &Tx, text) {
        (_, None) => ("resources r", "", None),
        (Tx::Sqlite(_), Some(m)) => (
            "(SELECT rowid AS seq, bm25(resources_fts) AS rank FROM resources_fts
              WHERE resources_fts MATCH $1) hits JOIN resources r ON r.seq = hits.seq",
            "hits.rank, ",
            Some(m.fts5.as_str()),
        ),
        (Tx::Postgres(_), Some(m)) => (
            "resources r, to_tsquery('simple', $1) query",
            "ts_rank(to_tsvector('simple', r.search_terms), query) DESC, ",
            Some(m.tsquery.as_str()),
        ),
    };
    let pg_match = if matches!(tx, Tx::Postgres(_)) && text.is_some() {
        " AND to_tsvector('simple', r.search_terms) @@ query"
    } else {
        ""
    };
    // Without a query `$1` is bound to NULL and only named so both texts take one binding.
    let no_query = if text.is_none() {
        " AND $1 IS NULL"
    } else {
        ""
    };
    let order = match sort {
        Sort::Relevance => format!("{rank}r.updated_at DESC, r.id DESC"),
        Sort::Updated => "r.updated_at DESC, r.id DESC".to_owned(),
    };
    let page_sql = format!(
        "SELECT {COLUMNS} FROM {from} WHERE TRUE{no_query}{pg_match}{FILTERS}
         ORDER BY {order} LIMIT $11 OFFSET $12"
    );
    let facet_sql = format!(
        "SELECT {FACET_COLUMNS}, COUNT(*) AS n FROM {from} WHERE TRUE{no_query}{pg_match}{FILTERS}
         GROUP BY {FACET_COLUMNS}"
    );
    let rows = crate::each!(tx, c => bind_all!(
        sqlx::query_as::<_, ResourceRow>(sqlx::AssertSqlSafe(page_sql)), matched, filter, visibility)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *c)
        .await?);
    let facets = crate::each!(tx, c => bind_all!(
        sqlx::query_as::<_, FacetRow>(sqlx::AssertSqlSafe(facet_sql)), matched, filter, visibility)
        .fetch_all(&mut *c)
        .await?);
    Ok(Found { rows, facets })
}

/// The same search as a plain `LIKE` scan over name and summary, for the benchmark's
/// baseline: the rows matching every word, newest first.
pub async fn like_scan(tx: &mut Tx, words: &[String], limit: i64) -> Result<Vec<ResourceRow>> {
    let mut sql = format!("SELECT {COLUMNS} FROM resources r WHERE r.status <> 'withdrawn'");
    for i in 0..words.len() {
        let n = i + 1;
        sql.push_str(&format!(" AND (r.name LIKE ${n} OR r.doc LIKE ${n})"));
    }
    sql.push_str(&format!(
        " ORDER BY r.updated_at DESC LIMIT ${}",
        words.len() + 1
    ));
    let patterns: Vec<String> = words.iter().map(|w| format!("%{w}%")).collect();
    Ok(crate::each!(tx, c => {
        let mut q = sqlx::query_as::<_, ResourceRow>(sqlx::AssertSqlSafe(sql));
        for p in &patterns {
            q = q.bind(p);
        }
        q.bind(limit).fetch_all(c).await?
    }))
}
