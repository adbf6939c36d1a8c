"""Compare a learner's backprop with the reference network and name the bug."""
