#!/usr/bin/env bash
# Run the Dockerfile's steps without Docker (no daemon on some build hosts): the serving virtualenv
# (`pip install .`, pip removed, as the runtime stage ships it), the index virtualenv (CPU torch,
# `pip install .[ingest]`) and `hibot ingest` into a baked index, then `hibot serve` from the
# serving venv as a bare-environment process until /readyz says 200. Prints the sizes as a proxy
# for the image, and fails if the serving venv holds PyTorch, transformers or sentence-transformers.
# Then the builder stage (compose service `builder`): a replica from the index stage's venv joins the
# serving one on a shared database; a document added as a lead would add it is built by the builder
# only (the serving replica logs that it only fetches) and served by both without a restart.
#   HIBOT_INGEST_VENV=.venv  reuse an existing ingest-capable venv instead of building the index
#                            stage's (CPU torch + .[ingest], several minutes of downloads)
#   HIBOT_VERIFY_DATABASE_URL  the shared database (default: an SQLite file; PostgreSQL as compose)
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/hibot-image-XXXX)
trap 'kill "${pid:-0}" "${bpid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
pipq() { "$1/bin/pip" install -q "${@:2}" 2> >(grep -v -e "^WARNING: Location" -e "BuildBackendWarning" >&2); }

# serving stage
python3 -m venv "$work/venv"
pipq "$work/venv" --upgrade pip
pipq "$work/venv" .
"$work/venv/bin/pip" uninstall -q -y pip
if "$work/venv/bin/python" -c "import importlib.util as u, sys; \
    sys.exit(any(u.find_spec(m) for m in ('torch', 'transformers', 'sentence_transformers')))"; then
  echo "serving venv: no torch, transformers or sentence-transformers"
else
  echo "serving venv holds an ingest-only package" >&2; exit 1
fi

# index stage
if [ -n "${HIBOT_INGEST_VENV:-}" ]; then
  ln -s "$(cd "$HIBOT_INGEST_VENV" && pwd)" "$work/ingest"
else
  python3 -m venv "$work/ingest"
  pipq "$work/ingest" --upgrade pip
  pipq "$work/ingest" "torch==2.13.0"          # the Dockerfile uses the CPU wheel index
  pipq "$work/ingest" ".[ingest]"
fi
mkdir -p "$work/app" "$work/data"
cp -r corpus prompts "$work/app/"
start=$(date +%s.%N)
( cd "$work/app" && HIBOT_CORPUS_DIR="$work/app/corpus" HIBOT_INDEX_DIR="$work/app/index" \
    HIBOT_CACHE_DIR="$work/cache" HF_HUB_OFFLINE=1 "$work/ingest/bin/hibot" ingest --json >/dev/null \
  && HIBOT_PROMPTS_DIR="$work/app/prompts" "$work/ingest/bin/hibot" prompts list >/dev/null )
echo "ingest: $(python3 -c "import time; print(round(time.time() - $start, 1))")s"

