"""Hostile input against the installed ``naoviz`` command, from outside the project, as a user would type it.

Each case runs ``naoviz ARGS`` in a fresh process (cwd: a temporary folder, 60 s limit) and is judged:
``clean`` (non-zero exit, no traceback, last stderr line names an option or what is wrong and is at most
200 characters), ``traceback``, ``hang`` (killed at the limit), ``exit 0`` (bad input accepted), ``long``
(a clean exit whose error line is over 200 characters) or ``misread`` (the line says an option "expected one
argument" although one followed it: a value such as ``-1:5`` was taken for an option). A clean refusal said in more
than one stderr line (a table's note above the error, say) is listed apart, not counted a miss. Then tables as researchers
export them (cp1252, tabs, semicolons, several rows per class) must be *read*: exit 0 with a ``table NAME:``
line on stderr (:func:`read_tables`; counted apart), and an own table's runs must say what they must (the
table file as typed, the column a model trained on, advice that fits a hand-made CSV, the table in compare's
summary.json, ``--scheduler`` named: :func:`said_cases`; counted apart). The cases are written here, independently of
``tests/test_cli_hostile.py``, so that a fix tuned to the test's cases does not pass this by construction.

    python bench/hostile_cli.py [--naoviz PATH] [--json]
"""
from __future__ import annotations

import argparse
import json
import os
import shutil
import sqlite3
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


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


def table_cases(tmp: Path, afile: Path) -> list[list[str]]:
    """``--table PATH`` (a CSV of your own) in every command that picks a table: files bad in one way each,
    and options that do not fit a good two-row table."""
    arch2 = "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|"
    head = "arch_str,valid_acc,test_acc,train_time_s\n"
    files = {"good": head + f"{ARCH},90.5,91,10\n{arch2},80,81,9\n",
             "nan": head + f"{ARCH},nan,91,10\n{arch2},80,81,9\n",
             "inf": head + f"{ARCH},90.5,inf,10\n",
             "blank": head + f"{ARCH},,91,10\n",
             "word": head + f"{ARCH},good,91,10\n",
             "arch": head + f"{ARCH},90.5,91,10\n|conv~0|+|x~0|,80,81,9\n",
             "dup": head + f"{ARCH},90.5,91,10\n{ARCH},80,81,9\n",
             "noarch": "cell,valid_acc\nA,1\n", "header": head, "empty": "",
             "semicolon": f"arch_str;valid_acc\n{ARCH};90,5\n{arch2};80,25\n",
             "index": "arch_index,arch_str,valid_acc\n3," + ARCH + ",90\n"}
    paths = {}
    for name, text in files.items():
        paths[name] = tmp / f"{name}.csv"
        paths[name].write_text(text)
    # two rows each, so `--queries 2` fits and only the header is wrong (pandas: valid_acc.1, 'Unnamed: 2')
    files["twice"] = "arch_str,valid_acc,valid_acc,train_time_s\n" + f"{ARCH},90.5,91,10\n{arch2},80,81,9\n"
    files["noname"] = "arch_str,valid_acc,,train_time_s\n" + f"{ARCH},90.5,1,10\n{arch2},80,2,9\n"
    # three rows: the fewest the explorer's maps take (the NAOVIZ_CACHE cases build on it); one row is too few
    arch3 = "|none~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|"
    files["three"] = files["good"] + f"{arch3},70,71,8\n"
    files["one"] = head + f"{ARCH},90.5,91,10\n"
    for name in ("twice", "noname", "three", "one"):
        paths[name] = tmp / f"{name}.csv"
        paths[name].write_text(files[name])
    paths["binary"] = tmp / "binary.csv"
    paths["binary"].write_bytes(bytes(range(256)) * 8)
    paths["loop"] = tmp / "loop.csv"                                             # a loop of symbolic links
    if not paths["loop"].is_symlink():
        paths["loop"].symlink_to(tmp / "loop2.csv")
        (tmp / "loop2.csv").symlink_to(paths["loop"])
    bad = [str(paths[k]) for k in files if k not in ("good", "three", "one")] + [str(paths[k]) for k in ("binary", "loop")] + [
        str(tmp / "missing.csv"), str(tmp), str(afile), "", "/dev/null", str(tmp / ("y" * 300 + ".csv"))]
    good = str(paths["good"])
    s = ["search", "--algo", "rs", "--no-progress", "--queries", "2"]
    out = [[*s, "--table", b] for b in bad]
    out += [[*s, "--table", good, "--metric", "cifar10_valid"], [*s, "--table", good, "--report", "x"],
            ["search", "--algo", "rs", "--no-progress", "--table", good, "--queries", "3"],
            [*s, "--table", good, "--space", "nb201"], [*s, "--table", good, "--evaluator", "train"],
            [*s, "--table", good, "--constraint", "latency_pixel3<=5"]]
    deep = tmp / ("d" * 150)                                   # a table file deep in a long folder
    deep.mkdir(exist_ok=True)
    (deep / "good.csv").write_text(files["good"])
    out += [[*s, "--table", str(deep / "good.csv"), option, "x"] for option in ("--metric", "--report")]
    for command in (["compare", "--algos", "rs", "--queries", "2", "--seeds", "1", "--no-progress"], ["atlas"],
                    ["export-page", str(tmp / "p.html")], ["dashboard", "--dry-run"],
                    ["predictor", "--train-sizes", "1", "--seeds", "1"], ["data", "show"]):
        out += [[*command, "--table", str(paths[k])] for k in ("nan", "arch", "dup", "noarch")]
        out.append([*command, "--table", str(tmp)])
    for command in (["atlas"], ["export-page", str(tmp / "p.html")], ["dashboard", "--dry-run"]):
        out += [[*command, "--table", t] for t in (good, str(paths["one"]))]   # too few rows for a map
    out.append(["predictor", "--train-sizes", "1", "--seeds", "1", "--table", str(paths["one"])])
    out += [[*s, "--table", str(p)] for p in researcher_tables(tmp, files["good"])]
    return out + noted_table_cases(tmp, files["good"])


