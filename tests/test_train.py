"""Training side: QAT arithmetic equals the integer reference, transfer, resume, bad input."""

import numpy as np
import pytest
import torch

from fixyasic.datasets import load_dataset
from fixyasic.errors import InputError
from fixyasic.qnet import FixedNetwork, requantize
from fixyasic.train import checkpoint, qat, results
from fixyasic.train.export import fixed_network
from fixyasic.train.model import PRESETS, Backbone, specs_from_dicts
from fixyasic.train.trainer import Run, TrainConfig, fit

TINY = dict(preset="tiny", source_limit=600, test_limit=500, float_epochs=4, qat_epochs=1, batch_size=32, lr=5e-3,
            target_limit=400, target_epochs=6, target_lr=5e-3, min_target_steps=0, targets=["sklearn_digits"])


@pytest.fixture(scope="module")
def tiny_run(tmp_path_factory):
    torch.set_num_threads(1)
    run = Run(tmp_path_factory.mktemp("run"), TrainConfig(**TINY))
    return run, run.pretrain()


def test_round_half_up_is_not_half_to_even():
    x = torch.tensor([-2.5, -1.5, -0.5, 0.5, 1.5, 2.5, 0.49999997])
    assert qat.round_half_up(x).tolist() == [-2.0, -1.0, 0.0, 1.0, 2.0, 3.0, 0.0]
    assert torch.round(x).tolist() != qat.round_half_up(x).tolist()  # the trap this avoids


def test_fake_quant_equals_qnet_requantize():
    rng = np.random.default_rng(0)
    acc = rng.integers(-40000, 40000, size=20000)
    acc[:8] = [-384, -383, -385, 383, 384, 385, 0, 128 * 256 - 128]  # exact .5 ties
    for shift in (0, 1, 5, 8, 12):
        for relu in (True, False):
            want = requantize(acc, shift, relu)
            # acc is an integer accumulator with `shift` more fractional bits than the output
            got = qat.quantize_codes(torch.from_numpy(acc).double() * 2.0 ** -shift, 0,
                                     0 if relu else -128, 127).numpy().astype(np.int64)
            assert np.array_equal(got, want), (shift, relu)


def test_power_of_two_scales_only():
    assert qat.frac_bits(2 ** -7) == 7 and qat.frac_bits(1.0) == 0 and qat.frac_bits(4.0) == -2
    for bad in (0.01, 0.0, -0.5, float("nan"), 3.0):
        with pytest.raises(InputError):
            qat.frac_bits(bad)
    with pytest.raises(InputError, match="input scale 0.01 is not a power of two"):
        TrainConfig(preset="tiny", input_scale=0.01).validate()


def test_unknown_layer_type_is_rejected():
    with pytest.raises(InputError, match="unknown layer type 'maxpool'"):
        specs_from_dicts([{"name": "p0", "kind": "maxpool", "in_channels": 1, "out_channels": 1}])
    with pytest.raises(InputError, match="stride 3"):
        specs_from_dicts([{"name": "c0", "kind": "conv", "in_channels": 1, "out_channels": 4, "stride": 3}])
    with pytest.raises(InputError, match="unknown preset"):
        TrainConfig(preset="huge").validate()


def test_presets_are_representable_in_qnet():
    for p in PRESETS.values():
        specs = p.layers()
        assert specs[0].kind == "conv" and all(s.kind in ("dwconv", "pwconv") for s in specs[1:])
        assert 1 <= p.default_k <= len(specs)


def test_quantized_torch_forward_equals_integer_reference(tiny_run, tmp_path):
    """The acceptance check: numpy integer reference == PyTorch quantized path, bit for bit."""
    run, model = tiny_run
    x = np.concatenate([load_dataset("mnist", "test", limit=300, seed=5)[0],
                        load_dataset("fashion_mnist", "test", limit=300, seed=5)[0]])
    assert len(x) >= 500
    model.eval()
    n = len(model.layers)
    net = FixedNetwork.load(fixed_network(model, n).save(tmp_path / "all.npz"))  # through the file
    ref = net.forward(net.quantize_input(x), return_all=True)
    with torch.no_grad():
        for k in range(1, n + 1):
            got = model.features(torch.from_numpy(x), k).double().numpy() * 2.0 ** net.layers[k - 1].out_frac_bits
            assert np.array_equal(got, got.round())
            assert np.array_equal(got.astype(np.int64), ref[k - 1]), f"layer {k} differs"
            # a real, working network: activations neither dead nor saturated
            assert 0.01 < (ref[k - 1] > 0).mean() and (ref[k - 1] == 127).mean() < 0.05
    assert [layer.shift for layer in net.layers] == [layer.in_frac_bits + layer.weight_frac_bits -
                                                    layer.out_frac_bits for layer in net.layers]
    # the model, after QAT, classifies the source far better than chance (10 classes)
    xs, ys = load_dataset("fashion_mnist", "test", limit=500, seed=1)
    with torch.no_grad():
        acc = (model(torch.from_numpy(xs)).argmax(1).numpy() == ys).mean()
    assert acc > 0.25


