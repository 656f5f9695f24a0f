#!/usr/bin/env bash
# Build the wheel and the sdist, install the wheel into a fresh venv OUTSIDE the checkout, and use it as a
# newcomer would: info, docs, data show, a table of your own (data show, search), a digits search (no NAS-Bench-201)
# stored and listed by `naoviz runs`, an NB201 search (NAOVIZ_DATA), and the
# dashboard answering in Chromium with a working explorer. Called by `make wheel-smoke` (part of `make test`).
set -euo pipefail
ROOT="$(cd "$(dirname "$0")/.." && pwd)"
DEV_PY="${DEV_PY:-$ROOT/.venv/bin/python}"
NB201="${NAOVIZ_DATA:-$(cd "$ROOT/.." && pwd)/shared/data}"
WORK="$(mktemp -d /tmp/naoviz-wheel.XXXXXX)"
# Only a started dashboard is killed (`kill 0` would signal this whole process group, make included), and waited
# for (at most 20 s) before $WORK goes: stopping, it and its kernels still write there (its log), and an `rm -rf`
# racing them failed "Directory not empty", which failed `make test` after "wheel-smoke: OK". The script keeps
# its own exit status.
cleanup() {
  local rc=$?
  if [ -n "${DASH_PID:-}" ]; then
    kill "$DASH_PID" 2>/dev/null || true
    ( sleep 20; kill -9 "$DASH_PID" 2>/dev/null ) & local guard=$!
    wait "$DASH_PID" 2>/dev/null || true
    kill "$guard" 2>/dev/null || true
  fi
  rm -rf "$WORK" 2>/dev/null || { sleep 1; rm -rf "$WORK"; } || echo "wheel-smoke: left $WORK"
  exit "$rc"
}
trap cleanup EXIT
say() { echo "wheel-smoke: $*"; }

say "building wheel and sdist"
"$DEV_PY" -m build --no-isolation --outdir "$WORK/dist" "$ROOT" >"$WORK/build.log" 2>&1 || { cat "$WORK/build.log"; exit 1; }
WHEEL="$(ls "$WORK"/dist/naoviz-*.whl)"
ls "$WORK"/dist/naoviz-*.tar.gz >/dev/null
for f in naoviz/resources/nb201_order.npy naoviz/resources/nb201_digits.csv naoviz/resources/dashboard.ipynb \
         naoviz/resources/jupyter/voila/templates/naoviz/conf.json \
         naoviz/resources/jupyter/voila/templates/naoviz/index.html.j2 \
         naoviz/resources/explorer/explorer.js naoviz/resources/explorer/explorer_draw.js \
         naoviz/resources/explorer/explorer_chart.js \
         naoviz/resources/explorer/explorer_tour.js naoviz/resources/explorer/explorer.css \
         naoviz/resources/explorer/explorer_layout.js naoviz/resources/explorer/explorer_budget.js \
         naoviz/resources/explorer/explorer_map.js naoviz/resources/explorer/explorer_kernel.js \
         naoviz/resources/explorer/page_shim.js naoviz/ui/static/query_table.js naoviz/ui/static/query_table.css \
         naoviz/ui/static/chart_common.js naoviz/ui/static/line_chart.js naoviz/ui/static/scatter_chart.js \
         naoviz/resources/ink.js; do
  "$DEV_PY" -c "import sys, zipfile; sys.exit(0 if '$f' in zipfile.ZipFile('$WHEEL').namelist() else 1)" \
    || { say "FAIL: $f missing from $(basename "$WHEEL")"; exit 1; }
done
"$DEV_PY" -c "import sys, zipfile; n = zipfile.ZipFile('$WHEEL').namelist(); \
sys.exit(0 if sum(f.startswith('naoviz/resources/shipped/') for f in n) >= 5 else 1)" \
  || { say "FAIL: the shipped digits model and atlas are missing from $(basename "$WHEEL")"; exit 1; }
# every file git tracks under naoviz/ (a new explorer part, template or table included), not only the list above
"$DEV_PY" - "$ROOT" "$WHEEL" <<'PY'
import os, subprocess, sys, zipfile
root, wheel = sys.argv[1:]
try:
    listed = subprocess.run(["git", "-C", root, "ls-files", "-z", "naoviz"], capture_output=True, check=True).stdout
