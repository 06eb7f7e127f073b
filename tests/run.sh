#!/usr/bin/env bash
# Every test: formatting, lints, unit and integration tests against the local AWS stack, and
# the template lint. Installs what it needs (pinned) and starts and stops moto itself.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/local/stack.sh"
cd "$STACK_ROOT"

stack_install
stack_install_s3
echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> building the tests"
cargo test --workspace --no-run --quiet
stack_start
stack_start_s3
echo "==> unit and integration tests"
# The functions' error logs (a 500's cause) are shown, nothing else.
PORTAL_TEST_LOG=1 RUST_LOG="${RUST_LOG:-error}" cargo test --workspace
stack_stop
echo "==> template lint"
bash "$STACK_ROOT/tests/lint-template.sh"
