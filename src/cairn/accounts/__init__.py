"""Accounts (tenants) and their keys."""
