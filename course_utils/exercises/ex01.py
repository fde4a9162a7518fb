"""Exercises for notebook 01, sparse vectors and feature crosses."""

from ._engine import Function, MultipleChoice, Value


def _csr_bytes(nnz, n_rows, value_bytes, index_bytes):
    # data and indices hold one entry per non-zero; indptr one per row, plus the end
    return nnz * (value_bytes + index_bytes) + (n_rows + 1) * index_bytes


q1 = Function(
    prompt=(
        "Write `csr_bytes(nnz, n_rows, value_bytes, index_bytes)`: the bytes of the three "
        "CSR arrays (`data`, `indices`, `indptr`) of a matrix with `nnz` non-zeros and "
        "`n_rows` rows, when each value takes `value_bytes` bytes and each entry of "
        "`indices` and `indptr` takes `index_bytes` bytes."
    ),
    answer=_csr_bytes,
    cases=[
        (260_488, 32_561, 8, 4),  # Adult's one-hot matrix
        (3, 3, 8, 4),
        (0, 5, 8, 4),  # an all-zero matrix still has its indptr
        (0, 0, 8, 4),  # the empty matrix: indptr still holds its one entry
        (10, 2, 4, 8),  # float32 values, int64 indices
        (10**11, 10**9, 8, 8),  # a billion rows: int64 indices
    ],
    mistakes=[
        (
            lambda nnz, n_rows, value_bytes, index_bytes: nnz * (value_bytes + index_bytes),
            "You counted data and indices but not indptr, the array of row starts: it has "
            "n_rows + 1 entries of index_bytes each, even when the matrix has no non-zeros.",
        ),
        (
            lambda nnz, n_rows, value_bytes, index_bytes: nnz * (value_bytes + index_bytes)
            + n_rows * index_bytes,
            "Almost: indptr has n_rows + 1 entries, one start per row plus the end of the last "
            "row (print `X_pets.indptr` above: 6 rows, 7 entries), so even a matrix with no "
            "rows has one.",
        ),
        (
            lambda nnz, n_rows, value_bytes, index_bytes: nnz * value_bytes
            + (n_rows + 1) * index_bytes,
            "You left out indices: every non-zero also stores its column number "
            "(index_bytes each), next to its value.",
        ),
        (
            lambda nnz, n_rows, value_bytes, index_bytes: nnz * (value_bytes + index_bytes)
            + (n_rows + 1) * value_bytes,
            "`indptr` holds positions, not values: its entries take index_bytes each, "
            "not value_bytes.",
        ),
    ],
    hints=[
        "Add up the three arrays: data (one value per non-zero), indices (one column number "
        "per non-zero) and indptr (one start per row, plus one final entry).",
        "data: `nnz * value_bytes`; indices: `nnz * index_bytes`; indptr: "
        "`(n_rows + 1) * index_bytes`.",
    ],
    solution=(
        "def csr_bytes(nnz, n_rows, value_bytes, index_bytes):\n"
        "    return nnz * (value_bytes + index_bytes) + (n_rows + 1) * index_bytes"
    ),
)


q2 = Value(
    prompt=(
        "Cross education x occupation x sex of the Adult data (`X_adult`) with "
        "`features.cross`: how many columns does it return?"
    ),
    answer=393,
    atol=0,
    mistakes=[
        (
            480,
            "480 = 16 x 15 x 2 is the product of the cardinalities: the combinations that could "
            "occur. features.cross keeps only those that occur; count its columns (shape[1]).",
        ),
        (
            217,
            "217 is the two-way cross education x occupation; include sex as a third column.",
        ),
        (
            32_561,
            "That is the number of rows (shape[0]); the cross's dimension is its number of "
            "columns, shape[1].",
        ),
    ],
    hints=[
        "`X_eos, names = features.cross(X_adult, [\"education\", \"occupation\", \"sex\"])` "
        "crosses the three columns.",
        "The number of columns is `X_eos.shape[1]` (or `len(names)`).",
    ],
    solution=(
        'X_eos, _ = features.cross(X_adult, ["education", "occupation", "sex"])\n'
        "answer = X_eos.shape[1]"
    ),
)


