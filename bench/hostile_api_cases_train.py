"""bench/hostile_api.py's cases for training and hardware-aware search: the child trainer (presets, ``train_preset``,
``TrainConfig``/``NetOptions``/``ChildTrainer``, ``load_data``, build-table's ``BuildConfig``/``build_benchmark``/
``train_metrics``), ``naoviz.search.hw`` (constraints, objectives, cost models, a CostNAO's budgets), supernet and
NAO-WS configs (``SupernetConfig``, ``NAOWSConfig``, ``run_nao_ws``, ``naoviz.experiments.supernet``).
Same form as bench/hostile_api_cases.py: (id, code, argument names, values)."""
from __future__ import annotations

API = {"naoviz.child": "ChildPreset TrainConfig NetOptions ChildTrainer train_child build_network load_data "
                       "resolve_device",
       "naoviz.child.build_table": "BuildConfig build_benchmark train_metrics",
       "naoviz.child.supernet_config": "SupernetConfig", "naoviz.child.oneshot": "OneShot",
       "naoviz.search.constraints": "Constraint parse_constraint parse_constraints",
       "naoviz.search.hw": "ForestCosts LinearCosts", "naoviz.nao.cost_heads": "cost_nao_from budget_path budget_grid",
       "naoviz.search.nao_ws": "run_nao_ws",
       "naoviz.experiments.supernet": "table_sample disjoint_sample measure_nao_ws expected_random_top_pct "
                                      "correlations"}


def fixtures(ns: dict) -> None:
    """Adds a small synthetic data set, a CostNAO with a params_M head and the digits cost columns of ``archs``."""
    import importlib
    ns.update({name: getattr(importlib.import_module(module), name) for module, names in API.items()
               for name in names.split()})
    archs, digits = ns["archs"], ns["digits"]
    costs = {"params_M": list(digits.metric("params_M", archs))}
    ns.update(syn=ns["load_data"]("synthetic"), costs=costs,
              cnao=ns["cost_nao_from"](ns["nao"], ["params_M"], archs, costs, epochs=5))


