//! The operators' command line, run as a user would run it.

use std::process::Command;

fn pubdata(data_dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    Command::new(env!("CARGO_BIN_EXE_pubdata"))
        .arg("--data-dir")
        .arg(data_dir)
        .args(args)
        .env_remove("PUBDATA_DATABASE_URL")
        .output()
        .expect("the binary runs")
}

#[test]
fn demo_loads_once_and_token_create_prints_the_raw_token_as_its_last_line() {
    let dir = std::env::temp_dir().join(format!("pubdata-cli-{}", std::process::id()));
    let _ = std::fs::remove_dir_all(&dir);

    let out = pubdata(&dir, &["demo"]);
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("admin") && text.contains("water_steward"),
        "{text}"
    );

    let again = pubdata(&dir, &["demo"]);
    assert!(
        !again.status.success(),
        "a second demo load into a populated directory must fail"
    );

    let out = pubdata(
        &dir,
        &[
            "token",
            "create",
            "--user",
            "admin",
            "--scope",
            "write",
            "--expires-in",
            "1d",
        ],
    );
    assert!(
        out.status.success(),
        "{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let stdout = String::from_utf8_lossy(&out.stdout);
    let last = stdout.lines().last().expect("a line");
    assert!(last.starts_with("pd_") && last.len() > 40, "{last:?}");

    let bad = pubdata(
        &dir,
        &["token", "create", "--user", "nobody", "--scope", "write"],
    );
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("user_not_found"));
    let bad = pubdata(
        &dir,
        &["token", "create", "--user", "admin", "--scope", "admin"],
    );
    assert!(!bad.status.success());
    let _ = std::fs::remove_dir_all(&dir);
}

/// DESIGN.md §2: http → app → store → core, and core does no I/O. (Core may use serde_json:
/// the audit entry's canonical byte form is compact JSON, and it is a rule, not a body.)
#[test]
fn the_crate_layering_points_down_only() {
    let manifests = [
        (
            "pubdata-core",
            include_str!("../../pubdata-core/Cargo.toml"),
            &[
                "sqlx",
                "axum",
                "tokio",
                "pubdata-store",
                "pubdata-app",
                "pubdata-http",
            ][..],
        ),
        (
            "pubdata-store",
            include_str!("../../pubdata-store/Cargo.toml"),
            &[
                "axum",
                "askama",
                "serde_json",
                "pubdata-app",
                "pubdata-http",
            ][..],
        ),
        (
            "pubdata-app",
            include_str!("../../pubdata-app/Cargo.toml"),
            // serde_json here writes and reads the audit log's export file, not HTTP bodies.
            &["axum", "askama", "pubdata-http"][..],
        ),
    ];
    for (name, manifest, forbidden) in manifests {
        let deps = manifest
            .split("[dependencies]")
            .nth(1)
            .unwrap_or("")
            .split("\n[")
            .next()
            .unwrap_or("");
        for f in forbidden {
            let uses = deps
                .lines()
                .any(|l| l.split(['=', '.', ' ']).next() == Some(*f));
            assert!(!uses, "{name} must not depend on {f}");
        }
    }
}

// ---------------------------------------------------------------------------------------
// The audit log: export, offline verification, tampering, a crash mid-action
// ---------------------------------------------------------------------------------------

fn temp_dir(tag: &str) -> std::path::PathBuf {
    let dir = std::env::temp_dir().join(format!(
        "pubdata-cli-{tag}-{}-{}",
        std::process::id(),
        std::time::SystemTime::now()
            .duration_since(std::time::UNIX_EPOCH)
            .unwrap()
            .as_nanos()
    ));
    let _ = std::fs::remove_dir_all(&dir);
    std::fs::create_dir_all(&dir).unwrap();
    dir
}

fn ok(out: &std::process::Output) -> String {
    assert!(
        out.status.success(),
        "stdout: {}\nstderr: {}",
        String::from_utf8_lossy(&out.stdout),
        String::from_utf8_lossy(&out.stderr)
    );
    String::from_utf8_lossy(&out.stdout).into_owned()
}

