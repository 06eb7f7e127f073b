#!/usr/bin/env bash
# Every test: formatting, lints, unit and integration tests against the local AWS stack, and
# the template lint. Installs what it needs (pinned) and starts and stops moto itself.
set -euo pipefail
source "$(dirname "${BASH_SOURCE[0]}")/../infra/local/stack.sh"
cd "$STACK_ROOT"

stack_install
stack_install_s3
stack_install_schemathesis
echo "==> cargo fmt --check"
cargo fmt --all -- --check
echo "==> cargo clippy"
cargo clippy --workspace --all-targets --quiet -- -D warnings
echo "==> building the tests and the local API"
cargo test --workspace --no-run --quiet
cargo build --quiet -p portal-tests --bin local-api
stack_start
stack_start_s3
echo "==> unit and integration tests"
# The functions' error logs (a 500's cause) are shown, nothing else.
PORTAL_TEST_LOG=1 RUST_LOG="${RUST_LOG:-error}" cargo test --workspace

echo "==> property-based API tests (schemathesis) against the local API"
stack_start_api
for role in first_line customer; do
  token="$("$STACK_ROOT/target/debug/local-api" token --role "$role")"
  echo "--- as $role"
  # Every check but 'positive_data_acceptance': business rules (a site for a site-level ticket,
  # the allowed file types…) reject some requests the schema alone would allow.
  "$ST_VENV/bin/st" run "$STACK_ROOT/infra/openapi.yaml" --url "$PORTAL_API_URL" \
    --header "Authorization: Bearer $token" --checks all --exclude-checks positive_data_acceptance \
    --phases examples,coverage,fuzzing --max-examples 30 --seed 7 --no-color
done
stack_stop
echo "==> template lint"
bash "$STACK_ROOT/tests/lint-template.sh"
