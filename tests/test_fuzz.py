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
