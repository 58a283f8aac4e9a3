//! A real SMTP server for tests: aiosmtpd on a free local port, writing every message it
//! accepts to a maildir that [`SmtpSink`] reads back, parsed. aiosmtpd comes from the
//! Python of `LATCHKEY_TEST_PYTHON` (`scripts/test` installs it in `target/test-python`).

use latchkey_server::Config;
use std::collections::HashMap;
use std::path::{Path, PathBuf};
use std::process::{Child, Command, Stdio};
use std::sync::Mutex;
use std::time::{Duration, Instant};

/// How long a message may take to arrive in [`SmtpSink::code_for`].
const CODE_TIMEOUT: Duration = Duration::from_secs(15);

/// A running aiosmtpd that keeps what it receives; stopped on drop.
pub struct SmtpSink {
    port: u16,
    dir: PathBuf,
    python: PathBuf,
    server: Option<Child>,
    /// How many messages to each address [`SmtpSink::wait_for`] has handed out.
    handed_out: Mutex<HashMap<String, usize>>,
}

/// A message as the SMTP server received it.
#[derive(Debug, Clone)]
pub struct Message {
    /// The envelope's recipients.
    pub to: Vec<String>,
    /// The `From` header's address.
    pub from: String,
    pub subject: String,
    /// The plain-text part.
    pub text: String,
    /// The HTML part.
    pub html: String,
    /// The message as received, headers and all.
    pub raw: String,
}

impl SmtpSink {
    /// Starts aiosmtpd on a free port of 127.0.0.1; panics, saying how to install it,
    /// when the Python of `LATCHKEY_TEST_PYTHON` lacks aiosmtpd.
    pub async fn start() -> Self {
        let port = std::net::TcpListener::bind("127.0.0.1:0")
            .and_then(|l| l.local_addr())
            .expect("a free port")
            .port();
        let dir = std::env::temp_dir().join(format!("latchkey-smtp-{}", crate::app::unique_name()));
        std::fs::create_dir_all(&dir).expect("maildir");
        let mut sink = Self {
            port,
            dir,
            python: python(),
            server: None,
            handed_out: Mutex::default(),
        };
        sink.restart().await;
        sink
    }

    /// Points `[email]` at this server, without TLS.
    pub fn configure(&self, config: &mut Config) {
        config.email.smtp_host = Some("127.0.0.1".into());
        config.email.smtp_port = self.port;
        config.email.smtp_tls = "none".into();
        config.email.timeout_secs = 5;
    }

    /// The port it listens on.
    pub fn port(&self) -> u16 {
        self.port
    }

