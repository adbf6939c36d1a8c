"""check_gradients on Python floats: a dict of floats, or the float attributes of a network object.

A blog's network keeps ``self.w1 ... self.b3`` as floats, and a learner's first check is a dict
``{"w1": 0.3, ...}``. Each float becomes a 0-d float64 array (shape ``()``) that the checker perturbs; before
each call of the learner's ``loss_fn(params)`` (and ``grads(params)``) the arrays' numbers are written back
where the learner keeps them, so their code runs on their own dict or object. Afterwards every float is put
back: the same objects, so the same bits.

For an object the floats checked are those ``grads`` names (``{"w1": ..., "b3": ...}``, or a function
returning such a dict), so a learning rate on the object is never taken for a parameter.
"""

from __future__ import annotations

import numpy as np

from shapecheck._arrays import describe, is_number
from shapecheck.errors import ParameterError, ShapeError


def holds_floats(params) -> bool:
    """A dict of numbers only, or an object (not a container, not an array) with number attributes and no
    arrays."""
    if isinstance(params, dict):        # (an array is no number: said without is_number's ABC check, ~10 us cold)
        return bool(params) and all(type(v) is not np.ndarray and is_number(v) for v in params.values())
    if isinstance(params, (list, tuple, np.ndarray)) or not hasattr(params, "__dict__") or callable(params):
        return False
    values = list(vars(params).values())
    return any(is_number(v) for v in values) and not any(isinstance(v, np.ndarray) for v in values)


def check_floats(check, loss_fn, params, grads, **options):
    """``check`` (check_gradients) on the floats of ``params``, each as a 0-d array named as the learner
    names it; ``params`` holds its own floats again afterwards."""
    is_dict = isinstance(params, dict)
    names = list(params) if is_dict else _checked_names(params, grads)
    saved = {name: (params[name] if is_dict else getattr(params, name)) for name in names}
    arrays = {str(name): np.array(float(saved[name])) for name in names}

    def push(values):
        for name in names:
            value = values[str(name)].item()
            if is_dict:
                params[name] = value
            else:
                setattr(params, name, value)

    def loss(values):
        push(values)
        return loss_fn(params)

    def gradients(values):
        push(values)
        return _as_arrays(grads(params), names, "grads(params)")

    try:
        analytic = gradients if callable(grads) else _as_arrays(grads, names, "grads")
        return check(loss, arrays, analytic, **options)
    finally:
        for name, value in saved.items():
            if is_dict:
                params[name] = value
            else:
                setattr(params, name, value)


def _checked_names(owner, grads) -> list:
    """The float attributes of ``owner`` that ``grads`` (a dict, or a function of ``owner`` returning one) names."""
    floats = [name for name, value in vars(owner).items() if is_number(value)]
    given = grads(owner) if callable(grads) else grads
    if not isinstance(given, dict):
        raise ParameterError(f"params is a {type(owner).__name__} whose floats ({', '.join(floats)}) are its "
                             f"parameters; grads must be a dict naming them ({{'{floats[0]}': ...}}) or a function "
                             f"returning one, got {describe(given)}", name="grads", expected="a dict of floats",
                             got=type(given).__name__)
    unknown = [name for name in given if name not in floats]
    if unknown:
        raise ParameterError(f"grads names {', '.join(map(str, unknown))}, which {type(owner).__name__} does not hold "
                             f"as a float; its floats are {', '.join(floats)}", name="grads", expected=floats,
                             got=list(given))
    return [name for name in floats if name in given]


def _as_arrays(given, names, what) -> dict:
    """The learner's gradients of the floats ``names`` (a dict of numbers) as 0-d float64 arrays."""
    if not isinstance(given, dict):
        raise ShapeError(f"{what} must be a dict of floats keyed like params ({', '.join(map(str, names))}), got "
                         f"{describe(given)}", name="grads", expected="a dict of floats", got=type(given).__name__)
    out = {}
    for name in given:
        value = given[name]
        if np.size(value) != 1 or not is_number(np.asarray(value).ravel()[0].item()):
            raise ShapeError(f"{what}[{name!r}] is {describe(value)}; the gradient of a float is one number",
                             name=str(name), expected="a float", got=describe(value))
        out[str(name)] = np.array(float(np.asarray(value).ravel()[0]))
    return out
