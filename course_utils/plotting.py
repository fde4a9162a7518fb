"""The course's figures, in one colour-blind-safe style.

Call ``use_course_style()`` once per notebook. Every function draws on ``ax`` (a new figure when
``ax`` is None), sets a title and axis labels, tells lines apart by line style or marker as well as
by colour, and returns the Axes.

Titles and labels are drawn by matplotlib, so text between a pair of ``$`` is mathtext
(``title=r"Path of $\\alpha$"`` draws the Greek letter); a formula matplotlib cannot parse is
refused when the function is called (``ValueError`` naming the argument), not when the figure is
drawn. Write a literal dollar sign as ``\\$``.
"""

from __future__ import annotations

from importlib import resources

import matplotlib.pyplot as plt
import numpy as np
from matplotlib.axes import Axes
from matplotlib.ticker import FuncFormatter, MaxNLocator

from ._validation import (
    _short,
    check_array,
    check_int,
    check_scalar,
    check_strings,
    check_text,
)

__all__ = [
    "use_course_style",
    "plot_unit_balls",
    "plot_path",
    "plot_weight_histogram",
    "plot_decay",
    "plot_frontier",
]

MARKERS = ["o", "s", "^", "D", "v", "P", "X", "*"]
LINESTYLES = ["-", "--", "-.", ":"]
MAX_LEGEND_ENTRIES = 12


def use_course_style() -> None:
    """Apply ``course_utils/course.mplstyle`` to every figure made after this call.

    The style uses the Okabe-Ito colour-blind-safe palette (with a line style per colour),
    fonts of 10-12 pt, a light grid, no top and right spines, and 80 dpi so that figures stored
    in notebooks stay small.
    """
    with resources.as_file(resources.files("course_utils") / "course.mplstyle") as path:
        plt.style.use(path)


def _axes(ax) -> Axes:
    """Return ``ax``, or the Axes of a new figure when ``ax`` is None."""
    if ax is None:
        _, ax = plt.subplots()
    elif not isinstance(ax, Axes):
        raise TypeError(f"ax must be a matplotlib Axes or None, got {type(ax).__name__}.")
    return ax


# matplotlib's axis limits, margins and log-scale ticks overflow for coordinates near the float64
# maximum (measured: a log axis up to 1e250 does, 1e200 does not)
MAX_COORDINATE = 1e200
MAX_BINS = 10_000


def _check_data(values, name: str, *, ndim: int) -> np.ndarray:
    """A finite, non-empty float array of real numbers (not booleans) that matplotlib can draw."""
    values = check_array(values, name, ndim=ndim, bool_ok=False)
    largest = float(np.max(np.abs(values)))
    if largest > MAX_COORDINATE:
        raise ValueError(
            f"{name} must be within +-{MAX_COORDINATE:.0e} to be drawn (matplotlib's axis "
            f"limits overflow beyond), got {largest:.3g}."
        )
    return values


def _check_title(title) -> str:
    return check_text(title, "title")  # mathtext parsed now, not when the figure is drawn


def _check_names(names, name: str, n: int) -> list[str]:
    names = check_strings(names, name)  # a list, read once: an iterator would be used up
    if len(names) != n:
        raise ValueError(f"{name} must have {n} entries, got {len(names)}.")
    return [check_text(text, name) for text in names]  # mathtext parsed now, as a title's


def plot_unit_balls(ax=None) -> Axes:
    """Draw the L0, L1 and L2 unit balls in 2-D.

    Parameters
    ----------
    ax : matplotlib Axes, optional

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Inside the box ``[-1, 1]^2`` the L0 "ball" ``{w : ||w||_0 <= 1}`` is the two axes (a cross):
    one coordinate must be exactly zero. The L1 ball ``|w_1| + |w_2| <= 1`` is a diamond, the
    convex hull of that cross, with corners on the axes; the L2 ball is a round disc.
    """
    ax = _axes(ax)
    theta = np.linspace(0.0, 2.0 * np.pi, 361)
    # NaN breaks the cross into two segments while keeping it one line (one legend entry).
    ax.plot(
        [-1, 1, np.nan, 0, 0],
        [0, 0, np.nan, -1, 1],
        color="#000000",
        linestyle="-",
        linewidth=2.5,
        label=r"L0: $\|w\|_0 \leq 1$ (the axes)",
    )
    ax.plot(
        [1, 0, -1, 0, 1],
        [0, 1, 0, -1, 0],
        color="#D55E00",
        linestyle="--",
        marker="o",
        label=r"L1: $|w_1| + |w_2| \leq 1$",
    )
    ax.plot(
        np.cos(theta),
        np.sin(theta),
        color="#0072B2",
        linestyle=":",
        label=r"L2: $w_1^2 + w_2^2 \leq 1$",
    )
    ax.set_aspect("equal")
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    ax.set_title("Unit balls in 2-D")
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=10)
    return ax


