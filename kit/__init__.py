"""deploy-ml-kit: what goes wrong when machine learning is deployed, reproduced on real data.

The notebooks import this small library; each module is one concern (data, checks,
reproducibility, models, drift, attacks...). Importing ``kit`` is cheap: torch is imported
only by the modules that need it.

>>> import kit
>>> kit.setup(0, torch=False)
Session(seed=0, scale='quick', device='cpu', threads=1)
"""

from kit import exercises  # kit.exercises.check("08", 1, answer): exercises a learner can check
from kit.check import Check
from kit.repro import Session, setup

__all__ = ["Check", "Session", "setup", "exercises"]
__version__ = "0.1.0"
