"""Onsite tracking: the `_learnq` tracker script, front-end subscribe and back in stock."""
