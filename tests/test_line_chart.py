"""The Search and Child tabs' chart: its state is JSON-safe series the page draws; bad series are refused."""
import math

import pytest
import traitlets

from naoviz.ui.line_chart import LineChart, line


def test_line_makes_json_safe_series_and_keeps_bands_whole():
    s = line("NAO", [1, 2, 3], [90.0, float("nan"), 91.5], "#d62728", lo=[89, 90, 91], hi=[91, 92, math.inf])
    assert s["y"] == [90.0, None, 91.5] and s["hi"] == [91.0, 92.0, None]      # NaN/inf: a gap, JSON has no NaN
    assert s["name"] == "NAO" and s["color"] == "#d62728" and s["n"] is None
    with pytest.raises(ValueError, match="band needs both lo and hi"):
        line("NAO", [1], [1.0], lo=[0.5])
    with pytest.raises(ValueError, match="NAO: y: expected numbers, got 'x'"):
        line("NAO", [1], ["x"])


def test_chart_refuses_series_of_unequal_length_or_unknown_keys():
    chart = LineChart(series=[line("a", [1, 2], [3, 4])])
    assert chart.series[0]["x"] == [1.0, 2.0]
    with pytest.raises(traitlets.TraitError, match="y has 1 values, x has 2"):
        chart.series = [{"name": "a", "x": [1, 2], "y": [3]}]
    with pytest.raises(traitlets.TraitError, match="expected dicts with name, x, y"):
        chart.series = [{"name": "a", "x": [1], "y": [3], "colour": "red"}]
    with pytest.raises(traitlets.TraitError, match="height: expected 80..2000 px, got 5"):
        chart.height = 5
    assert chart.series[0]["y"] == [3.0, 4.0]                                 # a refused value changes nothing
