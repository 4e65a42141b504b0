"""Checkable exercises of the model-deployment lessons (12-16) (see ``kit.exercises``)."""

from __future__ import annotations

from kit.exercises.judges import Exercise

EXERCISES: list[Exercise] = []
