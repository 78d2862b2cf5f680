#!/usr/bin/env bash
# Runs the browser end-to-end tests against a freshly started demo server.
#   e2e/run.sh [path/to/interdict]   (default: target/debug/interdict)
set -euo pipefail
here="$(cd "$(dirname "$0")" && pwd)"
root="$(cd "$here/.." && pwd)"
binary="${1:-$root/target/debug/interdict}"
[[ -x "$binary" ]] || { echo "no interdict binary at $binary (cargo build -p interdict)" >&2; exit 2; }
if [[ ! -d "$here/node_modules/playwright-core" ]]; then (cd "$here" && npm ci --no-audit --no-fund); fi

work="$(mktemp -d)"
log="$work/server.log"
"$binary" demo --dir "$work/demo" --listen 127.0.0.1:0 >"$log" 2>"$work/server.err" &
server=$!
cleanup() {
  kill "$server" 2>/dev/null || true
  wait "$server" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT

url=""
for _ in $(seq 1 600); do
  url="$(grep -oE 'Interdict is serving at http://[^ ]+' "$log" | head -1 | sed 's/^Interdict is serving at //' || true)"
  [[ -n "$url" ]] && break
  if ! kill -0 "$server" 2>/dev/null; then
    echo "the demo server exited before serving:" >&2; cat "$log" "$work/server.err" >&2; exit 2
  fi
  sleep 0.5
done
[[ -n "$url" ]] || { echo "the demo server did not serve within 5 minutes" >&2; tail -20 "$log" "$work/server.err" >&2; exit 2; }
url="${url%/}"
echo "server: $url"

export INTERDICT_URL="$url"
status=0
(cd "$here" && node --test --test-concurrency=1 tests/) || status=$?
exit $status
