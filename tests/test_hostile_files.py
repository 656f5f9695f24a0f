"""Where a table's names become file names: a column name never takes a write out of ``--out`` (docs/security.md)."""
from __future__ import annotations

import csv
import os

from naoviz.cli import main
from naoviz.resources import DIGITS_TABLE, resource_path


def _table_with_columns(path, names: dict) -> None:
    """The shipped digits table with its columns renamed by ``names`` (old -> new: what an attacker's CSV can
    name them)."""
    with open(resource_path(DIGITS_TABLE), newline="") as f:
        rows = list(csv.reader(f))
    rows[0] = [names.get(c, c) for c in rows[0]]
    with open(path, "w", newline="") as f:
        csv.writer(f).writerows(rows)


def test_compare_cost_column_names_no_path_outside_out(tmp_path, capsys):
    """compare --out writes ``pareto-<cost>.html`` with the cost column made a plain file name: a column named
    ``x/../../escaped`` wrote ``escaped.html`` two folders above --out before (and made folders below it)."""
    cost = "x/../../escaped"
    table, out = tmp_path / "t.csv", tmp_path / "a" / "b" / "out"
    _table_with_columns(table, {"params_M": cost})
    assert main(["compare", "--table", str(table), "--algos", "rs", "--queries", "8", "--seeds", "1",
                 "--objectives", f"valid_acc,{cost}", "--no-progress", "--out", str(out)]) == 0
    capsys.readouterr()
    outside = [p for p in tmp_path.rglob("*") if p.is_file() and out not in p.parents and p != table]
    assert outside == []
    figures = sorted(p.name for p in out.iterdir() if p.suffix == ".html")
    assert figures == ["compare.html", "pareto-x-..-..-escaped.html"]


def test_a_cost_column_of_other_characters_is_named_cost():
    """A cost column with no letter or digit safe_name keeps (``延迟``, ``..``) gives ``pareto-cost`` (it gave
    ``pareto-table``, a name for a table, not a cost), two such ``pareto-cost-2``; plain names are kept."""
    from naoviz.viz.compare_figure import cost_file_name
    taken = {"compare": None}
    for column in ("延迟", "..", "latency_pixel3"):
        taken[cost_file_name(column, taken)] = None
    assert list(taken)[1:] == ["pareto-cost", "pareto-cost-2", "pareto-latency_pixel3"]


def test_model_and_atlas_cache_names_stay_in_the_cache(tmp_path, monkeypatch):
    """The explorer's model is cached under ``models/<table>-<metric>-<hash>``: a table whose only accuracy column
    is named ``x/../../../escaped_acc`` (export-page, atlas and dashboard pick it) put the model's folder, and
    the atlas, outside the cache before."""
    from naoviz.atlas_cache import atlas_name
    from naoviz.explorer_plan import explorer_metric
    from naoviz.nao.cache import ModelSpec, model_dir
    from naoviz.tables.user_table import open_table
    monkeypatch.setenv("NAOVIZ_CACHE", str(tmp_path / "cache"))
    table = tmp_path / "t.csv"
    _table_with_columns(table, {"train_acc": "train_a", "valid_acc": "x/../../../escaped_acc"})
    bench = open_table(str(table))
    spec = ModelSpec(metric=explorer_metric(bench), n_train=50)
    assert spec.metric == "x/../../../escaped_acc"
    models = tmp_path / "cache" / "models"
    assert model_dir(bench, spec).resolve().parent == models.resolve()
    assert "/" not in atlas_name(bench, spec)
    # a plain metric's key is as before (the shipped digits model and every cached model keep their folders)
    plain = ModelSpec(metric="test_acc", n_train=50)
    assert model_dir(bench, plain).name.startswith(f"{bench.name}-test_acc-")