def test_transfer_fixed_layers_stay_fixed_and_table(tiny_run):
    run, pre = tiny_run
    k = 3
    r_fixed = run.transfer("sklearn_digits", k, "fixed")
    r_full = run.transfer("sklearn_digits", k, "full")
    assert r_fixed["accuracy"] > 0.2 and r_full["accuracy"] > 0.2  # 10 classes: chance is 0.1
    fixed = checkpoint.build_model(checkpoint.load(run.stage_path("sklearn_digits", k, "fixed")))
    full = checkpoint.build_model(checkpoint.load(run.stage_path("sklearn_digits", k, "full")))
    for i in range(k):
        assert torch.equal(fixed.layers[i].conv.weight, pre.layers[i].conv.weight)
    assert not torch.equal(full.layers[0].conv.weight, pre.layers[0].conv.weight)
    # same integers as exported from the pretraining checkpoint
    assert fixed_network(fixed, k).digest() == fixed_network(pre, k).digest()
    # a finished stage is reused, not retrained
    assert run.transfer("sklearn_digits", k, "fixed") == r_fixed
    run.cfg.ks = [k]
    df = results.table(run)
    assert list(df.columns) == results.COLUMNS and len(df) == 1
    row = df.iloc[0]
    assert row["diff"] == pytest.approx(row["acc_full"] - row["acc_fixed"], abs=0.011)
    assert row["nonzero_fixed_weights"] == fixed_network(pre, k).nonzero_weights() > 0
    csv, md = results.write(df, run.dir)
    assert "sklearn_digits" in csv.read_text() and md.read_text().startswith("|")


def test_interrupted_training_resumes_to_identical_weights(tmp_path):
    torch.set_num_threads(1)
    x, y = (torch.from_numpy(a) for a in load_dataset("sklearn_digits", "train", limit=256))

    def fresh():
        torch.manual_seed(0)
        return Backbone(PRESETS["tiny"].layers(), 10)

    ref = fresh()
    fit(ref, ref.parameters(), ref, x, y, 3, 2e-3, 64, 0, tmp_path / "a.pt", "t")

    model, calls = fresh(), [0]

    def dies_in_epoch_2(batch):
        calls[0] += 1
        if calls[0] == 6:  # 4 batches per epoch: dies inside the second epoch
            raise KeyboardInterrupt
        return model(batch)

    with pytest.raises(KeyboardInterrupt):
        fit(model, model.parameters(), dies_in_epoch_2, x, y, 3, 2e-3, 64, 0, tmp_path / "b.pt", "t")
    assert checkpoint.load(tmp_path / "b.pt")["epoch"] == 0
    model = fresh()
    fit(model, model.parameters(), model, x, y, 3, 2e-3, 64, 0, tmp_path / "b.pt", "t")
    for a, b in zip(ref.state_dict().values(), model.state_dict().values()):
        assert torch.equal(a, b)


def test_corrupt_checkpoints_give_clear_errors(tmp_path, tiny_run):
    run, _ = tiny_run
    bad = tmp_path / "bad.pt"
    bad.write_bytes(b"this is not a checkpoint")
    with pytest.raises(InputError, match="corrupt or not a fixyasic checkpoint"):
        checkpoint.load(bad)
    good = run.pretrain_path.read_bytes()
    bad.write_bytes(good[: len(good) // 2])  # truncated
    with pytest.raises(InputError, match="corrupt"):
        checkpoint.load(bad)
    with pytest.raises(InputError, match="not found"):
        checkpoint.load(tmp_path / "missing.pt")
    # a corrupt partial checkpoint stops a resumed run with the same message
    other = Run(tmp_path / "run2", TrainConfig(**TINY))
    (other.dir / "partial").mkdir()
    (other.dir / "partial" / "pretrain_float.pt").write_bytes(b"\x80\x02garbage")
    with pytest.raises(InputError, match="pretrain_float.pt is corrupt"):
        other.pretrain()


def test_changed_settings_refuse_existing_run_dir(tiny_run):
    run, _ = tiny_run
    with pytest.raises(InputError, match="different training settings"):
        Run(run.dir, TrainConfig(**{**TINY, "float_epochs": 5}))


def test_cli_train_on_a_user_folder_then_export(tmp_path, capsys):
    from PIL import Image

    from fixyasic.cli import main
    # two visually distinct classes of user images: bright squares vs bright bars
    rng = np.random.default_rng(0)
    for cls in ("square", "bar"):
        (tmp_path / "imgs" / cls).mkdir(parents=True)
        for i in range(12):
            im = np.zeros((32, 32), np.uint8)
            y, x = rng.integers(4, 16, size=2)
            if cls == "square":
                im[y:y + 12, x:x + 12] = 255
            else:
                im[:, x:x + 3] = 255
            Image.fromarray(im).save(tmp_path / "imgs" / cls / f"{i}.png")
    run_dir = tmp_path / "run"
    args = ["train", "--run-dir", str(run_dir), "--preset", "tiny", "--k", "3", "--source-limit", "256",
            "--test-limit", "256", "--float-epochs", "1", "--qat-epochs", "1", "--target-epochs", "2",
            "--min-target-steps", "0", "--batch-size", "64", "--targets", f"folder:{tmp_path / 'imgs'}"]
    assert main(args) == 0
    out = capsys.readouterr().out
    assert "folder:" in out and (run_dir / "accuracy.csv").exists() and (run_dir / "accuracy.md").exists()
    assert main(["export", str(run_dir / "pretrain.pt"), "--out", str(tmp_path / "f.npz")]) == 0
    assert len(FixedNetwork.load(tmp_path / "f.npz").layers) == 5  # the preset's K
    assert main([*args[:3], "--input-scale", "0.01"]) == 2
    assert "not a power of two" in capsys.readouterr().err
