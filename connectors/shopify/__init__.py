"""The Shopify connector: Admin GraphQL pushes and pulls, signed webhooks, and a local sandbox.

Modules: ``plugin`` (hook implementations only), ``settings`` (description and settings
schema), ``client`` (GraphQL over the hub's HTTP client), ``pacing`` (the cost bucket),
``push`` / ``pull`` (the two workflows), ``translate`` (pure vendor ↔ canonical functions),
``webhooks`` (HMAC and parsing), ``documents`` (every GraphQL document sent), ``cost`` (the
calculated-cost model), ``schema`` (the saved vendor schema), ``sandbox`` (the emulator).
The guide is ``docs/connectors/shopify.md``.
"""
