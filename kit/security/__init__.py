"""Attacks on deployed models and their defences (notebooks 21-24).

One module per threat: ``evasion`` (FGSM, PGD, adversarial training), ``poisoning`` (label
flips, backdoors, sanitisation), ``stealing`` (prediction APIs and extraction attacks),
``inversion`` (reconstructing class representatives).
"""
