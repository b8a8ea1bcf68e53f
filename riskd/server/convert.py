"""Conversion between riskd.v1 protobuf messages and domain types; the only place that does it.

Conversion from the wire collects every problem it can see (unset enums, missing timestamps)
into field violations, then the domain validation adds the rest, so one INVALID_ARGUMENT
names every bad field at once.
"""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, datetime
from typing import TypeVar

from google.protobuf.timestamp_pb2 import Timestamp

from riskd import domain as d
from riskd.settings import Limits
from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import declaration_pb2 as dpb
from riskd.validation import validate_declaration

_DIRECTION: dict[int, d.Direction] = {
    dpb.DIRECTION_IMPORT: d.Direction.IMPORT,
    dpb.DIRECTION_EXPORT: d.Direction.EXPORT,
    dpb.DIRECTION_TRANSIT: d.Direction.TRANSIT,
}
_TRANSPORT: dict[int, d.TransportMode] = {
    dpb.TRANSPORT_MODE_SEA: d.TransportMode.SEA,
    dpb.TRANSPORT_MODE_AIR: d.TransportMode.AIR,
    dpb.TRANSPORT_MODE_ROAD: d.TransportMode.ROAD,
    dpb.TRANSPORT_MODE_RAIL: d.TransportMode.RAIL,
    dpb.TRANSPORT_MODE_POSTAL: d.TransportMode.POSTAL,
    dpb.TRANSPORT_MODE_COURIER: d.TransportMode.COURIER,
}
_PROCEDURE: dict[int, d.Procedure] = {
    dpb.PROCEDURE_UNSPECIFIED: d.Procedure.STANDARD,
    dpb.PROCEDURE_STANDARD: d.Procedure.STANDARD,
    dpb.PROCEDURE_EXHIBITION: d.Procedure.EXHIBITION,
    dpb.PROCEDURE_TEMPORARY_ADMISSION: d.Procedure.TEMPORARY_ADMISSION,
    dpb.PROCEDURE_WAREHOUSING: d.Procedure.WAREHOUSING,
    dpb.PROCEDURE_PROCESSING: d.Procedure.PROCESSING,
}
_OUTCOME_RESULT: dict[int, d.OutcomeResult] = {
    apb.OUTCOME_RESULT_NO_INFRINGEMENT: d.OutcomeResult.NO_INFRINGEMENT,
    apb.OUTCOME_RESULT_SEIZED: d.OutcomeResult.SEIZED,
    apb.OUTCOME_RESULT_HOLDER_NOT_CONFIRMED: d.OutcomeResult.HOLDER_NOT_CONFIRMED,
}
_CONTROL: dict[int, d.ControlType] = {
    apb.CONTROL_TYPE_DOCUMENT: d.ControlType.DOCUMENT,
    apb.CONTROL_TYPE_PHYSICAL: d.ControlType.PHYSICAL,
    apb.CONTROL_TYPE_POST_CLEARANCE: d.ControlType.POST_CLEARANCE,
}


K = TypeVar("K")
V = TypeVar("V")


def _inverse(table: dict[K, V]) -> dict[V, K]:
    return {v: k for k, v in table.items() if k != 0}


# --- from the wire ---


def declaration_from_pb(msg: dpb.Declaration, limits: Limits, prefix: str = "") -> d.Declaration:
    """A validated domain declaration, or InvalidInput naming every bad field."""
    problems: list[d.FieldViolation] = []

    def enum(field: str, table: dict[int, V], value: int, fallback: V) -> V:
        if value in table:
            return table[value]
        what = "is required" if value == 0 else f"has unknown value {value}"
        problems.append(d.FieldViolation(prefix + field, what))
        return fallback

    declared_at = _EPOCH
    if not msg.HasField("declared_at"):
        problems.append(d.FieldViolation(prefix + "declared_at", "is required"))
    else:
        declared_at = _timestamp_or_violation(msg.declared_at, prefix + "declared_at", problems)
    declaration = d.Declaration(
        declaration_id=msg.declaration_id,
        declared_at=declared_at,
        direction=enum("direction", _DIRECTION, msg.direction, d.Direction.IMPORT),
        customs_office=msg.customs_office,
        transport_mode=enum("transport_mode", _TRANSPORT, msg.transport_mode, d.TransportMode.SEA),
        procedure=enum("procedure", _PROCEDURE, msg.procedure, d.Procedure.STANDARD),
        declarant=_party(msg, "declarant"),
        importer=_party(msg, "importer"),
        exporter=_party(msg, "exporter"),
        consignee=_party(msg, "consignee"),
        origin_country=msg.origin_country,
        departure_country=msg.departure_country,
        destination_country=msg.destination_country,
        items=tuple(_item(i) for i in msg.items[: limits.max_items + 1]),
    )
    if len(msg.items) > limits.max_items:
        problems.append(
            d.FieldViolation(
                prefix + "items", f"has {len(msg.items)} items; at most {limits.max_items} allowed"
            )
        )
        declaration = replace(declaration, items=declaration.items[: limits.max_items])
    problems.extend(validate_declaration(declaration, limits, prefix))
    if problems:
        raise d.InvalidInput(problems)
    return declaration