# Measured with features.collision_rate on the 217 observed pairs: 52 of them share a bucket.
_Q3_ANSWER = 52 / 217

q3 = Value(
    prompt=(
        "Hash the cross education x occupation into 1,024 buckets: what fraction (between "
        "0 and 1) of its observed combinations collide, that is share their bucket with "
        "another combination? Measure it on the data, as above; do not use the formula. "
        "Give 4 significant digits."
    ),
    answer=_Q3_ANSWER,
    mistakes=[
        (
            100 * _Q3_ANSWER,
            "That looks like a percentage; give the fraction, a number between 0 and 1.",
        ),
        (
            52,
            "52 is the number of colliding combinations; the question asks for their fraction: "
            "divide by the 217 observed combinations.",
        ),
        (
            52 / 1024,
            "That divides the 52 colliding combinations by the 1,024 buckets; the fraction is "
            "of the 217 observed combinations.",
        ),
        (
            1 - (1 - 1 / 1024) ** 216,
            "That is the formula's prediction for 217 combinations hashed at random. The "
            "question asks what the real hash does: measure it with features.collision_rate.",
        ),
        (
            1304 / 1607,
            "That is the three-way cross (with age). Use the names of the two-way cross "
            "education x occupation.",
        ),
        (
            0.0,
            "No collision at all: did you hash the one-hot names of each column on its own "
            "(31 names)? Hash the names of the cross, e.g. 'education=Bachelors & "
            "occupation=Sales', 217 of them.",
        ),
    ],
    hints=[
        'Get the names of the cross: `_, pair_names = features.cross(table, ["education", '
        '"occupation"])`.',
        "`features.collision_rate(pair_names, 1024)` returns the fraction directly.",
    ],
    solution=(
        '_, pair_names = features.cross(table, ["education", "occupation"])\n'
        "answer = features.collision_rate(pair_names, 1024)"
    ),
)


q4 = MultipleChoice(
    prompt=(
        "You hash a cross into 256 buckets instead of 65,536. What changes for a linear model "
        "trained on the hashed column?"
    ),
    options={
        "a": (
            "Nothing: the hash function is deterministic, so each combination keeps its own "
            "weight",
            "Deterministic means the same text always lands in the same bucket, not that two "
            "texts never share one. With fewer buckets, more combinations share a bucket.",
        ),
        "b": (
            "Fewer combinations collide, because there are fewer buckets to choose from",
            "It is the other way round: fewer buckets means each holds more combinations on "
            "average, so collisions become more frequent.",
        ),
        "c": (
            "Each row gets more non-zeros, because collisions add extra ones",
            "A row still has one non-zero per hashed column; a collision changes which weight "
            "it shares, not how many entries are non-zero.",
        ),
        "d": (
            "The model has fewer weights, and more combinations are forced to share a weight",
            "The width is the bucket count, so the model shrinks 256-fold, and the "
            "collision probability 1 - (1 - 1/m)**(K - 1) grows as m shrinks.",
        ),
    },
    answer="d",
    hints=["Look at the collision table of section 6 as the bucket count shrinks."],
)


q5 = MultipleChoice(
    prompt=(
        "A linear model has 1,000,000 weights, of which 990,000 are exactly zero. A row has 40 "
        "non-zero features. With both the row and the weights stored sparsely, at most how many "
        "multiplications does the row's score need?"
    ),
    options={
        "a": (
            "1,000,000",
            "That is a dense dot product, one multiplication per column, zero or not.",
        ),
        "b": (
            "10,000",
            "10,000 is the number of non-zero weights; but only those of features present in "
            "this row are used.",
        ),
        "c": (
            "40",
            "Only the row's 40 non-zero features can contribute, and any of them with a "
            "zero weight is skipped too, so 40 is the most it can take.",
        ),
        "d": (
            "0, because almost all weights are zero",
            "99% of the weights are zero, but the row's features may well hit some of the "
            "10,000 non-zero ones; each such hit costs one multiplication.",
        ),
    },
    answer="c",
    hints=["Only terms with x_j != 0 and w_j != 0 cost anything. Which set is smaller here?"],
)


