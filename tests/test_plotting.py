"""Tests of course_utils.plotting: titles, labels, number of lines, the style, bad input."""

from importlib import resources

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils.decay import l1_decay, l2_decay
from course_utils.plotting import (
    plot_decay,
    plot_frontier,
    plot_path,
    plot_unit_balls,
    plot_weight_histogram,
    use_course_style,
)

plt.switch_backend("Agg")

OKABE_ITO = {"#0072b2", "#d55e00", "#009e73", "#e69f00", "#56b4e9", "#cc79a7", "#000000", "#f0e442"}


@pytest.fixture(autouse=True)
def _close_figures():
    with mpl.rc_context():  # use_course_style must not leak into other tests
        yield
    plt.close("all")


def _has_labels(ax):
    return ax.get_title() and ax.get_xlabel() and ax.get_ylabel()


def test_style_is_package_data_and_applies():
    assert (resources.files("course_utils") / "course.mplstyle").is_file()
    use_course_style()
    cycle = plt.rcParams["axes.prop_cycle"].by_key()
    assert {
        c.lower() if c.startswith("#") else "#" + c.lower() for c in cycle["color"]
    } == OKABE_ITO
    assert len(set(cycle["linestyle"])) == 4
    assert plt.rcParams["figure.dpi"] == 80
    assert 11 <= plt.rcParams["font.size"] <= 12
    assert not plt.rcParams["axes.spines.top"] and not plt.rcParams["axes.spines.right"]
    assert plt.rcParams["axes.grid"]


def test_unit_balls():
    ax = plot_unit_balls()
    assert _has_labels(ax)
    labels = ax.get_legend_handles_labels()[1]
    assert len(ax.get_lines()) == 3 and [s[:2] for s in labels] == ["L0", "L1", "L2"]
    assert len({line.get_linestyle() for line in ax.get_lines()}) == 3


def test_unit_balls_on_given_axes():
    _, ax = plt.subplots()
    assert plot_unit_balls(ax) is ax


def test_path_both_orientations_and_names():
    alphas = np.logspace(-2, 0, 5)
    coefs = np.arange(15.0).reshape(5, 3)
    ax = plot_path(alphas, coefs, feature_names=["a", "b", "c"], title="My path")
    assert ax.get_title() == "My path" and _has_labels(ax)
    assert ax.get_xscale() == "log"
    assert ax.get_legend_handles_labels()[1] == ["a", "b", "c"]
    ax2 = plot_path(alphas, coefs.T)  # (n_features, n_alphas) as sklearn's lasso_path
    feature_lines = [line for line in ax2.get_lines() if not line.get_label().startswith("_")]
    assert len(feature_lines) == 3
    np.testing.assert_array_equal(feature_lines[1].get_ydata(), coefs[:, 1])
    assert ax2.get_legend() is None


@pytest.mark.parametrize("course_style", [True, False])
def test_path_lines_stay_distinct_beyond_the_colour_cycle(course_style):
    if course_style:
        use_course_style()
    ax = plot_path(np.logspace(-2, 0, 4), np.ones((4, 25)))
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    styles = {(line.get_color(), line.get_linestyle()) for line in lines}
    assert len(lines) == 25 and len(styles) == 25



@pytest.mark.parametrize("n_colors", [0, 1, 2, 3, 5, 7, 8, 10])
def test_path_lines_stay_distinct_for_any_colour_cycle(n_colors):
    # 4 line styles: with n colours, 4 n lines can all differ, and must (with no colour in the
    # cycle every line has one colour: 4 lines). Odd cycles once repeated after n lines.
    from cycler import cycler

    palette = ["#0072b2", "#d55e00", "#009e73", "#e69f00", "#56b4e9", "#cc79a7", "#000000",
               "#f0e442", "#999999", "#882255"]
    cycle = cycler(color=palette[:n_colors]) if n_colors else cycler(linewidth=[1.0, 2.0])
    n_lines = 4 * max(n_colors, 1)
    with mpl.rc_context({"axes.prop_cycle": cycle}):
        ax = plot_path(np.logspace(-2, 0, 4), np.ones((4, n_lines)))
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert len({(line.get_color(), line.get_linestyle()) for line in lines}) == n_lines

