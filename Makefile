.PHONY: run test format offline-server bench

run:  ## serve the app on http://127.0.0.1:8000
	bash scripts/run.sh

test:  ## lint, types and the whole suite on SQLite and PostgreSQL
	bash scripts/test.sh

format:
	.venv/bin/ruff format .
	.venv/bin/ruff check --fix .

offline-server:  ## the offline OpenAI-compatible model server on http://127.0.0.1:8100/v1
	.venv/bin/python -m backend.assistant.offline --port 8100

bench:  ## every benchmark (needs PostgreSQL, wrk and chromium)
	cd bench && ../.venv/bin/python api_load.py && ../.venv/bin/python offline_turns.py \
		&& ../.venv/bin/python chat_turns.py && ../.venv/bin/python canvas_load.py
