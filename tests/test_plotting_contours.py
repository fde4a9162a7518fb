"""Tests of plotting.plot_loss_contours: the marked points really minimize the loss on each ball."""

import matplotlib as mpl
import matplotlib.pyplot as plt
import numpy as np
import pytest

from course_utils.plotting import plot_loss_contours, use_course_style

plt.switch_backend("Agg")


@pytest.fixture(autouse=True)
def _close_figures():
    with mpl.rc_context():  # use_course_style must not leak into other tests
        yield
    plt.close("all")


def _marked(ax, label):
    (line,) = [line for line in ax.lines if line.get_label() == label]
    return np.array([line.get_xdata()[0], line.get_ydata()[0]], dtype=float)


def _loss(w, center, hessian):
    d = np.atleast_2d(w) - center
    return np.einsum("ki,ij,kj->k", d, hessian, d)


def test_default_figure_has_a_corner_for_l1_and_no_zero_for_l2():
    use_course_style()
    ax = plot_loss_contours()
    assert ax.get_title() and ax.get_xlabel() == "$w_1$" and ax.get_ylabel() == "$w_2$"
    w_l1, w_l2 = _marked(ax, "L1 solution"), _marked(ax, "L2 solution")
    assert np.count_nonzero(w_l1) == 1 and np.abs(w_l1).sum() == pytest.approx(1.0)
    assert np.count_nonzero(w_l2) == 2 and np.linalg.norm(w_l2) == pytest.approx(1.0)
    assert len(ax.collections) >= 1  # the contour lines


@pytest.mark.parametrize("seed", range(5))
def test_marked_points_minimize_the_loss_on_each_ball(seed):
    rng = np.random.default_rng(seed)
    center = rng.normal(size=2) * 3
    a = rng.normal(size=(2, 2))
    hessian = a @ a.T + 0.1 * np.eye(2)
    radius = float(rng.uniform(0.5, 1.5))
    ax = plot_loss_contours(center, hessian, radius=radius)
    t = np.linspace(0.0, 2.0 * np.pi, 100_001)
    circle = radius * np.column_stack([np.cos(t), np.sin(t)])
    diamond = circle * (radius / np.abs(circle).sum(axis=1, keepdims=True))
    for label, boundary in (("L1 solution", diamond), ("L2 solution", circle)):
        w = _marked(ax, label)
        best_on_boundary = _loss(boundary, center, hessian).min()
        size = np.abs(center).sum() if label == "L1 solution" else np.linalg.norm(center)
        inside = size <= radius
        expected = 0.0 if inside else best_on_boundary
        assert _loss(w, center, hessian)[0] <= expected + 1e-9 * max(1.0, expected)


def test_a_centre_inside_both_balls_is_its_own_solution():
    ax = plot_loss_contours(center=(0.2, -0.1), radius=1.0)
    np.testing.assert_allclose(_marked(ax, "L1 solution"), [0.2, -0.1])
    np.testing.assert_allclose(_marked(ax, "L2 solution"), [0.2, -0.1])


@pytest.mark.parametrize(
    ("kwargs", "error", "name"),
    [
        ({"center": (1.0, 2.0, 3.0)}, ValueError, "center"),
        ({"center": (np.nan, 1.0)}, ValueError, "center"),
        ({"hessian": ((1.0, 2.0), (2.0, 1.0))}, ValueError, "hessian"),
        ({"hessian": ((1.0, 0.5), (0.0, 1.0))}, ValueError, "hessian"),
        ({"hessian": (1.0, 2.0)}, ValueError, "hessian"),
        ({"radius": 0.0}, ValueError, "radius"),
        ({"radius": "1"}, TypeError, "radius"),
        ({"ax": "axes"}, TypeError, "ax"),
        ({"title": 3}, TypeError, "title"),
    ],
)
def test_bad_input_names_the_argument(kwargs, error, name):
    with pytest.raises(error, match=name):
        plot_loss_contours(**kwargs)


def test_each_drawn_contour_is_a_level_set_of_the_loss():
    from matplotlib.contour import ContourSet

    center, hessian = np.array([1.5, 0.5]), np.array([[2.0, 0.5], [0.5, 1.0]])
    ax = plot_loss_contours(center, hessian, radius=1.0)
    paths = [path for artist in ax.collections if isinstance(artist, ContourSet)
             for path in artist.get_paths() if len(path.vertices)]
    assert paths
    for path in paths:
        d = path.vertices - center
        loss = np.einsum("ij,jk,ik->i", d, hessian, d)
        assert loss.max() <= 1.01 * loss.min()  # the loss is the same all along a contour
    plt.close(ax.figure)


@pytest.mark.parametrize("center, radius", [((2.0, 0.8), 1.0), ((0.3, -0.2), 2.0),
                                            ((-5.0, 1.0), 0.5)])
def test_the_view_shows_both_balls_and_the_centre_with_a_margin(center, radius):
    # Whatever is larger, the balls or the centre, all of it is inside the axes, not on the edge.
    ax = plot_loss_contours(center, radius=radius)
    extent = max(radius, float(np.abs(center).max()))
    for low, high in (ax.get_xlim(), ax.get_ylim()):
        assert low < -1.1 * extent and high > 1.1 * extent
    plt.close(ax.figure)
