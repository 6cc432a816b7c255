//! The hot paths' own SQLite connections (DESIGN.md §3 allows rusqlite behind the store for
//! them): point reads of records on a small set of read-only connections that keep their
//! prepared statements, and group appends to the audit log on one write connection. Going
//! through sqlx costs a hop to the connection's worker thread for every statement (begin,
//! select, commit), which at tens of thousands of reads a second is most of the work.
//!
//! The read connections do not memory-map the file: every commit (the audit appends of the
//! reads themselves) makes a reader drop its page cache, and with a map that means unmapping
//! and faulting the whole map back in, where plain reads refetch a few pages.

use crate::aggregation::records::{self, RecordTable, RecordVersion};
use crate::db::{Result, StoreError};
use pubdata_core::audit::AuditEntry;
use rusqlite::{Connection, OpenFlags};
use std::ops::Range;
use std::path::PathBuf;
use std::sync::Mutex;
use std::time::Duration;

/// Read connections kept for reuse; more may be open at a moment of high concurrency.
const KEPT_READERS: usize = 8;

pub struct HotSqlite {
    path: PathBuf,
    readers: Mutex<Vec<Connection>>,
    writer: Mutex<Option<Connection>>,
}

impl HotSqlite {
    /// For a `sqlite:` URL (the database must exist: `Db::connect` made it); None otherwise.
    pub fn open(url: &str) -> Result<Option<HotSqlite>> {
        if !url.starts_with("sqlite:") {
            return Ok(None);
        }
        use std::str::FromStr;
        let opts = sqlx::sqlite::SqliteConnectOptions::from_str(url)?;
        Ok(Some(HotSqlite {
            path: opts.get_filename().to_owned(),
            readers: Mutex::new(Vec::new()),
            writer: Mutex::new(None),
        }))
    }

    fn connect(&self, flags: OpenFlags) -> Result<Connection> {
        let c = Connection::open_with_flags(&self.path, flags | OpenFlags::SQLITE_OPEN_NO_MUTEX)?;
        c.busy_timeout(Duration::from_secs(10))?;
        c.execute_batch(
            "PRAGMA mmap_size = 0; PRAGMA cache_size = -16384; PRAGMA synchronous = FULL;",
        )?;
        c.set_prepared_statement_cache_capacity(256);
        Ok(c)
    }

    /// Runs `work` on a read connection, on the calling thread (a point read takes
    /// microseconds; handing it to another thread would cost more).
    pub fn read<T>(&self, work: impl FnOnce(&Connection) -> Result<T>) -> Result<T> {
        let conn = self.readers.lock().expect("readers lock").pop();
        let conn = match conn {
            Some(c) => c,
            None => self.connect(OpenFlags::SQLITE_OPEN_READ_ONLY)?,
        };
        let out = work(&conn);
        let mut kept = self.readers.lock().expect("readers lock");
        if kept.len() < KEPT_READERS {
            kept.push(conn);
        }
        out
    }

    /// The current version of one record (see `records::get_current`).
    pub fn get_record(&self, table: &RecordTable, key: &str) -> Result<Option<RecordVersion>> {
        self.read(|c| records::direct_get(c, table, key))
    }

    /// Appends `entries` to the audit log in one transaction of its own, committed (durable)
    /// before it returns. Blocking: call it from a thread that may wait for the disk.
    pub fn append_audit(&self, entries: &[AuditEntry]) -> Result<Range<u64>> {
        let mut slot = self.writer.lock().expect("writer lock");
        if slot.is_none() {
            let c = self.connect(OpenFlags::SQLITE_OPEN_READ_WRITE)?;
            c.execute_batch("PRAGMA foreign_keys = ON;")?;
            *slot = Some(c);
        }
        let c = slot.as_ref().expect("just opened");
        c.execute_batch("BEGIN IMMEDIATE")?;
        match crate::audit::append_direct(c, entries) {
            Ok(range) => match c.execute_batch("COMMIT") {
                Ok(()) => Ok(range),
                Err(e) => {
                    let _ = c.execute_batch("ROLLBACK");
                    Err(StoreError::from(e))
                }
            },
            Err(e) => {
                let _ = c.execute_batch("ROLLBACK");
                Err(e)
            }
        }
    }
}
