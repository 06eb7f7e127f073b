#!/usr/bin/env bash
# Counts the AWS requests of each API operation and scheduled function against the local stack,
# at the SDK, and prints them as a table (also written to target/bench/aws-calls.json). A first
# part of the benchmarks: it reports figures and never fails on them.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
cd "$STACK_ROOT"

stack_install
cargo build --quiet -p portal-tests --bin aws-calls
stack_start
"$STACK_ROOT/target/debug/aws-calls"
