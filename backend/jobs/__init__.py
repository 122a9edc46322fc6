"""Background jobs: run in the app on a timer, and on demand with `python -m backend.jobs`."""
