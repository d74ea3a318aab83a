"""Tests of onboarding training: authoring, assignments, learning, exams and certificates."""
