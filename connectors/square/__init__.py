"""The Square (POS) connector: store sales, returns and counts in; online allocation out.

See ``docs/connectors/square.md``. Modules: ``plugin`` (hooks only), ``settings``,
``client`` (HTTP edge), ``webhooks`` (signatures), ``inbound`` (completing thin
notifications), ``translate`` (pure), ``states`` (state map), ``push``, ``pull``,
``schema`` (the saved OpenAPI) and the sandbox (``sandbox*``).
"""
