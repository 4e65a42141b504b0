"""Tests for kit.security.stealing (notebook 23): exact extraction, defences, the HTTP server."""

import numpy as np
import pytest
from sklearn.linear_model import LogisticRegression

from kit.models import softmax
from kit.security import api as service
from kit.security import monitoring as mon
from kit.security import stealing as st
from kit.viz import plots


@pytest.fixture(scope="module")
def digits_model():
    from sklearn.datasets import load_digits

    d = load_digits()
    X = d.data / 16.0
    return X[:600], d.target[:600], X[600:900], softmax.fit_softmax_regression(X[:600], d.target[:600], l2=1e-3)


def test_fit_matches_sklearn(digits_model):
    X, y, X_te, model = digits_model
    # sklearn minimises sum CE + ||W||^2 / (2C); ours mean CE + l2 ||W||^2 -> C = 1 / (2 n l2)
    ref = LogisticRegression(C=1 / (2 * len(X) * 1e-3), max_iter=2000, tol=1e-8).fit(X, y)
    assert np.mean(ref.predict(X_te) == model.predict(X_te)) > 0.98
    assert np.abs(ref.predict_proba(X_te) - model.predict_proba(X_te)).max() < 0.05


def test_equation_solving_is_exact_with_d_plus_1(digits_model):
    X, y, X_te, model = digits_model
    api = service.PredictionAPI(model.predict_proba)
    copy = st.extract_softmax_regression(api, n_features=64, seed=3)
    assert api.n_queries == 65
    assert st.agreement(copy, model, X_te) == 1.0
    assert st.log_prob_error(copy, model, X_te) < 1e-6


def test_rounding_breaks_equation_solving(digits_model):
    X, y, X_te, model = digits_model
    api = service.PredictionAPI(model.predict_proba, decimals=2)
    copy = st.extract_softmax_regression(api, n_features=64, floor=0.005, seed=3)
    assert st.agreement(copy, model, X_te) < 0.9
    assert st.log_prob_error(copy, model, X_te) > 0.1


def test_labels_only_api_refuses_equation_solving(digits_model):
    X, y, X_te, model = digits_model
    api = service.PredictionAPI(model.predict_proba, output="label")
    out = api.query(X_te[:5])
    assert out.shape == (5,) and out.dtype.kind in "iu"
    with pytest.raises(ValueError, match="api: equation solving needs confidences"):
        st.extract_softmax_regression(api, n_features=64)


def test_learning_extraction_improves_with_budget(digits_model):
    X, y, X_te, model = digits_model
    api = service.PredictionAPI(model.predict_proba, output="label")
    small = st.extract_by_learning(api, X_te[:20], model="linear")
    large = st.extract_by_learning(api, np.vstack([X_te, X[:300]]), model="linear")
    assert st.agreement(large, model, X_te) > st.agreement(small, model, X_te)


def test_mlp_extraction_through_the_training_loop_reaches_high_agreement(digits_model):
    X, y, X_te, model = digits_model
    torch = pytest.importorskip("torch")
    before = torch.get_rng_state()
    soft = st.extract_by_learning(service.PredictionAPI(model.predict_proba), X, epochs=10, seed=0)
    again = st.extract_by_learning(service.PredictionAPI(model.predict_proba), X, epochs=10, seed=0)
    rounded = st.extract_by_learning(service.PredictionAPI(model.predict_proba, decimals=1), X,
                                     epochs=10, seed=0)
    labels = st.extract_by_learning(service.PredictionAPI(model.predict_proba, output="label"), X,
                                    epochs=10, seed=0)
    assert torch.equal(before, torch.get_rng_state())
    assert st.agreement(soft, model, X_te) >= 0.88
    assert st.agreement(rounded, model, X_te) >= 0.85 and st.agreement(labels, model, X_te) >= 0.85
    np.testing.assert_array_equal(soft.predict_proba(X_te), again.predict_proba(X_te))
    assert soft.predict_proba(X_te[:3].reshape(3, 8, 8)).shape == (3, 10)  # images are flattened
    assert repr(soft) == "Surrogate(kind='mlp')"


def test_server_round_trip_and_block(digits_model):
    X, y, X_te, model = digits_model
    api = service.PredictionAPI(model.predict_proba)
    with service.serve(api) as remote:
        assert remote.url.startswith("http://127.0.0.1:")
        np.testing.assert_array_equal(remote.query(X_te[:3]), model.predict_proba(X_te[:3]))
    assert api.n_queries == 3
    monitored = service.PredictionAPI(model.predict_proba, monitor=mon.QueryMonitor(X[:300], min_queries=20))
    with service.serve(monitored) as remote:
        with pytest.raises(mon.QueryBlocked):
            remote.query(np.random.default_rng(0).random((30, 64)))


