"""Track & Identify endpoints and payload decoding."""
