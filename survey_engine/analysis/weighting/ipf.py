"""Raking by iterative proportional fitting on collapsed cells.

Raking multiplies the weights so that their sums over the levels of several categorical
variables match population margins (Deming & Stephan 1940; Kalton & Flores-Cervantes 2003,
§2.3).  Every record of one cell of the cross-classification gets the same factor, so IPF runs
on the (few) occupied cells, not on the records: the records are summed into cells once with
``np.bincount`` and the final cell factors are mapped back once.  The fit converges to the
raking-ratio solution, i.e. calibration with the raking distance (Deville & Särndal 1992).

Several weight columns (replicate weights) are raked at once, each to the same margins.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

from survey_engine.analysis.weighting.codes import WeightingErrorCode
from survey_engine.analysis.weighting.convergence import Convergence
from survey_engine.errors import WeightingError

__all__ = ["rake_codes", "group_sums"]

_DENSE_CELL_LIMIT = 1 << 22


def group_sums(codes: np.ndarray, n_groups: int, values: np.ndarray) -> np.ndarray:
    """Sums of ``values`` (m×R) by ``codes`` (m,), as an n_groups×R array (one bincount)."""
    n_cols = values.shape[1]
    if n_cols == 1:
        return np.bincount(codes, weights=values[:, 0], minlength=n_groups)[:, None]
    flat = (codes[:, None] + n_groups * np.arange(n_cols)[None, :]).ravel()
    return np.bincount(flat, weights=values.ravel(), minlength=n_groups * n_cols).reshape(
        n_cols, n_groups).T


def _cells(codes: Sequence[np.ndarray], n_levels: Sequence[int]) -> tuple[np.ndarray, np.ndarray]:
    """Cell index of every record and the margin levels of every occupied cell."""
    combined = np.zeros(codes[0].shape[0], dtype=np.int64)
    for code, size in zip(codes, n_levels):
        combined = combined * size + code
    space = int(np.prod(np.asarray(n_levels, dtype=float)))
    if space <= _DENSE_CELL_LIMIT:
        occupied = np.flatnonzero(np.bincount(combined, minlength=space))
        lookup = np.full(space, -1, dtype=np.int64)
        lookup[occupied] = np.arange(occupied.size)
        cell = lookup[combined]
    else:
        occupied, cell = np.unique(combined, return_inverse=True)
        cell = cell.reshape(-1)
    levels = np.empty((len(codes), occupied.size), dtype=np.int64)
    rest = occupied.copy()
    for m in range(len(codes) - 1, -1, -1):
        levels[m] = rest % n_levels[m]
        rest //= n_levels[m]
    return cell, levels


def _misfit(cell_weights: np.ndarray, cell_levels: np.ndarray, targets: Sequence[np.ndarray]
            ) -> float:
    worst = 0.0
    for m, target in enumerate(targets):
        achieved = group_sums(cell_levels[m], target.size, cell_weights)
        worst = max(worst, float(np.max(np.abs(achieved - target[:, None]) /
                                        (1.0 + np.abs(target[:, None])))))
    return worst


def rake_codes(weights: np.ndarray, codes: Sequence[np.ndarray], targets: Sequence[np.ndarray],
               *, tol: float = 1e-10, max_iter: int = 1000, names: Sequence[str] | None = None,
               level_names: Sequence[Sequence[str]] | None = None
               ) -> tuple[np.ndarray, Convergence]:
    """Rake ``weights`` (n, or n×R) to the margins given by integer ``codes`` and ``targets``.

    ``codes[m]`` holds, for every record, the level (0..len(targets[m])−1) of margin ``m``.
    Stops when every achieved margin total is within ``tol`` of its target, relative to
    ``1 + |target|`` (the criterion of R's ``grake``), or after ``max_iter`` sweeps.
    Returns the raked weights (same shape) and the :class:`Convergence` report.
    """
    w = np.asarray(weights, dtype=float)
    matrix = w if w.ndim == 2 else w[:, None]
    targets = [np.asarray(t, dtype=float) for t in targets]
    names = list(names) if names is not None else [f"margin {m + 1}" for m in range(len(codes))]
    if not codes:
        raise WeightingError("rake: no margins given; give at least one variable with its "
                             "population counts", WeightingErrorCode.BAD_TARGETS)
    cell, cell_levels = _cells([np.asarray(c, dtype=np.int64) for c in codes],
                               [t.size for t in targets])
    n_cells = cell_levels.shape[1]
    base = np.column_stack([np.bincount(cell, weights=matrix[:, r], minlength=n_cells)
                            for r in range(matrix.shape[1])])
    _check_support(base, cell_levels, targets, names, level_names)
    factor = np.ones_like(base)
    current = base
    iterations = 0
    worst = _misfit(current, cell_levels, targets)
    while worst >= tol and iterations < max_iter:
        iterations += 1
        for m, target in enumerate(targets):
            achieved = group_sums(cell_levels[m], target.size, current)
            ratio = np.divide(target[:, None], achieved, out=np.ones_like(achieved),
                              where=achieved > 0)
            factor *= ratio[cell_levels[m]]
            current = base * factor
        worst = _misfit(current, cell_levels, targets)
    convergence = Convergence("raking (IPF)", iterations, bool(worst < tol), worst, tol)
    raked = matrix * factor[cell]
    return (raked if w.ndim == 2 else raked[:, 0]), convergence


def _check_support(base: np.ndarray, cell_levels: np.ndarray, targets: Sequence[np.ndarray],
                   names: Sequence[str], level_names: Sequence[Sequence[str]] | None) -> None:
    """A level with a positive target needs positive weight in every weight column."""
    for m, target in enumerate(targets):
        achieved = group_sums(cell_levels[m], target.size, base)
        empty = (achieved <= 0) & (target[:, None] > 0)
        if empty.any():
            level, column = (int(v[0]) for v in np.nonzero(empty))
            where = "" if base.shape[1] == 1 else f" in replicate {column + 1}"
            label = level_names[m][level] if level_names is not None else f"#{level + 1}"
            raise WeightingError(
                f"[{names[m]}={label}] level '{label}' of '{names[m]}' has population total "
                f"{target[level]:g} but zero sample weight{where}; collapse it with a "
                "neighbouring level", WeightingErrorCode.EMPTY_CELL)
