import numpy as np
import pytest

from fixyasic.errors import InputError
from fixyasic.qnet import FixedNetwork, requantize
from fixyasic.synthetic import random_mobilenet_stem


def naive_forward(net, x):
    a = x.astype(np.int64)
    for L in net.layers:
        c, h, w = a.shape
        oh, ow = L.out_hw(h, w)
        p = np.pad(a, ((0, 0), (L.padding,) * 2, (L.padding,) * 2))
        out = np.zeros((L.out_channels, oh, ow), dtype=np.int64)
        for o in range(L.out_channels):
            for y in range(oh):
                for xx in range(ow):
                    s = int(L.bias[o])
                    for ky in range(L.kernel):
                        for kx in range(L.kernel):
                            if L.kind == "dwconv":
                                s += int(L.weight[o, 0, ky, kx]) * int(p[o, y * L.stride + ky, xx * L.stride + kx])
                            else:
                                for ci in range(L.in_channels):
                                    s += int(L.weight[o, ci, ky, kx]) * int(p[ci, y * L.stride + ky, xx * L.stride + kx])
                    if L.shift:
                        s = (s + (1 << (L.shift - 1))) >> L.shift
                    out[o, y, xx] = min(127, max(0 if L.relu else -128, s))
        a = out
    return a


def test_forward_matches_naive_loops():
    net = random_mobilenet_stem(seed=3, input_shape=(1, 9, 9), stem=3, blocks=((4, 2),))
    rng = np.random.default_rng(0)
    x = rng.integers(0, 128, size=(2, 1, 9, 9))
    got = net.forward(x)
    for i in range(2):
        assert np.array_equal(got[i], naive_forward(net, x[i]))
    assert got.max() > 0  # not a degenerate all-zero network


def test_requantize_rounds_half_up_and_saturates():
    assert requantize(np.array([5, 6, -5, -6, 10_000, -10_000]), 2, relu=False).tolist() == [1, 2, -1, -1, 127, -128]
    assert requantize(np.array([-7, 7]), 1, relu=True).tolist() == [0, 4]


def test_save_load_roundtrip_and_digest(tmp_path):
    net = random_mobilenet_stem(seed=1)
    p = net.save(tmp_path / "ffe.npz")
    back = FixedNetwork.load(p)
    assert back.digest() == net.digest()
    x = np.random.default_rng(1).integers(0, 128, size=(3, 1, 28, 28))
    assert np.array_equal(back.forward(x), net.forward(x))


def test_corrupt_and_truncated_files_are_rejected(tmp_path):
    p = random_mobilenet_stem(seed=1).save(tmp_path / "ffe.npz")
    data = p.read_bytes()
    (tmp_path / "trunc.npz").write_bytes(data[: len(data) // 2])
    with pytest.raises(InputError, match="corrupt or truncated"):
        FixedNetwork.load(tmp_path / "trunc.npz")
    with pytest.raises(InputError, match="not found"):
        FixedNetwork.load(tmp_path / "missing.npz")


def test_shapes_must_chain():
    net = random_mobilenet_stem(seed=1)
    net.layers[1].in_channels = 99
    with pytest.raises(InputError):
        net.validate()


def test_weights_out_of_int8_range_rejected():
    net = random_mobilenet_stem(seed=1)
    net.layers[0].weight = net.layers[0].weight.copy()
    net.layers[0].weight[0, 0, 0, 0] = 200
    with pytest.raises(InputError, match="int8"):
        net.validate()


def test_wrong_format_version_rejected(tmp_path):
    import json

    net = random_mobilenet_stem(seed=2)
    p = net.save(tmp_path / "ffe.npz")
    with np.load(p) as z:
        arrays = {k: z[k] for k in z.files}
    hdr = json.loads(bytes(arrays["header"]).decode())
    hdr["version"] = 99
    arrays["header"] = np.frombuffer(json.dumps(hdr).encode(), dtype=np.uint8)
    np.savez(tmp_path / "v99.npz", **arrays)
    with pytest.raises(InputError, match="version 99 is not supported"):
        FixedNetwork.load(tmp_path / "v99.npz")


def test_tampered_weights_fail_hash_check(tmp_path):
    p = random_mobilenet_stem(seed=2).save(tmp_path / "ffe.npz")
    with np.load(p) as z:
        arrays = {k: z[k] for k in z.files}
    arrays["layer0.weight"] = arrays["layer0.weight"].copy()
    arrays["layer0.weight"].flat[0] ^= 1
    np.savez(tmp_path / "t.npz", **arrays)
    with pytest.raises(InputError, match="hash mismatch"):
        FixedNetwork.load(tmp_path / "t.npz")


def test_unwritable_output_leaves_nothing(tmp_path):
    import os

    ro = tmp_path / "ro"
    ro.mkdir()
    os.chmod(ro, 0o500)
    try:
        if os.access(ro, os.W_OK):  # root ignores permission bits; use a path under a file instead
            target = tmp_path / "afile"
            target.write_text("x")
            bad = target / "ffe.npz"
        else:
            bad = ro / "ffe.npz"
        with pytest.raises(InputError, match="cannot write"):
            random_mobilenet_stem(seed=2).save(bad)
        assert not bad.exists()
    finally:
        os.chmod(ro, 0o700)


def test_unsupported_layer_kind_named():
    net = random_mobilenet_stem(seed=1)
    net.layers[0].kind = "maxpool"
    with pytest.raises(InputError, match="layer 'conv0': unsupported layer kind 'maxpool'"):
        net.validate()
