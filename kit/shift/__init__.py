"""Distribution shift: two-sample tests (KS, PSI, MMD, domain-classifier AUC), drift detectors
with one verb (``update`` then read ``drift_detected``), and the augmentation drift gate."""
