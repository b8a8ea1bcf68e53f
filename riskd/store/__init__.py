"""Where decisions and outcomes are kept: SQLite by default (one host), PostgreSQL for several."""

from riskd.store.base import DecisionStore, OutcomeRecorded
from riskd.store.codec import decode, encode
from riskd.store.sqlite import SqliteStore, open_store

__all__ = ["DecisionStore", "OutcomeRecorded", "SqliteStore", "decode", "encode", "open_store"]
