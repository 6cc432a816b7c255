//! A batch's rows on their way into the record store. They are checked and written in
//! chunks into temporary tables of one connection — which takes no lock on the platform's
//! tables, so that every other action (and the batch's own progress page) goes on while a
//! large file is read — and then merged in one transaction: old versions of changed records
//! into history, changed records updated, new ones inserted, rejected rows kept, all with the
//! batch's outcome and audit entry. On SQLite, whose single writer would otherwise be held
//! for the whole file, this is what keeps the platform usable; PostgreSQL does the same
//! through `COPY` into session-local tables.

use sqlx::pool::PoolConnection;

use super::batches::RejectRow;
use super::records::{Change, RecordTable, UpsertStats, check_codes, quote, sql_type};
use crate::db::{Db, Result, Tx};
use pubdata_core::aggregation::{Accepted, Cell};
use pubdata_core::policy::Permit;

const ROWS: &str = "pubdata_stage_rows";
const REJECTS: &str = "pubdata_stage_rejects";

enum Conn {
    Sqlite(PoolConnection<sqlx::Sqlite>),
    Postgres(Tx),
}

/// The staging tables of one batch, on a connection of their own until [`Stage::into_tx`].
pub struct Stage {
    conn: Conn,
    codes: Vec<String>,
}

fn stage_ddl(table: &RecordTable, codes: &[String], postgres: bool) -> [String; 2] {
    let cols: String = codes
        .iter()
        .map(|c| {
            format!(
                ", {} {}",
                quote(c),
                sql_type(table.kind_of(c).expect("checked"), postgres)
            )
        })
        .collect();
    let on_commit = if postgres { " ON COMMIT DROP" } else { "" };
    [
        format!("CREATE TEMP TABLE {ROWS} (\"_key\" TEXT NOT NULL{cols}){on_commit}"),
        format!(
            "CREATE TEMP TABLE {REJECTS} (line BIGINT NOT NULL, raw TEXT NOT NULL, reason TEXT NOT NULL, codes TEXT NOT NULL){on_commit}"
        ),
    ]
}

impl Stage {
    /// Opens the staging tables for rows whose cells are in the order of `codes`.
    pub async fn open(db: &Db, table: &RecordTable, codes: &[String]) -> Result<Stage> {
        check_codes(table, codes)?;
        let conn = match db {
            Db::Sqlite(pool) => {
                let mut c = pool.acquire().await?;
                // The staged rows are thrown away whole on any failure, so the temporary
                // database needs no rollback journal; a larger cache keeps its pages in memory.
                for pragma in [
                    "PRAGMA temp.journal_mode = OFF",
                    "PRAGMA temp.cache_size = -65536",
                ] {
                    sqlx::query(pragma).execute(&mut *c).await?;
                }
                // A connection back from a batch that failed may still hold its tables.
                for t in [ROWS, REJECTS] {
                    sqlx::query(sqlx::AssertSqlSafe(format!(
                        "DROP TABLE IF EXISTS temp.{t}"
                    )))
                    .execute(&mut *c)
                    .await?;
                }
                for ddl in stage_ddl(table, codes, false) {
                    sqlx::query(sqlx::AssertSqlSafe(ddl))
                        .execute(&mut *c)
                        .await?;
                }
                Conn::Sqlite(c)
            }
            Db::Postgres(_) => {
                // MVCC: the one transaction holds no lock another action waits for.
                let mut tx = db.begin().await?;
                let Tx::Postgres(t) = &mut tx else {
                    unreachable!()
                };
                for ddl in stage_ddl(table, codes, true) {
                    sqlx::query(sqlx::AssertSqlSafe(ddl))
                        .execute(&mut **t)
                        .await?;
                }
                Conn::Postgres(tx)
            }
        };
        Ok(Stage {
            conn,
            codes: codes.to_vec(),
        })
    }

    /// Adds checked rows and rejected ones.
    pub async fn add(&mut self, rows: &[Accepted], rejects: &[RejectRow]) -> Result<()> {
        match &mut self.conn {
            Conn::Sqlite(c) => {
                let mut handle = c.lock_handle().await?;
                crate::db::with_sqlite_connection(&mut handle, |c| {
                    direct::add(c, self.codes.len(), rows, rejects)
                })
            }
            Conn::Postgres(tx) => {
                let Tx::Postgres(t) = tx else { unreachable!() };
                pg::add(t, &self.codes, rows, rejects).await
            }
        }
    }