def test_weight_histogram_counts_zeros():
    w = np.array([0.0, 0.0, 0.0, 1.0, -2.0, 0.5])
    ax = plot_weight_histogram(w, title="W")
    assert ax.get_title() == "W: 3 of 6 exactly zero" and _has_labels(ax)
    labels = ax.get_legend_handles_labels()[1]
    assert "exactly zero: 3" in labels and "non-zero weights: 3" in labels
    assert sum(p.get_height() for p in ax.patches) == 3  # bars count non-zeros only
    plot_weight_histogram(np.zeros(5))  # all zero: no bars, still a figure


def test_decay_log_marks_exact_zeros():
    curves = {"L2 0.9": l2_decay(1.0, 0.9, 7100), "L2 0.5": l2_decay(1.0, 0.5, 7100)}
    ax = plot_decay(curves)
    assert _has_labels(ax)
    labels = ax.get_legend_handles_labels()[1]
    assert labels == ["L2 0.9", "L2 0.5", "L2 0.5: exactly 0.0 from step 1,075"]
    assert len(ax.get_lines()) == 3
    bottom = ax.get_ylim()[0]
    assert bottom < np.log10(5e-324)  # below the stalled curve
    np.testing.assert_array_equal(ax.get_lines()[2].get_ydata(), bottom)
    assert ax.get_lines()[0].get_ydata()[-1] == pytest.approx(np.log10(5 * 2.0**-1074))


def test_decay_linear():
    ax = plot_decay(
        {"clip": l1_decay(0.1, 0.03, 10), "no clip": l1_decay(0.1, 0.03, 10, False)}, log=False
    )
    assert len(ax.get_lines()) == 2 and _has_labels(ax)
    assert ax.get_yscale() == "linear"


def test_frontier_arrays_and_dicts():
    ax = plot_frontier([10, 1, 0], [0.3, 0.5, 0.7], labels=["a", "b", "c"])
    assert _has_labels(ax) and ax.get_xscale() == "symlog"
    assert len(ax.get_lines()) == 1
    np.testing.assert_array_equal(ax.get_lines()[0].get_xdata(), [0, 1, 10])  # sorted by size
    assert [t.get_text() for t in ax.texts] == ["c", "b", "a"]
    ax = plot_frontier({"L1": [1, 5], "L2": [3, 9]}, {"L1": [0.5, 0.4], "L2": [0.6, 0.45]})
    assert len(ax.get_lines()) == 2 and ax.get_legend_handles_labels()[1] == ["L1", "L2"]


