"""Fairness: error rates by group, reweighing, and equalising outcomes across groups (thresholds per group)."""
