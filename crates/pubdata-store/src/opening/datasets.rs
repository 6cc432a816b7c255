//! The open list (开放清单): the datasets open to society, the files of each published version
//! as opened, their use counts per month, and the developer keys that read their records.

use crate::db::{Result, Tx};
use crate::each;
use pubdata_core::policy::Permit;

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct DatasetRow {
    pub id: String,
    /// URL-safe, stable: `pubdata_core::opening::dataset_name`.
    pub name: String,
    pub resource_id: String,
    pub provider_org_id: String,
    pub proposal_id: String,
    pub open_attr: String,
    /// JSON, as the approved proposal set them: field codes, {code: mask}, {code: value}.
    pub fields: String,
    pub masks: String,
    pub row_filter: String,
    pub conditions: String,
    pub licence: String,
    /// `open` or `closed`.
    pub status: String,
    pub closed_reason: Option<String>,
    pub opened_at: i64,
    pub updated_at: i64,
}

const COLUMNS: &str = "id, name, resource_id, provider_org_id, proposal_id, open_attr, fields,
    masks, row_filter, conditions, licence, status, closed_reason, opened_at, updated_at";

/// Puts a resource on the open list, or replaces what an earlier approval set (the dataset
/// keeps its id, name and counts).
pub async fn upsert(tx: &mut Tx, _: &Permit, d: &DatasetRow) -> Result<DatasetRow> {
    let found = get_by_resource(tx, &d.resource_id).await?;
    if let Some(old) = found {
        each!(tx, c => sqlx::query(
            "UPDATE open_datasets SET proposal_id = $1, open_attr = $2, fields = $3, masks = $4,
                 row_filter = $5, conditions = $6, licence = $7, status = 'open',
                 closed_reason = NULL, updated_at = $8
             WHERE id = $9")
            .bind(&d.proposal_id).bind(&d.open_attr).bind(&d.fields).bind(&d.masks)
            .bind(&d.row_filter).bind(&d.conditions).bind(&d.licence).bind(d.updated_at)
            .bind(&old.id).execute(c).await?.rows_affected());
        // Files made under the earlier terms no longer match them.
        each!(tx, c => sqlx::query("DELETE FROM open_files WHERE dataset_id = $1")
            .bind(&old.id).execute(c).await?.rows_affected());
        return Ok(get(tx, &old.id).await?.expect("updated just now"));
    }
    let sql = format!(
        "INSERT INTO open_datasets ({COLUMNS}) VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10,
             $11, $12, $13, $14, $15)"
    );
    each!(tx, c => sqlx::query(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(&d.id).bind(&d.name).bind(&d.resource_id).bind(&d.provider_org_id)
        .bind(&d.proposal_id).bind(&d.open_attr).bind(&d.fields).bind(&d.masks)
        .bind(&d.row_filter).bind(&d.conditions).bind(&d.licence).bind(&d.status)
        .bind(&d.closed_reason).bind(d.opened_at).bind(d.updated_at)
        .execute(c).await?.rows_affected());
    Ok(d.clone())
}

pub async fn get(tx: &mut Tx, id: &str) -> Result<Option<DatasetRow>> {
    let sql = format!("SELECT {COLUMNS} FROM open_datasets WHERE id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(id).fetch_optional(c).await?),
    )
}

pub async fn get_by_name(tx: &mut Tx, name: &str) -> Result<Option<DatasetRow>> {
    let sql = format!("SELECT {COLUMNS} FROM open_datasets WHERE name = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(name).fetch_optional(c).await?),
    )
}

pub async fn get_by_resource(tx: &mut Tx, resource_id: &str) -> Result<Option<DatasetRow>> {
    let sql = format!("SELECT {COLUMNS} FROM open_datasets WHERE resource_id = $1");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .bind(resource_id).fetch_optional(c).await?),
    )
}

/// Every dataset, open or closed, oldest first (the open catalog is built from it).
pub async fn all(tx: &mut Tx) -> Result<Vec<DatasetRow>> {
    let sql = format!("SELECT {COLUMNS} FROM open_datasets ORDER BY id");
    Ok(
        each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str()))
        .fetch_all(c).await?),
    )
}

