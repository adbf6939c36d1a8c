"""torch tensors and jax arrays (issue 26 item 2): their shape errors explained as numpy's are.

Learner scripts in the habit of manual backprop (gradients written by hand, sizes n=7, d=5, h=3, t=2 all
different), traced (each in a fresh interpreter); each fix offered first is applied to a copy and run (``fix_harness.audit_program``),
its GRADS compared with those of the line marked ``# correct:``. torch and jax are optional: the tests
that run them are skipped where they are not installed; the recognition of their messages always runs.
"""

from __future__ import annotations

import importlib.util
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

from shapecheck.tracing.explain import classify, looks_like_a_shape_error
from shapecheck.tracing.frameworks import framework_kind
from tests.shapecheck import fix_harness

TORCH_MLP = '''
import torch

torch.manual_seed(0)
n, d, h, t = 7, 5, 3, 2
X = torch.randn(n, d)
Y = torch.randn(n, t)
W1 = torch.randn(d, h) * 0.1
b1 = torch.zeros(1, h)
W2 = torch.randn(h, t) * 0.1
b2 = torch.zeros(1, t)

for step in range(3):
    hpre = X @ W1 + b1
    hact = torch.tanh(hpre)
    logits = hact @ W2 + b2
    dlogits = 2 * (logits - Y) / n
    dW2 = hact.T @ dlogits
    db2 = dlogits.sum(0, keepdim=True)
    dh = DH
    dhpre = dh * (1 - hact ** 2)
    dW1 = X.T @ dhpre
    db1 = dhpre.sum(0, keepdim=True)
    W1 -= 0.1 * dW1
    b1 -= 0.1 * db1
    W2 -= 0.1 * dW2
    b2 -= 0.1 * db2
GRADS = {"W1": dW1.numpy(), "b1": db1.numpy(), "W2": dW2.numpy(), "b2": db2.numpy()}
'''

JAX_MLP = '''
import jax
import jax.numpy as jnp

key1, key2, key3, key4 = jax.random.split(jax.random.PRNGKey(0), 4)
n, d, h, t = 7, 5, 3, 2
X = jax.random.normal(key1, (n, d))
Y = jax.random.normal(key2, (n, t))
W1 = jax.random.normal(key3, (d, h)) * 0.1
b1 = jnp.zeros((1, h))
W2 = jax.random.normal(key4, (h, t)) * 0.1
b2 = jnp.zeros((1, t))

for step in range(3):
    hpre = X @ W1 + b1
    hact = jnp.tanh(hpre)
    logits = hact @ W2 + b2
    dlogits = 2 * (logits - Y) / n
    dW2 = hact.T @ dlogits
    db2 = jnp.sum(dlogits, axis=0, keepdims=True)
    dh = DH
    dhpre = dh * (1 - hact ** 2)
    dW1 = X.T @ dhpre
    db1 = jnp.sum(dhpre, axis=0, keepdims=True)
    W1 = W1 - 0.1 * dW1
    b1 = b1 - 0.1 * db1
    W2 = W2 - 0.1 * dW2
    b2 = b2 - 0.1 * db2
GRADS = {"W1": dW1, "b1": db1, "W2": dW2, "b2": db2}
'''


ROOT = Path(__file__).resolve().parents[2]


