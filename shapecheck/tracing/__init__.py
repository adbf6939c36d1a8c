"""The shape tracer: rewrite a learner's code so that every array operation is recorded and explained."""

import os

#: shapecheck/ itself: its frames and modules never belong to the learner (not traced, not shown).
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))


def in_shapecheck(filename: str) -> bool:
    """Whether a frame's file is shapecheck's own: one of its modules, or a generated operator function."""
    return filename.startswith("<shapecheck ") or os.path.abspath(filename).startswith(PACKAGE_DIR + os.sep)
