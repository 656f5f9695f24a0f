"""Worker process for the resumed-build test (tests/test_atlas_resume.py): builds one small digits atlas
through ``atlas_for`` (the atlas cache, its lock and its partial folder) in ``$NAOVIZ_CACHE``.

usage: python _atlas_worker.py DIR run     build (or resume) it; print one JSON line (the atlas's base path,
                                           the resume line, the stages reported)
       python _atlas_worker.py DIR stop    build it; once the first paths chunk is saved (its progress report
                                           comes after the file is written) touch DIR/checkpointed and wait
                                           to be killed (gives up after 120 s, exit 3)
"""
import json
import sys
import time
from pathlib import Path

import numpy as np

SPEC = dict(n_train=120, overrides={"epochs": 4, "hidden_size": 16, "mlp_hidden": 16, "batch_size": 40})
ETAS = np.linspace(0, 8, 9).tolist()          # 9 etas: 113 seeds per decode batch, 452 per saved chunk
SEEDS = list(range(0, 6466, 3))               # 2,156 seeds: 5 chunks; 19,404 moved points: 3 placing chunks


def main() -> int:
    import torch
    torch.set_num_threads(1)
    from naoviz.atlas_cache import atlas_for, atlas_name
    from naoviz.cli.atlas import say_resumed
    from naoviz.nao.cache import ModelSpec
    from naoviz.paths import cache_dir
    from naoviz.tables import load_benchmark
    folder, mode = Path(sys.argv[1]), sys.argv[2]
    bench, spec = load_benchmark("nb201-digits"), ModelSpec(**SPEC)
    options = dict(etas=ETAS, seeds=SEEDS, maps=("pca",))
    stages, resumed = [], []

    def progress(stage, done, total):
        stages.append([stage, int(done), int(total)])
        if mode == "stop" and stage == "paths" and 0 < done < total and done % 452 == 0:
            (folder / "checkpointed").touch()
            end = time.monotonic() + 120
            while time.monotonic() < end:            # mid-build, the lock held: the test kills us here
                time.sleep(0.05)
            raise SystemExit(3)

    def on_resume(text):
        resumed.append(text)
        say_resumed(text)                            # what `naoviz atlas` prints

    atlas_for(bench, spec, progress=progress, on_resume=on_resume, **options)
    base = cache_dir() / "atlases" / atlas_name(bench, spec, **options)
    print(json.dumps({"base": str(base), "resumed": resumed, "stages": stages}), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
