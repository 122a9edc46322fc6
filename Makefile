.PHONY: run test lint format offline-server bench

run:  ## serve the app on http://127.0.0.1:8000
	bash scripts/run.sh

test:  ## lint, types and the whole suite on SQLite and PostgreSQL
	bash scripts/test.sh

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .
