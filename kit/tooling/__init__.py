"""Course tooling, apart from the lessons: the command line, the notebook runner and scoreboard,
the catalogue (the survey map), README generation, the notebook contract and student handouts.

Lesson modules (everything else in ``kit``) never import this package; ``tests/test_layout.py``
checks that direction.
"""
