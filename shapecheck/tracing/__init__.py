"""The shape tracer: rewrite a learner's code so that every array operation is recorded and explained."""

import os

#: shapecheck/ itself: its frames and modules never belong to the learner (not traced, not shown).
PACKAGE_DIR = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
