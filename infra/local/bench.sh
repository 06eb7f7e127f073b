#!/usr/bin/env bash
# The benchmarks, in one command: size of each function's arm64 release build beside a
# hello-world lambda_runtime function, cold start and peak memory against a local stand-in for
# the Lambda Runtime API, handler CPU with AWS answered in-process (criterion), AWS requests and
# DynamoDB capacity per operation, the sweeps at 1,000/10,000/100,000 tickets, and the cost of
# 1,000 ticket lives at published prices. Prints the tables and writes target/bench/report.json
# (and report.txt). It reports figures and never fails on them.
#
#   infra/local/bench.sh           the whole run: on 2 cores, 30 to 75 minutes the first time
#                                  (by the machine), nearly all of it the release builds (fat
#                                  LTO, one link per function and target), which later runs
#                                  reuse; the measurements themselves take 10 to 15 minutes,
#                                  most of it the sweeps at 100,000 tickets
#   infra/local/bench.sh --quick   shorter measurements and sweeps up to 10,000 tickets
#
# Settings for the benchmark binary (tests/benches/portal.rs) pass through: BENCH_SCALE,
# BENCH_PARTS, BENCH_QUICK.
#
# It installs what it needs (pinned): the local stack, and cargo-lambda with zig in
# .local/bench-venv, and the arm64 standard library through rustup. moto starts and stops here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
cd "$STACK_ROOT"

case "$#:${1:-}" in
  0:) ;;
  1:--quick)
    export BENCH_QUICK=1
    export BENCH_SCALE="${BENCH_SCALE:-1000,10000}"
    ;;
  *)
    echo "usage: infra/local/bench.sh [--quick]" >&2
    exit 2
    ;;
esac

BENCH_VENV="$STACK_DIR/bench-venv"
bench_install() {
  local requirements="$STACK_ROOT/infra/local/bench-requirements.txt"
  local stamp="$BENCH_VENV/.requirements"
  if ! { [ -x "$BENCH_VENV/bin/cargo-lambda" ] && cmp -s "$requirements" "$stamp"; }; then
    echo "==> installing cargo-lambda and zig (pinned in infra/local/bench-requirements.txt)"
    python3 -m venv "$BENCH_VENV"
    "$BENCH_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
    cp "$requirements" "$stamp"
  fi
  if ! rustup target list --installed | grep -qx aarch64-unknown-linux-gnu; then
    echo "==> adding the arm64 standard library (rustup target add aarch64-unknown-linux-gnu)"
    rustup target add aarch64-unknown-linux-gnu
  fi
}

stack_install
bench_install
# cargo-lambda finds zig through the Python it is installed with.
export PATH="$BENCH_VENV/bin:$PATH"

echo "==> release builds for arm64, through cargo-lambda: every function and hello-world"
cargo lambda build --release --arm64 --workspace --exclude portal-tests
echo "==> native release builds of the same binaries, to run here"
cargo build --release --workspace --exclude portal-tests --bins
echo "==> building the benchmark"
cargo bench --no-run -p portal-tests --bench portal

stack_start --light-transactions
target="$(mkdir -p "${CARGO_TARGET_DIR:-$STACK_ROOT/target}" && cd "${CARGO_TARGET_DIR:-$STACK_ROOT/target}" && pwd)"
BENCH_ARM64_DIR="$target/lambda" BENCH_NATIVE_DIR="$target/release" \
  cargo bench --quiet -p portal-tests --bench portal
