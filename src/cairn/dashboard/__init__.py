"""The web dashboard served at `/`: metrics, profiles, keys and ingest health per account."""
