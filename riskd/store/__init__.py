"""Where decisions and outcomes are kept: SQLite by default (one host), PostgreSQL for several.

Open a store with `open_store(setting)` (`riskd.store.factory`); both engines keep the
`Store` contract of `riskd.store.base` (decisions, outcomes and cases) and the schema
versions of `riskd.store.schema`.
"""

from riskd.store.base import CaseStore, DecisionStore, OutcomeRecorded, Store
from riskd.store.codec import decode, encode
from riskd.store.factory import open_profiles, open_store
from riskd.store.schema import SCHEMA_VERSION, StoreSchemaError
from riskd.store.sqlite import SqliteStore

__all__ = [
    "SCHEMA_VERSION",
    "CaseStore",
    "DecisionStore",
    "OutcomeRecorded",
    "SqliteStore",
    "Store",
    "StoreSchemaError",
    "decode",
    "encode",
    "open_profiles",
    "open_store",
]