BAD = [
    (plot_unit_balls, (), {"ax": "axes"}, TypeError, "ax"),
    (plot_path, ([0.1, 1.0], [[1.0], [np.nan]]), {}, ValueError, "coefs"),
    (plot_path, ([0.0, 1.0], [[1.0], [2.0]]), {}, ValueError, "alphas"),
    (plot_path, ([-1.0, 1.0], [[1.0], [2.0]]), {}, ValueError, "alphas"),
    (plot_path, ([], [[]]), {}, ValueError, "alphas"),
    (plot_path, ("ab", [[1.0], [2.0]]), {}, TypeError, "alphas"),
    (plot_path, ([0.1, 1.0], [1.0, 2.0]), {}, ValueError, "coefs"),
    (plot_path, ([0.1, 1.0, 2.0], [[1.0, 2.0], [3.0, 4.0]]), {}, ValueError, "coefs"),
    (
        plot_path,
        ([0.1, 1.0], [[1.0], [2.0]]),
        {"feature_names": ["a", "b"]},
        ValueError,
        "feature_names",
    ),
    (plot_path, ([0.1, 1.0], [[1.0], [2.0]]), {"feature_names": "a"}, TypeError, "feature_names"),
    (plot_path, ([0.1, 1.0], [[1.0], [2.0]]), {"title": 3}, TypeError, "title"),
    (plot_weight_histogram, ([np.inf],), {}, ValueError, "w"),
    (plot_weight_histogram, ([],), {}, ValueError, "w"),
    (plot_weight_histogram, (None,), {}, TypeError, "w"),
    (plot_weight_histogram, ([1.0],), {"bins": 0}, ValueError, "bins"),
    (plot_weight_histogram, ([1.0],), {"bins": "auto"}, ValueError, "bins"),
    (plot_decay, ([1.0, 0.5],), {}, TypeError, "curves"),
    (plot_decay, ({},), {}, TypeError, "curves"),
    (plot_decay, ({"a": [1.0, np.nan]},), {}, ValueError, "curves"),
    (plot_decay, ({"a": []},), {}, ValueError, "curves"),
    (plot_decay, ({"a": "text"},), {}, TypeError, "curves"),
    (plot_decay, ({1: [1.0]},), {}, TypeError, "curves"),
    (plot_decay, ({"a": [1.0]},), {"log": "yes"}, TypeError, "log"),
    (plot_frontier, ([1, 2], [0.5]), {}, ValueError, "sizes"),
    (plot_frontier, ([-1, 2], [0.5, 0.4]), {}, ValueError, "sizes"),
    (plot_frontier, ([1, 2], [0.5, np.nan]), {}, ValueError, "losses"),
    (plot_frontier, ([], []), {}, ValueError, "sizes"),
    (plot_frontier, (["a"], [0.5]), {}, TypeError, "sizes"),
    (plot_frontier, ([1, 2], [0.5, 0.4]), {"labels": ["a"]}, ValueError, "labels"),
    (plot_frontier, ({"a": [1]}, [0.5]), {}, ValueError, "sizes"),
    (plot_frontier, ({"a": [1]}, {"b": [0.5]}), {}, ValueError, "sizes"),
    (plot_frontier, ([1], [0.5]), {"ax": 1}, TypeError, "ax"),
    # beyond what matplotlib can draw, too many bars, booleans, dates
    (plot_weight_histogram, ([-1e308, 1e308],), {}, ValueError, "w must be within"),
    (plot_weight_histogram, ([1.0],), {"bins": 10**5}, ValueError, "bins must be between"),
    (plot_weight_histogram, ([1.0],), {"bins": 10**400}, ValueError, "bins"),
    (plot_weight_histogram, ([True, False],), {}, TypeError, "w"),
    (plot_weight_histogram, (np.array([1, 2], dtype="m8[s]"),), {}, TypeError, "w"),
    (plot_path, ([1e-300, 1.0], [[1.0], [2.0]]), {}, ValueError, "alphas"),
    (plot_path, ([1.0, 1e300], [[1.0], [2.0]]), {}, ValueError, "alphas"),
    (plot_path, ([0.1, 1.0], [[1e308], [2.0]]), {}, ValueError, "coefs"),
    (plot_path, ([0.1, 1.0], np.zeros((2, 0))), {}, ValueError, "coefs"),
    (plot_path, ([0.1, 1.0], [[True], [False]]), {}, TypeError, "coefs"),
    (plot_path, ([0.1, 1.0], [[1.0], [2.0]]), {"feature_names": 5}, TypeError, "feature_names"),
    (plot_decay, ({"a": [1e308, -1e308]},), {"log": False}, ValueError, "curves"),
    (plot_decay, ({"a": np.array(["2020-01-01"], dtype="M8[D]")},), {}, TypeError, "curves"),
    (plot_frontier, ({}, {}), {}, ValueError, "sizes"),
    (plot_frontier, ([1e300, 1.0], [0.5, 0.4]), {}, ValueError, "sizes"),
    (plot_frontier, ([1, 2], [1e300, 0.4]), {}, ValueError, "losses"),
    (plot_frontier, (np.array([1, 2], dtype="m8[s]"), [0.5, 0.4]), {}, TypeError, "sizes"),
    (plot_frontier, ([1, 2], [0.5, 0.4]), {"labels": [1, 2]}, TypeError, "labels"),
]


