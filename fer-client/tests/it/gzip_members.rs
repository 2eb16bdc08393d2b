//! An answer gzipped as two members (RFC 1952 §2.2: a gzip stream is a series of members, as a
//! proxy or a streaming server may send) is read whole. A tiny real HTTP server on 127.0.0.1:0
//! plays the Vitrina: it answers `/auth.svc` plainly and a GET with a two-member gzip envelope.

use std::io::Write;

use fer_client::VitrinaClient;
use fer_model::{Mo, VitrinaResponse};
use flate2::Compression;
use flate2::write::GzEncoder;
use tokio::io::{AsyncReadExt, AsyncWriteExt};

fn member(data: &[u8]) -> Vec<u8> {
    let mut e = GzEncoder::new(Vec::new(), Compression::default());
    e.write_all(data).unwrap();
    e.finish().unwrap()
}

/// Serves every request on one connection each: `/auth.svc` gets a token, anything else `answer`
/// as two gzip members split in the middle.
async fn two_member_server(answer: Vec<u8>) -> String {
    let listener = tokio::net::TcpListener::bind("127.0.0.1:0").await.unwrap();
    let addr = listener.local_addr().unwrap();
    tokio::spawn(async move {
        while let Ok((mut stream, _)) = listener.accept().await {
            let answer = answer.clone();
            tokio::spawn(async move {
                let mut request = Vec::new();
                let mut buf = [0u8; 4096];
                loop {
                    if let Some(end) = request.windows(4).position(|w| w == b"\r\n\r\n") {
                        let head = String::from_utf8_lossy(&request[..end]).to_ascii_lowercase();
                        let length = head
                            .lines()
                            .find_map(|l| l.strip_prefix("content-length:"))
                            .map_or(0, |v| v.trim().parse::<usize>().unwrap());
                        if request.len() >= end + 4 + length {
                            break;
                        }
                    }
                    match stream.read(&mut buf).await {
                        Ok(0) | Err(_) => return,
                        Ok(n) => request.extend_from_slice(&buf[..n]),
                    }
                }
                let (body, gzip) = if request.starts_with(b"POST /auth.svc") {
                    let token = r#"{"Result":{"ValidTo":"2099-01-01T00:00:00Z","Value":"t0ken"},"IsSuccess":true,"ErrorMessage":"","StatusCode":200}"#;
                    (token.as_bytes().to_vec(), false)
                } else {
                    let (a, b) = answer.split_at(answer.len() / 2);
                    let mut two = member(a);
                    two.extend(member(b));
                    (two, true)
                };
                let encoding = if gzip { "content-encoding: gzip\r\n" } else { "" };
                let head = format!(
                    "HTTP/1.1 200 OK\r\ncontent-type: application/json\r\n{encoding}content-length: {}\r\nconnection: close\r\n\r\n",
                    body.len()
                );
                let _ = stream.write_all(head.as_bytes()).await;
                let _ = stream.write_all(&body).await;
            });
        }
    });
    format!("http://{addr}")
}

#[tokio::test]
async fn a_two_member_gzip_answer_is_read_whole() {
    let parent: fer_model::Oid = "1.2.643.5.1.13.13.12.2.77.7777".parse().unwrap();
    let mo = crate::common::mo(1, &parent);
    let answer = serde_json::to_vec(&VitrinaResponse::with_result(mo.clone())).unwrap();
    let url = two_member_server(answer).await;
    let client = VitrinaClient::builder().base_url(url).credentials(parent, "pw").build().unwrap();
    let got = client.get::<Mo>(&mo.id).await.unwrap();
    assert_eq!(got, Some(mo));
}
