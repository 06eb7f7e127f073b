#!/usr/bin/env bash
# The API on your laptop, for the front end.
#
#   infra/local/api.sh                 serves every route on http://127.0.0.1:8787 (PORTAL_API_PORT)
#                                      against a local AWS stack it starts and stops (Ctrl-C)
#   infra/local/api.sh token --role customer --account acc-demo --locale fr
#                                      prints a development token for `Authorization: Bearer …`
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/stack.sh"
cd "$STACK_ROOT"

if [ "${1:-}" = "token" ]; then
  cargo build --quiet -p portal-tests --bin local-api
  exec "$STACK_ROOT/target/debug/local-api" "$@"
fi

stack_install
echo "==> building the local API"
cargo build --quiet -p portal-tests --bin local-api
stack_start
"$STACK_ROOT/target/debug/local-api" serve
