//! `pubdata bench …`: figures that can be compared between runs, each beside a baseline
//! measured in the same run on the same machine (DESIGN.md §7). Run on a release build.

use anyhow::{Context, Result};
use clap::Subcommand;
use pubdata_core::audit::{Action, AuditEntry, Decision, Target};
use pubdata_core::merkle;
use pubdata_store::Db;
use pubdata_store::audit as store;
use std::time::{Duration, Instant};

#[derive(Subcommand)]
pub enum BenchCommand {
    /// Durable audit-log appends per second (entry + leaf + tree nodes, committed to disk),
    /// in batches of each given size, against a plain insert of the same rows in the same
    /// batches; then proof latency against a point read of one entry.
    Audit {
        /// Entries appended per batch size (batches of 1 append at most 2,000: each is an fsync).
        #[arg(long, default_value_t = 200_000)]
        entries: u64,
        /// Batch sizes: entries per transaction.
        #[arg(long, value_delimiter = ',', default_value = "1,100,1000,5000")]
        batch: Vec<u64>,
        /// Measure on PostgreSQL instead of a fresh SQLite file: a server URL
        /// (`postgres://user@host:5432/postgres`) on which the bench creates, and then drops,
        /// a scratch database per batch size.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Catalog search latency (p50/p95/p99) over a synthetic catalog, through the action (with
    /// its audit entry) and the store alone, against a plain `LIKE` scan doing the same work
    /// (a page and the facet counts) on the same table.
    Search {
        /// Catalog entries to generate (at most 999,999).
        #[arg(long, default_value_t = 100_000)]
        resources: u64,
        /// Measured rounds over the fixed list of queries (after one warm-up round).
        #[arg(long, default_value_t = 20)]
        iterations: u64,
        /// Measure on PostgreSQL instead of a fresh SQLite file: a server URL on which the
        /// bench creates, and then drops, a scratch database.
        #[arg(long)]
        postgres: Option<String>,
        /// Keep the bench database afterwards (prints where), to inspect its query plans.
        #[arg(long)]
        keep: bool,
    },
    /// Ingest rows per second: a CSV upload through the whole path (read, decode, every check,
    /// upsert with history, batch and audit entry), against a raw bulk insert of the same rows
    /// into the same kind of table; then the same file again (unchanged) and a changed one.
    Ingest {
        #[arg(long, default_value_t = 1_000_000)]
        rows: u64,
        /// Measure on PostgreSQL instead of a fresh SQLite file: a server URL on which the
        /// bench creates, and then drops, a scratch database.
        #[arg(long)]
        postgres: Option<String>,
    },
    /// Key lookups through the sharing API over HTTP (token check, grant decision, masking,
    /// durable audit append) from concurrent keep-alive clients, against a bare handler doing
    /// the same record lookup with none of that: req/s, p50/p99, the ratio.
    Share {
        /// Records in the shared resource.
        #[arg(long, default_value_t = 100_000)]
        records: u64,
        /// Concurrent keep-alive connections.
        #[arg(long, default_value_t = 64)]
        clients: usize,
        /// Measured seconds for each of the two servers.
        #[arg(long, default_value_t = 10)]
        seconds: u64,
        /// Warm-up seconds before each measurement.
        #[arg(long, default_value_t = 2)]
        warmup: u64,
    },
}

pub async fn run(cmd: &BenchCommand) -> Result<()> {
    match cmd {
        BenchCommand::Audit {
            entries,
            batch,
            postgres,
        } => audit(*entries, batch, postgres.as_deref()).await,
        BenchCommand::Search {
            resources,
            iterations,
            postgres,
            keep,
        } => crate::bench_search::run(*resources, *iterations, postgres.as_deref(), *keep).await,
        BenchCommand::Ingest { rows, postgres } => {
            crate::bench_ingest::run(*rows, postgres.as_deref()).await
        }
        BenchCommand::Share {
            records,
            clients,
            seconds,
            warmup,
        } => crate::bench_share::run(*records, *clients, *seconds, *warmup).await,
    }
}

fn sample_entry(i: u64) -> AuditEntry {
    AuditEntry {
        at_ms: 1_780_000_000_000 + i as i64,
        actor_user_id: Some(format!("0193a000-0000-7000-8000-{:012x}", i % 97)),
        actor_username: Some(format!("steward_{}", i % 97)),
        actor_org_id: Some(format!("0193a000-0000-7000-9000-{:012x}", i % 13)),
        channel: "api".into(),
        action: if i.is_multiple_of(5) {
            Action::UpdateOrg
        } else {
            Action::GetOrg
        },
        target: Some(Target::new(
            "org",
            format!("0193a000-0000-7000-9000-{:012x}", i % 13),
        )),
        decision: if i.is_multiple_of(17) {
            Decision::Deny("other_org".into())
        } else {
            Decision::Allow
        },
        purpose: None,
        request_id: format!("{:032x}", i),
        detail: None,
    }
}

fn per_second(n: u64, d: Duration) -> f64 {
    n as f64 / d.as_secs_f64()
}

/// Where a bench database lives, to remove it afterwards.
pub(crate) enum Scratch {
    Dir(std::path::PathBuf),
    Postgres { server: String, name: String },
}

async fn fresh_db(postgres: Option<&str>) -> Result<(Db, Scratch)> {
    match postgres {
        Some(server) => {
            let (url, name) = pubdata_store::db::create_scratch_postgres(server).await?;
            Ok((
                Db::connect(&url).await?,
                Scratch::Postgres {
                    server: server.to_owned(),
                    name,
                },
            ))
        }
        None => {
            let dir = std::env::temp_dir().join(format!(
                "pubdata-bench-{}-{}",
                std::process::id(),
                pubdata_app::new_request_id()
            ));
            std::fs::create_dir_all(&dir)?;
            let url = format!("sqlite:{}", dir.join("bench.db").display());
            Ok((Db::connect(&url).await?, Scratch::Dir(dir)))
        }
    }
}

async fn audit(entries: u64, batches: &[u64], postgres: Option<&str>) -> Result<()> {
    if cfg!(debug_assertions) {
        eprintln!("warning: a debug build; measure with `cargo run --release -- bench audit`");
    }
    println!(
        "pubdata bench audit on {} — durable appends, batched commits",
        if postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite (synchronous=FULL)"
        }
    );
    println!(
        "{:>7} {:>9} {:>16} {:>16} {:>7}",
        "batch", "entries", "audit appends/s", "plain inserts/s", "ratio"
    );
    let mut last_db = None;
    for &b in batches {
        let b = b.max(1);
        let n = if b == 1 { entries.min(2000) } else { entries };
        let (db, dir) = fresh_db(postgres)
            .await
            .context("cannot open the bench database")?;
        let rows: Vec<AuditEntry> = (0..n).map(sample_entry).collect();

        let mut tx = db.begin().await?;
        store::baseline::create_table(&mut tx).await?;
        tx.commit().await?;
        let t = Instant::now();
        for (k, chunk) in rows.chunks(b as usize).enumerate() {
            let mut tx = db.begin().await?;
            store::baseline::insert(&mut tx, k as u64 * b, chunk).await?;
            tx.commit().await?;
        }
        let plain = t.elapsed();

        let t = Instant::now();
        for chunk in rows.chunks(b as usize) {
            let mut tx = db.begin().await?;
            store::append_batch(&mut tx, chunk).await?;
            tx.commit().await?;
        }
        let logged = t.elapsed();
        let (a, p) = (per_second(n, logged), per_second(n, plain));
        println!("{b:>7} {n:>9} {a:>16.0} {p:>16.0} {:>6.0}%", 100.0 * a / p);
        if let Some((old_db, old_dir)) = last_db.replace((db, dir)) {
            close(old_db, old_dir).await;
        }
    }
    if let Some((db, dir)) = last_db {
        proofs(&db).await?;
        close(db, dir).await;
    }
    Ok(())
}

