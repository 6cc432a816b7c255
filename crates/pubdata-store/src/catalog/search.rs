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
///
/// On SQLite the matches are read once, in-process (see [`direct`]); on PostgreSQL by two
/// queries, the page and the facet counts.
pub async fn search(
    tx: &mut Tx,
    text: Option<&Match>,
    filter: &Filter,
    visibility: &Visibility,
    sort: Sort,
    offset: i64,
    limit: i64,
) -> Result<Found> {
    if let Tx::Sqlite(t) = tx {
        let (page, facets) = {
            let mut handle = t.lock_handle().await?;
            let text = text.map(|m| m.fts5.as_str());
            crate::db::with_sqlite_connection(&mut handle, |c| {
                direct::scan(c, text, filter, visibility, sort, offset, limit)
            })?
        };
        let rows = direct::rows_in_order(tx, &page).await?;
        return Ok(Found { rows, facets });
    }
    search_sql(tx, text, filter, visibility, sort, offset, limit).await
}

/// The search as SQL on either backend: one query for the page, one for the facet counts.
async fn search_sql(
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
            "ts_rank(r.search_vector, query) DESC, ",
            Some(m.tsquery.as_str()),
        ),
    };
    let pg_match = if matches!(tx, Tx::Postgres(_)) && text.is_some() {
        " AND r.search_vector @@ query"
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

/// The SQLite search in one pass over the matches, through rusqlite on sqlx's own connection
/// (DESIGN.md §3: the two share libsqlite3-sys; `bench search` shows why). Two SQL statements
/// over the matches — the page ordered by rank, the facets grouped — each look every match up
/// in `resources` (rows of several kilobytes: a page read each) and then sort them; with
/// thousands of matches that is most of the time. Here one statement reads each match's rank,
/// order keys and facet values once (the rank only for matches that pass the filters: the
/// subquery is flattened, so `bm25` is evaluated with the outer row), the facets are counted
/// in a hash map and the page is kept in a bounded heap; then the page's rows are read by
/// their keys. Results are those of [`search_sql`]: the same matches, the same total order
/// (rank, then `updated_at` and `id` descending), the same facet rows (sorted as SQLite's
/// GROUP BY returns them).
mod direct {
    use super::*;
    use rusqlite::Connection;
    use rusqlite::types::ValueRef;
    use std::cmp::Ordering;
    use std::collections::{BinaryHeap, HashMap};

    /// A match's place in the order: rank ascending (bm25 is lower for better matches), then
    /// the newest, then the greatest id. `Ord` puts the *later* one greater, so a max-heap's
    /// top is the last of those kept.
    pub(super) struct Place {
        rank: f64,
        updated_at: i64,
        id: String,
        seq: i64,
    }

    fn compare(a: (f64, i64, &str), b: (f64, i64, &str)) -> Ordering {
        // REAL comparison as SQLite makes it (bm25 is never NaN).
        a.0.partial_cmp(&b.0)
            .unwrap_or(Ordering::Equal)
            .then(b.1.cmp(&a.1))
            .then(b.2.cmp(a.2))
    }

    impl Place {
        fn key(&self) -> (f64, i64, &str) {
            (self.rank, self.updated_at, &self.id)
        }
    }
    impl Ord for Place {
        fn cmp(&self, other: &Self) -> Ordering {
            compare(self.key(), other.key())
        }
    }
    impl PartialOrd for Place {
        fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
            Some(self.cmp(other))
        }
    }
    impl PartialEq for Place {
        fn eq(&self, other: &Self) -> bool {
            self.cmp(other) == Ordering::Equal
        }
    }
    impl Eq for Place {}

    fn text<'r>(row: &'r rusqlite::Row<'_>, i: usize) -> rusqlite::Result<&'r str> {
        match row.get_ref(i)? {
            ValueRef::Text(t) => std::str::from_utf8(t).map_err(rusqlite::Error::Utf8Error),
            other => Err(rusqlite::Error::InvalidColumnType(
                i,
                format!("column {i}"),
                other.data_type(),
            )),
        }
    }

    /// The page's entries (their places in the order, in order) and the facet counts.
    pub(super) fn scan(
        c: &Connection,
        text_query: Option<&str>,
        filter: &Filter,
        visibility: &Visibility,
        sort: Sort,
        offset: i64,
        limit: i64,
    ) -> Result<(Vec<Place>, Vec<FacetRow>)> {
        let from = if text_query.is_some() {
            "(SELECT rowid AS seq, bm25(resources_fts) AS rank FROM resources_fts
              WHERE resources_fts MATCH $1) hits JOIN resources r ON r.seq = hits.seq"
        } else {
            "resources r"
        };
        let rank = match (text_query, sort) {
            (Some(_), Sort::Relevance) => "hits.rank",
            _ => "0.0",
        };
        let sql = format!(
            "SELECT {rank}, r.updated_at, r.id, r.seq, {FACET_COLUMNS} FROM {from} WHERE TRUE{FILTERS}"
        );
        let mut stmt = c.prepare(&sql)?;
        let (all, org) = match visibility {
            Visibility::All => (true, ""),
            Visibility::PublishedOr(org) => (false, org.as_deref().unwrap_or("")),
        };
        let binds: [(&str, &dyn rusqlite::ToSql); 10] = [
            ("$1", &text_query),
            ("$2", &filter.provider_org_id),
            ("$3", &filter.share_attr),
            ("$4", &filter.open_attr),
            ("$5", &filter.status),
            ("$6", &filter.theme),
            ("$7", &filter.format),
            ("$8", &filter.update_cycle),
            ("$9", &all),
            ("$10", &org),
        ];
        for (name, value) in binds {
            if let Some(i) = stmt.parameter_index(name)? {
                stmt.raw_bind_parameter(i, value)?;
            }
        }
        // SQLite: a negative LIMIT is no limit, a negative OFFSET none.
        let skip = offset.max(0) as usize;
        let keep = if limit < 0 {
            usize::MAX
        } else {
            skip.saturating_add(limit as usize)
        };
        let mut page: BinaryHeap<Place> = BinaryHeap::new();
        let mut groups: HashMap<String, usize> = HashMap::new();
        let mut facets: Vec<FacetRow> = Vec::new();
        let mut key = String::new();
        let mut rows = stmt.raw_query();
        while let Some(row) = rows.next()? {
            let rank: f64 = row.get(0)?;
            let updated_at: i64 = row.get(1)?;
            let id = text(row, 2)?;
            if keep > 0 {
                let later = page.len() == keep
                    && page.peek().is_some_and(|last| {
                        compare((rank, updated_at, id), last.key()) != Ordering::Less
                    });
                if !later {
                    if page.len() == keep {
                        page.pop();
                    }
                    page.push(Place {
                        rank,
                        updated_at,
                        id: id.to_owned(),
                        seq: row.get(3)?,
                    });
                }
            }
            // The six values, each prefixed by its length: one unambiguous key.
            key.clear();
            for i in 4..10 {
                let v = text(row, i)?;
                key.push_str(&v.len().to_string());
                key.push(':');
                key.push_str(v);
            }
            match groups.get(key.as_str()) {
                Some(&g) => facets[g].n += 1,
                None => {
                    groups.insert(key.clone(), facets.len());
                    facets.push(FacetRow {
                        provider_org_id: text(row, 4)?.to_owned(),
                        theme: text(row, 5)?.to_owned(),
                        share_attr: text(row, 6)?.to_owned(),
                        open_attr: text(row, 7)?.to_owned(),
                        format: text(row, 8)?.to_owned(),
                        update_cycle: text(row, 9)?.to_owned(),
                        n: 1,
                    });
                }
            }
        }
        facets.sort_by(|a, b| {
            (
                &a.provider_org_id,
                &a.theme,
                &a.share_attr,
                &a.open_attr,
                &a.format,
                &a.update_cycle,
            )
                .cmp(&(
                    &b.provider_org_id,
                    &b.theme,
                    &b.share_attr,
                    &b.open_attr,
                    &b.format,
                    &b.update_cycle,
                ))
        });
        let page: Vec<Place> = page.into_sorted_vec().into_iter().skip(skip).collect();
        Ok((page, facets))
    }

    /// The rows of the page's entries, in the page's order.
    pub(super) async fn rows_in_order(tx: &mut Tx, page: &[Place]) -> Result<Vec<ResourceRow>> {
        if page.is_empty() {
            return Ok(Vec::new());
        }
        let seqs = page
            .iter()
            .map(|p| p.seq.to_string())
            .collect::<Vec<_>>()
            .join(",");
        let sql = format!(
            "SELECT {COLUMNS} FROM resources r WHERE r.seq IN (SELECT value FROM json_each($1))"
        );
        let mut rows = crate::each!(tx, c => sqlx::query_as::<_, ResourceRow>(sqlx::AssertSqlSafe(sql))
            .bind(format!("[{seqs}]"))
            .fetch_all(&mut *c)
            .await?);
        let at: HashMap<&str, usize> = page
            .iter()
            .enumerate()
            .map(|(i, p)| (p.id.as_str(), i))
            .collect();
        rows.sort_by_key(|r| at.get(r.id.as_str()).copied().unwrap_or(usize::MAX));
        Ok(rows)
    }
}

