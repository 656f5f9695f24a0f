"""A table of your own: ``naoviz.tables.user_table`` reads a CSV in build-table's format, checks it whole, and a
search on a partial table stays within its rows (``SearchContext.pool``). The files are written in tmp_path
from rows of the shipped digits table."""
from __future__ import annotations

import re

import numpy as np
import pandas as pd
import pytest

from naoviz.evaluate import TableEvaluator
from naoviz.search import make_searcher, start_search
from naoviz.tables import load_digits_table
from naoviz.tables.user_table import TableFileError, load_table_file, open_table


@pytest.fixture(scope="module")
def digits():
    return load_digits_table()


def write_tables(root, digits, n=200, seed=0):
    """(complete.csv: every row, arch_index kept; partial.csv: ``n`` seeded rows, no arch_index, shuffled)."""
    frame = digits.frame.reset_index()
    complete = root / "complete.csv"
    frame.to_csv(complete, index=False)
    rows = np.random.default_rng(seed).choice(len(frame), size=n, replace=False)
    partial = root / "partial.csv"
    frame.iloc[rows].drop(columns="arch_index").to_csv(partial, index=False)
    return complete, partial


@pytest.fixture(scope="module")
def tables(tmp_path_factory, digits):
    return write_tables(tmp_path_factory.mktemp("own"), digits)


def test_a_complete_file_reads_as_the_table_it_was_written_from(tables, digits):
    bench = load_table_file(tables[0])
    assert bench.complete and len(bench) == len(digits) and bench.name == "complete"
    assert bench.fingerprint and bench.source == str(tables[0].resolve())
    pd.testing.assert_frame_equal(bench.frame, digits.frame, check_names=False)
    assert TableEvaluator(bench).pool is None            # a complete table: no restriction


def test_a_partial_file_without_arch_index_answers_its_rows_only(tables, digits):
    bench = load_table_file(tables[1])
    assert len(bench) == 200 and not bench.complete and len(bench.class_rows()) == 200
    for i in bench.frame.index[:20]:
        assert bench.query(int(i))["valid_acc"] == digits.query(int(i))["valid_acc"]
    outside = next(i for i in digits.frame.index if i not in bench.frame.index)
    with pytest.raises(KeyError):
        bench.query(int(outside))


def test_open_table_takes_a_name_or_a_path(tables):
    assert open_table("digits").name == open_table("nb201-digits").name == "nb201-digits"
    assert open_table(str(tables[1])).name == "partial"


def _rows(digits, n=20):
    return digits.frame.reset_index().drop(columns="arch_index").iloc[:n].copy()


def _bad_files(root, digits) -> list:
    """(path, what the message must say) for each way a file can be wrong."""
    out = []

    def put(name, frame, must):
        path = root / name
        frame.to_csv(path, index=False)
        out.append((path, must))

    f = _rows(digits)
    f.loc[3, "valid_acc"] = np.nan
    put("nan.csv", f, "line 5: column 'valid_acc' holds an empty or NaN value")
    f = _rows(digits)
    f.loc[4, "train_loss"] = np.inf
    put("inf.csv", f, "line 6: column 'train_loss' holds inf")
    f = _rows(digits).astype({"test_acc": object})
    f.loc[2, "test_acc"] = "high"
    put("text.csv", f, "line 4: column 'test_acc' holds 'high', not a number")
    f = _rows(digits)
    f.loc[7, "arch_str"] = "|conv~0|+|none~0|none~1|+|none~0|none~1|none~2|"
    put("arch.csv", f, "line 9: arch_str")
    put("noarch.csv", _rows(digits).drop(columns="arch_str"), "no arch_str column")
    put("dup.csv", pd.concat([_rows(digits), _rows(digits).iloc[[2]]]), "lines 4 and 22 hold the same cell")
    put("nometric.csv", _rows(digits)[["arch_str"]], "no metric column")
    f = _rows(digits)
    f.insert(0, "arch_index", digits.frame.index[:20] + 1)
    put("index.csv", f, "line 2: arch_index")
    (root / "empty.csv").write_text("")
    out.append((root / "empty.csv", "the file is empty"))
    (root / "header.csv").write_text("arch_str,valid_acc\n")
    out.append((root / "header.csv", "no rows"))
    (root / "binary.csv").write_bytes(bytes(range(256)) * 4)
    out.append((root / "binary.csv", "not a"))
    (root / "twice.csv").write_text(_rows(digits).to_csv(index=False).replace("test_acc", "valid_acc", 1))
    out.append((root / "twice.csv", "column 'valid_acc' appears twice"))   # pandas would read valid_acc.1
    (root / "noname.csv").write_text(_rows(digits).to_csv(index=False).replace("train_loss", "", 1))
    out.append((root / "noname.csv", "has no name"))                     # pandas would read 'Unnamed: 5'
    (root / "loop.csv").symlink_to(root / "loop2.csv")
    (root / "loop2.csv").symlink_to(root / "loop.csv")
    out.append((root / "loop.csv", "a symbolic link to nothing"))
    out.append((root / ("y" * 300 + ".csv"), "cannot be read"))           # a name too long for the file system
    (root / "utf16.csv").write_text(_rows(digits).to_csv(index=False), encoding="utf-16")  # Excel's 'Unicode text'
    out.append((root / "utf16.csv", "not UTF-8 text"))
    (root / "folder.csv").mkdir()
    out.append((root / "folder.csv", "is a folder"))
    out.append((root / "missing.csv", "no such file"))
    return out


