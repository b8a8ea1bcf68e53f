"""The JSON Schema of rule directory files, generated from the field catalogue.

Published as docs/rules.schema.json so officers' editors (e.g. with the YAML language server:
`# yaml-language-server: $schema=../docs/rules.schema.json`) complete field names and
operators and flag mistakes as they type. The checker (`riskd rules check`) remains the
authority: it also knows types per field, watchlist names and expiry.
"""

from __future__ import annotations

import json
from typing import Any

from riskd.domain import Direction, Procedure, Recommendation, RightType, TransportMode
from riskd.policy import Combine
from riskd.rules.ast import Op, RuleSeverity
from riskd.rules.fields import FIELDS, ROLES, FieldType
from riskd.rules.lists import ROUTE_KEYS, ListKind
from riskd.rules.parse import MATCH_KEYS, RULE_ID

SCHEMA_ID = "https://riskd.example/schemas/rules.schema.json"
Schema = dict[str, Any]

_STRING_OPS = (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.PREFIX, Op.CONTAINS, Op.EXISTS)
_NUMBER_OPS = (Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.BETWEEN, Op.EXISTS)
_BOOLEAN_OPS = (Op.EQ, Op.NE, Op.EXISTS)

_DATE: Schema = {"type": "string", "format": "date", "description": "YYYY-MM-DD"}
_TEXTS: Schema = {
    "oneOf": [{"type": "string"}, {"type": "array", "items": {"type": "string"}, "minItems": 1}]
}


def _enum(values: list[str], description: str = "") -> Schema:
    schema: Schema = {"type": "string", "enum": values}
    if description:
        schema["description"] = description
    return schema


def _operand(op: Op, kind: FieldType) -> Schema:
    if op is Op.EXISTS:
        return {"type": "boolean", "description": "true: the value is known"}
    if op in (Op.IN, Op.NOT_IN):
        return {
            "type": "array",
            "items": {"type": "string"},
            "minItems": 1,
            "description": "texts (quote HS codes)",
        }
    if op is Op.PREFIX:
        return {**_TEXTS, "description": "text(s) the value starts with"}
    if op is Op.CONTAINS:
        return {**_TEXTS, "description": "word(s) the value contains, ignoring case"}
    if op is Op.BETWEEN:
        return {
            "type": "array",
            "items": {"type": "number"},
            "minItems": 2,
            "maxItems": 2,
            "description": "[low, high], both included",
        }
    if kind is FieldType.NUMBER or op in (Op.LT, Op.LE, Op.GT, Op.GE):
        return {"type": "number"}
    if kind is FieldType.BOOLEAN:
        return {"type": "boolean"}
    return {"type": "string"}


def _comparison(kind: FieldType, ops: tuple[Op, ...]) -> Schema:
    names = sorted(n for n, f in FIELDS.items() if f.type is kind)
    # one const per field, so that editors show each field's meaning while completing
    field: Schema = {"anyOf": [{"const": n, "description": FIELDS[n].doc} for n in names]}
    return {
        "type": "object",
        "required": ["field"],
        "minProperties": 2,
        "maxProperties": 2,
        "properties": {"field": field, **{op.value: _operand(op, kind) for op in ops}},
        "additionalProperties": False,
    }


def _feature_comparison() -> Schema:
    """Undocumented fields are read from the declaration's features (a check warning)."""
    return {
        "type": "object",
        "required": ["field"],
        "minProperties": 2,
        "maxProperties": 2,
        "properties": {
            "field": {"type": "string", "not": {"enum": sorted(FIELDS)}},
            **{op.value: {} for op in Op},
        },
        "additionalProperties": False,
    }