def test_atomic_write_follows_no_link_planted_in_the_out_folder(tmp_path):
    """In a folder others can write (a shared --out under /tmp), a symlink planted at the temporary's name
    (``.NAME.PID.tmp``: the PID can be guessed) sent the write into the link's target before; one planted at
    the output's own name is replaced by the rename, its target untouched. The file is made as the umask says."""
    from naoviz.paths import atomic_write_text, temp_path
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file")
    out = tmp_path / "out"
    out.mkdir()
    page = out / "compare.html"
    temp_path(page).symlink_to(victim)
    atomic_write_text(page, "figure")
    assert victim.read_text() == "the user's own file"
    assert page.read_text() == "figure" and not page.is_symlink()
    assert not temp_path(page).exists() and not temp_path(page).is_symlink()
    (out / "summary.json").symlink_to(victim)                    # a link at the output's own name
    atomic_write_text(out / "summary.json", "{}")
    assert victim.read_text() == "the user's own file" and not (out / "summary.json").is_symlink()
    old = os.umask(0o027)
    try:
        atomic_write_text(out / "private.html", "x")
    finally:
        os.umask(old)
    assert (out / "private.html").stat().st_mode & 0o777 == 0o640
    atomic_write_text(out / "shared.html", "x")
    assert (out / "shared.html").stat().st_mode & 0o777 == 0o666 & ~old


def test_a_static_export_writes_nothing_through_a_link_planted_while_the_browser_starts(tmp_path, monkeypatch):
    """PNG export: kaleido opens its output files itself, following links. It wrote at the temporary's name
    beside the target (``.NAME.PID.tmp-0.png``, guessable), cleared only before the browser started: a link
    planted there during the seconds the browser takes to start had the image written into its target. Here the
    link is planted as plotly's writer is called (the browser starting); the target stays as it was."""
    import kaleido
    import plotly.graph_objects as go

    from naoviz.paths import temp_path
    from naoviz.viz import export_many
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file")
    out = tmp_path / "out"
    out.mkdir()
    png = out / "fig.png"
    real = kaleido.Kaleido.write_fig_from_object

    async def plant_then_write(self, specs, **kwargs):
        temp_path(png, "-0.png").symlink_to(victim)          # what another user's watcher does at that moment
        return await real(self, specs, **kwargs)

    monkeypatch.setattr(kaleido.Kaleido, "write_fig_from_object", plant_then_write)
    export_many([go.Figure(go.Scatter(x=[1, 2], y=[3, 4]))], [png], width=300, height=200)
    assert victim.read_text() == "the user's own file"
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n" and not png.is_symlink()
    assert not temp_path(png, "-0.png").exists() and not temp_path(png, "-0.png").is_symlink()


def test_a_run_store_with_a_trigger_or_view_is_refused(tmp_path):
    """A run store someone hands you could carry a trigger (SQL run on naoviz's own writes: rewrite or delete
    the results it records) or a view shadowing nothing naoviz made: naoviz creates neither, so a store holding
    one is refused before anything is read or written (before: it opened, and the trigger ran on each append)."""
    import sqlite3

    import pytest

    from naoviz.store import RunStore, StoreError
    db = tmp_path / "runs.db"
    store = RunStore(db)
    store.create_run("search", {"algo": "rs"}, seed=0)
    store.close()
    conn = sqlite3.connect(db)
    conn.execute("CREATE TRIGGER rewrite AFTER INSERT ON evaluations BEGIN "
                 "UPDATE evaluations SET metrics = '{\"valid_acc\": 100.0}' WHERE id = new.id; END")
    conn.commit()
    conn.close()
    for read_only in (False, True):
        with pytest.raises(StoreError, match=r"holds a trigger \(rewrite\)") as err:
            RunStore(db, read_only=read_only)
        assert str(db) in str(err.value)


def test_a_run_lock_follows_no_link_planted_beside_the_store(tmp_path):
    """A run's lock file (``<store>.<run>.lock``) sits beside the store, perhaps in a shared folder: a symlink
    planted at that name had naoviz truncate the link's target and write its PID into it before. Now the lock
    is refused, one line naming it, and the target is untouched."""
    import pytest

    from naoviz.store import RunStore, StoreError
    victim = tmp_path / "victim.txt"
    victim.write_text("the user's own file")
    store = RunStore(tmp_path / "runs.db")
    run = store.create_run("search", {"algo": "rs"}, seed=0)
    store.lock_path(run).symlink_to(victim)
    with pytest.raises(StoreError, match="cannot lock run .*symbolic link"):
        with store.hold_run(run):
            pass
    assert victim.read_text() == "the user's own file"
    store.close()
