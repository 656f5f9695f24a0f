"""Experiments that measure naoviz on benchmark tables and return JSON-ready data (no figures):
predictor quality (``predictor.py``) and search comparison (``search.py``)."""
