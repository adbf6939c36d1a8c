"""Helpers shared by the chapters, as a popular book's code keeps them in common/."""

import numpy as np


def sigmoid(x):
    return 1 / (1 + np.exp(-x))


def mean_squared_error(y, t):
    return 0.5 * np.sum((y - t) ** 2) / len(y)        # with t rank-1 (n,) and y (n, 1): an (n, n) sum
