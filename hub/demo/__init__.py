"""``stockhub demo`` (what ``make run`` runs): a whole hub on one machine, with live traffic.

It starts each vendor's sandbox, writes a hub folder whose channels point at them, runs
``stockhub run`` (API and dashboard, worker, scheduler on the embedded defaults) and replays an
omnichannel day against the sandboxes — the vendors' side of the story — so what a newcomer
watches in the dashboard is the real engine reacting to real webhooks, pulls and failures.
"""
