"""The course's data, offline only, with checksums verified.

- ``load_adult()``: the UCI Adult census training file (32,561 people, 14 features, income
  above 50K or not), from ``data/adult.csv.gz``; its sha256 is checked on every call.
- ``load_diabetes()``, ``load_breast_cancer()``, ``load_digits()``: scikit-learn's bundled
  copies (nothing is downloaded), as a named DataFrame and a target array.
- ``make_sparse_regression(...)``: synthetic data with a known sparse ``w_true``, seeded.

Where the data lives
--------------------
``data/`` next to the ``course_utils`` package (``course_utils/../data``), that is, the
repository's ``data/`` folder. Set the environment variable ``COURSE_DATA_DIR`` to a folder to
read ``adult.csv.gz`` from there instead (read at each call, so it can be set at any time).

An installed copy (``pip install .``, not editable) holds the code only, not the data: it sits
in ``site-packages`` with no ``data/`` beside it, so set ``COURSE_DATA_DIR`` to the course's
``data/`` folder (the notebooks and ``requirements.txt``'s editable install need nothing).

A damaged data file is never half-loaded: ``load_adult`` raises :class:`DataFileError` naming
the file, the sha256 expected and found, and how to restore it (``git checkout
data/adult.csv.gz``, or ``python data/make_adult.py``; see ``data/README.md``).
"""

from __future__ import annotations

import hashlib
import io
import os
from pathlib import Path

import numpy as np
import pandas as pd

from course_utils._files import (
    FileTooLargeError,
    NotARegularFileError,
    folder_from_env,
    read_regular_file,
)
from course_utils._validation import check_int, check_random_state, check_scalar

__all__ = [
    "DataFileError",
    "MissingDataFileError",
    "data_dir",
    "load_adult",
    "load_diabetes",
    "load_breast_cancer",
    "load_digits",
    "make_sparse_regression",
]

ADULT_FILE = "adult.csv.gz"
# sha256 of data/adult.csv.gz as written by data/make_adult.py (see data/README.md).
ADULT_SHA256 = "a95c05f31b1a290ea33d55b0630fbfdef5f0d593e65377d7b61d5a9adcfb1e30"
ADULT_N_ROWS = 32_561
# Checked before a data file is read: adult.csv.gz is 0.4 MB, a 6 GB file would fill memory.
MAX_DATA_BYTES = 64 * 2**20
# make_sparse_regression refuses more numbers than this in X (800 MB of float64)
MAX_SYNTHETIC_VALUES = 10**8
ADULT_FEATURES = [
    "age", "workclass", "fnlwgt", "education", "education-num", "marital-status",
    "occupation", "relationship", "race", "sex", "capital-gain", "capital-loss",
    "hours-per-week", "native-country",
]
ADULT_NUMERIC = ["age", "fnlwgt", "education-num", "capital-gain", "capital-loss", "hours-per-week"]

_RESTORE_HINT = (
    "Restore it from the course repository with `git checkout data/adult.csv.gz`, or rebuild it "
    "with `python data/make_adult.py` (see data/README.md); or set COURSE_DATA_DIR to a folder "
    "that holds an intact copy."
)

# The parsed Adult table, keyed by the file's sha256 (so only a verified file is ever cached).
_adult_cache: dict[str, tuple[pd.DataFrame, np.ndarray]] = {}


class DataFileError(ValueError):
    """A course data file is missing, truncated or corrupted (its sha256 does not match)."""


class MissingDataFileError(DataFileError, FileNotFoundError):
    """A course data file does not exist (also a ``FileNotFoundError``)."""


def data_dir() -> Path:
    """Return the folder the course data is read from.

    Returns
    -------
    pathlib.Path
        ``$COURSE_DATA_DIR`` if that environment variable is set and not empty (``~`` and
        ``~user`` expanded), else the repository's ``data/`` folder (``course_utils/../data``).

    Raises
    ------
    ValueError
        Naming ``COURSE_DATA_DIR``, when its ``~user`` names no user.
    """
    override = folder_from_env("COURSE_DATA_DIR")
    if override is not None:
        return override
    return Path(__file__).resolve().parent.parent / "data"


