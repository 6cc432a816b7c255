//! The actions of pubdata-app end to end, on real databases: always SQLite (a fresh file in
//! a fresh temporary directory), and PostgreSQL too when `PUBDATA_TEST_POSTGRES_URL` names
//! a server (e.g. `postgres://postgres@127.0.0.1:5432/postgres`): a fresh database is
//! created there for each test and dropped afterwards.
//!
//! Every test runs its body once on each available backend (`for t in apps().await`), and
//! names the backend in its failure messages.
//!
//! Argon2 is slow in debug builds: tests create only the users they need, and only the demo
//! test loads the demo city.

use std::path::PathBuf;
use std::time::Duration;

use chrono::NaiveDate;
use pubdata_app::auth::session::{self, SessionStart};
use pubdata_app::auth::tokens::{self, CreatedToken, NewToken};
use pubdata_app::calendar;
use pubdata_app::demo::{self, DEMO_PASSWORD};
use pubdata_app::platform::orgs::{self, Org, OrgInput};
use pubdata_app::platform::users::{self, NewUser, User};
use pubdata_app::{ActionError, Actor, App, Channel, Config, Db, Role, now_ms};
use pubdata_core::actor::TokenScope;
use pubdata_core::audit::{Action, AuditEntry, Decision};
use pubdata_core::calendar::DayKind;
use pubdata_core::org::OrgKind;
use pubdata_store::audit::{self as audit_log, AuditFilter};
use sqlx::Connection;

// ---------------------------------------------------------------------------------------
// Fresh apps, one per backend
// ---------------------------------------------------------------------------------------

const POSTGRES_URL_VAR: &str = "PUBDATA_TEST_POSTGRES_URL";

/// An app on a database of its own; dropping it removes the database.
struct TestApp {
    backend: &'static str,
    app: App,
    dir: PathBuf,
    /// The server URL and the name of the database made for this app.
    pg: Option<(String, String)>,
}

impl Drop for TestApp {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.dir);
        if let Some((server, name)) = self.pg.take() {
            // Drop runs inside the test's runtime, which cannot be blocked on: drop the
            // database from a thread with a runtime of its own.
            let db = name.clone();
            let dropped = std::thread::spawn(move || {
                let rt = tokio::runtime::Builder::new_current_thread()
                    .enable_all()
                    .build()
                    .expect("a runtime");
                rt.block_on(async {
                    let mut conn = sqlx::PgConnection::connect(&server).await?;
                    let sql = format!("DROP DATABASE IF EXISTS {db} WITH (FORCE)");
                    sqlx::query(sqlx::AssertSqlSafe(sql))
                        .execute(&mut conn)
                        .await?;
                    conn.close().await
                })
            })
            .join();
            if !matches!(dropped, Ok(Ok(()))) {
                eprintln!("could not drop the test database {name}: {dropped:?}");
            }
        }
    }
}

fn unique(prefix: &str) -> String {
    format!("{prefix}{}", uuid::Uuid::now_v7().simple())
}

fn fresh_dir() -> PathBuf {
    let dir = std::env::temp_dir().join(unique("pubdata-test-"));
    std::fs::create_dir_all(&dir).expect("create a temporary directory");
    dir
}

/// `server` with its database path replaced by `name` (user, host, port and query kept).
fn with_database(server: &str, name: &str) -> String {
    let (scheme, rest) = server
        .split_once("://")
        .unwrap_or_else(|| panic!("{POSTGRES_URL_VAR} must be a postgres:// URL"));
    let (rest, query) = match rest.split_once('?') {
        Some((r, q)) => (r, Some(q)),
        None => (rest, None),
    };
    let authority = rest.split_once('/').map_or(rest, |(a, _)| a);
    match query {
        Some(q) => format!("{scheme}://{authority}/{name}?{q}"),
        None => format!("{scheme}://{authority}/{name}"),
    }
}

/// Fresh apps with the default configuration: SQLite, and PostgreSQL when configured.
async fn apps() -> Vec<TestApp> {
    apps_with(|_| {}).await
}

/// Fresh apps whose configuration `configure` adjusts.
async fn apps_with(configure: impl Fn(&mut Config)) -> Vec<TestApp> {
    let mut out = Vec::new();

    let dir = fresh_dir();
    let mut config = Config::sqlite_in(&dir);
    configure(&mut config);
    let app = App::open(config).await.expect("open the SQLite app");
    out.push(TestApp {
        backend: "sqlite",
        app,
        dir,
        pg: None,
    });

    if let Ok(server) = std::env::var(POSTGRES_URL_VAR)
        && !server.trim().is_empty()
    {
        let name = unique("pubdata_t_");
        let mut conn = sqlx::PgConnection::connect(&server)
            .await
            .unwrap_or_else(|e| panic!("connect to {POSTGRES_URL_VAR}={server}: {e}"));
        sqlx::query(sqlx::AssertSqlSafe(format!("CREATE DATABASE {name}")))
            .execute(&mut conn)
            .await
            .unwrap_or_else(|e| panic!("create database {name}: {e}"));
        conn.close().await.expect("close the admin connection");
        let dir = fresh_dir();
        let mut config = Config::sqlite_in(&dir);
        config.database_url = with_database(&server, &name);
        configure(&mut config);
        // Made before opening, so that the database is dropped even if opening fails.
        let pg = Some((server, name));
        let app = App::open(config).await.expect("open the PostgreSQL app");
        out.push(TestApp {
            backend: "postgres",
            app,
            dir,
            pg,
        });
    }
    out
}

#[test]
fn a_database_name_replaces_only_the_path_of_the_server_url() {
    assert_eq!(
        with_database("postgres://postgres@127.0.0.1:5432/postgres", "t1"),
        "postgres://postgres@127.0.0.1:5432/t1"
    );
    assert_eq!(
        with_database("postgresql://u:p@h/db?sslmode=disable", "t2"),
        "postgresql://u:p@h/t2?sslmode=disable"
    );
    assert_eq!(
        with_database("postgres://h:5433", "t3"),
        "postgres://h:5433/t3"
    );
}

// ---------------------------------------------------------------------------------------
// Actors, inputs, fixtures
// ---------------------------------------------------------------------------------------

/// The password of every user the tests create.
const PASSWORD: &str = "Test-pass-2026";
const WRONG_PASSWORD: &str = "Wrong-pass-2026";

fn rid() -> String {
    pubdata_app::new_request_id()
}

/// The authority at the command line.
fn operator() -> Actor {
    Actor::operator(rid())
}

fn anonymous() -> Actor {
    Actor::anonymous(Channel::Web, rid())
}

/// A valid credit code, distinct for each `n` and from the demo city's.
fn uscc(n: usize) -> String {
    demo::demo_uscc(100 + n, "12")
}