def noted_table_cases(tmp: Path, good: str) -> list[list[str]]:
    """A tab-separated table (read, with a ``table NAME: tab-separated`` note) beside an option that does not fit
    it, or too few rows for the command: the refusal alone, one line (the note is for a command that goes on)."""
    tsv = tmp / "noted.tsv"
    tsv.write_text(good.replace(",", "\t"))                              # two rows
    one = tmp / "noted_one.tsv"
    one.write_text("\n".join(good.replace(",", "\t").splitlines()[:2]) + "\n")
    junk = tmp / "junk_store.db"
    junk.write_text("not a database\n")
    s = ["search", "--algo", "rs", "--no-progress", "--queries", "2", "--table", str(tsv)]
    out = [[*s, "--metric", "x"], [*s, "--store", str(junk)], [*s, "--store", str(tmp)],
           ["search", "--algo", "rs", "--no-progress", "--queries", "3", "--table", str(tsv)],
           ["compare", "--algos", "rs", "--queries", "2", "--seeds", "1", "--no-progress", "--table", str(tsv),
            "--metric", "x"],
           ["predictor", "--seeds", "1", "--table", str(tsv), "--metric", "x"],
           ["predictor", "--seeds", "1", "--table", str(tsv), "--train-sizes", "5"],
           ["predictor", "--seeds", "1", "--table", str(one)],
           ["data", "show", "--table", str(tsv), "--dir", str(tmp)]]
    for command in (["atlas"], ["export-page", str(tmp / "p.html")], ["dashboard", "--dry-run"]):
        out.append([*command, "--table", str(tsv)])                    # two rows: too few for a map
    return out


