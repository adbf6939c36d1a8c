"""The traced numpy call, ``@sc_call(site, np.sum, x, axis=0)``, and ``.T``: closures over one tracer's tables.

A learner's loop calls the same numpy function at the same site with the same shapes and options again and
again (``np.sum(dZ, axis=0, keepdims=True)``). The tracer remembers that signature per site (``latest``:
site -> (function, name, shape, options, record), see ``Tracer.remember_call``); a repeat is then counted
after an identity test and two comparisons. Written as a closure holding the tables and the tracer's
methods as its own variables, not as a bound method reading them through ``self``, a repeated
``np.sum`` call costs about 170 ns more than numpy's own instead of 830 ns (``/tmp``-style microbenchmark,
200,000 calls): a tenth of the tracer's overhead on a tiny-array training loop.
"""

from __future__ import annotations

import numpy as np

from shapecheck.tracing.faults import mark_as_learners


def make_call(tracer):
    """The ``@sc_call`` function of ``tracer``: runs ``function(*args, **kwargs)`` and records it."""
    latest, ndarray = tracer.latest, np.ndarray
    call_anew, failed, recount = tracer.call_anew, tracer.failed, tracer.recount_call

    def traced_call(site, function, *args, **kwargs):
        __tracebackhide__ = True        # IPython and pytest leave this frame out of the learner's traceback
        seen = latest.get(site)
        if seen is None or seen[0] is not function:
            return call_anew(site, function, args, kwargs)
        # the numpy function this site called last time, a one-array call (np.sum, reshape)
        try:
            result = function(*args, **kwargs)
        except Exception as exc:
            mark_as_learners(exc)
            failed(site, None, exc, seen[1], call=(None, args, kwargs))
            raise
        try:
            if type(args[0]) is ndarray and args[0].shape == seen[2] and kwargs == seen[3]:
                seen[4].count += 1
                return result
        except Exception:  # noqa: BLE001 - no arguments now, an option that does not compare: recorded below
            pass
        return recount(site, function, seen[1], args, kwargs, result)

    return traced_call


def make_transpose(tracer):
    """The ``@sc_T`` function of ``tracer``: ``value.T``, counted in one lookup when its site has seen that
    shape before (a closure for the reason in the module's docstring)."""
    records, transpose_anew = tracer.records, tracer.transpose_anew

    def traced_transpose(site, value):
        __tracebackhide__ = True
        try:
            result = value.T
        except Exception as exc:
            mark_as_learners(exc)
            raise
        try:
            records[(site, value.shape)].count += 1
            return result
        except Exception:  # noqa: BLE001 - new here, or no .shape: recorded by the tracer
            pass
        return transpose_anew(site, value, result)

    return traced_transpose
