"""bench/hostile_api.py's first cases (the second pass, ids ``2/...``: bench/hostile_api_cases_second.py): each a
line of Python calling one documented entry point with one bad argument, with the words its error must name (the
argument: any of them) and show (the value: any of them, or none to check).

The fixtures are what a notebook has at hand: the digits table, its space, a NAOnet space, a table evaluator, a
small fitted NAO and an unfitted one, the shipped digits atlas, a run store holding one finished run, and paths
that do not exist, are folders, are files that are not ours."""
from __future__ import annotations

import sqlite3
from pathlib import Path

NAN, INF = float("nan"), float("inf")
HUGE = "x" * 100_000


# the public names the cases call, by module (what README.md, docs/*.md and notebooks/ import)
API = {"naoviz.atlas": "Atlas", "naoviz.atlas_cache": "atlas_for", "naoviz.child": "get_preset train_preset",
       "naoviz.evaluate": "TableEvaluator TrainingEvaluator", "naoviz.experiments.predictor": "run_one",
       "naoviz.experiments.search": "compare", "naoviz.experiments.supernet": "table_rank",
       "naoviz.explorer_page": "write_page", "naoviz.explorer_plan": "ExplorerPlan", "naoviz.nao": "NAO NAOConfig",
       "naoviz.nao.cache": "ModelSpec load_or_train", "naoviz.nao.cost": "CostNAO",
       "naoviz.search": "make_searcher resume_search start_search",
       "naoviz.search.constraints": "constrained_optimum percentile_budget", "naoviz.search.nao_ws": "NAOWSConfig",
       "naoviz.search.pareto": "hypervolume", "naoviz.search.runs": "finished_search search_or_resume stored_result",
       "naoviz.spaces": "get_space", "naoviz.store": "RunStore", "naoviz.tables": "load_benchmark",
       "naoviz.tables.user_table": "load_table_file open_table", "naoviz.ui": "ExplorerWidget",
       "naoviz.viz": "atlas_map export_many"}


def fixtures(tmp: Path) -> dict:
    """The namespace every case runs in (loaded once; each case gets a forked copy)."""
    import importlib
    ns = {name: getattr(importlib.import_module(module), name) for module, names in API.items()
          for name in names.split()}
    digits = ns["load_benchmark"]("nb201-digits")
    space = digits.space
    naonet = ns["get_space"]("naonet")
    archs = space.sample(40, seed=0)
    nao = ns["NAO"](space, ns["NAOConfig"].preset("fast", epochs=3)).fit(archs, digits.metric("valid_acc", archs),
                                                                       progress=False)
    ev = ns["TableEvaluator"](digits)
    store_path = tmp / "runs.db"
    store = ns["RunStore"](store_path)
    res = ns["start_search"]("rs", ev, 3, 0, store=store, progress=False)
    (tmp / "a_file").write_text("not ours\n")
    (tmp / "a_folder").mkdir()
    (tmp / "empty.csv").write_text("")
    (tmp / "header.csv").write_text("arch,valid_acc\n")
    (tmp / "binary.csv").write_bytes(bytes(range(256)) * 8)
    (tmp / "naonet_rows.csv").write_text("arch,valid_acc\n" + naonet.format(naonet.sample(1, seed=0)[0]) + ",50\n")
    (tmp / "nan_rows.csv").write_text(f"arch,valid_acc\n{space.format(archs[0])},nan\n")
    with sqlite3.connect(tmp / "foreign.db") as conn:
        conn.execute("CREATE TABLE runs (x INTEGER)")
    conn.close()
    ns.update(digits=digits, space=space, naonet=naonet, archs=archs, nao=nao, ev=ev, store_path=store_path,
              store=store, atlas=ns["atlas_for"](digits, ns["ModelSpec"]()), run_id=res.run_id,
              CELL=space.format(archs[0]), NAONET_ARCH=naonet.format(naonet.sample(1, seed=0)[0]), NAN=NAN, INF=INF,
              HUGE=HUGE, T=str(tmp))
    return ns


