#!/usr/bin/env bash
# The main job on the local AWS stack: a store manager raises a ticket, in French, through the
# real handler; then the response, the stored ticket, the e-mails SES received and the triage
# schedule are printed, all read back from the stack. moto is started and stopped here.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
cd "$STACK_ROOT"

stack_install
echo "==> building the demo"
cargo build --quiet -p portal-tests --bin raise-demo
stack_start
"$STACK_ROOT/target/debug/raise-demo"
