"""One `trust` variant on the issue-13 tuning seeds (docs/search.md, "Early exploitation by the step").

    PYTHONPATH=. NAOVIZ_DATA=... OMP_NUM_THREADS=1 python bench/trust_variants.py NAME '{"thompson": true, ...}' [0-10]

NAME ``ls`` runs local search; any other name runs ``PRESETS["trust"]`` plus the JSON fields as a preset of
that name. NB201 CIFAR-10 (search valid_acc, report cifar10_test_acc), 100 queries, seeds 0-9 by default.
Prints one JSON line: mean incumbent at 25 / 50 / 100, runs at the optimum by 50 / 64 / 100, mean first query
at the optimum (100 when never), share of final incumbents decoded, random queries per run, process CPU per
search (s), per-seed checkpoints.
"""
import json
import sys
import time

import numpy as np
import torch

from naoviz.evaluate import TableEvaluator
from naoviz.experiments.search import compare
from naoviz.search.nao_search import PRESETS

name, over = sys.argv[1], json.loads(sys.argv[2]) if len(sys.argv) > 2 else {}
seeds = range(*map(int, sys.argv[3].split("-"))) if len(sys.argv) > 3 else range(10)
if name == "ls":
    algo = ("ls", None)
else:
    PRESETS[name] = {**PRESETS["trust"], **over}
    algo = ("nao", name)
torch.set_num_threads(1)
c0 = time.process_time()
s = compare(TableEvaluator("nb201"), [algo], 100, seeds)
cpu = (time.process_time() - c0) / len(seeds)
a = list(s["algos"].values())[0]
first = a["queries_to_optimum"]
print(json.dumps(dict(
    name=name, over=over, at25=a["at"]["25"]["mean"], at50=a["at"]["50"]["mean"], at100=a["at"]["100"]["mean"],
    opt50=sum(q is not None and q <= 50 for q in first), opt64=sum(q is not None and q <= 64 for q in first),
    opt100=a["reached_optimum"], to_opt=float(np.mean([100 if q is None else q for q in first])),
    dec=a["decoded_final_share"], rand=a["queries"]["random"], cpu=cpu,
    per_seed=[r["at"] for r in a["runs"]], first=first)))
