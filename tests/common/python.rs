//! The Python reference interpreter: `RADFLOW_PYTHON`, else `python3`. A test that needs a
//! package the interpreter lacks fails with a message naming it (never skips).

use std::process::Command;

pub fn python() -> String {
    std::env::var("RADFLOW_PYTHON")
        .ok()
        .filter(|p| !p.is_empty())
        .unwrap_or_else(|| "python3".into())
}

/// Panics naming the first of `packages` (import names) that `python()` cannot import.
pub fn require(packages: &[&str]) {
    let interpreter = python();
    for package in packages {
        let ok = Command::new(&interpreter)
            .args(["-c", &format!("import {package}")])
            .status()
            .is_ok_and(|s| s.success());
        assert!(
            ok,
            "the Python package `{package}` is missing in `{interpreter}`: install \
             requirements-dev.txt (scripts/setup-python.sh) or set RADFLOW_PYTHON"
        );
    }
}

/// Runs `python() -c script` in `dir`; its stdout. Panics with its stderr on failure.
pub fn run(dir: &std::path::Path, script: &str) -> String {
    run_args(dir, &["-c", script])
}

/// Runs `python() args...` in `dir`; its stdout. Panics with its stderr on failure.
pub fn run_args(dir: &std::path::Path, args: &[&str]) -> String {
    let output = Command::new(python())
        .current_dir(dir)
        .args(args)
        .output()
        .expect("python starts");
    assert!(
        output.status.success(),
        "python failed:\n{}",
        String::from_utf8_lossy(&output.stderr)
    );
    String::from_utf8_lossy(&output.stdout).into_owned()
}
