"""Every row at once: a compiled graph's ``many(rows)`` run with NumPy, with the same floats.

The straight-line code of :mod:`micrograd_cbook.speed.compiler` runs its lines once per row. Here
each operation runs once for all the rows of a batch: a value is an array of shape
(rows, lanes), where the lanes of a *pack* are nodes that do the same operation on the same
kinds of inputs at the same depth (the neurons of a layer). Nothing about the numbers changes:

- NumPy's elementwise ``+ - * /`` on float64 are IEEE's operations, as Python's are;
- a sum adds its terms in the engine's order: a layer's as a sum of outer products
  (:func:`~micrograd_cbook.speed.layers.outer_sum`: reductions over an outer axis, in order,
  never pairwise), any other's one array addition per term;
- eˣ, ln, tanh and powers are Python's own, element by element (an operation without an
  array rule in the table runs its float rule element by element);
- each grad adds its chain-rule edges in ``backward()``'s order, starting from 0.0, and each
  leaf's grad adds them row after row, all in one ordered reduction per group of leaves;
  a layer that is its weights' only use, or its inputs' only user, adds their grads itself
  as sums of outer products, without writing their edges.

So the result is the interpreter's, bit for bit, and so the straight-line code's. Where a row
would raise (ln of 0, eˣ too large, a division by zero), the batch is run again by the
straight-line code, which raises as the interpreter does; nothing was written before. Only
an operation's own rule says that a row would raise; any other error inside the plan is a
fault of the plan, not of the rows: the straight-line code runs the batch all the same, and
:class:`PlanFailed` (a warning) says what went wrong, so that it is seen and reported; the
plan is not run again.

>>> from micrograd_cbook import Value, compile, weighted_sum
>>> w, b, x = [Value(0.5), Value(-1.0)], Value(0.25), [Value(0.0), Value(0.0)]
>>> f = compile(weighted_sum(w, x, b).relu(), inputs=x)
>>> rows = [[float(i), 1.0] for i in range(40)]
>>> f.batched.min_rows   # so small a graph runs faster as straight-line code, up to here
303
>>> f.batched.min_rows = 8
>>> f.many(rows) == sum(max(0.5 * i - 1.0 + 0.25, 0.0) for i in range(40))
True
>>> f.batched.packs, f.batched.used   # the relu's pack and the sum's; the last call's path
(2, True)
"""

from __future__ import annotations

import math
import operator
import warnings
from collections.abc import Callable, Iterable, Sequence
from functools import cached_property
from typing import Any

from ..engine import Constant, Value
from ..ops import Op, weighted_parts
from ..reals import all_floats
from .cost import (
    EDGE_ROW_NS,
    LEAF_NS,
    MIN_ROWS,
    PACK_NS,
    STRAIGHT_LEAF_NS,
    STRAIGHT_NS_PER_EDGE,
    Unprofitable,
    depths,
)
from .lanes import edge_reader, gather, lane_runs, read_edges, selector, spread
from .layers import outer_sum
from .reduce import ordered_sum

np: Any = None  # NumPy, imported by the first plan (importing micrograd_cbook does not)

__all__ = [
    "MIN_ROWS",
    "PlanFailed",
    "RowsAtOnce",
    "Unprofitable",
    "available",
    "depths",
]

CHUNK_FLOATS = 1 << 22  # the rows of a batch are run in chunks of about 32 MB of edges
_LEAVES, _INPUTS = 0, 1  # env[0]: the leaves' values (n, 1); env[1]: the inputs (n, rows)
_PACKED = 2  # env[2 + k]: pack k's values (rows or 1, lanes)
_RANK_AND_POSITION = operator.itemgetter(0, 1)  # a use's place in backward()'s order
_GATHERED = -1  # a child position whose lanes come from several sources: (src, theirs, ours)


class PlanFailed(RuntimeWarning):
    """The every-row-at-once plan failed on a batch for a reason of its own (not a row that
    raises): the straight-line code ran the batch instead, with the same numbers. A bug in
    micrograd_cbook: please report it with the message."""


class _RowRaises(Exception):
    """An operation's rule found a row it refuses (ln of 0, eˣ too large, x / 0)."""


