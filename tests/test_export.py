"""`fixyasic export`: checkpoint -> fixed-layer file, and its error paths."""

import numpy as np
import pytest
import torch

from fixyasic.cli import main
from fixyasic.datasets import load_dataset
from fixyasic.errors import InputError
from fixyasic.qnet import FixedNetwork
from fixyasic.train import checkpoint
from fixyasic.train.export import export_checkpoint, fixed_network
from fixyasic.train.trainer import Run, TrainConfig


@pytest.fixture(scope="module")
def pretrain_ckpt(tmp_path_factory):
    torch.set_num_threads(1)
    run = Run(tmp_path_factory.mktemp("exp"), TrainConfig(preset="tiny", source_limit=256, test_limit=256,
                                                         float_epochs=1, qat_epochs=1, batch_size=64,
                                                         targets=[]))
    run.pretrain()
    return run.pretrain_path


def test_cli_export_writes_loadable_file_with_provenance(pretrain_ckpt, tmp_path, capsys):
    out = tmp_path / "fixed.npz"
    assert main(["export", str(pretrain_ckpt), "--k", "3", "--out", str(out)]) == 0
    assert "3 layers" in capsys.readouterr().out
    net = FixedNetwork.load(out)
    assert [layer.kind for layer in net.layers] == ["conv", "dwconv", "pwconv"]
    assert net.input_frac_bits == 7 and net.input_shape == (1, 28, 28)
    assert net.meta["preset"] == "tiny" and net.meta["k"] == 3 and net.meta["dataset"] == "fashion_mnist"
    assert net.meta["checkpoint_sha256"] == checkpoint.file_sha256(pretrain_ckpt)
    # default K comes from the preset
    net5 = export_checkpoint(pretrain_ckpt, None, tmp_path / "d.npz")
    assert len(net5.layers) == 5
    # the file computes what the model computes
    x, _ = load_dataset("animal_mnist", "test", limit=64)
    model = checkpoint.build_model(checkpoint.load(pretrain_ckpt)).eval()
    with torch.no_grad():
        want = model.features(torch.from_numpy(x), 3).double().numpy() * 2.0 ** net.layers[-1].out_frac_bits
    assert np.array_equal(net.forward(net.quantize_input(x)), want.astype(np.int64))


def test_non_power_of_two_scales_are_refused(pretrain_ckpt, tmp_path, capsys):
    with pytest.raises(InputError, match="not a power of two"):
        export_checkpoint(pretrain_ckpt, 3, tmp_path / "x.npz", input_scale=0.01)
    assert main(["export", str(pretrain_ckpt), "--k", "3", "--out", str(tmp_path / "x.npz"),
                 "--input-scale", "0.01"]) == 2
    err = capsys.readouterr().err.strip()
    assert err.startswith("fixyasic: error:") and "power of two" in err and "\n" not in err
    with pytest.raises(InputError, match="trained with 2\\*\\*-7"):
        export_checkpoint(pretrain_ckpt, 3, tmp_path / "x.npz", input_scale=2 ** -6)
    # a checkpoint whose stored weight scale is not a power of two
    obj = checkpoint.load(pretrain_ckpt)
    obj["state"]["layers.1.w_scale"] = torch.tensor(0.3, dtype=torch.float64)
    checkpoint.save(obj, tmp_path / "odd.pt")
    with pytest.raises(InputError, match="layer 'dw1': weight scale 0.3 is not a power of two"):
        export_checkpoint(tmp_path / "odd.pt", 3, tmp_path / "x.npz")
    assert not (tmp_path / "x.npz").exists()  # nothing half-written


def test_export_bad_k_and_corrupt_checkpoint(pretrain_ckpt, tmp_path, capsys):
    with pytest.raises(InputError, match="K=99 outside"):
        export_checkpoint(pretrain_ckpt, 99, tmp_path / "x.npz")
    model = checkpoint.build_model(checkpoint.load(pretrain_ckpt))
    model.set_quantized(2)
    with pytest.raises(InputError, match="only the first 2 layers"):
        fixed_network(model, 3)
    bad = tmp_path / "corrupt.pt"
    bad.write_bytes(pretrain_ckpt.read_bytes()[:1000])
    assert main(["export", str(bad), "--k", "3", "--out", str(tmp_path / "x.npz")]) == 2
    err = capsys.readouterr().err.strip()
    assert "corrupt" in err and "\n" not in err
    assert main(["export", str(tmp_path / "none.pt"), "--out", str(tmp_path / "x.npz")]) == 2
    assert "not found" in capsys.readouterr().err