q6 = MultipleChoice(
    prompt=(
        "A matrix stores float64 values; its CSR form uses int32 indices. Ignoring the small "
        "indptr array, when does CSR take MORE bytes than the dense array?"
    ),
    options={
        "a": (
            "When over 2/3 of the entries are non-zero",
            "CSR costs 12 bytes per non-zero and dense 8 bytes per entry, so CSR is "
            "larger once the density exceeds 8 / 12 = 2/3.",
        ),
        "b": (
            "Never: CSR always saves memory",
            "CSR pays 12 bytes per non-zero (8 for the value, 4 for its column) while dense pays "
            "8 per entry, so a matrix that is mostly non-zero costs more in CSR.",
        ),
        "c": (
            "When the matrix has more rows than columns",
            "The shape alone does not decide it; the fraction of non-zeros does (indptr, one "
            "entry per row, is small next to the values).",
        ),
        "d": (
            "When the values are not all 0 or 1",
            "CSR stores any value; a one-hot matrix just happens to hold only ones. The cost "
            "depends on how many entries are non-zero, not on what they are.",
        ),
    },
    answer="a",
    hints=["Compare the bytes per non-zero in CSR with the bytes per entry in dense storage."],
)


# q7, transfer: the CSR arithmetic of section 3 on a matrix the notebook did not build.
_BOW_ROWS, _BOW_COLUMNS, _BOW_WORDS = 1_000_000, 50_000, 30


def _bow_ratio(value_bytes=8, index_bytes=4, indptr=True):
    nnz = _BOW_ROWS * _BOW_WORDS
    dense = _BOW_ROWS * _BOW_COLUMNS * value_bytes
    csr = nnz * (value_bytes + index_bytes) + indptr * (_BOW_ROWS + 1) * index_bytes
    return dense / csr


q7 = Value(
    prompt=(
        "A bag-of-words matrix has 1,000,000 documents (rows), a vocabulary of 50,000 "
        "words (columns) and 30 distinct words per document on average. Predict first: is "
        "CSR about 10, 100 or 1,000 times smaller than the dense float64 array? Then "
        "compute how many times smaller CSR (float64 values, int32 `indices` and `indptr`) "
        "is, with the CSR byte count of section 3 (or your `csr_bytes`). Give 4 "
        "significant digits."
    ),
    answer=_bow_ratio(),
    predicted=[10, 100, 1000],  # the "predict first" choices of the prompt
    mistakes=[
        (
            _bow_ratio(indptr=False),
            "Almost: you left out indptr, one int32 per row plus one. With a million rows it "
            "is 4 MB, enough to change the 4th digit.",
        ),
        (
            _bow_ratio(index_bytes=8),
            "That uses int64 indices (8 bytes); the question says int32, 4 bytes per index.",
        ),
        (
            1 / _bow_ratio(),
            "That is CSR divided by dense; the question asks how many times smaller CSR is: "
            "dense bytes / CSR bytes.",
        ),
        (
            _BOW_COLUMNS / _BOW_WORDS,
            "That counts entries only (50,000 / 30). CSR pays 12 bytes per non-zero (value and "
            "index), dense 8 per entry, plus indptr.",
        ),
    ],
    hints=[
        "Dense: rows x columns x 8 bytes. The matrix has rows x 30 non-zeros.",
        "CSR: `nnz * (8 + 4) + (n_rows + 1) * 4` bytes, your `csr_bytes(nnz, n_rows, 8, 4)` of "
        "exercise 1.",
    ],
    solution=(
        "n_rows, n_columns = 1_000_000, 50_000\n"
        "nnz = n_rows * 30\n"
        "answer = n_rows * n_columns * 8 / (nnz * (8 + 4) + (n_rows + 1) * 4)"
    ),
)
