"""Issue 17: every surface behaves as a careful user expects (version, help, defaults and conventions)."""

import subprocess
import sys

import pytest

import shapecheck
from reference_nets import MLP, shape_plan
from shapecheck import ConfigurationError
from shapecheck.cli import COMMANDS, EXAMPLES, main


def run_module(*args, **kwargs):
    return subprocess.run([sys.executable, "-m", "shapecheck", *args], capture_output=True, text=True, timeout=120,
                          **kwargs)


# -- version and help ------------------------------------------------------------------------------------

def test_version_is_the_package_version():
    done = run_module("--version")
    assert done.returncode == 0
    assert done.stdout.strip() == f"shapecheck {shapecheck.__version__}"
    assert shapecheck.__version__.count(".") == 2


def test_help_lists_every_command_with_a_description_and_an_example():
    done = run_module("--help")
    assert done.returncode == 0 and not done.stderr
    for name in COMMANDS:
        described = [line for line in done.stdout.splitlines() if line.split()[:1] == [name] and len(line.split()) > 2]
        assert described, f"{name} has no one-line description in --help"
        assert EXAMPLES[name] in done.stdout


@pytest.mark.parametrize("name", list(EXAMPLES))
def test_every_example_in_help_runs(name, capsys, monkeypatch, tmp_path):
    """The examples --help shows are real commands: they run from the project root (exit 0, or 1 for a
    planted failure they exist to show); the demo's page goes to a temporary folder, not the project's."""
    import shlex
    from pathlib import Path

    monkeypatch.chdir(Path(__file__).resolve().parents[2])
    page = ["--html", str(tmp_path / "shapecheck-demo.html")] if name == "demo" else []
    code = main(shlex.split(EXAMPLES[name])[1:] + page)
    assert code in (0, 1), capsys.readouterr().err


# -- output activation and loss follow from each other ---------------------------------------------------

@pytest.mark.parametrize("loss, output", [("mse", "identity"), ("half-sse", "identity"), ("bce", "sigmoid"),
                                          ("softmax-cross-entropy", "softmax")])
def test_plan_takes_the_output_from_the_loss(loss, output, capsys):
    assert main(["plan", "5", "3", "2", "--loss", loss]) == 0
    printed = capsys.readouterr().out
    assert f"A2 = {output}(Z2" in printed
    assert "dZ2 = A2 - Y" in printed


def test_plan_refuses_a_softmax_over_one_output_with_the_fix(capsys):
    for argv in (["plan", "5", "3", "1", "--loss", "softmax-cross-entropy"], ["plan", "5", "3", "1", "--output", "softmax"]):
        assert main(argv) == 2
        err = capsys.readouterr().err
        assert "softmax over a single output" in err and "output='sigmoid' with loss='bce'" in err
        assert "Traceback" not in err


def test_an_explicit_output_still_wins_over_the_loss_default():
    plan = shape_plan([5, 3, 2], loss="mse", output="tanh")
    assert any(step.equation == "tanh(Z2)" for step in plan.steps)


@pytest.mark.parametrize("options, output, loss", [
    ({}, "softmax", "softmax-cross-entropy"),
    ({"loss": "mse"}, "identity", "mse"),
    ({"loss": "bce"}, "sigmoid", "bce"),
    ({"output": "sigmoid"}, "sigmoid", "bce"),
    ({"output": "tanh"}, "tanh", "mse"),
])
def test_mlp_defaults_follow_from_each_other(options, output, loss):
    net = MLP([5, 3, 2], **options)
    assert (net.output.name, net.loss_fn.name) == (output, loss)


def test_with_one_hidden_layer_works_positionally_as_the_guide_shows():
    net = MLP.with_one_hidden_layer(2, 4, 1)
    assert list(net.sizes) == [2, 4, 1] and (net.output.name, net.loss_fn.name) == ("sigmoid", "bce")
    assert list(MLP.with_two_hidden_layers(5, 4, 3, 2).sizes) == [5, 4, 3, 2]
    with pytest.raises(ConfigurationError, match="softmax over a single output"):
        MLP.with_one_hidden_layer(2, 4, 1, output="softmax")


def test_grad_takes_the_loss_from_the_output(capsys):
    assert main(["grad", "--layers", "4,5,1", "--output", "sigmoid"]) == 0
    assert "output='sigmoid', loss='bce'" in capsys.readouterr().out


# -- every report offers the same surface ----------------------------------------------------------------

