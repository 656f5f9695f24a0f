"""Hostile input, generated: hypothesis draws bad values per option kind (whole numbers, numbers) and bad search
configs; each is refused with exit status 2 and ONE short line naming the option, before any work."""
from __future__ import annotations

import json
import re

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from _cli_rejects import ARCH, HANG_S, assert_rejected

BAD_INTS = ["-1", "1e9", "2.5", "nan", "inf", "", "x", "\u0663", "1_0", "0x10", "True", "9" * 40, "5 5", "\n"]
BAD_FLOATS = ["nan", "NaN", "inf", "-inf", "1e999", "x", "", "1,5", "\u0663"]
SETTINGS = settings(max_examples=60, deadline=None, derandomize=True, database=None,
                    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture])


# -- generated values, per option kind --------------------------------------------------------------------
INT_OPTIONS = [  # (argv prefix, option, lo, hi)
    (["search", "--algo", "rs"], "--queries", 1, 1_000_000), (["search", "--algo", "rs"], "--seed", 0, 2**63 - 1),
    (["search", "--algo", "rs"], "--retries", 0, 100), (["compare", "--algos", "rs"], "--seeds", 1, 10_000),
    (["predictor"], "--threads", 1, 256), (["predictor"], "--seeds", 1, 1000),
    (["train-child", "--arch", ARCH], "--epochs", 1, 10_000), (["train-child", "--arch", ARCH], "--channels", 1, 256),
    (["train-child", "--arch", ARCH], "--cells", 1, 16), (["train-child", "--arch", ARCH], "--cutout", 0, 64),
    (["train-child", "--arch", ARCH], "--batch-size", 1, 65_536),
    (["build-table", "--store", "s.db"], "--epochs", 1, 10_000), (["dashboard", "--dry-run"], "--port", 1, 65535),
    (["atlas"], "--k", 1, 100),
]
FLOAT_OPTIONS = [  # (argv prefix, option, lo, hi, lo_open)
    (["search", "--algo", "rs"], "--delay", 0.0, 60.0, False), (["compare", "--algos", "rs"], "--delay", 0.0, 60.0, False),
    (["train-child", "--arch", ARCH], "--lr", 0.0, 10.0, True),
    (["train-child", "--arch", ARCH], "--weight-decay", 0.0, 1.0, False),
    (["build-table", "--store", "s.db"], "--lr", 0.0, 10.0, True),
    (["cache", "--clean", "stale", "--dry-run"], "--older-than", 0.0, 100_000.0, False),
]
_ASCII_INT = re.compile(r"\s*[+-]?[0-9]{1,30}\s*")


def _bad_int(lo: int, hi: int):
    outside = st.integers().filter(lambda v: not lo <= v <= hi).map(str)
    floats = st.floats(allow_nan=True, allow_infinity=True).map(repr)
    text = st.text(max_size=12).filter(lambda s: not _ASCII_INT.fullmatch(s) or not lo <= int(s) <= hi)
    return st.one_of(outside, floats, text, st.sampled_from(BAD_INTS))


def _bad_float(lo: float, hi: float, lo_open: bool):
    def bad(v: float) -> bool:
        return not (v > lo if lo_open else v >= lo) or v > hi
    outside = st.floats(allow_nan=True, allow_infinity=True).filter(lambda v: v != v or bad(v)).map(repr)
    text = st.text(max_size=12).filter(lambda s: not re.fullmatch(r"\s*[0-9.eE+-]+\s*", s))
    return st.one_of(outside, text, st.sampled_from(BAD_FLOATS))


@pytest.mark.timeout(HANG_S)
@SETTINGS
@given(data=st.data())
def test_generated_bad_numbers_are_rejected(data):
    if data.draw(st.booleans(), label="int option"):
        prefix, option, lo, hi = data.draw(st.sampled_from(INT_OPTIONS), label="option")
        value = data.draw(_bad_int(lo, hi), label="value")
    else:
        prefix, option, lo, hi, lo_open = data.draw(st.sampled_from(FLOAT_OPTIONS), label="option")
        value = data.draw(_bad_float(lo, hi, lo_open), label="value")
    assert_rejected(prefix + [f"{option}={value}"], option)


_BAD_VALUE = st.one_of(st.none(), st.booleans(), st.floats(allow_nan=True, allow_infinity=True),
                       st.text(max_size=10), st.lists(st.integers(), max_size=2),
                       st.integers(min_value=10**5 + 1), st.integers(max_value=-1))
_FIELDS = {"rs": ["batch"], "re": ["population", "sample", "max_tries"],
           "ls": ["n_init", "parents", "per_round", "n_trees", "min_samples_leaf"]}


@pytest.mark.timeout(HANG_S)
@SETTINGS
@given(data=st.data())
def test_generated_bad_search_configs_are_rejected(data):
    algo = data.draw(st.sampled_from(sorted(_FIELDS)), label="algo")
    field = data.draw(st.sampled_from(_FIELDS[algo]), label="field")
    value = data.draw(_BAD_VALUE, label="value")     # every one is outside every field's range (floats too)
    config = json.dumps({field: value})
    last = assert_rejected(["search", "--algo", algo, "--queries", "5", "--no-progress", "--config", config],
                           "--config")
    assert field in last
