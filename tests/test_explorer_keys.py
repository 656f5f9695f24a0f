"""The explorer's atlas by a stored key (naoviz/explorer_keys.py): the warm-up stores the very model key and atlas
name the table path computes (the same cache entries), a fresh kernel opens the atlas by it without importing
pandas and shows the same table line, and an edited table file, another plan, other code or a name that is a
path is not trusted (the table is read instead); a cold start's kernel waits for the entry only while the warm-up
runs. Real tables, real cache folder, real processes."""
from __future__ import annotations

import json
import os
import shutil
import subprocess
import sys
import time

from naoviz.explorer_keys import entry_path, files_stamp, read_entry, remember
from naoviz.explorer_plan import ExplorerPlan

KERNEL = (
    "import sys\n"
    "from naoviz.ui import Dashboard\n"
    "app = Dashboard.from_env()\n"
    "assert app.ready.is_set() and app.explorer is not None, app.stage.value\n"
    "print('pandas', 'pandas' in sys.modules)\n"
    "print('key', app.explorer.atlas.model_key)\n"
    "print('line', app.table_info.value)\n"
    "app.open_cell(app.explorer.atlas.labels[3])\n"          # needs the table's space: it is read now
    "print('after', 'pandas' in sys.modules, app.explorer.seed)\n")


def test_the_warm_up_stores_the_model_key_and_a_kernel_opens_the_atlas_by_it_without_pandas(tmp_path, monkeypatch):
    from naoviz.atlas_cache import atlas_name, cached_atlas
    from naoviz.explorer_keys import TableFacts
    from naoviz.explorer_plan import prepare
    from naoviz.nao.cache import model_key
    from naoviz.ui.dashboard import table_line
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    plan = ExplorerPlan(table="nb201-digits")
    prepare(plan)                                          # the warm-up: the shipped atlas, its payload, the key
    bench = plan.benchmark()
    spec, full = plan.spec(bench), plan.full_options(bench)
    entry = read_entry(plan, files_stamp(plan))
    assert entry["model_key"] == model_key(bench, spec) == cached_atlas(bench, spec, **full).model_key
    assert entry["atlas"] == atlas_name(bench, spec, **full)
    assert entry["quick"] == atlas_name(bench, spec, **plan.quick_options(bench))     # what a cold start waits for
    env = dict(os.environ, NAOVIZ_CACHE=str(tmp_path / "cache"), NAOVIZ_DASHBOARD_TABLE="nb201-digits")
    out = subprocess.run([sys.executable, "-c", KERNEL], capture_output=True, text=True, env=env, timeout=120)
    assert out.returncode == 0, out.stderr[-2000:]
    lines = dict(line.split(" ", 1) for line in out.stdout.splitlines())
    assert lines["pandas"] == "False"
    assert lines["key"] == entry["model_key"]
    assert lines["line"] == table_line(TableFacts.of(bench, spec.metric))      # what the table path showed
    assert lines["after"] == "True 3"


def test_an_edited_table_another_plan_other_code_or_a_path_as_name_is_not_trusted(tmp_path, monkeypatch):
    from naoviz.nao.cache import model_key
    from naoviz.tables.benchmark import find_digits_file
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    table = tmp_path / "mine.csv"
    shutil.copyfile(find_digits_file(), table)
    plan = ExplorerPlan(table=str(table), n_train=50)
    stamp = files_stamp(plan)
    bench = plan.benchmark()
    spec, full = plan.spec(bench), plan.full_options(bench)
    assert remember(plan, stamp, bench, spec, full) == model_key(bench, spec)
    assert read_entry(plan, files_stamp(plan))["model_key"] == model_key(bench, spec)
    assert read_entry(ExplorerPlan(table=str(table), n_train=60), files_stamp(plan)) is None
    path = entry_path(plan, stamp)
    good = path.read_text()
    for field, value in (("code", "0" * 16), ("atlas", "../../elsewhere-atlas-0123456789abcdef"), ("version", 0),
                         ("quick", "/tmp/elsewhere-atlas-0123456789abcdef")):
        path.write_text(json.dumps({**json.loads(good), field: value}))
        assert read_entry(plan, files_stamp(plan)) is None, field
    path.write_text(good)
    with open(table, "a") as fh:                           # other bytes (an edited value would be another key)
        fh.write("\n")
    assert read_entry(plan, files_stamp(plan)) is None
    path.unlink()
    remember(plan, stamp, bench, spec, full)               # the file changed after the stamp: nothing stored
    assert not path.exists()


def test_a_cold_start_kernel_waits_only_while_the_warm_up_runs(tmp_path, monkeypatch):
    """A kernel waits for the warm-up's entry only while that warm-up runs: a real warm-up that fails (no NB201
    tables in its data folder) ends without one, and the kernel then gets None (it reads the table itself); a PID
    that is not a warm-up is never waited for, and atlases nobody builds are not waited for either."""
    from naoviz.explorer_plan import WARMUP_ENV, await_built, stored_entry, warmup_alive
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    monkeypatch.setenv("NAOVIZ_DATA", str(tmp_path))            # no tables here: the warm-up fails
    monkeypatch.setenv(WARMUP_ENV, str(os.getpid()))            # this process is no warm-up
    assert not warmup_alive()
    warm = subprocess.Popen([sys.executable, "-m", "naoviz.explorer_plan"], stderr=subprocess.PIPE, text=True,
                            env={**os.environ, "NAOVIZ_DASHBOARD_TABLE": "nb201"})
    try:
        monkeypatch.setenv(WARMUP_ENV, str(warm.pid))
        deadline = time.monotonic() + 30            # until the child has exec'd: before, its command line is ours
        while not warmup_alive() and warm.poll() is None and time.monotonic() < deadline:
            time.sleep(0.02)
        assert warmup_alive()
        plan = ExplorerPlan(table=str(tmp_path / "mine.csv"))
        (tmp_path / "mine.csv").write_text("x\n")
        assert stored_entry(plan) is None                       # waited until the warm-up was gone
        assert warm.wait(5) == 1 and "preparing the explorer failed" in warm.stderr.read()
    finally:
        warm.kill()
        warm.wait()
    assert not warmup_alive()
    entry = {"atlas": "t-atlas-0123456789abcdef", "quick": "t-atlas-fedcba9876543210", "model_key": "t"}
    assert await_built(entry, True) is None                     # no lock held, no warm-up: not waited for
