"""Checkable exercises of the cross-cutting lessons (17-24) and the case studies (see ``kit.exercises``)."""

from __future__ import annotations

from kit.exercises.judges import Exercise

EXERCISES: list[Exercise] = []
