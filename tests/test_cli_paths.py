"""Output paths that cannot be created give one line, not a traceback (CLI safety net)."""

import subprocess
import sys
from pathlib import Path

import pytest

MAC = Path(__file__).parent / "fixtures" / "mac16x8.v"


@pytest.mark.parametrize("args", [
    ["synth", str(MAC), "--top", "mac16x8", "--out", "{bad}"],
    ["train", "--preset", "tiny", "--targets", "mnist", "--run-dir", "{bad}"],
])
def test_uncreatable_output_path_is_one_line_error(tmp_path, args):
    blocker = tmp_path / "a_file"
    blocker.write_text("x")
    bad = str(blocker / "out")
    r = subprocess.run([sys.executable, "-m", "fixyasic.cli", *[a.replace("{bad}", bad) for a in args]],
                       capture_output=True, text=True, timeout=300)
    assert r.returncode == 2
    lines = r.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith("fixyasic: error:") and "Traceback" not in r.stderr
    assert "Not a directory" in lines[0]
