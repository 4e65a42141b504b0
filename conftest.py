"""Test-session settings shared by unit tests, doctests and the notebook tests.

Notebook kernels started by nbval inherit this process's environment: progress bars are
hidden so stored outputs compare exactly, and every library sees a single thread.
"""

import os

os.environ["KIT_NO_PROGRESS"] = "1"
os.environ.setdefault("OMP_NUM_THREADS", "1")
os.environ.setdefault("MKL_NUM_THREADS", "1")
os.environ.setdefault("OPENBLAS_NUM_THREADS", "1")