/// A credit code whose check character is wrong.
const BAD_USCC: &str = "91110000600037341N";

fn org_input(name: &str, uscc: &str) -> OrgInput {
    OrgInput {
        name: name.into(),
        kind: "government".into(),
        sector: "other".into(),
        uscc: uscc.into(),
        parent_id: None,
        accountable_head: "张三".into(),
    }
}

async fn create_org(app: &App, name: &str, n: usize) -> Org {
    orgs::create_org(app, &operator(), org_input(name, &uscc(n)))
        .await
        .unwrap_or_else(|e| panic!("create org {name}: {e:?}"))
}

fn new_user(username: &str, org_id: &str, role: Role) -> NewUser {
    NewUser {
        username: username.into(),
        display_name: format!("{username} 测试"),
        org_id: Some(org_id.into()),
        roles: vec![role.as_str().into()],
        password: PASSWORD.into(),
    }
}

async fn create_user(app: &App, org: &Org, username: &str, role: Role) -> User {
    users::create_user(app, &operator(), new_user(username, &org.id, role))
        .await
        .unwrap_or_else(|e| panic!("create user {username}: {e:?}"))
}

async fn sign_in(app: &App, username: &str, password: &str) -> Result<SessionStart, ActionError> {
    session::sign_in(app, &anonymous(), username, password).await
}

/// Signs `username` in (with [`PASSWORD`]) and returns the actor its session authenticates as.
async fn web_actor(app: &App, username: &str) -> Actor {
    let start = sign_in(app, username, PASSWORD)
        .await
        .unwrap_or_else(|e| panic!("sign in {username}: {e:?}"));
    let (actor, csrf) = session::authenticate_session(app, &start.cookie_token, &rid())
        .await
        .unwrap_or_else(|e| panic!("authenticate the session of {username}: {e:?}"));
    assert_eq!(csrf, start.csrf_token);
    assert_eq!(actor.username(), Some(username));
    assert_eq!(actor.channel(), Channel::Web);
    actor
}

fn token_input(name: &str, scope: &str, expires_in: &str) -> NewToken {
    NewToken {
        name: name.into(),
        scope: scope.into(),
        expires_in: expires_in.into(),
    }
}

async fn token_for(app: &App, username: &str, scope: &str, expires_in: &str) -> CreatedToken {
    tokens::create_token_for_user(
        app,
        &operator(),
        username,
        token_input("t", scope, expires_in),
    )
    .await
    .unwrap_or_else(|e| panic!("create a token for {username}: {e:?}"))
}

/// Runs `UPDATE … SET column = $1 WHERE key = $2` on the store's pool, to put one row in a
/// state the actions reach only with time (an idle session, an expired token).
async fn set_in_db(app: &App, sql: &'static str, value: i64, key: &str) {
    let n = match app.db() {
        Db::Sqlite(p) => sqlx::query(sql)
            .bind(value)
            .bind(key)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
        Db::Postgres(p) => sqlx::query(sql)
            .bind(value)
            .bind(key)
            .execute(p)
            .await
            .map(|r| r.rows_affected()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
    assert_eq!(n, 1, "{sql} should change one row");
    // A change made behind the app's back is seen once the caches' lifetime has passed; the
    // tests do not wait for it.
    app.caches().generation.bump();
}

/// Asserts that `$result` is a refusal matching `$pattern`, and returns the error.
macro_rules! assert_refused {
    ($result:expr, $pattern:pat, $ctx:expr) => {
        match $result {
            Ok(_) => panic!(
                "{}: expected {}, but the action succeeded",
                $ctx,
                stringify!($pattern)
            ),
            Err(e) => {
                assert!(
                    matches!(&e, $pattern),
                    "{}: expected {}, got {e:?}",
                    $ctx,
                    stringify!($pattern)
                );
                e
            }
        }
    };
}

/// The `(field, code)` pairs of an `Invalid` error.
fn field_codes(e: &ActionError) -> Vec<(String, String)> {
    match e {
        ActionError::Invalid { errors, .. } => errors
            .iter()
            .map(|f| (f.field.clone(), f.code.clone()))
            .collect(),
        other => panic!("expected an invalid-input error, got {other:?}"),
    }
}

// ---------------------------------------------------------------------------------------
// Reading the audit log
// ---------------------------------------------------------------------------------------

/// Every audit entry with its seq, oldest first.
async fn audit_entries(app: &App) -> Vec<(u64, AuditEntry)> {
    let mut tx = app.db().begin().await.expect("begin");
    let mut rows = audit_log::list(&mut tx, &AuditFilter::default(), None, 1_000_000)
        .await
        .expect("read the audit log");
    tx.rollback().await.expect("rollback");
    rows.reverse();
    rows
}

async fn audit_count(app: &App) -> i64 {
    let mut tx = app.db().begin().await.expect("begin");
    let n = audit_log::count(&mut tx)
        .await
        .expect("count audit entries");
    tx.rollback().await.expect("rollback");
    n
}

async fn last_entry(app: &App) -> AuditEntry {
    audit_entries(app).await.pop().expect("an audit entry").1
}

/// `allow` or `deny:<reason>`, to compare decisions in one assertion.
fn outcome(e: &AuditEntry) -> String {
    match &e.decision {
        Decision::Allow => "allow".to_owned(),
        Decision::Deny(reason) => format!("deny:{reason}"),
    }
}

/// The outcomes of the entries for `action`, oldest first, of those `keep` accepts.
fn outcomes(
    entries: &[(u64, AuditEntry)],
    action: Action,
    keep: impl Fn(&AuditEntry) -> bool,
) -> Vec<String> {
    entries
        .iter()
        .map(|(_, e)| e)
        .filter(|e| e.action == action && keep(e))
        .map(outcome)
        .collect()
}

fn target_of(e: &AuditEntry) -> Option<&str> {
    e.target.as_ref().map(|t| t.as_str())
}

async fn org_count(app: &App) -> usize {
    orgs::list_orgs(app, &operator(), None, Some(1000), true)
        .await
        .expect("list orgs")
        .items
        .len()
}

async fn usernames(app: &App) -> Vec<String> {
    let mut names: Vec<String> = users::list_users(app, &operator(), None, None, Some(1000))
        .await
        .expect("list users")
        .items
        .into_iter()
        .map(|u| u.username)
        .collect();
    names.sort();
    names
}

fn date(s: &str) -> NaiveDate {
    NaiveDate::parse_from_str(s, "%Y-%m-%d").expect("a date")
}

// ---------------------------------------------------------------------------------------
// Units
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_org_with_a_valid_credit_code_is_created_and_listed() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let code = uscc(1);
        let org = orgs::create_org(app, &operator(), org_input("  澜江市测试局 ", &code))
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(org.name, "澜江市测试局", "{b}: the name is trimmed");
        assert_eq!(org.uscc, code, "{b}");
        assert_eq!(org.kind, OrgKind::Government, "{b}");
        assert!(!org.disabled, "{b}");

        let created = last_entry(app).await;
        assert_eq!(
            (created.action, outcome(&created)),
            (Action::CreateOrg, "allow".into()),
            "{b}"
        );
        assert_eq!(
            target_of(&created),
            Some(format!("org/{}", org.id).as_str()),
            "{b}"
        );
        assert_eq!(created.channel, "cli", "{b}");

        let listed = orgs::list_orgs(app, &operator(), None, None, false)
            .await
            .expect("list orgs");
        assert_eq!(listed.items, vec![org.clone()], "{b}");
        assert_eq!(listed.next_cursor, None, "{b}");
        assert_eq!(
            orgs::get_org(app, &operator(), &org.id)
                .await
                .expect("get org"),
            org,
            "{b}"
        );
    }
}

