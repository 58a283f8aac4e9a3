//! The benchmark runs end to end on a tiny load and reports zero errors. It measures
//! nothing: speed is reported by the benchmark itself, never asserted in tests.

use std::process::Command;

/// Runs `latchkey-bench` with a tiny load plus `extra` flags; returns its report after
/// checking that it succeeded with zero errors.
fn run_tiny(extra: &[&str]) -> String {
    let bench = std::path::Path::new(env!("CARGO_BIN_EXE_latchkey-bench"));
    let server = bench.with_file_name("latchkey");
    assert!(
        server.exists(),
        "build the server first: cargo build -p latchkey-server"
    );
    let out = Command::new(bench)
        .args([
            "--users",
            "8",
            "--clients",
            "2",
            "--seconds",
            "1",
            "--ceiling-seconds",
            "1",
        ])
        .args(extra)
        .output()
        .expect("run latchkey-bench");
    let report = String::from_utf8_lossy(&out.stdout).into_owned();
    assert!(
        out.status.success(),
        "{report}\n{}",
        String::from_utf8_lossy(&out.stderr)
    );
    let errors = report
        .lines()
        .find(|l| l.starts_with("errors"))
        .unwrap_or_default();
    assert_eq!(errors.split_whitespace().last(), Some("0"), "{report}");
    assert!(
        report.contains("sign-ins/s") && report.contains("verify ceiling"),
        "{report}"
    );
    report
}

#[test]
fn a_tiny_benchmark_completes_without_errors() {
    run_tiny(&[]);
}

#[test]
fn a_million_user_database_is_filled_directly_and_signed_in_against() {
    let report = run_tiny(&["--million"]);
    assert!(
        report.contains("1000000 users (8 signing in)") && report.contains("999992"),
        "{report}"
    );
}
