"""The ``custom`` connector: in-house systems speaking stockhub's own small JSON protocol.

* :mod:`connectors.custom.protocol` — paths, request and answer shapes, signatures (pure);
* :mod:`connectors.custom.plugin` — the hook implementations (entry point ``custom``);
* :mod:`connectors.custom.sandbox` — an emulator of such a system, in process or over HTTP,
  with fault injection.

The protocol, the channel settings and a worked example are in ``README.md`` beside this file.
"""
