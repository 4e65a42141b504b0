"""Checkable exercises of the model-learning lessons (05-07) (see ``kit.exercises``)."""

from __future__ import annotations

from kit.exercises.judges import Exercise

EXERCISES: list[Exercise] = []
