.PHONY: run test lint bench

# Runs Cairn on the embedded SQLite store (./cairn-data); prints the Demo account's keys.
run:
	@scripts/bootstrap
	.venv/bin/cairn serve

# Installs what the tests need (PostgreSQL, Chromium, Python packages) and runs them all.
test:
	scripts/test

lint:
	@scripts/bootstrap dev
	.venv/bin/ruff check src tests bench
	.venv/bin/mypy
