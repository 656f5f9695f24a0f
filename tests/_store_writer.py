"""Writer process for the run-store tests: appends evaluations and prints each committed id (flushed).

usage: python _store_writer.py DB RUN_ID TAG N   (N < 0: until killed)
"""
import sys

from naoviz.store import RunStore

db, run_id, tag, n = sys.argv[1], sys.argv[2], sys.argv[3], int(sys.argv[4])
store = RunStore(db)
i = 0
while n < 0 or i < n:
    eid = store.add_evaluation(run_id, space="nb201", arch=f"{tag}-{i}", canonical=f"c{i % 7}",
                               metrics={"valid_acc": 50.0 + i % 40, "seq": i}, evaluator="writer", cost_s=0.001,
                               extra={"tag": tag, "blob": "x" * 2000})
    print(eid, flush=True)
    i += 1
