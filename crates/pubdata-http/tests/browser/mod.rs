//! The pages in a real browser: Debian's chromium, headless, driven over WebDriver
//! (chromedriver) with fantoccini. `tests/http.rs` includes this module and calls
//! [`signs_in_and_sees_the_chinese_home_page`] against a server it started, when
//! [`browser_available`] (`apt-get install chromium chromium-driver`; `.ci/run` installs them).
//!
//! What is checked is what a user sees: the sign-in form works without any script of ours,
//! the browser lands on the home page whose `<title>` contains 「工作台」 and whose `<h1>` is
//! 「工作台」, the user's own card names the user, and a screenshot of it is a real picture.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::{Value, json};
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::{Duration, Instant};

pub const CHROMEDRIVER: &str = "/usr/bin/chromedriver";
pub const CHROMIUM: &str = "/usr/bin/chromium";

/// The home page's `<h1>`; its `<title>` is 「工作台 · 公共数据平台」.
pub const HOME_H1: &str = "工作台";
pub const HOME_TITLE_PART: &str = "工作台";

/// Whether chromium and chromedriver are installed.
pub fn browser_available() -> bool {
    Path::new(CHROMEDRIVER).exists() && Path::new(CHROMIUM).exists()
}

/// chromedriver as a child process and chromium's fresh profile folder; both go at drop.
struct Driver {
    child: Child,
    port: u16,
    profile: PathBuf,
}

