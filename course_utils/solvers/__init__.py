"""Solvers for penalized linear models; each returns a :class:`FitResult`.

Every solver states its objective in its docstring, with the same scaling as
the scikit-learn estimator it is tested against.
"""

from ._result import FitResult

__all__ = ["FitResult"]
# Each solver module adds its import and names below.