_EPOCH = datetime(1970, 1, 1, tzinfo=UTC)


def _timestamp_or_violation(
    ts: Timestamp, field: str, problems: list[d.FieldViolation]
) -> datetime:
    try:
        return ts.ToDatetime(tzinfo=UTC)
    except (ValueError, OverflowError, OSError):
        problems.append(d.FieldViolation(field, "is not a valid timestamp"))
        return _EPOCH


def _party(msg: dpb.Declaration, name: str) -> d.Party | None:
    if not msg.HasField(name):  # type: ignore[arg-type]
        return None
    party: dpb.Party = getattr(msg, name)
    return d.Party(id=party.id, name=party.name, country=party.country)


def _item(msg: dpb.Item) -> d.Item:
    value = d.Money(msg.value.amount, msg.value.currency) if msg.HasField("value") else None
    return d.Item(
        line_no=msg.line_no,
        hs_code=msg.hs_code,
        description=msg.description,
        brand=msg.brand,
        model=msg.model,
        quantity=msg.quantity,
        unit=msg.unit,
        net_mass_kg=msg.net_mass_kg,
        value=value,
        origin_country=msg.origin_country,
    )


def outcome_from_pb(msg: apb.Outcome, now: datetime) -> d.Outcome:
    problems: list[d.FieldViolation] = []
    if not msg.outcome_id.strip():
        problems.append(d.FieldViolation("outcome.outcome_id", "is required"))
    elif len(msg.outcome_id) > 64:
        problems.append(d.FieldViolation("outcome.outcome_id", "at most 64 characters"))
    if not msg.decision_id.strip():
        problems.append(d.FieldViolation("outcome.decision_id", "is required"))
    if msg.result not in _OUTCOME_RESULT:
        what = "is required" if msg.result == 0 else f"has unknown value {msg.result}"
        problems.append(d.FieldViolation("outcome.result", what))
    if msg.control != 0 and msg.control not in _CONTROL:
        problems.append(d.FieldViolation("outcome.control", f"has unknown value {msg.control}"))
    recorded_at = now
    if msg.HasField("recorded_at"):
        recorded_at = _timestamp_or_violation(msg.recorded_at, "outcome.recorded_at", problems)
    seized = None
    if msg.HasField("seized_value"):
        seized = d.Money(msg.seized_value.amount, msg.seized_value.currency)
        if not (seized.amount >= 0 and seized.amount < float("inf")):
            problems.append(
                d.FieldViolation("outcome.seized_value.amount", "must be finite, non-negative")
            )
    if len(msg.notes.encode("utf-8")) > 4096:
        problems.append(d.FieldViolation("outcome.notes", "at most 4096 bytes allowed"))
    if len(msg.officer) > 64:
        problems.append(d.FieldViolation("outcome.officer", "at most 64 characters allowed"))
    if len(msg.recordation_ids) > 100:
        problems.append(d.FieldViolation("outcome.recordation_ids", "at most 100 allowed"))
    if problems:
        raise d.InvalidInput(problems)
    return d.Outcome(
        outcome_id=msg.outcome_id,
        decision_id=msg.decision_id,
        result=_OUTCOME_RESULT[msg.result],
        recorded_at=recorded_at,
        control=_CONTROL.get(msg.control),
        recordation_ids=tuple(msg.recordation_ids),
        seized_value=seized,
        officer=msg.officer,
        notes=msg.notes,
    )


# --- to the wire ---

_DIRECTION_PB = _inverse(_DIRECTION)
_TRANSPORT_PB = _inverse(_TRANSPORT)
_PROCEDURE_PB = {v: k for k, v in _PROCEDURE.items() if k != dpb.PROCEDURE_UNSPECIFIED}
_RESULT_PB = _inverse(_OUTCOME_RESULT)
_CONTROL_PB = _inverse(_CONTROL)


def _ts(value: datetime) -> Timestamp:
    ts = Timestamp()
    ts.FromDatetime(value)
    return ts


def _money(value: d.Money) -> dpb.Money:
    return dpb.Money(amount=value.amount, currency=value.currency)


