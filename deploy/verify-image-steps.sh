#!/usr/bin/env bash
# Run the Dockerfile's steps without Docker (no daemon on some build hosts): a clean virtualenv,
# CPU torch, `pip install .`, `hibot ingest` into a baked index, then `hibot serve` as an
# unprivileged process until /readyz says 200. Prints sizes as a proxy for the image size.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/hibot-image-XXXX)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
python3 -m venv "$work/venv"
pipq() { "$work/venv/bin/pip" install -q "$@" 2> >(grep -v -e "^WARNING: Location" -e "BuildBackendWarning" >&2); }
pipq --upgrade pip
pipq "torch==2.13.0"          # the Dockerfile uses the CPU wheel index
pipq .
mkdir -p "$work/app" "$work/data"
cp -r corpus prompts "$work/app/"
( cd "$work/app" && HIBOT_CORPUS_DIR="$work/app/corpus" HIBOT_INDEX_DIR="$work/app/index" \
    HIBOT_CACHE_DIR="$work/cache" HF_HUB_OFFLINE=1 "$work/venv/bin/hibot" ingest --json >/dev/null \
  && HIBOT_PROMPTS_DIR="$work/app/prompts" "$work/venv/bin/hibot" prompts list >/dev/null )
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
( cd "$work/app" && env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME="$work" HF_HUB_OFFLINE=1 \
    HIBOT_CORPUS_DIR="$work/app/corpus" HIBOT_INDEX_DIR="$work/app/index" HIBOT_PROMPTS_DIR="$work/app/prompts" \
    HIBOT_DATA_DIR="$work/data" HIBOT_PORT="$port" HIBOT_HOST=127.0.0.1 \
    "$work/venv/bin/hibot" serve >"$work/serve.log" 2>&1 ) &
pid=$!
start=$(date +%s.%N)
for _ in $(seq 1 300); do
  code=$(curl -s -o /dev/null -w '%{http_code}' "http://127.0.0.1:$port/readyz" || true)
  [ "$code" = "200" ] && break
  sleep 0.2
done
ready=$(python3 -c "import time; print(round(time.time() - $start, 1))")
echo "readyz: $code after ${ready}s"
echo "venv size: $(du -sh "$work/venv" | cut -f1)   index size: $(du -sh "$work/app/index" | cut -f1)"
[ "$code" = "200" ] || { tail -20 "$work/serve.log"; exit 1; }
