"""Fairness: measuring and equalising outcomes across groups (thresholds per group)."""
