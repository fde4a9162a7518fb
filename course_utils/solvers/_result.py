"""The result every solver returns."""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np


@dataclass
class FitResult:
    """What a solver found.

    Attributes
    ----------
    coef : numpy.ndarray of shape (n_features,)
        The fitted weights ``w``.
    intercept : float
        The fitted intercept ``b`` (0.0 when the solver fits none).
    n_iter : int
        Iterations (or passes over the data) the solver ran.
    converged : bool
        Whether the stopping criterion was met before ``max_iter``; always a Python ``bool``
        (``result.converged is True`` works), whatever a solver passes.
    history : list of float
        The objective after each iteration or pass, for plotting convergence.
    """

    coef: np.ndarray
    intercept: float = 0.0
    n_iter: int = 0
    converged: bool = True
    history: list = field(default_factory=list)

    def __post_init__(self):
        self.converged = bool(self.converged)  # not numpy.bool_, which prints np.True_


def convergence_warning() -> type[Warning]:
    """scikit-learn's ``ConvergenceWarning``, the class its users already filter on.

    Imported only when a solver warns, so that the solvers (and FTRL on a stream, notebooks 07
    and 08) load without scikit-learn's 1.5 s of imports.
    """
    from sklearn.exceptions import ConvergenceWarning

    return ConvergenceWarning