#[tokio::test]
async fn an_org_with_a_wrong_check_character_is_refused_audited_and_not_created() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let before = audit_count(app).await;
        let e = assert_refused!(
            orgs::create_org(app, &operator(), org_input("代码有误的单位", BAD_USCC)).await,
            ActionError::Invalid {
                code: "invalid_uscc",
                ..
            },
            b
        );
        assert_eq!(
            field_codes(&e),
            [("uscc".to_owned(), "uscc_check".to_owned())],
            "{b}"
        );

        assert_eq!(
            audit_count(app).await,
            before + 1,
            "{b}: one entry for the refusal"
        );
        let denied = last_entry(app).await;
        assert_eq!(denied.action, Action::CreateOrg, "{b}");
        assert_eq!(
            denied.decision,
            Decision::Deny("invalid_uscc".into()),
            "{b}"
        );
        assert_eq!(denied.actor_user_id, None, "{b}");
        assert_eq!(denied.channel, "cli", "{b}");

        assert_eq!(org_count(app).await, 0, "{b}: nothing is created");
    }
}

#[tokio::test]
async fn a_credit_code_or_name_already_in_use_is_a_conflict() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let first = create_org(app, "澜江市第一局", 1).await;
        assert_refused!(
            orgs::create_org(app, &operator(), org_input("澜江市第二局", &first.uscc)).await,
            ActionError::Conflict("uscc_taken"),
            b
        );
        let denied = last_entry(app).await;
        assert_eq!(
            (denied.action, outcome(&denied)),
            (Action::CreateOrg, "deny:uscc_taken".into()),
            "{b}"
        );
        assert_refused!(
            orgs::create_org(app, &operator(), org_input("澜江市第一局", &uscc(2))).await,
            ActionError::Conflict("org_name_taken"),
            b
        );
        assert_eq!(org_count(app).await, 1, "{b}");
    }
}

#[tokio::test]
async fn a_steward_cannot_create_an_org() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江水务集团有限公司", 1).await;
        let steward = create_user(app, &unit, "water_steward", Role::Steward).await;
        let actor = web_actor(app, "water_steward").await;

        assert_refused!(
            orgs::create_org(app, &actor, org_input("擅自设立的单位", &uscc(2))).await,
            ActionError::Forbidden("role_required"),
            b
        );
        let denied = last_entry(app).await;
        assert_eq!(
            (denied.action, outcome(&denied)),
            (Action::CreateOrg, "deny:role_required".into()),
            "{b}"
        );
        assert_eq!(
            denied.actor_user_id.as_deref(),
            Some(steward.id.as_str()),
            "{b}"
        );
        assert_eq!(
            denied.actor_org_id.as_deref(),
            Some(unit.id.as_str()),
            "{b}"
        );
        assert_eq!(denied.channel, "web", "{b}");
        assert_eq!(org_count(app).await, 1, "{b}: nothing is created");
    }
}

// ---------------------------------------------------------------------------------------
// Users
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn a_steward_creates_members_of_its_own_unit_only() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let water = create_org(app, "澜江水务集团有限公司", 1).await;
        let power = create_org(app, "国网澜江供电公司", 2).await;
        let steward = create_user(app, &water, "water_steward", Role::Steward).await;
        let actor = web_actor(app, "water_steward").await;

        let member = users::create_user(
            app,
            &actor,
            new_user("water_clerk", &water.id, Role::Member),
        )
        .await
        .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(member.org_id.as_deref(), Some(water.id.as_str()), "{b}");
        assert_eq!(member.roles, vec![Role::Member], "{b}");
        assert!(!member.disabled && !member.locked, "{b}");

        assert_refused!(
            users::create_user(
                app,
                &actor,
                new_user("power_clerk", &power.id, Role::Member)
            )
            .await,
            ActionError::Forbidden("other_org"),
            b
        );
        assert_refused!(
            users::create_user(
                app,
                &actor,
                new_user("water_auditor", &water.id, Role::Auditor)
            )
            .await,
            ActionError::Forbidden("role_not_grantable"),
            b
        );

        assert_eq!(
            usernames(app).await,
            ["water_clerk", "water_steward"],
            "{b}"
        );
        let entries = audit_entries(app).await;
        let by_steward = outcomes(&entries, Action::CreateUser, |e| {
            e.actor_user_id.as_deref() == Some(steward.id.as_str())
        });
        assert_eq!(
            by_steward,
            ["allow", "deny:other_org", "deny:role_not_grantable"],
            "{b}"
        );
        // The new member can sign in with the password its steward gave it.
        web_actor(app, "water_clerk").await;
    }
}

#[tokio::test]
async fn a_weak_password_is_refused_and_no_user_is_created() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市测试局", 1).await;
        for (password, code) in [
            ("Ab-1", "password_too_short"),
            ("qwertyuiop", "password_too_few_classes"),
            ("Zhangwei-2026", "password_contains_username"),
        ] {
            let input = NewUser {
                password: password.into(),
                ..new_user("zhangwei", &unit.id, Role::Member)
            };
            let e = assert_refused!(
                users::create_user(app, &operator(), input).await,
                ActionError::Invalid {
                    code: "weak_password",
                    ..
                },
                format!("{b}: {password}")
            );
            assert_eq!(
                field_codes(&e),
                [("password".to_owned(), code.to_owned())],
                "{b}: {password}"
            );
            let ActionError::Invalid { errors, .. } = &e else {
                unreachable!()
            };
            assert!(
                errors
                    .iter()
                    .all(|f| !f.message_en.contains(password) && !f.message_zh.contains(password)),
                "{b}: a message repeats the password: {errors:?}"
            );
            let denied = last_entry(app).await;
            assert_eq!(
                (denied.action, outcome(&denied)),
                (Action::CreateUser, "deny:weak_password".into()),
                "{b}"
            );
        }
        assert!(usernames(app).await.is_empty(), "{b}");
    }
}

