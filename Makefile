# One-command set-up: `make test` and `make dashboard` build .venv on a fresh machine.
VENV ?= .venv
PY := $(VENV)/bin/python
STAMP := $(VENV)/.installed
export NAOVIZ_DATA ?=
PORT ?= 8866
# pytest-xdist workers for `make test`: one per core of the 2-core CI machine; each test file runs whole on one
# worker (--dist loadfile), so a module's Chromium and Voila server start once. TEST_WORKERS=0: one process.
TEST_WORKERS ?= 2

.PHONY: setup browser test wheel-smoke dashboard bench clean

setup: $(STAMP)

$(STAMP): pyproject.toml
	test -x $(PY) || python3 -m venv $(VENV)
	$(PY) -m pip install -q -U pip
	@# torch first, pinned: on CPU-only Linux this is the 2.13.0 CPU wheel, never a CUDA build.
	@if [ "$$(uname -s)" = Linux ] && ! command -v nvidia-smi >/dev/null 2>&1; then \
	  $(PY) -m pip install -q --retries 1 --timeout 15 "torch==2.13.0" --index-url https://download.pytorch.org/whl/cpu \
	    || $(PY) -m pip install -q "torch==2.13.0"; fi
	$(PY) -m pip install -q -e ".[dev]"
	$(PY) -m pip check
	touch $(STAMP)

browser:
	@# Debian chromium drives the browser tests and kaleido export; installed when missing and root.
	@if [ ! -x /usr/bin/chromium ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq chromium >/dev/null; \
	  else echo "chromium missing: install it (e.g. apt-get install chromium) for browser tests and export"; fi; fi
	@# node runs the explorer's front-end functions without a browser (tests/test_explorer_naonet_js.py).
	@if ! command -v node >/dev/null; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq nodejs >/dev/null; \
	  else echo "node missing: install it (e.g. apt-get install nodejs) for the front-end unit tests"; fi; fi
	@# nginx, caddy and apache2 are the real reverse proxies of tests/test_dashboard_proxy_browser.py (each run as the
	@# test's user with its own config; never as a service, though on a host with systemd Debian's packages start
	@# their default sites). caddy and apache2 are extras: a failed install (a default site's port 80 taken by
	@# another server) is a message, and the test skips that proxy.
	@if ! command -v nginx >/dev/null && [ ! -x /usr/sbin/nginx ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    apt-get update -qq && export DEBIAN_FRONTEND=noninteractive && \
	    { apt-get install -y -qq nginx-light >/dev/null 2>&1 || apt-get install -y -qq nginx >/dev/null; }; \
	  else echo "nginx missing: install it (e.g. apt-get install nginx-light) for the reverse-proxy test"; fi; fi
	@missing="$$(command -v caddy >/dev/null || echo caddy) \
	  $$(command -v apache2 >/dev/null || [ -x /usr/sbin/apache2 ] || echo apache2)"; \
	if [ -n "$$(echo $$missing)" ]; then \
	  if [ "$$(id -u)" = 0 ] && command -v apt-get >/dev/null; then \
	    { apt-get update -qq && DEBIAN_FRONTEND=noninteractive apt-get install -y -qq $$missing >/dev/null; } \
	      || echo "could not install $$(echo $$missing): the reverse-proxy test skips it"; \
	  else echo "$$(echo $$missing) missing: install (apt-get install $$(echo $$missing)) for the reverse-proxy test"; fi; fi

test: setup browser
	$(PY) -m pytest -q $(if $(filter-out 0,$(TEST_WORKERS)),-n $(TEST_WORKERS) --dist loadfile) tests notebooks --nbmake
	$(MAKE) wheel-smoke

# The built wheel, installed into a fresh venv outside the checkout, used as a newcomer would.
wheel-smoke: setup browser
	DEV_PY=$(abspath $(PY)) bash .ci/wheel_smoke.sh

dashboard: setup
	$(VENV)/bin/naoviz dashboard --port $(PORT) $(if $(DATA),--data $(DATA))

bench: setup
	$(PY) bench/nao_quality.py

clean:
	rm -rf $(VENV) tests/artifacts
