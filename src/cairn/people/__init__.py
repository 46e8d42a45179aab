"""People: profile edits and data-privacy deletion."""
