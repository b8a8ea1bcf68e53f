"""Golden assessments, end to end through a real gRPC server on a free port.

Each request is a protobuf JSON file in `tests/golden/requests/`; each answer is compared with
`tests/golden/assessments/<request>.json` and, field by field, with the expectation written
below, where a comment says why each field has its value (the register is tests/factory.py's:
NIKE, recorded for HS 6401-6405, 61, 62 with licensee OEM-LICENSED-1, and ZORBLAX, expired;
no rules, no model, the built-in policy). Only `decision_id` (a fresh UUID) and `decided_at`
(the clock) are left out of the comparison.

To regenerate the files after a deliberate change of behaviour:

    RISKD_UPDATE_GOLDEN=1 pytest tests/server/test_golden.py

then review the diff of `tests/golden/` and update the expectations here by hand: a golden
file that differs from its written expectation fails, so a recording is never the proof.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass
from pathlib import Path

import pytest
from google.protobuf import json_format

from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import declaration_pb2 as dpb
from riskd.v1 import screening_service_pb2 as pb
from tests import requests
from tests.server.conftest import Client

ASSESSMENTS = Path(__file__).resolve().parents[1] / "golden" / "assessments"
UPDATE = os.environ.get("RISKD_UPDATE_GOLDEN") == "1"

# Fields every assessment of this server carries.
VERSIONS = {
    "versions.register": "reg-test",  # the factory register's version
    "versions.rules": "none",  # no rule file loaded
    "versions.policy": "builtin-1",  # the built-in policy (riskd.policy.Policy.version)
    # versions.model is empty, so left out of the JSON: no model is loaded
}
# A strong risky match (any score, as match_detain_from is 0) detains and is referred if the
# suspect lines are worth 50,000 USD or more: 100 pairs at 2,500 USD are not, so `referred`
# is false, which protobuf JSON leaves out; the estimate is the suspect line's value.
REFERRAL_OF_2500_USD = {
    "referral.estimated_value.amount": 2500.0,
    "referral.estimated_value.currency": "USD",  # the threshold's currency
    "referral.threshold.amount": 50000.0,  # DEFAULT_REFERRAL_THRESHOLD
    "referral.threshold.currency": "USD",
}
NIKE_HOLDER = {
    "recordation_id": "T2019-00001",
    "mark": "NIKE",
    "holder": "Nike Innovate C.V.",
    "right_type": "RIGHT_TYPE_TRADEMARK",
}
NOTIFY_NIKE = {
    "notify[0].recordation_id": "T2019-00001",  # the holder of a detaining match is told
    "notify[0].holder": "Nike Innovate C.V.",
    "notify[0].holder_contact": "brand-protection@nike.example",  # from the register
}


def match_fields(line: int, fields: dict[str, object]) -> dict[str, object]:
    prefix = f"items[{line}].matches[0]."
    return {prefix + k: v for k, v in {**NIKE_HOLDER, **fields}.items()}


@dataclass(frozen=True)
class Case:
    request: str
    expected: dict[str, object]  # every field of the golden assessment, checked by hand


CASES = [
    Case(
        "clean_shoes",
        {
            "declaration_id": "D-GOLDEN-1",  # echoed from the request
            # Unbranded shoes: no word of "sports shoes, textile upper" is near NIKE or
            # ZORBLAX, so nothing is matched; no rules, no model: risk 0 (left out), release.
            "recommendation": "RECOMMENDATION_RELEASE",
            "lane": "LANE_GREEN",  # the lane of a release below the audit threshold (0.35)
            "items[0].line_no": 1,  # one item assessment per declared line, without matches
            **VERSIONS,
        },
    ),
    Case(
        "counterfeit_brand",
        {
            "declaration_id": "D-GOLDEN-2",
            # NIKE exactly in the brand field of shoes (HS 640411, inside 6404), declared
            # 2025-03-01 (recorded from 2019), exporter EXP-1 and importer IMP-1 are not the
            # licensee: a risky match, which detains, red lane, risk set to 1.
            "recommendation": "RECOMMENDATION_DETAIN",
            "lane": "LANE_RED",
            "risk_score": 1.0,
            "reasons[0].kind": "REASON_KIND_MATCH",
            "reasons[0].code": "TRADEMARK_MATCH",  # <right type>_MATCH
            "reasons[0].message": "matched NIKE exactly in 'NIKE' (brand)",  # the explanation
            "reasons[0].weight": 1.0,  # every match reason weighs 1
            "items[0].line_no": 1,
            **match_fields(
                0,
                {
                    "matched_text": "NIKE",
                    "score": 100.0,  # METHOD_SCORES[EXACT]
                    "method": "MATCH_METHOD_EXACT",
                    "raises_risk": True,
                    "explanation": "matched NIKE exactly in 'NIKE' (brand)",
                    # in the brand field, not the model field AX-1 (brand and model swapped
                    # anywhere on the way would say "model" here)
                    "field": "brand",
                    "span_end": 4,  # characters 0-4 of "NIKE"; span_start 0 is left out
                    "corroboration": ["CORROBORATION_BRAND_FIELD"],  # written in the brand field
                },
            ),
            **NOTIFY_NIKE,
            **REFERRAL_OF_2500_USD,
            **VERSIONS,
        },
    ),
    Case(
        "model_field_mark",
        {
            "declaration_id": "D-GOLDEN-4",
            # N1KE (digit one) in the model field: NIKE by look-alike characters; the brand
            # field says Harbour. Strong method, in force, in class, no licensee: detain.
            "recommendation": "RECOMMENDATION_DETAIN",
            "lane": "LANE_RED",
            "risk_score": 1.0,
            "reasons[0].kind": "REASON_KIND_MATCH",
            "reasons[0].code": "TRADEMARK_MATCH",
            "reasons[0].message": "matched NIKE by homoglyph skeleton in 'N1KE' (model)",
            "reasons[0].weight": 1.0,
            "items[0].line_no": 1,
            **match_fields(
                0,
                {
                    "matched_text": "N1KE",
                    "score": 95.0,  # METHOD_SCORES[SKELETON]
                    "method": "MATCH_METHOD_SKELETON",
                    "raises_risk": True,
                    "explanation": "matched NIKE by homoglyph skeleton in 'N1KE' (model)",
                    "field": "model",  # where N1KE was written
                    "span_end": 4,
                    # the model field is one where a declarant names the brand (BRAND_FIELDS)
                    "corroboration": ["CORROBORATION_BRAND_FIELD"],
                },
            ),
            **NOTIFY_NIKE,
            **REFERRAL_OF_2500_USD,
            **VERSIONS,
        },
    ),
    Case(
        "licensed_exporter",
        {
            "declaration_id": "D-GOLDEN-5",
            # NIKE in the brand field, but the exporter OEM-LICENSED-1 is NIKE's licensee:
            # listed for the officer, raises no risk, so release with nobody notified and no
            # referral (both only follow a risky match).
            "recommendation": "RECOMMENDATION_RELEASE",
            "lane": "LANE_GREEN",
            "items[0].line_no": 1,
            **match_fields(
                0,
                {
                    "matched_text": "NIKE",
                    "score": 100.0,
                    "method": "MATCH_METHOD_EXACT",
                    "authorised": True,  # a party on the declaration is a licensee
                    "no_risk_reason": "NO_RISK_REASON_AUTHORISED_PARTY",
                    # raises_risk false is left out; the explanation adds the reason
                    "explanation": "matched NIKE exactly in 'NIKE' (brand); no risk: a party "
                    "on the declaration is authorised by the holder",
                    "field": "brand",
                    "span_end": 4,
                    "corroboration": ["CORROBORATION_BRAND_FIELD"],
                },
            ),
            **VERSIONS,
        },
    ),
    Case(
        "alias_in_description",
        {
            "declaration_id": "D-GOLDEN-6",
            # 耐克 is a recorded alias of NIKE, in the description "运动鞋 耐克 款" of shoes:
            # an exact match of the alias, in force, in class, no licensee: detain. NIKE is no
            # everyday word and its recordation names classes, so a description suffices.
            "recommendation": "RECOMMENDATION_DETAIN",
            "lane": "LANE_RED",
            "risk_score": 1.0,
            "reasons[0].kind": "REASON_KIND_MATCH",
            "reasons[0].code": "TRADEMARK_MATCH",
            "reasons[0].message": "matched 耐克 exactly in '耐克' (description)",
            "reasons[0].weight": 1.0,
            "items[0].line_no": 1,
            **match_fields(
                0,
                {
                    "matched_text": "耐克",
                    "score": 100.0,
                    "method": "MATCH_METHOD_EXACT",  # the alias itself, not a transliteration
                    "raises_risk": True,
                    "explanation": "matched 耐克 exactly in '耐克' (description)",
                    "field": "description",
                    "span_start": 4,  # after "运动鞋 " (three characters and a space)
                    "span_end": 6,
                    # no corroboration: a description is no brand field, and the register
                    # records no infringers, prices, origins or ports for NIKE
                },
            ),
            **NOTIFY_NIKE,
            **REFERRAL_OF_2500_USD,
            **VERSIONS,
        },
    ),
    Case(
        "every_field",
        {
            "declaration_id": "D-GOLDEN-3",
            # Trousers (HS 6203) branded Riverside and bags without brand, exported from DE
            # by air: neither line names anything near NIKE or ZORBLAX. Release, green.
            "recommendation": "RECOMMENDATION_RELEASE",
            "lane": "LANE_GREEN",
            "items[0].line_no": 1,
            "items[1].line_no": 2,  # one item assessment per line, in the declared order
            **VERSIONS,
        },
    ),
]


def stable_view(assessment: apb.Assessment) -> dict[str, object]:
    """The assessment as protobuf JSON without the fields that differ on every call."""
    view = apb.Assessment()
    view.CopyFrom(assessment)
    view.ClearField("decision_id")
    view.ClearField("decided_at")
    return json_format.MessageToDict(view, preserving_proto_field_name=True)


def flatten(value: object, path: str = "") -> dict[str, object]:
    """Leaf fields by path (`items[0].matches[0].field`); lists of scalars stay whole."""
    if isinstance(value, dict):
        out: dict[str, object] = {}
        for key, inner in value.items():
            out.update(flatten(inner, f"{path}.{key}" if path else key))
        return out
    if isinstance(value, list) and any(isinstance(v, dict) for v in value):
        out = {}
        for n, inner in enumerate(value):
            out.update(flatten(inner, f"{path}[{n}]"))
        return out
    return {path: value}


def read_golden(name: str) -> dict[str, object]:
    loaded: dict[str, object] = json.loads((ASSESSMENTS / f"{name}.json").read_text("utf-8"))
    return loaded


def write_golden(name: str, view: dict[str, object]) -> None:
    text = json.dumps(view, indent=2, ensure_ascii=False, sort_keys=True) + "\n"
    (ASSESSMENTS / f"{name}.json").write_text(text, encoding="utf-8")


@pytest.mark.parametrize("case", CASES, ids=[c.request for c in CASES])
def test_golden_file_is_the_expectation_written_by_hand(case: Case) -> None:
    """No server: what is recorded is what was reasoned out above, field for field."""
    if UPDATE:
        pytest.skip("golden files are being regenerated")
    assert flatten(read_golden(case.request)) == case.expected


@pytest.mark.parametrize("case", CASES, ids=[c.request for c in CASES])
def test_screening_answers_the_golden_assessment(client: Client, case: Case) -> None:
    sent = requests.declaration(case.request)
    assessment = client.screening.Screen(pb.ScreenRequest(declaration=sent), timeout=10).assessment
    view = stable_view(assessment)
    if UPDATE:
        write_golden(case.request, view)
    assert view == read_golden(case.request)
    assert not assessment.random_selection  # the files' ids are not drawn at random
    stored = client.screening.GetDecision(
        pb.GetDecisionRequest(decision_id=assessment.decision_id), timeout=10
    )
    assert stored.assessment == assessment
    expected = requests.declaration(case.request)
    if expected.procedure == dpb.PROCEDURE_UNSPECIFIED:
        expected.procedure = dpb.PROCEDURE_STANDARD  # unset means standard; stored as such
    assert stored.declaration == expected


def test_a_recorded_outcome_is_returned_as_it_was_sent(client: Client) -> None:
    sent = requests.declaration("counterfeit_brand")
    assessment = client.screening.Screen(pb.ScreenRequest(declaration=sent), timeout=10).assessment
    text = (requests.REQUESTS / "outcome_seized.json").read_text(encoding="utf-8")
    outcome = json_format.Parse(text, apb.Outcome())
    outcome.decision_id = assessment.decision_id
    recorded = client.screening.RecordOutcome(pb.RecordOutcomeRequest(outcome=outcome))
    assert not recorded.already_recorded
    assert recorded.outcome == outcome
    stored = client.screening.GetDecision(pb.GetDecisionRequest(decision_id=assessment.decision_id))
    assert list(stored.outcomes) == [outcome]
