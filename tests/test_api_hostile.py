"""Hostile arguments to the public Python API (what a notebook calls): one exception of a clear type whose message
names the argument and shows the value, raised at naoviz's edge before any work, never an AttributeError from
deep inside, a numpy/pandas message, or a silent -1 / clamp. In-process on real objects (the digits table, a
small fitted NAO, the shipped atlas, a real SQLite store); bench/hostile_api.py holds the wider, separately
written set, each case in its own process.
"""
from __future__ import annotations

import re
import traceback
from pathlib import Path

import pytest

import naoviz

NAN = float("nan")
CELL = "|nor_conv_3x3~0|+|skip_connect~0|none~1|+|avg_pool_3x3~0|nor_conv_1x1~1|skip_connect~2|"
NAONET = " ".join(["0 1"] * 20) + " | " + " ".join(["0 1"] * 20)


@pytest.fixture(scope="module")
def api(tmp_path_factory):
    """What the cases call: the digits table, a 2-epoch NAO, the shipped atlas, a run store holding one run."""
    from naoviz.atlas_cache import atlas_for
    from naoviz.evaluate import TableEvaluator
    from naoviz.nao import NAO, NAOConfig
    from naoviz.nao.cache import ModelSpec
    from naoviz.search import start_search
    from naoviz.store import RunStore
    from naoviz.tables import load_benchmark
    root = tmp_path_factory.mktemp("api")
    (root / "folder").mkdir()
    (root / "file").write_text("not a store\n")
    digits = load_benchmark("nb201-digits")
    archs = digits.space.sample(20, seed=3)
    nao = NAO(digits.space, NAOConfig.preset("fast", epochs=2)).fit(archs, digits.metric("valid_acc", archs),
                                                                    progress=False)
    ev = TableEvaluator(digits)
    store = RunStore(root / "runs.db")
    start_search("rs", ev, 2, 1, store=store, progress=False)
    return {"root": root, "digits": digits, "space": digits.space, "nao": nao, "ev": ev, "store": store,
            "atlas": atlas_for(digits, ModelSpec())}


def _search(a, **kw):
    from naoviz.search import start_search
    return start_search("rs", kw.pop("evaluator", a["ev"]), kw.pop("budget", 4), kw.pop("seed", 0),
                        progress=False, **kw)


def _resume(a, store, run):
    from naoviz.search import resume_search
    return resume_search(store, run, progress=False)


