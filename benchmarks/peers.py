"""torch's and jax's gradient checkers, run at their defaults on the cases our checker sees.

A case is ``loss(params) -> float`` written in plain numpy, ``params`` a dict of numpy arrays (say
{"W1": (d, h), "W2": (h, t)}, float64 or float32) and ``grads`` a dict of numpy arrays of the same
shapes: a hand-written gradient of ``loss`` at ``params``, possibly wrong. Neither peer can
differentiate numpy code, so each is handed a function whose value is ``loss`` and whose backward pass
returns ``grads``; the peer then judges ``grads`` against its own finite differences, with its own
default step sizes and tolerances (nothing is tuned here).

    torch_verdict(loss, params, grads, mode)   # torch.autograd.gradcheck, fast_mode for "fast"
    jax_verdict(loss, params, grads, mode)     # jax.test_util.check_grads(order=1, modes=("rev",))

Both give True (accepted), False (rejected) or None (mode "sample": no counterpart). torch and jax are
imported only when asked for, so this module imports without them.
"""

from __future__ import annotations

import warnings
from typing import Callable

import numpy as np

Loss = Callable[[dict], float]
MODES = ("full", "fast", "sample")


def available() -> dict[str, str]:
    """{"torch": version, "jax": version} for the peers importable here (missing ones left out)."""
    found = {}
    for name in ("torch", "jax"):
        try:
            found[name] = __import__(name).__version__
        except ImportError:
            pass
    return found


def _check_mode(mode: str) -> bool:
    """Whether the peers have a counterpart for ``mode`` ("full", "fast": yes; "sample": no)."""
    if mode not in MODES:
        raise ValueError(f"mode must be one of {MODES}, not {mode!r}")
    return mode != "sample"


def torch_verdict(loss: Loss, params: dict, grads: dict, mode: str) -> bool | None:
    """True when torch.autograd.gradcheck (its own default eps/atol/rtol) accepts ``grads`` as the
    gradient of ``loss`` at ``params``; False when it rejects; None when the mode has no torch counterpart.

    mode "full" -> gradcheck(..., fast_mode=False) (two loss calls per entry); "fast" -> fast_mode=True
    (one random projection); "sample" -> None. When fast mode fails, torch reruns the slow mode only to
    word its error message (minutes on a 90,000-entry tensor); that rerun is skipped here, which leaves
    the verdict as it is. Each array of ``params`` (any shape) is passed as its own
    tensor in its own dtype; float32 stays float32 (gradcheck's warning about non-double inputs is
    silenced). The loss value is returned as a 0-d tensor of the params' common dtype. Errors other than
    a rejected gradient (a failing loss, say) propagate.
    """
    if not _check_mode(mode):
        return None
    import torch

    names = list(params)
    inputs = tuple(torch.tensor(np.asarray(params[n]), requires_grad=True) for n in names)
    dtypes = [t.dtype for t in inputs]
    out_dtype = np.result_type(*(np.asarray(params[n]).dtype for n in names))

    class Loss(torch.autograd.Function):
        @staticmethod
        def forward(ctx, *tensors):
            value = loss({n: t.detach().numpy() for n, t in zip(names, tensors)})
            return torch.tensor(np.asarray(value, dtype=out_dtype))  # shape ()

        @staticmethod
        def backward(ctx, grad_output):  # grad_output: shape ()
            return tuple(grad_output.to(dt) * torch.from_numpy(np.ascontiguousarray(grads[n])).to(dt)
                         for n, dt in zip(names, dtypes))

    from unittest import mock

    with warnings.catch_warnings(), mock.patch("torch.autograd.gradcheck._run_slow_mode_and_get_error",
                                               return_value=""):
        warnings.filterwarnings("ignore", message=".*not a double precision", category=UserWarning)
        return bool(torch.autograd.gradcheck(Loss.apply, inputs, raise_exception=False,
                                             fast_mode=(mode == "fast")))


def jax_verdict(loss: Loss, params: dict, grads: dict, mode: str) -> bool | None:
    """True when jax.test_util.check_grads(f, args, order=1, modes=("rev",)) with its default tolerances
    accepts ``grads`` as the gradient of ``loss`` at ``params``; False when it raises AssertionError.

    check_grads compares one random projection of the VJP with a central difference (eps 1e-4) along one
    random direction, so it serves for both "full" and "fast"; "sample" -> None. Its directions come from
    its own np.random.RandomState(0), so verdicts are reproducible. Turns on jax_enable_x64 (process-wide)
    so float64 params stay float64; float32 stay float32. The loss value has shape () and the params'
    common dtype.
    """
    if not _check_mode(mode):
        return None
    import jax
    import jax.numpy as jnp
    from jax.test_util import check_grads

    jax.config.update("jax_enable_x64", True)
    names = list(params)
    dtypes = [np.asarray(params[n]).dtype for n in names]
    out_dtype = np.result_type(*dtypes)

    def numpy_loss(*arrays):
        value = loss({n: np.asarray(a) for n, a in zip(names, arrays)})
        return np.asarray(value, dtype=out_dtype)

    @jax.custom_vjp
    def f(*arrays):
        return jax.pure_callback(numpy_loss, jax.ShapeDtypeStruct((), out_dtype), *arrays)

    def f_fwd(*arrays):
        return f(*arrays), None

    def f_bwd(_, cotangent):  # cotangent: shape ()
        return tuple(cotangent.astype(dt) * jnp.asarray(grads[n], dtype=dt) for n, dt in zip(names, dtypes))

    f.defvjp(f_fwd, f_bwd)
    args = tuple(jnp.asarray(params[n]) for n in names)
    try:
        check_grads(f, args, order=1, modes=("rev",))
    except AssertionError:
        return False
    return True
