"""Every bad input through the real CLI (`python -m fixyasic.cli ...` in a subprocess): the user
sees exactly one line starting with 'fixyasic: error:', no traceback, a non-zero exit, and
nothing half-written that looks like a valid result.  docs/reliability.md tabulates these rows
(plus rows covered end to end by other test files, referenced there)."""

from __future__ import annotations

import json
import os
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from fixyasic.errors import InputError
from fixyasic.rtl import RtlDesign
from fixyasic.synthetic import random_mobilenet_stem

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).parent / "fixtures"


def cli(args: list, tmp: Path, env: dict | None = None, path: str | None = None,
        timeout: float = 600) -> subprocess.CompletedProcess:
    e = dict(os.environ)
    e.pop("FIXYASIC_DEBUG", None)
    e["PYTHONPATH"] = str(REPO) + os.pathsep + e.get("PYTHONPATH", "")
    if path is not None:
        e["PATH"] = path
    e.update(env or {})
    return subprocess.run([sys.executable, "-m", "fixyasic.cli", *map(str, args)], capture_output=True,
                          text=True, env=e, cwd=tmp, timeout=timeout)


def one_line_error(proc: subprocess.CompletedProcess, *needles: str) -> str:
    """Assert the failure contract and return the message (printed for docs/reliability.md)."""
    assert proc.returncode != 0, f"expected failure, got exit 0\n{proc.stdout[-1000:]}"
    assert "Traceback" not in proc.stderr + proc.stdout, proc.stderr[-3000:]
    err = proc.stderr.strip()
    assert len(err.splitlines()) == 1, proc.stderr[-3000:]
    assert err.startswith("fixyasic: error:"), err
    assert proc.returncode == 2, (proc.returncode, err)
    for n in needles:
        assert n in err, f"{n!r} not in: {err}"
    print(f"\nMESSAGE: {err}")
    return err


def assert_no_rtl(out: Path) -> None:
    """No manifest (the marker of a complete RTL directory) and nothing RtlDesign accepts."""
    assert not (out / "manifest.json").exists()
    with pytest.raises(InputError):
        RtlDesign.load(out)


# ------------------------------------------------------------------------ weights files
@pytest.fixture(scope="module")
def weights(tmp_path_factory) -> Path:
    return random_mobilenet_stem(1).save(tmp_path_factory.mktemp("w") / "w.npz")


def _rewrite(src: Path, dst: Path, header=None, arrays=None) -> Path:
    """Copy a fixed-layer file, changing its JSON header and/or arrays (no re-validation)."""
    with np.load(src) as z:
        a = {k: z[k] for k in z.files}
    hdr = json.loads(bytes(a["header"]).decode())
    if header:
        header(hdr)
    if arrays:
        arrays(a)
    a["header"] = np.frombuffer(json.dumps(hdr).encode(), dtype=np.uint8)
    with open(dst, "wb") as fh:
        np.savez(fh, **a)
    return dst


