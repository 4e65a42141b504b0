"""Simulators of a deployed model in a changing world: the one deploy -> monitor -> retrain
loop (``replay``) with its retraining policies; the selective-labels lending loop configured
on it (``lending``); and the feedback loops of policing and of delayed impact."""
