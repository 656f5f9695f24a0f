#!/usr/bin/env bash
# Build the wheel and the sdist, install the wheel into a fresh venv OUTSIDE the checkout, and use it as a
# newcomer would: info, data show, a digits search (no NAS-Bench-201), an NB201 search (NAOVIZ_DATA), and the
# dashboard answering in Chromium with a working explorer. Called by `make wheel-smoke` (part of `make test`).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEV_PY="${DEV_PY:-$ROOT/.venv/bin/python}"
NB201="${NAOVIZ_DATA:-$(cd "$ROOT/.." && pwd)/shared/data}"
WORK="$(mktemp -d /tmp/naoviz-wheel.XXXXXX)"
trap 'kill "${DASH_PID:-0}" 2>/dev/null || true; rm -rf "$WORK"' EXIT
say() { echo "wheel-smoke: $*"; }

say "building wheel and sdist"
"$DEV_PY" -m build --no-isolation --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
WHEEL="$(ls "$WORK"/dist/naoviz-*.whl)"
ls "$WORK"/dist/naoviz-*.tar.gz >/dev/null
for f in naoviz/resources/nb201_order.npy naoviz/resources/nb201_digits.csv naoviz/resources/dashboard.ipynb \
         naoviz/resources/jupyter/voila/templates/naoviz/conf.json \
         naoviz/resources/jupyter/voila/templates/naoviz/index.html.j2; do
  "$DEV_PY" -c "import sys, zipfile; sys.exit(0 if '$f' in zipfile.ZipFile('$WHEEL').namelist() else 1)" \
    || { say "FAIL: $f missing from $(basename "$WHEEL")"; exit 1; }
done

say "installing $(basename "$WHEEL") into a fresh venv"
python3 -m venv "$WORK/venv"
PIP="$WORK/venv/bin/python -m pip"
$PIP install -q -U pip
if [ "$(uname -s)" = Linux ] && ! command -v nvidia-smi >/dev/null 2>&1; then
  $PIP install -q "torch==2.13.0" || $PIP install -q "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu
fi
$PIP install -q "$WHEEL"
$PIP check

cd "$WORK"                                     # nothing of the checkout on the path from here on
NAOVIZ="$WORK/venv/bin/naoviz"
export NAOVIZ_CACHE="$WORK/cache" OMP_NUM_THREADS=1
mkdir -p "$WORK/empty"
"$WORK/venv/bin/python" -c "import naoviz, sys; sys.exit(0 if '$ROOT' not in naoviz.__file__ else 1)"
say "naoviz info";  NAOVIZ_DATA="$WORK/empty" "$NAOVIZ" info | grep -q "digits_table: yes"
say "data show";    NAOVIZ_DATA="$NB201" "$NAOVIZ" data show | grep -q "15,625 rows"
say "digits search (offline)"
NAOVIZ_DATA="$WORK/empty" "$NAOVIZ" search --space nb201-digits --algo re --queries 20 --no-progress | tee "$WORK/s1.txt"
grep -q "20 queries" "$WORK/s1.txt"
say "NB201 search"
NAOVIZ_DATA="$NB201" "$NAOVIZ" search --space nb201 --algo nao --preset fast --queries 20 --no-progress | tee "$WORK/s2.txt"
grep -q "20 queries" "$WORK/s2.txt"

say "dashboard (digits table, small model, PCA map)"
PORT="$("$DEV_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
NAOVIZ_DATA="$WORK/empty" NAOVIZ_DASHBOARD_TRAIN=200 NAOVIZ_DASHBOARD_EPOCHS=10 NAOVIZ_DASHBOARD_MAP=pca \
  "$NAOVIZ" dashboard --port "$PORT" >"$WORK/dashboard.log" 2>&1 &
DASH_PID=$!
"$DEV_PY" - "$PORT" <<'PY' || { cat "$WORK/dashboard.log"; exit 1; }
import sys, time, urllib.request
from playwright.sync_api import sync_playwright
url = f"http://127.0.0.1:{sys.argv[1]}/"
deadline = time.time() + 120
while True:
    try:
        urllib.request.urlopen(url + "voila/static/voila.js", timeout=2)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("dashboard did not answer within 120 s")
        time.sleep(0.5)
args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    page.goto(url, timeout=180_000)
    page.wait_for_selector(".naoviz-map .js-plotly-plot", timeout=240_000)
    page.wait_for_function("document.querySelector('.naoviz-map .js-plotly-plot').data[0].x.length > 1000",
                           timeout=60_000)
    page.wait_for_selector(".naoviz-cell .js-plotly-plot .scatterlayer", timeout=60_000)
    print("wheel-smoke: explorer drawn:", page.inner_text(".naoviz-info-box")[:80].replace("\n", " "))
    browser.close()
PY
say "OK"
