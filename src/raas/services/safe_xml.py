"""The one XML parser configuration for what callers send (SOAP envelopes, SSDN documents)."""

from __future__ import annotations

from lxml import etree


def request_parser() -> etree.XMLParser:
    """A parser that resolves no entity, loads no DTD, reaches no network, refuses huge trees,
    and drops comments and processing instructions (a fresh one per request: lxml parsers keep
    state and are not shared across threads)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=False,
        remove_comments=True,
        remove_pis=True,
    )
