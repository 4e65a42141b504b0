"""Checking that a model meets a stated requirement for every input of a set (notebook 09).

``bounds``: interval bound propagation, which certifies that no L-infinity perturbation within
``eps`` changes a network's class, and trains networks that it can certify (Gowal et al. 2018).
``monotone``: counterexample search for a monotonicity requirement and an exhaustive check of
tree ensembles (every split threshold of the feature, every split's leaf order).
"""