def plot_path(alphas, coefs, ax=None, title="Regularization path", feature_names=None) -> Axes:
    """Plot each coefficient against the penalty strength ``alpha`` (log scale).

    Parameters
    ----------
    alphas : array-like, shape (n_alphas,)
        Penalty strengths, all ``> 0``.
    coefs : array-like, shape (n_alphas, n_features)
        ``coefs[i]`` is the fit at ``alphas[i]``. The transposed shape ``(n_features, n_alphas)``
        returned by ``sklearn.linear_model.lasso_path`` is accepted too; when both readings fit
        (``n_alphas == n_features``), rows are taken as alphas.
    ax : matplotlib Axes, optional
    title : str, default="Regularization path"
    feature_names : list of str, optional
        Line labels; the legend is drawn when there are at most 12 features.

    Returns
    -------
    matplotlib Axes
        One line per feature (plus a thin horizontal line at 0, not labelled).
    """
    alphas = _check_data(alphas, "alphas", ndim=1)
    coefs = _check_data(coefs, "coefs", ndim=2)
    if np.any(alphas < 1.0 / MAX_COORDINATE):
        raise ValueError(
            f"alphas must all be >= {1.0 / MAX_COORDINATE:.0e} (they are drawn on a log scale)."
        )
    if coefs.shape[0] != alphas.size and coefs.shape[1] == alphas.size:
        coefs = coefs.T
    if coefs.shape[0] != alphas.size:
        raise ValueError(
            f"coefs must have one row per entry of alphas ({alphas.size}), got shape "
            f"{coefs.shape}."
        )
    n_features = coefs.shape[1]
    names = [f"w{j}" for j in range(n_features)] if feature_names is None else feature_names
    names = _check_names(names, "feature_names", n_features)
    title = _check_title(title)
    ax = _axes(ax)
    ax.axhline(0.0, color="#888888", linewidth=0.8, linestyle="-")
    # without colours in the cycle, every line takes the one colour of rcParams["lines.color"]
    n_colors = len(plt.rcParams["axes.prop_cycle"].by_key().get("color", [None]))
    for j in range(n_features):
        # Line j has colour j % n_colors; each time the colours come round again the styles
        # shift by one, so no two of the first 4 * n_colors lines look the same.
        style = LINESTYLES[(j % n_colors + j // n_colors) % 4]
        ax.plot(alphas, coefs[:, j], linestyle=style, label=names[j])
    ax.set_xscale("log")
    ax.set_title(title)
    ax.set_xlabel(r"penalty strength $\alpha$ (log scale)")
    ax.set_ylabel("coefficient")
    if feature_names is not None and n_features <= MAX_LEGEND_ENTRIES:
        ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
    return ax


def _histogram_edges(values: np.ndarray, bins: int):
    """``bins`` for ``ax.hist``: the number itself, unless numpy cannot place that many bins.

    numpy cannot when the range is too narrow for ``bins`` distinct edges (weights that are all
    subnormal, or a few adjacent floats) or too wide to subtract (``-1e308`` to ``1e308``).
    Then: equal-width edges computed from halves, or else one bin per distinct value.
    """
    try:  # numpy 2 raises for such ranges; numpy 1.26 may return edges that are not increasing
        with np.errstate(over="raise", invalid="raise"):
            edges = np.histogram_bin_edges(values, bins)
        if np.all(np.isfinite(edges)) and np.all(np.diff(edges) > 0):
            return bins
    except (ValueError, FloatingPointError):
        pass
    edges = 2.0 * np.linspace(values.min() / 2.0, values.max() / 2.0, bins + 1)
    if np.all(np.diff(edges) > 0):
        return edges
    distinct = np.unique(values)  # each bin [v_i, v_i+1) holds exactly the value v_i
    return np.append(distinct, np.nextafter(distinct[-1], np.inf))


def plot_weight_histogram(w, ax=None, bins=40, title="Weights") -> Axes:
    """Histogram of the non-zero weights, with the number of exact zeros in title and legend.

    Parameters
    ----------
    w : array-like
        Weights, any shape.
    ax : matplotlib Axes, optional
    bins : int, default=40
        Number of bins for the non-zero weights, at most 10,000. When the weights span too
        narrow a range for that many bins (all subnormal, say), one bin per distinct value.
    title : str, default="Weights"
        Start of the title; ": <z> of <n> exactly zero" is appended.

    Returns
    -------
    matplotlib Axes

    Notes
    -----
    Exact zeros are left out of the bars (they would dwarf them) and shown as a dotted vertical
    line at 0 whose legend entry gives their count.
    """
    w = _check_data(w, "w", ndim=None).ravel()
    if isinstance(bins, (bool, np.bool_)) or not isinstance(bins, (int, np.integer)):
        raise ValueError(f"bins must be a positive integer, got {_short(bins)}.")
    bins = check_int(bins, "bins", low=1)
    if not 1 <= bins <= MAX_BINS:  # each bin is one drawn bar
        raise ValueError(f"bins must be between 1 and {MAX_BINS:,}, got {str(bins):.40}.")
    title = _check_title(title)
    ax = _axes(ax)
    nonzero = w[w != 0]
    n_zero = w.size - nonzero.size
    ax.hist(
        nonzero,
        bins=_histogram_edges(nonzero, bins) if nonzero.size else bins,
        color="#0072B2",
        edgecolor="white",
        hatch="//",
        label=f"non-zero weights: {nonzero.size:,}",
    )
    ax.axvline(
        0.0, color="#D55E00", linestyle=":", linewidth=2.5, label=f"exactly zero: {n_zero:,}"
    )
    ax.set_title(f"{title}: {n_zero:,} of {w.size:,} exactly zero")
    ax.set_xlabel("weight value")
    ax.set_ylabel("number of weights")
    ax.legend(loc="upper right")
    return ax


def plot_decay(curves, ax=None, log=True, title="Decay of a weight") -> Axes:
    """Plot weights against the step number, one line per curve.

    Parameters
    ----------
    curves : dict of str to array-like
        ``label -> w_0, w_1, ...`` (for example from ``course_utils.decay.l2_decay``).
    ax : matplotlib Axes, optional
    log : bool, default=True
        Plot ``|w_n|`` on a log scale (to see the subnormal stall); otherwise plot ``w_n``.
    title : str, default="Decay of a weight"

    Returns
    -------
    matplotlib Axes
        One line per curve; with ``log=True``, one more marker line per curve that reaches 0.0.

    Notes
    -----
    A log scale cannot show an exact 0.0, and matplotlib's log axis cannot go below the smallest
    float64 (``5e-324``), where the stalled L2 curves end. So with ``log=True`` the y axis shows
    ``log10 |w|`` itself, with ticks labelled as powers of ten, and the zeros of each curve are
    drawn as downward triangles on the bottom edge, which is labelled "0"; their legend entry
    reads "<label>: exactly 0.0 from step n". A curve that stalls ends in a flat line above it.
    """
    if not isinstance(curves, dict) or not curves:
        raise TypeError("curves must be a non-empty dict mapping a label to an array of weights.")
    items = list(dict.items(curves))  # read once
    labels = _check_names([label for label, _ in items], "curves' labels", len(items))
    if not isinstance(log, (bool, np.bool_)):
        raise TypeError(f"log must be True or False, got {_short(log)}.")
    title = _check_title(title)
    data = {label: _check_data(w, f"curves[{label!r}]", ndim=1)  # the checked copies of labels
            for label, (_, w) in zip(labels, items, strict=True)}
    ax = _axes(ax)
    if log:
        exponents = np.concatenate([np.log10(np.abs(w[w != 0])) for w in data.values()] + [[0.0]])
        bottom = np.floor(exponents.min()) - 0.08 * max(1.0, -exponents.min())
    for i, (label, w) in enumerate(data.items()):
        if log:
            with np.errstate(divide="ignore"):
                y = np.where(w == 0, np.nan, np.log10(np.abs(w)))  # NaN: no line through zeros
        else:
            y = w
        (line,) = ax.plot(
            np.arange(w.size),
            y,
            linestyle=LINESTYLES[i % 4],
            marker=MARKERS[i % 8],
            markevery=max(1, w.size // 8),
            label=label,
        )
        zeros = np.flatnonzero(w == 0)
        if log and zeros.size:
            ax.plot(
                zeros,
                np.full(zeros.size, bottom),
                linestyle="none",
                marker="v",
                color=line.get_color(),
                markevery=max(1, zeros.size // 8),
                clip_on=False,
                label=f"{label}: exactly 0.0 from step {zeros[0]:,}",
            )
    ax.set_xlabel("step n")
    if log:
        ax.set_ylim(bottom=bottom)
        ticks = MaxNLocator(nbins=6, integer=True).tick_values(bottom, 0.0)
        ax.set_yticks([bottom] + [t for t in ticks if bottom + 1.0 < t <= 0.0])
        ax.yaxis.set_major_formatter(
            FuncFormatter(lambda v, _: "0" if v == bottom else f"$10^{{{v:.0f}}}$")
        )
        ax.set_ylabel("|w| (log scale)")
    else:
        ax.set_ylabel("w")
    ax.set_title(title)
    ax.legend(loc="best", fontsize=9)
    return ax


def plot_frontier(sizes, losses, labels=None, ax=None, title="Loss against model size") -> Axes:
    """Plot loss against the number of non-zero weights: the size/accuracy trade-off.

    Parameters
    ----------
    sizes : array-like of shape (n_models,), or dict of str to array-like
        Non-zero weights of each model (``>= 0``). A dict draws one line per method,
        ``method -> sizes``, with ``losses`` a dict with the same keys.
    losses : array-like of shape (n_models,), or dict of str to array-like
        Loss of each model (lower is better).
    labels : list of str, optional
        One text label per point (for example the alpha), only with arrays.
    ax : matplotlib Axes, optional
    title : str, default="Loss against model size"

    Returns
    -------
    matplotlib Axes
        One line (with markers, points sorted by size) per method.

    Notes
    -----
    The x axis is "symlog" with a linear part on ``[0, 1]``: logarithmic for 1 and more
    non-zeros, and still able to show the all-zero model at 0.
    """
    title = _check_title(title)
    if isinstance(sizes, dict) or isinstance(losses, dict):
        if (
            not (isinstance(sizes, dict) and isinstance(losses, dict))
            or sizes.keys() != losses.keys()
        ):
            raise ValueError("sizes and losses must both be dicts with the same keys, or arrays.")
        if labels is not None:
            raise ValueError("labels can only be given with array sizes and losses.")
        if not sizes:
            raise ValueError("sizes and losses must not be empty dicts.")
        series = {k: (sizes[k], losses[k]) for k in sizes}
    else:
        series = {None: (sizes, losses)}
    checked = {}
    for key, (s, loss) in series.items():
        suffix = "" if key is None else f"[{key!r}]"
        s = _check_data(s, f"sizes{suffix}", ndim=1)
        loss = _check_data(loss, f"losses{suffix}", ndim=1)
        if np.any(s < 0):
            raise ValueError(f"sizes{suffix} must be >= 0 (counts of non-zero weights).")
        if s.size != loss.size:
            raise ValueError(f"sizes{suffix} and losses{suffix} must have the same length.")
        checked[key] = (s, loss)
    if labels is not None:
        labels = _check_names(labels, "labels", checked[None][0].size)
    ax = _axes(ax)
    for i, (key, (s, loss)) in enumerate(checked.items()):
        order = np.argsort(s, kind="stable")
        ax.plot(
            s[order], loss[order], linestyle=LINESTYLES[i % 4], marker=MARKERS[i % 8], label=key
        )
        for j in order if labels is not None else []:
            ax.annotate(
                labels[j], (s[j], loss[j]), textcoords="offset points", xytext=(4, 4), fontsize=8
            )
    ax.set_xscale("symlog", linthresh=1.0)
    largest = max(float(s.max()) for s, _ in checked.values())
    ax.set_xlim(0.0, max(2.0, 2.0 * largest))  # room on the right for the last label
    ax.set_title(title)
    ax.set_xlabel("non-zero weights (log scale)")
    ax.set_ylabel("loss")
    if None not in checked:
        ax.legend(loc="best")
    return ax


# The range of plot_loss_contours' numbers: squared, they stay far inside float64.
DRAWABLE = (1e-8, 1e8)


def _ball_minimizers(center: np.ndarray, hessian: np.ndarray, radius: float):
    """Minimize ``(w - center)^T hessian (w - center)`` over the L1 and the L2 ball of ``radius``.

    Returns the two minimizers, each exact up to rounding: the L1 one by minimizing the quadratic
    on each of the diamond's four edges (a clipped 1-D quadratic), the L2 one by bisection on the
    multiplier ``mu`` of ``(hessian + mu I) w = hessian @ center``, with ``||w||_2 = radius``.
    """
    def loss(w):
        d = w - center
        return float(d @ hessian @ d)

    if np.abs(center).sum() <= radius:
        w_l1 = center.copy()
    else:
        corners = radius * np.array([[1.0, 0.0], [0.0, 1.0], [-1.0, 0.0], [0.0, -1.0]])
        candidates = []
        for a, b in zip(corners, np.roll(corners, -1, axis=0), strict=True):
            edge = b - a  # w = a + t * edge, t in [0, 1]
            t = float(edge @ hessian @ (center - a)) / float(edge @ hessian @ edge)
            candidates.append(a + min(max(t, 0.0), 1.0) * edge)
        w_l1 = min(candidates, key=loss)
        w_l1[np.abs(w_l1) < 1e-12 * radius] = 0.0  # a corner is exactly on an axis
    if np.linalg.norm(center) <= radius:
        w_l2 = center.copy()
    else:
        def w_of(mu):
            return np.linalg.solve(hessian + mu * np.eye(2), hessian @ center)

        low, high = 0.0, 1.0
        while np.linalg.norm(w_of(high)) > radius:  # ||w(mu)|| falls as mu grows
            high *= 2.0
        for _ in range(200):
            mid = 0.5 * (low + high)
            low, high = (mid, high) if np.linalg.norm(w_of(mid)) > radius else (low, mid)
        w_l2 = w_of(high)
    return w_l1, w_l2


def plot_loss_contours(
    center=(2.0, 0.8),
    hessian=((2.0, 0.5), (0.5, 1.0)),
    radius=1.0,
    ax=None,
    title="Loss contours meet the L1 ball at a corner",
) -> Axes:
    """Draw the ellipses of a least-squares loss touching the L1 and the L2 ball in 2-D.

    A least-squares loss ``||y - Xw||^2`` equals ``(w - c)^T H (w - c)`` plus a constant, with
    ``H = X^T X`` and ``c`` the unpenalized solution: its level sets are ellipses around ``c``.
    The smallest loss on a ball is where the growing ellipses first touch it. The function marks
    that point on the L1 ball (often a corner, where one weight is exactly zero) and on the L2 ball
    (a point of the round disc, where both weights are non-zero), and draws the ellipse through
    each.

    Parameters
    ----------
    center : array-like of shape (2,), default=(2.0, 0.8)
        The unpenalized solution ``c``, the centre of the ellipses.
    hessian : array-like of shape (2, 2), default=((2.0, 0.5), (0.5, 1.0))
        ``H``, symmetric positive definite: it sets the ellipses' shape and tilt.
    radius : float, default=1.0
        The radius of both balls, ``||w||_1 <= radius`` and ``||w||_2 <= radius``.

    ``radius``, the entries of ``center`` and the eigenvalues of ``hessian`` must lie within
    ``[1e-8, 1e8]`` (``center`` may hold zeros): a figure, where squares of these numbers
    are drawn, not a stress test of float64.
    ax : matplotlib Axes, optional
    title : str, default="Loss contours meet the L1 ball at a corner"

    Returns
    -------
    matplotlib Axes
        The two marked points are the lines labelled ``"L1 solution"`` and ``"L2 solution"``.
    """
    center = check_array(center, "center", ndim=1)
    hessian = check_array(hessian, "hessian", ndim=2)
    if center.shape != (2,):
        raise ValueError(f"center must have 2 entries (a point in 2-D), got {center.size}.")
    if hessian.shape != (2, 2):
        raise ValueError(f"hessian must have shape (2, 2), got {hessian.shape}.")
    if np.abs(center).max() > DRAWABLE[1]:
        raise ValueError(f"center's entries must be at most {DRAWABLE[1]:g} in magnitude, got "
                         f"{center.tolist()}.")
    if np.abs(hessian).max() > DRAWABLE[1] or not np.allclose(hessian, hessian.T):
        raise ValueError("hessian must be symmetric positive definite (the ellipses' shape), "
                         f"with entries at most {DRAWABLE[1]:g} in magnitude.")
    eigenvalues = np.linalg.eigvalsh(hessian)
    if eigenvalues.min() < DRAWABLE[0]:
        raise ValueError("hessian must be symmetric positive definite (the ellipses' shape), "
                         f"with eigenvalues >= {DRAWABLE[0]:g}; got {eigenvalues.tolist()}.")
    radius = check_scalar(radius, "radius", low=DRAWABLE[0], high=DRAWABLE[1])
    title = _check_title(title)
    ax = _axes(ax)

    w_l1, w_l2 = _ball_minimizers(center, hessian, radius)
    reach = max(radius, float(np.abs(center).max())) * 1.25
    grid = np.linspace(-reach, reach, 401)
    W1, W2 = np.meshgrid(grid, grid)
    D1, D2 = W1 - center[0], W2 - center[1]
    loss = hessian[0, 0] * D1**2 + 2 * hessian[0, 1] * D1 * D2 + hessian[1, 1] * D2**2

    def loss_at(w):
        d = w - center
        return float(d @ hessian @ d)

    levels = sorted({loss_at(w_l1), loss_at(w_l2)})
    levels = [level for level in levels if level > 0] or [1.0]
    ax.contour(W1, W2, loss, levels=[levels[0] / 4, *levels], colors="#999999", linestyles="-",
               linewidths=1)
    ax.plot([], [], color="#999999", linestyle="-", linewidth=1, label="loss contours (ellipses)")
    ax.plot(*center, marker="+", color="#000000", linestyle="none", markersize=10,
            label="unpenalized solution")
    ax.plot(radius * np.array([1, 0, -1, 0, 1]), radius * np.array([0, 1, 0, -1, 0]),
            color="#D55E00", linestyle="--", label=r"L1 ball $|w_1| + |w_2| \leq r$")
    theta = np.linspace(0.0, 2.0 * np.pi, 361)
    ax.plot(radius * np.cos(theta), radius * np.sin(theta), color="#0072B2", linestyle=":",
            label=r"L2 ball $w_1^2 + w_2^2 \leq r^2$")
    ax.plot(*w_l1, marker="o", color="#D55E00", linestyle="none", markersize=8, label="L1 solution")
    ax.plot(*w_l2, marker="s", color="#0072B2", linestyle="none", markersize=8, label="L2 solution")
    ax.axhline(0.0, color="#000000", linewidth=0.5)
    ax.axvline(0.0, color="#000000", linewidth=0.5)
    ax.set_aspect("equal")
    ax.set_xlim(-reach, reach)
    ax.set_ylim(-reach, reach)
    ax.set_title(title)
    ax.set_xlabel("$w_1$")
    ax.set_ylabel("$w_2$")
    ax.legend(loc="upper left", bbox_to_anchor=(1.02, 1.0), fontsize=9)
    return ax


__all__ += ["plot_loss_contours"]
