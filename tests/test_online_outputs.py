"""Every online model checks what it hands out, whatever state got it there.

An online model keeps state between calls (``z_``, ``n_``, its settings), checked on every
call; but a state that passes those checks can still give weights of inf (``n_`` of 5e-324
with ``beta = 0``) or of 1e300 (``alpha`` of 1e300), whose logits and losses overflow. Every
public method and property of every online model class, found by introspection (a class in
``course_utils.solvers`` or ``course_utils.sharding`` whose instances hold ``z_``, or a
``model`` that does), must then refuse (``ValueError``), or warn (``ConvergenceWarning``), or
hand out only finite numbers of a sane size. A new method is checked without a new case.
"""

import inspect
import warnings

import numpy as np
import pytest
import scipy.sparse as sp

import course_utils.sharding as sharding
import course_utils.solvers as solvers
from course_utils._validation import MAX_FIT_MAGNITUDE

X = sp.csr_matrix(np.array([[1.0, 0.0, 2.0], [0.0, 1.0, 1.0], [1.0, 1.0, 0.0]]))
Y = np.array([1.0, 0.0, 1.0])

# a valid value for each required parameter, by name
VALID = {
    "n_features": 3,
    "X": X,
    "y": Y,
    "start": 1,
    "stop": 3,
    "residuals": np.array([0.5]),
    "indices": np.array([0, 2]),
    "values": np.array([0.5, -0.5]),
    "intercept": 0.25,
}


def _call(function):
    """Call ``function`` with a valid value for each of its required parameters."""
    arguments = {
        name: VALID[name]
        for name, parameter in inspect.signature(function).parameters.items()
        if parameter.default is inspect.Parameter.empty
        and parameter.kind in (parameter.POSITIONAL_OR_KEYWORD, parameter.KEYWORD_ONLY)
    }
    return function(**arguments)


def _state_holder(model):
    """The object holding the FTRL state: the model itself, or its ``model``."""
    return model if hasattr(model, "z_") else getattr(model, "model", None)


def _online_classes():
    classes = {}
    for module in (solvers, sharding):
        for name, value in vars(module).items():
            if name.startswith("_") or not inspect.isclass(value):
                continue
            if not value.__module__.startswith("course_utils"):
                continue
            try:
                instance = _call(value)
            except (TypeError, KeyError):
                continue  # not built from these arguments: not an online model
            if _state_holder(instance) is not None:
                classes[name] = value
    return classes


ONLINE = _online_classes()


def _public_members(cls):
    """Names of the public methods and properties of ``cls``."""
    return sorted(
        name for name, value in inspect.getmembers(cls)
        if not name.startswith("_") and (inspect.isfunction(value) or isinstance(value, property))
    )


CASES = [(cls_name, member) for cls_name, cls in ONLINE.items() for member in _public_members(cls)]


def test_the_online_classes_are_found():
    # a floor, so that the sweep cannot pass by finding nothing
    assert {"FTRLProximal", "FeatureShard", "RowShard"} <= set(ONLINE)


def _trained(cls):
    model = _call(cls)
    holder = _state_holder(model)
    if hasattr(model, "partial_fit"):
        model.partial_fit(X, Y)
    elif hasattr(model, "learn") and holder is model:
        model.learn(np.array([0.5, -0.5, 0.3]), 0)
    else:
        model.learn(0, 3)
    return model, holder


def _numbers(value):
    """Every float in what a method returned (arrays, tuples, scalars), as one float64 array."""
    if value is None or isinstance(value, (bool, str)) or inspect.isclass(type(value)) and \
            type(value).__module__.startswith("course_utils"):
        return np.zeros(0)
    if isinstance(value, (tuple, list)):
        parts = [_numbers(v) for v in value]
        return np.concatenate(parts) if parts else np.zeros(0)
    return np.asarray(value, dtype=np.float64).ravel()


def _use(model, member):
    attribute = getattr(model, member)  # a property is read here
    return _call(attribute) if callable(attribute) else attribute


