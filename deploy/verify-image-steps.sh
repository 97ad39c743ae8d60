#!/usr/bin/env bash
# Run the Dockerfile's steps without Docker (no daemon on some build hosts): the serving virtualenv
# (`pip install .`, pip removed, as the runtime stage ships it), the index virtualenv (CPU torch,
# `pip install .[ingest]`) and `hibot ingest` into a baked index, then `hibot serve` from the
# serving venv as a bare-environment process until /readyz says 200. Prints the sizes as a proxy
# for the image, and fails if the serving venv holds PyTorch, transformers or sentence-transformers.
set -euo pipefail
cd "$(dirname "$0")/.."
work=$(mktemp -d /tmp/hibot-image-XXXX)
trap 'kill "${pid:-0}" 2>/dev/null || true; rm -rf "$work"' EXIT
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
python3 -m venv "$work/ingest"
pipq "$work/ingest" --upgrade pip
pipq "$work/ingest" "torch==2.13.0"          # the Dockerfile uses the CPU wheel index
pipq "$work/ingest" ".[ingest]"
mkdir -p "$work/app" "$work/data"
cp -r corpus prompts "$work/app/"
start=$(date +%s.%N)
( cd "$work/app" && HIBOT_CORPUS_DIR="$work/app/corpus" HIBOT_INDEX_DIR="$work/app/index" \
    HIBOT_CACHE_DIR="$work/cache" HF_HUB_OFFLINE=1 "$work/ingest/bin/hibot" ingest --json >/dev/null \
  && HIBOT_PROMPTS_DIR="$work/app/prompts" "$work/ingest/bin/hibot" prompts list >/dev/null )
echo "ingest: $(python3 -c "import time; print(round(time.time() - $start, 1))")s"

# runtime stage: the serving venv and the baked index only
port=$(python3 -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1",0)); print(s.getsockname()[1])')
( cd "$work/app" && exec env -i PATH="$work/venv/bin:/usr/bin:/bin" HOME="$work" \
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
echo "readyz: $code after ${ready}s   serve RSS: $(awk '/VmRSS/ {print int($2/1024) " MB"}' "/proc/$pid/status")"
echo "runtime venv size: $(du -sh "$work/venv" | cut -f1)   index size: $(du -sh "$work/app/index" | cut -f1)"
echo "index-stage venv size (not shipped): $(du -sh "$work/ingest" | cut -f1)"
[ "$code" = "200" ] || { tail -20 "$work/serve.log"; exit 1; }
