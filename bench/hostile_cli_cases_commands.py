"""bench/hostile_cli.py's refusal cases: every command's options, each bad in exactly one way (numbers, JSON
configs, metrics, paths, run stores edited by hand, image folders), with the own-table cases of
bench/hostile_cli_cases_tables.py."""
from __future__ import annotations

import os
import shutil
import sqlite3
from pathlib import Path

from hostile_cli_cases_tables import ARCH, table_cases   # bench/ (this script's folder is on sys.path)


def cases(tmp: Path, good_store: Path) -> list:
    """(args) lists, each bad in exactly one way (or (args, extra environment) pairs). ``good_store``: a run store holding one finished run."""
    afile = tmp / "a_file"
    afile.write_text("x")
    text_store = tmp / "text.db"
    text_store.write_text("not sqlite")
    foreign = tmp / "foreign.db"
    with sqlite3.connect(foreign) as conn:
        conn.execute("CREATE TABLE runs (x INTEGER)")
    big = "9" * 5000
    edited = tmp / "edited.db"                       # the good store with its run's config edited by hand
    shutil.copy(good_store, edited)
    with sqlite3.connect(edited) as conn:
        run_id = conn.execute("SELECT id FROM runs").fetchone()[0]
        conn.execute("UPDATE runs SET config = 'not json'")
    conn.close()
    no_metric = tmp / "no_metric.db"                 # one evaluation's metric removed by hand
    shutil.copy(good_store, no_metric)
    with sqlite3.connect(no_metric) as conn:
        conn.execute("UPDATE evaluations SET metrics = '{\"test_acc\": 1}' "
                     "WHERE id = (SELECT MIN(id) FROM evaluations)")
    conn.close()
    recanon = tmp / "recanon.db"                     # one evaluation's canonical edited by hand
    shutil.copy(good_store, recanon)
    with sqlite3.connect(recanon) as conn:
        conn.execute("UPDATE evaluations SET canonical = canonical || 'x' WHERE id = (SELECT MIN(id) FROM evaluations)")
    conn.close()
    s = ["search", "--algo", "rs", "--queries", "5", "--no-progress"]
    out = []
    for q in ("0", "-1", "1.5", "1e3", "99999999999999999999", "ten", "", "NaN", "٣"):
        out.append(["search", "--queries", q, "--no-progress"])
    for seed in ("-5", "2.0", str(2**64), "0x10", big):
        out.append([*s, "--seed", seed])
    for algo in ("", "nao,re", "RS", "../x", "x" * 300):
        out.append(["search", "--algo", algo, "--queries", "5", "--no-progress"])
    for cfg in ('{"batch": 0}', '{"batch": -2}', '{"batch": 2.5}', '{"batch": true}', '{"batch": "3"}',
                '{"batch": 1e12}', '{"batch": null}', '[1,2]', '"x"', '{"nope": 1}', '{', '{"batch": NaN}',
                '{"batch": Infinity}', "[" * 5000 + "]" * 5000):
        out.append([*s, "--config", cfg])
    for cfg in ('{"population": 0}', '{"population": 10, "sample": 11}', '{"max_tries": -1}',
                '{"population": 1e9}'):
        out.append(["search", "--algo", "re", "--queries", "5", "--no-progress", "--config", cfg])
    for cfg in ('{"n_init": 1}', '{"per_round": 0}', '{"parents": 0.5}', '{"n_trees": 0}',
                '{"min_samples_leaf": -1}'):
        out.append(["search", "--algo", "ls", "--queries", "5", "--no-progress", "--config", cfg])
    for cfg in ('{"epochs": 0}', '{"top_k": 0}', '{"max_eta": -1}', '{"eta_step": 0}', '{"seed_by": "x"}',
                '{"model": 5}', '{"model": {"hidden_size": -4}}', '{"model": {"device": "cuda:7"}}',
                '{"model": {"lr": NaN}}', '{"model_preset": "huge"}', '{"n_new": 0, "n_mutations": 0}'):
        out.append(["search", "--algo", "nao", "--queries", "5", "--no-progress", "--config", cfg])
    out += [[*s, "--metric", "nope"], [*s, "--report", "nope"], [*s, "--metric", ""],
            ["search", "--space", "cifar", "--no-progress"], [*s, "--preset", "paper"],
            ["search", "--algo", "nao", "--preset", "nope", "--queries", "5", "--no-progress"],
            [*s, "--delay", "-1"], [*s, "--delay", "inf"], [*s, "--delay", "nan"], [*s, "--retries", "-1"],
            [*s, "--local-cluster", "-2"], [*s, "--local-cluster", "100000"], [*s, "--local-cluster", "autox"],
            [*s, "--scheduler", "nowhere"],
            [*s, "--scheduler", "tcp://127.0.0.1:1", "--local-cluster", "2"],
            [*s, "--store", ""], [*s, "--store", str(afile / "x.db")], [*s, "--store", str(tmp)],
            [*s, "--store", str(text_store)], [*s, "--store", str(foreign)], [*s, "--resume", "r1"],
            [*s, "--store", f"{good_store}-wal"], [*s, "--store", str(tmp / "new.db-journal")],
            [*s, "--store", str(tmp / "new.db"), "--resume", "no-such-run"],
            ["search", "--queries", "20000", "--algo", "rs", "--no-progress"],
            [*s, "--constraint", "latency_pixel3<=-1"], [*s, "--constraint", "valid_acc>=200"],   # no cell feasible
            [*s, "--constraint", "latency_pixel3<=1", "--constraint", "valid_acc>=91"],
            ["atlas", "--etas", "0"], ["atlas", "--etas", "-1:5"], ["atlas", "--etas", "-1,0,1"],
            ["atlas", "--etas", "-.5:3"], [*s, "--delay", "-1e-3"], [*s, "--delay", "-inf"],
            [*s, "--retries", "-1e3"]]
    c = ["compare", "--queries", "5", "--no-progress"]
    out += [[*c, "--algos", ""], [*c, "--algos", "rs,rs"], [*c, "--algos", "rs,,re"], [*c, "--algos", "nao:x"], [*c, "--algos", "nao:,re"],
            [*c, "--algos", "rs:paper"], [*c, "--seeds", "0"], [*c, "--seeds", "-3"], [*c, "--first-seed", "-1"],
            [*c, "--seeds", "1.5"], [*c, "--out", str(afile)], [*c, "--metric", "x"], [*c, "--queries", "0"],
            [*c, "--algos", "rs", "--store", str(tmp)], [*c, "--algos", "rs", "--store", str(text_store)],
            [*c, "--algos", "rs", "--local-cluster", "-1"], [*c, "--algos", "rs", "--delay", "nan"],
            [*c, "--algos", "ls,re", "--against", "nao"], [*c, "--algos", "ls,re", "--against", ""],
            [*c, "--algos", "ls,re", "--seeds", "1", "--against", "ls"],
            [*c, "--algos", "ls,re", "--against", "ls", "--bootstrap", "0"],
            [*c, "--algos", "ls,re", "--against", "ls", "--bootstrap", "1e4"],
            [*c, "--algos", "ls,re", "--bootstrap", "1000"], [*c, "--algos", "rs", "--constraint", "latency_pixel3<=-1"]]
    out += [["runs"], ["runs", "--store", str(tmp)], ["runs", "--store", str(tmp / "missing.db")],
            ["runs", "--store", str(text_store)], ["runs", "--store", str(foreign)]]
    g = ["runs", "--store", str(good_store)]
    out += [[*g, "--csv", "nope", "--out", str(tmp / "x.csv")], [*g, "--csv", "all"], [*g, "--out", str(tmp / "x.csv")],
            [*g, "--csv", "all", "--out", str(tmp)], [*g, "--csv", "all", "--out", str(afile / "x.csv")],
            [*g, "--csv", "all", "--out", str(good_store)], [*g, "--csv", "all", "--out", f"{good_store}-wal"],
            [*c, "--algos", "rs", "--store", str(afile / "c.db")],
            ["runs", "--store", str(edited)], ["search", "--no-progress", "--store", str(edited), "--resume", run_id],
            ["search", "--no-progress", "--store", str(no_metric), "--resume", run_id],
            ["search", "--no-progress", "--store", str(recanon), "--resume", run_id]]
    p = ["predictor", "--seeds", "1", "--no-steps", "--no-baselines"]
    out += [[*p, "--train-sizes", "0"], [*p, "--train-sizes", "15625"], [*p, "--train-sizes", "a,b"],
            [*p, "--train-sizes", "10,,20"], [*p, "--train-sizes", "1.5"], [*p, "--seeds", "0"],
            [*p, "--preset", "nope"], [*p, "--set", "epochs"], [*p, "--set", "epochs=-1"],
            [*p, "--set", "nope=1"], [*p, "--set", "lr=NaN"], [*p, "--set", "hidden_size=1e9"],
            [*p, "--set", "device=\"cuda\""], [*p, "--threads", "0"], [*p, "--metric", "nope"],
            [*p, "--space", "naonet"]]
    long_name = "9" * 300              # a file name over the file system's 255 bytes; a list echoed whole
    out += [["search", "--no-progress", "--store", long_name], ["data", "download", "--dir", long_name],
            ["train-child", "--arch", ARCH, "--checkpoint-dir", long_name], [*c, "--algos", "nao," + long_name],
            [*p, "--train-sizes", "5," + long_name], ["atlas", "--etas", "0," + long_name]]
    t = ["train-child", "--arch", ARCH, "--epochs", "1", "--data", "synthetic"]
    out += [["train-child", "--arch", "nope"], ["train-child", "--arch", ""], [*t, "--epochs", "0"],
            [*t, "--lr", "nan"], [*t, "--lr", "-0.1"], [*t, "--lr", "inf"], [*t, "--batch-size", "0"],
            [*t, "--weight-decay", "-1"], [*t, "--channels", "0"], [*t, "--channels", "99999"],
            [*t, "--cells", "-1"], [*t, "--cutout", "-3"], [*t, "--device", "meta"], [*t, "--device", "cuda"],
            [*t, "--device", "tpu"], [*t, "--seed", "-1"], [*t, "--checkpoint-dir", str(afile)],
            [*t, "--data-dir", str(afile)], ["train-child", "--space", "naonet", "--arch", ARCH],
            ["train-child", "--space", "nb201", "--arch", "NAONet-A"]]
    b = ["build-table", "--store", str(tmp / "b.db"), "--archs", "2", "--epochs", "1", "--data", "synthetic"]
    out += [[*b, "--lr", "nan"], [*b, "--lr", "0"], [*b, "--epochs", "0"], [*b, "--archs", "0"],
            [*b, "--archs", "some"], [*b, "--archs", "7000"], [*b, "--channels", "-2"], [*b, "--workers", "-1"],
            [*b, "--out", str(afile / "t.csv")], [*b, "--out", str(tmp)], [*b, "--out", str(tmp / "b.db")],
            ["build-table", "--store", "", "--archs", "2"], ["build-table", "--store", str(text_store), "--archs", "2"]]
    out += [["data", "show", "--dir", str(afile)], ["data", "import", str(tmp / "missing")],
            ["data", "import", str(afile)], ["data", "download", "nope"],
            ["dashboard", "--port", "0", "--dry-run"], ["dashboard", "--port", "70000", "--dry-run"],
            ["dashboard", "--ip", "not an ip", "--dry-run"], ["dashboard", "--data", str(afile), "--dry-run"],
            ["dashboard", "--exports", str(afile), "--dry-run"], ["info", "--bogus"], ["nope"]]
    out += table_cases(tmp, afile)
    out += image_cases(tmp)
    for cache in (afile, afile / "sub"):             # NAOVIZ_CACHE a file, or under one: (argv, extra env) cases
        out += [(argv, {"NAOVIZ_CACHE": str(cache)}) for argv in (
            ["atlas", "--table", str(tmp / "three.csv"), "--etas", "1:2", "--maps", "pca"],
            ["search", "--algo", "nao", "--queries", "5", "--no-progress"])]
    k = ["cache", "--clean", "stale", "--dry-run"]
    out += [["cache", "--clean", "foo"], ["cache", "--clean", ""], ["cache", "--clean", "ALL"],
            [*k, "--older-than", "-1"], [*k, "--older-than", "nan"], [*k, "--older-than", "inf"],
            [*k, "--older-than", "1e9"], [*k, "--older-than", "two"], [*k, "--older-than", ""],
            [*k, "--older-than", "100001"], [*k, "--older-than", "7d"], [*k, "--older-than", "0x10"],
            [*k, "--older-than", "1_000"], [*k, "--older-than"],
            ["cache", "--older-than", "3"], ["cache", "--dry-run"], ["cache", "--dir", str(afile)],
            ["cache", "--dir", str(afile / "sub")], ["cache", "--dir", ""], ["cache", "--dir", big],
            ["cache", "--clean", "all", "--dir", str(afile)], ["cache", "--json=1"], ["cache", "extra"]]
    return out