# (id, call, exception type, words the message must hold: the argument, then the value)
CASES = [
    ("sample seed negative", lambda a: a["space"].sample(3, seed=-7), ValueError, ["seed", "-7"]),
    ("sample seed float", lambda a: a["space"].sample(3, seed=0.5), ValueError, ["seed", "0.5"]),
    ("sample n huge", lambda a: a["space"].sample(10**11, seed=0), ValueError, ["sample n", "100000000000"]),
    ("naonet sample n float", lambda a: __import__("naoviz.spaces", fromlist=["x"]).get_space("naonet").sample(2.0),
     ValueError, ["sample n", "2.0"]),
    ("query wrong space", lambda a: a["digits"].query(NAONET), ValueError, ["arch", "0 1 0 1"]),
    ("metric archs not a list", lambda a: a["digits"].metric("valid_acc", 7), TypeError, ["archs", "7"]),
    ("metric bad arch in list", lambda a: a["digits"].metric("valid_acc", [CELL, "nope"]), ValueError,
     ["archs[1]", "nope"]),
    ("table directory missing", lambda a: __import__("naoviz.tables", fromlist=["x"]).load_benchmark(
        "nb201-digits", a["root"] / "no-such-dir"), FileNotFoundError, ["directory:", "no-such-dir"]),
    ("table file None", lambda a: __import__("naoviz.tables.user_table", fromlist=["x"]).load_table_file(None),
     TypeError, ["path", "None"]),
    ("evaluator of a list", lambda a: __import__("naoviz.evaluate", fromlist=["x"]).TableEvaluator([1, 2]),
     TypeError, ["benchmark", "[1, 2]"]),
    ("evaluator constraints int", lambda a: __import__("naoviz.evaluate", fromlist=["x"]).TableEvaluator(
        a["digits"], constraints=3), ValueError, ["constraint", "3"]),
    ("evaluate a bad cell string", lambda a: a["ev"].evaluate("|oops|"), ValueError, ["arch", "oops"]),
    ("training evaluator space", lambda a: __import__("naoviz.evaluate", fromlist=["x"]).TrainingEvaluator(
        "nb201", "child-trainer"), TypeError, ["space", "nb201"]),
    ("training evaluator fn", lambda a: __import__("naoviz.evaluate", fromlist=["x"]).TrainingEvaluator(
        a["space"], "nope-fn"), ValueError, ["train_fn", "nope-fn"]),
    ("search evaluator", lambda a: _search(a, evaluator=a["digits"]), TypeError, ["evaluator", "Benchmark"]),
    ("search budget float before the store", lambda a: _search(a, budget=3.0, store=a["store"]), ValueError,
     ["budget", "3.0"]),
    ("search store folder", lambda a: _search(a, store=a["root"] / "folder"), Exception, ["folder"]),
    ("search store not a store", lambda a: _search(a, store=12), TypeError, ["store", "12"]),
    ("search on_evaluation", lambda a: _search(a, on_evaluation="print"), TypeError, ["on_evaluation", "print"]),
    ("search stop", lambda a: _search(a, stop=True), TypeError, ["stop", "True"]),
    ("searcher run evaluator", lambda a: __import__("naoviz.search", fromlist=["x"]).make_searcher("re").run(
        None, 4, 0, progress=False), TypeError, ["evaluator", "None"]),
    ("resume store missing", lambda a: _resume(a, a["root"] / "gone.db", "x"), FileNotFoundError,
     ["store", "gone.db"]),
    ("resume store path, no run", lambda a: _resume(a, str(a["store"].path), "no-run"), KeyError, ["no-run"]),
    ("NAO config a name", lambda a: __import__("naoviz.nao", fromlist=["x"]).NAO(a["space"], "paper"), TypeError,
     ["config", "paper"]),
    ("NAO space a name", lambda a: __import__("naoviz.nao", fromlist=["x"]).NAO("naonet"), ValueError,
     ["space", "naonet"]),
    ("fit values text", lambda a: a["nao"].fit([CELL, CELL], ["x", "y"], progress=False), ValueError,
     ["values", "x"]),
    ("fit archs None", lambda a: a["nao"].fit(None, [1.0], progress=False), TypeError, ["archs", "None"]),
    ("fit callback", lambda a: a["nao"].fit([CELL], [1.0], callback="log", progress=False), TypeError,
     ["callback", "log"]),
    ("predict bad second arch", lambda a: a["nao"].predict([CELL, "zz"]), ValueError, ["archs[1]", "zz"]),
    ("path wrong space", lambda a: a["nao"].path(NAONET, etas=[0, 1]), ValueError, ["arch", "0 1 0 1"]),
    ("path etas None", lambda a: a["nao"].path(CELL, etas=None), ValueError, ["etas", "None"]),
    ("path etas text", lambda a: a["nao"].path(CELL, etas="fast"), ValueError, ["etas", "fast"]),
    ("path benchmark name", lambda a: a["nao"].path(CELL, [1], benchmark="nb201-digits", metric="valid_acc"),
     TypeError, ["benchmark", "nb201-digits"]),
    ("generate bad seed cell", lambda a: a["nao"].generate(["qq"], n_new=1), ValueError, ["seeds[0]", "qq"]),
    ("cost columns int", lambda a: __import__("naoviz.nao.cost", fromlist=["x"]).CostNAO(a["space"], cost_columns=4),
     ValueError, ["cost_columns", "4"]),
    ("model spec n_train", lambda a: __import__("naoviz.nao.cache", fromlist=["x"]).ModelSpec(n_train=-2),
     ValueError, ["n_train", "-2"]),
    ("model spec preset", lambda a: __import__("naoviz.nao.cache", fromlist=["x"]).ModelSpec(preset="quick"),
     ValueError, ["preset", "quick"]),
    ("model spec override", lambda a: __import__("naoviz.nao.cache", fromlist=["x"]).ModelSpec(
        overrides={"lr": NAN}), ValueError, ["lr", "nan"]),
    ("atlas_for random_state", lambda a: __import__("naoviz.atlas_cache", fromlist=["x"]).atlas_for(
        a["digits"], __import__("naoviz.nao.cache", fromlist=["x"]).ModelSpec(), random_state=-3), ValueError,
     ["random_state", "-3"]),
    ("atlas_for spec", lambda a: __import__("naoviz.atlas_cache", fromlist=["x"]).atlas_for(a["digits"], {}),
     TypeError, ["spec", "{}"]),
    ("atlas_for bench", lambda a: __import__("naoviz.atlas_cache", fromlist=["x"]).atlas_for(
        "nb201", __import__("naoviz.nao.cache", fromlist=["x"]).ModelSpec()), TypeError, ["bench", "nb201"]),
    ("locate a bad cell", lambda a: a["atlas"].locate("|x|", a["space"]), ValueError, ["cell", "|x|"]),
    ("locate not a string", lambda a: a["atlas"].locate(42), TypeError, ["cell", "42"]),
    ("write_page not an atlas", lambda a: __import__("naoviz.explorer_page", fromlist=["x"]).write_page(
        {}, a["root"] / "p.html"), TypeError, ["atlas", "{}"]),
    ("plan metric not swapped", lambda a: __import__("naoviz.explorer_plan", fromlist=["x"]).ExplorerPlan(
        metric="accuracy").spec(a["digits"]), ValueError, ["metric", "accuracy"]),
    ("plan table", lambda a: __import__("naoviz.explorer_plan", fromlist=["x"]).ExplorerPlan(
        table="nb301").benchmark(), ValueError, ["table", "nb301"]),
    ("percentile q", lambda a: __import__("naoviz.search.constraints", fromlist=["x"]).percentile_budget(
        a["digits"], "params_M", 250), ValueError, ["q", "250"]),
    ("hypervolume reference", lambda a: __import__("naoviz.search.pareto", fromlist=["x"]).hypervolume(
        [[1, 2, 3]], [9, 9], [True] * 3), ValueError, ["reference", "[9, 9]"]),
    ("table_rank metric", lambda a: __import__("naoviz.experiments.supernet", fromlist=["x"]).table_rank(
        CELL, "acc", a["digits"]), ValueError, ["metric", "acc"]),
    ("train_preset cell before data", lambda a: __import__("naoviz.child", fromlist=["x"]).train_preset(
        "nb201", "|bad~0|"), ValueError, ["arch", "bad"]),
    ("compare algos", lambda a: __import__("naoviz.experiments.search", fromlist=["x"]).compare(
        a["ev"], ["rs"], 3, [0]), ValueError, ["algos", "rs"]),
    ("compare seeds", lambda a: __import__("naoviz.experiments.search", fromlist=["x"]).compare(
        a["ev"], [("rs", None)], 3, 5), ValueError, ["seeds", "5"]),
    ("export_many lengths", lambda a: __import__("naoviz.viz", fromlist=["x"]).export_many(
        [], [a["root"] / "a.png"]), ValueError, ["export_many", "0 figure"]),
    ("generate exclude", lambda a: a["nao"].generate([CELL], n_new=1, exclude=3), TypeError, ["exclude", "3"]),
    ("objectives not a list", lambda a: __import__("naoviz.evaluate", fromlist=["x"]).TableEvaluator(
        a["digits"], objectives=2.5), ValueError, ["objectives", "2.5"]),
    ("atlas load None", lambda a: __import__("naoviz.atlas", fromlist=["x"]).Atlas.load(None), TypeError,
     ["path", "None"]),
    ("hypervolume points text", lambda a: __import__("naoviz.search.pareto", fromlist=["x"]).hypervolume(
        "pts", [0, 0], [True, True]), ValueError, ["points", "pts"]),
    ("compare checkpoints", lambda a: __import__("naoviz.experiments.search", fromlist=["x"]).compare(
        a["ev"], [("rs", None)], 3, [0], checkpoints=[0, 2]), ValueError, ["checkpoints", "0"]),
    ("widget atlas", lambda a: __import__("naoviz.ui", fromlist=["x"]).ExplorerWidget("atlas.json"), TypeError,
     ["atlas", "atlas.json"]),
] + [   # the child trainer, hardware-aware search, supernet / NAO-WS, the store's reading API, figures, widget
    ("train_child config a name", lambda a: _m("naoviz.child").train_child("nb201", CELL, _syn(), "fast"),
     TypeError, ["config", "fast"]),
    ("train_child data a name", lambda a: _m("naoviz.child").train_child("nb201", CELL, "digits"), TypeError,
     ["data", "digits"]),
    ("train_preset callback", lambda a: _m("naoviz.child").train_preset("nb201", CELL, epochs=1, callback=5),
     TypeError, ["callback", "5"]),
    ("TrainConfig compile", lambda a: _m("naoviz.child").TrainConfig(compile="yes").validate(), ValueError,
     ["compile", "yes"]),
    ("build_network classes", lambda a: _m("naoviz.child").build_network("nb201", CELL, num_classes=0), ValueError,
     ["num_classes", "0"]),
    ("load_data seed", lambda a: _m("naoviz.child").load_data("digits", seed=-1), ValueError, ["seed", "-1"]),
    ("build_benchmark config dict", lambda a: _m("naoviz.child.build_table").build_benchmark(
        {"epochs": 2}, a["root"] / "b.db", a["root"] / "t.csv"), TypeError, ["config", "epochs"]),
    ("ForestCosts n_trees", lambda a: _m("naoviz.search.hw").ForestCosts(a["space"], ["params_M"], n_trees=0),
     ValueError, ["n_trees", "0"]),
    ("LinearCosts short table", lambda a: _m("naoviz.search.hw").LinearCosts(a["space"], ["params_M"]).fit(
        [CELL, CELL], {"params_M": [1.0]}), ValueError, ["table['params_M']", "1 values"]),
    ("budget_path plain NAO", lambda a: _m("naoviz.nao.cost_heads").budget_path(a["nao"], CELL, [0, 1],
                                                                                 {"params_M": 1}),
     TypeError, ["model", "CostNAO"]),
    ("supernet device", lambda a: _m("naoviz.child.supernet_config").SupernetConfig(device="tpu").validate(),
     ValueError, ["device", "tpu"]),
    ("run_nao_ws config a name", lambda a: _m("naoviz.search.nao_ws").run_nao_ws("fast"), TypeError,
     ["config", "fast"]),
    ("measure_nao_ws n before the search", lambda a: _m("naoviz.experiments.supernet").measure_nao_ws(n=-1),
     ValueError, ["n", "-1"]),
    ("table_sample n", lambda a: _m("naoviz.experiments.supernet").table_sample(-1), ValueError, ["n", "-1"]),
    ("find_runs config", lambda a: a["store"].find_runs("search", "x", 0), ValueError, ["config", "'x'"]),
    ("store read_only", lambda a: _m("naoviz.store").RunStore(a["store"].path, read_only="yes"), ValueError,
     ["read_only", "yes"]),
    ("resume executor", lambda a: _m("naoviz.search").resume_search(a["store"], _run(a), executor="x",
                                                                    progress=False), TypeError, ["executor", "x"]),
    ("stored_result on_evaluation", lambda a: _m("naoviz.search.runs").stored_result(
        a["store"], _run(a), on_evaluation="x"), TypeError, ["on_evaluation", "x"]),
    ("finished_search budget", lambda a: _m("naoviz.search.runs").finished_search(
        "rs", a["ev"], 0, 0, store=a["store"]), ValueError, ["budget", "0"]),
    ("search_curves a list", lambda a: _m("naoviz.viz").search_curves([1, 2]), TypeError, ["curves", "[1, 2]"]),
    ("search_curves 3-D", lambda a: _m("naoviz.viz").search_curves({"rs": [[[1.0]]]}), ValueError,
     ["curves['rs']", "[[[1.0]]]"]),
    ("training_curves text", lambda a: _m("naoviz.viz").training_curves("abc"), TypeError, ["history", "abc"]),
    ("atlas_map None", lambda a: _m("naoviz.viz").atlas_map(None), TypeError, ["atlas", "None"]),
    ("cell_compare seed", lambda a: _m("naoviz.viz").cell_compare(a["space"], "garbage", CELL), ValueError,
     ["seed:", "garbage"]),
    ("cell_compare space", lambda a: _m("naoviz.viz").cell_compare("nb201", CELL, CELL), TypeError,
     ["space", "nb201"]),
    ("export to a folder", lambda a: _m("naoviz.viz").export(_m("naoviz.viz").search_curves({}), a["root"] / "folder"),
     ValueError, ["path", "folder"]),
    ("export width", lambda a: _m("naoviz.viz").export(_m("naoviz.viz").search_curves({}), a["root"] / "x.html",
                                                       width=0), ValueError, ["width", "0"]),
    ("widget handler", lambda a: _m("naoviz.ui").ExplorerWidget(a["atlas"], handler="x"), TypeError,
     ["handler", "x"]),
    ("widget apply_query", lambda a: _m("naoviz.ui").ExplorerWidget(a["atlas"]).apply_query(5), TypeError,
     ["query", "5"]),
]