def _isolated(framework, case, tmp_path, *args):
    """Run ``case(tmp_path, *args)`` of this module in a fresh interpreter: an imported jax makes every later
    os.fork of the test run warn (an error under the suite's filterwarnings), and torch is heavy to keep."""
    if importlib.util.find_spec(framework) is None:
        pytest.skip(f"{framework} is not installed")
    code = ("import sys; from pathlib import Path; from tests.shapecheck import test_trace_frameworks as t; "
            f"t.{case}(Path(sys.argv[1]), *sys.argv[2:])")
    done = subprocess.run([sys.executable, "-c", code, str(tmp_path), *args], cwd=ROOT, capture_output=True,
                          text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr


def _script(tmp_path, text, name="learner.py"):
    path = tmp_path / name
    path.write_text(textwrap.dedent(text).lstrip())
    return path


def _line_of(path, text):
    return next(i for i, line in enumerate(path.read_text().splitlines(), 1) if text in line)


def _check_first_fix(path):
    outcomes = fix_harness.audit_program(path)
    assert outcomes, "no fix was offered"
    assert outcomes[0].verdict == "right", outcomes[0]
    return outcomes


# -- the messages, without the frameworks ----------------------------------------------------------------

@pytest.mark.parametrize(("exception", "op", "kind"), [
    (RuntimeError("mat1 and mat2 shapes cannot be multiplied (32x27 and 64x27)"), "@", "matmul"),
    (RuntimeError("The size of tensor a (3) must match the size of tensor b (7) at non-singleton dimension 1"),
     "+", "broadcast"),
    (RuntimeError("The size of tensor a (3) must match the size of tensor b (7) at non-singleton dimension 0"),
     "-=", "inplace-broadcast"),
    (RuntimeError("output with shape [3, 1] doesn't match the broadcast shape [3, 7]"), "-=", "inplace-broadcast"),
    (RuntimeError("size mismatch, got input (3), mat (3x5), vec (7)"), "matmul", "matmul"),
    (RuntimeError("shape '[2, 5]' is invalid for input of size 21"), "reshape", "reshape"),
    (RuntimeError("Expected size for first two dimensions of batch2 tensor to be: [4, 5] but got: [4, 7]."),
     "matmul", "matmul"),
    (TypeError("dot_general requires contracting dimensions to have the same shape, got (3,) and (7,)."),
     "@", "matmul"),
    (ValueError("Incompatible shapes for broadcasting: shapes=[(5, 3), (5, 7)]"), "+", "broadcast"),
    (TypeError("add got incompatible shapes for broadcasting: (7, 3), (3, 1)."), "+", "broadcast"),
    (TypeError("cannot reshape array of shape (7,) (size 7) into shape (2, 5)"), "reshape", "reshape"),
])
def test_torch_and_jax_messages_are_shape_errors(exception, op, kind):
    assert looks_like_a_shape_error(exception)
    assert classify(op, exception) == kind


def test_other_framework_errors_are_not_shape_errors():
    for exception in (RuntimeError("CUDA out of memory"), TypeError("unsupported operand type(s) for +"),
                      RuntimeError("element 0 of tensors does not require grad")):
        assert not looks_like_a_shape_error(exception) and framework_kind(exception) is None
    # a torch product error at an elementwise operator is not a product of its operands: not explained so
    assert classify("+", RuntimeError("mat1 and mat2 shapes cannot be multiplied (2x3 and 4x5)")) is None


def test_shapecheck_never_imports_the_frameworks():
    code = ("import sys, shapecheck, shapecheck.tracing.explain, shapecheck.tracing.runtime, "
            "shapecheck.tracing.safe_eval; print(any(m.split('.')[0] in ('torch', 'jax') for m in sys.modules))")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True).stdout.strip() \
        == "False"


# -- torch ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["dlogits @ W2", "torch.matmul(dlogits, W2)", "dlogits.mm(W2)"])
def test_torch_forgotten_transpose_in_manual_backprop(tmp_path, written):
    _isolated("torch", "_case_torch_forgotten_transpose_in_manual_backprop", tmp_path, written)


def _case_torch_forgotten_transpose_in_manual_backprop(tmp_path, written):
    path = _script(tmp_path, TORCH_MLP.replace("DH", f"{written}  # correct: dlogits @ W2.T"))
    report = fix_harness.trace_quietly(path)
    error = report.error
    assert error is not None and error["kind"] == "matmul"
    assert error["line"] == _line_of(path, "dh = ")
    assert [(o["expr"], tuple(o["shape"])) for o in error["operands"]] == [("dlogits", (7, 2)), ("W2", (3, 2))]
    assert error["fixes"][0].startswith("`dlogits @ W2.T` gives (7, 3); checked on this run")
    assert "got its shape at line 9: W2 = torch.randn(h, t) * 0.1" in error["explanation"]
    _check_first_fix(path)


def test_torch_bias_broadcast_error(tmp_path):
    _isolated("torch", "_case_torch_bias_broadcast_error", tmp_path)