// ---------------------------------------------------------------------------------------
// Sign-in and sessions
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn five_wrong_passwords_lock_the_account_even_against_the_right_one() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市测试局", 1).await;
        let user = create_user(app, &unit, "forgetful", Role::Member).await;

        for attempt in 1..=4 {
            assert_refused!(
                sign_in(app, "forgetful", WRONG_PASSWORD).await,
                ActionError::Unauthenticated("bad_credentials"),
                format!("{b}: attempt {attempt}")
            );
        }
        assert_refused!(
            sign_in(app, "forgetful", WRONG_PASSWORD).await,
            ActionError::Unauthenticated("account_locked"),
            format!("{b}: attempt 5")
        );
        assert_refused!(
            sign_in(app, "forgetful", PASSWORD).await,
            ActionError::Unauthenticated("account_locked"),
            format!("{b}: the right password while locked")
        );
        let seen = users::get_user(app, &operator(), &user.id)
            .await
            .expect("get user");
        assert!(seen.locked, "{b}: the user shows as locked");

        let entries = audit_entries(app).await;
        let target = format!("user/{}", user.id);
        let sign_ins = outcomes(&entries, Action::SignIn, |e| {
            target_of(e) == Some(target.as_str())
        });
        let mut expected = vec!["deny:bad_credentials"; 4];
        expected.extend(["deny:account_locked", "deny:account_locked"]);
        assert_eq!(
            sign_ins, expected,
            "{b}: every failure is audited, on the user"
        );

        // Re-enabling lifts the lockout.
        users::set_user_disabled(app, &operator(), &user.id, false)
            .await
            .expect("re-enable");
        sign_in(app, "forgetful", PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
    }
}

#[tokio::test]
async fn an_unknown_username_is_refused_like_a_wrong_password() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        assert_refused!(
            sign_in(app, "nobody", PASSWORD).await,
            ActionError::Unauthenticated("bad_credentials"),
            b
        );
        let denied = last_entry(app).await;
        assert_eq!(
            (denied.action, outcome(&denied)),
            (Action::SignIn, "deny:bad_credentials".into()),
            "{b}"
        );
        assert_eq!(target_of(&denied), Some("user/nobody"), "{b}");
    }
}

#[tokio::test]
async fn a_disabled_user_cannot_sign_in_and_its_sessions_end() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let water = create_org(app, "澜江水务集团有限公司", 1).await;
        let power = create_org(app, "国网澜江供电公司", 2).await;
        let user = create_user(app, &water, "leaver", Role::Member).await;
        create_user(app, &power, "power_clerk", Role::Member).await;

        let session = sign_in(app, "leaver", PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        session::authenticate_session(app, &session.cookie_token, &rid())
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));

        let disabled = users::set_user_disabled(app, &operator(), &user.id, true)
            .await
            .expect("disable");
        assert!(disabled.disabled, "{b}");
        assert_refused!(
            session::authenticate_session(app, &session.cookie_token, &rid()).await,
            ActionError::Unauthenticated("session_invalid"),
            format!("{b}: the session of a disabled user")
        );
        assert_refused!(
            sign_in(app, "leaver", PASSWORD).await,
            ActionError::Unauthenticated("account_disabled"),
            b
        );

        // A user of a disabled unit is shut out the same way, session and sign-in.
        let other = sign_in(app, "power_clerk", PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        orgs::set_org_disabled(app, &operator(), &power.id, true)
            .await
            .expect("disable org");
        assert_refused!(
            session::authenticate_session(app, &other.cookie_token, &rid()).await,
            ActionError::Unauthenticated("account_disabled"),
            format!("{b}: the session of a user of a disabled unit")
        );
        assert_refused!(
            sign_in(app, "power_clerk", PASSWORD).await,
            ActionError::Unauthenticated("account_disabled"),
            b
        );
    }
}

#[tokio::test]
async fn a_session_idle_longer_than_the_timeout_is_refused() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市测试局", 1).await;
        let user = create_user(app, &unit, "idler", Role::Member).await;
        let session = sign_in(app, "idler", PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        let idle = "UPDATE sessions SET last_seen_at = $1 WHERE user_id = $2";

        // 29 minutes idle: still valid.
        set_in_db(app, idle, now_ms() - 29 * 60_000, &user.id).await;
        let (actor, _) = session::authenticate_session(app, &session.cookie_token, &rid())
            .await
            .unwrap_or_else(|e| panic!("{b}: 29 minutes idle: {e:?}"));
        assert_eq!(actor.user_id(), Some(user.id.as_str()), "{b}");

        // 31 minutes idle: over the 30-minute default.
        set_in_db(app, idle, now_ms() - 31 * 60_000, &user.id).await;
        assert_refused!(
            session::authenticate_session(app, &session.cookie_token, &rid()).await,
            ActionError::Unauthenticated("session_expired"),
            b
        );
        assert_refused!(
            session::authenticate_session(app, &session.cookie_token, &rid()).await,
            ActionError::Unauthenticated("session_invalid"),
            format!("{b}: an expired session is gone")
        );
        let entries = audit_entries(app).await;
        assert_eq!(
            outcomes(&entries, Action::Authenticate, |_| true),
            ["deny:session_expired", "deny:session_invalid"],
            "{b}: only the failures of authentication are audited"
        );
    }
}

#[tokio::test]
async fn the_idle_timeout_is_configurable() {
    for t in apps_with(|c| c.security.idle_timeout_minutes = 0).await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市测试局", 1).await;
        create_user(app, &unit, "idler", Role::Member).await;
        let session = sign_in(app, "idler", PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        tokio::time::sleep(Duration::from_millis(20)).await;
        assert_refused!(
            session::authenticate_session(app, &session.cookie_token, &rid()).await,
            ActionError::Unauthenticated("session_expired"),
            b
        );
    }
}

