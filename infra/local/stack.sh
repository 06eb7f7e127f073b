# The local AWS stack, sourced by the demo and test commands (not run on its own).
#
#   stack_install   creates .local/venv and installs the pinned requirements.txt into it
#   stack_start     starts moto's server (one request at a time, see moto_server.py) on a free
#                   loopback port, exports PORTAL_LOCAL_ENDPOINT,
#                   and stops it again when the calling script exits
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

stack_stop() {
  if [ -n "${STACK_PID:-}" ] && kill -0 "$STACK_PID" 2>/dev/null; then
    kill "$STACK_PID" 2>/dev/null || true
    wait "$STACK_PID" 2>/dev/null || true
  fi
  STACK_PID=""
}

stack_start() {
  local port
  port="$("$PORTAL_PYTHON" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
  MOTO_PORT="$port" "$PORTAL_PYTHON" "$STACK_ROOT/infra/local/moto_server.py" --port "$port" >"$STACK_DIR/moto.log" 2>&1 &
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