/// Takes a dataset off the open list; false if it was not on it.
pub async fn close(tx: &mut Tx, _: &Permit, id: &str, reason: &str, at: i64) -> Result<bool> {
    let n = each!(tx, c => sqlx::query(
        "UPDATE open_datasets SET status = 'closed', closed_reason = $1, updated_at = $2
         WHERE id = $3 AND status = 'open'")
        .bind(reason).bind(at).bind(id).execute(c).await?.rows_affected());
    Ok(n == 1)
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct OpenFileRow {
    pub dataset_id: String,
    pub version: i64,
    pub format: String,
    pub file_key: String,
    pub sha256: String,
    pub size: i64,
    pub rows_count: i64,
    pub created_at: i64,
}

/// Records a file written for a version (a second writer of the same file keeps the first).
pub async fn insert_file(tx: &mut Tx, _: &Permit, f: &OpenFileRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO open_files (dataset_id, version, format, file_key, sha256, size,
             rows_count, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
         ON CONFLICT (dataset_id, version, format) DO NOTHING")
        .bind(&f.dataset_id).bind(f.version).bind(&f.format).bind(&f.file_key)
        .bind(&f.sha256).bind(f.size).bind(f.rows_count).bind(f.created_at)
        .execute(c).await?.rows_affected());
    Ok(())
}

/// The files of a dataset, newest version first.
pub async fn files(tx: &mut Tx, dataset_id: &str) -> Result<Vec<OpenFileRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT dataset_id, version, format, file_key, sha256, size, rows_count, created_at
         FROM open_files WHERE dataset_id = $1 ORDER BY version DESC, format")
        .bind(dataset_id).fetch_all(c).await?))
}

/// What a use of a dataset counts as.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash)]
pub enum Use {
    View,
    Download,
    ApiCall,
}

/// Counts one use of a dataset in its month.
pub async fn count_use(tx: &mut Tx, dataset_id: &str, month: &str, u: Use) -> Result<()> {
    count_uses(tx, dataset_id, month, u, 1).await
}

/// Counts `n` uses of a dataset in its month.
pub async fn count_uses(tx: &mut Tx, dataset_id: &str, month: &str, u: Use, n: i64) -> Result<()> {
    let (v, d, a): (i64, i64, i64) = match u {
        Use::View => (n, 0, 0),
        Use::Download => (0, n, 0),
        Use::ApiCall => (0, 0, n),
    };
    each!(tx, c => sqlx::query(
        "INSERT INTO open_stats (dataset_id, month, views, downloads, api_calls)
         VALUES ($1, $2, $3, $4, $5)
         ON CONFLICT (dataset_id, month) DO UPDATE SET views = open_stats.views + $3,
             downloads = open_stats.downloads + $4, api_calls = open_stats.api_calls + $5")
        .bind(dataset_id).bind(month).bind(v).bind(d).bind(a)
        .execute(c).await?.rows_affected());
    Ok(())
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct StatRow {
    pub dataset_id: String,
    pub month: String,
    pub views: i64,
    pub downloads: i64,
    pub api_calls: i64,
}

/// Every dataset's counts per month, in month order.
pub async fn stats(tx: &mut Tx) -> Result<Vec<StatRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT dataset_id, month, views, downloads, api_calls FROM open_stats
         ORDER BY month, dataset_id")
        .fetch_all(c).await?))
}

#[derive(Debug, Clone, PartialEq, Eq, sqlx::FromRow)]
pub struct KeyRow {
    pub token_id: String,
    pub user_id: String,
    pub agreement_id: Option<String>,
    pub rate_per_minute: i64,
    pub created_at: i64,
}

pub async fn insert_key(tx: &mut Tx, _: &Permit, k: &KeyRow) -> Result<()> {
    each!(tx, c => sqlx::query(
        "INSERT INTO open_keys (token_id, user_id, agreement_id, rate_per_minute, created_at)
         VALUES ($1, $2, $3, $4, $5)")
        .bind(&k.token_id).bind(&k.user_id).bind(&k.agreement_id).bind(k.rate_per_minute)
        .bind(k.created_at).execute(c).await?.rows_affected());
    Ok(())
}

pub async fn get_key(tx: &mut Tx, token_id: &str) -> Result<Option<KeyRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT token_id, user_id, agreement_id, rate_per_minute, created_at FROM open_keys
         WHERE token_id = $1")
        .bind(token_id).fetch_optional(c).await?))
}