// ---------------------------------------------------------------------------------------
// API tokens
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn an_api_token_authenticates_its_user_until_it_is_revoked() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市测试局", 1).await;
        let user = create_user(app, &unit, "api_user", Role::Member).await;
        let created = token_for(app, "api_user", "write", "30d").await;
        assert!(created.token.starts_with("pd_"), "{b}");
        assert_eq!(created.info.prefix, created.token[..10], "{b}");
        assert_eq!(
            (created.info.scope, created.info.status),
            (TokenScope::Write, "active"),
            "{b}"
        );

        let actor = tokens::authenticate_token(app, &created.token, &rid())
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(actor.user_id(), Some(user.id.as_str()), "{b}");
        assert_eq!(actor.org_id(), Some(unit.id.as_str()), "{b}");
        assert_eq!(actor.roles(), [Role::Member], "{b}");
        assert_eq!(
            (actor.channel(), actor.scope()),
            (Channel::Api, Some(TokenScope::Write)),
            "{b}"
        );

        // The user revokes it from its web session.
        let web = web_actor(app, "api_user").await;
        let revoked = tokens::revoke_token(app, &web, &created.info.id)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(revoked.status, "revoked", "{b}");
        assert_refused!(
            tokens::authenticate_token(app, &created.token, &rid()).await,
            ActionError::Unauthenticated("token_revoked"),
            b
        );
        let denied = last_entry(app).await;
        assert_eq!(
            (denied.action, outcome(&denied)),
            (Action::Authenticate, "deny:token_revoked".into()),
            "{b}"
        );
        assert_eq!(
            target_of(&denied),
            Some(format!("token/{}", created.info.id).as_str()),
            "{b}"
        );
        assert_refused!(
            tokens::revoke_token(app, &web, &created.info.id).await,
            ActionError::Conflict("token_already_revoked"),
            b
        );
    }
}

#[tokio::test]
async fn a_read_scoped_token_may_read_but_not_change_anything() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市大数据局", 1).await;
        create_user(app, &unit, "ro_admin", Role::PlatformAdmin).await;
        let created = token_for(app, "ro_admin", "read", "1d").await;
        let actor = tokens::authenticate_token(app, &created.token, &rid())
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(actor.scope(), Some(TokenScope::Read), "{b}");

        let listed = orgs::list_orgs(app, &actor, None, None, false)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(listed.items.len(), 1, "{b}");
        assert_refused!(
            orgs::create_org(app, &actor, org_input("只读令牌建的单位", &uscc(2))).await,
            ActionError::Forbidden("read_only_token"),
            b
        );
        let denied = last_entry(app).await;
        assert_eq!(
            (denied.action, outcome(&denied)),
            (Action::CreateOrg, "deny:read_only_token".into()),
            "{b}"
        );
        assert_eq!(denied.channel, "api", "{b}");
        assert_refused!(
            tokens::create_token(app, &actor, token_input("more", "write", "1d")).await,
            ActionError::Forbidden("read_only_token"),
            b
        );
        assert_eq!(org_count(app).await, 1, "{b}");
    }
}

#[tokio::test]
async fn expired_and_unknown_tokens_are_refused() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市测试局", 1).await;
        create_user(app, &unit, "api_user", Role::Member).await;
        let created = token_for(app, "api_user", "read", "1m").await;
        tokens::authenticate_token(app, &created.token, &rid())
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));

        set_in_db(
            app,
            "UPDATE api_tokens SET expires_at = $1 WHERE id = $2",
            now_ms() - 1_000,
            &created.info.id,
        )
        .await;
        assert_refused!(
            tokens::authenticate_token(app, &created.token, &rid()).await,
            ActionError::Unauthenticated("token_expired"),
            b
        );
        for unknown in [unique("pd_"), String::new(), created.token[..20].to_owned()] {
            assert_refused!(
                tokens::authenticate_token(app, &unknown, &rid()).await,
                ActionError::Unauthenticated("token_invalid"),
                format!("{b}: {unknown:?}")
            );
        }
        let entries = audit_entries(app).await;
        assert_eq!(
            outcomes(&entries, Action::Authenticate, |_| true),
            [
                "deny:token_expired",
                "deny:token_invalid",
                "deny:token_invalid",
                "deny:token_invalid"
            ],
            "{b}"
        );
    }
}

#[tokio::test]
async fn listed_tokens_show_their_status_but_never_the_raw_token() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市测试局", 1).await;
        create_user(app, &unit, "api_user", Role::Member).await;
        let web = web_actor(app, "api_user").await;
        let mut made = Vec::new();
        for name in ["active", "revoked", "expired"] {
            let created = tokens::create_token(app, &web, token_input(name, "read", "7d"))
                .await
                .unwrap_or_else(|e| panic!("{b}: {e:?}"));
            made.push(created);
        }
        tokens::revoke_token(app, &web, &made[1].info.id)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        set_in_db(
            app,
            "UPDATE api_tokens SET expires_at = $1 WHERE id = $2",
            now_ms() - 1,
            &made[2].info.id,
        )
        .await;

        let listed = tokens::list_tokens(app, &web)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        let statuses: Vec<(&str, &str)> =
            listed.iter().map(|i| (i.name.as_str(), i.status)).collect();
        assert_eq!(
            statuses,
            [
                ("expired", "expired"),
                ("revoked", "revoked"),
                ("active", "active")
            ],
            "{b}: newest first"
        );
        let shown = format!("{listed:?}");
        for created in &made {
            assert!(
                !shown.contains(&created.token),
                "{b}: a raw token is listed"
            );
            assert!(
                !shown.contains(&created.token[10..]),
                "{b}: the secret part of a token is listed"
            );
            assert!(
                shown.contains(&created.info.prefix),
                "{b}: the prefix is listed"
            );
        }
        assert!(
            listed[1].revoked_at.is_some() && listed[0].revoked_at.is_none(),
            "{b}"
        );

        // An overlong lifetime is refused.
        let e = assert_refused!(
            tokens::create_token(app, &web, token_input("forever", "read", "400d")).await,
            ActionError::Invalid {
                code: "invalid_input",
                ..
            },
            b
        );
        assert_eq!(
            field_codes(&e),
            [("expires_in".to_owned(), "lifetime_too_long".to_owned())],
            "{b}"
        );
        assert_eq!(
            tokens::list_tokens(app, &web).await.expect("list").len(),
            3,
            "{b}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The working-day calendar
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn working_days_count_past_the_seeded_national_day_holidays() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let due = calendar::add_working_days(app, "2026-09-29", "5")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(due, date("2026-10-12"), "{b}");
        let days = calendar::list_calendar_days(app, &operator())
            .await
            .expect("list days");
        let national_day = days
            .iter()
            .find(|d| d.date == date("2026-10-01"))
            .expect("2026-10-01 is listed");
        assert_eq!(national_day.kind, DayKind::Holiday, "{b}");
        assert_refused!(
            calendar::add_working_days(app, "2026-13-01", "5").await,
            ActionError::Invalid {
                code: "invalid_date",
                ..
            },
            b
        );
    }
}

#[tokio::test]
async fn an_administrator_adding_a_holiday_moves_deadlines_later() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市大数据局", 1).await;
        create_user(app, &unit, "cal_admin", Role::PlatformAdmin).await;
        let admin = web_actor(app, "cal_admin").await;

        let day = calendar::set_calendar_day(app, &admin, "2026-09-30", "holiday", "临时放假")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(
            (day.date, day.kind),
            (date("2026-09-30"), DayKind::Holiday),
            "{b}"
        );
        let set = last_entry(app).await;
        assert_eq!(
            (set.action, outcome(&set)),
            (Action::SetCalendarDay, "allow".into()),
            "{b}"
        );
        assert_eq!(target_of(&set), Some("calendar/2026-09-30"), "{b}");

        let due = calendar::add_working_days(app, "2026-09-29", "5")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(due, date("2026-10-13"), "{b}");
    }
}

