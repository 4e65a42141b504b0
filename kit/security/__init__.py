"""Attacks on deployed models and their defences (notebooks 21-24).

One module per threat: ``evasion`` (FGSM, PGD, adversarial training), ``poisoning`` (label
flips, backdoors; kNN, activation-clustering and spectral sanitisation), ``stealing``
(prediction APIs and extraction attacks), ``monitoring`` (PRADA-style query monitoring),
``inversion`` (reconstructing class representatives).
"""
