"""Tests for course_utils.datasets: Adult and its checksum, bundled data, synthetic data."""

import gzip
import hashlib
import importlib.util
import os
import shutil

import numpy as np
import pandas as pd
import pytest

from course_utils import datasets
from course_utils.datasets import (
    ADULT_SHA256,
    DataFileError,
    MissingDataFileError,
    load_adult,
    make_sparse_regression,
)

ADULT = datasets.data_dir() / datasets.ADULT_FILE


@pytest.fixture
def adult_copy(tmp_path, monkeypatch):
    """A copy of adult.csv.gz in a temporary folder that COURSE_DATA_DIR points at."""
    path = tmp_path / datasets.ADULT_FILE
    shutil.copyfile(datasets.data_dir() / datasets.ADULT_FILE, path)
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    return path


def test_committed_file_has_pinned_checksum():
    assert hashlib.sha256(ADULT.read_bytes()).hexdigest() == ADULT_SHA256


def test_load_adult_shape_columns_and_labels():
    X, y = load_adult()
    assert X.shape == (32_561, 14)
    assert list(X.columns) == datasets.ADULT_FEATURES
    assert y.dtype == np.int64 and set(np.unique(y)) == {0, 1}
    assert y.sum() == 7_841  # ">50K" rows in the UCI training file
    for column in datasets.ADULT_NUMERIC:
        assert pd.api.types.is_integer_dtype(X[column])
    first = X.iloc[0]
    assert (first["age"], first["workclass"], first["education"]) == (39, "State-gov", "Bachelors")


def test_load_adult_strings_stripped_and_question_mark_kept():
    X, _ = load_adult()
    text = X.drop(columns=datasets.ADULT_NUMERIC)
    for column in text:
        values = text[column].astype(str)
        assert (values == values.str.strip()).all(), column
    assert not X.isna().any().any()
    assert (X["workclass"] == "?").sum() == 1_836
    assert (X["occupation"] == "?").sum() == 1_843
    assert (X["native-country"] == "?").sum() == 583


def test_load_adult_returns_copies():
    X, y = load_adult()
    X.loc[0, "age"] = -1
    y[0] = 99
    X2, y2 = load_adult()
    assert X2.loc[0, "age"] == 39 and y2[0] == 0


def test_missing_file(tmp_path, monkeypatch):
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(MissingDataFileError, match="not found") as info:
        load_adult()
    assert isinstance(info.value, FileNotFoundError)
    message = str(info.value)
    assert str(tmp_path / "adult.csv.gz") in message and ADULT_SHA256 in message
    assert "git checkout data/adult.csv.gz" in message


