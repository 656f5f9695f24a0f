"""bench/hostile_api.py's second pass (ids ``2/...``): cases written after bench/hostile_api_cases.py's first 288 were
fixed, and run before any fix for what they found (bench/RESULTS.md). Same form: (id, code, argument names, values),
run in bench/hostile_api_cases.py's fixtures (this area adds none)."""
from __future__ import annotations


def fixtures(ns: dict) -> None:
    """Nothing to add: the cases use the first module's namespace."""


def cases(c) -> None:
    c("2/load-device", "_ = NAO.load(T + '/a_folder', device='tpu')", ("device", "directory", "checkpoint"),
      ("tpu", "a_folder"))
    c("2/path-steps-bool", "_ = nao.path(CELL, etas=[1], steps=True)", "steps", "True")
    c("2/path_grid-batch-float", "_ = nao.path_grid(archs[:2], [0, 1], batch=1.5)", "batch", "1.5")
    c("2/path_grid-archs-none", "_ = nao.path_grid(None, [0, 1])", "archs", "None")
    c("2/generate-exclude-int", "_ = nao.generate(archs[:2], n_new=2, exclude=5)", "exclude", "5")
    c("2/generate-max_eta-neg", "_ = nao.generate(archs[:2], n_new=2, max_eta=-1)", "max_eta", "-1")
    c("2/query-np-huge", "import numpy as np; _ = digits.query(np.int64(10**9))", ("arch", "index"), "1000000000")
    c("2/best-none", "_ = digits.best(None)", ("metric", "name"), "None")
    c("2/export-under-file", "_ = store.export_csv(T + '/a_file/x.csv')", ("path", "a_file"), "a_file")
    c("2/objectives-dup", "_ = TableEvaluator(digits, objectives='valid_acc,valid_acc')", "objectives", "valid_acc")
    c("2/objectives-int", "_ = TableEvaluator(digits, objectives=5)", "objectives", "5")
    c("2/re-population-bool", "_ = make_searcher('re', config={'population': True})", "population", "True")
    c("2/nao-model-str", "_ = make_searcher('nao', config={'model': 'x'})", "model", "'x'")
    c("2/neighbours-garbage", "_ = space.neighbours('garbage')", ("arch", "nb201:"), "garbage")
    c("2/mutate-seed", "_ = space.mutate(archs[0], seed=-1)", "seed", "-1")
    c("2/canonical-garbage", "_ = space.canonical('garbage')", ("arch", "nb201:"), "garbage")
    c("2/augment-seed", "_ = space.augment(archs[0], seed='x')", "seed", "'x'")
    c("2/Atlas.load-none", "_ = Atlas.load(None)", ("path", "atlas"), "None")
    c("2/atlas_for-seeds-huge", "_ = atlas_for(digits, ModelSpec(), seeds=[10**9])", "seeds", "1000000000")
    c("2/atlas_for-seeds-float", "_ = atlas_for(digits, ModelSpec(), seeds=[1.5])", "seeds", "1.5")
    c("2/plan-n_train-float", "_ = ExplorerPlan(n_train=1.5)", "n_train", "1.5")
    c("2/plan-method-none", "_ = ExplorerPlan(method=None)", "method", "None")
    c("2/percentile-column-none", "_ = percentile_budget(digits, None, 25)", ("column", "metric"), "None")
    c("2/table-binary", "_ = load_benchmark(T + '/binary.csv')", ("table", "binary.csv"), "binary.csv")
    c("2/open_table-none", "_ = open_table(None)", ("table", "path", "value"), "None")
    c("2/get_preset-int", "_ = get_preset(5)", ("preset", "name"), "5")
    c("2/costnao-costs-nan", "_ = CostNAO(space, NAOConfig.preset('fast', epochs=2), cost_columns=['params_M'])"
      ".fit(archs, digits.metric('valid_acc', archs), costs={'params_M': [NAN] * 40}, progress=False)",
      ("costs", "params_M"), "params_M")
    c("2/delay-str", "_ = TableEvaluator(digits, delay_s='1')", "delay_s", "'1'")
    c("2/hypervolume-points-str", "_ = hypervolume('abc', [0, 0], [True, False])", "points", "abc")
    c("2/compare-checkpoints", "_ = compare(ev, [('rs', None)], 5, [0], checkpoints=[-1])", "checkpoints", "-1")
    c("2/modelspec-metric-int", "_ = ModelSpec(metric=5)", "metric", "5")
    c("2/stored_result-store-int", "_ = stored_result(5, 'x')", "store", "5")
    c("2/start-preset-none-config", "_ = start_search('nao', ev, 5, 0, config=[('epochs', 2)], progress=False)",
      "config", "epochs")
    c("2/widget-eta-str", "w = ExplorerWidget(atlas); w.eta_index = 'x'", "eta_index", "'x'")
    c("2/widget-search-int", "w = ExplorerWidget(atlas); w.search = 5", "search", "5")