/// Runs SQL on the data directory's SQLite database, as someone with file access would.
async fn tamper(dir: &std::path::Path, sql: &str) {
    use sqlx::Connection;
    let url = format!("sqlite:{}", dir.join("pubdata.db").display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
        .execute(&mut c)
        .await
        .unwrap();
    c.close().await.unwrap();
}

fn export(dir: &std::path::Path, name: &str) -> std::path::PathBuf {
    let file = dir.join(name);
    ok(&pubdata(
        dir,
        &["audit", "export", "--out", file.to_str().unwrap()],
    ));
    file
}

fn verify(dir: &std::path::Path, args: &[&str]) -> std::process::Output {
    pubdata(dir, &[&["verify-log"][..], args].concat())
}

#[tokio::test]
async fn an_exported_log_verifies_offline_and_any_change_removal_or_reordering_is_named_by_index() {
    let dir = temp_dir("verify");
    ok(&pubdata(&dir, &["demo"]));
    let key = ok(&pubdata(&dir, &["audit", "rotate-key"]));
    let key = key.trim().to_owned();
    let old = dir.join("old.note");
    std::fs::write(&old, ok(&pubdata(&dir, &["audit", "checkpoint"]))).unwrap();
    ok(&pubdata(&dir, &["token", "create", "--user", "admin"]));

    // The untouched log verifies, with the published key, against the older checkpoint.
    let file = export(&dir, "good.jsonl");
    let out = verify(
        &dir,
        &[
            file.to_str().unwrap(),
            "--checkpoint",
            old.to_str().unwrap(),
            "--key",
            &key,
        ],
    );
    let text = ok(&out);
    assert!(text.contains("OK"), "{text}");
    assert!(text.contains("is a prefix of this log"), "{text}");

    // Reordered lines in the file are named.
    let content = std::fs::read_to_string(&file).unwrap();
    let mut lines: Vec<&str> = content.lines().collect();
    let (a, b) = (
        lines
            .iter()
            .position(|l| l.starts_with("{\"index\":5,"))
            .unwrap(),
        lines
            .iter()
            .position(|l| l.starts_with("{\"index\":6,"))
            .unwrap(),
    );
    lines.swap(a, b);
    let swapped = dir.join("swapped.jsonl");
    std::fs::write(&swapped, lines.join("\n") + "\n").unwrap();
    let out = verify(&dir, &[swapped.to_str().unwrap(), "--key", &key]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(text.contains("PROBLEM at entry 5"), "{text}");

    // An entry changed by hand in the database is named by its index.
    tamper(
        &dir,
        "UPDATE audit_entries SET actor_username = 'nobody' WHERE seq = 3",
    )
    .await;
    let out = verify(
        &dir,
        &[
            export(&dir, "changed.jsonl").to_str().unwrap(),
            "--key",
            &key,
        ],
    );
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PROBLEM at entry 3: entry 3 was changed"),
        "{text}"
    );

    // ... even when the tree's leaf was rewritten too: then the signed checkpoints disagree,
    // and the one the checker kept from before says the log is no longer its extension.
    tamper(
        &dir,
        "UPDATE audit_nodes SET hash = zeroblob(32) WHERE level = 0 AND idx = 3",
    )
    .await;
    let out = verify(
        &dir,
        &[
            export(&dir, "rewritten.jsonl").to_str().unwrap(),
            "--checkpoint",
            old.to_str().unwrap(),
            "--key",
            &key,
        ],
    );
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("not an extension of the old checkpoint"),
        "{text}"
    );
    assert!(text.contains("do not reproduce"), "{text}");

    // A removed entry is named.
    let dir2 = temp_dir("removed");
    ok(&pubdata(&dir2, &["demo"]));
    tamper(&dir2, "DELETE FROM audit_entries WHERE seq = 4").await;
    let out = verify(&dir2, &[export(&dir2, "removed.jsonl").to_str().unwrap()]);
    assert!(!out.status.success());
    let text = String::from_utf8_lossy(&out.stdout);
    assert!(
        text.contains("PROBLEM at entry 4: entry 4 was removed"),
        "{text}"
    );
    assert_eq!(
        text.matches("PROBLEM").count(),
        1,
        "one cause, one report: {text}"
    );
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&dir2);
}

