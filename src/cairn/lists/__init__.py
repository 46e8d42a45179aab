"""Lists: creation, membership, exclusions."""
