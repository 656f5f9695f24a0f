"""Benchmark tables (NAS-Bench-201 and naoviz's own) and the commands that fetch them."""
from naoviz.tables.benchmark import (
    BENCHMARKS, Benchmark, default_benchmark, load_benchmark, load_digits_table, load_nb201,
    lower_is_better,
)

__all__ = ["BENCHMARKS", "Benchmark", "default_benchmark", "load_benchmark", "load_digits_table", "load_nb201",
           "lower_is_better"]
