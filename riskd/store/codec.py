"""JSON encoding of domain objects for storage, with msgspec (typed decode, no pickle)."""

from __future__ import annotations

from typing import TypeVar

import msgspec

from riskd.domain import Assessment, Declaration, Outcome, StoredDecision

T = TypeVar("T")

_encoder = msgspec.json.Encoder()


def encode(value: object) -> bytes:
    return _encoder.encode(value)


def decode(data: bytes | str, kind: type[T]) -> T:
    return msgspec.json.decode(data, type=kind)


def stored_decision(
    declaration_json: str | bytes, assessment_json: str | bytes, outcome_jsons: list[str]
) -> StoredDecision:
    """A decision as read back from the store's JSON columns."""
    return StoredDecision(
        assessment=decode(assessment_json, Assessment),
        declaration=decode(declaration_json, Declaration),
        outcomes=tuple(decode(o, Outcome) for o in outcome_jsons),
    )
