"""bench/hostile_cli.py's cases for own tables (``--table PATH``): files bad in one way each (refused), files as
researchers export them (read, with a note: :func:`read_tables`), and what an own table's run must say
(:func:`said_cases`)."""
from __future__ import annotations

import json
from pathlib import Path

ARCH = "|nor_conv_3x3~0|+|nor_conv_3x3~0|nor_conv_3x3~1|+|skip_connect~0|nor_conv_3x3~1|nor_conv_3x3~2|"


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
    True/False, a failed run's -1, pandas' row-number column, the cells under another name, more rows than NB201 has cells,
    a thousands comma (1,100.5), a row short of a value, a typo in an op name, a
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
             "many": head + "\n" + "\n".join(rows * 8000) + "\n",
             "thousands": head + "\n" + "".join(f"{a},{v},{t},1,{s}00.5\n" for a, v, t, s in fields),
             "shortrow": head + "\n" + "".join(f"{a},{v},{t}\n" for a, v, t, s in fields),
             "optypo": head + "\n" + "".join(f"{a.replace('nor_conv_3x3', 'nor_conv3x3', 1)},{v},{t},{s}\n"
                                             for a, v, t, s in fields)}
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