def researcher_tables(tmp: Path, good: str) -> list[Path]:
    """Tables as a researcher brings them, each refused in one line: 0..1 accuracies, percent strings,
    True/False, a failed run's -1, pandas' row-number column, the cells under another name, more rows than NB201 has cells, a
    zip of two tables, an Excel workbook, a UTF-16 file, a byte neither UTF-8 nor cp1252, a tab-separated file
    with the same cell twice or decimal commas. (A Latin-1 byte and tabs are read: :func:`read_tables`.)"""
    import zipfile
    head, *rows = good.splitlines()
    fields = [r.split(",") for r in rows]
    texts = {"fraction": head + "\n" + "".join(f"{a},{float(v) / 100},{t},{s}\n" for a, v, t, s in fields),
             "percent": head + "\n" + "".join(f"{a},{v}%,{t},{s}\n" for a, v, t, s in fields),
             "truefalse": head + "\n" + "".join(f"{a},True,{t},{s}\n" for a, v, t, s in fields),
             "failed": head + "\n" + "".join(f"{a},-1,{t},{s}\n" for a, v, t, s in fields),
             "rownumber": "," + head + "\n" + "".join(f"{i},{r}\n" for i, r in enumerate(rows)),
             "archname": good.replace("arch_str", "architecture", 1),
             "many": head + "\n" + "\n".join(rows * 8000) + "\n"}
    out = []
    for name, text in texts.items():
        out.append(tmp / f"own_{name}.csv")
        out[-1].write_text(text)
    out.append(tmp / "own_utf16.csv")
    out[-1].write_text(good, encoding="utf-16")
    out.append(tmp / "own_undefined.csv")
    out[-1].write_bytes(good.replace("test_acc", "test_acc_\xe9").encode("latin-1") + b"\x81")
    out.append(tmp / "own_tabdup.tsv")
    out[-1].write_text((good + rows[0] + "\n").replace(",", "\t"))
    out.append(tmp / "own_tabcomma.tsv")
    out[-1].write_text(good.replace(",", "\t").replace("90.5", "90,5"))
    out.append(tmp / "own_two.csv")
    with zipfile.ZipFile(out[-1], "w") as z:
        z.writestr("a.csv", good)
        z.writestr("b.csv", good)
    out.append(tmp / "own_book.xlsx")                      # an Excel workbook: a zip of XML
    with zipfile.ZipFile(out[-1], "w") as z:
        z.writestr("[Content_Types].xml", "<Types/>")
        z.writestr("xl/workbook.xml", "<workbook/>")
    return out


def read_tables(tmp: Path) -> list[list[str]]:
    """Tables as researchers export them, each *read* (exit 0) and said so in a line on stderr (``table NAME:
    ...``): a Latin-1/cp1252 column name, tabs (named .csv, .tsv, .txt), semicolons with decimal dots, several
    rows per class (NATS-Bench's index alone), and all of these at once, gzip'd."""
    import gzip
    arch2 = "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|"
    good = f"arch_str,valid_acc,test_acc,train_time_s\n{ARCH},90.5,91,10\n{arch2},80,81,9\n"
    several = "arch_index,valid_acc\n9930,90\n13076,83\n12022,82\n6178,81\n3148,80\n"   # 2 classes, 5 rows
    files = {"own_latin1.csv": good.replace("test_acc", "test_acc_\xe9").encode("latin-1"),
             "own_tabs.csv": good.replace(",", "\t").encode(), "own_tabs.tsv": good.replace(",", "\t").encode(),
             "own_tabs.txt": good.replace(",", "\t").encode(), "own_semicolon.csv": good.replace(",", ";").encode(),
             "own_several.csv": several.encode(),
             "own_all.tsv.gz": gzip.compress(several.replace(",", "\t").replace("valid_acc", "valid_acc_\xe9")
                                             .encode("cp1252"))}
    out = []
    for name, data in files.items():
        (tmp / name).write_bytes(data)
        metric = ["--metric", "valid_acc_\xe9"] if name == "own_all.tsv.gz" else []
        out.append(["search", "--algo", "rs", "--no-progress", "--queries", "2", *metric, "--table", str(tmp / name)])
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


