"""Issue 12's learner corpus: seven public styles of hand-written numpy backprop, each correct and with
planted bugs, each module exposing ``BUGS``, ``make(bug)``, ``own_loss(kwargs)``, ``own_gradients(kwargs)``
and ``CACHING``. See tests/shapecheck/test_compare_corpus.py."""

from . import (
          cs231n_l2,
          dense_layers,
          folded_eta,
          globals_dict,
          ng_dict_caches,
          nielsen_lists,
          rashid_no_bias,
)

STYLES = {module.__name__.rsplit(".", 1)[-1]: module
          for module in (nielsen_lists, rashid_no_bias, globals_dict, cs231n_l2, ng_dict_caches, dense_layers,
                         folded_eta)}