except (OSError, subprocess.CalledProcessError):
    sys.exit(0)                     # not a git checkout (an unpacked sdist): the list above is the check
tracked = [f for f in listed.decode().split("\0") if f and os.path.isfile(os.path.join(root, f))]
missing = sorted(set(tracked) - set(zipfile.ZipFile(wheel).namelist()))
if missing:
    sys.exit(f"wheel-smoke: FAIL: {len(missing)} tracked file(s) of naoviz/ missing from the wheel: {missing[:10]}")
print(f"wheel-smoke: all {len(tracked)} tracked files of naoviz/ are in the wheel")
PY
# the user docs, docs/*.md, copied into the package by setup.py (git keeps them only in docs/)
"$DEV_PY" - "$ROOT" "$WHEEL" <<'PY'
import sys, zipfile
from pathlib import Path
root, wheel = sys.argv[1:]
pages = sorted(p.name for p in Path(root, "docs").glob("*.md"))
missing = sorted(set(pages) - {n.rsplit("/", 1)[1] for n in zipfile.ZipFile(wheel).namelist()
                               if n.startswith("naoviz/resources/docs/")})
if not pages or missing:
    sys.exit(f"wheel-smoke: FAIL: docs pages missing from the wheel: {missing or 'no docs/*.md'}")
print(f"wheel-smoke: all {len(pages)} docs pages are in the wheel")
PY

say "installing $(basename "$WHEEL") into a fresh venv"
python3 -m venv "$WORK/venv"
PIP="$WORK/venv/bin/python -m pip"
$PIP install -q -U pip
if [ "$(uname -s)" = Linux ] && ! command -v nvidia-smi >/dev/null 2>&1; then
  $PIP install -q --retries 1 --timeout 15 "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu \
    || $PIP install -q "torch==2.13.0"     # CPU index first: PyPI's Linux torch is the CUDA build
fi
$PIP install -q "$WHEEL"
$PIP check

cd "$WORK"                                     # nothing of the checkout on the path from here on
NAOVIZ="$WORK/venv/bin/naoviz"
export NAOVIZ_CACHE="$WORK/cache" OMP_NUM_THREADS=1
mkdir -p "$WORK/empty"
"$WORK/venv/bin/python" -c "import naoviz, sys; sys.exit(0 if '$ROOT' not in naoviz.__file__ else 1)"
# output to a file, then grep: `naoviz ... | grep -q` under pipefail failed when grep quit at its first match
# and naoviz, still writing, exited 141 on the closed pipe (5 of 10 tries of `data show`)
say "naoviz info";  NAOVIZ_DATA="$WORK/empty" "$NAOVIZ" info >"$WORK/info.txt"
grep -q "digits_table: yes" "$WORK/info.txt"
grep -q "docs_dir: $WORK/venv/.*/naoviz/resources/docs" "$WORK/info.txt"
say "naoviz docs (the pages the help texts name, from the installed wheel)"
"$NAOVIZ" docs >"$WORK/docs.txt"
grep -q "^  search.md  *Search: NAO" "$WORK/docs.txt"
PAGE="$("$NAOVIZ" docs docs/search.md)"
case "$PAGE" in "$WORK/venv/"*) test -s "$PAGE" ;; *) say "FAIL: docs/search.md resolved to $PAGE"; exit 1 ;; esac
say "data show";    NAOVIZ_DATA="$NB201" "$NAOVIZ" data show >"$WORK/show.txt"
grep -q "15,625 rows" "$WORK/show.txt"
say "digits search (offline)"
NAOVIZ_DATA="$WORK/empty" "$NAOVIZ" search --space nb201-digits --algo re --queries 20 --no-progress \
    --store "$WORK/runs.db" | tee "$WORK/s1.txt"