@pytest.mark.parametrize("func, args, kwargs, exc, name", BAD)
def test_bad_input_names_the_argument(func, args, kwargs, exc, name):
    with pytest.raises(exc, match=rf"^{name}"):
        func(*args, **kwargs)


@pytest.mark.parametrize(
    "w, bars",
    [
        ([5e-324, 5e-324, 0.0], 40),  # one value: numpy centres 40 bins on it
        ([5e-324, 1e-323, -5e-324, 0.0], 3),  # subnormal only: one bar per distinct value
        ([1.0, np.nextafter(1.0, 2.0)], 2),  # two adjacent floats: too narrow for 40 bins
        ([-1.0, np.nextafter(-1.0, -2.0), 0.0], 2),  # the same below zero
    ],
)
def test_histogram_of_too_narrow_weights(w, bars):
    ax = plot_weight_histogram(w)
    ax.figure.canvas.draw()
    heights = [p.get_height() for p in ax.patches]
    assert len(heights) == bars and sum(heights) == np.count_nonzero(w)
    assert ax.get_title().endswith(f"{len(w) - np.count_nonzero(w)} of {len(w)} exactly zero")


def test_histogram_of_too_narrow_weights_where_numpy_returns_edges_that_do_not_increase(
        monkeypatch):
    # numpy 1.26 (CI's oldest leg) does not raise for a range too narrow for its bins: it returns
    # linspace(min, max, bins + 1), repeated edges. Those must not reach ax.hist either: one bar
    # per distinct value, as with numpy 2 (which raises).
    def numpy_1_26_edges(values, bins):
        values = np.asarray(values)
        return np.linspace(values.min(), values.max(), bins + 1)

    monkeypatch.setattr(np, "histogram_bin_edges", numpy_1_26_edges)
    w = [1.0, np.nextafter(1.0, 2.0), 0.0]
    assert not np.all(np.diff(numpy_1_26_edges(w[:2], 40)) > 0)
    ax = plot_weight_histogram(w)
    assert [p.get_height() for p in ax.patches] == [1, 1]


def test_histogram_keeps_numpy_bins_when_they_exist():
    w = [0.0, -1.0, 0.5, 2.0, 3.0]
    ax = plot_weight_histogram(w, bins=5)
    assert [p.get_height() for p in ax.patches] == [1, 1, 0, 1, 1]
    edges = [p.get_x() for p in ax.patches] + [ax.patches[-1].get_x() + ax.patches[-1].get_width()]
    np.testing.assert_allclose(edges, np.histogram_bin_edges([-1.0, 0.5, 2.0, 3.0], 5))


def test_histogram_bins_cap_is_inclusive(monkeypatch):
    # "at most 10,000" bins: the cap itself is allowed. 10,000 bars take 9 s to build, so the
    # inclusive bound is checked on a cap of 3 (the documented value is pinned by the first line).
    from course_utils import plotting

    assert plotting.MAX_BINS == 10_000
    monkeypatch.setattr(plotting, "MAX_BINS", 3)
    ax = plot_weight_histogram([0.0, 1.0, 2.0, 3.0], bins=3)
    assert [p.get_height() for p in ax.patches] == [1, 1, 1]
    with pytest.raises(ValueError, match="bins must be between 1 and 3, got 4"):
        plot_weight_histogram([1.0], bins=4)


