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
    /// The CKAN Action API over HTTP: `package_search` with a query and five facets over a
    /// city's open catalog, from concurrent keep-alive clients, against `package_show` of one
    /// dataset on the same server: req/s, p50/p95/p99, the ratio.
    Ckan {
        /// Open datasets on the open list (each with 1–3 published versions and their files).
        #[arg(long, default_value_t = 10_000)]
        datasets: u64,
        /// Concurrent keep-alive connections.
        #[arg(long, default_value_t = 16)]
        clients: usize,
        /// Measured seconds for each of the two calls.
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
        BenchCommand::Ckan {
            datasets,
            clients,
            seconds,
            warmup,
        } => crate::bench_ckan::run(*datasets, *clients, *seconds, *warmup).await,
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

// HTTP load: hand-written HTTP/1.1 clients over keep-alive connections, in the same process
// and runtime as the server, so they cost the two cores as little as possible (`bench share`,
// `bench ckan`).

/// Serves `router` on a free port of 127.0.0.1.
pub(crate) async fn spawn_server(
    router: axum::Router,
) -> Result<(std::net::SocketAddr, tokio::task::JoinHandle<()>)> {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await?;
    let addr = listener.local_addr()?;
    let task = tokio::spawn(async move {
        let _ = axum::serve(listener, router).await;
    });
    Ok((addr, task))
}

/// Whether an answer counts as a success: the index of the key asked, the status, the body.
pub(crate) type Check = std::sync::Arc<dyn Fn(usize, u16, &[u8]) -> bool + Send + Sync>;

/// What the clients send: `GET {prefix}{key}` with these header lines, each key picked at
/// random from the list, each answer judged by `check`.
pub(crate) struct HttpTarget {
    pub addr: std::net::SocketAddr,
    pub prefix: String,
    pub headers: String,
    pub check: Check,
    /// Keep, beside each latency, the index of the key asked (for figures per key).
    pub by_key: bool,
}

/// Success is a 200.
pub(crate) fn status_200() -> Check {
    std::sync::Arc::new(|_, status, _| status == 200)
}

fn invalid(what: &str) -> std::io::Error {
    std::io::Error::new(std::io::ErrorKind::InvalidData, what.to_owned())
}

/// One response into `buf`: its status and where its body starts (the rest of `buf`).
pub(crate) async fn read_response(
    s: &mut tokio::net::TcpStream,
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, usize)> {
    use tokio::io::AsyncReadExt;
    buf.clear();
    let head_end = loop {
        if let Some(p) = buf.windows(4).position(|w| w == b"\r\n\r\n") {
            break p + 4;
        }
        if s.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    };
    let head = std::str::from_utf8(&buf[..head_end]).map_err(|_| invalid("head"))?;
    let status = head.get(9..12).and_then(|s| s.parse().ok());
    let length = head.lines().find_map(|l| {
        let (k, v) = l.split_once(':')?;
        k.eq_ignore_ascii_case("content-length")
            .then(|| v.trim().parse::<usize>().ok())?
    });
    let (Some(status), Some(length)) = (status, length) else {
        return Err(invalid("no status or content-length"));
    };
    while buf.len() < head_end + length {
        if s.read_buf(buf).await? == 0 {
            return Err(std::io::ErrorKind::UnexpectedEof.into());
        }
    }
    Ok((status, head_end))
}

/// `GET {prefix}{key}`: the status and where the body starts in `buf`.
pub(crate) async fn request(
    s: &mut tokio::net::TcpStream,
    t: &HttpTarget,
    key: &str,
    buf: &mut Vec<u8>,
) -> std::io::Result<(u16, usize)> {
    use tokio::io::AsyncWriteExt;
    let req = format!(
        "GET {}{key} HTTP/1.1\r\nHost: bench\r\n{}\r\n",
        t.prefix, t.headers
    );
    s.write_all(req.as_bytes()).await?;
    read_response(s, buf).await
}

pub(crate) async fn connect(addr: std::net::SocketAddr) -> std::io::Result<tokio::net::TcpStream> {
    let s = tokio::net::TcpStream::connect(addr).await?;
    s.set_nodelay(true)?;
    Ok(s)
}

#[derive(Default)]
pub(crate) struct Tally {
    /// Answers `check` passed / did not (or no answer), in the measured window.
    pub ok: u64,
    pub errors: u64,
    /// Microseconds, every request of the measured window.
    pub latencies: Vec<u32>,
    /// With `HttpTarget::by_key`: the key index of each of `latencies` (before sorting).
    pub keys: Vec<u32>,
    /// Answered (any status) over the whole run, warm-up included.
    pub answered: u64,
    /// Failures to connect, send or read a response: these requests may or may not have run.
    pub io_errors: u64,
    /// The first answer `check` refused: the key index, status and the start of the body.
    pub first_error: Option<(usize, u16, String)>,
}

async fn client(
    t: std::sync::Arc<HttpTarget>,
    keys: std::sync::Arc<Vec<String>>,
    seed: u64,
    from: Instant,
    end: Instant,
) -> Tally {
    let mut tally = Tally::default();
    let mut rng = seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
    let mut buf = Vec::with_capacity(4096);
    let mut conn = None;
    loop {
        let start = Instant::now();
        if start >= end {
            return tally;
        }
        // xorshift64: cheap and good enough to pick keys.
        rng ^= rng << 13;
        rng ^= rng >> 7;
        rng ^= rng << 17;
        let k = (rng % keys.len() as u64) as usize;
        let key = &keys[k];
        let s = match conn.as_mut() {
            Some(s) => s,
            None => match connect(t.addr).await {
                Ok(s) => conn.insert(s),
                Err(_) => {
                    tally.io_errors += 1;
                    tokio::time::sleep(Duration::from_millis(10)).await;
                    continue;
                }
            },
        };
        match request(s, &t, key, &mut buf).await {
            Ok((status, body)) => {
                tally.answered += 1;
                if start >= from {
                    tally.latencies.push(start.elapsed().as_micros() as u32);
                    if t.by_key {
                        tally.keys.push(k as u32);
                    }
                    if (t.check)(k, status, &buf[body..]) {
                        tally.ok += 1;
                    } else {
                        tally.errors += 1;
                        if tally.first_error.is_none() {
                            let text = String::from_utf8_lossy(&buf[body..]);
                            let text: String = text.chars().take(300).collect();
                            tally.first_error = Some((k, status, text));
                        }
                    }
                }
            }
            Err(_) => {
                tally.io_errors += 1;
                if start >= from {
                    tally.errors += 1;
                }
                conn = None;
            }
        }
    }
}

/// Runs `clients` connections for `warmup` + `seconds`, counting the last `seconds`; the
/// latencies come back sorted.
pub(crate) async fn drive(
    t: HttpTarget,
    keys: &std::sync::Arc<Vec<String>>,
    clients: usize,
    warmup: u64,
    seconds: u64,
) -> Tally {
    let t = std::sync::Arc::new(t);
    let from = Instant::now() + Duration::from_secs(warmup);
    let end = from + Duration::from_secs(seconds);
    let tasks: Vec<_> = (0..clients)
        .map(|i| tokio::spawn(client(t.clone(), keys.clone(), i as u64 + 1, from, end)))
        .collect();
    let mut all = Tally::default();
    for task in tasks {
        let c = task.await.unwrap_or_default();
        all.ok += c.ok;
        all.errors += c.errors;
        all.answered += c.answered;
        all.io_errors += c.io_errors;
        all.latencies.extend(c.latencies);
        all.keys.extend(c.keys);
        if all.first_error.is_none() {
            all.first_error = c.first_error;
        }
    }
    if all.keys.is_empty() {
        all.latencies.sort_unstable();
    } else {
        // Sorted together, so that each latency keeps its key.
        let mut pairs: Vec<(u32, u32)> = all.latencies.iter().copied().zip(all.keys).collect();
        pairs.sort_unstable();
        (all.latencies, all.keys) = pairs.into_iter().unzip();
    }
    all
}

/// Milliseconds at quantile `q` of sorted microseconds (NaN when there are none).
pub(crate) fn quantile_us(sorted: &[u32], q: f64) -> f64 {
    if sorted.is_empty() {
        return f64::NAN;
    }
    sorted[((sorted.len() - 1) as f64 * q).round() as usize] as f64 / 1000.0
}

/// Successful answers a second over the measured window, and the latency quantiles.
pub(crate) struct Figures {
    pub rate: f64,
    pub p50: f64,
    pub p95: f64,
    pub p99: f64,
}

impl Tally {
    pub(crate) fn figures(&self, seconds: u64) -> Figures {
        Figures {
            rate: self.ok as f64 / seconds as f64,
            p50: quantile_us(&self.latencies, 0.50),
            p95: quantile_us(&self.latencies, 0.95),
            p99: quantile_us(&self.latencies, 0.99),
        }
    }
}