def _case_torch_bias_broadcast_error(tmp_path):
    source = TORCH_MLP.replace("DH", "dlogits @ W2.T").replace("b1 = torch.zeros(1, h)", "b1 = torch.zeros(h, 1)")
    source = source.replace("hpre = X @ W1 + b1", "hpre = X @ W1 + b1  # correct: X @ W1 + b1.T")
    source = source.replace("b1 -= 0.1 * db1", "b1 -= 0.1 * db1.T")
    path = _script(tmp_path, source)
    error = fix_harness.trace_quietly(path).error
    assert error is not None and error["kind"] == "broadcast"
    assert error["line"] == _line_of(path, "hpre = ")
    assert [(o["expr"], tuple(o["shape"])) for o in error["operands"]] == [("X @ W1", (7, 3)), ("b1", (3, 1))]
    assert error["fixes"][0].startswith("`X @ W1 + b1.T` gives (7, 3); checked on this run")
    _check_first_fix(path)


def test_torch_update_of_another_shape_says_keepdim(tmp_path):
    _isolated("torch", "_case_torch_update_of_another_shape_says_keepdim", tmp_path)


def _case_torch_update_of_another_shape_says_keepdim(tmp_path):
    source = TORCH_MLP.replace("DH", "dlogits @ W2.T").replace("b1 = torch.zeros(1, h)", "b1 = torch.zeros(h, 1)")
    source = source.replace("hpre = X @ W1 + b1", "hpre = X @ W1 + b1.T")
    path = _script(tmp_path, source)
    error = fix_harness.trace_quietly(path).error
    assert error is not None and error["kind"] == "inplace-broadcast"
    assert error["line"] == _line_of(path, "b1 -= ")
    assert error["fixes"] and "keepdims" not in " ".join(error["fixes"])


def test_torch_view_of_the_wrong_size(tmp_path):
    _isolated("torch", "_case_torch_view_of_the_wrong_size", tmp_path)


def _case_torch_view_of_the_wrong_size(tmp_path):
    path = _script(tmp_path, TORCH_MLP.replace("DH", "dlogits @ W2.T").replace(
        "dhpre = dh * (1 - hact ** 2)", "dhpre = dh * (1 - hact ** 2)\n    flat = dhpre.view(2, 5)"))
    error = fix_harness.trace_quietly(path).error
    assert error is not None and error["kind"] == "reshape"
    assert error["line"] == _line_of(path, "flat = ")
    assert [(o["expr"], tuple(o["shape"])) for o in error["operands"]] == [("dhpre", (7, 3))]


def test_a_correct_torch_program_checked_against_autograd(tmp_path):
    _isolated("torch", "_case_a_correct_torch_program_checked_against_autograd", tmp_path)


def _case_a_correct_torch_program_checked_against_autograd(tmp_path):
    source = TORCH_MLP.replace("DH", "dlogits @ W2.T") + '''
W1.requires_grad_(True)
W2.requires_grad_(True)
loss = ((torch.tanh(X @ W1 + b1) @ W2 + b2 - Y) ** 2).sum() / n
loss.backward()
hact = torch.tanh(X @ W1 + b1)
dlogits = 2 * (hact @ W2 + b2 - Y) / n
assert torch.allclose(W2.grad, hact.T @ dlogits, atol=1e-5)
'''
    report = fix_harness.trace_quietly(_script(tmp_path, source))
    assert report.error is None and not report.warnings


# -- jax --------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("written", ["dlogits @ W2", "jnp.dot(dlogits, W2)", "jnp.matmul(dlogits, W2)"])
def test_jax_forgotten_transpose(tmp_path, written):
    _isolated("jax", "_case_jax_forgotten_transpose", tmp_path, written)


def _case_jax_forgotten_transpose(tmp_path, written):
    path = _script(tmp_path, JAX_MLP.replace("DH", f"{written}  # correct: dlogits @ W2.T"))
    error = fix_harness.trace_quietly(path).error
    assert error is not None and error["kind"] == "matmul"
    assert error["line"] == _line_of(path, "dh = ")
    assert [(o["expr"], tuple(o["shape"])) for o in error["operands"]] == [("dlogits", (7, 2)), ("W2", (3, 2))]
    assert error["fixes"][0].startswith("`dlogits @ W2.T` gives (7, 3); checked on this run")
    _check_first_fix(path)