#[tokio::test]
async fn a_steward_cannot_change_the_calendar() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江水务集团有限公司", 1).await;
        create_user(app, &unit, "water_steward", Role::Steward).await;
        let steward = web_actor(app, "water_steward").await;

        assert_refused!(
            calendar::set_calendar_day(app, &steward, "2026-09-30", "holiday", "擅自放假").await,
            ActionError::Forbidden("role_required"),
            b
        );
        assert_refused!(
            calendar::delete_calendar_day(app, &steward, "2026-10-01").await,
            ActionError::Forbidden("role_required"),
            b
        );
        let entries = audit_entries(app).await;
        let by_steward = |e: &AuditEntry| e.actor_user_id == steward.user_id().map(str::to_owned);
        assert_eq!(
            outcomes(&entries, Action::SetCalendarDay, by_steward),
            ["deny:role_required"],
            "{b}"
        );
        assert_eq!(
            outcomes(&entries, Action::DeleteCalendarDay, by_steward),
            ["deny:role_required"],
            "{b}"
        );

        let due = calendar::add_working_days(app, "2026-09-29", "5")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        assert_eq!(due, date("2026-10-12"), "{b}: the calendar is unchanged");
    }
}

#[tokio::test]
async fn calendar_edits_survive_a_restart() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        calendar::delete_calendar_day(app, &operator(), "2026-10-01")
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
        let reopened = App::open(app.config().clone())
            .await
            .unwrap_or_else(|e| panic!("{b}: reopen: {e:?}"));
        let days = calendar::list_calendar_days(&reopened, &operator())
            .await
            .expect("list days");
        assert!(
            days.iter().all(|d| d.date != date("2026-10-01")),
            "{b}: the seed is not loaded again"
        );
        // 09-30 and 10-01 now count, then 10-08, 10-09 and the worked Saturday 10-10.
        let due = calendar::add_working_days(&reopened, "2026-09-29", "5")
            .await
            .expect("add");
        assert_eq!(due, date("2026-10-10"), "{b}");
        reopened.db().close().await;
    }
}

// ---------------------------------------------------------------------------------------
// The demo city
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn the_demo_city_loads_once_and_each_of_its_users_can_sign_in() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let sign_ins = demo::load_demo(app, &operator())
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));

        let units = orgs::list_orgs(app, &operator(), None, Some(1000), true)
            .await
            .expect("list orgs")
            .items;
        assert!(units.len() >= 9, "{b}: {} units", units.len());
        let people = users::list_users(app, &operator(), None, None, Some(1000))
            .await
            .expect("list users")
            .items;
        let find = |name: &str| {
            people
                .iter()
                .find(|u| u.username == name)
                .unwrap_or_else(|| panic!("{b}: no {name}"))
        };
        assert_eq!(find("admin").roles, [Role::PlatformAdmin], "{b}");
        assert_eq!(find("auditor").roles, [Role::Auditor], "{b}");
        for unit in &units {
            let staff: Vec<&Vec<Role>> = people
                .iter()
                .filter(|u| u.org_id.as_ref() == Some(&unit.id))
                .map(|u| &u.roles)
                .collect();
            assert!(
                staff.contains(&&vec![Role::Steward]),
                "{b}: {} has no steward",
                unit.name
            );
            assert!(
                staff.contains(&&vec![Role::Member]),
                "{b}: {} has no member",
                unit.name
            );
        }

        let mut listed: Vec<&str> = sign_ins.iter().map(|s| s.username.as_str()).collect();
        let mut all: Vec<&str> = people.iter().map(|u| u.username.as_str()).collect();
        listed.sort();
        all.sort();
        assert_eq!(listed, all, "{b}: the printed sign-ins are every demo user");
        for s in &sign_ins {
            let start = sign_in(app, &s.username, DEMO_PASSWORD)
                .await
                .unwrap_or_else(|e| panic!("{b}: {} cannot sign in: {e:?}", s.username));
            let role = Role::parse(s.role).expect("a role name");
            assert_eq!(start.user.roles, [role], "{b}: {}", s.username);
        }

        assert_refused!(
            demo::load_demo(app, &operator()).await,
            ActionError::Conflict("demo_not_empty"),
            format!("{b}: a second load")
        );
        assert_eq!(
            org_count(app).await,
            units.len(),
            "{b}: nothing more is created"
        );
    }
}

#[tokio::test]
async fn a_refused_demo_load_leaves_one_deny_entry() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        create_org(app, "澜江市测试局", 1).await;
        let before = audit_count(app).await;
        assert_refused!(
            demo::load_demo(app, &operator()).await,
            ActionError::Conflict("demo_not_empty"),
            b
        );
        assert_eq!(
            audit_count(app).await,
            before + 1,
            "{b}: the refusal leaves one entry"
        );
        let denied = last_entry(app).await;
        assert_eq!(
            (denied.action, outcome(&denied)),
            (Action::LoadDemo, "deny:demo_not_empty".into()),
            "{b}"
        );
    }
}

// ---------------------------------------------------------------------------------------
// The audit log
// ---------------------------------------------------------------------------------------

