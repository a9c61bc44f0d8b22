#!/usr/bin/env bash
# Starts the whole system the README's way (`npm start`) on a scratch database and spare ports,
# waits until ingest and console answer, then stops it with SIGINT as Ctrl-C would and checks it
# exits cleanly. Used by CI; safe to run by hand.
set -euo pipefail
cd "$(dirname "$0")/.."

db="sb_smoke_$$"
export DATABASE_URL="postgresql://postgres@127.0.0.1:5432/$db"
export QUEUE_PREFIX="smoke$$" INGEST_PORT=3910 CONSOLE_PORT=3911 LISTENER_METRICS_PORT=3912 INTERPRETER_METRICS_PORT=3913 DISPATCHER_METRICS_PORT=3914 SPOOL_DIR="$(mktemp -d)" LOG_DIR="$(mktemp -d)"
export ATTACHMENTS_DIR="$(mktemp -d)"
log=$(mktemp)
cleanup() {
  psql -q -h 127.0.0.1 -U postgres -d postgres -c "DROP DATABASE IF EXISTS \"$db\" WITH (FORCE)" >/dev/null 2>&1 || true
  redis-cli -h 127.0.0.1 --scan --pattern "$QUEUE_PREFIX:*" | xargs -r redis-cli -h 127.0.0.1 del >/dev/null 2>&1 || true
  rm -rf "$SPOOL_DIR" "$LOG_DIR" "$ATTACHMENTS_DIR" "$log"
}
trap cleanup EXIT

setsid npm start >"$log" 2>&1 &
pid=$!
ok=""
for _ in $(seq 1 300); do
  if curl -fsS "http://127.0.0.1:$INGEST_PORT/readyz" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$CONSOLE_PORT/healthz" >/dev/null 2>&1 \
    && curl -fsS "http://127.0.0.1:$LISTENER_METRICS_PORT/metrics" >/dev/null 2>&1 && curl -fsS "http://127.0.0.1:$INTERPRETER_METRICS_PORT/metrics" >/dev/null 2>&1 \
    && curl -fsS "http://127.0.0.1:$DISPATCHER_METRICS_PORT/metrics" >/dev/null 2>&1; then
    ok=1
    break
  fi
  kill -0 "$pid" 2>/dev/null || break
  sleep 0.2
done
if [ -z "$ok" ]; then
  echo "smoke: npm start did not come up; its output:"
  cat "$log"
  kill -TERM -- "-$pid" 2>/dev/null || true
  exit 1
fi
kill -INT -- "-$pid"
for _ in $(seq 1 150); do kill -0 "$pid" 2>/dev/null || break; sleep 0.2; done
if kill -0 "$pid" 2>/dev/null; then
  echo "smoke: npm start did not stop within 30 s of SIGINT; its output:"
  cat "$log"
  kill -KILL -- "-$pid" 2>/dev/null || true
  exit 1
fi
echo "smoke: npm start came up (ingest /readyz, console /healthz and the workers' /metrics answered) and stopped on SIGINT"
