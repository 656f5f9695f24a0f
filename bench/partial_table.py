"""NAO on a partial table of your own: decodes outside the table skipped or snapped to the nearest
unevaluated table cell (``snap_to_table``).

The table is ``--rows`` classes of the shipped digits table drawn with ``--table-seed`` (what ``build-table
--archs N`` gives on your own data), written to a temporary CSV and searched through ``--table``'s path
(``TableEvaluator(path)``). Prints, per variant, the mean and sd of the final reported incumbent over the seeds,
how many reached the table's optimum, and the mean number of queries that came from a decode; and the same for
the search metric (``valid_acc``, what the search maximises): the incumbent's mean value and how many runs found
the table's best value. On a 200-row table the two differ: the cell of the best test_acc is often not the one of
the best valid_acc, and two cells can tie on valid_acc with different test_acc. Also the mean number of decodes
retrieved from the table (``decode_by`` nearest: ``stall``, ``sweep_projected``) and of decodes snapped into it.

``--constraint`` (e.g. ``params_M<=p50``: ``pN`` is the N-th percentile of the column over the partial table)
searches under that budget: the optimum and best value are then the feasible rows' (``constrained_optimum``),
and the mean share of feasible queries is printed too.

    OMP_NUM_THREADS=1 python bench/partial_table.py [--rows 200] [--table-seed 0] [--seeds 0:5] [--queries 50]
        [--preset default] [--constraint 'params_M<=p50']
"""
from __future__ import annotations

import argparse
import json
import tempfile
import time
from pathlib import Path

import numpy as np


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    ap.add_argument("--rows", type=int, default=200)
    ap.add_argument("--table-seed", type=int, default=0)
    ap.add_argument("--seeds", default="0:5", help="FIRST:STOP")
    ap.add_argument("--queries", type=int, default=50)
    ap.add_argument("--preset", default="default")
    ap.add_argument("--constraint", default=None, metavar="COL<=VALUE|COL<=pN")
    args = ap.parse_args()
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import start_search
    from naoviz.tables import load_digits_table
    first, stop = (int(x) for x in args.seeds.split(":"))
    frame = load_digits_table().frame.reset_index()
    rows = np.random.default_rng(args.table_seed).choice(len(frame), size=args.rows, replace=False)
    out: dict = {"rows": args.rows, "table_seed": args.table_seed, "seeds": [first, stop], "queries": args.queries,
                 "preset": args.preset}
    with tempfile.TemporaryDirectory() as tmp:
        path = Path(tmp) / "own.csv"
        frame.iloc[rows].drop(columns="arch_index").to_csv(path, index=False)
        evaluator = TableEvaluator(str(path))
        constraints = []
        if args.constraint:                     # "pN": the N-th percentile of the column over this table
            from naoviz.search.constraints import constrained_optimum, parse_constraint
            column, _, bound = args.constraint.partition("<=")
            if column.strip() not in evaluator.table.metrics:
                ap.error(f"--constraint: no column {column.strip()!r} (known: {', '.join(evaluator.table.metrics)})")
            if bound.strip().startswith("p"):
                bound = f"{np.nanpercentile(evaluator.table.metric(column.strip()), float(bound.strip()[1:])):.6g}"
            constraints = [str(parse_constraint(f"{column}<={bound}", evaluator.table.metrics))]
            out["constraint"] = constraints[0]
            evaluator = TableEvaluator(str(path), constraints=constraints)
            optimum = constrained_optimum(evaluator.table, evaluator.constraints, evaluator.report)
            best_value = constrained_optimum(evaluator.table, evaluator.constraints, evaluator.metric)
        else:
            optimum = evaluator.report_optimum()
            best_value = evaluator.best()[0]
        out["optimum"], out["best_search_value"] = optimum, best_value
        for label, config in (("skip", {"snap_to_table": False}), ("snap", {"snap_to_table": True})):
            finals, values, decoded, retrieved, snapped, feasible = [], [], [], [], [], []
            start = time.perf_counter()
            for seed in range(first, stop):
                result = start_search("nao", evaluator, args.queries, seed, progress=False, preset=args.preset,
                                      config=config)
                finals.append(result.incumbent().report)
                values.append(result.incumbent().value)
                decoded.append(result.counts()["queries"]["decoder"])
                retrieved.append(result.retrieved())
                snapped.append(sum("snapped_from" in r.extra for r in result.history))
                feasible.append(float(result.feasible().mean()))
            out[label] = {"final_mean": round(float(np.mean(finals)), 3),
                          "final_sd": round(float(np.std(finals, ddof=1)), 3) if len(finals) > 1 else 0.0,
                          "reached_optimum": int(np.sum(np.isclose(finals, optimum))),
                          "search_value_mean": round(float(np.mean(values)), 3),
                          "found_best_search_value": int(np.sum(np.isclose(values, best_value))),
                          "decoder_queries_mean": float(np.mean(decoded)),
                          "retrieved_mean": float(np.mean(retrieved)), "snapped_mean": float(np.mean(snapped)),
                          **({"feasible_share_mean": round(float(np.mean(feasible)), 3)} if constraints else {}),
                          "s_per_run": round((time.perf_counter() - start) / len(finals), 1)}
    print(json.dumps(out, indent=1))
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