@pytest.mark.parametrize("cls_name, member", CASES, ids=[f"{c}.{m}" for c, m in CASES])
def test_a_state_giving_infinite_weights_is_refused(cls_name, member):
    model, holder = _trained(ONLINE[cls_name])
    # passes the state checks (finite, n_ >= 0, beta >= 0): w = -z alpha / sqrt(n) = -inf
    holder.beta, holder.l1 = 0.0, 0.0
    holder.n_ = np.full(holder.n_.size, 5e-324)
    holder.z_ = np.full(holder.z_.size, 1e200)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            value = _use(model, member)
        except ValueError as error:
            assert "out of scale" in str(error) or "overflow" in str(error), str(error)
            return
    assert np.all(np.isfinite(_numbers(value))), f"{cls_name}.{member} gave {value!r}"


@pytest.mark.parametrize("cls_name, member", CASES, ids=[f"{c}.{m}" for c, m in CASES])
def test_a_state_giving_huge_weights_warns(cls_name, member):
    model, holder = _trained(ONLINE[cls_name])
    # finite weights of about 1e300: their squares, logits' squares and losses overflow
    holder.alpha, holder.beta, holder.l1 = 1e300, 0.0, 0.0
    holder.z_ = np.where(holder.n_ > 0, 1.0, 0.0)
    with warnings.catch_warnings(record=True) as caught, np.errstate(all="ignore"):
        warnings.simplefilter("always")
        try:
            value = _use(model, member)
        except ValueError as error:
            assert "out of scale" in str(error) or "overflow" in str(error), str(error)
            return
    numbers = _numbers(value)
    sane = np.all(np.isfinite(numbers)) and np.all(np.abs(numbers) <= MAX_FIT_MAGNITUDE)
    diverged = [w for w in caught if "diverged" in str(w.message)]
    assert sane or diverged, f"{cls_name}.{member} gave {value!r} without a warning"
    assert np.all(np.isfinite(numbers)), f"{cls_name}.{member} gave {value!r}"


def test_partial_fit_that_diverges_says_so():
    model = solvers.FTRLProximal(3, alpha=1e300, beta=0.0, l1=0.0)
    with pytest.warns(Warning, match="diverged"):
        model.partial_fit(X, Y)


def test_mix_keeps_weights_of_coordinates_not_learned_yet():
    shard = sharding.RowShard(X, Y)
    shard.mix(np.array([0, 2]), np.array([1.0, 2.0]), 0.5)
    indices, values = shard.model.sparse_coef()
    np.testing.assert_array_equal(indices, [0, 2])
    np.testing.assert_allclose(values, [1.0, 2.0], rtol=1e-15)
    assert shard.model.intercept_ == pytest.approx(0.5, rel=1e-15)


def test_mix_refuses_a_weight_no_z_gives():
    shard = sharding.RowShard(X, Y, beta=0.0)
    with pytest.raises(ValueError, match="no z gives it that weight"):
        shard.mix(np.array([0, 2]), np.array([1.0, 2.0]), 0.5)


def test_row_shard_keeps_its_own_labels():
    y = Y.copy()
    shard = sharding.RowShard(X, y)
    y[:] = 0.5  # the caller's array changes; the shard's labels do not
    indices, values, intercept = shard.learn(0, 3)
    reference = sharding.RowShard(X, Y).learn(0, 3)
    np.testing.assert_array_equal(values, reference[1])
    assert intercept == reference[2]


def test_the_weights_are_the_compiled_loops_where_n_is_zero():
    # RowShard.mix sets z where n = 0; the served weights must be the ones the loop learns with
    from course_utils.solvers._ftrl_loop import weight
    from course_utils.solvers.online import _ftrl_weights

    z, n = np.array([3.0, -3.0, 0.5, 3.0]), np.array([0.0, 4.0, 0.0, 0.0])
    for beta, l2 in ((1.0, 0.0), (0.0, 0.0), (0.0, 0.5)):
        served = _ftrl_weights(z, n, 0.1, beta, 1.0, l2, False)
        learned = [weight(z_i, np.sqrt(n_i), 0.1, beta, 1.0, l2)
                   for z_i, n_i in zip(z, n, strict=True)]
        np.testing.assert_array_equal(served, learned)
