"""Vitam's own functional tests (vitam-itests, Gherkin in French) against a standalone vitam-lite.

../shared/vitam-itests/run.sh starts vitam-lite from this checkout, replays the features with the step
interpreter that follows Vitam's cucumber glue and prints `itests: P/N passed (S skipped)`. The pass rate
(passed / run) must not fall below tests/itests/threshold.txt: a behaviour of vitam-lite that drifts away
from Vitam's fails CI. The full log is kept in test-artifacts/itests.txt.
"""

import os
import re
import socket
import subprocess
import sys
from pathlib import Path

from tests.itests.conftest import summary_lines

REPO_ROOT = Path(__file__).resolve().parents[2]
ITESTS = (REPO_ROOT / ".." / "shared" / "vitam-itests").resolve()
THRESHOLD_FILE = Path(__file__).with_name("threshold.txt")
ARTIFACT = REPO_ROOT / "test-artifacts" / "itests.txt"
SUMMARY = re.compile(r"^itests: (\d+)/(\d+) passed \((\d+) skipped\)$", re.MULTILINE)
RUN_TIMEOUT = 30 * 60  # the whole suite takes well under a minute today; a hang must not eat CI's budget


def _threshold() -> float:
    lines = [line for line in THRESHOLD_FILE.read_text().splitlines() if line.strip() and not line.startswith("#")]
    return float(lines[0])


def _free_port() -> int:
    # run.sh's default port is fixed; parallel runs on one machine need their own.
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return sock.getsockname()[1]


def test_vitam_itests_pass_rate_holds():
    run_sh = ITESTS / "run.sh"
    assert run_sh.is_file(), f"vitam-itests not found at {ITESTS}: the shared folder must sit beside the checkout"
    assert any((ITESTS / "features").glob("*.feature")), f"no feature file under {ITESTS / 'features'}"
    env = {**os.environ, "PYTHON": sys.executable, "ITESTS_PORT": str(_free_port())}
    completed = subprocess.run(["bash", str(run_sh)], cwd=REPO_ROOT, env=env, capture_output=True, text=True,
                               timeout=RUN_TIMEOUT)
    output = completed.stdout + completed.stderr
    ARTIFACT.parent.mkdir(exist_ok=True)
    ARTIFACT.write_text(output)
    found = SUMMARY.search(output)
    assert found, f"no `itests: P/N` line (exit {completed.returncode}); last output:\n{output[-3000:]}"
    passed, run, skipped = (int(group) for group in found.groups())
    assert run > 0, "the interpreter ran no case at all"
    rate, minimum = passed / run, _threshold()
    summary_lines.append(f"{found.group(0)}, pass rate {rate:.1%} (threshold {minimum:.1%}); log: {ARTIFACT}")
    print(found.group(0), file=sys.stderr)
    failures = "\n".join(line for line in output.splitlines() if line.startswith("FAIL "))
    assert rate >= minimum, f"vitam-itests pass rate {rate:.1%} ({passed}/{run}) below {minimum:.1%}:\n{failures}"