pub async fn keys_of_user(tx: &mut Tx, user_id: &str) -> Result<Vec<KeyRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT token_id, user_id, agreement_id, rate_per_minute, created_at FROM open_keys
         WHERE user_id = $1 ORDER BY created_at DESC")
        .bind(user_id).fetch_all(c).await?))
}

/// A published version of an open dataset's resource, as the open catalog lists it.
#[derive(Debug, Clone, PartialEq, sqlx::FromRow)]
pub struct OpenVersionRow {
    pub resource_id: String,
    pub number: i64,
    pub published_at: i64,
    pub rows_count: i64,
}

/// Every published version of every resource on the open list (open or closed), newest first.
pub async fn all_versions(tx: &mut Tx) -> Result<Vec<OpenVersionRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT v.resource_id, v.number, v.published_at, v.rows_count
         FROM data_versions v JOIN open_datasets d ON d.resource_id = v.resource_id
         ORDER BY v.resource_id, v.number DESC")
        .fetch_all(c).await?))
}

/// Every open file, newest version first.
pub async fn all_files(tx: &mut Tx) -> Result<Vec<OpenFileRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT dataset_id, version, format, file_key, sha256, size, rows_count, created_at
         FROM open_files ORDER BY dataset_id, version DESC, format")
        .fetch_all(c).await?))
}

/// The quality score of the latest accepted batch of each resource on the open list.
pub async fn quality_scores(tx: &mut Tx) -> Result<Vec<(String, f64)>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT b.resource_id, b.score FROM batches b
         JOIN open_datasets d ON d.resource_id = b.resource_id
         WHERE b.status = 'accepted' AND b.score IS NOT NULL
           AND b.created_at = (SELECT MAX(created_at) FROM batches
                               WHERE resource_id = b.resource_id AND status = 'accepted'
                                 AND score IS NOT NULL)")
        .fetch_all(c).await?))
}

/// What the open catalog is built from changes only if one of these figures moves: a cheap
/// look (counts and latest changes of the open list, its files, the versions and entries of
/// its resources, the units) before a costly rebuild.
pub async fn fingerprint(tx: &mut Tx) -> Result<Vec<i64>> {
    let row: (i64, i64, i64, i64, i64, i64, i64) = each!(tx, c => sqlx::query_as(
        "SELECT (SELECT COUNT(*) FROM open_datasets),
                (SELECT COALESCE(MAX(updated_at), 0) FROM open_datasets),
                (SELECT COUNT(*) FROM open_files),
                (SELECT COALESCE(MAX(created_at), 0) FROM open_files),
                (SELECT COUNT(*) FROM data_versions v
                   JOIN open_datasets d ON d.resource_id = v.resource_id),
                (SELECT COALESCE(MAX(r.updated_at), 0) FROM resources r
                   JOIN open_datasets d ON d.resource_id = r.id),
                (SELECT COALESCE(MAX(updated_at), 0) FROM orgs)")
        .fetch_one(c).await?);
    Ok(vec![row.0, row.1, row.2, row.3, row.4, row.5, row.6])
}

/// Each dataset's counts summed over all months.
pub async fn stat_totals(tx: &mut Tx) -> Result<Vec<StatRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT dataset_id, '' AS month, CAST(SUM(views) AS BIGINT) AS views,
             CAST(SUM(downloads) AS BIGINT) AS downloads,
             CAST(SUM(api_calls) AS BIGINT) AS api_calls
         FROM open_stats GROUP BY dataset_id")
        .fetch_all(c).await?))
}

/// The catalog entries of every resource on the open list.
pub async fn resources(tx: &mut Tx) -> Result<Vec<crate::catalog::resources::ResourceRow>> {
    let sql = format!(
        "SELECT {} FROM resources r JOIN open_datasets d ON d.resource_id = r.id",
        crate::catalog::resources::COLUMNS
    );
    Ok(each!(tx, c => sqlx::query_as(sqlx::AssertSqlSafe(sql.as_str())).fetch_all(c).await?))
}

