"""The fuzz of the public API (tests/fuzz/fuzz_public_api.py) as a regression test: every call
with a bad value either works or raises ValueError/TypeError/KeyError naming the argument; no
other exception, no silent NaN, no memory error (issue 13). About 30 s on one core."""

import importlib.util
from pathlib import Path


def test_every_bad_value_gets_a_documented_error(capsys):
    path = Path(__file__).parent / "fuzz" / "fuzz_public_api.py"
    spec = importlib.util.spec_from_file_location("fuzz_public_api", path)
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    status = fuzz.main([])
    table = capsys.readouterr().out
    total = next(line for line in table.splitlines() if line.startswith("TOTAL")).split()
    calls, undocumented, silent_nan, memory = int(total[1]), int(total[4]), int(total[5]), int(total[6])
    assert calls > 8000, table            # the harness still reaches the whole API
    assert (undocumented, silent_nan, memory) == (0, 0, 0), table
    assert status == 0


# Public names the fuzz does not call, and why. Anything else public in a lesson module
# (callable, defined there, taking parameters, not an exception) needs an entry in BASE.
NOT_FUZZED = {
    "kit.exercises.judges.Exercise": "a record the stage modules of kit.exercises build; check() is fuzzed",
    "kit.augment.Transform": "abstract base; its subclasses are fuzzed",
    "kit.data.DatasetInfo": "a registry record, built by the kit",
    "kit.data.profiling.Profile": "a result returned by profile(); its verb schema() is fuzzed",
    "kit.data.validation.Verdict": "a result returned by Validator.validate()",
    "kit.models.private.PrivateModel": "a result returned by train_dp()",
    "kit.evaluate.FlipRates": "a result returned by flip_rates()",
    "kit.security.api.RemoteAPI": "a client built by serve(); needs a live server",
    "kit.security.api.serve": "starts an HTTP server; tests/test_api_server.py checks it",
    "kit.serving.http_server": "starts an HTTP server; tests/test_serving.py checks it",
    "kit.serving.post_json": "needs a live server; tests/test_serving.py and tests/test_parity.py check it",
    "kit.parity.serve_records": "starts an HTTP server; tests/test_parity.py checks it",
    "kit.parity.RecordClient": "a client built by serve_records(); needs a live server",
    "kit.security.sanitise.Clustering": "a result returned by activation_clustering()",
    "kit.shift.detectors.Detector": "a protocol",
    "kit.shift.gate.GateResult": "a result returned by the gate",
    "kit.shift.twosample.ShiftTest": "a result returned by the two-sample tests",
    "kit.sim.lending.LendingResult": "a result returned by the lending simulation",
    "kit.sim.policies.BatchState": "the state the replay hands a policy",
    "kit.sim.policies.Policy": "a protocol",
    "kit.sim.policing.PolicingResult": "a result returned by the policing simulation",
    "kit.sim.replay.ReplayResult": "a result returned by replay()",
    "kit.text.watermark.WatermarkScore": "a result returned by GreenList.score()",
    "kit.experiments.ZTest": "a result returned by ztest() and simulate_trials()",
    "kit.models.factorization.Factorization": "a result returned by fit_als(); its verbs predict() and scores() are fuzzed",
}


def test_every_public_callable_is_fuzzed():
    """A new public function or class in a lesson module gets a BASE entry (or a reason here)."""
    import importlib
    import inspect
    import pkgutil

    import kit

    path = Path(__file__).parent / "fuzz" / "fuzz_public_api.py"
    spec = importlib.util.spec_from_file_location("fuzz_public_api", path)
    fuzz = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(fuzz)
    names = set(fuzz._build_base())
    skip = ("kit.tooling", "kit.viz.widgets", "kit._validate", "kit.__main__")
    missing = []
    for info in pkgutil.walk_packages(kit.__path__, "kit."):
        if info.name.startswith(skip):
            continue
        module = importlib.import_module(info.name)
        public = getattr(module, "__all__", [n for n in vars(module) if not n.startswith("_")])
        for name in public:
            obj, qual = getattr(module, name), f"{info.name}.{name}"
            if not callable(obj) or getattr(obj, "__module__", None) != info.name:
                continue   # constants, and names re-exported from where they are fuzzed
            if inspect.isclass(obj) and issubclass(obj, BaseException):
                continue
            try:
                takes = bool(inspect.signature(obj).parameters)
            except (TypeError, ValueError):
                takes = True
            if not takes or qual in NOT_FUZZED:
                continue
            if qual not in names and not any(n.startswith(qual + ".") for n in names):
                missing.append(qual)
    assert not missing, f"public callables with no fuzz entry in tests/fuzz/fuzz_public_api.py: {missing}"
    assert not set(NOT_FUZZED) & names, "an entry of NOT_FUZZED is fuzzed after all: remove it"