def _gradient_reports():
    import numpy as np

    W = np.arange(15.0).reshape(5, 3) / 10

    def loss(p):
        return float(np.sum(np.sin(p["W"])))

    good = shapecheck.check_gradients(loss, {"W": W}, {"W": np.cos(W)})
    wrong = np.cos(W)
    wrong[1, 2] += 0.5
    bad = shapecheck.check_gradients(loss, {"W": W}, {"W": wrong})
    return [(good, True, "ok"), (bad, False, "wrong"), (bad.sweep(), False, "bug"), (good.sweep("W", (0, 0)),
                                                                                     True, "noise")]


def _comparison_reports():
    from pathlib import Path

    sys.path.insert(0, str(Path(__file__).resolve().parents[2] / "examples" / "compare"))
    try:
        import class_style
    finally:
        sys.path.pop(0)
    return [(shapecheck.compare(**class_style.make()), True, "match"),
            (shapecheck.compare(**class_style.make("sign-flip")), False, "mismatch")]


def _trace_reports(tmp_path):
    good, bad, warned = tmp_path / "good.py", tmp_path / "bad.py", tmp_path / "warned.py"
    good.write_text("import numpy as np\nA = np.ones((7, 5)) @ np.ones((5, 3))\n")
    bad.write_text("import numpy as np\nA = np.ones((7, 5)) @ np.ones((3, 5))\n")
    warned.write_text("import numpy as np\nE = np.ones((7, 1)) - np.ones(7)\n")
    return [(shapecheck.trace_script(str(good)), True, "ok"), (shapecheck.trace_script(str(bad)), False, "failed"),
            (shapecheck.trace_script(str(warned)), False, "warnings")]


def test_every_report_has_ok_verdict_summary_str_dict_and_html(tmp_path):
    import html
    import json

    cases = _gradient_reports() + _comparison_reports() + _trace_reports(tmp_path)
    for report, ok, verdict in cases:
        kind = type(report).__name__
        assert report.ok is ok and report.verdict == verdict, (kind, report.verdict, report.summary)
        text = str(report)
        assert text.splitlines()[0] == report.summary, kind
        data = json.loads(json.dumps(report.to_dict()))
        assert (data["ok"], data["verdict"], data["summary"]) == (ok, verdict, report.summary), kind
        page = report._repr_html_()
        assert page == report.to_html() and page.startswith("<div>") and page.endswith("</div>"), kind
        assert html.escape(report.summary) in page, kind


# -- a long full check shows progress and names fast mode ------------------------------------------------

class _Terminal:
    """A stderr that says it is a terminal, and keeps what is written."""

    def __init__(self, tty=True):
        self.text, self.tty = "", tty

    def write(self, text):
        self.text += text

    def flush(self):
        pass

    def isatty(self):
        return self.tty


def _slow_check(monkeypatch, stream, **options):
    """A check of a (7, 5) tensor whose loss sleeps, with the thresholds lowered so that it counts as long."""
    import time
    import warnings

    import numpy as np

    from shapecheck.gradcheck import progress

    monkeypatch.setattr(progress, "SETTLE_SECONDS", 0.01)
    monkeypatch.setattr(progress, "BAR_SECONDS", 0.0)
    monkeypatch.setattr(progress, "WARN_SECONDS", 0.0)
    monkeypatch.setattr(progress, "_REDRAW_SECONDS", 0.0)
    monkeypatch.setattr(sys, "stderr", stream)
    W = np.arange(35.0).reshape(7, 5) / 10
    before = W.copy()

    def loss(p):
        time.sleep(0.001)
        return float(np.sum(np.sin(p["W"])))

    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = shapecheck.check_gradients(loss, {"W": W}, {"W": np.cos(W)}, **options)
    assert report.ok and np.array_equal(W, before)
    return [w for w in caught if issubclass(w.category, progress.SlowCheckWarning)]


def test_a_long_check_draws_a_bar_on_a_terminal_and_wipes_it(monkeypatch):
    stream = _Terminal()
    slow = _slow_check(monkeypatch, stream)
    assert "checking gradients [" in stream.text and "/70 evaluations" in stream.text and "left" in stream.text
    assert stream.text.endswith("\r" + " " * 79 + "\r")
    assert len(slow) == 1 and 'mode="fast"' in str(slow[0].message) and "70 loss evaluations" in str(slow[0].message)
    assert slow[0].filename == __file__          # the warning points at the user's call, not at shapecheck