def test_jax_bias_broadcast_error(tmp_path):
    _isolated("jax", "_case_jax_bias_broadcast_error", tmp_path)


def _case_jax_bias_broadcast_error(tmp_path):
    source = JAX_MLP.replace("DH", "dlogits @ W2.T").replace("b1 = jnp.zeros((1, h))", "b1 = jnp.zeros((h, 1))")
    source = source.replace("hpre = X @ W1 + b1", "hpre = X @ W1 + b1  # correct: X @ W1 + b1.T")
    source = source.replace("b1 = b1 - 0.1 * db1", "b1 = b1 - 0.1 * db1.T")
    path = _script(tmp_path, source)
    error = fix_harness.trace_quietly(path).error
    assert error is not None and error["kind"] == "broadcast"
    assert error["line"] == _line_of(path, "hpre = ")
    assert [(o["expr"], tuple(o["shape"])) for o in error["operands"]] == [("X @ W1", (7, 3)), ("b1", (3, 1))]
    _check_first_fix(path)


def test_a_correct_jax_program(tmp_path):
    _isolated("jax", "_case_a_correct_jax_program", tmp_path)


def _case_a_correct_jax_program(tmp_path):
    report = fix_harness.trace_quietly(_script(tmp_path, JAX_MLP.replace("DH", "dlogits @ W2.T")))
    assert report.error is None and not report.warnings


# -- fix checks read torch's and jax's functions ----------------------------------------------------------

def test_safe_evaluation_reads_framework_functions_but_not_random_or_in_place(tmp_path):
    _isolated("torch", "_case_safe_evaluation_reads_framework_functions_but_not_random_or_in_place", tmp_path)


def _case_safe_evaluation_reads_framework_functions_but_not_random_or_in_place(tmp_path):
    import torch

    from shapecheck.tracing.safe_eval import _reading_function

    t = torch.ones(2, 3)
    assert _reading_function(torch.tanh, None, 0) and _reading_function(t.tanh, None, 0)
    assert _reading_function(torch.sum, None, 0)
    layer = torch.nn.Linear(3, 2)
    optimizer = torch.optim.SGD(layer.parameters(), lr=0.1)
    assert _reading_function(torch.nn.functional.relu, None, 0)
    for writing in (torch.randn, torch.manual_seed, t.add_, t.tanh_, torch.normal, t.backward, layer,
                    optimizer.step, optimizer.zero_grad, torch.nn.init.normal_, torch.nn.Linear):
        assert not _reading_function(writing, None, 0), writing


def test_fixes_are_written_in_the_frameworks_idiom():
    from shapecheck.tracing.explain import Explanation
    from shapecheck.tracing.frameworks import in_the_frameworks_idiom

    fixes = ("`dz.sum(axis=1, keepdims=True)` gives (3, 1)", "`np.outer(a, b)` gives (3, 7)")
    made = Explanation("f.py", 3, "broadcast", "m", (), "head\n    " + "\n    ".join(fixes), fixes)
    torch_error = RuntimeError("The size of tensor a (3) must match the size of tensor b (7) at non-singleton "
                               "dimension 1")
    torch_made = in_the_frameworks_idiom(made, torch_error, None)
    assert torch_made.fixes == ("`dz.sum(axis=1, keepdim=True)` gives (3, 1)", "`torch.outer(a, b)` gives (3, 7)")
    assert "keepdims" not in torch_made.text and "torch.outer(a, b)" in torch_made.text
    jax_made = in_the_frameworks_idiom(made, TypeError("add got incompatible shapes for broadcasting: (3,), (7,)."),
                                        None)
    assert jax_made.fixes == ("`dz.sum(axis=1, keepdims=True)` gives (3, 1)", "`jnp.outer(a, b)` gives (3, 7)")
    assert in_the_frameworks_idiom(made, ValueError("operands could not be broadcast together"), None) is made