def _read_verified(path: Path, sha256: str) -> bytes:
    """Return the bytes of ``path`` if their sha256 is ``sha256``, else raise DataFileError.

    The file is opened without blocking and checked once open (:mod:`course_utils._files`):
    it must be a regular file (a FIFO would block, a link to /dev/zero never end) of at most
    ``MAX_DATA_BYTES`` (a huge file would fill memory), whatever the path named before.
    """
    try:
        raw = read_regular_file(path, MAX_DATA_BYTES)  # follows a symbolic link
    except FileNotFoundError:
        where = ""
        if not os.environ.get("COURSE_DATA_DIR") and not path.parent.is_dir():
            # an installed (non-editable) course_utils: no data/ folder beside the package
            where = "course_utils is installed without the course's data/ folder. "
        raise MissingDataFileError(
            f"Data file {path} not found (expected sha256 {sha256}). {where}{_RESTORE_HINT}"
        ) from None
    except NotARegularFileError as error:
        raise DataFileError(
            f"Data file {path} cannot be read: it is a {error.kind}, not a regular "
            f"file (expected sha256 {sha256}). {_RESTORE_HINT}"
        ) from None
    except FileTooLargeError as error:
        raise DataFileError(
            f"Data file {path} is damaged: {error.size:,} bytes, more than any course data "
            f"file ({MAX_DATA_BYTES:,} at most; expected sha256 {sha256}). {_RESTORE_HINT}"
        ) from None
    except OSError as error:  # no permission on the folder, a loop of links...
        raise DataFileError(
            f"Data file {path} cannot be read ({type(error).__name__}; expected sha256 "
            f"{sha256}). {_RESTORE_HINT}"
        ) from None
    found = hashlib.sha256(raw).hexdigest()
    if found != sha256:
        raise DataFileError(
            f"Data file {path} is damaged ({len(raw):,} bytes): sha256 expected {sha256}, "
            f"found {found}. {_RESTORE_HINT}"
        )
    return raw


def load_adult() -> tuple[pd.DataFrame, np.ndarray]:
    """Load the UCI Adult census training data (32,561 people), checksum verified.

    Returns
    -------
    X : pandas.DataFrame, shape (32561, 14)
        Columns ``age, workclass, fnlwgt, education, education-num, marital-status,
        occupation, relationship, race, sex, capital-gain, capital-loss, hours-per-week,
        native-country``. The six numeric columns are int64; the eight others hold strings
        without surrounding spaces.
    y : numpy.ndarray of int64, shape (32561,)
        1 if the income is ">50K", 0 if "<=50K" (about 24% ones).

    Raises
    ------
    DataFileError
        If ``adult.csv.gz`` is truncated or corrupted (sha256 mismatch);
        :class:`MissingDataFileError` (also a ``FileNotFoundError``) if it is missing.

    Notes
    -----
    Missing values are kept as the source marks them, with the string ``"?"``, in
    ``workclass`` (1,836 rows), ``occupation`` (1,843) and ``native-country`` (583).
    For one-hot encoding "?" is then simply one more category, which is honest: "not
    answered" may itself carry information, and no row is dropped or imputed.

    The file is read from :func:`data_dir` and its sha256 is checked on every call (about
    a millisecond); the parsed table is cached in memory, and each call returns fresh copies.

    References
    ----------
    Becker, B. and Kohavi, R. (1996). Adult [Dataset]. UCI Machine Learning Repository.
    https://doi.org/10.24432/C5XW20 (CC BY 4.0).
    """
    path = data_dir() / ADULT_FILE
    raw = _read_verified(path, ADULT_SHA256)
    if ADULT_SHA256 not in _adult_cache:
        # na_filter=False keeps "?" (and any other string) as a value, never as NaN.
        table = pd.read_csv(io.BytesIO(raw), compression="gzip", na_filter=False)
        income = table.pop("income")
        if list(table.columns) != ADULT_FEATURES or len(table) != ADULT_N_ROWS:
            raise DataFileError(f"Data file {path} does not hold the Adult table. {_RESTORE_HINT}")
        y = (income == ">50K").to_numpy().astype(np.int64)
        _adult_cache[ADULT_SHA256] = (table, y)
    X, y = _adult_cache[ADULT_SHA256]
    return X.copy(), y.copy()


def _from_sklearn(bunch) -> tuple[pd.DataFrame, np.ndarray]:
    """Split a scikit-learn ``as_frame=True`` bunch into (X DataFrame, y ndarray)."""
    return bunch.data.copy(), bunch.target.to_numpy().copy()


def load_diabetes() -> tuple[pd.DataFrame, np.ndarray]:
    """Load scikit-learn's bundled diabetes data (442 patients, 10 features).

    Returns
    -------
    X : pandas.DataFrame, shape (442, 10)
        Columns ``age, sex, bmi, bp, s1, ..., s6``, each centred and scaled to unit L2 norm
        (scikit-learn's default ``scaled=True``).
    y : numpy.ndarray of float64, shape (442,)
        Disease progression one year after baseline.
    """
    import sklearn.datasets  # here, not at the top: the Adult data loads without sklearn

    return _from_sklearn(sklearn.datasets.load_diabetes(as_frame=True))


def load_breast_cancer() -> tuple[pd.DataFrame, np.ndarray]:
    """Load scikit-learn's bundled Wisconsin breast cancer data (569 tumours, 30 features).

    Returns
    -------
    X : pandas.DataFrame, shape (569, 30)
        Named features such as ``mean radius``, unscaled.
    y : numpy.ndarray of int64, shape (569,)
        1 = benign, 0 = malignant (scikit-learn's coding).
    """
    import sklearn.datasets  # here, not at the top: the Adult data loads without sklearn

    return _from_sklearn(sklearn.datasets.load_breast_cancer(as_frame=True))


