//! `latchkey-bench`: starts a release `latchkey` on a fresh database, seeds users with a
//! passkey each over HTTP, drives complete discoverable sign-ins from concurrent clients
//! for a fixed time, and reports throughput, latency percentiles, server CPU per sign-in,
//! server peak RSS, and the in-process ceiling of assertion verification.

mod ceiling;
mod fill;
mod load;
mod server;

use clap::Parser;
use std::path::PathBuf;
use std::time::Duration;

/// Measure Latchkey's sign-in throughput, latency and memory.
#[derive(Debug, Parser)]
#[command(name = "latchkey-bench")]
pub struct Args {
    /// Users to register over HTTP, each with one passkey; the sign-ins use them.
    #[arg(long, default_value_t = 10_000)]
    pub users: usize,
    /// Fill the database to 1,000,000 users: besides the --users registered over HTTP,
    /// filler users with a passkey each are written straight into the database.
    #[arg(long)]
    pub million: bool,
    /// Concurrent clients.
    #[arg(long, default_value_t = 32)]
    pub clients: usize,
    /// Seconds of sign-ins to measure.
    #[arg(long, default_value_t = 20)]
    pub seconds: u64,
    /// Run the server on PostgreSQL: a server URL whose user may create databases.
    #[arg(long)]
    pub postgres: Option<String>,
    /// The `latchkey` binary (default: beside this one).
    #[arg(long)]
    pub server: Option<PathBuf>,
    /// Seconds of the in-process verification ceiling measurement.
    #[arg(long, default_value_t = 3)]
    pub ceiling_seconds: u64,
    /// Measure only the in-process verification ceiling (no server, no sign-ins).
    #[arg(long)]
    pub ceiling_only: bool,
}

#[tokio::main]
async fn main() -> std::process::ExitCode {
    let args = Args::parse();
    match run(&args).await {
        Ok(0) => std::process::ExitCode::SUCCESS,
        Ok(errors) => {
            eprintln!("latchkey-bench: {errors} request(s) failed");
            std::process::ExitCode::FAILURE
        }
        Err(err) => {
            eprintln!("latchkey-bench: {err}");
            std::process::ExitCode::FAILURE
        }
    }
}

/// Runs the whole benchmark and prints the report; returns the error count.
async fn run(args: &Args) -> Result<u64, String> {
    if args.ceiling_only {
        let ceiling = ceiling::measure(Duration::from_secs(args.ceiling_seconds));
        print_ceiling(&ceiling);
        return Ok(0);
    }
    let binary = match &args.server {
        Some(path) => path.clone(),
        None => server::sibling_binary()?,
    };
    let filler = if args.million {
        1_000_000_usize.saturating_sub(args.users)
    } else {
        0
    };
    println!(
        "latchkey-bench: {} users ({} signing in), {} clients, {} s, {}",
        args.users + filler,
        args.users,
        args.clients,
        args.seconds,
        if args.postgres.is_some() {
            "PostgreSQL"
        } else {
            "SQLite"
        }
    );
    let measured = ceiling::measure(Duration::from_secs(args.ceiling_seconds));
    let ceiling = measured.latchkey;
    let server = server::Server::start(&binary, args.postgres.as_deref()).await?;
    if filler > 0 {
        let took = fill::fill(&server.database, filler).await?;
        println!(
            "filler users               {filler:>10}   (written into the database in {:.1} s)",
            took.as_secs_f64()
        );
    }
    let seeded = load::seed(&server.url, args.users, args.clients).await?;
    let cpu_before = server.cpu_seconds()?;
    let run = load::sign_ins(
        &server.url,
        seeded.users,
        args.clients,
        Duration::from_secs(args.seconds),
    )
    .await;
    let cpu = server.cpu_seconds()? - cpu_before;
    let rss = server.peak_rss_kib()?;
    let sign_ins = run.completed as f64;
    let per_sec = sign_ins / run.elapsed.as_secs_f64();
    let cpu_per_sign_in_ms = if sign_ins > 0.0 {
        cpu * 1000.0 / sign_ins
    } else {
        0.0
    };
    let ceiling_ms = 1000.0 / ceiling;
    println!();
    println!(
        "registrations/s            {:>10.0}   ({} users seeded in {:.1} s)",
        seeded.per_second,
        args.users,
        seeded.elapsed.as_secs_f64()
    );
    println!(
        "sign-ins/s                 {per_sec:>10.0}   ({} complete sign-ins in {:.1} s)",
        run.completed,
        run.elapsed.as_secs_f64()
    );
    println!(
        "errors                     {:>10}",
        run.errors + seeded.errors
    );
    println!("latency ms                       p50      p95      p99      max");
    for (name, histogram) in &run.latencies {
        println!("  {name:<24} {}", histogram.summary());
    }
    println!("server CPU per sign-in     {cpu_per_sign_in_ms:>10.3} ms");
    println!(
        "server peak RSS            {:>10.1} MiB",
        rss as f64 / 1024.0
    );
    print_ceiling(&measured);
    println!(
        "CPU per sign-in / ceiling  {:>10.2}x",
        cpu_per_sign_in_ms / ceiling_ms
    );
    server.stop();
    Ok(run.errors + seeded.errors)
}

/// Prints both verifiers' ceilings and how many times faster Latchkey's is.
fn print_ceiling(ceiling: &ceiling::Ceiling) {
    println!(
        "verify ceiling (1 core)    {:>10.0} assertions/s ({:.3} ms each)",
        ceiling.latchkey,
        1000.0 / ceiling.latchkey
    );
    println!(
        "  webauthn-rs, same run    {:>10.0} assertions/s ({:.3} ms each), {:.2}x slower",
        ceiling.webauthn_rs,
        1000.0 / ceiling.webauthn_rs,
        ceiling.latchkey / ceiling.webauthn_rs
    );
}