def test_every_bad_file_is_one_line_naming_the_file_and_the_row(tmp_path, digits):
    for path, must in _bad_files(tmp_path, digits):
        with pytest.raises(TableFileError) as info:
            load_table_file(path)
        message = str(info.value)
        named = path.name[-30:]                        # a long path is named by its start and its tail
        assert must in message and named in message and "\n" not in message, (path.name, message)


def test_a_bom_crlf_or_fully_quoted_file_reads_as_the_plain_one(tmp_path, digits):
    """Spreadsheet exports: a UTF-8 byte-order mark, Windows line ends, every field quoted."""
    plain = tmp_path / "plain.csv"
    _rows(digits).to_csv(plain, index=False)
    text = plain.read_text()
    (tmp_path / "bom.csv").write_bytes(b"\xef\xbb\xbf" + text.encode())
    (tmp_path / "crlf.csv").write_bytes(text.replace("\n", "\r\n").encode())
    _rows(digits).to_csv(tmp_path / "quoted.csv", index=False, quoting=1)        # csv.QUOTE_ALL
    want = load_table_file(plain).frame
    for name in ("bom.csv", "crlf.csv", "quoted.csv"):
        got = load_table_file(tmp_path / name).frame
        assert list(got.columns) == list(want.columns), name
        pd.testing.assert_frame_equal(got, want, check_names=True)


def test_two_cells_of_one_isomorphism_class_are_both_kept(tmp_path, digits):
    """Two equivalent cells are an export's shape (NB201's own table has them), no longer refused: each cell
    answers by its own row (tests/test_own_table_exports.py has the rule)."""
    space = digits.space
    frame = _rows(digits, 50)
    row = next(i for i, s in enumerate(frame["arch_str"]) if len(space.classes[space.canonical(space.parse(s))]) > 1)
    arch = space.parse(frame["arch_str"].iloc[row])
    twin = next(a for a in space.classes[space.canonical(arch)] if a != arch)
    extra = frame.iloc[[row]].copy()
    extra["arch_str"] = space.format(twin)
    extra["valid_acc"] = 12.5
    pd.concat([frame, extra]).to_csv(tmp_path / "iso.csv", index=False)
    table = load_table_file(tmp_path / "iso.csv")
    assert len(table) == 51 and len(table.class_rows()) == 50
    assert table.query(space.format(twin))["valid_acc"] == 12.5
    assert table.query(space.format(arch))["valid_acc"] == frame["valid_acc"].iloc[row]


def test_a_table_without_training_times_is_searched_at_no_cost(tmp_path, digits):
    """The default cost column (train_time_s) is build-table's; a CSV of your own without it is searched (each
    query costs 0 s) instead of refused with 'cost: unknown metric', which names no option one can set."""
    _rows(digits, 30).drop(columns="train_time_s").to_csv(tmp_path / "notime.csv", index=False)
    evaluator = TableEvaluator(load_table_file(tmp_path / "notime.csv"))
    assert evaluator.cost == ""
    result = start_search("re", evaluator, 10, 0, progress=False)
    assert len(result.history) == 10 and result.train_time_s == 0.0
    with pytest.raises(ValueError, match="cost: unknown metric 'energy'"):     # an explicit cost still checked
        TableEvaluator(load_table_file(tmp_path / "notime.csv"), cost="energy")