def said_cases(tmp: Path) -> list[tuple[str, list[str], object]]:
    """What an own table's run must *say* (the audit's five rough edges; cwd ``tmp``, the tables typed relative):
    (name, args, check of the finished process). A bad file is named as typed by every command, a model trained
    on another column than valid_acc says which, a hand-made partial table's advice is not build-table's alone,
    ``compare --out``'s summary.json names its table, an unreachable ``--scheduler`` is named as the option."""
    arch2 = "|skip_connect~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|"
    arch3 = "|none~0|+|nor_conv_1x1~0|none~1|+|avg_pool_3x3~0|skip_connect~1|nor_conv_3x3~2|"
    (tmp / "said").mkdir(exist_ok=True)
    (tmp / "said" / "cells.csv").write_text(f"arch_str,valid_acc,test_acc\n{ARCH},90.5,91\n{arch2},80,81\n"
                                            f"{arch3},70,71\n")
    (tmp / "said" / "noval.csv").write_text(f"arch_str,test_acc\n{ARCH},91\n{arch2},81\n{arch3},71\n")
    (tmp / "said" / "word.csv").write_text(f"arch_str,valid_acc\n{ARCH},good\n")
    bad = "said/word.csv"

    def as_typed(p):
        last = (p.stderr.strip().splitlines() or [""])[-1]
        return p.returncode == 2 and f"--table: {bad}: " in last and str(tmp) not in last

    def summary_names(p):
        try:
            table = json.loads((tmp / "said" / "cmp" / "summary.json").read_text()).get("table") or {}
        except (OSError, ValueError):
            return False
        return p.returncode == 0 and table.get("file") == "said/cells.csv" and bool(table.get("fingerprint"))

    q = ["--queries", "2", "--no-progress"]
    out = [(f"bad file named as typed: {' '.join(c[:2])}", [*c, "--table", bad], as_typed)
           for c in (["search", "--algo", "rs", *q], ["compare", "--algos", "rs", "--seeds", "1", *q], ["data", "show"],
                     ["atlas"], ["export-page", "p.html"], ["dashboard", "--dry-run"], ["predictor", "--seeds", "1"])]
    out += [("model column said: dashboard", ["dashboard", "--dry-run", "--table", "said/noval.csv"],
             lambda p: p.returncode == 0 and "model trained on test_acc (no valid_acc column)" in p.stderr),
            ("own partial table: data show", ["data", "show", "--table", "said/cells.csv"],
             lambda p: p.returncode == 0 and "add rows" in p.stdout),
            ("own partial table: compare --queries", ["compare", "--algos", "rs", "--seeds", "1", "--no-progress",
                                                      "--queries", "4", "--table", "said/cells.csv"],
             lambda p: p.returncode == 2 and "give fewer, add rows" in p.stderr),
            ("summary.json names its table", ["compare", "--algos", "rs", "--seeds", "1", *q, "--table",
                                              "said/cells.csv", "--out", "said/cmp"], summary_names)]
    out += [(f"--scheduler named: {c[0]}", [*c, *q, "--scheduler", "tcp://127.0.0.1:1"],
             lambda p: p.returncode == 2 and "error: --scheduler: cannot reach" in p.stderr)
            for c in (["search", "--algo", "rs"], ["compare", "--algos", "rs", "--seeds", "1"])]
    return out


def judge_read(proc: subprocess.CompletedProcess) -> tuple[str, str]:
    """``read`` (exit 0, no traceback, the ``table NAME: ...`` line saying how it was read), ``traceback``,
    ``refused`` (a non-zero exit) or ``silent`` (read without saying how)."""
    err = proc.stderr.strip()
    last = err.splitlines()[-1] if err else ""
    if "Traceback (most recent call last)" in proc.stderr or "Traceback" in proc.stdout:
        return "traceback", last
    if proc.returncode != 0:
        return "refused", last
    if not any(x.startswith("table ") for x in err.splitlines()):
        return "silent", last
    return "read", last


def stderr_lines(proc: subprocess.CompletedProcess) -> int:
    """The non-blank lines a run wrote on stderr (a progress bar's ``\\r`` redraws are one line)."""
    return sum(1 for line in proc.stderr.split("\n") if line.strip())


def judge(proc: subprocess.CompletedProcess, argv: list[str]) -> tuple[str, str]:
    err = proc.stderr.strip()
    last = err.splitlines()[-1] if err else ""
    if "Traceback (most recent call last)" in proc.stderr or "Traceback" in proc.stdout:
        return "traceback", last
    if proc.returncode == 0:
        return "exit 0", last
    if len(last) > 200 or not last:
        return "long", last
    named = last.split("error: ", 1)[-1].split(":", 1)[0]
    if "expected one argument" in last and named in argv[:-1]:
        return "misread", last
    return "clean", last