def available() -> bool:
    """Whether NumPy can be imported (imported here, once); without it ``many`` always runs
    the straight-line code."""
    global np
    if np is None:
        try:
            import numpy
        except ImportError:
            return False
        np = numpy
    return True


class _Pack:
    """Nodes (its lanes) doing one operation at one depth on children of the same kinds.

    ``refs[pos]``: where the lanes' children ``pos`` are, (env index, selector of lanes), or
    (_GATHERED, parts) where they lie in several packs (see :func:`.lanes.gather`);
    ``layer``: for a weighted sum of leaf weights and inputs shared by every lane (a layer of
    neurons), the weights' leaf indices (lanes, terms), the inputs' env index and lanes;
    ``stack``: for a plain sum whose terms all come from one source, (env index, lanes of
    each term (terms, lanes)); ``base``: the first edge column per child position (a layer's
    weights "w" and inputs "x": a column per lane and term); ``grads``: how the lanes' grads
    read their edges (see :func:`_reader`).
    """

    def __init__(self, index: int, op: Op, known: bool) -> None:
        self.index, self.op, self.known = index, op, known
        self.lanes: list[Value] = []
        self.refs: list[tuple[int, Any]] = []
        self.layer: tuple[Any, int, Any] | None = None
        self.stack: tuple[int, Any] | None = None
        self.base: dict[Any, int] = {}
        self.x_reversed = False  # a layer's input edges: the last lane's first
        self.grads: tuple = ()
        # A layer that is its weights' only use, or its inputs' only user, computes their
        # grads itself (:mod:`~micrograd_cbook.speed.layers`): no edge columns for them.
        self.fused_w = False
        self.fused_x: Any = None  # the lanes in backward()'s order, if it does the inputs'
        self.direct = False  # this pack's grads: computed so by the one layer that uses it

    @property
    def width(self) -> int:
        return len(self.lanes)

    @cached_property
    def half(self) -> int:
        """A weighted sum's number of terms (its first lane's: every lane has as many)."""
        return len(weighted_parts(self.lanes[0].children, self.op)[0])

    @property
    def weighted(self) -> bool:
        """Whether the pack is of weighted sums (Σw·x or Σw·x+b) the engine made."""
        return self.known and self.op.operation.arity is None and bool(self.op.params)

    def adds(self, block: int) -> bool:
        """Whether this layer adds its weights' (block 0) or inputs' (1) grads itself."""
        return (self.fused_w, self.fused_x is not None)[block]

    def column(self, lane: int, pos: int) -> int:
        """The edge column that holds ∂node/∂child · ∂C/∂node for this lane's child ``pos``."""
        if self.layer is not None and pos < 2 * self.half:
            block, k = divmod(pos, self.half)  # weights, then inputs: (lanes, terms) each
            if block == 1 and self.x_reversed:
                lane = self.width - 1 - lane
            return self.base["wx"[block]] + lane * self.half + k
        return self.base[pos] + lane


