//! The benchmark runs end to end on a tiny load and reports zero errors. It measures
//! nothing: speed is reported by the benchmark itself, never asserted in tests.

use std::process::Command;

#[test]
fn a_tiny_benchmark_completes_without_errors() {
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
        .output()
        .expect("run latchkey-bench");
    let report = String::from_utf8_lossy(&out.stdout);
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
}
