"""One `trust` variant (or local search) on the issue-13 tuning seeds: docs/search_experiments.md, "Unlabelled cells",
"Early exploitation by the step" and "Edit-bounded decoding".

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/trust_variants.py NAME '{"thompson": true, ...}' [0-10]

NAME ``ls`` runs local search; any other name runs ``PRESETS["trust"]`` plus the JSON fields as a preset of
that name. NB201 CIFAR-10 (search valid_acc, report cifar10_test_acc), 100 queries, seeds 0-9 by default, one
process, torch 1 thread. Prints a line per seed, then a ``ROW`` line (mean incumbent at 25 / 50 / 100, runs
whose incumbent is the optimum at 50 / 100, mean first query at the optimum (100 when never), share of final
incumbents decoded, random queries per run, process CPU per search by getrusage, and its max; the first search
of a pretraining variant includes the cached pretraining), then one JSON line (the same means, runs that
*reached* the optimum by 50 / 64 / 100, CPU by process_time, per-seed checkpoints).
"""
import json
import resource
import sys
import time

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.experiments.search import compare
from naoviz.search.nao_search import PRESETS


def cpu() -> float:
    r = resource.getrusage(resource.RUSAGE_SELF)
    return r.ru_utime + r.ru_stime


name, over = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
seeds = range(*map(int, sys.argv[3].split("-"))) if len(sys.argv) > 3 else range(10)
if name == "ls":
    algo = ("ls", None)
else:
    PRESETS[name] = {**PRESETS["trust"], **over}
    algo = ("nao", name)
torch.set_num_threads(1)
per, last = [], [cpu()]


def on_run(run):
    c = cpu()
    per.append(c - last[0])
    last[0] = c
    print(f"seed {run['seed']}: at {run['at']} to-opt {run['queries_to_optimum']} cpu {per[-1]:.1f}", flush=True)


c0 = time.process_time()
s = compare(TableEvaluator("nb201"), [algo], 100, seeds, on_run=on_run)
cpu_mean = (time.process_time() - c0) / len(seeds)
a = list(s["algos"].values())[0]
at, first, n = a["at"], a["queries_to_optimum"], len(seeds)
to_opt = float(np.mean([100 if q is None else q for q in first]))
mean3 = float(np.mean([at[q]["mean"] for q in ("25", "50", "100")]))   # what a preset is chosen by (docs/search.md)
print(f"ROW {name} {json.dumps(over)} | {at['25']['mean']:.3f} / {at['50']['mean']:.3f} / {at['100']['mean']:.3f} | "
      f"optimum by 50 {round(at['50']['optimum_frac'] * n)} / by 100 {round(a['optimum_frac'] * n)} | "
      f"to optimum {to_opt:.1f} | decoded {a['decoded_final_share']:.1f} | random {a['queries']['random']:.1f} | "
      f"cpu {np.mean(per):.1f} (max {max(per):.1f}) | mean of the three {mean3:.3f}", flush=True)
print(json.dumps(dict(
    name=name, over=over, at25=at["25"]["mean"], at50=at["50"]["mean"], at100=at["100"]["mean"],
    opt50=sum(q is not None and q <= 50 for q in first), opt64=sum(q is not None and q <= 64 for q in first),
    opt100=a["reached_optimum"], to_opt=to_opt, dec=a["decoded_final_share"], rand=a["queries"]["random"],
    cpu=cpu_mean, mean3=mean3, per_seed=[r["at"] for r in a["runs"]], first=first)))