@pytest.mark.parametrize("algo", ["rs", "re", "ls", "nao"])
def test_a_search_on_a_partial_table_proposes_only_its_classes(tables, algo):
    evaluator = TableEvaluator(str(tables[1]))
    pool = evaluator.pool
    kw = {"preset": "fast"} if algo == "nao" else {}
    runs = [start_search(algo, evaluator, 40, 3, progress=False, **kw) for _ in range(2)]
    for result in runs:
        assert len(result.history) == 40
        assert all(r.canonical in pool for r in result.history)
        assert len({r.canonical for r in result.history}) == 40
    assert [r.arch for r in runs[0].history] == [r.arch for r in runs[1].history]   # same seed, same run


def test_the_budget_is_capped_at_the_partial_tables_classes(tables):
    evaluator = TableEvaluator(str(tables[1]))
    with pytest.raises(ValueError, match="200 classes the partial table"):
        start_search("rs", evaluator, 201, 0, progress=False)
    result = start_search("rs", evaluator, 200, 0, progress=False)        # every class, each once
    assert {r.canonical for r in result.history} == set(evaluator.pool)


def test_a_complete_file_searches_as_the_named_table_does(tables):
    by_file = start_search("re", TableEvaluator(str(tables[0])), 30, 1, progress=False)
    by_name = start_search("re", TableEvaluator("nb201-digits"), 30, 1, progress=False)
    assert [r.arch for r in by_file.history] == [r.arch for r in by_name.history]


def test_an_edited_table_file_is_read_again_and_keys_its_caches_anew(tmp_path, digits):
    from naoviz.atlas_cache import atlas_name
    from naoviz.evaluate import _load_table
    from naoviz.nao.cache import ModelSpec, model_key
    _, path = write_tables(tmp_path, digits, n=60)
    spec = ModelSpec(metric="valid_acc", n_train=1000)
    first = _load_table(str(path), None)
    names = (model_key(first, spec), atlas_name(first, spec, maps=("pca",), seeds="classes"))
    frame = pd.read_csv(path)
    frame.loc[0, "params_M"] += 1.0                        # not the model's metric: same model, new atlas
    frame.to_csv(path, index=False)
    second = _load_table(str(path), None)
    assert second is not first and second.fingerprint != first.fingerprint
    assert model_key(second, spec) == names[0]
    assert atlas_name(second, spec, maps=("pca",), seeds="classes") != names[1]
    frame.loc[0, "valid_acc"] += 1.0                       # the model's metric: a new model too
    frame.to_csv(path, index=False)
    third = _load_table(str(path), None)
    assert model_key(third, spec) != names[0]


def test_a_stored_run_on_a_table_file_rebuilds_its_evaluator(tables):
    from naoviz.evaluate import evaluator_from_config
    evaluator = TableEvaluator(load_table_file(tables[1]))
    described = evaluator.describe()
    assert described["benchmark"] == str(tables[1].resolve())
    again = evaluator_from_config(described)
    assert again.pool.keys() == evaluator.pool.keys()


def test_snap_to_table_replaces_decodes_outside_a_partial_table_by_table_cells(tables):
    """``snap_to_table``: a decode the partial table lacks becomes its nearest unevaluated row (a query from the
    decoder, naming the decode it replaced); every query stays in the table; same seed, same run; off, the
    same decodes are skipped. A non-bool value is refused."""
    from naoviz.search.nao_search import NAOSearchConfig
    evaluator = TableEvaluator(str(tables[1]))
    runs = [start_search("nao", evaluator, 30, 0, progress=False, preset="fast", config={"snap_to_table": True})
            for _ in range(2)]
    plain = start_search("nao", evaluator, 30, 0, progress=False, preset="fast")
    assert [r.arch for r in runs[0].history] == [r.arch for r in runs[1].history]
    snapped = [r for r in runs[0].history if "snapped_from" in r.extra]
    assert snapped and all(r.source == "decoder" for r in snapped)
    assert all(r.canonical in evaluator.pool for r in runs[0].history)
    assert all(evaluator.space.canonical(evaluator.space.parse(r.extra["snapped_from"])) not in evaluator.pool
               for r in snapped)
    assert runs[0].counts()["queries"]["decoder"] > plain.counts()["queries"]["decoder"]
    with pytest.raises(ValueError, match="snap_to_table"):
        NAOSearchConfig(snap_to_table=1)