impl Driver {
    fn start() -> Driver {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let profile =
            std::env::temp_dir().join(format!("pubdata-chromium-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&profile).expect("chromium profile folder");
        let child = Command::new(CHROMEDRIVER)
            .arg(format!("--port={port}"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::null())
            .spawn()
            .expect("start chromedriver");
        let driver = Driver {
            child,
            port,
            profile,
        };
        let deadline = Instant::now() + Duration::from_secs(20);
        while std::net::TcpStream::connect(("127.0.0.1", port)).is_err() {
            assert!(
                Instant::now() < deadline,
                "chromedriver did not listen on port {port} within 20 s"
            );
            std::thread::sleep(Duration::from_millis(50));
        }
        driver
    }

    async fn connect(&self) -> Client {
        let args = [
            "--headless".to_owned(),
            "--no-sandbox".to_owned(),
            "--disable-gpu".to_owned(),
            "--disable-dev-shm-usage".to_owned(),
            "--disable-quic".to_owned(),
            "--no-first-run".to_owned(),
            "--disable-background-networking".to_owned(),
            "--disable-component-update".to_owned(),
            "--disable-sync".to_owned(),
            format!("--user-data-dir={}", self.profile.display()),
            "--window-size=1280,900".to_owned(),
            // A Chinese-speaking user: headless chromium would otherwise send
            // `Accept-Language: en-US`, and the pages would answer in English.
            "--lang=zh-CN".to_owned(),
        ];
        let mut caps = serde_json::Map::new();
        caps.insert("browserName".into(), json!("chrome"));
        caps.insert(
            "goog:chromeOptions".into(),
            json!({"binary": CHROMIUM, "args": args, "prefs": {"intl.accept_languages": "zh-CN,zh"}}),
        );
        let connector = hyper_util::client::legacy::connect::HttpConnector::new();
        ClientBuilder::new(connector)
            .capabilities(caps)
            .connect(&format!("http://127.0.0.1:{}", self.port))
            .await
            .expect("a WebDriver session with headless chromium")
    }
}

impl Drop for Driver {
    fn drop(&mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.profile);
    }
}

type Outcome = Result<(), String>;

fn check(ok: bool, what: impl FnOnce() -> String) -> Outcome {
    if ok { Ok(()) } else { Err(what()) }
}

/// Waits until the page's title contains `part` (the browser may still be loading).
async fn wait_for_title(c: &Client, part: &str) -> Result<String, String> {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let title = c.title().await.map_err(|e| format!("title: {e}"))?;
        if title.contains(part) {
            return Ok(title);
        }
        if Instant::now() > deadline {
            let url = c
                .current_url()
                .await
                .map(|u| u.to_string())
                .unwrap_or_default();
            return Err(format!(
                "after 15 s the page {url} has the title {title:?}, not one containing {part:?}"
            ));
        }
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_in_and_look(
    c: &Client,
    base_url: &str,
    username: &str,
    password: &str,
    screenshot_path: &Path,
) -> Outcome {
    let base = base_url.trim_end_matches('/');
    let err = |what: &'static str| move |e: fantoccini::error::CmdError| format!("{what}: {e}");

    // Not signed in: the home page sends the browser to the sign-in form.
    c.goto(&format!("{base}/")).await.map_err(err("open /"))?;
    wait_for_title(c, "登录").await?;
    let url = c.current_url().await.map_err(err("url"))?;
    check(url.path() == "/signin", || {
        format!("/ without a session went to {url}, not /signin")
    })?;
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .map_err(err("sign-in h1"))?
        .text()
        .await
        .map_err(err("h1 text"))?;
    check(h1.contains("登录"), || {
        format!("the sign-in page's h1 is {h1:?}")
    })?;

    c.find(Locator::Css("#username"))
        .await
        .map_err(err("username field"))?
        .send_keys(username)
        .await
        .map_err(err("type username"))?;
    c.find(Locator::Css("#password"))
        .await
        .map_err(err("password field"))?
        .send_keys(password)
        .await
        .map_err(err("type password"))?;
    c.find(Locator::Css("#signin"))
        .await
        .map_err(err("sign-in button"))?
        .click()
        .await
        .map_err(err("click sign in"))?;

    let title = wait_for_title(c, HOME_TITLE_PART).await?;
    check(title.contains("公共数据平台"), || {
        format!("the home page's title is {title:?}")
    })?;
    let url = c.current_url().await.map_err(err("url"))?;
    check(url.path() == "/", || {
        format!("after signing in the browser is at {url}, not /")
    })?;
    let h1 = c
        .find(Locator::Css("h1"))
        .await
        .map_err(err("home h1"))?
        .text()
        .await
        .map_err(err("h1 text"))?;
    check(h1.trim() == HOME_H1, || {
        format!("the home page's h1 is {h1:?}, not {HOME_H1:?}")
    })?;
    let me = c
        .find(Locator::Css("#me"))
        .await
        .map_err(err("the user's card"))?
        .text()
        .await
        .map_err(err("card text"))?;
    check(
        me.contains(username) && me.contains("所属单位") && me.contains("角色"),
        || format!("the user's card says {me:?}"),
    )?;
    let todo = c
        .find(Locator::Css("#todo"))
        .await
        .map_err(err("the to-do card"))?
        .text()
        .await
        .map_err(err("to-do text"))?;
    check(todo.contains("我的待办"), || {
        format!("the to-do card says {todo:?}")
    })?;

    let png = c.screenshot().await.map_err(err("screenshot"))?;
    if let Some(dir) = screenshot_path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    }
    std::fs::write(screenshot_path, &png)
        .map_err(|e| format!("write {}: {e}", screenshot_path.display()))?;
    let written = std::fs::read(screenshot_path)
        .map_err(|e| format!("read back {}: {e}", screenshot_path.display()))?;
    check(written.starts_with(b"\x89PNG\r\n\x1a\n"), || {
        "the screenshot is not a PNG".to_owned()
    })?;
    check(written.len() > 5 * 1024, || {
        format!("the screenshot is only {} bytes", written.len())
    })?;
    Ok(())
}

/// Signs in through the form at `{base_url}/signin` as `username` and checks the Chinese home
/// page (title contains 「工作台」, h1 「工作台」, the user's card), then writes a screenshot
/// of it to `screenshot_path` and checks it is a PNG of more than 5 KB.
///
/// Panics with what differed. Starts chromedriver on a free port and stops it at the end.
pub async fn signs_in_and_sees_the_chinese_home_page(
    base_url: &str,
    username: &str,
    password: &str,
    screenshot_path: &Path,
) {
    in_browser("browser test", async |c| {
        sign_in_and_look(c, base_url, username, password, screenshot_path).await
    })
    .await;
}

/// Runs `test` in a fresh headless chromium; panics with `what` and what differed.
async fn in_browser(what: &str, test: impl AsyncFnOnce(&Client) -> Outcome) {
    let driver = Driver::start();
    let client = driver.connect().await;
    let outcome = test(&client).await;
    // End the session (and chromium) before chromedriver goes with `driver`.
    let _ = client.close().await;
    drop(driver);
    if let Err(e) = outcome {
        panic!("{what}: {e}");
    }
}

// ---------------------------------------------------------------------------------------
// The audit view (/audit), as an auditor and as the authority use it
// ---------------------------------------------------------------------------------------

fn cmd(what: &'static str) -> impl Fn(fantoccini::error::CmdError) -> String {
    move |e| format!("{what}: {e}")
}

/// The text of the first element matching `css`.
async fn text_of(c: &Client, css: &str) -> Result<String, String> {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("find {css}: {e}"))?
        .text()
        .await
        .map_err(|e| format!("text of {css}: {e}"))
}

/// Signs in through the form and waits for the home page.
async fn sign_in(c: &Client, base: &str, username: &str, password: &str) -> Outcome {
    c.goto(&format!("{base}/signin"))
        .await
        .map_err(cmd("open /signin"))?;
    wait_for_title(c, "登录").await?;
    for (css, value) in [("#username", username), ("#password", password)] {
        c.find(Locator::Css(css))
            .await
            .map_err(cmd("sign-in field"))?
            .send_keys(value)
            .await
            .map_err(cmd("type"))?;
    }
    c.find(Locator::Css("#signin"))
        .await
        .map_err(cmd("sign-in button"))?
        .click()
        .await
        .map_err(cmd("click sign in"))?;
    wait_for_title(c, HOME_TITLE_PART).await.map(|_| ())
}

/// A screenshot of the whole page (the window made tall enough), checked to be a real PNG.
async fn full_screenshot(c: &Client, path: &Path) -> Outcome {
    let height = c
        .execute("return document.documentElement.scrollHeight", Vec::new())
        .await
        .map_err(cmd("page height"))?
        .as_u64()
        .unwrap_or(900)
        .clamp(600, 4000) as u32;
    c.set_window_size(1280, height + 140)
        .await
        .map_err(cmd("window size"))?;
    let png = c.screenshot().await.map_err(cmd("screenshot"))?;
    c.set_window_size(1280, 900)
        .await
        .map_err(cmd("window size"))?;
    if let Some(dir) = path.parent() {
        std::fs::create_dir_all(dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    }
    std::fs::write(path, &png).map_err(|e| format!("write {}: {e}", path.display()))?;
    check(
        png.starts_with(b"\x89PNG\r\n\x1a\n") && png.len() > 5 * 1024,
        || format!("the screenshot {} is not a real PNG", path.display()),
    )
}

/// Waits until the browser's address contains `part` (a form was sent and answered).
async fn wait_for_url(c: &Client, part: &str) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let url = c.current_url().await.map_err(cmd("url"))?;
        if url.as_str().contains(part) {
            return Ok(());
        }
        check(Instant::now() < deadline, || {
            format!("after 15 s the browser is at {url}, not at an address with {part:?}")
        })?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

/// The number in `#tree-size` of the audit page.
async fn tree_size(c: &Client) -> Result<u64, String> {
    let t = text_of(c, "#tree-size").await?;
    t.trim()
        .parse()
        .map_err(|_| format!("the tree size reads {t:?}"))
}

async fn audit_as_auditor_then_admin(
    c: &Client,
    base: &str,
    password: &str,
    shots: &Path,
) -> Outcome {
    // The auditor finds the audit log in the navigation.
    sign_in(c, base, "auditor", password).await?;
    c.find(Locator::Css("nav.side a[href='/audit']"))
        .await
        .map_err(cmd("the 审计日志 link in the navigation"))?
        .click()
        .await
        .map_err(cmd("click 审计日志"))?;
    wait_for_title(c, "审计日志").await?;

    // The signed tree head, the key, and how to check them without us.
    let cp = text_of(c, "#checkpoint").await?;
    for part in [
        "最新签名树头",
        "树大小",
        "根哈希",
        "验证公钥",
        "/api/v1/audit/checkpoint",
        "pubdata verify-log",
    ] {
        check(cp.contains(part), || {
            format!("the checkpoint box lacks {part:?}: {cp:?}")
        })?;
    }
    check(!text_of(c, "#note").await?.trim().is_empty(), || {
        "the signed note is empty".to_owned()
    })?;
    check(c.find(Locator::Css("#sign-now")).await.is_err(), || {
        "an auditor is offered to sign a tree head".to_owned()
    })?;
    let size_before = tree_size(c).await?;

    // The log lists the sign-ins (at least the auditor's own, just now).
    let table = text_of(c, "#entries").await?;
    check(
        table.contains("登录") && table.contains("auditor"),
        || format!("the audit table shows no sign-in of auditor: {table:?}"),
    )?;

    // Narrow to sign-ins with the form.
    c.find(Locator::Css("#action"))
        .await
        .map_err(cmd("the action select"))?
        .select_by_value("sign_in")
        .await
        .map_err(cmd("choose sign_in"))?;
    c.find(Locator::Css("#search-button"))
        .await
        .map_err(cmd("search button"))?
        .click()
        .await
        .map_err(cmd("click search"))?;
    wait_for_url(c, "action=sign_in").await?;
    let actions = c
        .find_all(Locator::Css("#entries tbody td:nth-child(6)"))
        .await
        .map_err(cmd("action cells"))?;
    check(!actions.is_empty(), || "no sign-in entries".to_owned())?;
    for a in &actions {
        let t = a.text().await.map_err(cmd("action cell"))?;
        check(t.trim() == "登录", || {
            format!("filtered by sign_in, a row's action is {t:?}")
        })?;
    }
    full_screenshot(c, &shots.join("pubdata-audit-list.png")).await?;

    // The newest sign-in (the auditor's own) is after the latest tree head.
    c.find(Locator::Css(
        "#entries tbody tr:first-child td:first-child a",
    ))
    .await
    .map_err(cmd("the first entry's link"))?
    .click()
    .await
    .map_err(cmd("open the entry"))?;
    wait_for_title(c, "审计条目").await?;
    let entry_url = c.current_url().await.map_err(cmd("url"))?.to_string();
    let index: u64 = entry_url
        .rsplit('/')
        .next()
        .and_then(|i| i.parse().ok())
        .ok_or_else(|| format!("the entry page is at {entry_url}"))?;
    check(index >= size_before, || {
        format!("the auditor's sign-in {index} is already in tree head {size_before}")
    })?;
    let verdict = text_of(c, "#verdict").await?;
    check(
        verdict.contains("尚未纳入已签发的树头，将在下一次签发时纳入"),
        || format!("the verdict of an entry after the tree head is {verdict:?}"),
    )?;
    let bytes = text_of(c, "#canonical").await?;
    check(
        bytes.contains(r#""action":"sign_in""#) && bytes.contains(&format!(r#""index":{index}"#)),
        || format!("the canonical bytes read {bytes:?}"),
    )?;
    check(
        text_of(c, "#leaf-hash").await? == text_of(c, "#stored-leaf-hash").await?,
        || "the computed and stored leaf hashes differ".to_owned(),
    )?;
    full_screenshot(c, &shots.join("pubdata-audit-entry-pending.png")).await?;

    // A wrong date is shown at its field, not as a crash.
    c.goto(&format!("{base}/audit?from=2026-02-30"))
        .await
        .map_err(cmd("open a bad search"))?;
    wait_for_title(c, "审计日志").await?;
    let err = text_of(c, "#from-error").await?;
    check(err.contains("YYYY-MM-DD"), || {
        format!("the bad date's message is {err:?}")
    })?;
    full_screenshot(c, &shots.join("pubdata-audit-bad-date.png")).await?;

    // The authority signs a tree head now; the auditor's sign-in is then proven in it.
    c.find(Locator::Css(".who button"))
        .await
        .map_err(cmd("sign-out button"))?
        .click()
        .await
        .map_err(cmd("sign out"))?;
    wait_for_title(c, "登录").await?;
    sign_in(c, base, "admin", password).await?;
    c.goto(&format!("{base}/audit"))
        .await
        .map_err(cmd("open /audit"))?;
    wait_for_title(c, "审计日志").await?;
    c.find(Locator::Css("#sign-now"))
        .await
        .map_err(cmd("the 立即签发树头 button"))?
        .click()
        .await
        .map_err(cmd("sign now"))?;
    wait_for_url(c, "notice=checkpoint_signed").await?;
    let notice = text_of(c, ".alert.ok").await?;
    check(notice.contains("已签发新的树头"), || {
        format!("after signing, the notice is {notice:?}")
    })?;
    let size_after = tree_size(c).await?;
    check(size_after > index, || {
        format!("the new tree head {size_after} does not cover entry {index}")
    })?;
    full_screenshot(c, &shots.join("pubdata-audit-admin.png")).await?;

    c.goto(&entry_url).await.map_err(cmd("reopen the entry"))?;
    wait_for_title(c, "审计条目").await?;
    let verdict = text_of(c, "#verdict").await?;
    check(
        verdict.contains(&format!("已验证：本条目包含在第 {size_after} 号树头中")),
        || format!("after signing, the verdict is {verdict:?}"),
    )?;
    check(c.find(Locator::Css("#proof")).await.is_ok(), || {
        "no inclusion proof section".to_owned()
    })?;
    full_screenshot(c, &shots.join("pubdata-audit-entry.png")).await
}

/// Uses the audit view as the demo `auditor` (the navigation link, the tree head box, the
/// search narrowed to sign-ins, an entry's detail with its verdict, a bad date's message),
/// then as `admin` signs a tree head and sees the auditor's sign-in verified in it.
/// Screenshots go to `shots`: `pubdata-audit-list.png`, `-entry-pending.png`, `-bad-date.png`,
/// `-admin.png`, `-entry.png`.
///
/// Panics with what differed.
pub async fn audits_the_log_in_the_audit_view(base_url: &str, password: &str, shots: &Path) {
    let base = base_url.trim_end_matches('/');
    in_browser("browser test of the audit view", async |c| {
        audit_as_auditor_then_admin(c, base, password, shots).await
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// The catalog: a steward's entry through review to the responsibility list and the search
// ---------------------------------------------------------------------------------------

async fn type_into(c: &Client, css: &str, text: &str) -> Outcome {
    let e = c
        .find(Locator::Css(css))
        .await
        .map_err(|e| format!("find {css}: {e}"))?;
    e.clear().await.map_err(|e| format!("clear {css}: {e}"))?;
    e.send_keys(text)
        .await
        .map_err(|e| format!("type into {css}: {e}"))
}

async fn choose(c: &Client, css: &str, value: &str) -> Outcome {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("find {css}: {e}"))?
        .select_by_value(value)
        .await
        .map_err(|e| format!("choose {value} in {css}: {e}"))
}

async fn click(c: &Client, css: &str) -> Outcome {
    c.find(Locator::Css(css))
        .await
        .map_err(|e| format!("find {css}: {e}"))?
        .click()
        .await
        .map_err(|e| format!("click {css}: {e}"))
}

/// Waits until the element `css` holds `part` (re-finding it: the page may be replaced).
async fn wait_for_text(c: &Client, css: &str, part: &str) -> Outcome {
    let deadline = Instant::now() + Duration::from_secs(15);
    loop {
        let text = text_of(c, css).await.unwrap_or_default();
        if text.contains(part) {
            return Ok(());
        }
        check(Instant::now() < deadline, || {
            format!("after 15 s {css} does not hold {part:?}: {text:?}")
        })?;
        tokio::time::sleep(Duration::from_millis(100)).await;
    }
}

async fn sign_out(c: &Client) -> Outcome {
    click(c, ".who button").await?;
    wait_for_title(c, "登录").await.map(|_| ())
}

async fn catalog_a_resource_through_review(
    c: &Client,
    base: &str,
    password: &str,
    shots: &Path,
) -> Outcome {
    // The water company's steward drafts an entry; the form shows the broken rule at its field.
    sign_in(c, base, "water_steward", password).await?;
    c.goto(&format!("{base}/catalog/new"))
        .await
        .map_err(cmd("open /catalog/new"))?;
    wait_for_title(c, "编制资源").await?;
    type_into(c, "#code", "3/99/998/0001").await?;
    type_into(c, "#name", "二次供水泵房巡检记录").await?;
    type_into(c, "#summary", "二次供水设施的巡检时间、水质指标与处置结果").await?;
    choose(c, "#category", "departmental").await?;
    type_into(c, "#theme", "公用事业").await?;
    choose(c, "#format", "database").await?;
    choose(c, "#update_cycle", "weekly").await?;
    choose(c, "#share_attr", "conditional").await?;
    choose(c, "#open_attr", "not_open").await?;
    let api = c
        .find(Locator::Css("input[name='share_methods'][value='api']"))
        .await
        .map_err(cmd("the api share method"))?;
    if api
        .prop("checked")
        .await
        .map_err(cmd("checked"))?
        .as_deref()
        != Some("true")
    {
        api.click().await.map_err(cmd("tick api"))?;
    }
    type_into(c, "input[name='fields[0][name]']", "泵房编号").await?;
    type_into(c, "input[name='fields[0][code]']", "station_no").await?;
    click(c, "input[name='fields[0][key]']").await?;
    type_into(c, "input[name='fields[1][name]']", "巡检日期").await?;
    type_into(c, "input[name='fields[1][code]']", "checked_on").await?;
    choose(c, "select[name='fields[1][type]']", "D").await?;
    click(c, "#save").await?;
    // The refused form has the same title as the blank one: wait for its message.
    wait_for_text(c, "#resource-form", "有条件共享的资源须写明共享条件").await?;
    check(
        c.find(Locator::Css("input[name='fields[1][code]']"))
            .await
            .map_err(cmd("row 2"))?
            .prop("value")
            .await
            .map_err(cmd("value"))?
            .as_deref()
            == Some("checked_on"),
        || "the refused form lost what was typed".to_owned(),
    )?;
    full_screenshot(c, &shots.join("pubdata-catalog-form-refused.png")).await?;
    type_into(c, "#share_condition", "用于供水安全监管与应急处置").await?;
    click(c, "#save").await?;
    wait_for_url(c, "notice=resource_created").await?;
    let resource_url = c.current_url().await.map_err(cmd("url"))?;
    let resource_url = resource_url
        .as_str()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    click(c, "#submit").await?;
    wait_for_url(c, "notice=resource_submitted").await?;
    sign_out(c).await?;

    // The authority returns it with a reason, which the steward then sees.
    sign_in(c, base, "admin", password).await?;
    c.goto(&resource_url)
        .await
        .map_err(cmd("open the resource"))?;
    wait_for_title(c, "二次供水泵房巡检记录").await?;
    type_into(c, "#return-reason", "请补充水质指标信息项（如浑浊度）").await?;
    click(c, "#return").await?;
    wait_for_url(c, "notice=resource_returned").await?;
    sign_out(c).await?;

    sign_in(c, base, "water_steward", password).await?;
    c.goto(&resource_url)
        .await
        .map_err(cmd("open the resource"))?;
    wait_for_title(c, "二次供水泵房巡检记录").await?;
    let banner = text_of(c, "#returned-banner").await?;
    check(banner.contains("请补充水质指标信息项"), || {
        format!("the returned banner reads {banner:?}")
    })?;
    full_screenshot(c, &shots.join("pubdata-catalog-returned.png")).await?;
    click(c, "#edit").await?;
    wait_for_url(c, "/edit").await?;
    type_into(c, "input[name='fields[2][name]']", "浑浊度").await?;
    type_into(c, "input[name='fields[2][code]']", "turbidity").await?;
    choose(c, "select[name='fields[2][type]']", "F").await?;
    click(c, "#save").await?;
    wait_for_url(c, "notice=resource_saved").await?;
    click(c, "#submit").await?;
    wait_for_url(c, "notice=resource_submitted").await?;
    sign_out(c).await?;

    // Published, it is in the responsibility list and a two-character search finds it.
    sign_in(c, base, "admin", password).await?;
    c.goto(&resource_url)
        .await
        .map_err(cmd("open the resource"))?;
    wait_for_title(c, "二次供水泵房巡检记录").await?;
    click(c, "#approve").await?;
    wait_for_url(c, "notice=resource_approved").await?;
    let status = text_of(c, "#status").await?;
    check(status.contains("已发布"), || {
        format!("after approval the status reads {status:?}")
    })?;
    full_screenshot(c, &shots.join("pubdata-catalog-resource.png")).await?;

    c.goto(&format!("{base}/catalog?q=%E6%B3%B5%E6%88%BF"))
        .await
        .map_err(cmd("search 泵房"))?;
    wait_for_title(c, "目录").await?;
    let results = text_of(c, "#resources").await?;
    check(results.contains("二次供水泵房巡检记录"), || {
        format!("searching 泵房 shows {results:?}")
    })?;
    full_screenshot(c, &shots.join("pubdata-catalog-search.png")).await?;

    c.goto(&format!("{base}/catalog/list"))
        .await
        .map_err(cmd("open the responsibility list"))?;
    wait_for_title(c, "责任清单").await?;
    let list = c.source().await.map_err(cmd("page source"))?;
    check(
        list.contains("二次供水泵房巡检记录") && list.contains("浑浊度"),
        || "the responsibility list lacks the new entry or its fields".to_owned(),
    )?;
    full_screenshot(c, &shots.join("pubdata-catalog-list.png")).await
}

/// The issue's whole cycle in the pages: the demo `water_steward` drafts an entry (the form
/// names the broken share rule and keeps what was typed), submits; `admin` returns it with a
/// reason; the steward sees the reason, adds the missing field, resubmits; `admin` publishes
/// it; it is then found by a two-character search and listed in the responsibility list.
/// Screenshots go to `shots` (`pubdata-catalog-*.png`). Panics with what differed.
pub async fn catalogs_a_resource_through_review(base_url: &str, password: &str, shots: &Path) {
    let base = base_url.trim_end_matches('/');
    in_browser("browser test of the catalog", async |c| {
        catalog_a_resource_through_review(c, base, password, shots).await
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Aggregation: a steward uploads a GBK file, maps a column, and reads the batch's report
// ---------------------------------------------------------------------------------------

/// The upload: a GBK-encoded CSV for 公交线路信息 (key `line_no`), three good rows and one
/// whose fare is not a number. Its 「线路长度」 column matches no field by name (the field is
/// 「线路长度（公里）」) and is mapped by hand; 「备注」 matches nothing and is ignored.
const BUS_LINES_CSV: &str = "线路编号,线路名称,首站,末站,票价（元）,线路长度,备注\r\n\
    1,1路,火车站,澜江大学,2,18.5,\r\n\
    2,2路,人民广场,开发区管委会,2,12.3,夜间停运\r\n\
    K3,K3路快线,高铁南站,滨江公园,3,24.0,\r\n\
    5,5路,东湖,西城客运站,两元,9.8,\r\n";

async fn supply_data_as_a_steward(c: &Client, base: &str, password: &str, shots: &Path) -> Outcome {
    let (gbk, _, unmappable) = encoding_rs::GBK.encode(BUS_LINES_CSV);
    check(!unmappable, || "the CSV is not all GBK".to_owned())?;
    // A name as a unit's staff would give it, in a folder of its own.
    let dir = std::env::temp_dir().join(format!(
        "pubdata-upload-{}-{}",
        std::process::id(),
        pubdata_app::new_request_id()
    ));
    std::fs::create_dir_all(&dir).map_err(|e| format!("create {}: {e}", dir.display()))?;
    let file = dir.join("公交线路信息-2026年11月.csv");
    std::fs::write(&file, &gbk).map_err(|e| format!("write {}: {e}", file.display()))?;
    let outcome = supply_data_from(c, base, password, shots, &file).await;
    let _ = std::fs::remove_dir_all(&dir);
    outcome
}

async fn supply_data_from(
    c: &Client,
    base: &str,
    password: &str,
    shots: &Path,
    file: &Path,
) -> Outcome {
    // The bus company's steward finds its resources under 数据汇聚.
    sign_in(c, base, "bus_steward", password).await?;
    click(c, "nav.side a[href='/data']").await?;
    wait_for_title(c, "数据汇聚").await?;
    let duties = text_of(c, "#duties").await?;
    check(
        duties.contains("公交线路信息") && !duties.contains("供水"),
        || format!("the steward's overview lists {duties:?}"),
    )?;
    c.find(Locator::LinkText("公交线路信息"))
        .await
        .map_err(cmd("the resource's link"))?
        .click()
        .await
        .map_err(cmd("open the resource's data page"))?;
    wait_for_title(c, "公交线路信息").await?;

    // The file goes up with the encoding left to detection.
    c.find(Locator::Css("#file"))
        .await
        .map_err(cmd("the file input"))?
        .send_keys(&file.display().to_string())
        .await
        .map_err(cmd("choose the file"))?;
    click(c, "#upload-button").await?;
    wait_for_title(c, "核对列的对应关系").await?;
    let info = text_of(c, "#file-info").await?;
    check(
        info.contains("公交线路信息-2026年11月.csv")
            && info.contains("GB18030/GBK")
            && info.contains("CSV"),
        || format!("the mapping step says of the file {info:?}"),
    )?;
    check(text_of(c, "#ignored").await?.contains("备注"), || {
        "the 备注 column is not listed as ignored".to_owned()
    })?;
    let sample = text_of(c, "#sample-rows").await?;
    check(
        sample.contains("澜江大学") && sample.contains("两元"),
        || format!("the sample rows read {sample:?}"),
    )?;
    let key = c
        .find(Locator::Css("select[name='map[line_no]']"))
        .await
        .map_err(cmd("the key field's select"))?
        .prop("value")
        .await
        .map_err(cmd("its value"))?;
    check(key.as_deref() == Some("线路编号"), || {
        format!("the key field is matched to {key:?}")
    })?;
    choose(c, "select[name='map[length_km]']", "线路长度").await?;
    full_screenshot(c, &shots.join("data-mapping.png")).await?;
    // Leaving the key unmapped is refused on the mapping step, the file still kept.
    choose(c, "select[name='map[line_no]']", "").await?;
    click(c, "#ingest").await?;
    wait_for_text(c, "#ingest-error", "线路编号").await?;
    choose(c, "select[name='map[line_no]']", "线路编号").await?;
    choose(c, "select[name='map[length_km]']", "线路长度").await?;
    click(c, "#ingest").await?;

    // The batch page follows it (refreshing while it runs) to its report.
    wait_for_url(c, "/data/batches/").await?;
    wait_for_text(c, "#batch-status", "已接收").await?;
    check(text_of(c, "#n-accepted").await?.trim() == "3", || {
        "the batch did not accept 3 rows".to_owned()
    })?;
    check(text_of(c, "#n-rejected").await?.trim() == "1", || {
        "the batch did not reject 1 row".to_owned()
    })?;
    let quality = text_of(c, "#quality").await?;
    for part in [
        "完整性",
        "规范性（有效性）",
        "唯一性",
        "一致性",
        "及时性",
        "质量得分",
    ] {
        check(quality.contains(part), || {
            format!("the quality report lacks {part:?}: {quality:?}")
        })?;
    }
    check(text_of(c, "#dim-validity").await?.contains("75%"), || {
        "validity is not 3 rows of 4".to_owned()
    })?;
    let rejected = text_of(c, "#sample").await?;
    check(
        rejected.contains("两元") && rejected.contains('5'),
        || format!("the rejected row's reason reads {rejected:?}"),
    )?;
    let link = text_of(c, "#rejected-csv").await?;
    check(link.contains("下载未通过的数据行"), || {
        format!("the rejected rows' link reads {link:?}")
    })?;
    full_screenshot(c, &shots.join("data-batch.png")).await?;

    // Back on the resource: the batch, the trend, and a record with its history.
    click(c, ".crumbs a[href^='/data/resources/']").await?;
    wait_for_title(c, "公交线路信息").await?;
    check(text_of(c, "#batches").await?.contains("已接收"), || {
        "the resource's batches do not show the accepted batch".to_owned()
    })?;
    check(
        c.find(Locator::Css("#trend svg rect.bar")).await.is_ok(),
        || "the quality trend has no bar".to_owned(),
    )?;
    type_into(c, "#key", "K3").await?;
    click(c, "#lookup").await?;
    wait_for_text(c, "#record-result", "K3路快线").await?;
    check(
        text_of(c, "#history").await?.contains("bus_steward"),
        || "the record's history does not name who sent it".to_owned(),
    )?;
    full_screenshot(c, &shots.join("data-resource.png")).await
}

/// The demo `bus_steward` uploads a GBK CSV of 公交线路信息 from its data page, sees the
/// encoding detected and an ignored column on the mapping step, is refused when it leaves the
/// key unmapped, maps one column by hand, and
/// follows the batch to 已接收 with 3 rows accepted and 1 rejected and the five-dimension
/// quality report; back on the resource it finds the quality trend and looks a record up.
/// Screenshots go to `shots`: `data-mapping.png`, `data-batch.png`, `data-resource.png`.
///
/// Panics with what differed.
pub async fn supplies_data_through_the_pages(base_url: &str, password: &str, shots: &Path) {
    let base = base_url.trim_end_matches('/');
    in_browser("browser test of data aggregation", async |c| {
        supply_data_as_a_steward(c, base, password, shots).await
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// Sharing: a unit requests another's data; the authority passes the conformity check
// ---------------------------------------------------------------------------------------

async fn request_share_and_pass_the_check(
    c: &Client,
    base: &str,
    password: &str,
    conformity_due: &str,
    shots: &Path,
) -> Outcome {
    // The HR bureau's steward finds the police's household register in the catalog.
    sign_in(c, base, "hrss_steward", password).await?;
    c.goto(&format!(
        "{base}/catalog?q=%E6%88%B7%E7%B1%8D%E4%BA%BA%E5%8F%A3%E5%9F%BA%E6%9C%AC%E4%BF%A1%E6%81%AF"
    ))
    .await
    .map_err(cmd("search 户籍人口基本信息"))?;
    wait_for_title(c, "目录").await?;
    c.find(Locator::LinkText("户籍人口基本信息"))
        .await
        .map_err(cmd("the resource's link"))?
        .click()
        .await
        .map_err(cmd("open the resource"))?;
    wait_for_title(c, "户籍人口基本信息").await?;
    click(c, "#request-share").await?;

    // The form names the resource, its class, marks the masked fields, shows the commitment.
    wait_for_title(c, "共享申请").await?;
    let resource = text_of(c, "#resource").await?;
    check(
        resource.contains("户籍人口基本信息")
            && resource.contains("1/01/001/0001")
            && resource.contains("澜江市公安局")
            && resource.contains("有条件共享"),
        || format!("the form says of the resource {resource:?}"),
    )?;
    let fields = text_of(c, "#fields").await?;
    check(
        fields.contains("公民身份号码") && fields.contains("将按规则脱敏"),
        || format!("the fields read {fields:?}"),
    )?;
    let commitment = text_of(c, "#commitment-text").await?;
    check(
        commitment.contains("安全") && commitment.contains("五、"),
        || format!("the commitment reads {commitment:?}"),
    )?;
    for code in ["citizen_id", "name", "gender"] {
        click(c, &format!("#field-{code}")).await?;
    }
    type_into(c, "#purpose", "社会保险参保资格核验").await?;
    type_into(
        c,
        "#scenario",
        "参保登记窗口按公民身份号码逐条核验参保人户籍信息",
    )
    .await?;
    type_into(c, "#duty_basis", "《中华人民共和国社会保险法》第五十八条").await?;
    click(c, "#commitment_accepted").await?;
    full_screenshot(c, &shots.join("pubdata-sharing-form.png")).await?;
    click(c, "#file-request").await?;

    // The request waits on the authority's conformity check, due in 2 working days.
    wait_for_url(c, "notice=share_request_filed").await?;
    let request_url = c.current_url().await.map_err(cmd("url"))?;
    let request_url = request_url
        .as_str()
        .split('?')
        .next()
        .unwrap_or_default()
        .to_owned();
    let status = text_of(c, "#status").await?;
    check(status.contains("待合规审核"), || {
        format!("the filed request's status reads {status:?}")
    })?;
    let waiting = text_of(c, "#waiting").await?;
    check(
        waiting.contains("合规性审核")
            && waiting.contains("数据主管部门")
            && waiting.contains(conformity_due),
        || format!("the request waits at {waiting:?}, not the check due {conformity_due}"),
    )?;
    let steps = text_of(c, "#steps").await?;
    check(
        steps.contains(conformity_due) && steps.contains("2 个工作日"),
        || format!("the steps read {steps:?}"),
    )?;
    check(
        text_of(c, "#handle")
            .await?
            .contains("当前没有需要您办理的环节"),
        || "the requester is offered a form of the authority's".to_owned(),
    )?;
    sign_out(c).await?;

    // The authority passes the check on the page; the provider's reply opens.
    sign_in(c, base, "admin", password).await?;
    c.goto(&request_url)
        .await
        .map_err(cmd("open the request"))?;
    wait_for_title(c, "户籍人口基本信息").await?;
    click(c, "#conformity-pass").await?;
    type_into(c, "#conformity-reason", "用途明确，履职依据充分").await?;
    click(c, "#conformity-submit").await?;
    wait_for_url(c, "notice=share_conformity_passed").await?;
    let notice = text_of(c, ".alert.ok").await?;
    check(notice.contains("合规性审核通过"), || {
        format!("after the check the notice reads {notice:?}")
    })?;
    let status = text_of(c, "#status").await?;
    check(status.contains("待提供单位答复"), || {
        format!("after the check the status reads {status:?}")
    })?;
    let waiting = text_of(c, "#waiting").await?;
    check(
        waiting.contains("提供单位答复") && waiting.contains("澜江市公安局"),
        || format!("after the check the request waits at {waiting:?}"),
    )?;
    let steps = text_of(c, "#steps").await?;
    check(steps.contains("通过") && steps.contains("admin"), || {
        format!("the passed check is not in the steps: {steps:?}")
    })?;
    full_screenshot(c, &shots.join("pubdata-sharing-request.png")).await?;
    sign_out(c).await?;

    // The police's steward finds the reply waiting on its home page.
    sign_in(c, base, "police_steward", password).await?;
    let waiting = text_of(c, "#sharing-waiting-table").await?;
    check(
        waiting.contains("户籍人口基本信息") && waiting.contains("提供单位答复"),
        || format!("the provider's home page lists {waiting:?}"),
    )?;
    full_screenshot(c, &shots.join("pubdata-sharing-home.png")).await
}

/// The sharing pages in a real browser: the demo `hrss_steward` opens the police's
/// 户籍人口基本信息 from the catalog, ticks three fields, states purpose, scenario and duty
/// basis, accepts the commitment and files the request, and sees it wait on the authority's
/// conformity check due on `conformity_due`; `admin` passes the check on the request page,
/// which then waits on the police's reply; the police steward's home page lists it.
/// Screenshots go to `shots`: `pubdata-sharing-form.png`, `pubdata-sharing-request.png`,
/// `pubdata-sharing-home.png`. Panics with what differed.
pub async fn requests_share_through_the_pages(
    base_url: &str,
    password: &str,
    conformity_due: &str,
    shots: &Path,
) {
    let base = base_url.trim_end_matches('/');
    in_browser("browser test of sharing", async |c| {
        request_share_and_pass_the_check(c, base, password, conformity_due, shots).await
    })
    .await;
}

// ---------------------------------------------------------------------------------------
// The open data portal (/open) and the staff's opening proposals
// ---------------------------------------------------------------------------------------

/// The bus company's lines (公交线路信息) in the demo catalog, and their dataset's name.
pub const BUS_LINES_CODE: &str = "2/02/006/0001";
pub const BUS_LINES_NAME: &str = "2-02-006-0001";
pub const BUS_LINES_TITLE: &str = "公交线路信息";
/// The bus company's card swipes (公交IC卡刷卡记录): a card number of grade 3.
const SWIPES_CODE: &str = "3/09/001/0001";

/// A plain HTTP client of the server (no redirects followed): the API, and pages as a
/// browser without scripts would fetch them.
struct Web {
    base: String,
    client: reqwest::Client,
}

struct Got {
    status: u16,
    headers: reqwest::header::HeaderMap,
    body: Vec<u8>,
}

impl Got {
    fn text(&self) -> String {
        String::from_utf8_lossy(&self.body).into_owned()
    }

    fn header(&self, name: &str) -> String {
        self.headers
            .get(name)
            .and_then(|v| v.to_str().ok())
            .unwrap_or_default()
            .to_owned()
    }
}

impl Web {
    fn new(base: &str) -> Web {
        Web {
            base: base.trim_end_matches('/').to_owned(),
            client: reqwest::Client::builder()
                .redirect(reqwest::redirect::Policy::none())
                .build()
                .expect("an HTTP client"),
        }
    }

    /// GETs `path` (a path, or an absolute URL) with extra headers.
    async fn get(&self, path: &str, headers: &[(&str, &str)]) -> Got {
        let url = if path.starts_with("http") {
            path.to_owned()
        } else {
            format!("{}{path}", self.base)
        };
        let mut r = self.client.get(&url);
        for (k, v) in headers {
            r = r.header(*k, *v);
        }
        let r = r.send().await.unwrap_or_else(|e| panic!("GET {url}: {e}"));
        Got {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body: r.bytes().await.expect("a body").to_vec(),
        }
    }

    async fn page(&self, path: &str, cookie: &str) -> Got {
        self.get(path, &[("cookie", cookie)]).await
    }

    /// A JSON call with a bearer token.
    async fn api(&self, post: bool, path: &str, token: &str, body: Value) -> (u16, Value) {
        let url = format!("{}{path}", self.base);
        let r = if post {
            self.client.post(&url).json(&body)
        } else {
            self.client.get(&url)
        };
        let r = if token.is_empty() {
            r
        } else {
            r.bearer_auth(token)
        };
        let r = r.send().await.unwrap_or_else(|e| panic!("{url}: {e}"));
        let status = r.status().as_u16();
        (status, r.json().await.unwrap_or(Value::Null))
    }

    /// POSTs a form as a signed-in page would.
    async fn form(&self, path: &str, cookie: &str, pairs: &[(&str, &str)]) -> Got {
        let r = self
            .client
            .post(format!("{}{path}", self.base))
            .header("cookie", cookie)
            .form(pairs)
            .send()
            .await
            .unwrap_or_else(|e| panic!("POST {path}: {e}"));
        Got {
            status: r.status().as_u16(),
            headers: r.headers().clone(),
            body: r.bytes().await.expect("a body").to_vec(),
        }
    }

    /// A published resource's id by its code, as `token`'s holder finds it.
    async fn resource_id(&self, token: &str, code: &str) -> String {
        let (_, found) = self
            .api(
                false,
                &format!("/api/v1/resources?q={code}"),
                token,
                Value::Null,
            )
            .await;
        found["items"]
            .as_array()
            .and_then(|items| items.iter().find(|r| r["code"] == code))
            .and_then(|r| r["id"].as_str())
            .unwrap_or_else(|| panic!("{code} in {found}"))
            .to_owned()
    }

    /// Pushes rows into a resource and publishes them as a new version.
    async fn publish_rows(&self, token: &str, resource_id: &str, rows: Value) {
        let (status, b) = self
            .api(
                true,
                &format!("/api/v1/resources/{resource_id}/batches"),
                token,
                json!({ "rows": rows }),
            )
            .await;
        assert_eq!(status, 201, "push: {b}");
        assert_eq!(b["rejected_rows"].as_i64().unwrap_or(0), 0, "push: {b}");
        let (status, v) = self
            .api(
                true,
                &format!("/api/v1/resources/{resource_id}/versions"),
                token,
                json!({}),
            )
            .await;
        assert_eq!(status, 201, "publish: {v}");
    }
}

fn sha256_hex(bytes: &[u8]) -> String {
    use sha2::Digest;
    sha2::Sha256::digest(bytes)
        .iter()
        .map(|b| format!("{b:02x}"))
        .collect()
}

/// Opens the bus lines as their steward and the authority would over the API — rows pushed,
/// version 1 published, the proposal reviewed at once and approved — unless the demo city
/// opened them already. `steward` and `admin` are write tokens of `bus_steward` and `admin`.
pub async fn open_the_bus_lines(base_url: &str, steward: &str, admin: &str) {
    let web = Web::new(base_url);
    if web
        .get(&format!("/api/v1/open/datasets/{BUS_LINES_NAME}"), &[])
        .await
        .status
        == 200
    {
        return;
    }
    let id = web.resource_id(steward, BUS_LINES_CODE).await;
    web.publish_rows(
        steward,
        &id,
        json!([
            {"line_no": "1", "line_name": "1路", "first_stop": "火车站", "last_stop": "高铁南站", "first_bus": "06:00", "last_bus": "22:30", "fare": "2.00", "length_km": "18.6", "operator": "第一分公司"},
            {"line_no": "2", "line_name": "2路", "first_stop": "老城区", "last_stop": "开发区", "first_bus": "06:10", "last_bus": "22:00", "fare": "2.00", "length_km": "15.2", "operator": "第一分公司"},
            {"line_no": "K3", "line_name": "快3路", "first_stop": "滨江公园", "last_stop": "机场", "first_bus": "06:30", "last_bus": "21:00", "fare": "5.00", "length_km": "32.4", "operator": "快速公交分公司"}
        ]),
    )
    .await;
    let (status, p) = web
        .api(
            true,
            &format!("/api/v1/resources/{id}/open-proposals"),
            steward,
            json!({"open_attr": "unconditional"}),
        )
        .await;
    assert_eq!(status, 201, "{p}");
    assert_eq!(p["review"]["passed"], true, "{p}");
    let (status, a) = web
        .api(
            true,
            &format!(
                "/api/v1/open-proposals/{}/approve",
                p["id"].as_str().unwrap()
            ),
            admin,
            Value::Null,
        )
        .await;
    assert_eq!(status, 200, "{a}");
}

/// The portal as a plain HTTP client sees it, once the bus lines are open: the two-character
/// search with its facets, the dataset page (field dictionary, preview, files with their
/// SHA-256, the API example), the Parquet download with its headers, errors as pages, the
/// open list and its CSV, the units, the statistics with their SVG charts, and the developer
/// centre where `(cookie, csrf)`'s user takes a key that then reads the records API.
pub async fn the_portal_over_http(base_url: &str, (cookie, csrf): (&str, &str)) {
    let web = Web::new(base_url);
    let name = BUS_LINES_NAME;
    let (_, d) = web
        .api(
            false,
            &format!("/api/v1/open/datasets/{name}"),
            "",
            Value::Null,
        )
        .await;
    let parquet = d["versions"][0]["files"]
        .as_array()
        .and_then(|fs| fs.iter().find(|f| f["format"] == "parquet"))
        .unwrap_or_else(|| panic!("no parquet file in {d}"))
        .clone();
    let first_line = d["preview"][0][1]
        .as_str()
        .expect("a previewed line name")
        .to_owned();

    // Home: the search box and the figures.
    let home = web.get("/open", &[]).await;
    let html = home.text();
    assert_eq!(home.status, 200);
    for part in [
        r#"action="/open/datasets""#,
        r#"id="q" name="q""#,
        r#"id="fig-datasets""#,
        "<title>首页 · 澜江市公共数据开放平台</title>",
    ] {
        assert!(html.contains(part), "the home page lacks {part}");
    }

    // A two-character search finds the lines; its facets toggle filters; other words do not.
    let found = web.get("/open/datasets?q=%E5%85%AC%E4%BA%A4", &[]).await;
    let html = found.text();
    assert_eq!(found.status, 200);
    assert!(
        html.contains(&format!(
            r#"href="/open/datasets/{name}">{BUS_LINES_TITLE}</a>"#
        )),
        "公交 does not find the lines"
    );
    assert!(
        html.replace("&#38;", "&")
            .contains("href=\"/open/datasets?q=%E5%85%AC%E4%BA%A4&format=parquet\""),
        "no parquet facet link keeping the query: {}",
        html.split("id=\"facets\"").nth(1).unwrap_or_default()
    );
    let facet = web
        .get("/open/datasets?q=%E5%85%AC%E4%BA%A4&format=parquet", &[])
        .await
        .text();
    assert!(facet.contains(r#"class="chip""#) && facet.contains(BUS_LINES_TITLE));
    let none = web
        .get("/open/datasets?q=%E6%B2%A1%E6%9C%89%E8%BF%99%E7%A7%8D", &[])
        .await
        .text();
    assert!(
        !none.contains(&format!("/open/datasets/{name}\"")) && none.contains("没有找到"),
        "an unrelated word finds the lines"
    );
    let bad = web.get("/open/datasets?sort=sideways", &[]).await;
    assert_eq!(bad.status, 400, "a bad sort is a 400 page");
    assert!(bad.text().contains("invalid_sort"));

    // The dataset page.
    let page = web.get(&format!("/open/datasets/{name}"), &[]).await;
    let html = page.text();
    assert_eq!(page.status, 200);
    for part in [
        format!("<h1 id=\"title\">{BUS_LINES_TITLE}"),
        "线路编号".to_owned(),
        "line_name".to_owned(),
        format!("<td>{first_line}</td>"),
        format!("href=\"{}\"", parquet["url"].as_str().unwrap()),
        parquet["sha256"].as_str().unwrap().to_owned(),
        format!("/api/v1/open/datasets/{name}/records?"),
        "X-API-Key".to_owned(),
        "CC-BY-4.0".to_owned(),
        format!("href=\"/open/datasets/{name}/feedback\""),
        "无条件开放".to_owned(),
    ] {
        assert!(html.contains(&part), "the dataset page lacks {part}");
    }
    assert!(
        !html.contains("/apply\""),
        "unconditional data asks for an application"
    );
    let en = web
        .get(
            &format!("/open/datasets/{name}"),
            &[("accept-language", "en-US,en")],
        )
        .await
        .text();
    assert!(
        en.contains(r#"<html lang="en">"#)
            && en.contains("Fields")
            && en.contains("Open unconditionally")
    );

    // The Parquet download: an attachment with its length and SHA-256.
    let file = web.get(parquet["url"].as_str().unwrap(), &[]).await;
    assert_eq!(file.status, 200);
    assert!(file.body.starts_with(b"PAR1") && file.body.ends_with(b"PAR1"));
    assert_eq!(file.header("x-pubdata-sha256"), sha256_hex(&file.body));
    assert_eq!(
        file.header("x-pubdata-sha256"),
        parquet["sha256"].as_str().unwrap()
    );
    assert_eq!(file.header("content-length"), file.body.len().to_string());
    assert!(
        file.header("content-disposition")
            .starts_with("attachment; filename=")
            && file.header("content-disposition").contains(".parquet"),
        "{}",
        file.header("content-disposition")
    );

    // Errors are pages with their status.
    for (path, status, code) in [
        (
            format!("/open/datasets/{name}/versions/99/parquet"),
            404,
            "version_not_found",
        ),
        (
            format!("/open/datasets/{name}/versions/x/parquet"),
            404,
            "version_not_found",
        ),
        (
            format!("/open/datasets/{name}/versions/1/xlsx"),
            422,
            "invalid_format",
        ),
        (
            "/open/datasets/no-such-dataset".to_owned(),
            404,
            "dataset_not_found",
        ),
        ("/open/orgs/no-such-unit".to_owned(), 404, "org_not_found"),
    ] {
        let got = web.get(&path, &[]).await;
        assert_eq!(got.status, status, "{path}");
        assert!(
            got.header("content-type").starts_with("text/html"),
            "{path}"
        );
        assert!(got.text().contains(code), "{path} does not say {code}");
    }

    // The open list, as a page and as CSV.
    let list = web.get("/open/list", &[]).await.text();
    assert!(list.contains(BUS_LINES_CODE) && list.contains(BUS_LINES_TITLE));
    let csv = web.get("/open/list.csv", &[]).await;
    assert_eq!(csv.status, 200);
    assert!(csv.header("content-type").starts_with("text/csv"));
    assert!(csv.header("content-disposition").starts_with("attachment"));
    let text = csv.text();
    assert!(
        text.starts_with('\u{feff}') && text.contains("资源代码"),
        "{text}"
    );
    assert!(
        text.contains(BUS_LINES_CODE) && text.contains(BUS_LINES_TITLE),
        "{text}"
    );

    // The units, and the bus company's page.
    let org = d["provider_org_id"].as_str().unwrap();
    let orgs = web.get("/open/orgs", &[]).await.text();
    assert!(orgs.contains(&format!("href=\"/open/orgs/{org}\"")));
    let unit = web.get(&format!("/open/orgs/{org}"), &[]).await.text();
    assert!(unit.contains(BUS_LINES_TITLE) && unit.contains(d["provider_name"].as_str().unwrap()));

    // The statistics: the figures, and charts drawn as SVG on the server; the download above
    // is counted in this month's bar.
    let stats = web.get("/open/stats", &[]).await.text();
    assert!(stats.matches("<svg").count() >= 4, "{stats}");
    for id in [
        "chart-views",
        "chart-downloads",
        "chart-api-calls",
        "chart-themes",
    ] {
        assert!(stats.contains(&format!("id=\"{id}\"")), "no {id}");
    }
    let month = chrono::Utc::now()
        .with_timezone(&chrono::FixedOffset::east_opt(8 * 3600).unwrap())
        .format("%Y-%m")
        .to_string();
    let downloads = stats
        .split("id=\"chart-downloads\"")
        .nth(1)
        .and_then(|s| s.split(&format!("<title>{month}：")).nth(1))
        .and_then(|s| s.split('<').next())
        .unwrap_or_default()
        .to_owned();
    assert!(
        downloads.parse::<i64>().is_ok_and(|n| n >= 1),
        "this month's downloads bar reads {downloads:?}"
    );

    // The developer centre: a visitor is sent to sign in; a signed-in user takes a key,
    // shown once, that reads the records API.
    let anon = web.get("/open/developer", &[]).await.text();
    assert!(anon.contains("/signin?next=%2Fopen%2Fdeveloper") && anon.contains("Retry-After"));
    assert!(!anon.contains("id=\"take-key\""));
    let forged = web
        .form(
            "/open/developer/keys",
            cookie,
            &[("csrf", "forged-token-value-xx"), ("name", "x")],
        )
        .await;
    assert_eq!(forged.status, 403);
    let taken = web
        .form(
            "/open/developer/keys",
            cookie,
            &[("csrf", csrf), ("name", "到站查询")],
        )
        .await;
    assert_eq!(taken.status, 201, "{}", taken.text());
    let html = taken.text();
    let key = html
        .split("id=\"key-value\">")
        .nth(1)
        .and_then(|s| s.split('<').next())
        .expect("the key shown once")
        .to_owned();
    assert!(key.starts_with("pdk_"), "{key}");
    assert!(html.contains("到站查询"), "the new key is not listed");
    let again = web.page("/open/developer", cookie).await.text();
    assert!(
        again.contains("到站查询") && !again.contains(&key),
        "the key is shown twice"
    );
    let records = web
        .get(
            &format!("/api/v1/open/datasets/{name}/records?line_no=1"),
            &[("x-api-key", &key)],
        )
        .await;
    assert_eq!(records.status, 200, "{}", records.text());
    let v: Value = serde_json::from_slice(&records.body).unwrap();
    assert_eq!(v["items"].as_array().map(Vec::len), Some(1), "{v}");
}

/// The staff's proposal pages over HTTP. The bus steward (`steward_session`, `token`) finds
/// the card swipes in the picker, supplies data, and proposes them with every field kept and
/// the boarding stop as a quasi-identifier: the review fails at the card number and at the
/// stop's groups (k = 1, 100 % below k), and the authority (`admin_session`) is offered no
/// approval, is refused one, and must give reasons to return it. Proposed again with the card
/// number masked, it passes, is approved, and the portal shows it as conditional: conditions,
/// 申请使用, no downloads, and a download refused as a page that links to the application.
pub async fn proposes_through_the_pages(
    base_url: &str,
    token: &str,
    steward_session: (&str, &str),
    admin_session: (&str, &str),
) {
    let web = Web::new(base_url);
    let (cookie, csrf) = steward_session;
    let list = web.page("/opening/proposals", cookie).await;
    assert_eq!(list.status, 200);
    let html = list.text();
    assert!(
        html.contains(&format!("data-code=\"{SWIPES_CODE}\"")),
        "the swipes are not offered"
    );
    let id = web.resource_id(token, SWIPES_CODE).await;
    assert!(html.contains(&format!("/opening/proposals/new?resource_id={id}")));
    let rows: Vec<Value> = (1..=10)
        .map(|n| {
            json!({"txn_id": format!("T{n:04}"), "card_no": format!("62170000{n:08}"),
                   "txn_time": "2026-03-02 08:00:00", "line_no": if n <= 5 { "1" } else { "2" },
                   "vehicle_no": "B-1001", "boarding_stop": format!("站点{n}"), "fare": "2.00",
                   "card_type": "普通卡"})
        })
        .collect();
    web.publish_rows(token, &id, Value::Array(rows)).await;

    let form = web
        .page(&format!("/opening/proposals/new?resource_id={id}"), cookie)
        .await;
    assert_eq!(form.status, 200);
    let html = form.text();
    assert!(html.contains("name=\"mask_card_no\"") && html.contains("name=\"quasi\""));
    assert!(html.contains("id=\"class-unconditional\"") && html.contains(" disabled"));

    let fields = [
        "txn_id",
        "card_no",
        "txn_time",
        "line_no",
        "vehicle_no",
        "boarding_stop",
        "fare",
        "card_type",
    ];
    let propose = async |masks: &[(&str, &str)], quasi: &[&str]| {
        let mut pairs: Vec<(&str, &str)> = vec![
            ("csrf", csrf),
            ("resource_id", id.as_str()),
            ("open_attr", "conditional"),
            ("conditions", "向签署协议的科研机构开放"),
            ("licence", "CC-BY-4.0"),
            ("min_k", ""),
        ];
        pairs.extend(fields.iter().map(|f| ("fields", *f)));
        pairs.extend(masks.iter().copied());
        pairs.extend(quasi.iter().map(|q| ("quasi", *q)));
        let got = web.form("/opening/proposals", cookie, &pairs).await;
        assert_eq!(got.status, 303, "{}", got.text());
        got.header("location")
    };

    // Nothing masked: ticking no field is refused at the form, everything kept fails review.
    let none = web
        .form(
            "/opening/proposals",
            cookie,
            &[
                ("csrf", csrf),
                ("resource_id", id.as_str()),
                ("open_attr", "conditional"),
            ],
        )
        .await;
    assert_eq!(none.status, 422);
    assert!(none.text().contains("id=\"fields-error\""));
    let to = propose(&[], &["boarding_stop"]).await;
    assert!(to.ends_with("?notice=proposed"), "{to}");
    let failed = web.page(&to, cookie).await.text();
    assert!(failed.contains("开放安全审查未通过"), "{failed}");
    let card_row = failed
        .split("id=\"field-card_no\"")
        .nth(1)
        .and_then(|s| s.split("</tr>").next())
        .unwrap_or_default();
    assert!(
        card_row.contains("class=\"bad\"") && card_row.contains("卡号"),
        "{card_row}"
    );
    // Each boarding stop the steward added is a group of one: k is below the required 5.
    let number = |id: &str| {
        failed
            .split(&format!("id=\"{id}\">"))
            .nth(1)
            .and_then(|s| s.split(['<', '%']).next())
            .and_then(|n| n.trim().parse::<f64>().ok())
    };
    assert!(number("k").is_some_and(|k| k < 5.0), "k: {:?}", number("k"));
    assert!(
        number("share-below").is_some_and(|x| x > 0.0),
        "share below k: {:?}",
        number("share-below")
    );
    let pid = to
        .trim_start_matches("/opening/proposals/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();

    // The authority: no approval offered, one refused, a return needs its reasons.
    let (acookie, acsrf) = admin_session;
    let seen = web
        .page(&format!("/opening/proposals/{pid}"), acookie)
        .await
        .text();
    assert!(seen.contains("id=\"blocked\"") && !seen.contains("id=\"approve-form\""));
    let refused = web
        .form(
            &format!("/opening/proposals/{pid}/approve"),
            acookie,
            &[("csrf", acsrf)],
        )
        .await;
    assert_eq!(refused.status, 409);
    assert!(refused.text().contains("开放安全审查未通过，不能批准"));
    let empty = web
        .form(
            &format!("/opening/proposals/{pid}/return"),
            acookie,
            &[("csrf", acsrf), ("reason", " ")],
        )
        .await;
    assert_eq!(empty.status, 422);
    let returned = web
        .form(
            &format!("/opening/proposals/{pid}/return"),
            acookie,
            &[
                ("csrf", acsrf),
                ("reason", "卡号须脱敏；上车站点不作准标识符"),
            ],
        )
        .await;
    assert_eq!(returned.status, 303);
    let page = web
        .page(&format!("/opening/proposals/{pid}"), cookie)
        .await
        .text();
    assert!(page.contains("卡号须脱敏") && page.contains("已退回"));

    // Masked, it passes and is approved; the portal shows conditions instead of files.
    let to = propose(&[("mask_card_no", "bank_card"), ("mask_fare", "")], &[]).await;
    let pid = to
        .trim_start_matches("/opening/proposals/")
        .split('?')
        .next()
        .unwrap()
        .to_owned();
    let passed = web.page(&to, cookie).await.text();
    assert!(passed.contains("开放安全审查通过"), "{passed}");
    assert!(
        !passed.contains("id=\"approve-form\""),
        "a steward is offered the approval"
    );
    let approved = web
        .form(
            &format!("/opening/proposals/{pid}/approve"),
            acookie,
            &[("csrf", acsrf), ("reason", "")],
        )
        .await;
    assert_eq!(approved.status, 303, "{}", approved.text());
    let dataset = SWIPES_CODE.replace('/', "-");
    let page = web
        .page(&format!("/opening/proposals/{pid}"), acookie)
        .await
        .text();
    assert!(page.contains(&format!("href=\"/open/datasets/{dataset}\"")));
    let public = web
        .get(&format!("/open/datasets/{dataset}"), &[])
        .await
        .text();
    assert!(
        public.contains("有条件开放")
            && public.contains(&format!("/open/datasets/{dataset}/apply"))
    );
    assert!(
        !public.contains("data-format=\"parquet\""),
        "conditional data offers files"
    );
    assert!(
        !public.contains("6217000000000001") && !public.contains("319900000000"),
        "the preview shows card numbers unmasked"
    );
    let refused = web
        .get(&format!("/open/datasets/{dataset}/versions/1/csv"), &[])
        .await;
    assert_eq!(refused.status, 403);
    assert!(
        refused
            .text()
            .contains(&format!("href=\"/open/datasets/{dataset}/apply\""))
    );
}

/// The done-when of the portal, in a real browser: a new visitor opens `/open`, types 公交
/// into the search box and submits, clicks 公交线路信息, sees its field dictionary and the
/// preview rows, and downloads its Parquet (fetched by its link's address: a real Parquet
/// file whose SHA-256 is the one the page shows). Screenshots of the home page, the results,
/// the dataset page (wide and phone-sized), the statistics and the developer centre go to
/// `shots` (`pubdata-portal-*.png`). Panics with what differed.
pub async fn finds_the_bus_lines_and_downloads_the_parquet(base_url: &str, shots: &Path) {
    let base = base_url.trim_end_matches('/').to_owned();
    in_browser("browser test of the open data portal", async |c| {
        find_and_download(c, &base, shots).await
    })
    .await;
}

async fn find_and_download(c: &Client, base: &str, shots: &Path) -> Outcome {
    c.goto(&format!("{base}/open"))
        .await
        .map_err(cmd("open /open"))?;
    wait_for_title(c, "澜江市公共数据开放平台").await?;
    full_screenshot(c, &shots.join("pubdata-portal-home.png")).await?;
    type_into(c, "#q", "公交").await?;
    click(c, "#search-button").await?;
    wait_for_url(c, "q=%E5%85%AC%E4%BA%A4").await?;
    let found = text_of(c, "#found").await?;
    check(found.contains("共找到"), || {
        format!("the results say {found:?}")
    })?;
    full_screenshot(c, &shots.join("pubdata-portal-search.png")).await?;
    c.find(Locator::LinkText(BUS_LINES_TITLE))
        .await
        .map_err(cmd("the 公交线路信息 result"))?
        .click()
        .await
        .map_err(cmd("click the result"))?;
    wait_for_title(c, BUS_LINES_TITLE).await?;
    let url = c.current_url().await.map_err(cmd("url"))?;
    check(
        url.path() == format!("/open/datasets/{BUS_LINES_NAME}"),
        || format!("the result led to {url}"),
    )?;
    let fields = text_of(c, "#fields").await?;
    check(
        fields.contains("线路编号") && fields.contains("线路名称") && fields.contains("票价"),
        || format!("the field dictionary reads {fields:?}"),
    )?;
    let rows = c
        .find_all(Locator::Css("#preview tbody tr"))
        .await
        .map_err(cmd("preview rows"))?;
    check(!rows.is_empty(), || "the preview shows no rows".to_owned())?;
    let first = rows[0].text().await.map_err(cmd("first preview row"))?;
    check(first.contains('路'), || {
        format!("the first preview row reads {first:?}")
    })?;

    let link = c
        .find(Locator::Css("#latest-files a[data-format='parquet']"))
        .await
        .map_err(cmd("the Parquet download button"))?;
    let href = link
        .attr("href")
        .await
        .map_err(cmd("the Parquet link's href"))?
        .ok_or("the Parquet link has no href")?;
    let version = link
        .attr("data-version")
        .await
        .map_err(cmd("the Parquet link's version"))?
        .unwrap_or_default();
    let shown = text_of(c, &format!("[data-sha256-of='{version}-parquet']")).await?;
    full_screenshot(c, &shots.join("pubdata-portal-dataset.png")).await?;
    let file = Web::new(base).get(&href, &[]).await;
    check(file.status == 200, || {
        format!("{href} answered {}", file.status)
    })?;
    check(file.body.starts_with(b"PAR1"), || {
        format!("{href} is not a Parquet file")
    })?;
    check(sha256_hex(&file.body) == shown.trim(), || {
        format!("the page shows SHA-256 {shown:?}, the file hashes otherwise")
    })?;

    c.set_window_size(390, 844)
        .await
        .map_err(cmd("phone size"))?;
    let png = c.screenshot().await.map_err(cmd("phone screenshot"))?;
    std::fs::write(shots.join("pubdata-portal-dataset-phone.png"), &png)
        .map_err(|e| format!("write the phone screenshot: {e}"))?;
    c.set_window_size(1280, 900)
        .await
        .map_err(cmd("window size"))?;
    for (path, title, shot) in [
        ("/open/stats", "统计分析", "pubdata-portal-stats.png"),
        (
            "/open/developer",
            "开发者中心",
            "pubdata-portal-developer.png",
        ),
        ("/open/list", "开放清单", "pubdata-portal-list.png"),
    ] {
        c.goto(&format!("{base}{path}"))
            .await
            .map_err(cmd("open a portal page"))?;
        wait_for_title(c, title).await?;
        full_screenshot(c, &shots.join(shot)).await?;
    }
    Ok(())
}

// ---------------------------------------------------------------------------------------
// The portal's forms: an error report from a visitor, an application for conditional data
// ---------------------------------------------------------------------------------------

/// A visitor, not signed in, reports an error on record N1 of the bus lines from the dataset's
/// feedback form and lands on the item's public page, awaiting an answer. Then a signed-in
/// user applies for the card swipes (conditional): the commitment's text is on the form, the
/// application is filed and listed under 我的申请 at its first step. Screenshots of both go
/// to `shots`.
pub async fn reports_an_error_and_applies_for_conditional_data(
    base_url: &str,
    username: &str,
    password: &str,
    shots: &Path,
) {
    let base = base_url.trim_end_matches('/').to_owned();
    in_browser("browser test of the portal's forms", async |c| {
        report_and_apply(c, &base, username, password, shots).await
    })
    .await;
}

async fn report_and_apply(
    c: &Client,
    base: &str,
    username: &str,
    password: &str,
    shots: &Path,
) -> Outcome {
    c.goto(&format!("{base}/open/datasets/2-02-006-0001/feedback"))
        .await
        .map_err(cmd("open the error-report form"))?;
    wait_for_title(c, "数据纠错").await?;
    type_into(c, "#fb-key", "N1").await?;
    type_into(c, "#fb-text", "夜班1路的末班时间应为05:00，不是05:30。").await?;
    type_into(c, "#fb-contact", "zhang@example.com").await?;
    click(c, "#fb-submit").await?;
    wait_for_url(c, "/open/feedback/").await?;
    wait_for_text(c, "#status", "待答复").await?;
    let page = c.source().await.map_err(cmd("page source"))?;
    check(!page.contains("zhang@example.com"), || {
        "the public item shows the reporter's contact".into()
    })?;
    full_screenshot(c, &shots.join("pubdata-portal-error-report.png")).await?;

    sign_in(c, base, username, password).await?;
    c.goto(&format!("{base}/open/datasets/3-09-001-0001/apply"))
        .await
        .map_err(cmd("open the application form"))?;
    wait_for_title(c, "申请使用").await?;
    let form = c.source().await.map_err(cmd("page source"))?;
    check(
        form.contains("不以任何方式尝试识别特定自然人"),
        || "the form does not show the security commitment's text".into(),
    )?;
    type_into(c, "#applicant-name", "张开发").await?;
    type_into(c, "#applicant-contact", "13800000000").await?;
    type_into(c, "#purpose", "研究早高峰公交客流分布").await?;
    type_into(c, "#scenario", "交通规划课题，仅统计分析").await?;
    click(c, "#commitment-accepted").await?;
    click(c, "#apply-submit").await?;
    wait_for_url(c, "/open/me/applications").await?;
    wait_for_text(c, "#notice", "").await?;
    let mine = c.source().await.map_err(cmd("page source"))?;
    check(
        mine.contains("公交IC卡刷卡记录") && mine.contains("待材料审核"),
        || "我的申请 does not list the application at the materials check".into(),
    )?;
    full_screenshot(c, &shots.join("pubdata-portal-application.png")).await
}
