# The local AWS stack, sourced by the demo and test commands (not run on its own).
#
#   stack_install   creates .local/venv and installs the pinned requirements.txt into it
#   stack_install_s3, stack_start_s3
#                   builds and starts s3s-fs, an S3 server that checks presigned URLs,
#                   and exports PORTAL_LOCAL_S3_ENDPOINT (the attachment tests use it)
#   stack_start     starts moto's server (one request at a time, see moto_server.py) on a free
#                   loopback port, exports PORTAL_LOCAL_ENDPOINT,
#                   and stops it again when the calling script exits; its arguments go to
#                   moto_server.py (the benchmarks pass --light-transactions)
#
# moto's server speaks DynamoDB, S3, SES and EventBridge Scheduler on one port.

STACK_ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)"
STACK_DIR="$STACK_ROOT/.local"
STACK_VENV="$STACK_DIR/venv"
export PORTAL_PYTHON="$STACK_VENV/bin/python"

stack_install() {
  mkdir -p "$STACK_DIR"
  local requirements="$STACK_ROOT/infra/local/requirements.txt"
  local stamp="$STACK_VENV/.requirements"
  if [ -x "$PORTAL_PYTHON" ] && cmp -s "$requirements" "$stamp"; then
    return 0
  fi
  echo "==> installing the local AWS stack (pinned in infra/local/requirements.txt)"
  python3 -m venv "$STACK_VENV"
  "$PORTAL_PYTHON" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
}

# An S3 server that checks SigV4 presigned URLs (moto's S3 accepts any upload), for the
# attachment tests: s3s-fs, built once into .local/s3s.
S3S_VERSION="0.14.0"
S3S_BIN="$STACK_DIR/s3s/bin/s3s-fs"

stack_install_s3() {
  if [ -x "$S3S_BIN" ] && [ "$("$S3S_BIN" --version 2>/dev/null)" = "s3s-fs $S3S_VERSION" ]; then
    return 0
  fi
  echo "==> installing s3s-fs $S3S_VERSION (an S3 server that verifies presigned URLs)"
  cargo install --quiet --locked --root "$STACK_DIR/s3s" --version "$S3S_VERSION" \
    --features binary s3s-fs
}

stack_start_s3() {
  local port data
  port="$("$PORTAL_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  data="$(mktemp -d "$STACK_DIR/s3s-data.XXXXXX")"
  "$S3S_BIN" --host 127.0.0.1 --port "$port" --access-key testing --secret-key testing "$data" \
    >"$STACK_DIR/s3s.log" 2>&1 &
  S3S_PID=$!
  S3S_DATA="$data"
  export PORTAL_LOCAL_S3_ENDPOINT="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if "$PORTAL_PYTHON" -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=1)" "$port" 2>/dev/null; then
      echo "==> S3 (s3s-fs) listening on $PORTAL_LOCAL_S3_ENDPOINT"
      return 0
    fi
    sleep 0.2
  done
  echo "s3s-fs did not start; its log:" >&2
  cat "$STACK_DIR/s3s.log" >&2
  return 1
}

# schemathesis, for the property-based API tests, in a virtual environment of its own.
ST_VENV="$STACK_DIR/st-venv"

stack_install_schemathesis() {
  local requirements="$STACK_ROOT/infra/local/api-test-requirements.txt"
  local stamp="$ST_VENV/.requirements"
  if [ -x "$ST_VENV/bin/st" ] && cmp -s "$requirements" "$stamp"; then
    return 0
  fi
  echo "==> installing schemathesis (pinned in infra/local/api-test-requirements.txt)"
  python3 -m venv "$ST_VENV"
  "$ST_VENV/bin/python" -m pip install --quiet --disable-pip-version-check -r "$requirements"
  cp "$requirements" "$stamp"
}

# The local API (target/debug/local-api) on a free port, against the running local stack.
stack_start_api() {
  local port
  port="$("$PORTAL_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  PORTAL_API_PORT="$port" "$STACK_ROOT/target/debug/local-api" serve >"$STACK_DIR/api.log" 2>&1 &
  API_PID=$!
  export PORTAL_API_URL="http://127.0.0.1:$port"
  for _ in $(seq 1 150); do
    if "$PORTAL_PYTHON" -c "import socket, sys; socket.create_connection(('127.0.0.1', int(sys.argv[1])), timeout=1)" "$port" 2>/dev/null; then
      echo "==> local API listening on $PORTAL_API_URL"
      return 0
    fi
    sleep 0.2
  done
  echo "the local API did not start; its log:" >&2
  cat "$STACK_DIR/api.log" >&2
  return 1
}

stack_stop() {
  if [ -n "${API_PID:-}" ] && kill -0 "$API_PID" 2>/dev/null; then
    kill "$API_PID" 2>/dev/null || true
    wait "$API_PID" 2>/dev/null || true
  fi
  API_PID=""
  if [ -n "${STACK_PID:-}" ] && kill -0 "$STACK_PID" 2>/dev/null; then
    kill "$STACK_PID" 2>/dev/null || true
    wait "$STACK_PID" 2>/dev/null || true
  fi
  STACK_PID=""
  if [ -n "${S3S_PID:-}" ] && kill -0 "$S3S_PID" 2>/dev/null; then
    kill "$S3S_PID" 2>/dev/null || true
    wait "$S3S_PID" 2>/dev/null || true
  fi
  S3S_PID=""
  if [ -n "${S3S_DATA:-}" ]; then
    rm -rf "$S3S_DATA"
  fi
  S3S_DATA=""
}

stack_start() {
  local port
  port="$("$PORTAL_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  MOTO_PORT="$port" "$PORTAL_PYTHON" "$STACK_ROOT/infra/local/moto_server.py" --port "$port" "$@" >"$STACK_DIR/moto.log" 2>&1 &
  STACK_PID=$!
  trap stack_stop EXIT
  export PORTAL_LOCAL_ENDPOINT="http://127.0.0.1:$port"
  for _ in $(seq 1 100); do
    if "$PORTAL_PYTHON" -c "import urllib.request, sys; urllib.request.urlopen(sys.argv[1] + '/moto-api/data.json', timeout=1)" "$PORTAL_LOCAL_ENDPOINT" 2>/dev/null; then
      echo "==> local AWS stack (moto) listening on $PORTAL_LOCAL_ENDPOINT"
      return 0
    fi
    if ! kill -0 "$STACK_PID" 2>/dev/null; then
      echo "moto did not start; its log:" >&2
      cat "$STACK_DIR/moto.log" >&2
      return 1
    fi
    sleep 0.2
  done
  echo "moto did not answer on $PORTAL_LOCAL_ENDPOINT within 20 s; its log:" >&2
  cat "$STACK_DIR/moto.log" >&2
  return 1
}