def load_digits() -> tuple[pd.DataFrame, np.ndarray]:
    """Load scikit-learn's bundled 8x8 handwritten digits (1,797 images).

    Returns
    -------
    X : pandas.DataFrame, shape (1797, 64)
        Columns ``pixel_0_0 ... pixel_7_7`` (row, column), grey levels 0..16; reshape a row
        with ``.to_numpy().reshape(8, 8)`` to see the image.
    y : numpy.ndarray of int64, shape (1797,)
        The digit, 0..9.
    """
    import sklearn.datasets  # here, not at the top: the Adult data loads without sklearn

    return _from_sklearn(sklearn.datasets.load_digits(as_frame=True))


def make_sparse_regression(
    n_samples: int = 100,
    n_features: int = 200,
    n_informative: int = 10,
    noise: float = 0.1,
    random_state=0,
) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Make a linear regression problem whose true weights are sparse and known.

    Parameters
    ----------
    n_samples : int, default=100
        Number of rows n (>= 1).
    n_features : int, default=200
        Number of columns p (>= 1); p > n is allowed and is the interesting case. At most
        ``n * p = 10**8`` numbers (800 MB).
    n_informative : int, default=10
        Number of non-zero true weights k, 0 <= k <= p.
    noise : float, default=0.1
        Standard deviation sigma of the Gaussian noise added to y (>= 0).
    random_state : int or numpy.random.Generator, default=0
        Seed (an int >= 0) or generator; the same seed always gives the same data.

    Returns
    -------
    X : numpy.ndarray, shape (n_samples, n_features)
    y : numpy.ndarray, shape (n_samples,)
    w_true : numpy.ndarray, shape (n_features,)
        Exactly ``n_informative`` non-zeros.

    Notes
    -----
    With ``rng = numpy.random.default_rng(random_state)``, in this order:

    - ``X[i, j] ~ N(0, 1)``, independent;
    - the support of ``w_true`` is ``n_informative`` indices drawn uniformly without
      replacement; on it, ``w_true[j] = s_j * m_j`` with a random sign ``s_j = +-1`` and a
      magnitude ``m_j ~ Uniform[1, 2]``, bounded away from 0 so that support recovery is
      well posed; elsewhere ``w_true[j] = 0.0``;
    - ``y = X @ w_true + noise * e`` with ``e ~ N(0, I)``. There is no intercept.
    """
    n_samples = check_int(n_samples, "n_samples", low=1, high=MAX_SYNTHETIC_VALUES)
    n_features = check_int(n_features, "n_features", low=1, high=MAX_SYNTHETIC_VALUES)
    if n_samples * n_features > MAX_SYNTHETIC_VALUES:
        raise ValueError(
            f"n_samples * n_features must be <= {MAX_SYNTHETIC_VALUES:,} (X would hold "
            f"{n_samples * n_features:,} float64 numbers, {n_samples * n_features * 8 / 1e9:.3g} "
            f"GB); got n_samples={n_samples:,}, n_features={n_features:,}."
        )
    n_informative = check_int(n_informative, "n_informative", low=0, high=n_features)
    noise = check_scalar(noise, "noise", low=0.0)
    rng = check_random_state(random_state, "random_state")

    X = rng.standard_normal((n_samples, n_features))
    support = rng.choice(n_features, size=n_informative, replace=False)
    signs = rng.choice([-1.0, 1.0], size=n_informative)
    w_true = np.zeros(n_features)
    w_true[support] = signs * rng.uniform(1.0, 2.0, size=n_informative)
    with np.errstate(over="ignore"):
        y = X @ w_true + noise * rng.standard_normal(n_samples)
    if not np.all(np.isfinite(y)):
        raise ValueError(f"noise is too large: noise * N(0, 1) overflows float64 (got {noise:g}).")
    return X, y, w_true


def iter_adult(chunk_size: int = 4096):
    """Read the Adult census data as a stream of chunks, checksum verified first.

    Parameters
    ----------
    chunk_size : int, default=4096
        Rows per chunk, ``>= 1``; the last chunk holds what is left.

    Returns
    -------
    iterator of (pandas.DataFrame, numpy.ndarray)
        Chunks ``(X, y)`` in file order, as :func:`load_adult` would give them sliced
        (same columns, types and labels), but parsed one chunk at a time: the whole table
        is never held, as when reading a log too big for memory.

    Raises
    ------
    DataFileError
        As :func:`load_adult`, at the call (before the first chunk).
    """
    chunk_size = check_int(chunk_size, "chunk_size", low=1)
    path = data_dir() / ADULT_FILE
    raw = _read_verified(path, ADULT_SHA256)

    def chunks():
        reader = pd.read_csv(io.BytesIO(raw), compression="gzip", na_filter=False,
                             chunksize=chunk_size)
        for table in reader:
            income = table.pop("income")
            yield table.reset_index(drop=True), (income == ">50K").to_numpy().astype(np.int64)

    return chunks()


__all__ += ["iter_adult"]