#[tokio::test]
async fn every_call_leaves_exactly_one_audit_entry() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let mut expected = audit_count(app).await;
        assert_eq!(expected, 1, "{b}: opening leaves the calendar import only");

        // After each call: one more entry, for that action, with that outcome.
        macro_rules! one_more {
            ($call:expr, $action:expr, $outcome:expr) => {{
                let result = $call;
                expected += 1;
                assert_eq!(
                    audit_count(app).await,
                    expected,
                    "{b}: after {}",
                    stringify!($call)
                );
                let e = last_entry(app).await;
                assert_eq!(
                    (e.action, outcome(&e)),
                    ($action, $outcome.to_owned()),
                    "{b}: after {}",
                    stringify!($call)
                );
                result
            }};
        }

        let org = one_more!(
            orgs::create_org(app, &operator(), org_input("澜江市测试局", &uscc(1)))
                .await
                .expect("create"),
            Action::CreateOrg,
            "allow"
        );
        one_more!(
            orgs::create_org(app, &operator(), org_input("坏代码", BAD_USCC))
                .await
                .expect_err("bad"),
            Action::CreateOrg,
            "deny:invalid_uscc"
        );
        one_more!(
            orgs::create_org(app, &operator(), org_input("重复", &uscc(1)))
                .await
                .expect_err("dup"),
            Action::CreateOrg,
            "deny:uscc_taken"
        );
        one_more!(
            orgs::list_orgs(app, &operator(), None, None, false)
                .await
                .expect("list"),
            Action::ListOrgs,
            "allow"
        );
        one_more!(
            orgs::get_org(app, &operator(), &org.id).await.expect("get"),
            Action::GetOrg,
            "allow"
        );
        one_more!(
            orgs::get_org(app, &operator(), "no-such-org")
                .await
                .expect_err("unknown"),
            Action::GetOrg,
            "deny:org_not_found"
        );
        one_more!(
            users::create_user(app, &operator(), new_user("counted", &org.id, Role::Member))
                .await
                .expect("user"),
            Action::CreateUser,
            "allow"
        );
        assert!(one_more!(
            sign_in(app, "counted", WRONG_PASSWORD).await.is_err(),
            Action::SignIn,
            "deny:bad_credentials"
        ));
        assert!(one_more!(
            sign_in(app, "nobody", PASSWORD).await.is_err(),
            Action::SignIn,
            "deny:bad_credentials"
        ));
        let start = one_more!(
            sign_in(app, "counted", PASSWORD).await.expect("sign in"),
            Action::SignIn,
            "allow"
        );
        one_more!(
            tokens::authenticate_token(app, "pd_nonsense", &rid())
                .await
                .expect_err("token"),
            Action::Authenticate,
            "deny:token_invalid"
        );
        one_more!(
            calendar::list_calendar_days(app, &operator())
                .await
                .expect("days"),
            Action::ListCalendarDays,
            "allow"
        );

        // Documented exceptions: a successful authentication is the start of another action,
        // and a deadline computation is not an action on anything.
        session::authenticate_session(app, &start.cookie_token, &rid())
            .await
            .expect("session");
        calendar::add_working_days(app, "2026-09-29", "5")
            .await
            .expect("add");
        assert_eq!(
            audit_count(app).await,
            expected,
            "{b}: unaudited calls left entries"
        );
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn audit_seq_is_gapless_even_under_concurrent_actions() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let taken = create_org(app, "澜江市已有单位", 0).await;
        let mut tasks = Vec::new();
        for i in 0..24 {
            let app = app.clone();
            let taken = taken.uscc.clone();
            tasks.push(tokio::spawn(async move {
                let code = match i % 3 {
                    0 => uscc(i + 1),         // created
                    1 => taken,               // refused after its transaction began
                    _ => BAD_USCC.to_owned(), // refused before any transaction
                };
                orgs::create_org(&app, &operator(), org_input(&format!("并发单位{i}"), &code))
                    .await
                    .map(|_| ())
            }));
        }
        let mut codes = Vec::new();
        for task in tasks {
            codes.push(
                task.await
                    .expect("task")
                    .err()
                    .map(|e| e.code())
                    .unwrap_or("ok"),
            );
        }
        for (i, code) in codes.iter().enumerate() {
            let expected = ["ok", "uscc_taken", "invalid_uscc"][i % 3];
            assert_eq!(*code, expected, "{b}: call {i}");
        }

        let entries = audit_entries(app).await;
        let seqs: Vec<u64> = entries.iter().map(|(s, _)| *s).collect();
        let n = audit_count(app).await;
        assert_eq!(
            seqs,
            (0..n as u64).collect::<Vec<_>>(),
            "{b}: seq is 0..n without gaps"
        );
        assert_eq!(
            n,
            1 + 1 + 24,
            "{b}: the calendar import, the first org, one per call"
        );
        assert_eq!(org_count(app).await, 1 + 8, "{b}");
    }
}

#[tokio::test(flavor = "multi_thread", worker_threads = 4)]
async fn concurrent_creations_with_one_credit_code_make_one_org_and_conflicts() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let code = uscc(1);
        let mut tasks = Vec::new();
        for i in 0..8 {
            let (app, code) = (app.clone(), code.clone());
            tasks.push(tokio::spawn(async move {
                orgs::create_org(&app, &operator(), org_input(&format!("抢注单位{i}"), &code))
                    .await
                    .map(|_| ())
            }));
        }
        let mut codes = Vec::new();
        for task in tasks {
            codes.push(
                task.await
                    .expect("task")
                    .err()
                    .map(|e| e.code())
                    .unwrap_or("ok"),
            );
        }
        codes.sort();
        let mut expected = vec!["uscc_taken"; 7];
        expected.insert(0, "ok");
        assert_eq!(
            codes, expected,
            "{b}: a lost race is a conflict, not an internal error"
        );
        assert_eq!(org_count(app).await, 1, "{b}");
    }
}

#[tokio::test]
async fn the_home_page_is_one_audited_read_with_an_overview_for_the_authority_only() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市首页测试局", 31).await;
        let disabled = create_org(app, "澜江市停用测试局", 32).await;
        orgs::set_org_disabled(app, &operator(), &disabled.id, true)
            .await
            .unwrap();
        create_user(app, &unit, "home_admin", Role::PlatformAdmin).await;
        create_user(app, &unit, "home_member", Role::Member).await;

        let admin = web_actor(app, "home_admin").await;
        let before = audit_count(app).await;
        let home = pubdata_app::platform::home::view_home(app, &admin)
            .await
            .unwrap();
        assert_eq!(audit_count(app).await, before + 1, "{b}: one entry a view");
        assert_eq!(home.unit_name.as_deref(), Some("澜江市首页测试局"), "{b}");
        let o = home.overview.expect("the authority sees the overview");
        assert_eq!(
            (
                o.orgs_total,
                o.orgs_disabled,
                o.users_total,
                o.users_disabled
            ),
            (2, 1, 2, 0),
            "{b}"
        );

        let member = web_actor(app, "home_member").await;
        let home = pubdata_app::platform::home::view_home(app, &member)
            .await
            .unwrap();
        assert_eq!(home.user.username, "home_member", "{b}");
        assert!(
            home.overview.is_none(),
            "{b}: a member sees no platform overview"
        );
        let err = pubdata_app::platform::home::view_home(app, &anonymous())
            .await
            .unwrap_err();
        assert_eq!(err.code(), "not_signed_in", "{b}");
    }
}

#[tokio::test]
async fn after_a_lockout_has_run_out_the_count_of_failures_starts_afresh() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let unit = create_org(app, "澜江市锁定测试局", 41).await;
        create_user(app, &unit, "patient", Role::Member).await;
        for _ in 0..5 {
            let _ = sign_in(app, "patient", WRONG_PASSWORD).await;
        }
        // The lockout ran out a minute ago.
        set_in_db(
            app,
            "UPDATE users SET locked_until = $1 WHERE username = $2",
            pubdata_app::now_ms() - 60_000,
            "patient",
        )
        .await;
        assert_refused!(
            sign_in(app, "patient", WRONG_PASSWORD).await,
            ActionError::Unauthenticated("bad_credentials"),
            format!("{b}: one failure after the lockout does not lock again")
        );
        sign_in(app, "patient", PASSWORD)
            .await
            .unwrap_or_else(|e| panic!("{b}: {e:?}"));
    }
}