def test_no_bar_when_piped_or_turned_off(monkeypatch):
    piped = _Terminal(tty=False)
    assert len(_slow_check(monkeypatch, piped)) == 1 and piped.text == ""
    off = _Terminal()
    assert len(_slow_check(monkeypatch, off, progress=False)) == 1 and off.text == ""


def test_a_quick_check_is_silent(capsys):
    import warnings

    import numpy as np

    W = np.arange(35.0).reshape(7, 5) / 10
    with warnings.catch_warnings():
        warnings.simplefilter("error")
        assert shapecheck.check_gradients(lambda p: float(np.sum(np.sin(p["W"]))), {"W": W}, {"W": np.cos(W)}).ok
    assert capsys.readouterr().err == ""


def test_progress_must_be_none_true_or_false():
    import numpy as np

    W = np.ones((7, 5))
    with pytest.raises(shapecheck.ShapecheckError, match="progress must be None .* got 'yes'"):
        shapecheck.check_gradients(lambda p: float(np.sum(p["W"])), {"W": W}, {"W": W}, progress="yes")


def test_entry_batches_in_blocks_give_the_same_report(monkeypatch):
    """A reference MLP with many moves is evaluated in blocks (so the bar can move): the same rows."""
    import numpy as np

    from shapecheck.gradcheck import targets

    net = MLP([5, 4, 3, 2], activation="tanh")
    rng = np.random.default_rng(0)
    X, Y = rng.normal(size=(7, 5)), np.eye(2)[rng.integers(0, 2, 7)]
    whole = shapecheck.check_network(net, X, Y)
    monkeypatch.setattr(targets, "ENTRY_BATCH", 7)
    blocks = shapecheck.check_network(net, X, Y)
    assert whole.rows == blocks.rows and whole.evaluations == blocks.evaluations


def test_duration_reads_naturally():
    from shapecheck.gradcheck.progress import duration

    assert [duration(s) for s in (4.2, 125, 3780)] == ["4 s", "2 min 5 s", "1 h 3 min"]


# -- Ctrl-C ------------------------------------------------------------------------------------------------

@pytest.mark.parametrize("mode", ["full", "sample", "fast"])
def test_ctrl_c_in_check_gradients_restores_the_parameters_and_says_so(mode):
    import numpy as np

    W = np.random.default_rng(0).normal(size=(7, 5))
    before, calls = W.copy(), []

    def loss(p):
        calls.append(1)
        if len(calls) == 3:                   # during a move (fast mode's one tensor makes only 3 calls)
            raise KeyboardInterrupt
        return float(np.sum(np.sin(p["W"])))

    with pytest.raises(KeyboardInterrupt, match="^check_gradients interrupted; parameters restored$") as caught:
        shapecheck.check_gradients(loss, {"W": W}, {"W": np.cos(W)}, mode=mode)
    assert caught.value.__cause__ is None and caught.value.__suppress_context__
    assert type(caught.value) is KeyboardInterrupt          # an uncaught one still ends a script with 130
    assert np.array_equal(W, before) and W.tobytes() == before.tobytes()


def test_ctrl_c_in_compare_restores_the_learners_arrays():
    import numpy as np

    rng = np.random.default_rng(1)
    params = {"W1": rng.normal(size=(5, 3)), "b1": np.zeros((1, 3)), "W2": rng.normal(size=(3, 2)),
              "b2": np.zeros((1, 2))}
    saved = {k: v.copy() for k, v in params.items()}

    def step(X, Y):
        params["W1"] -= 0.1            # moved, then Ctrl-C
        raise KeyboardInterrupt

    X, Y = rng.normal(size=(7, 5)), (rng.random((7, 2)) > 0.5).astype(float)
    with pytest.raises(KeyboardInterrupt, match="^compare interrupted; parameters restored$"):
        shapecheck.compare(X, Y, params=params, step=step, lr=0.1)
    assert all(params[k].tobytes() == saved[k].tobytes() for k in params)


def test_ctrl_c_on_the_command_line_is_one_line_and_exit_130():
    import signal
    import time

    script = "import sys; from shapecheck.cli import main; sys.exit(main(sys.argv[1:]))"
    # a check of about 8 s here (784,300,10 took 2.4 s once check_network got faster: the signal came too late)
    done = subprocess.Popen([sys.executable, "-c", script, "grad", "--layers", "784,1000,10", "-n", "64",
                             "--method", "richardson"], stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True,
                            preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL))
    time.sleep(3.0)
    done.send_signal(signal.SIGINT)
    out, err = done.communicate(timeout=120)
    if done.returncode == 0:
        pytest.skip("the check finished before Ctrl-C arrived on this machine")
    assert done.returncode == 130
    lines = [line for line in err.replace("\r", "\n").splitlines() if line.strip()]
    assert lines[-1] == "shapecheck grad: interrupted; parameters restored"
    assert "Traceback" not in err


