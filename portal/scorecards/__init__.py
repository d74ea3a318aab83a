"""Monthly partner scorecards and tier changes."""