def declaration_to_pb(value: d.Declaration) -> dpb.Declaration:
    msg = dpb.Declaration(
        declaration_id=value.declaration_id,
        declared_at=_ts(value.declared_at),
        direction=_DIRECTION_PB[value.direction],  # type: ignore[arg-type]
        customs_office=value.customs_office,
        transport_mode=_TRANSPORT_PB[value.transport_mode],  # type: ignore[arg-type]
        procedure=_PROCEDURE_PB[value.procedure],  # type: ignore[arg-type]
        origin_country=value.origin_country,
        departure_country=value.departure_country,
        destination_country=value.destination_country,
    )
    for name in ("declarant", "importer", "exporter", "consignee"):
        party: d.Party | None = getattr(value, name)
        if party is not None:
            getattr(msg, name).CopyFrom(
                dpb.Party(id=party.id, name=party.name, country=party.country)
            )
    for item in value.items:
        pb_item = msg.items.add(
            line_no=item.line_no,
            hs_code=item.hs_code,
            description=item.description,
            brand=item.brand,
            model=item.model,
            quantity=item.quantity,
            unit=item.unit,
            net_mass_kg=item.net_mass_kg,
            origin_country=item.origin_country,
        )
        if item.value is not None:
            pb_item.value.CopyFrom(_money(item.value))
    return msg


def _enum_value(enum_type: object, prefix: str, member: str) -> int:
    return int(enum_type.Value(f"{prefix}_{member}"))  # type: ignore[attr-defined]


def assessment_to_pb(value: d.Assessment) -> apb.Assessment:
    msg = apb.Assessment(
        decision_id=value.decision_id,
        declaration_id=value.declaration_id,
        recommendation=_enum_value(apb.Recommendation, "RECOMMENDATION", value.recommendation),  # type: ignore[arg-type]
        lane=_enum_value(apb.Lane, "LANE", value.lane),  # type: ignore[arg-type]
        risk_score=value.risk_score,
        random_selection=value.random_selection,
        versions=versions_to_pb(value.versions),
        decided_at=_ts(value.decided_at),
    )
    for reason in value.reasons:
        msg.reasons.add(
            kind=_enum_value(apb.ReasonKind, "REASON_KIND", reason.kind),  # type: ignore[arg-type]
            code=reason.code,
            message=reason.message,
            weight=reason.weight,
        )
    for item in value.items:
        pb_item = msg.items.add(line_no=item.line_no)
        for m in item.matches:
            pb_item.matches.add(
                recordation_id=m.recordation_id,
                mark=m.mark,
                holder=m.holder,
                matched_text=m.matched_text,
                score=m.score,
                method=_enum_value(apb.MatchMethod, "MATCH_METHOD", m.method),  # type: ignore[arg-type]
                authorised=m.authorised,
                raises_risk=m.raises_risk,
                no_risk_reason=(
                    _enum_value(apb.NoRiskReason, "NO_RISK_REASON", m.no_risk_reason)  # type: ignore[arg-type]
                    if m.no_risk_reason is not None
                    else apb.NO_RISK_REASON_UNSPECIFIED
                ),
                explanation=m.explanation,
                field=m.field,
                span_start=m.span_start,
                span_end=m.span_end,
                right_type=_enum_value(apb.RightType, "RIGHT_TYPE", m.right_type),  # type: ignore[arg-type]
                corroboration=[
                    _enum_value(apb.Corroboration, "CORROBORATION", c)  # type: ignore[arg-type]
                    for c in m.corroboration
                ],
            )
    for hit in value.rule_hits:
        msg.rule_hits.add(
            rule_id=hit.rule_id,
            action=(
                _enum_value(apb.Recommendation, "RECOMMENDATION", hit.action)  # type: ignore[arg-type]
                if hit.action is not None
                else apb.RECOMMENDATION_UNSPECIFIED
            ),
            version=hit.version,
            title=hit.title,
            score=hit.score,
            shadow=hit.shadow,
            line_nos=list(hit.line_nos),
        )
    if value.model_score is not None:
        msg.model_score = value.model_score
    for c in value.contributions:
        msg.contributions.add(feature=c.feature, value=c.value, contribution=c.contribution)
    for n in value.notify:
        msg.notify.add(
            recordation_id=n.recordation_id, holder=n.holder, holder_contact=n.holder_contact
        )
    if value.referral is not None:
        msg.referral.CopyFrom(
            apb.Referral(
                referred=value.referral.referred,
                estimated_value=_money(value.referral.estimated_value),
                threshold=_money(value.referral.threshold),
            )
        )
    return msg


def outcome_to_pb(value: d.Outcome) -> apb.Outcome:
    msg = apb.Outcome(
        outcome_id=value.outcome_id,
        decision_id=value.decision_id,
        result=_RESULT_PB[value.result],  # type: ignore[arg-type]
        control=_CONTROL_PB.get(value.control, 0) if value.control else 0,  # type: ignore[arg-type]
        recordation_ids=list(value.recordation_ids),
        recorded_at=_ts(value.recorded_at),
        officer=value.officer,
        notes=value.notes,
    )
    if value.seized_value is not None:
        msg.seized_value.CopyFrom(_money(value.seized_value))
    return msg


def versions_to_pb(value: d.Versions) -> apb.Versions:
    return apb.Versions(
        register=value.register, rules=value.rules, model=value.model, policy=value.policy
    )
