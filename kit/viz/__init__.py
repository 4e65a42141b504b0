"""Plots, image grids and the precomputed-slider widget the lessons share (plumbing a learner
may skip)."""
