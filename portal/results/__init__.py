"""Targets and results: monthly targets, PSI reports (进销存), payment collection, the dashboard."""
