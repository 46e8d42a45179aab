"""Segments: a condition language over profiles and their events, and its evaluation."""
