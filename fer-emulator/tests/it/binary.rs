//! The `fer-emulator` program: starts, prints its base URL and credentials, serves.

use std::io::{BufRead, BufReader};
use std::process::{Command, Stdio};

use serde_json::json;

/// The program started with `args`, and the lines of its stdout.
fn start(args: &[&str]) -> (Killed, std::io::Lines<BufReader<std::process::ChildStdout>>) {
    let mut child = Killed(
        Command::new(env!("CARGO_BIN_EXE_fer-emulator"))
            .args(args)
            .stdout(Stdio::piped())
            .stderr(Stdio::null())
            .spawn()
            .unwrap(),
    );
    let lines = BufReader::new(child.0.stdout.take().unwrap()).lines();
    (child, lines)
}

#[tokio::test]
async fn the_binary_prints_its_url_and_credentials_and_serves() {
    let (child, mut lines) =
        start(&["--listen", "127.0.0.1:0", "--username", "1.2.643.5.1.13.13.12.2.86.8902", "--password", "s3cret"]);
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

/// Before: only Ctrl-C stopped the program cleanly; SIGTERM killed it with no drain. SIGTERM now
/// stops it too, and within the grace (short here) it exits 0 with a half-sent request still open.
#[tokio::test]
async fn sigterm_stops_the_binary_within_its_grace_even_with_a_half_sent_request() {
    use tokio::io::AsyncWriteExt;
    let (mut child, mut lines) = start(&["--listen", "127.0.0.1:0", "--shutdown-grace-ms", "300"]);
    let first = lines.next().unwrap().unwrap();
    let addr = first.rsplit(' ').next().unwrap().trim_start_matches("http://").to_owned();
    let mut half = tokio::net::TcpStream::connect(&addr).await.unwrap();
    half.write_all(b"POST /api/slot HTTP/1.1\r\nHost: x\r\nContent-Length: 1000\r\n\r\n{\"data\":[").await.unwrap();
    tokio::time::sleep(std::time::Duration::from_millis(200)).await;

    assert_eq!(fer_testkit::process::terminate(&mut child.0).await, Some(0));
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
