"""The whole schema: importing every module that defines tables registers them on `metadata`."""

from raas.persistence import events, identification, links, notifications, register, tables

metadata = tables.metadata

__all__ = ["events", "identification", "links", "metadata", "notifications", "register"]