def _condition_defs() -> Schema:
    def single(key: str, value: Schema, description: str) -> Schema:
        return {
            "type": "object",
            "required": [key],
            "additionalProperties": False,
            "properties": {key: {**value, "description": description}},
        }

    conditions = {"$ref": "#/$defs/condition"}
    return {
        "condition": {
            "description": "all, any, not, on_list, match, or {field: NAME, <operator>: VALUE}",
            "anyOf": [
                single(
                    "all",
                    {"type": "array", "items": conditions, "minItems": 1},
                    "every condition holds",
                ),
                single(
                    "any",
                    {"type": "array", "items": conditions, "minItems": 1},
                    "at least one condition holds",
                ),
                single("not", conditions, "the condition does not hold"),
                single("on_list", {"type": "string"}, "name of a watchlist or tip-off list"),
                single(
                    "match",
                    {"$ref": "#/$defs/match"},
                    "the item's best match with a recorded right",
                ),
                {"$ref": "#/$defs/stringComparison"},
                {"$ref": "#/$defs/numberComparison"},
                {"$ref": "#/$defs/booleanComparison"},
                {"$ref": "#/$defs/featureComparison"},
            ],
        },
        "match": {
            "type": "object",
            "additionalProperties": False,
            "properties": {
                "min_score": {"type": "number", "minimum": 0, "maximum": 100},
                "right_type": {
                    "oneOf": [
                        _enum([r.value for r in RightType]),
                        {"type": "array", "items": _enum([r.value for r in RightType])},
                    ]
                },
                "recordation": _TEXTS,
                "authorised": {"type": "boolean"},
                "raises_risk": {"type": "boolean"},
            },
            "propertyNames": {"enum": list(MATCH_KEYS)},
        },
        "stringComparison": _comparison(FieldType.STRING, _STRING_OPS),
        "numberComparison": _comparison(FieldType.NUMBER, _NUMBER_OPS),
        "booleanComparison": _comparison(FieldType.BOOLEAN, _BOOLEAN_OPS),
        "featureComparison": _feature_comparison(),
    }


def _party() -> Schema:
    return {
        "oneOf": [
            {"type": "string", "description": "party id"},
            {
                "type": "object",
                "additionalProperties": False,
                "properties": {
                    "id": {"type": "string"},
                    "name": {"type": "string"},
                    "country": {"type": "string"},
                },
            },
        ]
    }


def _enum_short(kind: type[Direction] | type[TransportMode] | type[Procedure]) -> Schema:
    return {"type": "string", "description": ", ".join(m.value for m in kind)}


def _test_defs() -> Schema:
    item = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "line_no": {"type": "integer"},
            "hs_code": {"type": "string"},
            "description": {"type": "string"},
            "brand": {"type": "string"},
            "model": {"type": "string"},
            "quantity": {"type": "number"},
            "unit": {"type": "string"},
            "net_mass_kg": {"type": "number"},
            "origin_country": {"type": "string"},
            "value": {
                "oneOf": [
                    {"type": "string", "description": "e.g. '12.50 USD'"},
                    {
                        "type": "object",
                        "required": ["amount", "currency"],
                        "additionalProperties": False,
                        "properties": {
                            "amount": {"type": "number"},
                            "currency": {"type": "string"},
                        },
                    },
                ]
            },
        },
    }
    declaration = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "declaration_id": {"type": "string"},
            "declared_at": {"type": "string", "description": "date or date-time"},
            "direction": _enum_short(Direction),
            "customs_office": {"type": "string"},
            "transport_mode": _enum_short(TransportMode),
            "procedure": _enum_short(Procedure),
            **{role: _party() for role in ROLES},
            "origin_country": {"type": "string"},
            "departure_country": {"type": "string"},
            "destination_country": {"type": "string"},
            "items": {"type": "array", "items": item},
        },
    }
    match = {
        "type": "object",
        "additionalProperties": False,
        "properties": {
            "line_no": {"type": "integer"},
            "recordation_id": {"type": "string"},
            "mark": {"type": "string"},
            "holder": {"type": "string"},
            "matched_text": {"type": "string"},
            "score": {"type": "number"},
            "right_type": _enum([r.value for r in RightType]),
            "authorised": {"type": "boolean"},
            "raises_risk": {"type": "boolean"},
        },
    }
    return {
        "ruleTest": {
            "type": "object",
            "required": ["fires", "declaration"],
            "additionalProperties": False,
            "properties": {
                "name": {"type": "string"},
                "fires": {"type": "boolean", "description": "whether the rule fires"},
                "action": _enum(
                    [r.value for r in Recommendation],
                    "the recommendation the policy gives on this rule's hit",
                ),
                "line_nos": {"type": "array", "items": {"type": "integer"}},
                "declaration": declaration,
                "matches": {
                    "type": "array",
                    "items": match,
                    "description": "simulated matcher results",
                },
                "features": {
                    "type": "object",
                    "additionalProperties": {"type": ["number", "string"]},
                    "description": "history features, e.g. importer_seizure_rate",
                },
            },
        },
    }


