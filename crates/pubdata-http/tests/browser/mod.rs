//! The pages in a real browser: Debian's chromium, headless, driven over WebDriver
//! (chromedriver) with fantoccini. `tests/http.rs` includes this module and calls
//! [`signs_in_and_sees_the_chinese_home_page`] against a server it started, when
//! [`browser_available`] (`apt-get install chromium chromium-driver`; `.ci/run` installs them).
//!
//! What is checked is what a user sees: the sign-in form works without any script of ours,
//! the browser lands on the home page whose `<title>` contains 「工作台」 and whose `<h1>` is
//! 「工作台」, the user's own card names the user, and a screenshot of it is a real picture.

use fantoccini::{Client, ClientBuilder, Locator};
use serde_json::json;
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
