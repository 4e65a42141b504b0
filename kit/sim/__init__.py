"""Simulators of a deployed model in a changing world: the one deploy -> monitor -> retrain
loop (``replay``) with its retraining policies, and the feedback loops built on it
(policing, lending, delayed impact)."""