#[tokio::test]
async fn proofs_fetched_as_files_are_checked_without_any_database() {
    use base64::Engine;
    let dir = temp_dir("proofs");
    ok(&pubdata(&dir, &["demo"]));
    let old_note = ok(&pubdata(&dir, &["audit", "checkpoint"]));
    ok(&pubdata(&dir, &["token", "create", "--user", "admin"]));
    let new_note = ok(&pubdata(&dir, &["audit", "checkpoint"]));
    let file = export(&dir, "log.jsonl");
    let header: serde_json::Value = serde_json::from_str(
        std::fs::read_to_string(&file)
            .unwrap()
            .lines()
            .next()
            .unwrap(),
    )
    .unwrap();
    let key = header["keys"][0].as_str().unwrap().to_owned();
    let size = |n: &str| n.lines().nth(1).unwrap().parse::<u64>().unwrap();
    let (m, n) = (size(&old_note), size(&new_note));

    // Build the proofs the API would serve, from the export, with the core's own functions.
    let mut tree = pubdata_core::merkle::MemoryTree::new();
    let mut entries = vec![];
    for line in std::fs::read_to_string(&file).unwrap().lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        if let Some(b) = v["bytes"].as_str() {
            let bytes = base64::engine::general_purpose::STANDARD.decode(b).unwrap();
            tree.push_data(&bytes);
            entries.push(v);
        }
    }
    let b64 = |h: &[u8; 32]| base64::engine::general_purpose::STANDARD.encode(h);
    let consistency = serde_json::json!({"first": m, "second": n,
        "consistency_path": tree.consistency_proof(m, n).unwrap().iter().map(b64).collect::<Vec<_>>()});
    let index = m; // the token's creation came right after the old checkpoint's own entry
    let inclusion = serde_json::json!({"leaf_index": index, "tree_size": n, "leaf_hash": "",
        "audit_path": tree.inclusion_proof(index, n).unwrap().iter().map(b64).collect::<Vec<_>>()});
    let write = |name: &str, text: String| {
        let p = dir.join(name);
        std::fs::write(&p, text).unwrap();
        p.to_str().unwrap().to_owned()
    };
    let (old_p, new_p) = (write("old.note", old_note), write("new.note", new_note));
    let cons_p = write("cons.json", consistency.to_string());
    let incl_p = write("incl.json", inclusion.to_string());
    let entry_p = write(
        "entry.json",
        serde_json::json!({"items": [entries[index as usize]]}).to_string(),
    );
    let empty = temp_dir("no-db"); // an empty data directory: nothing is opened
    let out = pubdata(
        &empty,
        &[
            "audit",
            "check-consistency",
            "--old",
            &old_p,
            "--new",
            &new_p,
            "--proof",
            &cons_p,
            "--key",
            &key,
        ],
    );
    assert!(ok(&out).contains("is a prefix"));
    let out = pubdata(
        &empty,
        &[
            "audit",
            "check-inclusion",
            "--checkpoint",
            &new_p,
            "--proof",
            &incl_p,
            "--entry",
            &entry_p,
            "--key",
            &key,
        ],
    );
    assert!(
        ok(&out).contains("create_token"),
        "the entry named is the token's creation"
    );
    assert!(
        !empty.join("pubdata.db").exists(),
        "the checks open no database"
    );
    // The same proofs do not hold for swapped checkpoints or another entry.
    let out = pubdata(
        &empty,
        &[
            "audit",
            "check-consistency",
            "--old",
            &new_p,
            "--new",
            &old_p,
            "--proof",
            &cons_p,
            "--key",
            &key,
        ],
    );
    assert!(!out.status.success());
    let other = write(
        "other.json",
        serde_json::json!({"items": [entries[index as usize - 1]]}).to_string(),
    );
    let out = pubdata(
        &empty,
        &[
            "audit",
            "check-inclusion",
            "--checkpoint",
            &new_p,
            "--proof",
            &incl_p,
            "--entry",
            &other,
            "--key",
            &key,
        ],
    );
    assert!(!out.status.success());
    let _ = std::fs::remove_dir_all(&dir);
    let _ = std::fs::remove_dir_all(&empty);
}

