"""Where the values and edges of an every-row-at-once plan lie, and how they are read.

A plan (:mod:`micrograd_cbook.speed.batched`) keeps each pack's values as an array (rows,
lanes) and the backward pass's chain-rule edges as columns of one array (rows, columns).
Here: a selector of lanes (a slice where it can be one), runs of recorded lanes, and the
readers that add a node's edges in ``backward()``'s order, in one ordered reduction.

>>> selector([3, 4, 5]), selector([2, 2, 2])
(slice(3, 6, None), slice(2, 3, None))
"""

from __future__ import annotations

from typing import Any

from .reduce import ordered_sum

__all__ = ["edge_reader", "gather", "lane_runs", "read_edges", "selector", "spread"]


def edge_reader(table: Any, columns: int) -> tuple:
    """How to read edge columns ``table`` (k, lanes): the k-th edge of each lane. Where they
    lie as one block (column c + k·step + lane, within the ``columns``), a view of the
    edges; else a gather."""
    import numpy as np  # (a plan exists: NumPy is there)

    k, lanes = table.shape
    c = int(table[0, 0])
    step = int(table[1, 0]) - c if k > 1 else lanes
    grid = c + step * np.arange(k)[:, None] + np.arange(lanes)[None, :]
    if step >= lanes and c + k * step <= columns and np.array_equal(table, grid):
        return ("view", c, k, step, lanes)
    return ("take", table)


def read_edges(reader: tuple, edges: Any, start: Any) -> Any:
    """The sum over k of the k-th edges of each lane, row after row (rows, lanes): in order.

    With ``start`` (a leaf group's grads so far), the sum over the rows too, row after row,
    from ``start``, which is written into ``edges``' row 0 (the rows are ``edges[1:]``)."""
    import numpy as np  # (a plan exists: NumPy is there)

    if reader[0] == "view" and reader[2] == 1 and start is not None:
        _, c, _, _, lanes = reader  # one edge a row: the rows' column, after row 0
        edges[0, c : c + lanes] = start
        return ordered_sum(edges[:, c : c + lanes])
    rows = edges if start is None else edges[1:]
    if reader[0] == "view":
        _, c, k, step, lanes = reader
        block = rows[:, c : c + k * step].reshape(rows.shape[0], k, step)[:, :, :lanes]
    else:
        block = np.take(rows, reader[1], axis=1)  # (rows, k, lanes)
    if start is None:
        return ordered_sum(block, axis=1)
    r, k, lanes = block.shape
    parts = np.empty((1 + r * k, lanes))  # C order: rows outer, then each row's k edges
    parts[0] = start
    parts[1:].reshape(r, k, lanes)[...] = block
    return ordered_sum(parts)


def lane_runs(places: list[tuple[int, int]]) -> list[tuple[int, Any, int]]:
    """Places (env index, lane) as runs of one env index: (env index, its lanes' selector,
    how many), in their order."""
    import numpy as np  # (a plan exists: NumPy is there)

    runs: list[tuple[int, list[int]]] = []
    for src, lane in places:
        if runs and runs[-1][0] == src:
            runs[-1][1].append(lane)
        else:
            runs.append((src, [lane]))
    out = []
    for src, lanes in runs:
        sel = selector(lanes)
        if isinstance(sel, slice) and sel.stop - sel.start != len(lanes):
            sel = np.array(lanes, dtype=np.intp)  # one lane, recorded again and again
        out.append((src, sel, len(lanes)))
    return out


def selector(idx: list[int]) -> Any:
    """The lanes ``idx`` of a source as a slice where they are one lane (broadcast to every
    lane) or a run of consecutive lanes, else as an index array."""
    import numpy as np  # (a plan exists: NumPy is there)

    if all(i == idx[0] for i in idx):
        return slice(idx[0], idx[0] + 1)
    if idx == list(range(idx[0], idx[0] + len(idx))):
        return slice(idx[0], idx[0] + len(idx))
    return np.array(idx, dtype=np.intp)


def spread(a: Any, shape: tuple[int, ...]) -> Any:
    """``a`` broadcast to ``shape`` (a row or a lane repeated), or ``a`` itself where it has
    that shape already (NumPy's broadcast_to costs microseconds even then)."""
    if a.shape == shape:
        return a
    import numpy as np  # (a plan exists: NumPy is there)

    return np.broadcast_to(a, shape)


def gather(env: list[Any], parts: tuple, width: int) -> Any:
    """A child position's values (rows, width) from several sources (the env indices of a
    plan's values): (source, its lanes, ours) each."""
    import numpy as np  # (a plan exists: NumPy is there)

    rows = max(env[src].shape[0] for src, _, _ in parts)
    out = np.empty((rows, width))
    for src, theirs, ours in parts:
        out[:, ours] = env[src][:, theirs]
    return out
