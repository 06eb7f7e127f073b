#!/usr/bin/env bash
# The main job on the local AWS stack: a store manager raises a ticket in French through the
# real handler, support answers, she answers back, support proposes closure and the ticket closes
# by itself seven days later; each step prints what the stack holds. moto starts and stops here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
cd "$STACK_ROOT"

stack_install
echo "==> building the demo"
cargo build --quiet -p portal-tests --bin demo
stack_start
"$STACK_ROOT/target/debug/demo"
