"""Tests for kit.serving: unseen categories, and serving a pipeline batch by batch."""

import warnings

import numpy as np
import pandas as pd
import pytest
from sklearn.compose import make_column_transformer
from sklearn.impute import SimpleImputer
from sklearn.linear_model import LogisticRegression
from sklearn.pipeline import make_pipeline
from sklearn.preprocessing import OneHotEncoder

import kit.data
from kit.data.credit import CATEGORICAL
from kit.serving import ServeResult, serve_batches, unseen_categories


@pytest.fixture(scope="module")
def credit():
    return kit.data.load("credit_data")


def _encoder():
    # missing values become a category of their own, so only truly new values are unknown
    return make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                         OneHotEncoder(handle_unknown="error"))


def test_unseen_rows_are_exactly_those_scikit_learn_refuses(credit):
    cols = list(CATEGORICAL)
    train, serve = credit.iloc[:30], credit.iloc[30:280]
    mask = unseen_categories(train, serve, cols).any(axis=1).to_numpy()
    assert 0 < mask.sum() < len(serve)  # rare categories missing from 30 rows occur in the next 250
    encoder = _encoder().fit(train[cols])
    refused = []
    for i in range(len(serve)):
        try:
            encoder.transform(serve[cols].iloc[[i]])
            refused.append(False)
        except ValueError:
            refused.append(True)
    np.testing.assert_array_equal(mask, refused)


def test_missing_values_count_as_a_value():
    train = pd.DataFrame({"a": ["x", "y"], "b": ["u", None]})
    serve = pd.DataFrame({"a": [None, "x"], "b": [None, "v"]}, index=[10, 11])
    out = unseen_categories(train, serve, ["a", "b"])
    assert out.index.tolist() == [10, 11]
    assert out.to_numpy().tolist() == [[True, False], [False, True]]


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(X_train=[1, 2]), TypeError, "^X_train: expected a pandas DataFrame"),
    (dict(X_serve=np.zeros((2, 1))), TypeError, "^X_serve: expected a pandas DataFrame"),
    (dict(columns="a"), TypeError, "^columns: expected a non-empty list"),
    (dict(columns=[]), TypeError, "^columns: expected a non-empty list"),
    (dict(columns=["zzz"]), KeyError, "columns: \\['zzz'\\] not in X_train"),
])
def test_unseen_categories_names_the_bad_argument(kwargs, error, match):
    args = dict(X_train=pd.DataFrame({"a": ["x"]}), X_serve=pd.DataFrame({"a": ["y"]}), columns=["a"])
    with pytest.raises(error, match=match):
        unseen_categories(**{**args, **kwargs})


def test_serve_batches_fails_exactly_the_batches_with_an_unseen_value(credit):
    cols = list(CATEGORICAL)
    train, serve = credit.iloc[:30], credit.iloc[30:280]
    y = (train["Status"] == "bad").to_numpy(int)
    model = make_pipeline(make_column_transformer((_encoder(), cols)), LogisticRegression()).fit(train, y)
    unseen = unseen_categories(train, serve, cols).any(axis=1).to_numpy()
    result = serve_batches(lambda X: model.predict_proba(X)[:, 1], serve, batch_size=20)
    per_batch = np.add.reduceat(unseen, np.arange(0, len(serve), 20)) > 0
    np.testing.assert_array_equal(result.failed, np.repeat(per_batch, 20)[: len(serve)])
    assert result.failed_batches == per_batch.sum() and result.n_batches == 13
    assert np.isnan(result.scores[result.failed]).all()
    assert np.isfinite(result.scores[~result.failed]).all()
    assert result.errors and result.errors[0].startswith("ValueError: Found unknown categories")
    # the ignore policy answers everyone, with the same scores where the strict encoder answered,
    # and (without drop=) says nothing about the unknown values it encodes as zeros
    ignore = make_pipeline(make_column_transformer(
        (make_pipeline(SimpleImputer(strategy="constant", fill_value="missing"),
                       OneHotEncoder(handle_unknown="ignore")), cols)), LogisticRegression()).fit(train, y)
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        lenient = serve_batches(lambda X: ignore.predict_proba(X)[:, 1], serve, batch_size=20)
    assert not [w for w in caught if "unknown" in str(w.message)]
    assert not lenient.failed.any()
    np.testing.assert_allclose(lenient.scores[~result.failed], result.scores[~result.failed])