/// The developer key whose token has this hash.
pub async fn get_key_by_hash(tx: &mut Tx, token_hash: &str) -> Result<Option<KeyRow>> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT k.token_id, k.user_id, k.agreement_id, k.rate_per_minute, k.created_at
         FROM open_keys k JOIN api_tokens t ON t.id = k.token_id WHERE t.token_hash = $1")
        .bind(token_hash).fetch_optional(c).await?))
}

/// The agreement in force on `today` (YYYY-MM-DD) that lets a user read a dataset, if any.
pub async fn agreement_in_force(
    tx: &mut Tx,
    user_id: &str,
    dataset_id: &str,
    today: &str,
) -> Result<Option<String>> {
    Ok(each!(tx, c => sqlx::query_scalar(
        "SELECT id FROM agreements WHERE user_id = $1 AND dataset_id = $2 AND status = 'active'
           AND starts_on <= $3 AND ends_on >= $3 ORDER BY id DESC LIMIT 1")
        .bind(user_id).bind(dataset_id).bind(today).fetch_optional(c).await?))
}

/// What waits on one party in the opening chapter, for its home page.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct WorkCounts {
    pub proposals_pending: i64,
    pub proposals_returned: i64,
    pub applications_waiting: i64,
    pub applications_overdue: i64,
    pub feedback_waiting: i64,
    pub feedback_overdue: i64,
}

/// Counts what waits on a unit (`Some(org)`) or on the data authority (`None`), as of `today`.
pub async fn work_counts(tx: &mut Tx, org: Option<&str>, today: &str) -> Result<WorkCounts> {
    let proposals: (i64, i64) = each!(tx, c => sqlx::query_as(
        "SELECT COALESCE(SUM(CASE WHEN status = 'proposed' THEN 1 ELSE 0 END), 0),
                COALESCE(SUM(CASE WHEN status = 'returned' THEN 1 ELSE 0 END), 0)
         FROM open_proposals WHERE ($1 IS NULL OR provider_org_id = $1)")
        .bind(org).fetch_one(c).await?);
    let steps: (i64, i64) = each!(tx, c => sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_date < $2 THEN 1 ELSE 0 END), 0)
         FROM open_application_steps
         WHERE done_at IS NULL AND (($1 IS NULL AND actor_org_id IS NULL) OR actor_org_id = $1)")
        .bind(org).bind(today).fetch_one(c).await?);
    let feedback: (i64, i64) = each!(tx, c => sqlx::query_as(
        "SELECT COUNT(*), COALESCE(SUM(CASE WHEN due_date < $2 THEN 1 ELSE 0 END), 0)
         FROM feedback
         WHERE status = 'open'
           AND (($1 IS NULL AND provider_org_id IS NULL) OR provider_org_id = $1)")
        .bind(org).bind(today).fetch_one(c).await?);
    Ok(WorkCounts {
        proposals_pending: proposals.0,
        proposals_returned: proposals.1,
        applications_waiting: steps.0,
        applications_overdue: steps.1,
        feedback_waiting: feedback.0,
        feedback_overdue: feedback.1,
    })
}

/// The fields (JSON array of codes) an agreement covers.
pub async fn agreement_fields(tx: &mut Tx, agreement_id: &str) -> Result<Option<String>> {
    Ok(
        each!(tx, c => sqlx::query_scalar("SELECT fields FROM agreements WHERE id = $1")
        .bind(agreement_id).fetch_optional(c).await?),
    )
}

/// One dataset's counts summed over all months.
pub async fn stat_total(tx: &mut Tx, dataset_id: &str) -> Result<(i64, i64, i64)> {
    Ok(each!(tx, c => sqlx::query_as(
        "SELECT CAST(COALESCE(SUM(views), 0) AS BIGINT), CAST(COALESCE(SUM(downloads), 0) AS BIGINT),
             CAST(COALESCE(SUM(api_calls), 0) AS BIGINT)
         FROM open_stats WHERE dataset_id = $1")
        .bind(dataset_id).fetch_one(c).await?))
}
