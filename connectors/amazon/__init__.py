"""The Amazon SP-API connector: listings and feeds pushes, order and FBA pulls, notifications.

Modules: ``plugin`` (hook implementations only), ``settings`` (description and settings
schema), ``auth`` (Login with Amazon tokens), ``pacing`` (per-operation usage plans),
``client`` (SP-API over the hub's HTTP client), ``push`` / ``feeds`` (the two push paths),
``pull`` (orders and FBA inventory), ``translate`` (pure vendor ↔ canonical functions),
``statuses`` (the order-status map), ``webhooks`` (notifications forwarded by a relay),
``contract`` (the saved vendor schemas), ``sandbox`` (the emulator). The guide is
``docs/connectors/amazon.md``.
"""
