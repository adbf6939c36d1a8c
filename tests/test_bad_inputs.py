"""Bad inputs found by a black-box review: each gets a clear ShapecheckError (or exit code 2), never an
internal traceback."""

import numpy as np
import pytest

import shapecheck
from reference_nets import MLP, add_ones, convert_params, fold_bias
from shapecheck import ConfigurationError, DTypeError, ParameterError, ShapecheckError, ShapeError
from shapecheck import strategies as sst
from tests.shapecheck.test_trace_examples import run_cli


def net(**options):
    return MLP([2, 4, 3], **({"activation": "tanh", "output": "softmax", "loss": "softmax-cross-entropy"} | options))


@pytest.mark.parametrize("call, error, message", [
    (lambda: net().gradients(np.zeros((0, 2)), np.zeros((0, 3))), ShapeError, "no samples"),
    (lambda: net(seed=-1), ConfigurationError, "seed must be None or a non-negative int, got -1"),
    (lambda: MLP([2, 4, 1], activation="tanh", output="softmax", loss="softmax-cross-entropy"),
     ConfigurationError, "softmax over a single output"),
    (lambda: net(bias="no"), ConfigurationError, "bias must be True or False, got 'no'"),
    (lambda: MLP([2, 3, 1], activation="tanh", output="sigmoid", loss="bce").loss(np.ones((4, 2)),
                                                                                   np.full((4, 1), 5.0)),
     ShapeError, "Y holds 5, but bce targets are probabilities"),
    (lambda: net().loss(np.ones((4, 2)), np.ones((4, 3))), ShapeError, "sums to 3 over the classes"),
    (lambda: net().loss(np.ones((4, 2)), np.array([0.0, 1.0, 2.0, 1.0])), ShapeError, "use Y.astype\\(int\\)"),
    (lambda: convert_params(None, "rows", "columns"), ParameterError, "needs a dict"),
    (lambda: fold_bias({"W1": np.zeros((2, 4))}, "rows"), ParameterError, "fold_bias needs b1 beside W1"),
    (lambda: add_ones(np.zeros(3), "rows"), ShapeError, "data must be 2-dimensional"),
])
def test_reference_nets_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()


W = np.ones((3, 2))


@pytest.mark.parametrize("call, error, message", [
    (lambda: shapecheck.check_gradients(lambda p: (1.0, p), W, W), ShapecheckError, "if it returns \\(loss, grads\\)"),
    (lambda: shapecheck.check_gradients(lambda: 1.0, W, W), ParameterError, "loss_fn must take one argument"),
    (lambda: shapecheck.check_gradients(lambda p: 1.0, np.ones((0, 2)), np.ones((0, 2))), ParameterError, "is empty"),
    (lambda: shapecheck.check_gradients(lambda p: 1.0, W, W, mode="sample", seed=-1), ParameterError,
     "seed must be a non-negative int"),
])
def test_gradient_checker_inputs(call, error, message):
    with pytest.raises(error, match=message):
        call()


def compare_args(**changes):
    rng = np.random.default_rng(0)
    params = {"W1": rng.normal(size=(5, 3)), "b1": np.zeros((1, 3)), "W2": rng.normal(size=(3, 2)),
              "b2": np.zeros((1, 2))}
    args = dict(X=rng.normal(size=(7, 5)), Y=rng.normal(size=(7, 2)), params=params, activation="tanh",
                output="identity", loss="mse", gradients=lambda X, Y: {k: v * 0 for k, v in params.items()})
    args.update(changes)
    return args


@pytest.mark.parametrize("changes, error, message", [
    (dict(gradients=lambda X, Y: None), ShapeError, "your gradients\\(X, Y\\) returned None"),
    (dict(gradients=None, step=lambda X, Y: None), ShapeError, "did not change any parameter"),
    (dict(gradients=None, step=lambda X, Y: None, lr=0), ConfigurationError, "lr must be a positive, finite float, got 0"),
    (dict(params={"W1": np.ones((5, 3), dtype=int), "W2": np.ones((3, 2), dtype=int)}), DTypeError, "integer dtype"),
    (dict(gradients=lambda X, Y: {"W1": np.full((5, 3), np.nan), "b1": np.zeros((1, 3)), "W2": np.zeros((3, 2)),
                                  "b2": np.zeros((1, 2))}), ShapecheckError, "your gradient W1 contains 15 non-finite"),
])
def test_compare_inputs(changes, error, message):
    with pytest.raises(error, match=message):
        shapecheck.compare(**compare_args(**changes))


def test_trace_refuses_what_it_cannot_instrument(tmp_path):
    def generator():
        yield 1

    with pytest.raises(ShapecheckError, match="generator or coroutine"):
        shapecheck.trace(generator)
    with pytest.raises(ShapecheckError, match="cannot instrument a lambda"):
        shapecheck.trace(lambda x: x)
    with pytest.raises(ShapecheckError, match="argv must be a list of strings"):
        shapecheck.trace_script(str(tmp_path / "x.py"), "abc")
    with pytest.raises(ShapecheckError, match="is a directory"):
        shapecheck.trace_script(str(tmp_path))


