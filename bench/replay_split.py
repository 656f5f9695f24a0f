"""Where a resumed NAO search's replay spends its time, in one process: a run on nb201 stopped (its ``stop`` event)
once ``--cut`` of its queries are stored, then ``resume_search`` of it, stopped the same way at the same query
(so both did the same rounds: the original searched them, the resume replayed them). For each of
the two: wall seconds, seconds in ``NAO.fit`` (every round's warm-started refit: what a bit-identical replay
cannot skip, since no round's weights are stored) and their share, and the rest (proposals, table look-ups,
store). ``replay_ratio``: the resume's seconds over the original's to the same point (1.0: the replay costs what
searching there cost). The two histories must agree (``same_prefix: yes``).
Run: .venv/bin/python bench/replay_split.py [--preset default] [--queries 100] [--cut 0.6] [--seed 0] [--json]
"""
from __future__ import annotations

import argparse
import sys
import tempfile
import threading
import time
from pathlib import Path

from bench_out import print_figures

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))


class FitClock:
    """Seconds spent in ``NAO.fit`` while it is on (the method wrapped for the bench's process only)."""

    def __init__(self):
        from naoviz.nao import NAO
        self.seconds, self._fit = 0.0, NAO.fit
        clock = self

        def fit(model, *args, **kwargs):
            t = time.perf_counter()
            try:
                return clock._fit(model, *args, **kwargs)
            finally:
                clock.seconds += time.perf_counter() - t
        NAO.fit = fit

    def take(self) -> float:
        seconds, self.seconds = self.seconds, 0.0
        return seconds


def _stop_after(n: int):
    """(an Event, an ``on_evaluation`` that sets it once query ``n`` is recorded)."""
    stop = threading.Event()
    return stop, lambda rec: stop.set() if rec.query >= n else None


def main(argv=None) -> int:
    ap = argparse.ArgumentParser()
    ap.add_argument("--preset", default="default")
    ap.add_argument("--queries", type=int, default=100)
    ap.add_argument("--cut", type=float, default=0.6, help="share of the queries stored when the run is stopped")
    ap.add_argument("--seed", type=int, default=0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args(argv)
    from naoviz.cli.search import one_torch_thread
    from naoviz.evaluate import TableEvaluator
    from naoviz.search import resume_search, start_search
    one_torch_thread()                                     # as `naoviz search` runs NAO
    clock, cut = FitClock(), round(args.cut * args.queries)
    evaluator = TableEvaluator("nb201")
    with tempfile.TemporaryDirectory() as tmp:
        db = str(Path(tmp) / "runs.db")
        stop, on_evaluation = _stop_after(cut)
        t = time.perf_counter()
        first = start_search("nao", evaluator, args.queries, args.seed, preset=args.preset, store=db,
                             progress=False, on_evaluation=on_evaluation, stop=stop)
        original_s, original_fit = time.perf_counter() - t, clock.take()
        stop, on_evaluation = _stop_after(cut)          # the same point: the replay alone
        t = time.perf_counter()
        again = resume_search(db, first.run_id, progress=False, on_evaluation=on_evaluation, stop=stop)
        # (the run was stored as stopped; the resume replays it all, evaluating nothing)
        resume_s, resume_fit = time.perf_counter() - t, clock.take()
    out = {"command": f"nao:{args.preset} on nb201, {args.queries} queries, seed {args.seed}",
           "cut_at": f"{len(first.history)}/{args.queries}",
           "original_to_cut_s": round(original_s, 2), "original_fit_s": round(original_fit, 2),
           "original_fit_share": round(original_fit / original_s, 3),
           "resume_to_cut_s": round(resume_s, 2), "resume_fit_s": round(resume_fit, 2),
           "resume_fit_share": round(resume_fit / resume_s, 3),
           "resume_rest_s": round(resume_s - resume_fit, 2),
           "replay_ratio": round(resume_s / original_s, 3),
           "replayed": sum(r.replayed for r in again.history),
           "same_prefix": "yes" if [r.arch for r in again.history] == [r.arch for r in first.history] else "NO"}
    print_figures(out, args.json, width=20, digits=3)
    return 0 if out["same_prefix"] == "yes" else 1


if __name__ == "__main__":
    sys.exit(main())