def main() -> int:
    ap = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    beside = Path(sys.executable).with_name("naoviz")          # the venv running this script
    ap.add_argument("--naoviz", default=shutil.which("naoviz") or (str(beside) if beside.exists() else "naoviz"),
                    help="the installed command (default: on PATH, else beside this Python)")
    ap.add_argument("--timeout", type=float, default=60.0)
    ap.add_argument("--json", action="store_true")
    args = ap.parse_args()
    if shutil.which(args.naoviz) is None:
        ap.error(f"--naoviz: no such command {args.naoviz!r} (install naoviz, or give its path)")
    with tempfile.TemporaryDirectory(prefix="naoviz-hostile-") as d:
        tmp = Path(d)
        env = dict(os.environ, NAOVIZ_CACHE=str(tmp / "cache"), OMP_NUM_THREADS="1")
        counts: dict = {}
        bad: list = []
        wordy: list = []                    # clean refusals said in more than one stderr line (the standard: one)
        start = time.perf_counter()
        good = tmp / "good.db"              # a real store for the `naoviz runs --csv` cases
        made = subprocess.run([args.naoviz, "search", "--space", "nb201-digits", "--algo", "rs", "--queries", "3",
                               "--store", str(good), "--no-progress"], capture_output=True, text=True, cwd=tmp,
                              env=env, timeout=args.timeout, stdin=subprocess.DEVNULL)
        if made.returncode != 0:
            print(f"cannot make the run store the runs cases read: {made.stderr.strip()[-300:]}", file=sys.stderr)
            return 1
        all_cases = cases(tmp, good)
        for argv in all_cases:
            argv, extra = argv if isinstance(argv, tuple) else (argv, {})
            try:
                proc = subprocess.run([args.naoviz, *argv], capture_output=True, text=True, cwd=tmp,
                                      env={**env, **extra}, timeout=args.timeout, stdin=subprocess.DEVNULL)
                verdict, line = judge(proc, argv)
            except subprocess.TimeoutExpired:
                verdict, line = "hang", ""
            counts[verdict] = counts.get(verdict, 0) + 1
            if verdict == "clean" and stderr_lines(proc) > 1:
                wordy.append({"argv": [a[:60] for a in argv], "lines": stderr_lines(proc),
                              "first": proc.stderr.strip().split("\n")[0][:300]})
            if verdict != "clean":
                bad.append({"argv": [a[:60] for a in argv], "verdict": verdict, "line": line[:300]})
        read_cases, unread = read_tables(tmp), []
        for argv in read_cases:                  # what must be read, not refused: exit 0 and the table's note line
            try:
                proc = subprocess.run([args.naoviz, *argv], capture_output=True, text=True, cwd=tmp, env=env,
                                      timeout=args.timeout, stdin=subprocess.DEVNULL)
                verdict, line = judge_read(proc)
            except subprocess.TimeoutExpired:
                verdict, line = "hang", ""
            if verdict != "read":
                unread.append({"argv": [a[:60] for a in argv], "verdict": verdict, "line": line[:300]})
        said, unsaid = said_cases(tmp), []
        for name, argv, check in said:           # what an own table's run must say (one check each)
            try:
                proc = subprocess.run([args.naoviz, *argv], capture_output=True, text=True, cwd=tmp, env=env,
                                      timeout=args.timeout, stdin=subprocess.DEVNULL)
                ok = check(proc) and "Traceback" not in proc.stderr
                line = (proc.stderr.strip().splitlines() or [""])[-1]
            except subprocess.TimeoutExpired:
                ok, line = False, "hang"
            if not ok:
                unsaid.append({"case": name, "argv": [a[:60] for a in argv], "line": line[:300]})
        wall = time.perf_counter() - start
    result = {"cases": len(all_cases), "counts": counts, "not_clean": bad, "wall_s": wall,
              "clean_fraction": counts.get("clean", 0) / len(all_cases),
              "clean_in_one_line": counts.get("clean", 0) - len(wordy), "clean_in_more_lines": wordy,
              "read_cases": len(read_cases), "read": len(read_cases) - len(unread), "not_read": unread,
              "said_cases": len(said), "said": len(said) - len(unsaid), "not_said": unsaid}
    if args.json:
        print(json.dumps(result, indent=1))
        return 0
    print(f"{len(all_cases)} hostile invocations of {args.naoviz} in {wall:.0f} s: "
          + ", ".join(f"{k} {v}" for k, v in sorted(counts.items())))
    print(f"clean errors: {result['clean_fraction']:.1%} of the cases")
    for b in bad:
        print(f"  {b['verdict']:>9}: naoviz {' '.join(b['argv'])[:140]}\n             {b['line'][:160]}")
    print(f"clean errors in one stderr line: {result['clean_in_one_line']} of {counts.get('clean', 0)}")
    for b in wordy:
        print(f"  {b['lines']:>3} lines: naoviz {' '.join(b['argv'])[:140]}\n             first: {b['first'][:160]}")
    print(f"researchers' table exports read (exit 0, a `table NAME:` line): {result['read']} of {len(read_cases)}")
    for b in unread:
        print(f"  {b['verdict']:>9}: naoviz {' '.join(b['argv'])[:140]}\n             {b['line'][:160]}")
    print(f"own tables' runs that say what they must (file as typed, model column, advice, summary's table, "
          f"--scheduler): {result['said']} of {len(said)}")
    for b in unsaid:
        print(f"  {b['case']}: naoviz {' '.join(b['argv'])[:140]}\n             {b['line'][:160]}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
