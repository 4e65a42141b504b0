import json

import pytest

from kit.check import RESULTS_ENV, Check


def make(holds=True):
    c = Check("99_test", metric="accuracy")
    c.record(baseline=0.9, failure=0.5, mitigated=0.88)
    c.claim("something holds", holds, value=0.4)
    return c


def test_finish_writes_record(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    make().finish()
    record = json.loads((tmp_path / "99_test.json").read_text())
    assert record["passed"] is True
    assert record["figures"] == {"baseline": 0.9, "failure": 0.5, "mitigated": 0.88}
    assert "PASS  something holds  (0.400)" in capsys.readouterr().out


def test_failed_claim_fails_the_cells_assert_and_is_recorded(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv(RESULTS_ENV, str(tmp_path))
    check = make(holds=False)
    check.finish()
    assert json.loads((tmp_path / "99_test.json").read_text())["passed"] is False
    assert "FAIL  something holds" in capsys.readouterr().out
    with pytest.raises(AssertionError, match="1 claim\\(s\\) failed: something holds"):
        assert check.passed, check.failed


def test_passing_check_has_no_failure_message():
    check = make()
    assert check.passed and check.failed == ""


def test_no_claims_or_no_figures_is_an_error():
    c = Check("99_test", metric="accuracy")
    with pytest.raises(AssertionError, match="no claims"):
        c.finish()
    c.claim("x", True)
    with pytest.raises(AssertionError, match="record"):
        c.finish()


@pytest.mark.parametrize("bad", [float("nan"), "0.5", None, True])
def test_record_rejects_non_numbers(bad):
    with pytest.raises(ValueError, match="baseline"):
        Check("99_test", metric="m").record(baseline=bad, failure=0.1, mitigated=0.2)


def test_claim_rejects_arrays():
    import numpy as np

    with pytest.raises(ValueError, match="holds"):
        Check("99_test", metric="m").claim("ambiguous", np.array([True, False]))


def test_constructor_validates():
    with pytest.raises(ValueError, match="notebook"):
        Check("", metric="m")


@pytest.mark.parametrize("value", [object(), [], [[0.0, 1.0]]])
def test_claim_value_that_is_not_a_number_is_named(value):
    with pytest.raises(TypeError, match="^value: expected a number"):
        Check("99_test", metric="m").claim("x", True, value=value)


def test_timed_claim_records_its_value_but_prints_none(tmp_path, monkeypatch, capsys):
    monkeypatch.setenv("KIT_RESULTS_DIR", str(tmp_path))
    c = Check("99_test", metric="m")
    c.record(baseline=1.0, failure=0.5, mitigated=0.8)
    c.claim("fast enough", True, value=0.123456, threshold=0.2, timed=True)
    c.claim("slow one fails", False, value=0.9, threshold=0.2, timed=True)
    c.finish()
    out = capsys.readouterr().out
    assert "0.123" not in out and "0.900" not in out and out.count("(timed)") == 2
    rec = json.loads((tmp_path / "99_test.json").read_text())
    assert rec["claims"][0]["value"] == 0.123456 and rec["claims"][0]["timed"] is True
    assert rec["claims"][1]["margin"] < 0 and not c.passed


def test_timed_must_be_a_bool():
    with pytest.raises(ValueError, match="timed"):
        Check("99_test", metric="m").claim("x", True, value=1.0, timed="yes")
