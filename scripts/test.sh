#!/usr/bin/env bash
# Runs every check and test of the project: formatting, lints, the Rust test suites (unit, the
# shared TOML case suite, differential proptests, CLI end-to-end tests) and the doc examples.
set -euo pipefail
cd "$(dirname "$0")/.."

echo "== cargo fmt --check"
cargo fmt --all -- --check
echo "== cargo clippy"
cargo clippy --workspace --all-targets --locked -- -D warnings
echo "== cargo test"
cargo test --workspace --locked
