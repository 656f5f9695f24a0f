"""Keep umap-learn's compiled fit code on disk (numba's own cache), so a UMAP fit in a new process loads it.

umap-learn compiles the numba functions of every fit (neighbour graph, membership strengths, layout epochs)
anew in each process and caches none of them: each dashboard kernel, atlas build or test process paid about
11 CPU-seconds before its first map (40 s of wall time on 2 loaded cores). :func:`cache_umap_jit` turns
numba's on-disk cache on for exactly those functions (numba's ``cache=True``, as pynndescent's own functions
have it): the first fit of an install compiles and saves them, every later process loads them in about half
a second. Where the files go is numba's choice: ``$NUMBA_CACHE_DIR``, else ``__pycache__`` beside umap's
source, else the user's cache folder; numba compiles again when umap's source changes.
"""
from __future__ import annotations

# (module, name) of the numba functions a seeded fit compiles (naoviz always seeds: the layout runs the serial
# epoch function, never the parallel one, which shares its source and so would share its cache file)
UMAP_FIT_FUNCTIONS = (("umap.utils", "fast_knn_indices"), ("umap.umap_", "smooth_knn_dist"),
                      ("umap.umap_", "compute_membership_strengths"),
                      ("umap.layouts", "_nb_optimize_layout_euclidean_single_epoch"))


def cache_umap_jit() -> list:
    """Turn numba's disk cache on for umap's fit functions not yet compiled in this process (a no-op for those
    with it on, compiled already, or missing from this umap version); returns the names turned on."""
    import importlib
    on = []
    for module, name in UMAP_FIT_FUNCTIONS:
        try:
            fn = getattr(importlib.import_module(module), name)
        except (ImportError, AttributeError):
            continue
        if type(getattr(fn, "_cache", None)).__name__ == "NullCache" and not fn.overloads:
            try:
                fn.enable_caching()              # what numba.njit(cache=True) does
            except (RuntimeError, OSError):      # no folder numba can write to: it compiles as before
                continue
            on.append(f"{module}.{name}")
    return on