pub(crate) async fn close(db: Db, scratch: Scratch) {
    db.close().await;
    match scratch {
        Scratch::Dir(d) => {
            let _ = std::fs::remove_dir_all(d);
        }
        Scratch::Postgres { server, name } => {
            if let Err(e) = pubdata_store::db::drop_scratch_postgres(&server, &name).await {
                eprintln!("could not drop the scratch database {name}: {e}");
            }
        }
    }
}

/// Proof latency at the final size, against reading one entry by its index.
async fn proofs(db: &Db) -> Result<()> {
    let mut tx = db.begin_read().await?;
    let size = store::size(&mut tx).await?;
    if size < 2 {
        return Ok(());
    }
    let samples = 2000u64;
    let pick = |k: u64| (k.wrapping_mul(2_654_435_761)) % size;

    let t = Instant::now();
    for k in 0..samples {
        let i = pick(k);
        store::range(&mut tx, i, i + 1).await?;
    }
    let read = t.elapsed();

    let t = Instant::now();
    for k in 0..samples {
        let i = pick(k);
        let path = store::with_nodes(&mut tx, merkle::inclusion_needs(i, size)?, |get| {
            merkle::inclusion_proof(i, size, get)
        })
        .await??;
        std::hint::black_box(path);
    }
    let inclusion = t.elapsed();

    let t = Instant::now();
    for k in 0..samples {
        let m = pick(k).max(1);
        let path = store::with_nodes(&mut tx, merkle::consistency_needs(m, size)?, |get| {
            merkle::consistency_proof(m, size, get)
        })
        .await??;
        std::hint::black_box(path);
    }
    let consistency = t.elapsed();
    tx.rollback().await?;

    let us = |d: Duration| d.as_secs_f64() * 1e6 / samples as f64;
    println!();
    println!("proofs at tree size {size} ({samples} each, from the stored tree):");
    println!("  read one entry by index (baseline): {:>8.1} µs", us(read));
    println!(
        "  inclusion proof:                    {:>8.1} µs  ({:.1}× the baseline)",
        us(inclusion),
        us(inclusion) / us(read)
    );
    println!(
        "  consistency proof:                  {:>8.1} µs  ({:.1}× the baseline)",
        us(consistency),
        us(consistency) / us(read)
    );
    Ok(())
}
