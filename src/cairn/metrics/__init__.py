"""Metrics: exports and their rules."""
