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
