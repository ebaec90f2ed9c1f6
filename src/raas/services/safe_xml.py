"""The one XML parser configuration for what callers send (SOAP envelopes, SSDN documents)."""

from __future__ import annotations

from lxml import etree


def request_parser(huge: bool = False) -> etree.XMLParser:
    """A parser that resolves no entity, loads no DTD, reaches no network, refuses huge trees,
    and drops comments and processing instructions (a fresh one per request: lxml parsers keep
    state and are not shared across threads). `huge`: a text node may exceed libxml2's 10 MB
    (a file's base64 content, within the gateway's size limit; the depth is checked apart)."""
    return etree.XMLParser(
        resolve_entities=False,
        no_network=True,
        load_dtd=False,
        dtd_validation=False,
        huge_tree=huge,
        remove_comments=True,
        remove_pis=True,
    )
