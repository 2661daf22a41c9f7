"""The sync engine: inbox, outbox, pushes, pulls, dead letters, channel health, reconciliation.

Service functions here do the work and take ids; the Celery tasks in :mod:`hub.worker` are thin
wrappers around them, so everything can be run (and tested) without a broker.
"""
