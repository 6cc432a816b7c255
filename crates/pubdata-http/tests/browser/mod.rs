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
    let driver = Driver::start();
    let client = driver.connect().await;
    let outcome = sign_in_and_look(&client, base_url, username, password, screenshot_path).await;
    // End the session (and chromium) before chromedriver goes with `driver`.
    let _ = client.close().await;
    drop(driver);
    if let Err(e) = outcome {
        panic!("browser test: {e}");
    }
}