def image_cases(tmp: Path) -> list[list[str]]:
    """``train-child`` / ``build-table --data imagefolder:PATH`` on trees bad in one way each: an empty class
    folder, one class, a file that is no image, a pipe named .png (a read would block), a broken link, too few
    images to split, images with no class folder."""
    import numpy as np
    from PIL import Image

    def tree(name, classes=("cat", "dog"), n=4):
        root = tmp / "img" / name
        for c in classes:
            (root / c).mkdir(parents=True, exist_ok=True)
            for i in range(n):
                Image.fromarray(np.full((8, 8, 3), 40 if c == "cat" else 200, np.uint8)).save(root / c / f"{i}.png")
        root.mkdir(parents=True, exist_ok=True)
        return root

    bad = [tree("oneclass", ("cat",)), tree("tiny", n=2)]
    (tree("emptyclass") / "bird").mkdir(exist_ok=True)
    bad.append(tmp / "img" / "emptyclass")
    (tree("notimage") / "cat" / "x.png").write_text("not a png")
    bad.append(tmp / "img" / "notimage")
    if not (tree("pipe") / "cat" / "p.png").exists():
        os.mkfifo(tmp / "img" / "pipe" / "cat" / "p.png")
    bad.append(tmp / "img" / "pipe")
    if not (tree("link") / "dog" / "gone.png").is_symlink():
        (tmp / "img" / "link" / "dog" / "gone.png").symlink_to(tmp / "img" / "nowhere.png")
    bad.append(tmp / "img" / "link")
    flat = tree("flat", ())
    Image.fromarray(np.zeros((8, 8, 3), np.uint8)).save(flat / "0.png")
    bad.append(flat)
    t = ["train-child", "--arch", ARCH, "--epochs", "1", "--image-size", "8"]
    b = ["build-table", "--archs", "2", "--epochs", "1", "--image-size", "8", "--store", str(tmp / "img.db"),
         "--out", str(tmp / "img_table.csv")]
    return [[*t, "--data", f"imagefolder:{p}"] for p in bad] + [[*b, "--data", f"imagefolder:{p}"] for p in bad]