// ---------------------------------------------------------------------------------------
// The audit log's tree, checkpoints, proofs and export, on both backends
// ---------------------------------------------------------------------------------------

/// Runs one statement on the store's pool, as someone with database access would.
async fn run_sql(app: &App, sql: &str) {
    match app.db() {
        Db::Sqlite(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(p)
            .await
            .map(|_| ()),
        Db::Postgres(p) => sqlx::query(sqlx::AssertSqlSafe(sql.to_owned()))
            .execute(p)
            .await
            .map(|_| ()),
    }
    .unwrap_or_else(|e| panic!("{sql}: {e}"));
}

fn verify_bytes(export: &[u8]) -> pubdata_app::audit::VerifyReport {
    pubdata_app::audit::verify_export(export, &Default::default()).expect("an export")
}

#[tokio::test]
async fn concurrent_actions_build_one_tree_whose_proofs_checkpoints_and_export_all_verify() {
    use pubdata_app::audit;
    use pubdata_core::merkle;
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        let first = audit::latest_checkpoint(app).await.unwrap();
        // Allowed and refused actions, many at once.
        let mut tasks = vec![];
        for n in 0..12 {
            let app = app.clone();
            tasks.push(tokio::spawn(async move {
                let input = org_input(&format!("并发单位{n}"), &uscc(100 + n));
                let who = if n % 3 == 0 { anonymous() } else { operator() };
                orgs::create_org(&app, &who, input).await.is_ok()
            }));
        }
        for task in tasks {
            task.await.unwrap();
        }
        let head = audit::create_checkpoint(app, &operator()).await.unwrap();
        assert!(head.tree_size > first.tree_size + 12, "{b}");

        // Every entry proves into the signed head; the first head is a prefix of it.
        for i in (0..head.tree_size).step_by(3) {
            let p = audit::inclusion_proof(app, i, Some(head.tree_size))
                .await
                .unwrap();
            let bytes = audit::entries::list_audit_entries(app, &operator(), i, Some(i + 1))
                .await
                .unwrap()
                .items[0]
                .bytes
                .clone();
            assert_eq!(p.leaf_hash, merkle::leaf_hash(&bytes), "{b}: leaf {i}");
            merkle::verify_inclusion(
                i,
                head.tree_size,
                &p.leaf_hash,
                &p.audit_path,
                &head.root_hash,
            )
            .unwrap_or_else(|e| panic!("{b}: entry {i}: {e}"));
        }
        let c = audit::consistency_proof(app, first.tree_size, head.tree_size)
            .await
            .unwrap();
        merkle::verify_consistency(
            first.tree_size,
            head.tree_size,
            &first.root_hash,
            &head.root_hash,
            &c.consistency_path,
        )
        .unwrap_or_else(|e| panic!("{b}: {e}"));

        // The entry view proves against the signed note, not against a stored copy of its root.
        let d = audit::get_audit_entry(app, &operator(), 1).await.unwrap();
        assert!(d.verified, "{b}");
        run_sql(
            app,
            "UPDATE audit_checkpoints SET note = replace(note, '—', '-')",
        )
        .await;
        let d = audit::get_audit_entry(app, &operator(), 1).await.unwrap();
        assert!(
            !d.verified,
            "{b}: a note whose signature is broken proves nothing"
        );
        run_sql(
            app,
            "UPDATE audit_checkpoints SET note = replace(note, '- ', '— ')",
        )
        .await;

        // The export verifies; a hand-made change is found by its index, and the platform
        // goes on signing over its untouched tree.
        let mut out = vec![];
        audit::export_audit_log(app, &operator(), &mut out)
            .await
            .unwrap();
        let report = verify_bytes(&out);
        assert!(report.is_ok(), "{b}: {:?}", report.problems);
        run_sql(
            app,
            "UPDATE audit_entries SET actor_username = 'mallory' WHERE seq = 2",
        )
        .await;
        let mut out = vec![];
        audit::export_audit_log(app, &operator(), &mut out)
            .await
            .unwrap();
        let report = verify_bytes(&out);
        assert_eq!(
            report.problems.iter().map(|p| p.index).collect::<Vec<_>>(),
            vec![Some(2)],
            "{b}: {:?}",
            report.problems
        );
    }
}

#[tokio::test]
async fn the_platform_refuses_to_sign_over_a_rewritten_tree() {
    use pubdata_app::audit;
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        create_org(app, "改写测试单位", 300).await;
        audit::create_checkpoint(app, &operator()).await.unwrap();
        // Someone rewrites a leaf and every stored node above it, as a careful forger would.
        run_sql(
            app,
            "UPDATE audit_nodes SET hash = (SELECT hash FROM audit_nodes WHERE level = 0 AND idx = 0)
             WHERE (level = 0 AND idx = 1) OR (level > 0 AND idx = 0)",
        )
        .await;
        create_org(app, "改写之后", 301).await;
        let e = audit::sign_if_grown(app)
            .await
            .expect_err("no signature over a rewritten log");
        assert!(e.to_string().contains("refusing to sign"), "{b}: {e}");
    }
}

#[tokio::test]
async fn a_password_typed_into_the_user_name_box_is_not_kept_in_the_log() {
    for t in apps().await {
        let (app, b) = (&t.app, t.backend);
        for typed in ["Secret-Pass#2026!", &"x".repeat(5000), "no such user"] {
            assert_refused!(
                sign_in(app, typed, WRONG_PASSWORD).await,
                ActionError::Unauthenticated("bad_credentials"),
                b
            );
            let entry = last_entry(app).await;
            assert_eq!(target_of(&entry), Some("user/?"), "{b}: {typed:.20}");
        }
        // A name that could be a user's is kept: repeated tries on one name show in the log.
        let _ = sign_in(app, "ghost_admin", WRONG_PASSWORD).await;
        assert_eq!(
            target_of(&last_entry(app).await),
            Some("user/ghost_admin"),
            "{b}"
        );
    }
}

// The chapters after the platform, each in a file of its own (declared last: they use the
// macros above).
#[path = "actions/aggregation.rs"]
mod aggregation;
#[path = "actions/catalog.rs"]
mod catalog;
#[path = "actions/interaction.rs"]
mod interaction;
#[path = "actions/opening.rs"]
mod opening;
#[path = "actions/opening_apply.rs"]
mod opening_apply;
#[path = "actions/sharing.rs"]
mod sharing;
