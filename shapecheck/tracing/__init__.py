"""The shape tracer: rewrite a learner's code so that every array operation is recorded and explained."""