    /// The transaction the merge runs in: on SQLite, the write lock is taken only now.
    pub async fn into_tx(self) -> Result<Tx> {
        Ok(match self.conn {
            Conn::Sqlite(c) => Tx::Sqlite(
                sqlx::Transaction::begin(
                    c,
                    Some(sqlx::SqlSafeStr::into_sql_str("BEGIN IMMEDIATE")),
                )
                .await?,
            ),
            Conn::Postgres(tx) => tx,
        })
    }
}

/// Moves the staged rows into the record store and the rejected ones to the batch, in `tx`
/// (from [`Stage::into_tx`]), and drops the staging tables.
pub async fn merge(
    tx: &mut Tx,
    _: &Permit,
    table: &RecordTable,
    codes: &[String],
    change: Change<'_>,
) -> Result<UpsertStats> {
    if let Tx::Sqlite(t) = tx {
        // One pass over the staged rows through rusqlite: an insert that does nothing on an
        // existing key, and only then the old row read, compared, kept and replaced.
        let mut handle = t.lock_handle().await?;
        return crate::db::with_sqlite_connection(&mut handle, |c| {
            direct::merge(c, table, codes, change)
        });
    }
    let Tx::Postgres(t) = tx else {
        unreachable!("SQLite returned above")
    };
    pg::merge(t, table, codes, change).await
}

mod direct {
    use super::*;
    use rusqlite::Connection;
    use rusqlite::types::{ToSqlOutput, ValueRef};