def test_labels_may_be_any_iterable_of_strings():
    ax = plot_frontier([1, 2], [0.5, 0.4], labels=iter(["a", "b"]))
    assert [t.get_text() for t in ax.texts] == ["a", "b"]
    ax = plot_path([0.1, 1.0], [[1.0], [2.0]], feature_names=(name for name in ["w"]))
    assert ax.get_legend_handles_labels()[1] == ["w"]


def test_plot_path_draws_the_smallest_allowed_alpha_and_refuses_below():
    from course_utils.plotting import MAX_COORDINATE

    smallest = 1.0 / MAX_COORDINATE
    ax = plot_path(np.array([1.0, smallest]), np.zeros((2, 3)))
    assert len(ax.get_lines()) == 4  # the zero line and one per feature
    plt.close(ax.figure)
    with pytest.raises(ValueError, match="alphas must all be >="):
        plot_path(np.array([1.0, smallest / 2]), np.zeros((2, 3)))


@pytest.mark.parametrize("bad", [r"$\undefinedcmd$", r"$\foo{$", "a $^$ b"])
def test_a_title_or_label_matplotlib_cannot_draw_is_refused_at_the_call(bad):
    """(In main at a9513eb: a mathtext error from the parser, or none until drawn.)"""
    with pytest.raises(ValueError, match="title is not valid matplotlib mathtext"):
        plot_weight_histogram(np.array([1.0, 0.0, 2.0]), title=bad)
    with pytest.raises(ValueError, match="feature_names is not valid matplotlib mathtext"):
        plot_path(np.array([1.0, 0.1]), np.array([[0.0, 1.0], [1.0, 1.0]]),
                  feature_names=[bad, "b"])
    with pytest.raises(ValueError, match="curves' labels is not valid matplotlib mathtext"):
        plot_decay({bad: np.array([1.0, 0.5])})


def test_mathtext_and_plain_dollars_in_a_title_are_drawn():
    for title in (r"Path of $\alpha$", "costs $5", r"a \$ and $x^2$"):
        ax = plot_path(np.array([1.0, 0.1]), np.array([[0.0, 1.0], [1.0, 1.0]]), title=title)
        ax.figure.canvas.draw()  # no error when drawn either
        assert ax.get_title() == title
        plt.close(ax.figure)


def test_a_coordinate_of_exactly_1e200_is_drawn_and_the_next_float_is_refused():
    # "within +-1e200": the bound itself is drawable (its axis limits do not overflow)
    ax = plot_path(np.array([1.0, 2.0]), np.array([[1e200], [-1e200]]))
    assert len(ax.get_lines()) == 2  # the zero line and the feature
    plt.close(ax.figure)
    with pytest.raises(ValueError, match=r"coefs must be within \+-1e\+200"):
        plot_path(np.array([1.0, 2.0]), np.array([[np.nextafter(1e200, np.inf)], [0.0]]))


@pytest.mark.parametrize("n_colors", [1, 3, 5])
def test_path_styles_shift_by_one_each_time_the_colours_come_round(n_colors):
    # plot_path: line j has colour j % n_colors, and each time the colours come round again the
    # styles shift by one (the next of "-", "--", "-.", ":"), starting from "-".
    from cycler import cycler

    order = ["-", "--", "-.", ":"]
    palette = ["#0072b2", "#d55e00", "#009e73", "#e69f00", "#56b4e9"]
    with mpl.rc_context({"axes.prop_cycle": cycler(color=palette[:n_colors])}):
        ax = plot_path(np.logspace(-2, 0, 4), np.ones((4, 3 * n_colors)))
    lines = [line for line in ax.get_lines() if not line.get_label().startswith("_")]
    assert lines[0].get_linestyle() == "-"
    for j in range(2 * n_colors):
        same_colour = lines[j + n_colors]
        assert same_colour.get_color() == lines[j].get_color()
        step = order.index(same_colour.get_linestyle()) - order.index(lines[j].get_linestyle())
        assert step % 4 == 1
    plt.close(ax.figure)
