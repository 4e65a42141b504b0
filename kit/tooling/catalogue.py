"""The catalogue: the survey's map (stages -> steps -> our notebooks), in one place.

The welcome notebook's map, ``notebooks/README.md``, ``casestudies/README.md`` and the
scoreboard's "survey step" column are all generated from ``LESSONS`` so they never disagree.
Regenerate the READMEs with ``python -m kit catalogue --write``.

>>> find("3").stem
'03_data-augmentation'
>>> find("evasion").number
21
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

SURVEY = ("Paleyes, Urma & Lawrence (2022), Challenges in Deploying Machine Learning: "
          "a Survey of Case Studies, ACM Computing Surveys 55(6); arXiv:2011.09926")

STAGES = ("Welcome", "Data management", "Model learning", "Model verification", "Model deployment",
          "Cross-cutting aspects", "Case studies")


@dataclass(frozen=True)
class Lesson:
    """One notebook of the kit (a lesson, or a case study) and the survey step it re-enacts.

    Lessons live in ``notebooks/`` as ``NN_slug.ipynb``; case studies in ``casestudies/`` as
    ``csNN_slug.ipynb``, so a stem names one file whichever folder it is in.

    >>> Lesson(3, "data-augmentation", "Data management", "Data augmentation", "b", "f").stem
    '03_data-augmentation'
    >>> CASE_STUDIES[0].path(Path("/repo"))
    PosixPath('/repo/casestudies/cs01_credit-2008.ipynb')
    """

    number: int
    slug: str
    stage: str
    step: str
    breaks: str
    fixes: str
    modules: tuple[str, ...] = ()
    folder: str = "notebooks"

    @property
    def stem(self) -> str:
        prefix = "cs" if self.folder == "casestudies" else ""
        return f"{prefix}{self.number:02d}_{self.slug}"

    @property
    def is_case_study(self) -> bool:
        return self.folder == "casestudies"

    def path(self, root: Path) -> Path:
        return Path(root) / self.folder / f"{self.stem}.ipynb"

    def available(self, root: Path) -> bool:
        return self.path(root).exists()

    def __repr__(self) -> str:
        return f"Lesson({self.stem!r}, step={self.step!r})"


def _l(n, slug, stage, step, breaks, fixes, modules=(), folder="notebooks"):
    return Lesson(n, slug, stage, step, breaks, fixes, tuple(modules), folder)


LESSONS: tuple[Lesson, ...] = (
    _l(0, "welcome", "Welcome", "How to use the kit",
       "serving forgets the scaler the model was trained with (train/serving skew)",
       "ship the fitted pipeline, not the bare model", ["data", "check", "tooling.catalogue"]),
    _l(1, "collection-joins", "Data management", "Data collection",
       "an inner join silently drops whole carriers, a key of the wrong granularity multiplies rows, local time "
       "read as UTC attaches the wrong hour's weather, whole-day aggregates leak the future",
       "join audits and contracts (merge validate=, an unmatched budget), UTC keys, as-of (point-in-time) "
       "features scored as deployed", ["data.joins", "data"]),
    _l(2, "preprocessing-leakage", "Data management", "Data preprocessing",
       "selection fitted before the split, informative missingness imputed away, unseen categories at serving",
       "one pipeline inside the cross-validation, missing indicators, an explicit handle_unknown policy",
       ["serving", "data.credit"]),
    _l(3, "data-augmentation", "Data management", "Data augmentation",
       "augmentations that change labels; synthetic data unlike real data",
       "label-preserving policy tuned on real data, drift gate, real-data weighting",
       ["augment", "evaluate", "shift.gate", "shift.twosample", "data.synth", "models.nets"]),
    _l(4, "data-profiling", "Data management", "Data analysis",
       "hidden sentinels, duplicates, under-represented subgroups", "profile first",
       ["data.profiling", "shift.twosample"]),
    _l(5, "model-selection", "Model learning", "Model selection",
       "the leaderboard winner misses the deployment budget (size, latency)", "constraint-aware selection on a measured frontier",
       ["costs"]),
    _l(6, "training-cost", "Model learning", "Training",
       "exhaustive search burns compute and CO2", "successive halving, measured energy",
       ["compute"]),
    _l(7, "privacy-membership", "Model learning", "Privacy-aware training",
       "an overfit model leaks who was in its training set (membership inference)",
       "regularisation (L2, early stopping) and DP-SGD (opacus), the privacy/utility curve",
       ["security.membership", "models.nets", "models.private"]),
    _l(8, "business-metrics", "Model verification", "Requirement encoding",
       "the most accurate model at the 0.5 threshold loses money under the lender's cost matrix",
       "a gain matrix; model and threshold chosen by expected profit, test profit with a bootstrap interval",
       ["decisions"]),
    _l(9, "formal-verification", "Model verification", "Formal verification",
       "good accuracy, violated requirement (risk rises with income; tiny perturbations flip digits)",
       "counterexample search; monotonic constraints checked exhaustively; certified (IBP) training",
       ["verification.monotone", "verification.bounds", "security.evasion", "models.nets"]),
    _l(10, "simulation-gap", "Model verification", "Test-based verification (simulation)",
       "a simulator's test suite passes a model that fails on real digits, unevenly across slices",
       "real acceptance and slice tests with confidence bounds; targeted domain randomisation",
       ["acceptance", "data.synth"]),
    _l(11, "data-validation", "Model verification", "Test-based verification (data validation)",
       "upstream changes degrade the model silently", "schema and statistics gates",
       ["data.validation", "data.profiling"]),
    _l(12, "integration-skew", "Model deployment", "Integration",
       "a hand-written server re-implements preprocessing (train/serving skew, five sources)",
       "one fitted artifact served over HTTP; parity tests replaying training rows",
       ["parity", "serving"]),
    _l(13, "monitoring-ood", "Model deployment", "Monitoring (outliers)",
       "a digit classifier answers non-digits confidently; its own confidence (MSP) flags noise and photos "
       "but near inputs (transposed, half-erased digits, letters) fool it",
       "a feature-space OOD score (kNN distance, Sun et al. 2022) against MSP and energy, with abstention "
       "on a risk-coverage curve", ["shift.ood", "data.synth", "models.nets"]),
    _l(14, "monitoring-feedback-loops", "Model deployment", "Monitoring (feedback loops)",
       "the model's decisions shape the data it retrains on",
       "randomised exploration, inverse-propensity correction", ["sim.replay", "sim.policing", "sim.lending", "sim.impact", "fairness.thresholds"]),
    _l(15, "updating-concept-drift", "Model deployment", "Updating (concept drift)",
       "a static model decays through the 2008 recession and gradual change",
       "drift detection and retraining policies", ["sim.replay", "sim.policies", "sim.compare", "shift.detectors", "shift.twosample", "data.streams"]),
    _l(16, "updating-compatibility", "Model deployment", "Updating (backward compatibility)",
       "a more accurate update gets wrong about 5% of the people its predecessor got right (negative flips), "
       "several times the flips of retraining the same model",
       "focal distillation (compatibility-aware training) or averaging old and new; the negative-flip rate as a "
       "release gate in the retraining loop", ["evaluate", "models.compatible", "sim.replay", "sim.policies"]),
    _l(17, "ethics-bias", "Cross-cutting aspects", "Ethics (bias)",
       "a risk score, and a model retrained on the same record, flag Black defendants who did not reoffend "
       "about twice as often as white ones; dropping the race column does not help",
       "error rates measured by group; group thresholds (post-processing) or reweighing, at a price in calibration",
       ["fairness.metrics"]),
    _l(18, "ethics-authorship", "Cross-cutting aspects", "Ethics (authorship, disinformation)",
       "generated headlines pass as real; a detector trained on two n-gram generators misses most headlines of an "
       "unseen character model",
       "provenance by a green-list watermark (z-test with a known false-positive rate), robust to light editing "
       "when several texts are pooled", ["text.ngram", "text.watermark", "text.detection"]),
    _l(19, "law-unlearning", "Cross-cutting aspects", "Law (regulation)",
       "rows deleted from the database stay in the model (a membership attack still finds the erased people); "
       "refusals come without a usable explanation",
       "SISA sharded training, one shard retrained per erasure request (vs full retraining); actionable "
       "counterfactual explanations; a generated model card with the erasure procedure",
       ["models.unlearning", "counterfactual", "modelcard", "security.membership", "data.credit"]),
    _l(20, "trust-calibration", "Cross-cutting aspects", "End users' trust",
       "an over-confident network that leans on a leaked field (shortcut)",
       "temperature/isotonic calibration; permutation importance, retraining without the shortcut; "
       "act/flag modes with abstention", ["calibration"]),
    _l(21, "security-evasion", "Cross-cutting aspects", "Security (evasion)",
       "imperceptible perturbations flip predictions", "PGD adversarial training",
       ["security.evasion", "models.nets"]),
    _l(22, "security-poisoning", "Cross-cutting aspects", "Security (data poisoning)",
       "flipped labels and backdoor triggers in the training data",
       "kNN sanitisation, spectral signatures", ["security.poisoning", "security.sanitise", "models.nets"]),
    _l(23, "security-model-stealing", "Cross-cutting aspects", "Security (model stealing)",
       "a confidence-returning API is copied", "labels only, rounding, query monitoring",
       ["security.stealing", "security.api", "security.monitoring", "models.softmax"]),
    _l(24, "security-model-inversion", "Cross-cutting aspects", "Security (model inversion)",
       "a model that memorises its records lets an attacker infer their private attributes",
       "pruning, DP-SGD (opacus), query monitoring against adaptive attackers",
       ["security.inversion", "security.api", "security.monitoring", "models.nets", "models.private"]),
)

CASE_STUDIES: tuple[Lesson, ...] = (
    _l(1, "credit-2008", "Case studies", "Validation, monitoring, updating, ethics",
       "a credit model fitted on 2000-2006 borrowers stays calibrated to the boom when the 2008 recession doubles "
       "defaults, and its profit collapses",
       "a threshold from a gain matrix, a calibration monitor deciding retraining, a release gate on the "
       "negative-flip rate, a group audit, and a ledger of what each decision cost",
       ["sim.replay", "sim.policies", "shift.detectors", "decisions", "evaluate", "fairness.metrics", "data"],
       folder="casestudies"),
    _l(2, "tay-poisoning", "Case studies", "Monitoring, security (poisoning)",
       "a text model that keeps learning from its users is steered by a coordinated minority: ten accounts "
       "make its reply to a prompt their phrase within hours",
       "gates in front of the learner, each measured on the same attack: a per-user rate limit (trims it), "
       "a quarantine by a two-sample test against trusted data (stops it, starves the learner), "
       "sanitisation of repeated copies (stops it, keeps the honest gain)",
       ["security.submissions", "text.ngram", "shift.twosample", "data"], folder="casestudies"),
    _l(3, "booking-ab", "Case studies", "Requirement encoding, monitoring",
       "a recommender's offline RMSE and click-through improve but bookings saturate, and small A/B tests "
       "declare winners with exaggerated lifts",
       "a randomised trial on the business metric (bookings per visit), sized by a power calculation for the lift "
       "that pays, checked by A/A tests, with a holdout on the old model",
       ["models.factorization", "sim.conversion", "experiments", "data"], folder="casestudies"),
)

ALL: tuple[Lesson, ...] = LESSONS + CASE_STUDIES


def find(name: str | int) -> Lesson:
    """Resolve a notebook by number (``3``, ``"03"``: lessons), stem (``"cs01_credit-2008"``) or
    part of its slug (``"evasion"``, ``"cs01"``).

    >>> find("cs01").folder
    'casestudies'
    """
    if isinstance(name, bool) or not isinstance(name, (str, int)):
        raise TypeError(f"name: expected a notebook number or name, got {type(name).__name__}")
    key = str(name).strip().removesuffix(".ipynb").split("/")[-1]
    if key.isdigit():
        hits = [lesson for lesson in LESSONS if lesson.number == int(key)]
    else:
        hits = [lesson for lesson in ALL if key == lesson.stem] or [
            lesson for lesson in ALL if key in lesson.stem]
    if len(hits) != 1:
        known = ", ".join(lesson.stem for lesson in ALL)
        what = "no notebook" if not hits else f"{len(hits)} notebooks"
        raise KeyError(f"name: {what} match {name!r}; expected a number or one of: {known}")
    return hits[0]


def repo_root() -> Path:
    """The project folder holding ``notebooks/`` (the checkout this kit was installed from).

    >>> (repo_root() / "kit" / "tooling" / "catalogue.py").is_file()
    True
    """
    here = Path.cwd()
    for cand in (here, *here.parents, Path(__file__).resolve().parents[2]):
        if (cand / "notebooks").is_dir() and (cand / "kit").is_dir():
            return cand
    raise FileNotFoundError("could not find the project folder (one holding notebooks/ and kit/)")


def available(root: Path | None = None) -> list[Lesson]:
    """Lessons and case studies whose notebook exists in this checkout.

    >>> available()[0].stem
    '00_welcome'
    """
    root = root or repo_root()
    return [lesson for lesson in ALL if lesson.available(root)]


def map_table(root: Path | None = None, *, links: bool = True) -> str:
    """Markdown map: stage -> survey step -> notebook (or 'planned'); links are relative to
    ``notebooks/``.

    >>> map_table(links=False).splitlines()[0]
    '| stage | survey step | notebook | what breaks -> what fixes it |'
    """
    root = root or repo_root()
    lines = ["| stage | survey step | notebook | what breaks -> what fixes it |", "|---|---|---|---|"]
    for lesson in ALL:
        if lesson.number == 0 and not lesson.is_case_study:
            continue
        if lesson.available(root):
            href = f"../{lesson.folder}/{lesson.stem}.ipynb" if lesson.is_case_study else f"{lesson.stem}.ipynb"
            name = f"[{lesson.stem}]({href})" if links else lesson.stem
        else:
            name = f"{lesson.stem} *(planned)*"
        lines.append(f"| {lesson.stage} | {lesson.step} | {name} | {lesson.breaks} -> {lesson.fixes} |")
    return "\n".join(lines)