def cases() -> list[tuple[str, str, tuple, tuple]]:
    """(id, code, argument names, values) for every case; ``_ = ...`` keeps what a call returned."""
    out: list = []

    def c(cid, code, names, values=()):
        out.append((cid, code, tuple(names) if isinstance(names, (tuple, list)) else (names,),
                    tuple(values) if isinstance(values, (tuple, list)) else (values,)))

    # -- spaces -------------------------------------------------------------------------------------------
    c("space/name", "_ = get_space('nb202')", ("name", "space"), "nb202")
    c("space/name-empty", "_ = get_space('')", ("name", "space"), "''")
    c("space/name-none", "_ = get_space(None)", ("name", "space"), "None")
    c("space/name-int", "_ = get_space(5)", ("name", "space"), "5")
    c("space/option", "_ = get_space('nb201', tokenization='bogus')", "tokenization", "bogus")
    c("space/option-unknown", "_ = get_space('nb201', nope=1)", "nope")
    # parse/format have one argument: the space's name leading the message ("nb201: ...") is enough
    c("parse/garbage", "_ = space.parse('garbage')", ("arch", "cell", "nb201:", "naonet:"), "garbage")
    c("parse/empty", "_ = space.parse('')", ("arch", "cell", "nb201:", "naonet:"), "''")
    c("parse/none", "_ = space.parse(None)", ("arch", "cell", "nb201:", "naonet:"), "None")
    c("parse/int", "_ = space.parse(5)", ("arch", "cell", "nb201:", "naonet:"), "5")
    c("parse/naonet-on-nb201", "_ = space.parse(NAONET_ARCH)", ("arch", "cell", "nb201:", "naonet:"), "1 12 1 7")
    c("parse/nb201-on-naonet", "_ = naonet.parse(CELL)", ("arch", "cell", "nb201:", "naonet:"), "|avg_pool")
    c("parse/bad-op", "_ = space.parse(CELL.replace('avg_pool_3x3', 'max_pool_3x3'))", ("arch", "cell", "nb201:", "naonet:", "op"),
      "max_pool_3x3")
    c("parse/huge", "_ = space.parse(HUGE)", ("arch", "cell", "nb201:", "naonet:"), "xxxxxxxx")
    c("format/garbage", "_ = space.format('abc')", ("arch", "nb201:"), "abc")
    c("format/short", "_ = space.format((0, 1))", ("arch", "nb201:"), "(0, 1)")
    c("format/out-of-range", "_ = space.format((9, 9, 9, 9, 9, 9))", ("arch", "nb201:"), "9")
    for n, shown in (("-1", "-1"), ("1.5", "1.5"), ("'10'", "'10'"), ("NAN", "nan"), ("True", "True"),
                     ("10**12", "1000000000000")):
        c(f"sample/n={n}", f"_ = space.sample({n}, seed=0)", "n", shown)
    for seed, shown in (("-1", "-1"), ("1.5", "1.5"), ("'x'", "'x'"), ("NAN", "nan"), ("[1, 2]", "[1, 2]")):
        c(f"sample/seed={seed}", f"_ = space.sample(5, seed={seed})", "seed", shown)

    # -- tables -------------------------------------------------------------------------------------------
    c("table/name", "_ = load_benchmark('nb202')", ("name", "table", "benchmark"), "nb202")
    c("table/empty", "_ = load_benchmark('')", ("name", "table", "benchmark"), "''")
    c("table/none", "_ = load_benchmark(None)", ("name", "table", "benchmark"), "None")
    c("table/int", "_ = load_benchmark(5)", ("name", "table", "benchmark"), "5")
    c("table/folder", "_ = load_benchmark(T + '/a_folder')", ("table", "name", "folder"), "a_folder")
    c("table/missing-csv", "_ = load_benchmark(T + '/nope.csv')", ("table", "name", "file"), "nope.csv")
    c("table/dir-missing", "_ = load_benchmark('nb201-digits', directory=T + '/nope')", "directory", "nope")
    c("open_table/missing", "_ = open_table(T + '/nope.csv')", ("table", "file"), "nope.csv")
    c("open_table/folder", "_ = open_table(T + '/a_folder')", ("table", "file", "folder"), "a_folder")
    c("load_table_file/empty", "_ = load_table_file(T + '/empty.csv')", ("table", "file", "empty"), "empty.csv")
    c("load_table_file/header", "_ = load_table_file(T + '/header.csv')", ("table", "file", "rows"), "header.csv")
    c("load_table_file/binary", "_ = load_table_file(T + '/binary.csv')", ("table", "file"), "binary.csv")
    c("load_table_file/naonet", "_ = load_table_file(T + '/naonet_rows.csv')", ("arch", "cell", "line"),
      "naonet_rows.csv")
    c("load_table_file/nan", "_ = load_table_file(T + '/nan_rows.csv')", ("valid_acc", "nan"), "nan_rows.csv")
    c("load_table_file/none", "_ = load_table_file(None)", ("path", "table"), "None")
    c("query/garbage", "_ = digits.query('garbage')", ("arch", "cell"), "garbage")
    c("query/naonet", "_ = digits.query(NAONET_ARCH)", ("arch", "cell"), "1 12 1 7")
    c("query/index-neg", "_ = digits.query(-1)", ("arch", "index", "row"), "-1")
    c("query/index-huge", "_ = digits.query(10**9)", ("arch", "index", "row"), "1000000000")
    c("query/float", "_ = digits.query(1.5)", ("arch", "index"), "1.5")
    c("query/none", "_ = digits.query(None)", ("arch",), "None")
    c("query/short-tuple", "_ = digits.query((0, 0, 0))", ("arch",), "(0, 0, 0)")
    c("query/op-range", "_ = digits.query((9, 9, 9, 9, 9, 9))", ("arch", "op"), "9")
    c("metric/name", "_ = digits.metric('nope')", ("metric", "name"), "nope")
    c("metric/none", "_ = digits.metric(None)", ("metric", "name"), "None")
    c("metric/archs-garbage", "_ = digits.metric('valid_acc', ['garbage'])", ("arch",), "garbage")
    c("metric/archs-int", "_ = digits.metric('valid_acc', 5)", ("archs",), "5")
    c("best/name", "_ = digits.best('nope')", ("metric", "name"), "nope")

    # -- evaluators ---------------------------------------------------------------------------------------
    c("TableEvaluator/table", "_ = TableEvaluator('nb202')", ("benchmark", "table", "name"), "nb202")
    c("TableEvaluator/table-int", "_ = TableEvaluator(5)", ("benchmark", "table"), "5")
    c("TableEvaluator/table-none", "_ = TableEvaluator(None)", ("benchmark", "table"), "None")
    c("TableEvaluator/metric", "_ = TableEvaluator(digits, metric='nope')", "metric", "nope")
    c("TableEvaluator/metric-none", "_ = TableEvaluator(digits, metric=None)", "metric", "None")
    c("TableEvaluator/report", "_ = TableEvaluator(digits, report='nope')", "report", "nope")
    c("TableEvaluator/cost", "_ = TableEvaluator(digits, cost='nope')", "cost", "nope")
    c("TableEvaluator/delay", "_ = TableEvaluator(digits, delay_s=-1)", "delay_s", "-1")
    c("TableEvaluator/delay-nan", "_ = TableEvaluator(digits, delay_s=NAN)", "delay_s", "nan")
    c("TableEvaluator/constraint", "_ = TableEvaluator(digits, constraints=['garbage'])", "constraint", "garbage")
    c("TableEvaluator/constraint-none-feasible", "_ = TableEvaluator(digits, constraints=['params_M<-1'])",
      "constraint", "params_M")
    c("TableEvaluator/constraint-int", "_ = TableEvaluator(digits, constraints=5)", "constraint", "5")
    c("TableEvaluator/objectives-one", "_ = TableEvaluator(digits, objectives=['valid_acc'])", "objectives",
      "valid_acc")
    c("TableEvaluator/objectives-unknown", "_ = TableEvaluator(digits, objectives=['valid_acc', 'nope'])",
      "objectives", "nope")
    c("TableEvaluator/directory", "_ = TableEvaluator('nb201-digits', directory=T + '/nope')",
      ("directory", "data"), "nope")
    c("evaluate/garbage", "_ = ev.evaluate('garbage')", ("arch", "cell"), "garbage")
    c("evaluate/naonet", "_ = ev.evaluate(naonet.sample(1, seed=0)[0])", ("arch", "cell"))
    c("TrainingEvaluator/fn", "_ = TrainingEvaluator(space, 'bogus')", ("train_fn", "train function"), "bogus")
    c("TrainingEvaluator/space", "_ = TrainingEvaluator(None, 'digits')", "space", "None")

    # -- searchers ----------------------------------------------------------------------------------------
    c("make_searcher/algo", "_ = make_searcher('bogus')", "algo", "bogus")
    c("make_searcher/algo-empty", "_ = make_searcher('')", "algo", "''")
    c("make_searcher/algo-none", "_ = make_searcher(None)", "algo", "None")
    c("make_searcher/algo-int", "_ = make_searcher(5)", "algo", "5")
    c("make_searcher/preset", "_ = make_searcher('nao', preset='bogus')", "preset", "bogus")
    c("make_searcher/preset-rs", "_ = make_searcher('rs', preset='fast')", "preset", "fast")
    c("make_searcher/config-str", "_ = make_searcher('re', config='x')", "config", "'x'")
    c("make_searcher/config-list", "_ = make_searcher('re', config=[1, 2])", "config", "[1, 2]")
    c("make_searcher/config-unknown", "_ = make_searcher('re', config={'nope': 1})", "nope")
    c("make_searcher/config-zero", "_ = make_searcher('re', config={'population': 0})", "population", "0")
    c("make_searcher/config-nan", "_ = make_searcher('re', config={'population': NAN})", "population", "nan")
    c("make_searcher/config-nao-epochs", "_ = make_searcher('nao', config={'epochs': -1})", "epochs", "-1")
    c("make_searcher/config-nao-model", "_ = make_searcher('nao', config={'model': {'hidden_size': -4}})",
      "hidden_size", "-4")
    c("make_searcher/ls", "_ = make_searcher('ls', config={'n_trees': 0})", "n_trees", "0")
    for b, shown in (("0", "0"), ("-1", "-1"), ("1.5", "1.5"), ("NAN", "nan"), ("INF", "inf"), ("'10'", "'10'"),
                     ("True", "True"), ("None", "None"), ("10**12", "1000000000000")):
        c(f"run/budget={b}", f"_ = make_searcher('rs').run(ev, budget={b}, seed=0, progress=False)", "budget",
          shown)
    for s, shown in (("-1", "-1"), ("1.5", "1.5"), ("'x'", "'x'"), ("2**64", str(2**64)), ("None", "None"),
                     ("NAN", "nan")):
        c(f"run/seed={s}", f"_ = make_searcher('rs').run(ev, budget=5, seed={s}, progress=False)", "seed", shown)
    c("run/evaluator-none", "_ = make_searcher('rs').run(None, budget=5, seed=0, progress=False)", "evaluator",
      "None")
    c("run/evaluator-str", "_ = make_searcher('rs').run('nb201', budget=5, seed=0, progress=False)", "evaluator",
      "nb201")
    c("run/store-str", "_ = make_searcher('rs').run(ev, budget=5, seed=0, store=T + '/x.db', progress=False)",
      "store", "x.db")
    c("run/nao-budget", "_ = make_searcher('nao').run(ev, budget=-3, seed=0, progress=False)", "budget", "-3")
    c("start/algo", "_ = start_search('bogus', ev, 5, 0, progress=False)", "algo", "bogus")
    c("start/budget", "_ = start_search('rs', ev, 0, 0, progress=False)", "budget", "0")
    c("start/budget-float", "_ = start_search('re', ev, 2.5, 0, progress=False)", "budget", "2.5")
    c("start/seed", "_ = start_search('rs', ev, 5, -2, progress=False)", "seed", "-2")
    c("start/evaluator", "_ = start_search('rs', 'nb201', 5, 0, progress=False)", "evaluator", "nb201")
    c("start/config", "_ = start_search('re', ev, 5, 0, config={'sample': 0}, progress=False)", "sample", "0")
    c("start/store-folder", "_ = start_search('rs', ev, 5, 0, store=T + '/a_folder', progress=False)",
      "store", "a_folder")
    c("start/store-text", "_ = start_search('rs', ev, 5, 0, store=T + '/a_file', progress=False)",
      "store", "a_file")
    c("start/store-foreign", "_ = start_search('rs', ev, 5, 0, store=T + '/foreign.db', progress=False)",
      "store", "foreign.db")
    c("start/on_evaluation", "_ = start_search('rs', ev, 5, 0, on_evaluation=5, progress=False)",
      "on_evaluation", "5")
    c("start/stop", "_ = start_search('rs', ev, 5, 0, stop='yes', progress=False)", "stop", "yes")
    c("resume/run", "_ = resume_search(store, 'nope', progress=False)", ("run", "run_id"), "nope")
    c("resume/run-none", "_ = resume_search(store, None, progress=False)", ("run", "run_id"), "None")
    c("resume/store-missing", "_ = resume_search(T + '/nope.db', run_id, progress=False)", "store", "nope.db")
    c("resume/store-str", "_ = resume_search(str(store_path), 'nope', progress=False)", ("run", "run_id"), "nope")

    # -- NAO ----------------------------------------------------------------------------------------------
    c("NAOConfig/preset", "_ = NAOConfig.preset('bogus')", "preset", "bogus")
    c("NAOConfig/preset-none", "_ = NAOConfig.preset(None)", "preset", "None")
    for field, v, shown in (("epochs", "-1", "-1"), ("epochs", "1.5", "1.5"), ("epochs", "'10'", "'10'"),
                            ("hidden_size", "0", "0"), ("lr", "INF", "inf"), ("lr", "NAN", "nan"),
                            ("trade_off", "2", "2"), ("device", "'cuda:7'", "cuda:7"), ("seed", "-1", "-1"),
                            ("batch_size", "10**9", "1000000000"), ("target_norm", "'bogus'", "bogus")):
        c(f"NAOConfig/{field}={v}", f"_ = NAOConfig.preset('fast', {field}={v})", field, shown)
    c("NAOConfig/unknown", "_ = NAOConfig.preset('fast', nope=1)", "nope")
    c("NAOConfig/direct", "_ = NAOConfig(mlp_hidden=-5)", "mlp_hidden", "-5")
    c("NAO/space-none", "_ = NAO(None)", "space", "None")
    c("NAO/space-str", "_ = NAO('nb201')", "space", "nb201")
    c("NAO/config-str", "_ = NAO(space, 'fast')", "config", "fast")
    c("NAO/config-dict", "_ = NAO(space, {'epochs': 3})", "config", "epochs")
    fit = "NAO(space, NAOConfig.preset('fast', epochs=2)).fit"
    c("fit/length", f"_ = {fit}(archs, digits.metric('valid_acc', archs)[:10], progress=False)", ("values",),
      ("10", "40"))
    c("fit/nan", f"_ = {fit}(archs[:3], [1.0, NAN, 2.0], progress=False)", "values", "nan")
    c("fit/inf", f"_ = {fit}(archs[:3], [1.0, INF, 2.0], progress=False)", "values", "inf")
    c("fit/empty", f"_ = {fit}([], [], progress=False)", ("archs",), ("0", "empty", "no "))
    c("fit/values-str", f"_ = {fit}(archs[:3], ['a', 'b', 'c'], progress=False)", "values", "'a'")
    c("fit/archs-garbage", f"_ = {fit}(['garbage', 'x'], [1.0, 2.0], progress=False)", ("arch",), "garbage")
    c("fit/archs-naonet", f"_ = {fit}(naonet.sample(3, seed=0), [1.0, 2.0, 3.0], progress=False)", ("arch",))
    c("fit/archs-none", f"_ = {fit}(None, [1.0], progress=False)", ("archs",), "None")
    c("fit/callback", f"_ = {fit}(archs[:5], [1.0, 2, 3, 4, 5], callback=5, progress=False)", "callback", "5")
    c("predict/unfitted", "_ = NAO(space).predict(archs[:2])", ("fit",))
    c("predict/garbage", "_ = nao.predict(['garbage'])", ("arch",), "garbage")
    c("predict/naonet", "_ = nao.predict(naonet.sample(1, seed=0))", ("arch",))
    c("predict/none", "_ = nao.predict(None)", ("archs",), "None")
    c("embed/garbage", "_ = nao.embed(['garbage'])", ("arch",), "garbage")
    c("path/arch", "_ = nao.path('garbage', etas=[0, 1])", ("arch",), "garbage")
    c("path/arch-naonet", "_ = nao.path(NAONET_ARCH, etas=[0, 1])", ("arch",), "1 12 1 7")
    c("path/etas-empty", "_ = nao.path(CELL, etas=[])", "etas", "[]")
    c("path/etas-nan", "_ = nao.path(CELL, etas=[0, NAN])", "etas", "nan")
    c("path/etas-inf", "_ = nao.path(CELL, etas=[INF])", "etas", "inf")
    c("path/etas-str", "_ = nao.path(CELL, etas='abc')", "etas", "abc")
    c("path/etas-none", "_ = nao.path(CELL, etas=None)", "etas", "None")
    c("path/steps-zero", "_ = nao.path(CELL, etas=[1], steps=0)", "steps", "0")
    c("path/steps-neg", "_ = nao.path(CELL, etas=[1], steps=-2)", "steps", "-2")
    c("path/steps-float", "_ = nao.path(CELL, etas=[1], steps=1.5)", "steps", "1.5")
    c("path/metric", "_ = nao.path(CELL, etas=[1], benchmark=digits, metric='nope')", "metric", "nope")
    c("path/benchmark", "_ = nao.path(CELL, etas=[1], benchmark='nb201', metric='valid_acc')", "benchmark",
      "nb201")
    c("path_grid/batch", "_ = nao.path_grid(archs[:2], [0, 1], batch=0)", "batch", "0")
    c("path_grid/etas", "_ = nao.path_grid(archs[:2], [NAN])", "etas", "nan")
    c("generate/n_new-neg", "_ = nao.generate(archs[:2], n_new=-1)", "n_new", "-1")
    c("generate/n_new-float", "_ = nao.generate(archs[:2], n_new=2.5)", "n_new", "2.5")
    c("generate/max_eta", "_ = nao.generate(archs[:2], n_new=2, max_eta=NAN)", "max_eta", "nan")
    c("generate/eta_step-zero", "_ = nao.generate(archs[:2], n_new=2, eta_step=0)", "eta_step", "0")
    c("generate/eta_step-neg", "_ = nao.generate(archs[:2], n_new=2, eta_step=-1)", "eta_step", "-1")
    c("generate/seeds-garbage", "_ = nao.generate(['garbage'], n_new=2)", ("arch", "seed"), "garbage")
    c("load/missing", "_ = NAO.load(T + '/nope')", ("directory", "checkpoint", "model"), "nope")
    c("load/file", "_ = NAO.load(T + '/a_file')", ("directory", "checkpoint", "model"), "a_file")
    c("load/empty-folder", "_ = NAO.load(T + '/a_folder')", ("directory", "checkpoint", "model"), "a_folder")
    c("save/under-file", "_ = nao.save(T + '/a_file/sub')", ("directory", "save"), "a_file")
    c("CostNAO/columns-int", "_ = CostNAO(space, cost_columns=5)", "cost_columns", "5")
    c("CostNAO/lam0", "_ = CostNAO(space, cost_columns=['params_M'], lam0=-1)", "lam0", "-1")
    c("CostNAO/rho", "_ = CostNAO(space, cost_columns=['params_M'], rho=NAN)", "rho", "nan")
    c("CostNAO/sub_steps", "_ = CostNAO(space, cost_columns=['params_M'], sub_steps=0)", "sub_steps", "0")
    c("CostNAO/costs-missing", "_ = CostNAO(space, NAOConfig.preset('fast', epochs=2), cost_columns=['params_M'])"
      ".fit(archs, digits.metric('valid_acc', archs), costs={}, progress=False)", ("costs", "params_M"),
      "params_M")

    # -- model cache, atlas, explorer page ------------------------------------------------------------------
    c("ModelSpec/metric", "_ = load_or_train(digits, ModelSpec(metric='nope'))", "metric", "nope")
    c("ModelSpec/n_train-zero", "_ = ModelSpec(n_train=0)", "n_train", "0")
    c("ModelSpec/n_train-neg", "_ = ModelSpec(n_train=-5)", "n_train", "-5")
    c("ModelSpec/n_train-float", "_ = ModelSpec(n_train=2.5)", "n_train", "2.5")
    c("ModelSpec/seed", "_ = ModelSpec(seed=-1)", "seed", "-1")
    c("ModelSpec/preset", "_ = ModelSpec(preset='bogus')", "preset", "bogus")
    c("ModelSpec/overrides", "_ = ModelSpec(overrides={'nope': 1})", "nope")
    c("ModelSpec/overrides-value", "_ = ModelSpec(overrides={'epochs': -1})", "epochs", "-1")
    c("ModelSpec/n_train-huge", "_ = load_or_train(digits, ModelSpec(n_train=10**7))", "n_train", "10000000")
    c("atlas_for/etas-empty", "_ = atlas_for(digits, ModelSpec(), etas=[])", "etas", "[]")
    c("atlas_for/etas-nan", "_ = atlas_for(digits, ModelSpec(), etas=[0, NAN])", "etas", "nan")
    c("atlas_for/k-zero", "_ = atlas_for(digits, ModelSpec(), k=0)", "k", "0")
    c("atlas_for/k-neg", "_ = atlas_for(digits, ModelSpec(), k=-3)", "k", "-3")
    c("atlas_for/maps", "_ = atlas_for(digits, ModelSpec(), maps=('bogus',))", "maps", "bogus")
    c("atlas_for/maps-str", "_ = atlas_for(digits, ModelSpec(), maps='umap')", "maps", "umap")
    c("atlas_for/seeds", "_ = atlas_for(digits, ModelSpec(), seeds='bogus')", "seeds", "bogus")
    c("atlas_for/random_state", "_ = atlas_for(digits, ModelSpec(), random_state=-1)", "random_state", "-1")
    c("atlas_for/bench", "_ = atlas_for('nb201-digits', ModelSpec())", ("bench", "benchmark", "table"),
      "nb201-digits")
    c("atlas_for/spec", "_ = atlas_for(digits, 'fast')", "spec", "fast")
    c("Atlas.load/missing", "_ = Atlas.load(T + '/nope')", ("atlas", "file", "path"), "nope")
    c("Atlas.load/folder", "_ = Atlas.load(T + '/a_folder')", ("atlas", "file", "path"), "a_folder")
    c("Atlas.load/file", "_ = Atlas.load(T + '/a_file')", ("atlas", "file", "path"), "a_file")
    c("locate/garbage", "_ = atlas.locate('garbage', space)", ("cell", "arch"), "garbage")
    c("locate/none", "_ = atlas.locate(None)", ("cell", "arch"), "None")
    c("locate/naonet", "_ = atlas.locate(NAONET_ARCH, space)", ("cell", "arch"), "1 12 1 7")
    c("seed_index/neg", "_ = atlas.seed_index(-5)", ("row", "seed"), "-5")
    c("seed_index/huge", "_ = atlas.seed_index(10**9)", ("row", "seed"), "1000000000")
    c("write_page/folder", "_ = write_page(atlas, T + '/a_folder')", "path", "a_folder")
    c("write_page/under-file", "_ = write_page(atlas, T + '/a_file/x.html')", "path", "a_file")
    c("write_page/atlas", "_ = write_page('atlas', T + '/x.html')", "atlas", "'atlas'")
    c("ExplorerPlan/n_train", "_ = ExplorerPlan(n_train=0)", "n_train", "0")
    c("ExplorerPlan/method", "_ = ExplorerPlan(method='bogus')", "method", "bogus")
    c("ExplorerPlan/metric", "_ = ExplorerPlan(table='nb201-digits', metric='nope').spec(digits)", "metric",
      "nope")
    c("ExplorerPlan/seeds", "_ = ExplorerPlan(seeds=-1)", "seeds", "-1")
    c("ExplorerPlan/epochs", "_ = ExplorerPlan(epochs=0)", "epochs", "0")
    c("ExplorerPlan/table", "_ = ExplorerPlan(table='nb202').benchmark()", "table", "nb202")

    # -- run store ----------------------------------------------------------------------------------------
    c("RunStore/folder", "_ = RunStore(T + '/a_folder')", ("store", "path"), "a_folder")
    c("RunStore/text", "_ = RunStore(T + '/a_file')", ("store", "path"), "a_file")
    c("RunStore/foreign", "_ = RunStore(T + '/foreign.db')", ("store", "path"), "foreign.db")
    c("RunStore/under-file", "_ = RunStore(T + '/a_file/x.db')", ("store", "path"), "a_file")
    c("RunStore/read-only-missing", "_ = RunStore(T + '/nope.db', read_only=True)", ("store", "path"), "nope.db")
    c("RunStore/synchronous", "_ = RunStore(T + '/s.db', synchronous='bogus')", "synchronous", "bogus")
    c("RunStore/none", "_ = RunStore(None)", ("store", "path"), "None")
    c("store/get_run", "_ = store.get_run('nope')", ("run", "run_id"), "nope")
    c("store/evaluations", "_ = store.evaluations('nope')", ("run", "run_id"), "nope")
    c("store/to_frame", "_ = store.to_frame('nope')", ("run", "run_id"), "nope")
    c("store/export-folder", "_ = store.export_csv(T + '/a_folder')", "path", "a_folder")
    c("store/export-run", "_ = store.export_csv(T + '/out.csv', run_id='nope')", ("run", "run_id"), "nope")
    c("store/set_status", "_ = store.set_status(run_id, 'bogus')", "status", "bogus")

    # -- constraints, Pareto, child training, weight sharing ------------------------------------------------
    c("percentile/column", "_ = percentile_budget(digits, 'nope', 25)", ("column", "metric"), "nope")
    for q, shown in (("-1", "-1"), ("101", "101"), ("NAN", "nan"), ("'25'", "'25'")):
        c(f"percentile/q={q}", f"_ = percentile_budget(digits, 'params_M', {q})", ("q", "percentile"), shown)
    c("constrained_optimum/report", "_ = constrained_optimum(digits, [], 'nope')", ("report", "metric"), "nope")
    c("hypervolume/ref-length", "_ = hypervolume([[1, 2]], [0], [True, False])", ("reference",), "[0]")
    c("hypervolume/maximize-length", "_ = hypervolume([[1, 2]], [0, 0], [True])", ("maximize",), "[True]")
    c("get_preset/name", "_ = get_preset('bogus')", ("preset", "name"), "bogus")
    c("get_preset/none", "_ = get_preset(None)", ("preset", "name"), "None")
    c("train_preset/space", "_ = train_preset('nb202', CELL)", "space", "nb202")
    c("train_preset/arch", "_ = train_preset('nb201', 'garbage')", ("arch", "cell"), "garbage")
    c("train_preset/preset", "_ = train_preset('nb201', CELL, 'bogus')", "preset", "bogus")
    c("train_preset/epochs", "_ = train_preset('nb201', CELL, epochs=-1)", "epochs", "-1")
    c("train_preset/unknown", "_ = train_preset('nb201', CELL, nope=1)", "nope")
    for field, v, shown in (("pool_size", "0", "0"), ("rounds", "-1", "-1"), ("space", "'bogus'", "bogus"),
                            ("train_on", "'bogus'", "bogus"), ("nao_preset", "'bogus'", "bogus"),
                            ("seed", "-1", "-1"), ("top_k", "0", "0"), ("max_eta", "NAN", "nan"),
                            ("n_new", "2.5", "2.5")):
        c(f"NAOWSConfig/{field}={v}", f"_ = NAOWSConfig({field}={v})", field, shown)
    c("NAOWSConfig/supernet", "_ = NAOWSConfig(supernet={'nope': 1})", "nope")
    c("table_rank/arch", "_ = table_rank('garbage')", ("arch", "cell"), "garbage")
    c("table_rank/metric", "_ = table_rank(CELL, metric='nope', table=digits)", "metric", "nope")

    # -- experiments ----------------------------------------------------------------------------------------
    c("compare/algos-str", "_ = compare(ev, 'rs', 5, [0])", "algos", "rs")
    c("compare/algo", "_ = compare(ev, [('bogus', None)], 5, [0])", "algo", "bogus")
    c("compare/budget", "_ = compare(ev, [('rs', None)], 0, [0])", "budget", "0")
    c("compare/seeds-int", "_ = compare(ev, [('rs', None)], 5, 3)", "seeds", "3")
    c("compare/seeds-neg", "_ = compare(ev, [('rs', None)], 5, [-1])", "seed", "-1")
    c("compare/jobs", "_ = compare(ev, [('rs', None)], 5, [0], jobs=0)", "jobs", "0")
    c("run_one/n_train", "_ = run_one(digits, 0, 0, NAOConfig.preset('fast', epochs=2))", "n_train", "0")
    c("run_one/metric", "_ = run_one(digits, 20, 0, NAOConfig.preset('fast', epochs=2), metric='nope')", "metric",
      "nope")
    c("run_one/config", "_ = run_one(digits, 20, 0, 'fast')", "config", "fast")
    c("run_one/seed", "_ = run_one(digits, 20, -1, NAOConfig.preset('fast', epochs=2))", "seed", "-1")
    c("search_or_resume/budget", "_ = search_or_resume('rs', ev, -1, 0, store=store, progress=False)", "budget",
      "-1")
    c("finished_search/store", "_ = finished_search('rs', ev, 3, 0, store=5)", "store", "5")
    c("stored_result/run", "_ = stored_result(store, 'nope')", ("run", "run_id"), "nope")

    # -- the explorer widget and figures (naoviz.ui / naoviz.viz) ---------------------------------------------
    c("ExplorerWidget/atlas", "_ = ExplorerWidget(None)", "atlas", "None")
    c("ExplorerWidget/state", "_ = ExplorerWidget(atlas, nope=1)", "nope")
    c("ExplorerWidget/seed-neg", "w = ExplorerWidget(atlas); w.seed = -5", "seed", "-5")
    c("ExplorerWidget/seed-huge", "w = ExplorerWidget(atlas); w.seed = 10**9", "seed", "1000000000")
    c("ExplorerWidget/eta_index", "w = ExplorerWidget(atlas); w.eta_index = 999", "eta_index", "999")
    c("ExplorerWidget/color", "w = ExplorerWidget(atlas); w.color = 'nope'", "color", "nope")
    c("ExplorerWidget/view", "w = ExplorerWidget(atlas); w.view = 'bogus'", "view", "bogus")
    c("ExplorerWidget/selection", "w = ExplorerWidget(atlas); w.selection = [10**9]", "selection", "1000000000")
    c("ExplorerWidget/export", "w = ExplorerWidget(atlas); _ = w.export_figures('bogus')", ("fmt", "format"),
      "bogus")
    c("atlas_map/color", "_ = atlas_map(atlas, color='nope')", "color", "nope")
    c("atlas_map/view", "_ = atlas_map(atlas, view='bogus')", "view", "bogus")
    c("atlas_map/seed", "_ = atlas_map(atlas, seed=10**9)", "seed", "1000000000")
    c("export_many/lengths", "_ = export_many([atlas_map(atlas)], [T + '/a.png', T + '/b.png'])", ("paths", "figs"),
      ("1", "2"))
    c("export_many/format", "_ = export_many([atlas_map(atlas)], [T + '/a.bogus'])", ("format", "a.bogus"),
      "bogus")

    return out