def test_default_nao_snaps_into_a_partial_table_and_the_search_line_says_how_many(tables):
    """``default`` sets ``snap_to_table`` (bench/RESULTS.md, "The table-2 miss explained"): on a partial table
    its decodes are queried as their nearest table cells, where skipping them left about 1 decode in 50 queries;
    ``naoviz search`` counts them. ``snap_to_table: false`` skips as before, and ``kmeans`` does not snap."""
    from naoviz.cli.search import partial_text, snapped_count
    evaluator = TableEvaluator(str(tables[1]))
    small = {"epochs": 4, "warm_epochs": 2, "n_init": 8,
             "model": {"ensemble": 2, "hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}}
    snapping = start_search("nao", evaluator, 24, 0, progress=False, config=small)       # no preset: default
    skipping = start_search("nao", evaluator, 24, 0, progress=False, config=dict(small, snap_to_table=False))
    n = snapped_count(snapping)
    assert n == sum("snapped_from" in r.extra for r in snapping.history) and n > 0
    assert snapping.counts()["queries"]["decoder"] > skipping.counts()["queries"]["decoder"]
    assert snapped_count(skipping) is None and not make_searcher("nao", preset="kmeans").config.snap_to_table
    assert f"({n} decodes outside it snapped to the nearest table cell" in partial_text(evaluator, n)
    assert "(decodes and mutations outside it skipped)" in partial_text(evaluator, snapped_count(skipping))


@pytest.mark.parametrize("sep, must", [(";", "columns separated by ';', not commas; export it as CSV with commas "
                                               "(and a dot for decimals)"),
                                        ("\t", "line 2: column 'valid_acc' holds '90,5', not a number (write 91.5: "
                                               "a dot for decimals)")])
def test_a_file_with_decimal_commas_says_so(tmp_path, sep, must):
    """A spreadsheet's export in a locale with decimal commas separates by ';' (or a TSV by tabs): the line says
    to write a dot for decimals, instead of 'no arch_str column (columns: arch_str;valid_acc)' which names the
    very column it lacks, or 'is text: drop it' for the TSV's only metric (a TSV is read: the value is what is
    wrong)."""
    arch = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"
    path = tmp_path / "t.csv"
    path.write_text(f"arch_str{sep}valid_acc\n{arch}{sep}90,5\n")
    with pytest.raises(TableFileError, match=re.escape(must)):
        load_table_file(path)


def test_stall_retrieves_from_a_partial_tables_rows(tables):
    """``stall`` on a partial table (bench/RESULTS.md, "stall and sweep_projected on a partial table"): once the
    step stalls, its decodes are retrieved from the table's rows (``pool_cells``: the table's classes, not the
    space's 6,466), so most of its decoder queries are retrieved ones and every query is a row of the table."""
    from naoviz.search.base import SearchContext
    from naoviz.search.retrieve import pool_cells
    evaluator = TableEvaluator(str(tables[1]))
    ctx = SearchContext(evaluator, 10, algo="nao", seed=0, progress=False)
    cells = pool_cells(ctx, 0, np.random.default_rng(0))
    assert sorted(evaluator.space.canonical(a) for a in cells) == sorted(evaluator.pool)
    small = {"epochs": 4, "warm_epochs": 2, "n_init": 8,
             "model": {"ensemble": 2, "hidden_size": 16, "mlp_hidden": 16, "augment_draws": 2}}
    run = start_search("nao", evaluator, 40, 0, progress=False, preset="stall", config=small)
    assert all(r.canonical in evaluator.pool for r in run.history)
    assert run.retrieved() > run.counts()["queries"]["decoder"] / 2 > 0
