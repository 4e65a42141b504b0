"""deploy-ml-kit: what goes wrong when machine learning is deployed, reproduced on real data.

The notebooks import this small library; each module is one concern (data, checks,
reproducibility, models, drift, attacks...). Importing ``kit`` is cheap: torch is imported
only by the modules that need it.

>>> import kit
>>> kit.setup(0, torch=False)
Session(seed=0, scale='quick', device='cpu', threads=1)
"""

import os

from kit import exercises  # kit.exercises.check("08", 1, answer): exercises a learner can check
from kit.check import Check
from kit.repro import Session, setup

# The same numbers on every x86 CPU: PyTorch, MKL and oneDNN pick their kernels by instruction set
# (AVX-512 where present), and those kernels round differently, so a notebook trained on an
# AVX-512 machine printed other digits than its stored outputs (made on AVX2). Capping them at AVX2
# makes runs agree across machines; they are read when the first kernel runs, so this holds even
# if torch was imported first (no kit module runs a kernel on import). Set a variable yourself to override it.
for _name, _value in (("ATEN_CPU_CAPABILITY", "avx2"), ("MKL_CBWR", "AVX2"), ("ONEDNN_MAX_CPU_ISA", "AVX2")):
    os.environ.setdefault(_name, _value)

__all__ = ["Check", "Session", "setup", "exercises"]
__version__ = "0.1.0"
