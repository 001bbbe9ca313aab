"""PDK path resolution: the local lambdapdk data root and clear errors when it is missing."""

from __future__ import annotations

import gzip

import pytest

from fixyasic import pdk
from fixyasic.errors import PdkError


def test_sky130hd_files_exist_and_are_real():
    lib = pdk.sky130hd().check()
    with gzip.open(lib.liberty("tt"), "rt") as fh:
        head = fh.read(4000)
    assert "library" in head and "sky130_fd_sc_hd__tt_025C_1v80" in head
    assert lib.liberty("typical") == lib.liberty("tt")
    assert "MACRO sky130_fd_sc_hd__inv_1" in lib.lef.read_text()
    assert "module sky130_fd_sc_hd__inv_1" in lib.cell_verilog.read_text()
    assert "primitive" in lib.primitives_verilog.read_text()
    for path in (lib.tech_lef, lib.gds, lib.klayout_lyt, lib.klayout_lyp, lib.magic_tech):
        assert path.stat().st_size > 0


def test_env_var_overrides_and_missing_dir_names_variable(monkeypatch, tmp_path):
    missing = tmp_path / "nope"
    monkeypatch.setenv(pdk.ENV_VAR, str(missing))
    with pytest.raises(PdkError) as err:
        pdk.sky130hd()
    assert str(missing) in str(err.value) and pdk.ENV_VAR in str(err.value)


def test_missing_file_names_file_and_variable(monkeypatch, tmp_path):
    libdir = tmp_path / "lambdapdk" / "sky130" / "libs" / "sky130hd"
    libdir.mkdir(parents=True)
    monkeypatch.setenv(pdk.ENV_VAR, str(tmp_path))
    lib = pdk.sky130hd()
    assert lib.root == tmp_path.resolve()
    with pytest.raises(PdkError) as err:
        lib.liberty("tt")
    msg = str(err.value)
    assert "sky130_fd_sc_hd__tt_025C_1v80.lib.gz" in msg and pdk.ENV_VAR in msg
    with pytest.raises(PdkError, match="unknown corner"):
        lib.liberty("xx")


def test_pdk_config_is_data():
    cfg = pdk.pdk_config("sky130hd")
    assert cfg["corner"] == "tt" and cfg["clock_ns"] > 0
    assert 0 < cfg["utilization"] < 1
    assert set(cfg["pin_layers"]) == {"horizontal", "vertical"}
    assert all(c.startswith("sky130_fd_sc_hd__") for c in cfg["dont_use"])
    with pytest.raises(PdkError):
        pdk.pdk_config("no_such_pdk")


def test_no_local_data_leaves_lambdapdk_alone(monkeypatch, tmp_path):
    monkeypatch.delenv(pdk.ENV_VAR, raising=False)
    monkeypatch.setattr(pdk, "_default_shared_root", lambda: tmp_path / "absent")
    assert pdk.pdk_root() is None
    with pytest.raises(PdkError, match=pdk.ENV_VAR):
        pdk.require_pdk_root()


def test_shared_dir_next_to_checkout_is_the_default(monkeypatch):
    monkeypatch.delenv(pdk.ENV_VAR, raising=False)
    shared = pdk.repo_root().parent / "shared" / "pdk" / "lambdapdk"
    if not shared.is_dir():
        pytest.fail(f"{shared} is missing: the default PDK location (../shared) must exist here")
    assert pdk.pdk_root() == shared.resolve()