def test_monitor_flags_synthetic_not_natural(digits_model):
    X, y, X_te, model = digits_model
    rng = np.random.default_rng(0)
    natural = mon.QueryMonitor(X[:300])
    assert not natural.observe(X_te[:200])
    seeds = X_te[:10]
    perturbed = np.clip(seeds[rng.integers(0, 10, 200)] + 0.1 * rng.standard_normal((200, 64)), 0, 1)
    m = mon.QueryMonitor(X[:300])
    assert m.observe(perturbed) and m.flagged_at == 200
    api = service.PredictionAPI(model.predict_proba, monitor=mon.QueryMonitor(X[:300]))
    answered, _, blocked = mon.query_until_blocked(api, rng.random((200, 64)), batch_size=25)
    assert blocked and len(answered) < 65


def test_bad_arguments():
    with pytest.raises(ValueError, match=r"output: expected one of \['proba', 'label'\], got 'logits'"):
        service.PredictionAPI(lambda X: X, output="logits")
    with pytest.raises(ValueError, match="n_queries: expected a value >= 6, got 3"):
        st.extract_softmax_regression(service.PredictionAPI(lambda X: X), n_features=5, n_queries=3)
    with pytest.raises(ValueError, match=r"b: expected 2 entries \(one per class: the columns of W\), got 3"):
        softmax.SoftmaxRegression(np.zeros((3, 2)), np.zeros(3))
    with pytest.raises(ValueError, match=r"model: expected one of \['mlp', 'linear'\], got 'tree'"):
        st.extract_by_learning(service.PredictionAPI(lambda X: X), np.zeros((3, 2)), model="tree")
    with pytest.raises(ValueError, match=r"kind: expected one of \['mlp', 'linear'\], got 'tree'"):
        st.Surrogate(None, "tree")
    with pytest.raises(ValueError, match="curves: 'a' has 2 budgets but 1 agreements"):
        plots.plot_fidelity({"a": ([1, 2], [0.5])})
    assert "n_queries=0" in repr(service.PredictionAPI(lambda X: X))


def test_queries_the_api_refuses_name_the_argument():
    secret = softmax.SoftmaxRegression(np.ones((4, 3)), np.zeros(3))
    api = service.PredictionAPI(secret.predict_proba)
    with pytest.raises(ValueError, match="^n_features: the API refused"):
        st.extract_softmax_regression(api, n_features=2)
    with pytest.raises(ValueError, match="^X_query: the API refused"):
        st.extract_by_learning(api, np.zeros((5, 7)), epochs=1)
    with pytest.raises(ValueError, match="^X_query: expected values that fit in float32"):
        st.extract_by_learning(api, np.full((5, 4), 1e154), epochs=1)
    with pytest.raises(ValueError, match="^model: "):
        st.extract_by_learning(api, np.zeros((5, 4)), model=np.zeros(2))
    with pytest.raises(ValueError, match="^output: "):
        service.PredictionAPI(secret.predict_proba, output=np.zeros(2))


def test_softmax_regression_errors_name_the_argument():
    with pytest.raises(ValueError, match="^b: .*columns of W"):
        softmax.SoftmaxRegression(np.zeros((2, 5)), np.zeros(2))
    X = np.full((30, 4), 9.5e153) * (np.arange(120).reshape(30, 4) % 2)
    with pytest.raises(ValueError, match="^X: the fit overflowed"):
        softmax.fit_softmax_regression(X, np.repeat([0, 1], 15), max_iter=20)


def test_solving_the_answered_queries_is_the_extraction_step():
    from kit.models.softmax import SoftmaxRegression
    from kit.security.api import PredictionAPI

    rng = np.random.default_rng(3)
    secret = SoftmaxRegression(rng.normal(size=(5, 3)), rng.normal(size=3))
    extracted = st.extract_softmax_regression(PredictionAPI(secret.predict_proba), n_features=5, seed=7)
    Q = np.random.default_rng(7).random((6, 5))               # the queries extraction makes
    solved = st.solve_softmax_regression(Q, secret.predict_proba(Q))
    np.testing.assert_array_equal(solved.W, extracted.W)
    few = st.solve_softmax_regression(Q[:3], secret.predict_proba(Q[:3]))   # blocked early: min-norm
    assert few.W.shape == (5, 3) and np.all(np.isfinite(few.W))
    with pytest.raises(ValueError, match="^P: "):
        st.solve_softmax_regression(Q, np.zeros((6, 3)), floor=0)
    with pytest.raises(ValueError, match="X_query has 6, P has 4"):
        st.solve_softmax_regression(Q, secret.predict_proba(Q)[:4])
