"""Checkable exercises of the data-management lessons (01-04) (see ``kit.exercises``)."""

from __future__ import annotations

from kit.exercises.judges import Exercise

EXERCISES: list[Exercise] = []
