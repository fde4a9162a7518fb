"""Solvers for penalized linear models; each returns a :class:`FitResult`.

Every solver states its objective in its docstring, with the same scaling as
the scikit-learn estimator it is tested against.
"""

from ._result import FitResult

__all__ = ["FitResult"]
# Each solver module adds its import and names below.
from .lasso import elastic_net, lasso, lasso_path  # noqa: E402
from .logistic import logistic_l1  # noqa: E402
from .ridge import ridge  # noqa: E402

__all__ += ["lasso", "lasso_path", "elastic_net", "ridge", "logistic_l1"]
from .online import FTRLProximal, adagrad_fobos, ftrl_proximal, sgd_l1  # noqa: E402
from .subset import best_subset, htp, iht  # noqa: E402

__all__ += ["iht", "htp", "best_subset", "sgd_l1", "ftrl_proximal", "FTRLProximal", "adagrad_fobos"]