def _rule() -> Schema:
    return {
        "type": "object",
        "required": ["id", "title", "owner", "severity", "when"],
        "anyOf": [{"required": ["action"]}, {"required": ["score"]}],
        "additionalProperties": False,
        "properties": {
            "id": {"type": "string", "pattern": RULE_ID.pattern},
            "title": {"type": "string"},
            "owner": {"type": "string", "description": "the team or officer answerable"},
            "severity": _enum([s.value for s in RuleSeverity]),
            "action": _enum([r.value for r in Recommendation], "the least a hit leads to"),
            "score": {
                "type": "number",
                "minimum": 0,
                "maximum": 1,
                "description": "risk the hit adds, combined by the policy",
            },
            "description": {"type": "string"},
            "valid_from": _DATE,
            "valid_until": _DATE,
            "tags": {"type": "array", "items": {"type": "string"}},
            "shadow": {"type": "boolean", "description": "logged only, no effect"},
            "shadow_until": {**_DATE, "description": "shadow mode (trial) until this day"},
            "when": {"$ref": "#/$defs/condition"},
            "tests": {"type": "array", "items": {"$ref": "#/$defs/ruleTest"}},
        },
    }


def _lists() -> Schema:
    common = {
        "reason": {"type": "string"},
        "source": {"type": "string", "description": "e.g. tip-off reference"},
        "since": _DATE,
        "expires": _DATE,
    }
    required = ["reason", "source", "expires"]
    entry = {
        ListKind.PARTIES: {"party": {"type": "string"}, "role": _enum(list(ROLES))},
        ListKind.MARKS: {"mark": {"type": "string"}, "recordation": {"type": "string"}},
        ListKind.ROUTES: {k: {"type": "string"} for k in ROUTE_KEYS},
    }
    variants = [
        {
            "properties": {
                "kind": {"const": kind.value},
                "entries": {
                    "type": "array",
                    "items": {
                        "type": "object",
                        "required": required,
                        "additionalProperties": False,
                        "properties": {**fields, **common},
                    },
                },
            },
        }
        for kind, fields in entry.items()
    ]
    return {
        "type": "object",
        "required": ["lists"],
        "additionalProperties": False,
        "properties": {
            "lists": {
                "type": "array",
                "items": {
                    "type": "object",
                    "required": ["name", "kind", "entries"],
                    "properties": {
                        "name": {"type": "string"},
                        "description": {"type": "string"},
                        "kind": _enum([k.value for k in ListKind]),
                        "entries": {},
                    },
                    "additionalProperties": False,
                    "oneOf": variants,
                },
            }
        },
    }


def _policy() -> Schema:
    fraction: Schema = {"type": "number", "minimum": 0, "maximum": 1}
    recommendation = _enum([r.value for r in Recommendation])

    def section(properties: Schema) -> Schema:
        return {"type": "object", "additionalProperties": False, "properties": properties}

    return {
        "type": "object",
        "required": ["policy"],
        "additionalProperties": False,
        "properties": {
            "policy": section(
                {
                    "lanes": section({k: fraction for k in ("blue", "yellow", "red", "detain")}),
                    "combine": section(
                        {
                            "method": _enum([c.value for c in Combine]),
                            "rule_weight": fraction,
                            "model_weight": fraction,
                            "match_weight": fraction,
                        }
                    ),
                    "matches": section(
                        {"detain_from_score": {"type": "number", "minimum": 0, "maximum": 100}}
                    ),
                    "random_selection": section(
                        {"rate": {**fraction, "exclusiveMinimum": 0}, "salt": {"type": "string"}}
                    ),
                    "referral": section(
                        {
                            "threshold": {
                                "type": "object",
                                "required": ["amount", "currency"],
                                "additionalProperties": False,
                                "properties": {
                                    "amount": {"type": "number"},
                                    "currency": {"type": "string"},
                                },
                            }
                        }
                    ),
                    "exhibition": section({"minimum": recommendation, "on_match": recommendation}),
                    "capacity": section(
                        {
                            "default": fraction,
                            "offices": {"type": "object", "additionalProperties": fraction},
                        }
                    ),
                }
            )
        },
    }


def rules_schema() -> Schema:
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "riskd rule directory file",
        "description": "A rule file (rules:), a watchlist or tip-off file (lists:) or the "
        "policy file (policy:). Generated by `riskd rules schema`.",
        "oneOf": [
            {"$ref": "#/$defs/ruleFile"},
            {"$ref": "#/$defs/listFile"},
            {"$ref": "#/$defs/policyFile"},
        ],
        "$defs": {
            "ruleFile": {
                "type": "object",
                "required": ["rules"],
                "additionalProperties": False,
                "properties": {"rules": {"type": "array", "items": {"$ref": "#/$defs/rule"}}},
            },
            "rule": _rule(),
            **_condition_defs(),
            **_test_defs(),
            "listFile": _lists(),
            "policyFile": _policy(),
        },
    }


def schema_text() -> str:
    return json.dumps(rules_schema(), indent=2, ensure_ascii=False) + "\n"
