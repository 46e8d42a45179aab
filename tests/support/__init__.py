"""Shared test helpers: real servers in subprocesses, payload builders."""
