"""The ShipBob connector: the 3PL's counts, shipments and returns, and a local sandbox.

ShipBob owns the physical counts at its fulfillment centers; the hub reads them and never
writes them (ShipBob has no endpoint that sets a quantity). Modules: ``plugin`` (hook
implementations only), ``settings`` (description and settings schema), ``client`` (REST over
the hub's HTTP client, ``x-retry-after``), ``pull`` (counts, orders, returns by cursor),
``translate`` (pure vendor → canonical functions), ``webhooks`` (Standard Webhooks signatures
and parsing), ``quantities`` (the quantity-field map), ``schema`` (the saved OpenAPI and request
validation), ``sandbox*`` (the emulator). The guide is ``docs/connectors/shipbob.md``.
"""