def cases(c) -> None:
    # -- child trainer: configs, net options, data, device --------------------------------------------------
    c("train_child/epochs", "_ = train_child('nb201', CELL, syn, TrainConfig(epochs=0))", "epochs", "0")
    c("train_child/lr", "_ = train_child('nb201', CELL, syn, TrainConfig(lr=NAN))", "lr", "nan")
    c("train_child/device", "_ = train_child('nb201', CELL, syn, TrainConfig(device='tpu'))", "device", "tpu")
    c("train_child/config-str", "_ = train_child('nb201', CELL, syn, 'fast')", "config", "fast")
    c("train_child/net", "_ = train_child('nb201', CELL, syn, None, NetOptions(channels=0))", "channels", "0")
    c("train_child/net-str", "_ = train_child('nb201', CELL, syn, None, 'big')", ("net", "options"), "big")
    c("train_child/data-str", "_ = train_child('nb201', CELL, 'digits')", "data", "digits")
    c("train_child/space", "_ = train_child('nb202', CELL, syn)", "space", "nb202")
    c("train_child/space-int", "_ = train_child(5, CELL, syn)", "space", "5")
    c("train_child/arch", "_ = train_child('nb201', 'garbage', syn)", ("arch", "cell", "nb201:"), "garbage")
    c("train_child/callback", "_ = train_child('nb201', CELL, syn, TrainConfig(epochs=1, progress=False), "
      "NetOptions(channels=4, cells=1), callback='print')", "callback", "print")
    c("train_child/checkpoint-file", "_ = train_child('nb201', CELL, syn, TrainConfig(epochs=1, progress=False, "
      "checkpoint_dir=T + '/a_file'), NetOptions(channels=4, cells=1))", ("checkpoint_dir", "checkpoint"), "a_file")
    c("ChildTrainer/data-none", "_ = ChildTrainer('nb201', CELL, None)", "data", "None")
    c("TrainConfig/batch-bool", "_ = TrainConfig(batch_size=True).validate()", "batch_size", "True")
    c("TrainConfig/cutout", "_ = TrainConfig(cutout=-1).validate()", "cutout", "-1")
    c("TrainConfig/lr_min", "_ = TrainConfig(lr=0.1, lr_min=1).validate()", "lr_min", "1")
    c("TrainConfig/seed", "_ = TrainConfig(seed=2**40).validate()", "seed", "1099511627776")
    c("TrainConfig/momentum", "_ = TrainConfig(momentum=1.5).validate()", "momentum", "1.5")
    c("TrainConfig/checkpoint-int", "_ = TrainConfig(checkpoint_dir=5).validate()", "checkpoint_dir", "5")
    c("TrainConfig/compile-str", "_ = TrainConfig(compile='yes').validate()", "compile", "yes")
    c("resolve_device/name", "_ = resolve_device('tpu')", "device", "tpu")
    c("resolve_device/int", "_ = resolve_device(5)", "device", "5")
    c("resolve_device/cuda", "_ = resolve_device('cuda:7')", "device", "cuda:7")
    c("NetOptions/huge", "_ = NetOptions(channels=10**6).validate()", "channels", "1000000")
    c("NetOptions/keep_prob", "_ = NetOptions(keep_prob=0).validate()", "keep_prob", "0")
    c("build_network/classes", "_ = build_network('nb201', CELL, num_classes=0)", "num_classes", "0")
    c("build_network/in_channels", "_ = build_network('nb201', CELL, in_channels=-1)", "in_channels", "-1")
    c("build_network/options-str", "_ = build_network('nb201', CELL, options='x')", "options", "'x'")
    c("load_data/name", "_ = load_data('bogus')", "data", "bogus")
    c("load_data/seed", "_ = load_data('digits', seed=-1)", "seed", "-1")
    c("load_data/option", "_ = load_data('synthetic', nope=1)", "nope")
    c("load_data/folder-missing", "_ = load_data('imagefolder:' + T + '/nope')", ("imagefolder", "data", "folder"),
      "nope")
    c("load_data/valid-huge", "_ = load_data('digits', valid=10**6)", "valid", "1000000")
    # -- presets ------------------------------------------------------------------------------------------
    c("get_preset/bad-preset", "_ = get_preset(ChildPreset('x', epochs=0))", "epochs", "0")
    c("ChildPreset/threads", "_ = ChildPreset('x', threads=0).validate()", "threads", "0")
    c("ChildPreset/name", "_ = ChildPreset('').validate()", "name", "''")
    c("ChildPreset/data", "_ = ChildPreset('x', data='mnist').validate()", "data", "mnist")
    c("train_preset/data-str", "_ = train_preset('nb201', CELL, data='digits')", "data", "digits")
    c("train_preset/callback", "_ = train_preset('nb201', CELL, epochs=1, callback=5)", "callback", "5")
    c("train_preset/threads", "_ = train_preset('nb201', CELL, threads=0)", "threads", "0")
    c("train_preset/space-int", "_ = train_preset(5, CELL)", "space", "5")
    # -- build-table's Python API -------------------------------------------------------------------------
    c("BuildConfig/epochs", "BuildConfig(epochs=0).check()", "epochs", "0")
    c("BuildConfig/space", "BuildConfig(space='naonet').check()", "space", "naonet")
    c("BuildConfig/archs", "BuildConfig(archs=0).check()", "archs", "0")
    c("BuildConfig/archs-str", "BuildConfig(archs='some').check()", "archs", "some")
    c("BuildConfig/lr", "BuildConfig(lr=INF).check()", "lr", "inf")
    c("build_benchmark/config", "_ = build_benchmark(BuildConfig(epochs=0), T + '/b.db', T + '/t.csv', "
      "progress=False)", "epochs", "0")
    c("build_benchmark/config-dict", "_ = build_benchmark({'epochs': 2}, T + '/b.db', T + '/t.csv', progress=False)",
      "config", "epochs")
    c("build_benchmark/store-folder", "_ = build_benchmark(BuildConfig(archs=1, epochs=1), T + '/a_folder', "
      "T + '/t.csv', progress=False)", ("store", "path"), "a_folder")
    c("build_benchmark/out-folder", "_ = build_benchmark(BuildConfig(archs=1, epochs=1), T + '/b2.db', "
      "T + '/a_folder', progress=False)", ("out", "path"), "a_folder")
    c("build_benchmark/out-under-file", "_ = build_benchmark(BuildConfig(archs=1, epochs=1), T + '/b3.db', "
      "T + '/a_file/t.csv', progress=False)", ("out", "path"), "a_file")
    c("build_benchmark/on_result", "_ = build_benchmark(BuildConfig(archs=1, epochs=1), T + '/b4.db', T + '/t4.csv', "
      "progress=False, on_result='x')", "on_result", "'x'")
    c("train_metrics/data", "_ = train_metrics(CELL, data='bogus')", "data", "bogus")
    c("train_metrics/threads", "_ = train_metrics(CELL, threads=0)", "threads", "0")
    c("train_metrics/epochs", "_ = train_metrics(CELL, epochs=0)", "epochs", "0")
    # -- hardware-aware search: constraints, objectives, cost models, budgets -----------------------------
    c("Constraint/bound", "_ = Constraint('params_M', '<=', NAN)", "bound", "nan")
    c("Constraint/op", "_ = Constraint('params_M', '=<', 1)", ("operator", "op"), "=<")
    c("parse_constraint/syntax", "_ = parse_constraint('params_M<=abc')", "constraint", "abc")
    c("parse_constraint/column", "_ = parse_constraint('nope<=1', list(digits.frame.columns))",
      ("constraint", "column"), "nope")
    c("parse_constraint/int", "_ = parse_constraint(5)", "constraint", "5")
    c("evaluator/constraint-unsat", "_ = TableEvaluator(digits, constraints=['params_M<=-1'])", "constraint", "-1")
    c("evaluator/constraint-column", "_ = TableEvaluator(digits, constraints=['nope<=1'])", "constraint", "nope")
    c("evaluator/objective", "_ = TableEvaluator(digits, objectives=['nope'])", "objectives", "nope")
    c("ForestCosts/columns-empty", "_ = ForestCosts(space, [])", "columns", "[]")
    c("ForestCosts/n_trees", "_ = ForestCosts(space, ['params_M'], n_trees=0).fit(archs, costs)", "n_trees", "0")
    c("ForestCosts/table", "_ = ForestCosts(space, ['params_M']).fit(archs, {})", ("table", "params_M"), "params_M")
    c("LinearCosts/features", "_ = LinearCosts(space, ['params_M'], features='bogus')", "features", "bogus")
    c("LinearCosts/alpha", "_ = LinearCosts(space, ['params_M'], alpha=-1)", "alpha", "-1")
    c("LinearCosts/table-short", "_ = LinearCosts(space, ['params_M']).fit(archs, {'params_M': [1.0]})",
      ("table", "params_M"), "params_M")
    c("cost_nao_from/columns", "_ = cost_nao_from(nao, ['nope'], archs, costs)", ("columns", "costs"), "nope")
    c("cost_nao_from/nao", "_ = cost_nao_from('nao', ['params_M'], archs, costs)", "nao", "'nao'")
    c("CostNAO.budget/column", "with cnao.budget({'nope': 1}): pass", ("budget", "nope"), "nope")
    c("CostNAO.budget/nan", "with cnao.budget(NAN): pass", "budget", "nan")
    c("CostNAO.budget/str", "with cnao.budget('params_M<=x'): pass", "budget", "params_M<=x")
    c("budget_path/budget", "_ = budget_path(cnao, CELL, [0, 1], {'params_M': NAN})", "budget", "nan")
    c("budget_path/arch", "_ = budget_path(cnao, 'garbage', [0, 1], {'params_M': 1})", ("arch", "cell"), "garbage")
    c("budget_path/etas", "_ = budget_path(cnao, CELL, 'fast', {'params_M': 1})", "etas", "fast")
    c("budget_path/model", "_ = budget_path(nao, CELL, [0, 1], {'params_M': 1})", ("model", "CostNAO"), "NAO")
    c("budget_grid/batch", "_ = budget_grid(cnao, archs[:2], [0, 1], {'params_M': 1}, batch=0)", "batch", "0")
    # -- supernet and NAO-WS ------------------------------------------------------------------------------
    c("SupernetConfig/lr", "_ = SupernetConfig(lr=NAN).validate()", "lr", "nan")
    c("SupernetConfig/space", "_ = SupernetConfig.for_space('bogus')", "space", "bogus")
    c("SupernetConfig/unknown", "_ = SupernetConfig.for_space('nb201', nope=1)", "nope")
    c("SupernetConfig/sandwich", "_ = SupernetConfig.for_space('naonet-ws', sampling='sandwich')", "sampling",
      "sandwich")
    c("SupernetConfig/device", "_ = SupernetConfig(device='tpu').validate()", "device", "tpu")
    c("OneShot/config-str", "_ = OneShot('fast')", "config", "fast")
    c("OneShot/data-str", "_ = OneShot(SupernetConfig(), 'digits')", "data", "digits")
    c("NAOWSConfig/nao-field", "_ = NAOWSConfig(nao={'epochs': -1})", "epochs", "-1")
    c("NAOWSConfig/nao-int", "_ = NAOWSConfig(nao=5)", "nao", "5")
    c("NAOWSConfig/supernet-int", "_ = NAOWSConfig(supernet=5)", "supernet", "5")
    c("NAOWSConfig/supernet-value", "_ = NAOWSConfig(supernet={'lr': -1})", "lr", "-1")
    c("NAOWSConfig/rerank_split", "_ = NAOWSConfig(rerank_split='x')", "rerank_split", "'x'")
    c("NAOWSConfig/n_new", "_ = NAOWSConfig(n_new=200, pool_size=100)", "n_new", "200")
    c("NAOWSConfig/skip-naonet", "_ = NAOWSConfig(space='naonet-ws', skip_penalty=1)", "skip_penalty", "1")
    c("run_nao_ws/config-str", "_ = run_nao_ws('fast')", "config", "fast")
    c("run_nao_ws/config-dict", "_ = run_nao_ws({'rounds': 1})", "config", "rounds")
    c("run_nao_ws/oneshot", "_ = run_nao_ws(NAOWSConfig(), oneshot='x')", "oneshot", "'x'")
    c("run_nao_ws/progress", "_ = run_nao_ws(NAOWSConfig(pool_size=4, n_new=1, rounds=0, warmup_epochs=1, "
      "top_k=2, rerank_top=0, supernet={'eval_batch_size': 16}), progress='x')", "progress", "'x'")
    c("measure_nao_ws/n", "_ = measure_nao_ws(NAOWSConfig(), n=-1)", "n", "-1")
    c("measure_nao_ws/rescores", "_ = measure_nao_ws(NAOWSConfig(), rescores=['bogus'])", "rescores", "bogus")
    c("measure_nao_ws/config", "_ = measure_nao_ws('fast')", "config", "fast")
    c("table_sample/neg", "_ = table_sample(-1)", "n", "-1")
    c("table_sample/float", "_ = table_sample(2.5)", "n", "2.5")
    c("disjoint_sample/neg", "_ = disjoint_sample(-1, 0, [])", "n", "-1")
    c("disjoint_sample/seed", "_ = disjoint_sample(3, -1, [])", "seed", "-1")
    c("expected_random/metric", "_ = expected_random_top_pct(digits, metric='nope')", "metric", "nope")
    c("correlations/lengths", "_ = correlations([1, 2, 3], [1, 2])", ("scores", "truth"), ("3", "2"))
