//! The webhook over loopback, interleaved: many short rounds, each timing a few calls to every
//! server in turn, so that a slow spell of the shared machine (another build, a frequency change)
//! falls on all three servers alike instead of on whichever criterion happened to be measuring.
//!
//! Each round times `CALLS` book calls to each of the three servers of [`fer_benches::loopback`]
//! (the order rotates and reverses from round to round, so no server always goes first), and
//! gives one ratio per pair. The figures are the medians over the rounds of the time per call and
//! of the paired ratios, with their quartiles. They are saved in `target/fer-benches/webhook_ab.json`
//! ([`Interleaved::path`]), so `benches/run.sh` puts them in `BENCHMARKS.md` (group
//! [`WEBHOOK_AB`]) and judges the "within 10 % of bare hyper" target on the median of the paired
//! ratios.
//!
//! Run: `cargo bench -p fer-benches --bench webhook_ab`. Settings from the environment:
//! `FER_AB_ROUNDS` (default 300), `FER_AB_CALLS` (calls per server and round, default 40);
//! `FER_AB_ONLY=ours|bare|by-hand` calls only that server for `FER_AB_SECONDS` (default 20), and
//! `FER_AB_ONLY=handle` (or `handle-by-hand`) calls `WebhookService::handle` (or the hand-written
//! serde handler) in-process `FER_AB_ROUNDS` times, no socket: the modes to run under a profiler
//! (`perf record`, `valgrind --tool=callgrind`).

use std::hint::black_box;
use std::process::ExitCode;
use std::time::{Duration, Instant};

use fer_benches::baseline::book_by_hand;
use fer_benches::inputs::{BenchMis, book_call};
use fer_benches::loopback::{Loopback, LoopbackError, Server, quantile};
use fer_benches::names::{WEBHOOK_AB, WEBHOOK_HANDLE, WEBHOOK_HANDLE_BY_HAND};
use fer_benches::report::{Interleaved, Paired};

fn setting(name: &str, default: u64) -> u64 {
    std::env::var(name).ok().and_then(|v| v.parse().ok()).filter(|v| *v > 0).unwrap_or(default)
}

/// Run by `cargo bench` (which passes `--bench`), or as a smoke test by `cargo test --benches`
/// (two short rounds, nothing saved), as criterion does.
fn main() -> ExitCode {
    // A filter that names another bench skips this one, as criterion does.
    let filter = std::env::args().skip(1).find(|a| !a.starts_with('-'));
    if filter.is_some_and(|f| !WEBHOOK_AB.contains(&f) && !"webhook_ab".contains(&f)) {
        return ExitCode::SUCCESS;
    }
    let measure = std::env::args().any(|a| a == "--bench");
    match run(measure) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("webhook_ab: {e}");
            ExitCode::FAILURE
        }
    }
}

