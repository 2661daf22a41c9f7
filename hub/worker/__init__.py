"""Celery: the app, its queues and schedule, and the thin tasks that call :mod:`hub.sync`."""