/// Kills the server with SIGKILL while writes are in flight, then checks that the log has no
/// gap, every entry has its leaf, the log verifies, and every change has its entry and every
/// `allow` entry its change.
#[tokio::test]
async fn a_crash_in_the_middle_of_actions_leaves_no_entry_without_its_change_and_no_gap() {
    use std::io::BufRead;
    let dir = temp_dir("crash");
    ok(&pubdata(&dir, &["demo"]));
    let token = ok(&pubdata(
        &dir,
        &["token", "create", "--user", "admin", "--scope", "write"],
    ));
    let token = token.lines().last().unwrap().to_owned();
    let mut server = Command::new(env!("CARGO_BIN_EXE_pubdata"))
        .arg("--data-dir")
        .arg(&dir)
        .args(["--listen", "127.0.0.1:0", "serve"])
        .env_remove("PUBDATA_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut first = String::new();
    std::io::BufReader::new(server.stdout.take().unwrap())
        .read_line(&mut first)
        .unwrap();
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the address served")
        .trim_end_matches('/')
        .to_owned();

    let client = reqwest::Client::new();
    let mut writers = vec![];
    for w in 0..6 {
        let (client, base, token) = (client.clone(), base.clone(), token.clone());
        writers.push(tokio::spawn(async move {
            for i in 0..400 {
                let day = chrono::NaiveDate::from_ymd_opt(2030, 1, 1).unwrap()
                    + chrono::Days::new((w * 400 + i) as u64);
                let r = client
                    .put(format!("{base}/api/v1/calendar/days/{day}"))
                    .bearer_auth(&token)
                    .json(&serde_json::json!({"kind": "holiday", "name": "压力测试"}))
                    .send()
                    .await;
                if r.is_err() {
                    return; // the server is gone
                }
            }
        }));
    }
    tokio::time::sleep(std::time::Duration::from_millis(1500)).await;
    server.kill().unwrap(); // SIGKILL: no shutdown, transactions cut wherever they are
    server.wait().unwrap();
    for w in writers {
        let _ = w.await;
    }

    // Restart (export opens the log again) and verify offline.
    let file = export(&dir, "after-crash.jsonl");
    assert!(ok(&verify(&dir, &[file.to_str().unwrap()])).contains("OK"));
    let mut logged_days = std::collections::BTreeSet::new();
    let mut expected = 0;
    for line in std::fs::read_to_string(&file).unwrap().lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(b) = v["bytes"].as_str() else {
            continue;
        };
        use base64::Engine;
        let e: serde_json::Value =
            serde_json::from_slice(&base64::engine::general_purpose::STANDARD.decode(b).unwrap())
                .unwrap();
        assert_eq!(e["index"], expected, "no gap");
        assert!(
            v["leaf_hash"].is_string(),
            "entry {expected} has its leaf in the tree"
        );
        expected += 1;
        if e["action"] == "set_calendar_day" && e["decision"] == "allow" {
            logged_days.insert(
                e["target"]
                    .as_str()
                    .unwrap()
                    .trim_start_matches("calendar/")
                    .to_owned(),
            );
        }
    }
    use sqlx::Connection;
    let url = format!("sqlite:{}", dir.join("pubdata.db").display());
    let mut c = sqlx::SqliteConnection::connect(&url).await.unwrap();
    let stored: std::collections::BTreeSet<String> =
        sqlx::query_scalar("SELECT day FROM calendar_days WHERE name = '压力测试'")
            .fetch_all(&mut c)
            .await
            .unwrap()
            .into_iter()
            .collect();
    assert!(
        stored.len() > 10,
        "the load ran before the kill: {}",
        stored.len()
    );
    assert_eq!(
        stored, logged_days,
        "every change has its entry and every entry its change"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A GET with a bearer token, answered as JSON.
async fn get_json(client: &reqwest::Client, url: &str, token: &str) -> serde_json::Value {
    client
        .get(url)
        .bearer_auth(token)
        .send()
        .await
        .unwrap()
        .json()
        .await
        .unwrap()
}

/// Starts `pubdata serve` on a free port; answers the child and the address it serves.
fn serve(dir: &std::path::Path) -> (std::process::Child, String) {
    use std::io::BufRead;
    let mut server = Command::new(env!("CARGO_BIN_EXE_pubdata"))
        .arg("--data-dir")
        .arg(dir)
        .args(["--listen", "127.0.0.1:0", "serve"])
        .env_remove("PUBDATA_DATABASE_URL")
        .stdout(std::process::Stdio::piped())
        .stderr(std::process::Stdio::null())
        .spawn()
        .unwrap();
    let mut out = std::io::BufReader::new(server.stdout.take().unwrap());
    let mut first = String::new();
    out.read_line(&mut first).unwrap();
    // Keep reading what it prints, as a terminal would.
    std::thread::spawn(move || std::io::copy(&mut out, &mut std::io::sink()));
    let base = first
        .split_whitespace()
        .find(|w| w.starts_with("http://"))
        .expect("the address served")
        .trim_end_matches('/')
        .to_owned();
    (server, base)
}

/// Kills the server while a large upload is being written: after the restart the batch is
/// failed, none of its rows is in the record store, and the audit log has the failure and
/// no acceptance.
#[tokio::test]
async fn a_batch_cut_by_a_crash_is_failed_after_restart_with_nothing_written_and_the_log_agrees() {
    let dir = temp_dir("batch-crash");
    ok(&pubdata(&dir, &["demo"]));
    let token = ok(&pubdata(
        &dir,
        &[
            "token",
            "create",
            "--user",
            "water_steward",
            "--scope",
            "write",
        ],
    ));
    let token = token.lines().last().unwrap().to_owned();
    let (mut server, base) = serve(&dir);
    let client = reqwest::Client::new();
    let found: serde_json::Value = get_json(
        &client,
        &format!("{base}/api/v1/resources?q=2/03/003/0001"),
        &token,
    )
    .await;
    let id = found["items"][0]["id"].as_str().unwrap().to_owned();

    // 出厂水水质检测信息, keyed by plant and date: enough rows to take seconds.
    let mut csv = String::from("水厂,检测日期,浑浊度（NTU）,pH值,是否合格\n");
    for i in 0..400_000 {
        csv.push_str(&format!(
            "水厂{i},2026-03-01,0.{},7.{},是\n",
            i % 10,
            i % 10
        ));
    }
    let form = reqwest::multipart::Form::new().part(
        "file",
        reqwest::multipart::Part::bytes(csv.into_bytes()).file_name("big.csv"),
    );
    let r = client
        .post(format!("{base}/api/v1/resources/{id}/batches?wait=false"))
        .bearer_auth(&token)
        .multipart(form)
        .send()
        .await
        .unwrap();
    let status = r.status();
    let batch: serde_json::Value = r.json().await.unwrap();
    assert_eq!(status, reqwest::StatusCode::ACCEPTED, "{batch}");
    let batch_id = batch["id"].as_str().unwrap().to_owned();
    // Wait until rows are being written, then cut the power.
    let mut seen = 0;
    for _ in 0..400 {
        let b: serde_json::Value = get_json(
            &client,
            &format!("{base}/api/v1/batches/{batch_id}"),
            &token,
        )
        .await;
        assert_eq!(b["status"], "running", "the kill must come mid-batch: {b}");
        seen = b["progress"]["rows"].as_u64().unwrap_or(0);
        if seen >= 20_000 {
            break;
        }
        tokio::time::sleep(std::time::Duration::from_millis(25)).await;
    }
    assert!(seen >= 20_000, "rows were being written: {seen}");
    server.kill().unwrap();
    server.wait().unwrap();

    let (mut server, base) = serve(&dir);
    let b: serde_json::Value = get_json(
        &client,
        &format!("{base}/api/v1/batches/{batch_id}"),
        &token,
    )
    .await;
    assert_eq!(
        (b["status"].as_str(), b["error"]["code"].as_str()),
        (Some("failed"), Some("interrupted")),
        "{b}"
    );
    let records: serde_json::Value = get_json(
        &client,
        &format!("{base}/api/v1/resources/{id}/records"),
        &token,
    )
    .await;
    assert_eq!(
        records["items"],
        serde_json::json!([]),
        "nothing of the batch was written"
    );
    server.kill().unwrap();
    server.wait().unwrap();

    let file = export(&dir, "after-batch-crash.jsonl");
    assert!(ok(&verify(&dir, &[file.to_str().unwrap()])).contains("OK"));
    let target = format!("batch/{batch_id}");
    let mut about_batch = vec![];
    for line in std::fs::read_to_string(&file).unwrap().lines().skip(1) {
        let v: serde_json::Value = serde_json::from_str(line).unwrap();
        let Some(bytes) = v["bytes"].as_str() else {
            continue;
        };
        use base64::Engine;
        let e: serde_json::Value = serde_json::from_slice(
            &base64::engine::general_purpose::STANDARD
                .decode(bytes)
                .unwrap(),
        )
        .unwrap();
        if e["target"] == target.as_str()
            && e["action"] != "get_batch"
            && e["action"] != "list_records"
        {
            about_batch.push(format!(
                "{} {}",
                e["action"].as_str().unwrap(),
                e["decision"].as_str().unwrap_or("deny")
            ));
        }
    }
    assert_eq!(
        about_batch,
        ["fail_batch allow"],
        "the log agrees: failed, never accepted"
    );
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// An outsider's checker: tools/verify_audit_log.py, written from docs/audit-log.md alone
// ---------------------------------------------------------------------------------------

#[test]
fn an_independent_python_checker_agrees_with_verify_log() {
    use base64::Engine;
    let b64 = base64::engine::general_purpose::STANDARD;
    let required = std::env::var("PUBDATA_TEST_INTEROP").as_deref() == Ok("required");
    let usable = Command::new("python3")
        .args(["-c", "import cryptography"])
        .output()
        .map(|o| o.status.success())
        .unwrap_or(false);
    if !usable {
        assert!(
            !required,
            "PUBDATA_TEST_INTEROP=required, but `python3 -c \"import cryptography\"` fails"
        );
        eprintln!(
            "note: skipped: python3 with the `cryptography` package is not available \
             (PUBDATA_TEST_INTEROP=required makes this a failure)"
        );
        return;
    }
    let script =
        std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("../../tools/verify_audit_log.py");
    let python = |args: &[&str]| {
        Command::new("python3")
            .arg(&script)
            .args(args)
            .output()
            .expect("python3 runs")
    };
    let text = ok(&python(&["--self-test"]));
    assert!(text.contains("self-test: OK"), "{text}");

    // A log with a key rotation in it, checked with the current key against an older
    // checkpoint: both checkers say OK.
    let dir = temp_dir("python");
    ok(&pubdata(&dir, &["demo"]));
    let key = ok(&pubdata(&dir, &["audit", "rotate-key"]));
    let key = key.trim().to_owned();
    let old = dir.join("old.note");
    std::fs::write(&old, ok(&pubdata(&dir, &["audit", "checkpoint"]))).unwrap();
    ok(&pubdata(&dir, &["token", "create", "--user", "admin"]));
    let file = export(&dir, "good.jsonl");
    let args = [
        file.to_str().unwrap(),
        "--key",
        &key,
        "--checkpoint",
        old.to_str().unwrap(),
    ];
    let text = ok(&python(&args));
    assert!(text.starts_with("OK: "), "{text}");
    assert!(text.contains("is a prefix of this log"), "{text}");
    assert!(text.contains("learned from a key rotation"), "{text}");
    ok(&verify(&dir, &args));

    // Entry 7's bytes changed in a copy of the file (still canonical JSON, same leaf_hash):
    // both checkers refuse it, and the Python one names entry 7.
    let content = std::fs::read_to_string(&file).unwrap();
    let lines: Vec<String> = content
        .lines()
        .map(|l| {
            if !l.starts_with("{\"index\":7,") {
                return l.to_owned();
            }
            let v: serde_json::Value = serde_json::from_str(l).unwrap();
            let bytes = b64.decode(v["bytes"].as_str().unwrap()).unwrap();
            let changed =
                String::from_utf8(bytes)
                    .unwrap()
                    .replacen("\"action\":\"", "\"action\":\"x", 1);
            format!(
                "{{\"index\":7,\"leaf_hash\":{},\"bytes\":\"{}\"}}",
                v["leaf_hash"],
                b64.encode(changed)
            )
        })
        .collect();
    assert_ne!(lines.join("\n") + "\n", content, "entry 7 was changed");
    let tampered = dir.join("tampered.jsonl");
    std::fs::write(&tampered, lines.join("\n") + "\n").unwrap();
    let args = [tampered.to_str().unwrap(), "--key", &key];
    let out = python(&args);
    let text = String::from_utf8_lossy(&out.stdout);
    assert_eq!(out.status.code(), Some(1), "{text}");
    assert!(text.contains("PROBLEM at entry 7 "), "{text}");
    let out = verify(&dir, &args);
    assert_eq!(
        out.status.code(),
        Some(1),
        "{}",
        String::from_utf8_lossy(&out.stdout)
    );
    let _ = std::fs::remove_dir_all(&dir);
}

/// A database restored from an older copy must not be signed over: the data directory
/// remembers the last checkpoint it signed, and the log refuses to fork from it.
#[tokio::test]
async fn a_database_restored_from_an_older_copy_is_not_signed_over() {
    let dir = temp_dir("restore");
    ok(&pubdata(&dir, &["demo"]));
    ok(&pubdata(&dir, &["audit", "checkpoint"]));
    let backup = dir.join("backup.db");
    tamper(&dir, &format!("VACUUM INTO '{}'", backup.display())).await;
    ok(&pubdata(&dir, &["token", "create", "--user", "admin"]));
    ok(&pubdata(&dir, &["audit", "checkpoint"]));
    let today = dir.join("today.db");
    tamper(&dir, &format!("VACUUM INTO '{}'", today.display())).await;
    let put_back = |copy: &std::path::Path| {
        for ext in ["", "-wal", "-shm"] {
            let _ = std::fs::remove_file(dir.join(format!("pubdata.db{ext}")));
        }
        std::fs::copy(copy, dir.join("pubdata.db")).unwrap();
    };

    // The operator restores yesterday's database over today's.
    put_back(&backup);
    let out = pubdata(&dir, &["audit", "checkpoint"]);
    assert!(!out.status.success(), "a fork must not be signed");
    let err = String::from_utf8_lossy(&out.stderr);
    assert!(err.contains("refusing to sign"), "{err}");
    assert!(
        err.contains("latest-checkpoint.note"),
        "the message says what to do: {err}"
    );

    // Putting today's database back lets the log go on.
    put_back(&today);
    ok(&pubdata(&dir, &["token", "create", "--user", "admin"]));
    ok(&pubdata(&dir, &["audit", "checkpoint"]));
    let _ = std::fs::remove_dir_all(&dir);
}

// ---------------------------------------------------------------------------------------
// The catalog's responsibility list from the command line
// ---------------------------------------------------------------------------------------

#[test]
fn the_exported_list_reimports_only_where_its_codes_are_new() {
    let dir = temp_dir("catalog");
    ok(&pubdata(&dir, &["demo"]));
    let csv = dir.join("list.csv");
    let out = ok(&pubdata(
        &dir,
        &["catalog", "export", "--out", csv.to_str().unwrap()],
    ));
    assert!(out.contains("wrote"), "{out}");

    // Every code is in the catalog already: the check names each and exits 1.
    let checked = pubdata(&dir, &["catalog", "import", csv.to_str().unwrap()]);
    assert_eq!(checked.status.code(), Some(1));
    let report = String::from_utf8_lossy(&checked.stdout);
    assert!(
        report.contains("UTF-8") && report.contains("resource_code_taken"),
        "{report}"
    );

    // One resource under a new code, as a GBK file: that one imports, as a draft.
    let text = std::fs::read_to_string(&csv).unwrap();
    let text = text.trim_start_matches('\u{feff}');
    let header = text.lines().next().unwrap();
    let first_code = text
        .lines()
        .nth(1)
        .unwrap()
        .split(',')
        .next()
        .unwrap()
        .to_owned();
    let rows: Vec<&str> = text
        .lines()
        .skip(1)
        .filter(|l| l.starts_with(&format!("{first_code},")))
        .collect();
    let new_code = format!("{}9", &first_code[..first_code.len() - 1]);
    let body = rows
        .iter()
        .map(|r| r.replacen(&first_code, &new_code, 1))
        .collect::<Vec<_>>()
        .join("\r\n");
    let gbk = dir.join("new.csv");
    std::fs::write(
        &gbk,
        encoding_rs::GBK
            .encode(&format!("{header}\r\n{body}\r\n"))
            .0,
    )
    .unwrap();
    let out = ok(&pubdata(
        &dir,
        &[
            "catalog",
            "import",
            gbk.to_str().unwrap(),
            "--mode",
            "import-all",
        ],
    ));
    assert!(
        out.contains("GB18030/GBK") && out.contains("imported 1 resources"),
        "{out}"
    );

    let bad = pubdata(
        &dir,
        &[
            "catalog",
            "export",
            "--out",
            dir.join("list.txt").to_str().unwrap(),
        ],
    );
    assert_eq!(bad.status.code(), Some(1));
    assert!(String::from_utf8_lossy(&bad.stderr).contains(".csv or .xlsx"));
    let _ = std::fs::remove_dir_all(&dir);
}
