"""Connector plugins shipped with stockhub: one package per vendor (shopify, amazon, square,
shipbob), each registered through the ``stockhub.connectors`` entry point like a third-party
plugin. Connectors import only ``hub``'s public API; ``hub`` never imports a connector."""
