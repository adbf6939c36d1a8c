"""One array operation repeated N times: the tracer's memory must not grow with N."""
import sys

import numpy as np

a, b = np.ones((3, 2)), np.ones((1, 2))
for _ in range(int(sys.argv[1])):
    c = a + b
