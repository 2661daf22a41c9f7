"""Alerts: conditions an on-call engineer must hear about, each delivered once until it clears.

:mod:`hub.alerts.conditions` finds what is true now; :mod:`hub.alerts.check` compares that with
the ``alert_state`` table and tells the sink plugins (``stockhub_alert_raised`` /
``stockhub_alert_cleared``) what is new and what went away. Built-in sinks: the log
(:mod:`hub.observers`) and a JSON webhook (:mod:`hub.alerts.webhook`).
"""

from hub.alerts.check import CheckResult, check
from hub.alerts.conditions import Condition

__all__ = ["CheckResult", "Condition", "check"]