    /// A value read from one statement, bound as it is into another.
    struct Same<'a>(ValueRef<'a>);

    impl rusqlite::ToSql for Same<'_> {
        fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
            Ok(ToSqlOutput::Borrowed(self.0))
        }
    }

    fn same(a: ValueRef<'_>, b: ValueRef<'_>) -> bool {
        match (a, b) {
            (ValueRef::Real(x), ValueRef::Real(y)) => x.to_bits() == y.to_bits(),
            (a, b) => a == b,
        }
    }

    pub(super) fn merge(
        c: &Connection,
        table: &RecordTable,
        codes: &[String],
        change: Change<'_>,
    ) -> Result<UpsertStats> {
        let mut stats = UpsertStats::default();
        let n = codes.len();
        let cols: String = codes.iter().map(|c| format!(", {}", quote(c))).collect();
        let params: String = (0..n).map(|i| format!(", ?{}", i + 5)).collect();
        let mut insert = c.prepare(&format!(
            "INSERT INTO {} (\"_key\", \"_batch_id\", \"_changed_by\", \"_changed_at\"{cols}) \
             VALUES (?1, ?2, ?3, ?4{params}) ON CONFLICT (\"_key\") DO NOTHING",
            quote(&table.name)
        ))?;
        let all: String = table
            .columns
            .iter()
            .map(|c| quote(&c.code))
            .collect::<Vec<_>>()
            .join(", ");
        let mut old = c.prepare(&format!(
            "SELECT \"_batch_id\", \"_changed_by\", \"_changed_at\", {all} FROM {} WHERE \"_key\" = ?1",
            quote(&table.name)
        ))?;
        let hist_params: String = (0..table.columns.len())
            .map(|i| format!(", ?{}", i + 6))
            .collect();
        let mut keep = c.prepare(&format!(
            "INSERT INTO {} (\"_key\", \"_valid_from\", \"_valid_to\", \"_batch_id\", \"_changed_by\", {all}) \
             VALUES (?1, ?2, ?3, ?4, ?5{hist_params})",
            quote(&table.history())
        ))?;
        let sets: String = codes
            .iter()
            .enumerate()
            .map(|(i, c)| format!(", {} = ?{}", quote(c), i + 5))
            .collect();
        let mut update = c.prepare(&format!(
            "UPDATE {} SET \"_batch_id\" = ?2, \"_changed_by\" = ?3, \"_changed_at\" = ?4{sets} WHERE \"_key\" = ?1",
            quote(&table.name)
        ))?;
        let positions: Vec<usize> = codes
            .iter()
            .map(|code| {
                table
                    .columns
                    .iter()
                    .position(|c| &c.code == code)
                    .expect("checked")
            })
            .collect();
        let mut staged = c.prepare(&format!("SELECT * FROM temp.{ROWS}"))?;
        let mut rows = staged.query([])?;
        while let Some(row) = rows.next()? {
            let key = row.get_ref(0)?;
            let bind = |stmt: &mut rusqlite::Statement<'_>| -> rusqlite::Result<()> {
                stmt.raw_bind_parameter(1, Same(key))?;
                stmt.raw_bind_parameter(2, change.batch_id)?;
                stmt.raw_bind_parameter(3, change.changed_by)?;
                stmt.raw_bind_parameter(4, change.at_ms)?;
                for i in 0..n {
                    stmt.raw_bind_parameter(5 + i, Same(row.get_ref(1 + i)?))?;
                }
                Ok(())
            };
            bind(&mut insert)?;
            if insert.raw_execute()? == 1 {
                stats.inserted += 1;
                continue;
            }
            old.raw_bind_parameter(1, Same(key))?;
            let mut found = old.raw_query();
            let Some(o) = found.next()? else {
                return Err(crate::db::StoreError::Invalid(
                    "a staged key vanished during the merge".into(),
                ));
            };
            let unchanged = positions.iter().enumerate().all(|(i, &p)| {
                match (o.get_ref(3 + p), row.get_ref(1 + i)) {
                    (Ok(a), Ok(b)) => same(a, b),
                    _ => false,
                }
            });
            if unchanged {
                stats.unchanged += 1;
                continue;
            }
            keep.raw_bind_parameter(1, Same(key))?;
            keep.raw_bind_parameter(2, Same(o.get_ref(2)?))?;
            keep.raw_bind_parameter(3, change.at_ms)?;
            keep.raw_bind_parameter(4, Same(o.get_ref(0)?))?;
            keep.raw_bind_parameter(5, Same(o.get_ref(1)?))?;
            for i in 0..table.columns.len() {
                keep.raw_bind_parameter(6 + i, Same(o.get_ref(3 + i)?))?;
            }
            // Executed while the old row is still read: the bound values borrow from it.
            keep.raw_execute()?;
            drop(found);
            bind(&mut update)?;
            update.raw_execute()?;
            stats.updated += 1;
        }
        drop(rows);
        c.execute(&format!("INSERT INTO batch_rejects (batch_id, line, raw, reason, codes) SELECT ?1, line, raw, reason, codes FROM temp.{REJECTS}"), [change.batch_id])?;
        for name in [ROWS, REJECTS] {
            c.execute_batch(&format!("DROP TABLE temp.{name}"))?;
        }
        Ok(stats)
    }

    struct Bind<'a>(&'a Cell);

    impl rusqlite::ToSql for Bind<'_> {
        fn to_sql(&self) -> rusqlite::Result<ToSqlOutput<'_>> {
            Ok(ToSqlOutput::Borrowed(match self.0 {
                Cell::Null => ValueRef::Null,
                Cell::Text(s) => ValueRef::Text(s.as_bytes()),
                Cell::Int(i) => ValueRef::Integer(*i),
                Cell::Real(f) => ValueRef::Real(*f),
                Cell::Bool(b) => ValueRef::Integer(i64::from(*b)),
            }))
        }
    }

    /// One temp-only transaction per chunk: no journal sync, no lock on the main database.
    pub(super) fn add(
        c: &Connection,
        width: usize,
        rows: &[Accepted],
        rejects: &[RejectRow],
    ) -> Result<()> {
        c.execute_batch("BEGIN")?;
        let result = (|| -> Result<()> {
            let params: String = (0..=width)
                .map(|i| format!("?{}", i + 1))
                .collect::<Vec<_>>()
                .join(", ");
            let mut insert = c.prepare(&format!("INSERT INTO temp.{ROWS} VALUES ({params})"))?;
            for row in rows {
                insert.raw_bind_parameter(1, row.key.as_str())?;
                for (i, cell) in row.cells.iter().enumerate() {
                    insert.raw_bind_parameter(2 + i, Bind(cell))?;
                }
                insert.raw_execute()?;
            }
            let mut reject = c.prepare(&format!(
                "INSERT INTO temp.{REJECTS} VALUES (?1, ?2, ?3, ?4)"
            ))?;
            for r in rejects {
                reject.execute(rusqlite::params![r.line, r.raw, r.reason, r.codes])?;
            }
            Ok(())
        })();
        match result {
            Ok(()) => {
                c.execute_batch("COMMIT")?;
                Ok(())
            }
            Err(e) => {
                let _ = c.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}

mod pg {
    use super::*;
    use sqlx::PgConnection;

    /// History of the changed rows, their update, the new rows, the rejects: four set
    /// statements over the staged tables.
    pub(super) async fn merge(
        c: &mut PgConnection,
        table: &RecordTable,
        codes: &[String],
        change: Change<'_>,
    ) -> Result<UpsertStats> {
        let (cur, hist) = (quote(&table.name), quote(&table.history()));
        let all = table
            .columns
            .iter()
            .map(|c| quote(&c.code))
            .collect::<Vec<_>>()
            .join(", ");
        let r_all: String = table
            .columns
            .iter()
            .map(|c| format!(", r.{}", quote(&c.code)))
            .collect();
        let differs = codes
            .iter()
            .map(|c| format!("r.{0} IS DISTINCT FROM s.{0}", quote(c)))
            .collect::<Vec<_>>()
            .join(" OR ");
        let sets: String = codes
            .iter()
            .map(|c| format!(", {0} = s.{0}", quote(c)))
            .collect();
        let given: String = codes.iter().map(|c| format!(", {}", quote(c))).collect();
        let s_given: String = codes.iter().map(|c| format!(", s.{}", quote(c))).collect();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {hist} (\"_key\", \"_valid_from\", \"_valid_to\", \"_batch_id\", \"_changed_by\", {all}) \
             SELECT r.\"_key\", r.\"_changed_at\", $1, r.\"_batch_id\", r.\"_changed_by\"{r_all} \
             FROM {cur} r JOIN {ROWS} s ON s.\"_key\" = r.\"_key\" WHERE {differs}"
        )))
        .bind(change.at_ms)
        .execute(&mut *c)
        .await?;
        let updated = sqlx::query(sqlx::AssertSqlSafe(format!(
            "UPDATE {cur} AS r SET \"_batch_id\" = $2, \"_changed_by\" = $3, \"_changed_at\" = $1{sets} \
             FROM {ROWS} s WHERE s.\"_key\" = r.\"_key\" AND ({differs})"
        )))
        .bind(change.at_ms)
        .bind(change.batch_id)
        .bind(change.changed_by)
        .execute(&mut *c)
        .await?
        .rows_affected();
        let inserted = sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO {cur} (\"_key\", \"_batch_id\", \"_changed_by\", \"_changed_at\"{given}) \
             SELECT s.\"_key\", $2, $3, $1{s_given} FROM {ROWS} s \
             WHERE NOT EXISTS (SELECT 1 FROM {cur} r WHERE r.\"_key\" = s.\"_key\")"
        )))
        .bind(change.at_ms)
        .bind(change.batch_id)
        .bind(change.changed_by)
        .execute(&mut *c)
        .await?
        .rows_affected();
        sqlx::query(sqlx::AssertSqlSafe(format!(
            "INSERT INTO batch_rejects (batch_id, line, raw, reason, codes) SELECT $1, line, raw, reason, codes FROM {REJECTS}"
        )))
        .bind(change.batch_id)
        .execute(&mut *c)
        .await?;
        let staged: i64 =
            sqlx::query_scalar(sqlx::AssertSqlSafe(format!("SELECT COUNT(*) FROM {ROWS}")))
                .fetch_one(&mut *c)
                .await?;
        Ok(UpsertStats {
            inserted,
            updated,
            unchanged: staged as u64 - inserted - updated,
        })
    }

    pub(super) async fn add(
        c: &mut PgConnection,
        codes: &[String],
        rows: &[Accepted],
        rejects: &[RejectRow],
    ) -> Result<()> {
        if !rows.is_empty() {
            let cols: String = codes.iter().map(|c| format!(", {}", quote(c))).collect();
            let mut copy = c
                .copy_in_raw(&format!(
                    "COPY {ROWS} (\"_key\"{cols}) FROM STDIN (FORMAT csv)"
                ))
                .await?;
            let mut buf = String::with_capacity(64 * 1024);
            for row in rows {
                super::super::records::csv_field(&mut buf, &Cell::Text(row.key.clone()));
                for cell in &row.cells {
                    buf.push(',');
                    super::super::records::csv_field(&mut buf, cell);
                }
                buf.push('\n');
                if buf.len() > 60 * 1024 {
                    copy.send(std::mem::take(&mut buf).into_bytes()).await?;
                }
            }
            if !buf.is_empty() {
                copy.send(buf.into_bytes()).await?;
            }
            copy.finish().await?;
        }
        for chunk in rejects.chunks(1000) {
            let mut q = sqlx::QueryBuilder::<sqlx::Postgres>::new(format!(
                "INSERT INTO {REJECTS} (line, raw, reason, codes) "
            ));
            q.push_values(chunk, |mut b, r| {
                b.push_bind(r.line)
                    .push_bind(&r.raw)
                    .push_bind(&r.reason)
                    .push_bind(&r.codes);
            });
            q.build().execute(&mut *c).await?;
        }
        Ok(())
    }
}