def test_refusals_name_their_kind_of_problem(tmp_path, monkeypatch):
    """The tracer's, compare's loader's and the sweep's refusals are ShapecheckError subclasses that say what
    kind of problem it is, in the type and in to_dict() (the JSON of --json), never the bare base class
    (whose name is reference_nets' ReferenceNetsError)."""
    import sys

    from shapecheck import InvalidArgumentError, MissingDependencyError, UntraceableError
    from shapecheck.comparison.factory import load_factory
    from shapecheck.tracing.runner import trace_function_target

    (tmp_path / "m.py").write_text("def f(a):\n    return a\n")
    made = {}
    exec("def no_source():\n    return 1\n", made)
    W = np.ones((2, 2))
    sweep = shapecheck.check_gradients(lambda p: float((p["W"] ** 2).sum()), {"W": W}, {"W": 2 * W}).sweep("W", (0, 0))
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    monkeypatch.setitem(sys.modules, "matplotlib.pyplot", None)
    cases = [
        (lambda: shapecheck.trace(len), UntraceableError, "needs a Python function"),
        (lambda: shapecheck.trace(lambda x: x), UntraceableError, "cannot instrument a lambda"),
        (lambda: shapecheck.trace(made["no_source"])(), UntraceableError, "cannot read the source of no_source"),
        (lambda: shapecheck.trace_script(3), InvalidArgumentError, "path must be a file path"),
        (lambda: shapecheck.trace_script(str(tmp_path / "m.py"), "abc"), InvalidArgumentError, "argv must be a list"),
        (lambda: trace_function_target("m.py:f", "1"), InvalidArgumentError, "args must be a list of strings"),
        (lambda: trace_function_target(f"{tmp_path}/m.py:f", ["1", "2"]), InvalidArgumentError,
         r"f\(a\) cannot take the arguments given \(1, 2\)"),
        (lambda: trace_function_target("m.py", []), ConfigurationError, "expected MODULE:FUNCTION"),
        (lambda: trace_function_target(f"{tmp_path}/m.py:g", []), ConfigurationError, "m has no function 'g'"),
        (lambda: load_factory(f"{tmp_path}:f"), ConfigurationError, "is a directory, not a .py file"),
        (lambda: load_factory(f"{tmp_path}/none.py:f"), ConfigurationError, "none.py does not exist"),
        (sweep.plot, MissingDependencyError, "plotting needs matplotlib"),
    ]
    for call, error, message in cases:
        with pytest.raises(error, match=message) as caught:
            call()
        assert caught.value.to_dict()["error"] == error.__name__ != "ReferenceNetsError"
    assert issubclass(MissingDependencyError, ImportError) and issubclass(UntraceableError, TypeError)


def test_strategies_check_their_pairs():
    with pytest.raises(ConfigurationError, match="output_loss must be a list of \\(output, loss\\) pairs"):
        sst.mlp_specs(output_loss=("identity", "mse"))
    with pytest.raises(ConfigurationError, match="needs output='sigmoid'"):
        sst.mlp_specs(output_loss=[("identity", "bce")])
    with pytest.raises(ConfigurationError, match="must be a list of names, e.g. \\['tanh'\\]"):
        sst.mlp_specs(activations="tanh")


def test_cli_usage_errors_exit_2(tmp_path):
    (tmp_path / "sub.py").write_text("import sys\nsys.exit(0)\ndef f():\n    return {}\n")
    (tmp_path / "kw.py").write_text("import numpy as np\ndef f():\n    return dict(X=1, Y=1, params=1, "
                                    "activation='tanh', output='identity', loss='mse', bogus=1)\n")
    for args, message in ((["compare", f"{tmp_path}/sub.py:f"], "called sys.exit(0)"),
                          (["compare", f"{tmp_path}/kw.py:f"], "unknown argument(s) 'bogus'"),
                          (["compare", f"{tmp_path}:f"], "is a directory"),
                          (["grad", "--layers", "4,5,3", "--seed", "-1"], "expected a non-negative integer"),
                          (["trace", "nomodule:func"], "no module named 'nomodule'")):
        result = run_cli(*args, cwd=tmp_path)
        assert result.returncode == 2, (args, result.stdout, result.stderr)
        assert message in result.stderr and "Traceback" not in result.stderr, (args, result.stderr)


def test_compare_with_a_1d_target_says_how_to_shape_it():
    args = compare_args()
    args["Y"] = args["Y"][:, 0]
    with pytest.raises(ShapeError, match="Y is 1-d: give it in your network.s own layout"):
        shapecheck.compare(**args)