@pytest.mark.parametrize("mode", ["full", "sample", "fast"])
def test_a_loss_that_ignores_its_parameters_is_told_so(mode):
    import numpy as np

    W = np.arange(35.0).reshape(7, 5) / 10
    copy = W.copy()                                  # the loss reads a copy: moving W changes nothing
    report = shapecheck.check_gradients(lambda p: float(np.sum(np.sin(copy))), {"W": W}, {"W": np.cos(W)},
                                        mode=mode)
    assert not report.ok
    assert "the loss did not change when any entry of W moved: does loss_fn read the parameters you passed?" \
        in report.summary


# -- colour on a terminal only ---------------------------------------------------------------------------

def test_colour_on_a_terminal_paints_the_verdict_and_the_failing_rows(monkeypatch):
    import numpy as np

    from shapecheck.cli.colour import GREEN, RED, RESET, YELLOW, painted

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    W = np.arange(15.0).reshape(5, 3) / 10
    wrong = np.cos(W)
    wrong[1, 2] += 0.5
    good = shapecheck.check_gradients(lambda p: float(np.sum(np.sin(p["W"]))), {"W": W}, {"W": np.cos(W)})
    bad = shapecheck.check_gradients(lambda p: float(np.sum(np.sin(p["W"]))), {"W": W}, {"W": wrong})
    terminal = _Terminal()
    assert painted(good, terminal).startswith(GREEN + good.summary + RESET)
    assert painted(good, terminal).count("\033[") == 2      # the verdict only: not the header's `shape` column
    text = painted(bad, terminal)
    assert text.startswith(RED + bad.summary + RESET)
    assert any(line.startswith(RED + "W ") and " FAIL " in line for line in text.splitlines())
    # the same text, escape codes taken out
    assert text.replace(RED, "").replace(GREEN, "").replace(YELLOW, "").replace(RESET, "") == str(bad)


@pytest.mark.parametrize("setting", ["NO_COLOR", "dumb", "pipe"])
def test_no_colour_when_asked_or_piped(monkeypatch, setting):
    import numpy as np

    from shapecheck.cli.colour import painted

    monkeypatch.delenv("NO_COLOR", raising=False)
    monkeypatch.setenv("TERM", "xterm")
    if setting == "NO_COLOR":
        monkeypatch.setenv("NO_COLOR", "1")
    if setting == "dumb":
        monkeypatch.setenv("TERM", "dumb")
    stream = _Terminal(tty=setting != "pipe")
    W = np.ones((5, 3))
    report = shapecheck.check_gradients(lambda p: float(np.sum(p["W"])), {"W": W}, {"W": W})
    assert painted(report, stream) == str(report)


def test_the_command_line_colours_only_a_terminal():
    """Through a real pseudo-terminal: escape codes; through a pipe: none."""
    import os
    import pty

    argv = [sys.executable, "-m", "shapecheck", "grad", "--layers", "4,5,3", "--plant", "W1[2,3]"]
    env = {k: v for k, v in os.environ.items() if k != "NO_COLOR"} | {"TERM": "xterm"}
    piped = subprocess.run(argv, capture_output=True, text=True, env=env, timeout=120)
    assert piped.returncode == 1 and "\033[" not in piped.stdout
    leader, follower = pty.openpty()
    done = subprocess.run(argv, stdout=follower, stderr=subprocess.PIPE, env=env, timeout=120)
    os.close(follower)
    seen = b""
    while True:
        try:
            chunk = os.read(leader, 65536)
        except OSError:
            break
        if not chunk:
            break
        seen += chunk
    os.close(leader)
    assert done.returncode == 1 and b"\033[31mgradients WRONG" in seen


# -- a loss that turns infinite when an entry moves -------------------------------------------------------

@pytest.mark.parametrize("mode", ["full", "sample"])
def test_an_infinite_loss_names_the_entry_and_leaks_no_numpy_warning(mode):
    """The test run turns every warning into an error (pyproject), so a RuntimeWarning from shapecheck's own
    arithmetic on inf - inf would fail here; the user's own np.errstate is left as it was."""
    import numpy as np

    W = np.array([[0.5, 1.0, -1.0], [0.2, 0.3, 0.1]])

    def loss(p):                      # finite where it is, infinite once W[0, 1] grows past 1
        return float(np.sum(np.where(p["W"] > 1.0 + 1e-7, np.inf, p["W"] ** 2)))

    before = np.geterr()
    report = shapecheck.check_gradients(loss, {"W": W}, {"W": 2 * W}, mode=mode, samples=6)
    assert np.geterr() == before
    assert report["W"].status == "nan" and report["W"].worst_index == (0, 1)
    assert "the loss (so the numeric gradient) is not finite at W[0, 1]" in report.summary


