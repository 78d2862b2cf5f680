#!/usr/bin/env bash
# Load benchmark of the HTTP API: search, entity profile and neighbourhood endpoints at
# 200 concurrent clients for 60 s on the medium simulated world, embedded SQLite.
#
#   crates/server/bench/load.sh [DIR] [CLIENTS] [SECONDS]
#
# DIR (default target/load-demo) keeps the prepared world between runs: delete it to
# rebuild. Prints wrk's latency distribution; exits non-zero on any error or non-2xx.
# Needs wrk (Debian package; installed here when missing) and a release build.
set -euo pipefail
cd "$(dirname "$0")/../../.."
dir=${1:-target/load-demo}
clients=${2:-200}
seconds=${3:-60}
port=${PORT:-18181}
url="http://127.0.0.1:$port"

if ! command -v wrk >/dev/null; then
    apt-get install -y -qq wrk >/dev/null
fi
cargo build --release -q -p interdict
bin=target/release/interdict

if [ ! -f "$dir/interdict.sqlite" ]; then
    echo "preparing the medium world in $dir (simulate, ingest, resolve: several minutes)"
    "$bin" demo --dir "$dir" --scale medium --no-serve >"$dir.prepare.log" 2>&1 \
        || { tail -20 "$dir.prepare.log"; exit 1; }
fi

"$bin" serve --db "sqlite:$dir/interdict.sqlite" --listen "127.0.0.1:$port" --no-second-factor \
    >"$dir.serve.log" 2>&1 &
server=$!
trap 'kill $server 2>/dev/null || true' EXIT
for _ in $(seq 1 600); do
    curl -fs "$url/api/notice" >/dev/null 2>&1 && break
    sleep 1
done

cookie=$(curl -fs -D - -o /dev/null -H 'content-type: application/json' \
    -d '{"user":"dea.analyst","password":"interdict-demo"}' "$url/api/session" \
    | sed -n 's/^[Ss]et-[Cc]ookie: \(interdict_session=[^;]*\).*/\1/p')
[ -n "$cookie" ] || { echo "log-on failed"; exit 1; }

# The first query builds the user's view of the world; time it, then pick targets.
start=$(date +%s.%N)
curl -fs -H "cookie: $cookie" "$url/api/search?q=garcia&limit=20" >"$dir.search.json"
echo "view built and first search answered in $(echo "$(date +%s.%N) - $start" | bc) s"
# Rings, roles and key players are computed once per view in the background; the run
# measures the steady state after them.
start=$(date +%s.%N)
curl -fs -o /dev/null -H "cookie: $cookie" "$url/api/key-players?top=1"
echo "rings, roles and key players ready after $(echo "$(date +%s.%N) - $start" | bc) s more"
mapfile -t nodes < <(python3 -c '
import json,sys,urllib.parse
hits=json.load(open(sys.argv[1]))["hits"]
for hit in hits[:20]: print(urllib.parse.quote(hit["node"], safe=""))' "$dir.search.json")
[ "${#nodes[@]}" -gt 0 ] || { echo "no search hits to load-test with"; exit 1; }

lua="$dir.paths.lua"
{
    echo 'paths = {'
    for name in garcia smith lopez nguyen martinez johnson brown lee hernandez kim; do
        echo "  \"/api/search?q=$name&limit=50\","
    done
    for node in "${nodes[@]}"; do
        echo "  \"/api/entities/$node\","
        echo "  \"/api/graph/neighbourhood?node=$node&depth=2\","
    done
    echo '}'
    cat <<LUA
counter = 0
request = function()
  counter = counter + 1
  return wrk.format("GET", paths[(counter % #paths) + 1], { ["Cookie"] = "$cookie" })
end
LUA
} >"$lua"

echo "wrk: $clients clients, $seconds s, ${#nodes[@]} entities, search/profile/neighbourhood mix"
wrk -t2 -c"$clients" -d"${seconds}s" --timeout 10s --latency -s "$lua" "$url" | tee "$dir.wrk.txt"
if grep -q "Non-2xx\|Socket errors" "$dir.wrk.txt"; then
    echo "ERRORS during the run (see above)"
    exit 1
fi