@pytest.mark.parametrize("damage", ["truncate", "flip", "empty", "recompress"])
def test_damaged_file(adult_copy, damage):
    raw = adult_copy.read_bytes()
    if damage == "truncate":
        damaged = raw[: len(raw) // 2]
    elif damage == "flip":
        damaged = bytearray(raw)
        damaged[len(raw) // 2] ^= 0xFF
        damaged = bytes(damaged)
    elif damage == "empty":
        damaged = b""
    else:  # same content, other bytes (mtime set): also refused, the checksum is on the file
        damaged = gzip.compress(gzip.decompress(raw), mtime=1)
    adult_copy.write_bytes(damaged)
    with pytest.raises(DataFileError) as info:
        load_adult()
    message = str(info.value)
    found = hashlib.sha256(damaged).hexdigest()
    assert str(adult_copy) in message
    assert f"expected {ADULT_SHA256}" in message and f"found {found}" in message
    assert "git checkout data/adult.csv.gz" in message and "make_adult.py" in message


def test_intact_copy_via_env_loads(adult_copy):
    X, y = load_adult()
    assert X.shape == (32_561, 14) and y.shape == (32_561,)


def test_data_dir_default_and_override(monkeypatch, tmp_path):
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    assert (datasets.data_dir() / "make_adult.py").exists()
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    assert datasets.data_dir() == tmp_path


@pytest.mark.parametrize(
    ("loader", "shape", "first_column"),
    [
        (datasets.load_diabetes, (442, 10), "age"),
        (datasets.load_breast_cancer, (569, 30), "mean radius"),
        (datasets.load_digits, (1797, 64), "pixel_0_0"),
    ],
)
def test_bundled_sklearn_data(loader, shape, first_column):
    X, y = loader()
    assert isinstance(X, pd.DataFrame) and isinstance(y, np.ndarray)
    assert X.shape == shape and y.shape == (shape[0],)
    assert X.columns[0] == first_column


def test_make_sparse_regression_ground_truth():
    X, y, w_true = make_sparse_regression(50, 80, 7, noise=0.0, random_state=3)
    assert X.shape == (50, 80) and y.shape == (50,) and w_true.shape == (80,)
    nonzero = w_true[w_true != 0]
    assert nonzero.size == 7
    assert np.all((np.abs(nonzero) >= 1.0) & (np.abs(nonzero) <= 2.0))
    np.testing.assert_allclose(y, X @ w_true)  # noise=0: y is exactly linear


def test_make_sparse_regression_seeded_and_noise():
    a = make_sparse_regression(random_state=1)
    b = make_sparse_regression(random_state=1)
    c = make_sparse_regression(random_state=2)
    for left, right in zip(a, b, strict=True):
        np.testing.assert_array_equal(left, right)
    assert not np.array_equal(a[2], c[2])
    X, y, w_true = make_sparse_regression(2000, 5, 2, noise=0.5, random_state=0)
    assert np.std(y - X @ w_true) == pytest.approx(0.5, rel=0.1)
    rng = np.random.default_rng(0)
    assert make_sparse_regression(random_state=rng)[0].shape == (100, 200)


@pytest.mark.parametrize(
    ("kwargs", "error", "argument"),
    [
        ({"n_samples": 0}, ValueError, "n_samples"),
        ({"n_samples": 2.5}, TypeError, "n_samples"),
        ({"n_features": 0}, ValueError, "n_features"),
        ({"n_informative": 201}, ValueError, "n_informative"),
        ({"n_informative": -1}, ValueError, "n_informative"),
        ({"noise": -0.1}, ValueError, "noise"),
        ({"noise": float("nan")}, ValueError, "noise"),
        ({"noise": "0.1"}, TypeError, "noise"),
        ({"random_state": None}, TypeError, "random_state"),
        ({"random_state": -1}, ValueError, "random_state"),
        ({"n_samples": 2**40}, ValueError, "n_samples must be <= 100,000,000"),
        ({"n_samples": 10**5, "n_features": 10**5}, ValueError, "n_samples \\* n_features must"),
        ({"n_samples": 10**5, "n_features": 10**4}, ValueError, "n_samples \\* n_features"),
        ({"n_samples": 10**400}, ValueError, "n_samples"),
        ({"noise": 10**400}, ValueError, "noise"),
        ({"n_samples": np.timedelta64(5)}, TypeError, "n_samples"),
    ],
)
def test_make_sparse_regression_bad_arguments(kwargs, error, argument):
    with pytest.raises(error, match=argument):
        make_sparse_regression(**kwargs)


def test_damage_after_a_good_load_is_still_caught(adult_copy):
    load_adult()  # parsed and cached
    adult_copy.write_bytes(adult_copy.read_bytes()[:-10])
    with pytest.raises(DataFileError, match="damaged"):
        load_adult()


def test_make_adult_gzip_step_reproduces_committed_bytes():
    # Re-compressing the committed content must give the committed bytes (mtime 0, fixed name);
    # if this fails, this zlib build compresses differently and a rebuild would not match.
    spec = importlib.util.spec_from_file_location("make_adult", ADULT.parent / "make_adult.py")
    make_adult = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(make_adult)
    raw = ADULT.read_bytes()
    assert make_adult.OUTPUT_SHA256 == ADULT_SHA256
    assert make_adult.gzip_reproducible(gzip.decompress(raw)) == raw
    header = gzip.decompress(raw).split(b"\n", 1)[0].decode()
    assert header.split(",") == datasets.ADULT_FEATURES + ["income"]


def test_installed_copy_without_data_folder_says_so(monkeypatch, tmp_path):
    # as in site-packages after a non-editable install: no data/ beside the package
    monkeypatch.delenv("COURSE_DATA_DIR", raising=False)
    monkeypatch.setattr(datasets, "data_dir", lambda: tmp_path / "data")
    with pytest.raises(MissingDataFileError, match="installed without the course's data/") as info:
        load_adult()
    assert "COURSE_DATA_DIR" in str(info.value) and ADULT_SHA256 in str(info.value)


def test_unreadable_file_is_a_data_file_error(monkeypatch, tmp_path):
    (tmp_path / "adult.csv.gz").mkdir()  # a folder where the file should be
    monkeypatch.setenv("COURSE_DATA_DIR", str(tmp_path))
    with pytest.raises(DataFileError, match="cannot be read") as info:
        load_adult()
    assert str(tmp_path / "adult.csv.gz") in str(info.value) and "make_adult.py" in str(info.value)


def _refused_before_reading(path, monkeypatch, match):
    """load_adult refuses ``path`` without opening it (a FIFO would block, /dev/zero never end)."""
    monkeypatch.setenv("COURSE_DATA_DIR", str(path.parent))
    opened = []
    real_open = open
    monkeypatch.setattr("builtins.open", lambda *a, **k: opened.append(a) or real_open(*a, **k))
    with pytest.raises(DataFileError, match=match) as info:
        load_adult()
    assert str(path) in str(info.value) and "make_adult.py" in str(info.value)
    assert not opened


def test_link_to_dev_zero_is_refused_unread(tmp_path, monkeypatch):
    (tmp_path / datasets.ADULT_FILE).symlink_to("/dev/zero")
    _refused_before_reading(tmp_path / datasets.ADULT_FILE, monkeypatch, "character device")


def test_fifo_is_refused_without_blocking(tmp_path, monkeypatch):
    os.mkfifo(tmp_path / datasets.ADULT_FILE)
    _refused_before_reading(tmp_path / datasets.ADULT_FILE, monkeypatch, "named pipe")


def test_huge_file_is_refused_unread(tmp_path, monkeypatch):
    path = tmp_path / datasets.ADULT_FILE
    with open(path, "wb") as file:
        file.truncate(6 * 2**30)  # 6 GB, sparse: no disk space used
    _refused_before_reading(path, monkeypatch, "6,442,450,944 bytes")


def test_file_at_the_size_limit_is_still_checksummed(adult_copy):
    with open(adult_copy, "r+b") as file:
        file.truncate(datasets.MAX_DATA_BYTES)
    with pytest.raises(DataFileError, match="sha256 expected"):
        load_adult()
