//! The server under test: a `latchkey serve` child process on a fresh database, and its
//! CPU time and peak memory read from `/proc`.

use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::time::Duration;

/// A running `latchkey` process.
pub struct Server {
    child: Child,
    /// `http://localhost:<port>`
    pub url: String,
    /// The server's database URL.
    pub database: String,
    dir: PathBuf,
}

/// The `latchkey` binary beside this executable (both live in `target/<profile>`).
pub fn sibling_binary() -> Result<PathBuf, String> {
    let exe = std::env::current_exe().map_err(|e| e.to_string())?;
    let dir = exe.parent().ok_or("no directory")?;
    [dir.join("latchkey"), dir.join("../latchkey")]
        .into_iter()
        .find(|p| p.exists())
        .ok_or_else(|| {
            "latchkey binary not found beside latchkey-bench; build it or pass --server".to_owned()
        })
}

fn free_port() -> Result<u16, String> {
    let listener = std::net::TcpListener::bind("127.0.0.1:0").map_err(|e| e.to_string())?;
    Ok(listener.local_addr().map_err(|e| e.to_string())?.port())
}

impl Server {
    /// Starts the server on a free port and a fresh database, and waits until it is ready.
    pub async fn start(binary: &Path, postgres: Option<&str>) -> Result<Self, String> {
        let port = free_port()?;
        let url = format!("http://localhost:{port}");
        let dir =
            std::env::temp_dir().join(format!("latchkey-bench-{}-{port}", std::process::id()));
        std::fs::create_dir_all(&dir).map_err(|e| e.to_string())?;
        let database = match postgres {
            Some(server) => latchkey_testkit::fresh_postgres_database(server).await,
            None => format!("sqlite://{}", dir.join("latchkey.db").display()),
        };
        let child = Command::new(binary)
            .args([
                "serve",
                "--listen",
                &format!("127.0.0.1:{port}"),
                "--public-url",
                &url,
                "--database-url",
                &database,
            ])
            .env("RUST_LOG", "warn")
            // Load generators hit one IP far above any sane per-IP limit.
            .env("LATCHKEY_RATE_LIMIT__PER_IP_PER_MINUTE", "100000000")
            .stdout(Stdio::null())
            .stderr(Stdio::inherit())
            .spawn()
            .map_err(|e| format!("{}: {e}", binary.display()))?;
        let server = Self {
            child,
            url,
            database,
            dir,
        };
        let http = reqwest::Client::new();
        for _ in 0..300 {
            if let Ok(res) = http.get(format!("{}/readyz", server.url)).send().await
                && res.status().is_success()
            {
                return Ok(server);
            }
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        Err("the server did not become ready".into())
    }

    fn proc_file(&self, name: &str) -> Result<String, String> {
        std::fs::read_to_string(format!("/proc/{}/{name}", self.child.id()))
            .map_err(|e| e.to_string())
    }

    /// User plus system CPU seconds the server has used so far.
    pub fn cpu_seconds(&self) -> Result<f64, String> {
        let stat = self.proc_file("stat")?;
        // Fields after the command name (which may hold spaces) start after ") ".
        let rest = stat.rsplit_once(") ").map(|(_, r)| r).ok_or("bad stat")?;
        let fields: Vec<&str> = rest.split_whitespace().collect();
        let ticks = |i: usize| {
            fields
                .get(i)
                .and_then(|f| f.parse::<f64>().ok())
                .ok_or("bad stat")
        };
        // utime and stime are fields 14 and 15 of stat, i.e. 11 and 12 after the name.
        Ok((ticks(11)? + ticks(12)?) / clock_ticks_per_second())
    }

    /// The server's peak resident set size, KiB.
    pub fn peak_rss_kib(&self) -> Result<u64, String> {
        let status = self.proc_file("status")?;
        status
            .lines()
            .find_map(|l| l.strip_prefix("VmHWM:"))
            .and_then(|v| v.split_whitespace().next())
            .and_then(|v| v.parse().ok())
            .ok_or_else(|| "no VmHWM".into())
    }

    /// Stops the server and removes its files.
    pub fn stop(mut self) {
        let _ = self.child.kill();
        let _ = self.child.wait();
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

fn clock_ticks_per_second() -> f64 {
    Command::new("getconf")
        .arg("CLK_TCK")
        .output()
        .ok()
        .and_then(|o| String::from_utf8(o.stdout).ok())
        .and_then(|s| s.trim().parse().ok())
        .unwrap_or(100.0)
}