grep -q "20 queries" "$WORK/s1.txt"
say "naoviz runs (the stored search)"
"$NAOVIZ" runs --store "$WORK/runs.db" | tee "$WORK/runs.txt"
grep -q "finished .* 20/20 .* re on nb201-digits" "$WORK/runs.txt"
say "NB201 search"
NAOVIZ_DATA="$NB201" "$NAOVIZ" search --space nb201 --algo nao --preset fast --queries 20 --no-progress | tee "$WORK/s2.txt"
grep -q "20 queries" "$WORK/s2.txt"

say "a table of your own (200 rows of the shipped digits table, docs/data.md)"
"$WORK/venv/bin/python" -c "import naoviz, pathlib; \
t = (pathlib.Path(naoviz.__file__).parent / 'resources/nb201_digits.csv').read_text(); \
print(*t.splitlines()[:201], sep=chr(10))" >"$WORK/own.csv"
"$NAOVIZ" data show --table "$WORK/own.csv" | tee "$WORK/own.txt"
grep -q "classes: 200 of 6,466" "$WORK/own.txt"
"$NAOVIZ" search --table "$WORK/own.csv" --algo re --queries 20 --no-progress | tee "$WORK/s3.txt"
grep -q "partial table: 200 of 6,466 classes" "$WORK/s3.txt"

say "standalone page (the shipped digits atlas, no kernel)"
NAOVIZ_DATA="$WORK/empty" "$NAOVIZ" export-page "$WORK/explorer.html" --table digits
"$DEV_PY" -c "import os, sys; n = os.path.getsize('$WORK/explorer.html'); print('wheel-smoke: page', n, 'bytes'); \
sys.exit(0 if 100_000 < n < 5_000_000 else 1)"

say "dashboard (offline: the digits table's shipped model and atlas; nothing trained)"
PORT="$("$DEV_PY" -c 'import socket; s=socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])')"
NAOVIZ_DATA="$WORK/empty" "$NAOVIZ" dashboard --port "$PORT" >"$WORK/dashboard.log" 2>&1 &
DASH_PID=$!
"$DEV_PY" - "$PORT" "$WORK/dashboard.log" <<'PY' || { cat "$WORK/dashboard.log"; exit 1; }
import re, sys, time, urllib.request
from pathlib import Path
from playwright.sync_api import sync_playwright
deadline = time.time() + 120
while not (printed := re.search(r"naoviz dashboard: (http://\S+)", Path(sys.argv[2]).read_text())):
    if time.time() > deadline:
        sys.exit("dashboard printed no URL within 120 s")
    time.sleep(0.5)
url = printed.group(1)                 # the URL it printed, with its token
base = f"http://127.0.0.1:{sys.argv[1]}/"
if not url.startswith(base + "?token="):
    sys.exit(f"dashboard printed {url!r}: not {base} with a token")
while True:
    try:
        urllib.request.urlopen(base + "voila/static/voila.js", timeout=2)
        break
    except OSError:
        if time.time() > deadline:
            sys.exit("dashboard did not answer within 120 s")
        time.sleep(0.5)
if urllib.request.urlopen(base, timeout=30).url.split("?")[0] != base + "login":    # no token: the login page
    sys.exit("dashboard served its page without the token")
args = ["--no-sandbox", "--disable-gpu", "--disable-background-networking", "--disable-component-update",
        "--disable-sync", "--no-first-run", "--disable-quic"]
with sync_playwright() as p:
    browser = p.chromium.launch(executable_path="/usr/bin/chromium", headless=True, args=args)
    page = browser.new_page(viewport={"width": 1400, "height": 1200})
    t0 = time.time()
    page.goto(url, timeout=180_000)
    page.wait_for_selector(".nx-root[data-ready='1']", timeout=240_000)
    page.locator(".nx-root").focus()
    before = page.inner_text(".nx-decoded")
    for _ in range(10):
        page.keyboard.press("ArrowRight")
    print(f"wheel-smoke: explorer interactive after {time.time() - t0:.1f} s; decoded at eta 0:", before[:60])
    print("wheel-smoke: after 10 steps:", page.inner_text(".nx-decoded")[:60])
    browser.close()
PY
test ! -e "$NAOVIZ_CACHE/models" || { say "FAIL: the offline first start trained a model"; exit 1; }
say "OK"