# runtime stage: the serving venv and the baked index only (its own copy, as each container has)
db=${HIBOT_VERIFY_DATABASE_URL:-sqlite:///$work/shared.db}
cp -al "$work/app/index" "$work/builder-index"   # the builder's copy, before anything changes it
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
( cd "$work/app" && exec env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME="$work" \
    HIBOT_CORPUS_DIR="$work/app/corpus" HIBOT_INDEX_DIR="$work/app/index" HIBOT_PROMPTS_DIR="$work/app/prompts" \
    HIBOT_DATA_DIR="$work/data" HIBOT_PORT="$port" HIBOT_HOST=127.0.0.1 HIBOT_DATABASE_URL="$db" \
    "$work/venv/bin/hibot" serve >"$work/serve.log" 2>&1 ) &
pid=$!
start=$(date +%s.%N)
for _ in $(seq 1 300); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  [ "$code" = "200" ] && break
  sleep 0.2
done
ready=$(python3 -c "import time; print(round(time.time() - $start, 1))")
echo "readyz: $code after ${ready}s   serve RSS: $(awk '/VmRSS/ {print int($2/1024) " MB"}' "/proc/$pid/status")"
echo "runtime venv size: $(du -sh "$work/venv" | cut -f1)   index size: $(du -sh "$work/app/index" | cut -f1)"
echo "index-stage venv size (the builder image's): $(du -sh "$work/ingest/" | cut -f1)"
[ "$code" = "200" ] || { tail -20 "$work/serve.log"; exit 1; }

# builder stage: the index stage's venv as a replica (no published port in compose), same database
bport=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
mkdir -p "$work/builder-data"
( cd "$work/app" && exec env -i PATH="$work/ingest/bin:/usr/bin:/bin" HOME="$work" HF_HUB_OFFLINE=1 \
    TRANSFORMERS_OFFLINE=1 HIBOT_CACHE_DIR="$work/cache" \
    HIBOT_CORPUS_DIR="$work/app/corpus" HIBOT_INDEX_DIR="$work/builder-index" HIBOT_PROMPTS_DIR="$work/app/prompts" \
    HIBOT_DATA_DIR="$work/builder-data" HIBOT_PORT="$bport" HIBOT_HOST=127.0.0.1 HIBOT_DATABASE_URL="$db" \
    "$work/ingest/bin/hibot" serve >"$work/builder.log" 2>&1 ) &
bpid=$!
readyz() { curl -s "http://127.0.0.1:$1/readyz" | python3 -c 'import json,sys; print(json.load(sys.stdin).get("build_id") or "")' 2>/dev/null || true; }
for _ in $(seq 1 600); do [ -n "$(readyz "$bport")" ] && break; sleep 0.2; done
old=$(readyz "$port"); [ "$(readyz "$bport")" = "$old" ] || { tail -20 "$work/builder.log"; exit 1; }
grep -q '"index_builds_fetch_only"' "$work/serve.log" \
  || { echo "the serving replica should only fetch builds" >&2; exit 1; }
if grep -q '"index_builds_fetch_only"' "$work/builder.log"; then
  echo "the builder replica cannot build" >&2; tail -5 "$work/builder.log"; exit 1
fi
printf '# The Fenwick Health Equity Audit\n\n## What the Fenwick audit is\n\nThe Fenwick health equity audit is a quarterly review in which each ward compares its waiting times by deprivation quintile and ethnicity.\n' >"$work/fenwick.md"
start=$(date +%s.%N)
# What a lead's upload does (a document stored, a build requested), here from the serving venv's CLI.
( cd "$work/app" && env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME="$work" HIBOT_DATA_DIR="$work/data" \
    HIBOT_CORPUS_DIR="$work/app/corpus" HIBOT_INDEX_DIR="$work/app/index" HIBOT_DATABASE_URL="$db" \
    "$work/venv/bin/hibot" sources add "$work/fenwick.md" --title "The Fenwick Health Equity Audit" >/dev/null )
peak=0  # the builder's memory at its peak: the server plus its build worker
for _ in $(seq 1 1500); do
  a=$(readyz "$port"); b=$(readyz "$bport")
  [ -n "$a" ] && [ "$a" != "$old" ] && [ "$a" = "$b" ] && break
  rss=$(ps -o rss= -p "$bpid" --ppid "$bpid" | awk '{s += $1} END {print s + 0}')
  [ "$rss" -gt "$peak" ] && peak=$rss
  sleep 0.2
done
took=$(python3 -c "import time; print(round(time.time() - $start, 1))")
if [ -z "$a" ] || [ "$a" = "$old" ] || [ "$a" != "$b" ]; then
  echo "the new build did not reach both replicas (serving: $a, builder: $b, before: $old)" >&2
  tail -5 "$work/builder.log" "$work/serve.log"; exit 1
fi
grep '"index_build_ended"' "$work/builder.log" | grep -q '"outcome": "live"' || { echo "builder: no live build" >&2; exit 1; }
grep -q '"index_build_fetched"' "$work/serve.log" || { echo "serving replica: no fetch" >&2; exit 1; }
if grep -q '"index_build_started"' "$work/serve.log"; then echo "the serving replica built" >&2; exit 1; fi
"$work/venv/bin/hibot" sources --index "$work/app/index" 2>/dev/null | grep -q "Fenwick" \
  || { echo "the serving replica's index lacks the new document" >&2; exit 1; }
echo "builder: built and published $a; the serving replica (fetch-only) serves it ${took}s after the add"
echo "builder RSS: $(awk '/VmRSS/ {print int($2/1024) " MB"}' "/proc/$bpid/status") idle, $((peak / 1024)) MB at the build's peak (server + worker)"
