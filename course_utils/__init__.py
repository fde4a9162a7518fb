"""course_utils: the small library behind the course "Regularization for Sparsity".

Modules, one concept each:

- ``penalties``: L0, L1 and L2 penalties, their (sub)gradients and prox operators
- ``solvers``: Lasso, ridge, elastic net, L1 logistic regression, L0 solvers, online L1
- ``features``: one-hot encoding, bucketizing, feature crosses, hashing (sparse CSR output)
- ``hashing``: hashed one-hot features and crosses, fast enough for a stream of chunks
- ``inclusion``: probabilistic feature inclusion (Poisson, counting Bloom filter)
- ``measure``: non-zeros, sparsity, bytes a model needs, support recovery
- ``decay``: the "Zeno" experiments, exact about floating point
- ``datasets``: the course's offline data, checksums verified
- ``plotting``: the course's figures in one colour-blind-safe style
- ``exercises``: self-checking exercises, one module per notebook
"""

__version__ = "0.1.0"
