"""Figures: pure functions from backend data to plotly figures, and :func:`export` to files."""
from naoviz.viz.atlas_figs import atlas_cells, atlas_figures, atlas_map, atlas_prediction  # noqa: F401
from naoviz.viz.cells import cell_compare, cell_graph, diff_edges  # noqa: F401
from naoviz.viz.curves import attention_heatmap, search_curves, training_curves  # noqa: F401
from naoviz.viz.export import export, export_many  # noqa: F401
from naoviz.viz.maps import embedding_map, label_gap, path_overlay, path_trace_data  # noqa: F401
from naoviz.viz.pareto import pareto_figure, results_points  # noqa: F401
from naoviz.viz.path import prediction_chart  # noqa: F401