class RowsAtOnce:
    """The batched plan of one compiled graph (see the module): :meth:`run` a batch of rows.

    ``packs``: how many packs of lanes; ``min_rows``: from how many rows on a batch runs here
    (where the cost model says it is faster than the straight-line code; you may set it);
    ``used``: whether the last ``many`` ran here; ``failed``: whether it ever failed
    (:class:`PlanFailed`: then it is not run again); ``fused``: how many layers' weights or
    inputs get their grads from the layer itself; ``edge_rows``: edge columns per row.
    """

    def __init__(
        self,
        root: Value,
        order: list[Value],
        inputs: Sequence[Value],
        leaves: Sequence[Value],
        known: set[Value],
        wanted: set[Value],
        record: Sequence[Value],
        rows: int | None = None,
    ) -> None:
        self.leaves, self.inputs = tuple(leaves), len(inputs)
        self.used, self.failed = False, False
        self.constants = np.array(
            [[float(n.data) if type(n) is Constant else 0.0 for n in self.leaves]]
        ).reshape(1, len(self.leaves))
        self.is_param = np.array([type(n) is not Constant for n in self.leaves], dtype=bool)
        params = int(self.is_param.sum())  # the parameters: first, as compile() lists them
        self._params: Any = slice(0, params) if self.is_param[:params].all() else self.is_param
        self._at: dict[Value, tuple[int, int]] = {}  # a value → (env index, lane)
        self._at.update((n, (_LEAVES, i)) for i, n in enumerate(self.leaves))
        self._at.update((n, (_INPUTS, i)) for i, n in enumerate(inputs))
        edges = sum(len(n.children) for n in order)
        # With ``rows``: Unprofitable as soon as the packs cost more than those rows would save.
        most = None if rows is None else rows * STRAIGHT_NS_PER_EDGE * edges // PACK_NS
        self._packs, depth = self._pack(order, known, most)
        self.packs = len(self._packs)
        interior = [n for n in order if n.children]
        rank = {n: i for i, n in enumerate(reversed(interior))}  # backward()'s order
        for pack in self._packs:
            self._refer(pack, rank)
        uses: dict[Value, list[tuple[int, int, Value]]] = {}  # a child → (rank, pos, user)
        for n, r in rank.items():
            for pos, c in enumerate(n.children):
                if c in wanted:
                    uses.setdefault(c, []).append((r, pos, n))
        self.fused = sum(self._fuse(pack, uses, rank) for pack in self._packs)
        self.edge_rows = self._place_edges(wanted)  # the edge columns (a row of them per row)
        self.order = sorted(
            (p for p in self._packs if any(n in wanted for n in p.lanes)),
            key=lambda p: -depth[p.lanes[0]],
        )  # backward: the root's first
        self.leaf_groups = self._plan_sums(root, uses)
        fused = sum(p.width * p.half for p in self._packs for b in (0, 1) if p.adds(b))
        gain = STRAIGHT_NS_PER_EDGE * edges - EDGE_ROW_NS * (self.edge_rows + fused)  # a row, ns
        cost = PACK_NS * self.packs + (LEAF_NS - STRAIGHT_LEAF_NS) * len(self.leaves)
        self.min_rows = max(MIN_ROWS, math.ceil(cost / gain)) if gain > 0 else math.inf
        self.root_at = self._at[root]
        self.record = lane_runs([self._at[v] for v in record])  # (env index, lanes, how many)

    def _pack(
        self, order: list[Value], known: set[Value], most: int | None
    ) -> tuple[list[_Pack], dict]:
        """The interior nodes in packs: the same op, arity, depth (the longest path from a
        leaf: a node never shares a pack with one it depends on) and kinds of children (the
        leaves, the inputs or packs: children from several packs are gathered, so a graph
        wired at random packs by layer; a sum's children come from the same sources);
        Unprofitable beyond ``most`` packs."""
        depth = depths(order)
        packs: list[_Pack] = []
        by_key: dict[tuple, _Pack] = {}
        at = self._at
        for n in order:  # children first: a pack's children are in packs made before it
            if not n.children:
                continue
            sources = tuple([at[c][0] for c in n.children])
            if n in known and n.op.operation.arity is not None:  # (a sum keeps its sources)
                sources = tuple([src if src < _PACKED else _PACKED for src in sources])
            key = (depth[n], n.op, len(n.children), n in known, sources)
            pack = by_key.get(key)
            if pack is None:
                if most is not None and len(packs) >= most:
                    raise Unprofitable(f"more than {most} packs")
                pack = by_key[key] = _Pack(len(packs), n.op, n in known)
                packs.append(pack)
            self._at[n] = (2 + pack.index, pack.width)
            pack.lanes.append(n)
        # Deeper packs run later: a pack made early may have lanes whose children are in
        # packs made after it (children of several packs); numbered anew, by depth.
        packs.sort(key=lambda pack: depth[pack.lanes[0]])
        for i, pack in enumerate(packs):
            if pack.index != i:
                pack.index = i
                self._at.update((n, (2 + i, lane)) for lane, n in enumerate(pack.lanes))
        return packs, depth

    def _refer(self, pack: _Pack, rank: dict[Value, int]) -> None:
        """Where each child position's values are; a layer's weights and inputs; a sum's
        terms from one source."""
        lanes_at = []
        for pos in range(len(pack.lanes[0].children)):
            at = [self._at[n.children[pos]] for n in pack.lanes]
            lanes_at.append([lane for _, lane in at])
            if len({src for src, _ in at}) == 1:
                pack.refs.append((at[0][0], selector(lanes_at[-1])))
                continue
            parts: dict[int, tuple[list[int], list[int]]] = {}  # a source → its lanes, ours
            for mine, (src, lane) in enumerate(at):
                theirs, ours = parts.setdefault(src, ([], []))
                theirs.append(lane)
                ours.append(mine)
            gather = tuple((src, selector(t), selector(o)) for src, (t, o) in parts.items())
            pack.refs.append((_GATHERED, gather))  # children from several packs, part by part
        if not (pack.known and pack.op.operation.arity is None):  # only sums are stacks or
            return  # layers
        plain_sum = not pack.op.params
        if plain_sum and len(pack.refs) >= 2 and len({src for src, _ in pack.refs}) == 1:
            pack.stack = (pack.refs[0][0], np.array(lanes_at, dtype=np.intp))
        if not (pack.weighted and pack.half):
            return
        half = pack.half
        x_refs = pack.refs[half : 2 * half]
        one_lane = all(isinstance(sel, slice) and sel.stop - sel.start == 1 for _, sel in x_refs)
        if (
            {src for src, _ in pack.refs[:half]} == {_LEAVES}
            and one_lane
            and len({src for src, _ in x_refs}) == 1
        ):
            weights = np.array(
                [[self._at[n.children[k]][1] for k in range(half)] for n in pack.lanes],
                dtype=np.intp,
            )
            pack.layer = (weights, x_refs[0][0], selector([sel.start for _, sel in x_refs]))
            # backward() reaches the lanes last first: their input edges are laid out so
            pack.x_reversed = rank[pack.lanes[0]] > rank[pack.lanes[-1]]

    def _fuse(self, pack: _Pack, uses: dict, rank: dict[Value, int]) -> int:
        """Whether a layer computes its weights' grads (it is each weight's only use) and its
        inputs' (they are all the lanes of one pack, in order, and the layer their only
        user) without edge columns; the number of such blocks."""
        if pack.layer is None:
            return 0
        weights, x_src, x_sel = pack.layer
        mine = set(pack.lanes)
        pack.fused_w = all(len(uses.get(self.leaves[i], ())) == 1 for i in weights.ravel().tolist())
        source = self._packs[x_src - 2] if x_src >= 2 else None
        if (
            source is not None
            and isinstance(x_sel, slice)
            and x_sel == slice(0, source.width)
            and source.width == pack.half
            and all(
                len(uses.get(n, ())) == pack.width and {u for _, _, u in uses[n]} <= mine
                for n in source.lanes
            )
        ):
            pack.fused_x = np.array(
                sorted(range(pack.width), key=lambda lane: rank[pack.lanes[lane]]), np.intp
            )
            source.direct = True
        return pack.fused_w + (pack.fused_x is not None)

    def _place_edges(self, wanted: set[Value]) -> int:
        """Number the edge columns: column 0 holds zeros; then, per pack, a column per lane
        for each child position with a wanted child (a layer's weights and inputs: a column
        per lane and term). Returns the number of columns."""
        columns = 1
        for pack in self._packs:
            if not any(n in wanted for n in pack.lanes):
                continue
            arity = len(pack.lanes[0].children)
            wants = [any(n.children[pos] in wanted for n in pack.lanes) for pos in range(arity)]
            first = 0
            if pack.layer is not None:
                half = first = pack.half
                for block in (0, 1):
                    if any(wants[block * half : (block + 1) * half]) and not pack.adds(block):
                        pack.base["wx"[block]] = columns
                        columns += pack.width * half
                first = 2 * half
            for pos in range(first, arity):
                if wants[pos]:
                    pack.base[pos] = columns
                    columns += pack.width
        return columns

    def _plan_sums(self, root: Value, uses: dict) -> list:
        """Each wanted value's edges in backward()'s order: by its users' place in that order
        (root first), then by the child's position in its user. Interior grads: per pack, the
        k-th edge column of each lane (fewer edges are padded in front by the zero column:
        0.0 + 0.0 + t is 0.0 + t, exactly). Leaf grads: grouped by their number of edges.
        (A fused layer's weights and inputs have no columns: the layer adds their grads.)"""

        def columns(child: Value) -> list[int]:
            out, users = [], uses.get(child, [])
            for _, pos, user in sorted(users, key=_RANK_AND_POSITION) if len(users) > 1 else users:
                env, lane = self._at[user]
                pack = self._packs[env - 2]
                if pack.layer is not None and pos < 2 * pack.half and pack.adds(pos // pack.half):
                    continue
                out.append(pack.column(lane, pos))
            return out

        for pack in self.order:
            if pack.lanes[0] is not root and not pack.direct:
                lists = [columns(n) for n in pack.lanes]
                m = max(map(len, lists))
                padded = lists
                if min(map(len, lists)) < m:
                    padded = [[0] * (m - len(cs)) + cs for cs in lists]
                table = np.array(padded, dtype=np.intp).T  # (edges, lanes)
                pack.grads = edge_reader(table, self.edge_rows)
        groups: dict[int, list[tuple[int, list[int]]]] = {}
        for i, leaf in enumerate(self.leaves):
            cs = columns(leaf)
            if cs:
                groups.setdefault(len(cs), []).append((cs[0], i, cs))
        plans = []
        for members in groups.values():
            members.sort()  # by first column: runs of leaves whose edges lie side by side
            runs: list[list[tuple[int, int, list[int]]]] = [[members[0]]]
            for m in members[1:]:
                if m[0] == runs[-1][-1][0] + 1:
                    runs[-1].append(m)
                else:
                    runs.append([m])
            if len(runs) > max(16, len(members) // 16):
                runs = [members]  # scattered: one gather for the whole group
            for run in runs:
                ids = np.array([i for _, i, _ in run], dtype=np.intp)
                table = np.array([cs for _, _, cs in run], np.intp).T
                plans.append((ids, edge_reader(table, self.edge_rows)))
        return plans

    # ------------------------------------------------------------------ running

    def run(
        self,
        rows: list[tuple[float, ...]],
        params: Sequence[Value],
        grads: list[float],
        seen: list | None,
    ) -> tuple[float, list[float]] | None:
        """The total and the new grads of the leaves for these rows, or None where a row
        would raise (the straight-line code then runs, and raises as the interpreter does)."""
        self.used = False
        datas = [p.data for p in params]
        if not all_floats(datas) or not all_floats(grads):
            return None  # numbers of other types: the straight-line code, as Python adds them
        g = np.array(grads, dtype=np.float64)
        total = self.run_arrays(rows, np.array(datas, dtype=np.float64), g, seen)
        return None if total is None else (total, g.tolist())

    def run_arrays(self, rows: Any, data: Any, g: Any, seen: list | None) -> float | None:
        """:meth:`run` on arrays: ``rows`` a list of tuples of floats or a float64 array (rows,
        inputs); ``data`` the parameters' values (float64, the order of ``leaves`` without the
        constants); ``g`` every leaf's grad (``leaves``' order), added to in place. None
        where a row would raise: then ``g`` and ``seen`` are as they were."""
        self.used = False
        values = self.constants.copy()
        values[0, self._params] = data
        work = g.copy()
        total, recorded = -0.0, []
        step = max(MIN_ROWS, CHUNK_FLOATS // max(1, self.edge_rows + 2 * self.packs))
        with np.errstate(all="ignore"):
            try:
                for start in range(0, len(rows), step):
                    chunk = rows[start : start + step]
                    x = np.asarray(chunk, dtype=np.float64).reshape(len(chunk), self.inputs)
                    total = self._chunk(values, x, work, total, recorded)
            except _RowRaises:  # the straight-line code raises as the interpreter does
                return None
            except Exception as error:  # the plan's fault: the straight-line code runs it
                self.failed = True  # (not run again: the straight-line code runs)
                warnings.warn(
                    PlanFailed(
                        f"the every-row-at-once plan failed ({type(error).__name__}: {error}); "
                        "the straight-line code ran the batch instead, with the same numbers. "
                        "This is a bug in micrograd_cbook: please report it"
                    ),
                    stacklevel=2,
                )
                return None
        g[...] = work
        if seen is not None:
            seen.extend(recorded)
        self.used = True
        return float(total)

    def _chunk(self, values: Any, x: Any, g: Any, total: float, recorded: list) -> float:
        """One chunk of rows (``x``: rows × inputs): the forward pass pack by pack, the
        backward pass root first into the edge columns, then the leaf grads ``g`` (edge row 0
        holds their values so far) and the total."""
        n = x.shape[0]
        env: list[Any] = [values, x]
        slopes: list[list[Any]] = []
        for pack in self._packs:
            v, lg = _forward(pack, env, values)
            if v.shape[1] != pack.width:  # lanes whose children are one same value
                v = np.broadcast_to(v, (v.shape[0], pack.width))
            env.append(v)
            slopes.append(lg)
        edges = np.empty((1 + n, self.edge_rows))  # row 0: the leaves' grads so far
        edges[:, 0] = 0.0
        direct: dict[int, Any] = {}  # a pack's grads, as the one layer that uses it made them
        for pack in self.order:
            if 2 + pack.index == self.root_at[0]:  # the root: ∂C/∂C = 1
                d = np.ones((n, 1))
            elif pack.direct:
                d = direct.pop(pack.index) + 0.0
            else:
                d = read_edges(pack.grads, edges[1:], start=None) + 0.0  # (rows, lanes)
                # 0.0 + e0 + e1 ... is (e0 + e1 ...) + 0.0 but for -0.0 sums, which + 0.0 mends
            if pack.adds(0) or pack.adds(1):
                _layer_grads(pack, slopes[pack.index], d, g, direct)
            _edges(pack, slopes[pack.index], d, edges[1:])
        for ids, reader in self.leaf_groups:  # row after row, each row's edges in order
            g[ids] = read_edges(reader, edges, start=g[ids])
        src, lane = self.root_at
        column = spread(env[src][:, lane], (n,))  # the total, row after row:
        total = np.add.accumulate(np.concatenate(([total], column)))[-1]
        if self.record:  # each row's recorded values, a run of lanes at a time
            parts = [spread(env[src][:, sel], (n, k)) for src, sel, k in self.record]
            block = parts[0] if len(parts) == 1 else np.concatenate(parts, axis=1)
            recorded.extend(map(tuple, block.tolist()))
        return total


def _each(fn: Callable[[float], float], a: Any) -> Any:
    """fn (Python's float function) applied to every element of a."""
    a = np.asarray(a, dtype=np.float64)
    return np.array(list(map(fn, a.ravel().tolist())), dtype=np.float64).reshape(a.shape)


def _forward(pack: _Pack, env: list[Any], values: Any) -> tuple[Any, list[Any]]:
    """The pack's values (rows, lanes) and its local grads per child position (None: 1)."""
    if not pack.known:  # made by hand: the value and local grads it was compiled with
        lanes = pack.lanes
        return (
            np.array([[n.data for n in lanes]]),
            [np.array([[n.local_grads[k] for n in lanes]]) for k in range(len(pack.refs))],
        )
    operation, op = pack.op.operation, pack.op
    if pack.layer is not None:
        weights, x_src, x_lanes = pack.layer
        w = values[0][weights]  # (lanes, terms)
        xs = env[x_src][:, x_lanes]  # (rows, terms): one lane for every term, broadcast
        xs = spread(xs, (xs.shape[0], w.shape[1]))
        z = outer_sum(xs.T, w.T)  # Σₖ xₖ·wₖ in order (-0.0 + t is t: the engine's from -0.0)
        _, _, bias = weighted_parts(pack.refs, op)
        if bias is not None:
            src, sel = bias
            z = z + env[src][:, sel]
        # A layer's local grads by block, as its base: "w", ∂z/∂w = x; "x", ∂z/∂x = w.
        return z, [xs, w, *([None] * (len(pack.refs) - 2))]
    if pack.stack is not None:  # a sum of terms from one source: (rows, terms, lanes)
        src, idx = pack.stack
        return ordered_sum(np.take(env[src], idx, axis=1), axis=1), [None] * len(pack.refs)
    a = [gather(env, sel, pack.width) if src == _GATHERED else env[src][:, sel]
         for src, sel in pack.refs]  # fmt: skip
    if operation.arity is None:  # a sum, in the engine's order
        if not op.params:
            terms, lg = a, [None] * len(a)
        else:
            ws, xs, b = weighted_parts(a, op)
            terms = [w * x for w, x in zip(ws, xs)] + ([] if b is None else [b])
            lg = [*xs, *ws, *([] if b is None else [None])]
        z = terms[0] + -0.0 if terms else np.full((1, 1), -0.0)  # -0.0 + t is t, bit for bit
        for t in terms[1:]:
            z = z + t
        return z, lg
    try:  # an operation's rule raises where a row would: the straight-line code says how
        if operation.array is not None:
            return operation.array(np, _each, *a, *op.params)
        return _by_rule(operation.rule, a, op.params)
    except (ArithmeticError, ValueError) as error:
        raise _RowRaises(error) from error


def _by_rule(rule: Callable, inputs: list[Any], params: tuple) -> tuple[Any, list[Any]]:
    """An operation without an array rule: its float rule element by element (its errors)."""
    arrays = np.broadcast_arrays(*(np.asarray(x, dtype=np.float64) for x in inputs))
    columns = [a.ravel().tolist() for a in arrays]
    results = [rule(*xs, *params) for xs in zip(*columns)]
    shape = arrays[0].shape
    out = np.array([r[0] for r in results]).reshape(shape)
    slopes = [np.array([r[1][k] for r in results]).reshape(shape) for k in range(len(inputs))]
    return out, slopes


def _layer_grads(pack: _Pack, lg: list[Any], d: Any, g: Any, direct: dict[int, Any]) -> None:
    """A fused layer's weights' grads added into ``g`` (row after row) and its inputs'
    grads (the lanes in backward()'s order) left in ``direct`` for the pack they are."""
    weights, x_src, _ = pack.layer  # type: ignore[misc]
    xs, w = lg[0], lg[1]  # ∂z/∂w = x (rows, terms); ∂z/∂x = w (lanes, terms)
    if pack.fused_w:  # (inputs that are leaves: one row, the same in every row)
        xs = spread(xs, (d.shape[0], w.shape[1]))
        g[weights] = outer_sum(d, xs, start=g[weights])
    if pack.fused_x is not None:
        order = pack.fused_x
        direct[x_src - 2] = outer_sum(d.T[order], w[order])


def _edges(pack: _Pack, lg: list[Any], d: Any, edges: Any) -> None:
    """Write ∂node/∂child · ∂C/∂node of every lane and wanted child into its edge columns
    (``edges``: rows × columns; ``d``: the lanes' grads, rows × lanes)."""
    width, n = pack.width, d.shape[0]
    positions: Iterable[int] = range(len(lg))
    if pack.layer is not None:
        half = pack.half
        for block, slope in (("w", lg[0][:, None, :]), ("x", lg[1][None, :, :])):
            if block in pack.base:  # ∂z/∂w = x: (rows, terms); ∂z/∂x = w: (lanes, terms)
                base = pack.base[block]
                out = edges[:, base : base + width * half].reshape(n, width, half)
                if block == "x" and pack.x_reversed:
                    out = out[:, ::-1, :]
                np.multiply(slope, d[:, :, None], out=out)
        positions = range(2 * half, len(lg))
    elif pack.stack is not None and len(pack.base) == len(lg):  # every term's edge is d
        base = pack.base[0]
        edges[:, base : base + len(lg) * width].reshape(n, len(lg), width)[...] = d[:, None, :]
        return
    for pos in positions:
        if pos in pack.base:
            base = pack.base[pos]
            out = edges[:, base : base + width]
            if lg[pos] is None:  # 1 · g is g, bit for bit
                out[...] = d
            else:
                np.multiply(lg[pos], d, out=out)