fn run(measure: bool) -> Result<(), Box<dyn std::error::Error>> {
    match std::env::var("FER_AB_ONLY").as_deref() {
        Ok("handle") => return Ok(in_process(setting("FER_AB_ROUNDS", 100_000), false)?),
        Ok("handle-by-hand") => return Ok(in_process(setting("FER_AB_ROUNDS", 100_000), true)?),
        _ => {}
    }
    let loopback = Loopback::start()?;
    if let Ok(only) = std::env::var("FER_AB_ONLY") {
        let server = match only.as_str() {
            "ours" => Server::Ours,
            "bare" => Server::Bare,
            "by-hand" => Server::ByHand,
            other => {
                return Err(
                    format!("FER_AB_ONLY={other}: expected ours, bare, by-hand, handle or handle-by-hand").into()
                );
            }
        };
        return Ok(profile(&loopback, server, Duration::from_secs(setting("FER_AB_SECONDS", 20)))?);
    }
    let (rounds, calls, warm_up) =
        if measure { (setting("FER_AB_ROUNDS", 300) as usize, setting("FER_AB_CALLS", 40), 500) } else { (2, 2, 2) };
    for server in Server::ALL {
        loopback.time_calls(server, warm_up)?;
    }
    let mut per_call: [Vec<f64>; 3] = Default::default();
    for round in 0..rounds {
        let mut order = Server::ALL;
        order.rotate_left(round % 3);
        if (round / 3) % 2 == 1 {
            order.reverse();
        }
        for server in order {
            let elapsed = loopback.time_calls(server, calls)?;
            per_call[server.index()].push(elapsed.as_nanos() as f64 / calls as f64);
        }
    }
    let ratios = |a: Server, b: Server| -> Vec<f64> {
        per_call[a.index()].iter().zip(&per_call[b.index()]).map(|(a, b)| a / b).collect()
    };
    println!("{WEBHOOK_AB}: {rounds} rounds × {calls} calls per server");
    let mut medians_ns = Vec::new();
    for server in Server::ALL {
        let times = &per_call[server.index()];
        let (q1, median, q3) = quartiles(times);
        println!(
            "  {:<40} median {:>8.2} µs per call (quartiles {:.2}–{:.2})",
            server.bench_name(),
            median / 1e3,
            q1 / 1e3,
            q3 / 1e3
        );
        medians_ns.push((server.bench_name().to_owned(), median));
    }
    let mut paired = Vec::new();
    for (a, b) in [(Server::Ours, Server::Bare), (Server::Ours, Server::ByHand), (Server::ByHand, Server::Bare)] {
        let (q1, median, q3) = quartiles(&ratios(a, b));
        println!(
            "  {} / {}: median of the paired ratios {median:.3} (quartiles {q1:.3}–{q3:.3})",
            a.bench_name(),
            b.bench_name()
        );
        let (bench, baseline) = (a.bench_name().to_owned(), b.bench_name().to_owned());
        paired.push(Paired { bench, baseline, rounds, q1, median, q3 });
    }
    if measure {
        save(&Interleaved { medians_ns, paired });
    }
    Ok(())
}

/// Calls one server for `length`, for a profiler to watch.
fn profile(loopback: &Loopback, server: Server, length: Duration) -> Result<(), LoopbackError> {
    let start = Instant::now();
    let mut calls = 0u64;
    while start.elapsed() < length {
        loopback.time_calls(server, 1_000)?;
        calls += 1_000;
    }
    let per_call = start.elapsed().as_nanos() as f64 / calls as f64;
    println!("{}: {calls} calls, {:.2} µs per call", server.bench_name(), per_call / 1e3);
    Ok(())
}

/// `WebhookService::handle` (or, `by_hand`, the hand-written serde handler) on the book call,
/// `calls` times on a current-thread runtime.
fn in_process(calls: u64, by_hand: bool) -> Result<(), LoopbackError> {
    let runtime = tokio::runtime::Builder::new_current_thread().enable_all().build()?;
    let service = fer_webhook::WebhookService::new(BenchMis);
    let start = Instant::now();
    runtime.block_on(async {
        for _ in 0..calls {
            let request = black_box(book_call());
            if by_hand {
                black_box(book_by_hand(request.body()));
            } else {
                black_box(service.handle(request).await);
            }
        }
    });
    let per_call = start.elapsed().as_nanos() as f64 / calls.max(1) as f64;
    let name = if by_hand { WEBHOOK_HANDLE_BY_HAND } else { WEBHOOK_HANDLE };
    println!("{name}: {calls} calls in-process, {:.2} µs per call", per_call / 1e3);
    Ok(())
}

fn quartiles(values: &[f64]) -> (f64, f64, f64) {
    let q = |p| quantile(values, p).unwrap_or(f64::NAN);
    (q(0.25), q(0.5), q(0.75))
}

/// Saves the run where the report reads it ([`Interleaved::path`]).
fn save(run: &Interleaved) {
    let path = Interleaved::path();
    let written = serde_json::to_vec_pretty(run).map_err(std::io::Error::other).and_then(|json| {
        if let Some(dir) = path.parent() {
            std::fs::create_dir_all(dir)?;
        }
        std::fs::write(&path, json)
    });
    if let Err(e) = written {
        eprintln!("webhook_ab: cannot save the figures to {}: {e}", path.display());
    }
}