/// The same search as a plain `LIKE` scan, for the benchmark's baseline: `text` a substring of
/// the name or of the stored content (the JSON doc), under the same filters and visibility,
/// giving the same work back — a page (newest first) and the facet counts of all matches.
pub async fn like_scan(
    tx: &mut Tx,
    text: Option<&str>,
    filter: &Filter,
    visibility: &Visibility,
    offset: i64,
    limit: i64,
) -> Result<Found> {
    let pattern = text.map(|t| {
        let escaped = t
            .replace('\\', "\\\\")
            .replace('%', "\\%")
            .replace('_', "\\_");
        format!("%{escaped}%")
    });
    let matched = "($1 IS NULL OR r.name LIKE $1 ESCAPE '\\' OR r.doc LIKE $1 ESCAPE '\\')";
    let page_sql = format!(
        "SELECT {COLUMNS} FROM resources r WHERE {matched}{FILTERS}
         ORDER BY r.updated_at DESC, r.id DESC LIMIT $11 OFFSET $12"
    );
    let facet_sql = format!(
        "SELECT {FACET_COLUMNS}, COUNT(*) AS n FROM resources r WHERE {matched}{FILTERS}
         GROUP BY {FACET_COLUMNS}"
    );
    let rows = crate::each!(tx, c => bind_all!(
        sqlx::query_as::<_, ResourceRow>(sqlx::AssertSqlSafe(page_sql)), pattern.as_deref(), filter, visibility)
        .bind(limit)
        .bind(offset)
        .fetch_all(&mut *c)
        .await?);
    let facets = crate::each!(tx, c => bind_all!(
        sqlx::query_as::<_, FacetRow>(sqlx::AssertSqlSafe(facet_sql)), pattern.as_deref(), filter, visibility)
        .fetch_all(&mut *c)
        .await?);
    Ok(Found { rows, facets })
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::Db;
    use crate::orgs::OrgRow;
    use pubdata_core::Actor;
    use pubdata_core::audit::Action;
    use pubdata_core::catalog::search::{Query, index_terms};
    use pubdata_core::policy;

    const NAMES: [&str; 8] = [
        "常住人口基本信息",
        "企业登记信息",
        "公交线路运行数据",
        "人口统计年鉴",
        "2024年GDP统计数据",
        "医疗机构名录",
        "企业人口就业台账",
        "水质监测数据",
    ];
    const ATTRS: [&str; 3] = ["unconditional", "conditional", "not_shared"];
    const STATUSES: [&str; 5] = ["published", "published", "draft", "withdrawn", "submitted"];

    fn fts(q: &str) -> Match {
        let q = Query::parse(q).expect("a query");
        Match {
            fts5: q.to_fts5(),
            tsquery: q.to_tsquery(),
        }
    }

    /// The one-pass SQLite search returns exactly what the two SQL statements return: the
    /// same page in the same order (ties on rank and time broken by id), the same facets.
    #[tokio::test]
    async fn the_sqlite_pass_equals_the_sql() {
        let dir = std::env::temp_dir().join(format!(
            "pubdata-search-test-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
        ));
        std::fs::create_dir_all(&dir).unwrap();
        let db = Db::connect(&format!("sqlite:{}", dir.join("t.db").display()))
            .await
            .unwrap();
        let operator = Actor::operator("test");
        let permit = policy::manage_orgs(&operator, Action::CreateOrg).unwrap();
        let mut tx = db.begin().await.unwrap();
        let orgs = ["org-a", "org-b", "org-c"];
        for (i, id) in orgs.iter().enumerate() {
            crate::orgs::insert(
                &mut tx,
                &permit,
                &OrgRow {
                    id: (*id).into(),
                    name: format!("单位{i}"),
                    kind: "government".into(),
                    sector: "other".into(),
                    uscc: format!("uscc-{i}"),
                    parent_id: None,
                    accountable_head: "某某".into(),
                    disabled: false,
                    created_at: 0,
                    updated_at: 0,
                },
            )
            .await
            .unwrap();
        }
        for i in 0..240usize {
            let name = format!("{}{}", NAMES[i % NAMES.len()], ["", "目录", "人口"][i % 3]);
            let row = ResourceRow {
                id: format!("id-{:03}", (i * 37) % 240),
                code: format!("1/01/001/{i:04}"),
                search_terms: index_terms(&[&name]),
                name,
                provider_org_id: orgs[i % 3].into(),
                category: "basic".into(),
                theme: ["经济", "民生"][i % 2].into(),
                format: ["database", "spreadsheet"][(i / 2) % 2].into(),
                update_cycle: ["daily", "monthly", "yearly"][(i / 3) % 3].into(),
                share_attr: ATTRS[(i / 5) % 3].into(),
                open_attr: ["not_open", "conditional"][(i / 7) % 2].into(),
                grade: 1,
                system_id: None,
                status: STATUSES[(i / 4) % 5].into(),
                version: 1,
                doc: "{}".into(),
                created_at: 0,
                // Many equal times: the order falls back to the id.
                updated_at: (i % 6) as i64,
                published_at: None,
            };
            crate::catalog::resources::insert(&mut tx, &permit, &row)
                .await
                .unwrap();
        }
        tx.commit().await.unwrap();

        let queries = [
            None,
            Some("人口"),
            Some("企业"),
            Some("常住人口"),
            Some("GDP统计"),
            Some("人"),
            Some("数据 人口"),
            Some("没有"),
        ];
        let filters = [
            Filter::default(),
            Filter {
                share_attr: Some("conditional".into()),
                ..Filter::default()
            },
            Filter {
                status: Some("withdrawn".into()),
                ..Filter::default()
            },
            Filter {
                provider_org_id: Some("org-b".into()),
                theme: Some("民生".into()),
                ..Filter::default()
            },
        ];
        let visibilities = [
            Visibility::All,
            Visibility::PublishedOr(None),
            Visibility::PublishedOr(Some("org-c".into())),
        ];
        let mut checked = 0;
        for q in queries {
            let m = q.map(fts);
            for f in &filters {
                for v in &visibilities {
                    for sort in [Sort::Relevance, Sort::Updated] {
                        for (offset, limit) in [(0, 20), (0, 1), (7, 5), (0, 1000), (500, 20)] {
                            let mut tx = db.begin_read().await.unwrap();
                            let fast = search(&mut tx, m.as_ref(), f, v, sort, offset, limit)
                                .await
                                .unwrap();
                            let sql = search_sql(&mut tx, m.as_ref(), f, v, sort, offset, limit)
                                .await
                                .unwrap();
                            tx.rollback().await.unwrap();
                            let ids =
                                |x: &Found| x.rows.iter().map(|r| r.id.clone()).collect::<Vec<_>>();
                            assert_eq!(
                                ids(&fast),
                                ids(&sql),
                                "{q:?} {f:?} {v:?} {sort:?} {offset} {limit}"
                            );
                            assert_eq!(fast.rows, sql.rows);
                            let mut facets = sql.facets.clone();
                            facets.sort_by(|a, b| {
                                (
                                    &a.provider_org_id,
                                    &a.theme,
                                    &a.share_attr,
                                    &a.open_attr,
                                    &a.format,
                                    &a.update_cycle,
                                )
                                    .cmp(&(
                                        &b.provider_org_id,
                                        &b.theme,
                                        &b.share_attr,
                                        &b.open_attr,
                                        &b.format,
                                        &b.update_cycle,
                                    ))
                            });
                            assert_eq!(fast.facets, facets, "{q:?} {f:?} {v:?}");
                            checked += usize::from(!sql.rows.is_empty());
                        }
                    }
                }
            }
        }
        assert!(
            checked > 300,
            "most combinations find something ({checked})"
        );
        db.close().await;
        let _ = std::fs::remove_dir_all(dir);
    }
}