def _flip(src, dst):
    data = bytearray(src.read_bytes())
    for i in range(len(data) // 2, len(data) // 2 + 16):
        data[i] ^= 0x5A
    dst.write_bytes(bytes(data))


def _truncate(src, dst):
    dst.write_bytes(src.read_bytes()[: len(src.read_bytes()) * 2 // 3])


def _version(src, dst):
    _rewrite(src, dst, header=lambda h: h.update(version=2))


def _no_chain(src, dst):
    def hdr(h):
        h["layers"][2]["in_channels"] = 5  # pw1 after an 4-channel depthwise layer

    def arr(a):
        a["layer2.weight"] = np.ones((a["layer2.weight"].shape[0], 5, 1, 1), dtype=np.int8)
    _rewrite(src, dst, hdr, arr)


def _int8_range(src, dst):
    def arr(a):
        w = a["layer0.weight"].astype(np.int16)
        w.flat[0] = 200
        a["layer0.weight"] = w
    _rewrite(src, dst, arrays=arr)


def _tampered(src, dst):
    def arr(a):
        w = a["layer1.weight"].copy()
        w.flat[3] ^= 1
        a["layer1.weight"] = w
    _rewrite(src, dst, arrays=arr)


def _kind(src, dst):
    _rewrite(src, dst, header=lambda h: h["layers"][0].update(kind="maxpool"))


def _kernel5(src, dst):
    def hdr(h):
        h["layers"][0].update(kernel=5, padding=2)
        h.pop("sha256", None)

    def arr(a):
        a["layer0.weight"] = np.ones((a["layer0.weight"].shape[0], 1, 5, 5), dtype=np.int8)
    _rewrite(src, dst, hdr, arr)


def _text(src, dst):
    dst.write_text("module not_weights; endmodule\n")


WEIGHT_CASES = {
    "corrupt": (_flip, ["not a readable fixed-layer file", "corrupt or truncated", "Bad CRC-32"]),
    "truncated": (_truncate, ["not a readable fixed-layer file", "corrupt or truncated"]),
    "wrong_version": (_version, ["format version 2 is not supported", "reads version 1"]),
    "shapes_do_not_chain": (_no_chain, ["layer 'pw1'", "expects 5 input channels", "shapes do not chain"]),
    "weights_out_of_int8_range": (_int8_range, ["layer 'conv0'", "int8 range [-128, 127]", "200"]),
    "tampered_weights": (_tampered, ["content hash mismatch"]),
    "unsupported_layer_kind": (_kind, ["layer 'conv0'", "unsupported layer kind 'maxpool'"]),
    "unsupported_kernel_for_rtl": (_kernel5, ["layer 'conv0'", "kernel=5 is not supported"]),
    "not_a_weights_file": (_text, ["not a readable fixed-layer file"]),
}


@pytest.mark.parametrize("case", list(WEIGHT_CASES))
def test_bad_weights_file(case, weights, tmp_path):
    make, needles = WEIGHT_CASES[case]
    bad = tmp_path / f"{case}.npz"
    make(weights, bad)
    out = tmp_path / "rtl"
    one_line_error(cli(["rtl", bad, "--out", out], tmp_path), *needles)
    assert_no_rtl(out)


def test_missing_weights_file(tmp_path):
    one_line_error(cli(["rtl", tmp_path / "nope.npz", "--out", tmp_path / "o"], tmp_path),
                   "fixed-layer file not found", "nope.npz")
    assert_no_rtl(tmp_path / "o")


def test_run_with_bad_weights(weights, tmp_path):
    """`fixyasic run --weights`: a missing file stops the run at its first stage with one line, and the
    network options that --weights overrides are refused before anything runs."""
    one_line_error(cli(["run", "--weights", tmp_path / "nope.npz", "--out", tmp_path / "r"], tmp_path),
                   "fixed-layer file not found", "nope.npz")
    assert not (tmp_path / "r" / "ffe.npz").exists()
    status = json.loads((tmp_path / "r" / "status.json").read_text())
    assert status["valid"] is False and not status["stages"]["train"]["valid"]
    one_line_error(cli(["run", "--weights", weights, "--k", "2", "--out", tmp_path / "r2"], tmp_path),
                   "--weights fixes the network")
    assert not (tmp_path / "r2").exists()


def test_run_loads_given_weights(weights, tmp_path):
    """The --weights stage itself: the run directory gets the same network and its record."""
    from fixyasic.pipeline import Chain
    from fixyasic.qnet import FixedNetwork

    chain = Chain(tmp_path / "r")
    net = chain.load_weights(weights)
    assert FixedNetwork.load(tmp_path / "r" / "ffe.npz").digest() == FixedNetwork.load(weights).digest()
    rec = chain.metrics["network"]
    assert rec["layers"] == len(net.layers) and rec["weights_file"] == str(weights)
    assert chain.status.stages["train"].valid


def test_bad_rtl_options(weights, tmp_path):
    one_line_error(cli(["rtl", weights, "--out", tmp_path / "o", "--pipeline", "-1"], tmp_path),
                   "pipeline must be >= 0")
    one_line_error(cli(["rtl", weights, "--out", tmp_path / "o", "--top", "1bad"], tmp_path),
                   "'1bad' is not a Verilog identifier")
    assert_no_rtl(tmp_path / "o")


# ------------------------------------------------------------------------ output directory
def _unwritable(tmp: Path) -> Path:
    """A directory path nobody can create: below a regular file (works even as root)."""
    f = tmp / "a_file"
    f.write_text("x")
    return f / "out"


def test_unwritable_output_directory_rtl(weights, tmp_path):
    out = _unwritable(tmp_path)
    one_line_error(cli(["rtl", weights, "--out", out], tmp_path),
                   "cannot create RTL output directory", "Not a directory")
    assert (tmp_path / "a_file").read_text() == "x"


def test_unwritable_output_directory_baseline(weights, tmp_path):
    out = _unwritable(tmp_path)
    one_line_error(cli(["baseline", weights, "--out", out], tmp_path),
                   "cannot create output directory", "Not a directory")


# ------------------------------------------------------------------------ datasets
TRAIN = ["train", "--preset", "tiny", "--pretrain-only", "--float-epochs", "1", "--qat-epochs", "0"]


def _no_checkpoint(run_dir: Path) -> None:
    assert not (run_dir / "pretrain.pt").exists()
    assert not list(run_dir.rglob("*.pt"))


def test_missing_dataset_folder(tmp_path):
    run = tmp_path / "run"
    one_line_error(cli(TRAIN + ["--run-dir", run, "--source", f"folder:{tmp_path / 'no_such_dir'}"], tmp_path),
                   "dataset folder", "does not exist")
    _no_checkpoint(run)


def test_empty_dataset_folder(tmp_path):
    (tmp_path / "empty").mkdir()
    run = tmp_path / "run"
    one_line_error(cli(TRAIN + ["--run-dir", run, "--source", f"folder:{tmp_path / 'empty'}"], tmp_path),
                   "is empty", "one subfolder per class")
    _no_checkpoint(run)


def test_dataset_package_missing(tmp_path):
    """The Debian Fashion-MNIST package 'absent': its path override points at an empty dir."""
    (tmp_path / "fm").mkdir()
    run = tmp_path / "run"
    one_line_error(cli(TRAIN + ["--run-dir", run, "--source", "fashion_mnist"], tmp_path,
                       env={"FIXYASIC_FASHION_MNIST_DIR": str(tmp_path / "fm")}),
                   "Fashion-MNIST not found", "apt-get install dataset-fashion-mnist")
    _no_checkpoint(run)


def test_unknown_dataset_name(tmp_path):
    one_line_error(cli(TRAIN + ["--run-dir", tmp_path / "run", "--source", "cifar"], tmp_path),
                   "unknown dataset 'cifar'")


# ------------------------------------------------------------------------ PDK and tools
def _pdk_copy_without(tmp: Path, missing_rel: str) -> Path:
    """A FIXYASIC_PDK_ROOT made of symlinks to the real PDK data, minus one file."""
    from fixyasic import pdk

    real = pdk.require_pdk_root()
    root = tmp / "pdk"
    target = Path(missing_rel)

    def mirror(src: Path, dst: Path, rel: Path) -> None:
        dst.mkdir(parents=True, exist_ok=True)
        for child in src.iterdir():
            crel = rel / child.name
            if crel == target:
                continue
            if child.is_dir() and target.is_relative_to(crel):
                mirror(child, dst / child.name, crel)  # the branch that loses a file
            else:
                (dst / child.name).symlink_to(child)

    mirror(real, root, Path("."))
    assert not (root / target).exists() and (real / target).is_file()
    return root


def test_missing_pdk_file(tmp_path):
    rel = "lambdapdk/sky130/libs/sky130hd/nldm/sky130_fd_sc_hd__tt_025C_1v80.lib.gz"
    root = _pdk_copy_without(tmp_path, rel)
    out = tmp_path / "syn"
    one_line_error(cli(["synth", FIXTURES / "mac16x8.v", "--top", "mac16x8", "--out", out], tmp_path,
                       env={"FIXYASIC_PDK_ROOT": str(root)}),
                   "PDK file missing", "sky130_fd_sc_hd__tt_025C_1v80.lib.gz", "FIXYASIC_PDK_ROOT")
    assert not list(out.rglob("*.vg")) if out.exists() else True


def test_missing_simulator_for_cosim(weights, tmp_path):
    """`fixyasic baseline --cosim` with no iverilog on PATH: names the tool and the apt command,
    and writes no report.json (the run's result)."""
    empty = tmp_path / "bin"
    empty.mkdir()
    out = tmp_path / "b"
    one_line_error(cli(["baseline", weights, "--out", out, "--cosim", "1"], tmp_path, path=str(empty)),
                   "required tool 'iverilog' not found", "apt-get install iverilog")
    assert not (out / "report.json").exists() and not (out / "report.csv").exists()


def test_too_old_yosys(tmp_path):
    """FIXYASIC_YOSYS=system with an old yosys first on PATH (a script reporting 0.23, as
    Debian bookworm's does): refused before SiliconCompiler runs."""
    bindir = tmp_path / "bin"
    bindir.mkdir()
    old = bindir / "yosys"
    old.write_text("#!/bin/sh\necho 'Yosys 0.23 (git sha1 7ce5011c24b)'\n")
    old.chmod(0o755)
    out = tmp_path / "syn"
    one_line_error(cli(["synth", FIXTURES / "mac16x8.v", "--top", "mac16x8", "--out", out], tmp_path,
                       env={"FIXYASIC_YOSYS": "system"}, path=f"{bindir}{os.pathsep}{os.environ['PATH']}"),
                   "version 0.23", "needs >= 0.48", "unset FIXYASIC_YOSYS")
    assert not (out / "mac16x8.vg").exists()


# ------------------------------------------------------------------------ runs and reports
def _run_dir(tmp: Path, valid: bool = True) -> Path:
    from fixyasic.report.efficiency import DesignMetrics
    from fixyasic.report.rundir import save_design
    from fixyasic.runstatus import RunStatus

    run = tmp / "run"
    for name, p in (("ffe", 2.0), ("baseline", 6.0)):
        save_design(run, DesignMetrics(name=name, area_um2=5e5, cellarea_um2=4e5, clock_mhz=40, fmax_mhz=45,
                                       power_mw=p, power_vectorless_mw=None, leakage_mw=None,
                                       cycles_per_inference=784, ops_per_inference=300_000))
    st = RunStatus()
    st.record("flow", valid, [] if valid else ["synthesis failed"])
    st.save(run)
    return run


def test_empty_status_file_report(tmp_path):
    run = _run_dir(tmp_path)
    (run / "status.json").write_text("")
    one_line_error(cli(["report", run], tmp_path), "status.json", "empty, truncated or malformed status file")
    assert not (run / "report" / "report.html").exists()


def test_truncated_design_metrics_report(tmp_path):
    run = _run_dir(tmp_path)
    path = run / "designs" / "ffe.json"
    path.write_text(path.read_text()[:40])
    one_line_error(cli(["report", run], tmp_path), "ffe.json", "truncated or malformed")
    assert not (run / "report" / "report.html").exists()


def test_truncated_status_file_compare(tmp_path):
    run = _run_dir(tmp_path)
    (run / "metrics.json").write_text(json.dumps({"ffe": {"tops_per_w": 1.0}}))
    (run / "status.json").write_text('{"valid": true, "stag')
    one_line_error(cli(["compare", run, run], tmp_path), "status.json", "empty, truncated or malformed")


# ------------------------------------------------------------------------ training checkpoints
def test_corrupt_training_checkpoint_export(tmp_path):
    bad = tmp_path / "pretrain.pt"
    bad.write_bytes(b"PK\x03\x04 definitely not a torch checkpoint")
    out = tmp_path / "fixed.npz"
    one_line_error(cli(["export", bad, "--k", "3", "--out", out], tmp_path),
                   "corrupt or not a fixyasic checkpoint")
    assert not out.exists() and not (tmp_path / "fixed.npz.tmp").exists()


def test_weights_file_given_as_checkpoint(weights, tmp_path):
    out = tmp_path / "fixed.npz"
    one_line_error(cli(["export", weights, "--out", out], tmp_path), "not a fixyasic checkpoint")
    assert not out.exists()
