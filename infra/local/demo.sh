#!/usr/bin/env bash
# The main job on the local AWS stack: a ticket's whole life through the real handlers. A store
# manager raises a ticket in French, support answers, she attaches a photo and answers back, the
# ticket goes to second line and breaches its SLA, the counter goes through a return, support
# proposes closure, the ticket closes by itself seven days later, and the management overview is
# printed; each step prints what the stack holds. moto starts and stops here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
cd "$STACK_ROOT"

stack_install
echo "==> building the demo"
cargo build --quiet -p portal-tests --bin demo
stack_start
"$STACK_ROOT/target/debug/demo"