    /// Stops the server (a relay gone down); what it received is kept.
    pub async fn stop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
        let deadline = Instant::now() + Duration::from_secs(10);
        while accepts(self.port).await {
            assert!(Instant::now() < deadline, "SMTP server still answering");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// Starts the server again on the same port (stopping it first if it runs).
    pub async fn restart(&mut self) {
        self.stop().await;
        let mut server = Command::new(&self.python)
            .args(["-m", "aiosmtpd", "-n", "-l"])
            .arg(format!("127.0.0.1:{}", self.port))
            .args(["-c", "aiosmtpd.handlers.Mailbox"])
            .arg(self.dir.join("maildir"))
            .stdin(Stdio::null())
            .stdout(Stdio::null())
            .stderr(Stdio::piped())
            .spawn()
            .unwrap_or_else(|e| panic!("cannot run {}: {e}", self.python.display()));
        let deadline = Instant::now() + Duration::from_secs(20);
        while !accepts(self.port).await {
            if let Ok(Some(status)) = server.try_wait() {
                let mut err = String::new();
                if let Some(mut stderr) = server.stderr.take() {
                    let _ = std::io::Read::read_to_string(&mut stderr, &mut err);
                }
                panic!(
                    "the SMTP server exited ({status}): {err}\naiosmtpd is needed: run \
                     scripts/test, or `python3 -m venv target/test-python && \
                     target/test-python/bin/pip install aiosmtpd`, and set \
                     LATCHKEY_TEST_PYTHON to that Python"
                );
            }
            assert!(Instant::now() < deadline, "the SMTP server did not start");
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
        self.server = Some(server);
    }

    /// Every message received, oldest first.
    pub fn messages(&self) -> Vec<Message> {
        let mut files: Vec<(std::time::SystemTime, PathBuf)> = ["new", "cur"]
            .iter()
            .filter_map(|sub| std::fs::read_dir(self.dir.join("maildir").join(sub)).ok())
            .flatten()
            .filter_map(|entry| {
                let entry = entry.ok()?;
                Some((entry.metadata().ok()?.modified().ok()?, entry.path()))
            })
            .collect();
        files.sort();
        files.iter().map(|(_, path)| parse(path)).collect()
    }

    /// The messages received for `to`, oldest first.
    pub fn messages_to(&self, to: &str) -> Vec<Message> {
        self.messages()
            .into_iter()
            .filter(|m| m.to.iter().any(|r| r.eq_ignore_ascii_case(to)))
            .collect()
    }

    /// Waits up to `timeout` for a message to `to` that this method has not handed out
    /// yet, and returns the newest one; panics when none comes.
    pub async fn wait_for(&self, to: &str, timeout: Duration) -> Message {
        let key = to.to_lowercase();
        let deadline = Instant::now() + timeout;
        loop {
            let received = self.messages_to(to);
            let seen = {
                let mut handed_out = self.handed_out.lock().expect("lock");
                let seen = handed_out.get(&key).copied().unwrap_or(0);
                if received.len() > seen {
                    handed_out.insert(key.clone(), received.len());
                }
                seen
            };
            if received.len() > seen
                && let Some(newest) = received.last()
            {
                return newest.clone();
            }
            assert!(
                Instant::now() < deadline,
                "no new message to {to} within {timeout:?} ({seen} before)"
            );
            tokio::time::sleep(Duration::from_millis(50)).await;
        }
    }

    /// The 6-digit code of the next message to `to` (see [`SmtpSink::wait_for`]).
    pub async fn code_for(&self, to: &str) -> String {
        let message = self.wait_for(to, CODE_TIMEOUT).await;
        code_in(&message.text)
            .unwrap_or_else(|| panic!("no 6-digit code in the mail to {to}: {}", message.text))
    }
}

impl Drop for SmtpSink {
    fn drop(&mut self) {
        if let Some(mut server) = self.server.take() {
            let _ = server.kill();
            let _ = server.wait();
        }
        let _ = std::fs::remove_dir_all(&self.dir);
    }
}

/// The Python that has aiosmtpd: `LATCHKEY_TEST_PYTHON`, else the virtualenv that
/// `scripts/test` makes, else `python3`.
fn python() -> PathBuf {
    if let Some(python) = std::env::var_os("LATCHKEY_TEST_PYTHON") {
        return PathBuf::from(python);
    }
    let venv = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/test-python/bin/python");
    if venv.exists() {
        venv
    } else {
        PathBuf::from("python3")
    }
}

async fn accepts(port: u16) -> bool {
    tokio::net::TcpStream::connect(("127.0.0.1", port))
        .await
        .is_ok()
}

fn parse(path: &Path) -> Message {
    let raw = std::fs::read(path).expect("read a received message");
    let parsed = mail_parser::MessageParser::default()
        .parse(&raw)
        .unwrap_or_else(|| panic!("unparsable message {}", path.display()));
    Message {
        to: parsed
            .header_raw("X-RcptTo")
            .unwrap_or_default()
            .split(',')
            .map(|r| r.trim().to_owned())
            .filter(|r| !r.is_empty())
            .collect(),
        from: parsed
            .from()
            .and_then(|a| a.first())
            .and_then(|a| a.address())
            .unwrap_or_default()
            .to_owned(),
        subject: parsed.subject().unwrap_or_default().to_owned(),
        text: parsed.body_text(0).unwrap_or_default().into_owned(),
        html: parsed.body_html(0).unwrap_or_default().into_owned(),
        raw: String::from_utf8_lossy(&raw).into_owned(),
    }
}

/// The first run of exactly six digits in `text`.
fn code_in(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    (0..bytes.len().saturating_sub(5)).find_map(|i| {
        let boundary = |j: Option<&u8>| !j.is_some_and(u8::is_ascii_digit);
        let digits = &bytes[i..i + 6];
        (digits.iter().all(u8::is_ascii_digit)
            && boundary(i.checked_sub(1).and_then(|j| bytes.get(j)))
            && boundary(bytes.get(i + 6)))
        .then(|| String::from_utf8_lossy(digits).into_owned())
    })
}

#[cfg(test)]
mod tests {
    use super::code_in;

    #[test]
    fn a_code_is_six_digits_alone() {
        assert_eq!(
            code_in("Use this:\n\n    123456\n").as_deref(),
            Some("123456")
        );
        assert_eq!(
            code_in("in 10 minutes, 1234567 then 654321.").as_deref(),
            Some("654321")
        );
        assert_eq!(code_in("no code"), None);
    }
}
