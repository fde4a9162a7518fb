"""Exercises for notebook 08, past one machine: two transfer questions on the bytes that rows
sharded and features sharded move between processes, on clusters the notebook did not run."""

from ._engine import MultipleChoice, Value

_WORKERS, _WORKER_NONZEROS, _AVERAGE_NONZEROS = 8, 600, 1500
_PAIR = 4 + 8  # an int32 index and a float64 value
_UP = _WORKERS * _WORKER_NONZEROS * _PAIR
_DOWN = _WORKERS * _AVERAGE_NONZEROS * _PAIR

q1 = Value(
    prompt="Rows sharded over 8 workers. Each round, every worker sends its non-zero weights "
    "to the mixer as int32 indices and float64 values (12 bytes per weight), and the mixer "
    "sends the averaged model back to every worker in the same form. Every worker has 600 "
    "non-zero weights and the average has 1,500 (the union of their supports). Headers and "
    "intercepts aside, how many bytes move between processes per round?",
    answer=_UP + _DOWN,
    mistakes=[
        (_UP, "That is only what the workers send up; the average goes back down to each of "
              "the 8 workers too."),
        (_DOWN, "That is only the way down; add what the 8 workers send up."),
        (_UP + _AVERAGE_NONZEROS * _PAIR, "The averaged model goes to every worker, not "
                                          "once."),
        (_WORKERS * (_WORKER_NONZEROS + _AVERAGE_NONZEROS) * 8,
         "That counts the values only: each weight also needs its 4-byte index."),
        ((_WORKER_NONZEROS + _AVERAGE_NONZEROS) * _PAIR,
         "That is one worker's share; there are 8 workers."),
        (_WORKERS * _WORKER_NONZEROS * _PAIR * 2,
         "The average has 1,500 non-zero weights, not 600: it keeps every weight that any "
         "worker has."),
    ],
    hints=["Up: 8 messages of 600 weights. Down: 8 messages of 1,500 weights.",
           "Each weight costs 4 + 8 = 12 bytes: `8 * 600 * 12 + 8 * 1500 * 12`."],
    solution="answer = 8 * 600 * 12 + 8 * 1500 * 12   # up + down = 201,600 bytes",
)

q2 = MultipleChoice(
    prompt="A parameter server shards the features over servers; a worker, for each batch of "
    "rows, pulls the current weights of the features in its batch (a server sends only the "
    "non-zero ones: a missing weight is 0), computes $p - y$ for each row, and pushes the "
    "gradients $g_i = \\sum (p - y)\\, x_i$ back to the servers. Training with a strong L1 "
    "penalty, which messages shrink?",
    options={
        "a": ("Both the pulls and the pushes",
              "The pulls shrink, but the gradient of a feature whose weight is zero is "
              "$\\sum (p - y)\\, x_i$, not zero: its $z_i$ must still learn."),
        "b": ("Only the pushes: zero weights have zero gradients",
              "A zero $w_i$ does not make $g_i = \\sum (p - y)\\, x_i$ zero: a zero weight "
              "is exactly the case where $z_i$ still has to be updated."),
        "c": ("Only the pulls of the weights",
              "A zero weight need not be sent, as in the rows-sharded messages of this "
              "notebook, but every feature in the batch gets a gradient, zero weight or not."),
        "d": ("Neither: the messages scale with the batch",
              "That is true of the features-sharded partial sums of this notebook (one number "
              "per row), not of messages that carry weights."),
    },
    answer="c",
    hints=["Which messages carry weights, and which carry gradients?",
           "Is $g_i = \\sum (p - y)\\, x_i$ zero when $w_i$ is zero?"],
)