def _m(name):
    import importlib
    return importlib.import_module(name)


def _syn():
    return _m("naoviz.child").load_data("synthetic")


def _run(a) -> str:
    return a["store"].runs()[0]["id"]


@pytest.mark.parametrize("call, kind, words", [c[1:] for c in CASES], ids=[c[0] for c in CASES])
def test_a_bad_argument_is_named_at_the_edge(api, call, kind, words):
    with pytest.raises(kind) as info:
        call(api)
    exc = info.value
    message = exc.args[0] if isinstance(exc, KeyError) else str(exc)
    assert isinstance(exc, (ValueError, TypeError, LookupError, OSError)), repr(exc)
    for word in words:
        assert word.lower() in message.lower(), f"{word!r} not in {message!r}"
    raised_in = traceback.extract_tb(exc.__traceback__)[-1].filename
    assert Path(raised_in).is_relative_to(Path(naoviz.__file__).parent) or isinstance(exc, OSError), raised_in
    assert "\n" not in message and len(message) < 400, message


def test_a_search_refused_for_its_budget_leaves_no_run_in_the_store(api):
    """The budget is checked before the run is created: a refused search leaves nothing behind."""
    before = len(api["store"].runs())
    with pytest.raises(ValueError, match=re.escape("budget: need at least 1 query, got 0")):
        _search(api, budget=0, store=api["store"])
    assert len(api["store"].runs()) == before