def test_fallback_fills_failed_batches_silently():
    def predict(X):
        if (X > 5).any():
            raise RuntimeError("boom")
        return X[:, 0] / 10
    X = np.arange(9.0).reshape(-1, 1)
    result = serve_batches(predict, X, batch_size=4, fallback=0.0)
    assert result.scores.tolist() == [0.0, 0.1, 0.2, 0.3, 0.0, 0.0, 0.0, 0.0, 0.0]
    assert result.failed.sum() == 5 and result.failed_batches == 2 and result.errors == ("RuntimeError: boom",)
    assert "given the fallback score 0" in repr(result)


def test_serve_result_counts_a_last_partial_batch():
    r = ServeResult(np.zeros(5), np.array([False, False, False, False, True]), 2, None, ())
    assert (r.n_batches, r.failed_batches, r.failed_share) == (3, 1, 0.2)


@pytest.mark.parametrize("kwargs, error, match", [
    (dict(predict=3), TypeError, "^predict: expected a callable"),
    (dict(X=5), TypeError, "^X: expected a DataFrame or an array"),
    (dict(X=np.zeros((0, 2))), ValueError, "^X: expected at least one request"),
    (dict(batch_size=0), ValueError, "^batch_size: expected a value >= 1"),
    (dict(batch_size=2.5), TypeError, "^batch_size: expected an integer"),
    (dict(fallback=float("nan")), ValueError, "^fallback: expected a finite number"),
    (dict(predict=lambda X: np.zeros(1)), ValueError, "^predict: expected one score per request"),
])
def test_serve_batches_names_the_bad_argument(kwargs, error, match):
    args = dict(predict=lambda X: np.zeros(len(X)), X=np.zeros((4, 2)), batch_size=2)
    with pytest.raises(error, match=match):
        serve_batches(**{**args, **kwargs})


def test_http_server_answers_404_500_and_always_stops():
    from urllib.error import HTTPError, URLError

    from kit.serving import http_server, post_json

    def handle(body):
        if b"boom" in body:
            raise RuntimeError("secret detail")
        return 200, body.decode()

    with http_server(handle) as url:
        assert post_json(url + "/predict", {"x": 1}) == {"x": 1}
        with pytest.raises(HTTPError) as err:
            post_json(url + "/other", {"x": 1})
        assert err.value.code == 404
        with pytest.raises(HTTPError) as err:
            post_json(url + "/predict", "boom")
        assert err.value.code == 500 and b"secret" not in err.value.read()
    with pytest.raises(URLError):
        post_json(url + "/predict", {"x": 1}, timeout=5)
    with pytest.raises(ValueError, match="host"):
        with http_server(handle, host="10.1.2.3"):
            pass


def test_json_handler_maps_errors_to_statuses():
    from kit.serving import json_handler

    def call(xs):
        if xs == "blocked":
            raise PermissionError("too many queries")
        if xs == "crash":
            raise RuntimeError("bug")
        return [float(x) for x in xs]

    handle = json_handler(call, key="inputs", reply="outputs", statuses={PermissionError: 403})
    assert handle(b'{"inputs": [1, 2]}') == (200, '{"outputs": [1.0, 2.0]}')
    assert handle(b"not json")[0] == 400
    assert handle(b'{"rows": []}') == (400, 'body: expected a JSON object {"inputs": [...]}')
    assert handle(b'{"inputs": "blocked"}') == (403, "too many queries")
    assert handle(b'{"inputs": ["x"]}')[0] == 400 and handle(b'{"inputs": ["x"]}')[1].startswith("inputs: ")
    with pytest.raises(RuntimeError):   # http_server turns it into a 500 without the text
        handle(b'{"inputs": "crash"}')
