"""Bulk data in and out: file rows to inbox payloads (import), store to files (export)."""
