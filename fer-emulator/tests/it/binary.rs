//! The `fer-emulator` program: starts, prints its base URL and credentials, serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::json;

#[tokio::test]
async fn the_binary_prints_its_url_and_credentials_and_serves() {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_fer-emulator"))
            .args(["--listen", "127.0.0.1:0", "--username", "1.2.643.5.1.13.13.12.2.86.8902", "--password", "s3cret"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let base_url = first.rsplit(' ').next().unwrap().to_owned();
    assert!(base_url.starts_with("http://127.0.0.1:"), "{first}");
    let user = lines.next().unwrap().unwrap();
    let password = lines.next().unwrap().unwrap();
    assert!(user.ends_with("1.2.643.5.1.13.13.12.2.86.8902") && password.ends_with("s3cret"));

    let body = json!({"username": "1.2.643.5.1.13.13.12.2.86.8902", "password": "s3cret"});
    let (status, answer) =
        crate::common::send(reqwest::Client::new().post(format!("{base_url}/auth.svc")).body(body.to_string())).await;
    drop(child);
    assert_eq!(status, 200, "{answer}");
    assert_eq!(answer["IsSuccess"], true);
}

/// Before: Ctrl-C only, and a half-sent request held the stopping program. SIGTERM now stops it
/// too, and after the grace (short here) it exits 0 with the half-sent request still open.
#[tokio::test]
async fn sigterm_stops_the_binary_within_its_grace_even_with_a_half_sent_request() {
    use tokio::io::AsyncWriteExt;
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_fer-emulator"))
            .args(["--listen", "127.0.0.1:0", "--shutdown-grace-ms", "300"])
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let mut lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    let first = lines.next().unwrap().unwrap();
    let addr = first.rsplit(' ').next().unwrap().trim_start_matches("http://").to_owned();
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"POST /api/slot HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"data\":[").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    let kill = Command::new("kill").args(["-TERM", &child.0.id().to_string()]).status().unwrap();
    assert!(kill.success());
    let limit = std::time::Instant::now() + std::time::Duration::from_secs(30);
    let status = loop {
        if let Some(status) = child.0.try_wait().unwrap() {
            break status;
        }
        assert!(std::time::Instant::now() < limit, "still running 30 s after SIGTERM");
        tokio::time::sleep(std::time::Duration::from_millis(50)).await;
    };
    assert_eq!(status.code(), Some(0));
    drop(half);
}

/// Kills the child process when dropped, also when an assertion fails first.
struct Killed(std::process::Child);

impl Drop for Killed {
    fn drop(&mut self) {
        let _ = self.0.kill();
        let _ = self.0.wait();
    }
}

#[test]
fn the_default_listen_address_is_2100() {
    // Not started on the fixed port (tests never bind fixed ports): the help states the default.
    let out = Command::new(env!("CARGO_BIN_EXE_fer-emulator")).arg("--help").output().unwrap();
    let help = String::from_utf8_lossy(&out.stdout);
    assert!(out.status.success());
    assert!(help.contains("[default: 127.0.0.1:2100]"), "{help}");
    assert!(help.contains("--state") && help.contains("--username") && help.contains("--password"), "{help}");
    assert!(help.contains("--unavailable-ratio") && help.contains("--drop-ratio"), "{help}");
    let bad = Command::new(env!("CARGO_BIN_EXE_fer-emulator")).args(["--drop-ratio", "3"]).output().unwrap();
    assert!(!bad.status.success());
    assert!(String::from_utf8_lossy(&bad.stderr).contains("--drop-ratio"));
}