def test_fast_mode_names_the_entry_whose_move_makes_the_loss_infinite():
    """Fast mode moves every entry at once; the entry is then found by halving the moved set."""
    import numpy as np

    W = np.arange(1.0, 36.0).reshape(7, 5) / 40

    def loss(p):                      # finite where it is, infinite once W[4, 2] moves either way
        return float(np.sum(p["W"] ** 2) + np.where(p["W"][4, 2] == W0[4, 2], 0.0, np.inf))

    W0 = W.copy()
    report = shapecheck.check_gradients(loss, {"W": W}, {"W": 2 * W}, mode="fast")
    assert report["W"].status == "nan" and report["W"].worst_index == (4, 2)
    assert "the loss (so the numeric derivative) is not finite when W[4, 2] moves by" in report.summary
    assert np.array_equal(W, W0)


def test_fast_mode_names_an_infinite_analytic_entry():
    import numpy as np

    W = np.arange(1.0, 36.0).reshape(7, 5) / 40
    grad = 2 * W
    grad[3, 1] = -np.inf
    report = shapecheck.check_gradients(lambda p: float(np.sum(p["W"] ** 2)), {"W": W}, {"W": grad}, mode="fast")
    assert report["W"].status == "nan" and report["W"].worst_index == (3, 1)
    assert "the analytic gradient is not finite at W[3, 1] = -inf" in report.summary


def test_compare_checking_the_learners_loss_fn_never_warns_of_a_slow_check(monkeypatch):
    """compare picks the mode of its own check of the learner's loss_fn: a SlowCheckWarning naming fast mode,
    which the user cannot choose there, would mislead (the thresholds are lowered so that any check is slow)."""
    import warnings

    import numpy as np

    from shapecheck.gradcheck import progress
    from tests.shapecheck.learner_zoo import make

    monkeypatch.setattr(progress, "SETTLE_SECONDS", 0.0)
    monkeypatch.setattr(progress, "WARN_SECONDS", 0.0)
    arguments = make("rows", "tanh", "mse", "correct", 5, 3, 2, 7, 0, loss_fn=True)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        report = shapecheck.compare(**arguments)
        direct = shapecheck.check_gradients(lambda p: float(np.sum(p["W"] ** 2)), {"W": np.ones((5, 3))},
                                            {"W": 2 * np.ones((5, 3))})
    slow = [w for w in caught if issubclass(w.category, progress.SlowCheckWarning)]
    assert report.ok and "agree with finite differences of your own loss_fn" in str(report)
    assert len(slow) == 1 and direct.ok          # the direct check still warns: the thresholds did apply


def _product(a, b):
    return a @ b


def test_a_traced_function_is_said_to_return_or_raise_not_to_exit():
    """trace(fn)'s summary speaks of the function, not of an exit code (there is no process to exit)."""
    import numpy as np

    from shapecheck import trace

    fine = trace(_product)(np.ones((7, 5)), np.ones((5, 3)))
    failed = trace(_product)(np.ones((7, 5)), np.ones((3, 2)))
    assert fine.summary.startswith("shapecheck trace: _product() returned; 1 operation sites, 1 matrix products")
    assert failed.summary.startswith("shapecheck trace: _product() raised ValueError;")
    assert "FAILED at test_surfaces.py:" in failed.summary and "exit code" not in failed.summary


def test_a_traced_script_stopped_by_ctrl_c_is_not_called_free_of_shape_problems(tmp_path):
    """The run did not finish, so what had not run was not checked: 'incomplete', not 'no shape problems'."""
    import io

    script = tmp_path / "train.py"
    script.write_text("import numpy as np\nZ = np.ones((7, 5)) @ np.ones((5, 3))\nraise KeyboardInterrupt\n")
    report = shapecheck.trace_script(str(script), stderr=io.StringIO())
    assert report.exit_code == 130 and not report.ok and report.verdict == "incomplete"
    assert report.summary.endswith("interrupted: what had not run yet was not checked")
    assert "no shape problems" not in str(report)