def test_a_store_given_as_a_path_is_opened(api):
    """start_search and resume_search take a run store's path as well as a RunStore."""
    path = api["root"] / "by-path.db"
    result = _search(api, budget=2, store=str(path))
    assert result.run_id and path.exists()
    again = _resume(api, path, result.run_id)
    assert again.stored and [r.arch for r in again.history] == [r.arch for r in result.history]


def test_a_refused_table_build_trains_nothing(api):
    """build_benchmark refuses an ``out`` it cannot write before it creates a run or trains a cell."""
    from naoviz.child.build_table import BuildConfig, build_benchmark
    store = api["root"] / "build.db"
    with pytest.raises(ValueError, match="out: .*folder is a folder"):
        build_benchmark(BuildConfig(archs=1, epochs=1), store, api["root"] / "folder", progress=False)
    assert not store.exists()


def test_finished_search_of_a_missing_store_is_none_and_creates_nothing(api):
    """Asking a store path that is not there for a finished run answers None, without making an empty store."""
    from naoviz.search.runs import finished_search
    path = api["root"] / "never.db"
    assert finished_search("rs", api["ev"], 2, 1, store=path) is None
    assert not path.exists()


def test_search_curves_take_one_run_as_a_plain_list(api):
    """``curves[name]`` as (queries,) works as a Python list too, not only as an array."""
    from naoviz.viz import search_curves
    fig = search_curves({"rs": [1.0, 2.0, 2.0]})
    assert [list(t.y) for t in fig.data if t.name == "random search"][0][-1] == 2.0


def test_widget_traits_refuse_a_tour_below_minus_one_and_a_non_atlas(api):
    """A tour stage below -1 and set_atlas(None) are refused naming the trait / argument."""
    import traitlets
    from naoviz.ui import ExplorerWidget
    w = ExplorerWidget(api["atlas"])
    with pytest.raises(traitlets.TraitError, match="tour_stage: -5"):
        w.tour_stage = -5
    with pytest.raises(TypeError, match="atlas must be .* got NoneType None"):
        w.set_atlas(None)
    w.tour_stage = 99                    # past the last stage: how the page closes the tour
