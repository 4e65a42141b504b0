"""Attacks on deployed models and their defences (notebooks 21-24).

One module per threat: ``evasion`` (FGSM, PGD, adversarial training); ``poisoning`` (label
flips, backdoor triggers) with ``sanitise`` (kNN, spectral and activation-clustering defences);
``stealing`` (prediction APIs and extraction attacks) with ``monitoring`` (PRADA-style query
monitoring); ``inversion`` (reconstructing class representatives).
"""
