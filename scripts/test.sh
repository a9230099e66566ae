#!/usr/bin/env bash
# Runs every check and test of the project: formatting, lints, the Rust test suites (unit, the
# shared TOML case suite, differential proptests, CLI end-to-end tests, generator checks) and the
# doc examples; the fuzz targets are formatted, type-checked and linted on stable, without
# libFuzzer (running them needs nightly and cargo-fuzz: see the README). fuzz/ is a workspace of
# its own with its own Cargo.lock: when the core's dependencies change, update that lock too
# (`cargo update --manifest-path fuzz/Cargo.toml -p iocmatch`). Ends with one summary line of
# passed and failed tests.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
cargo fmt --manifest-path fuzz/Cargo.toml -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
cargo clippy --manifest-path fuzz/Cargo.toml --locked --no-default-features -- -D warnings
echo "== cargo test"
log=$(mktemp)
trap 'rm -f "$log"' EXIT
status=0
cargo test --workspace --locked 2>&1 | tee "$log" || status=$?
passed=$(grep -E '^test result:' "$log" | awk '{s += $4} END {print s + 0}')
failed=$(grep -E '^test result:' "$log" | awk '{s += $6} END {print s + 0}')
echo "summary: ${passed} passed, ${failed} failed"
exit "$status"
