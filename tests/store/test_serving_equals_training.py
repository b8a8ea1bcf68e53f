"""Serving equals training on the production path.

Declarations go through a real server (`Screen`), outcomes through `RecordOutcome`, in time
order, as a declaration system and the inspection service send them; the store is then
exported to the history table (`riskd.store.export`, as `riskd history export` does) and the
training features are computed from it (`riskd.features.history_features`, as `riskd-train
dataset` does). For every declaration they must equal the feature values the server used and
stored with its decision. The requests are written as protobuf JSON here, not by the
converter under test.
"""

from __future__ import annotations

import tempfile
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import grpc
import pytest
from google.protobuf import json_format
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from riskd.features import history_features
from riskd.history import BUILTIN_RATES_TO_USD
from riskd.store.export import history_table
from riskd.store.factory import open_store
from riskd.v1 import declaration_pb2 as dpb
from riskd.v1 import screening_service_pb2 as spb
from riskd.v1 import screening_service_pb2_grpc
from tests.features.history_factory import HISTORY_FEATURES, same_feature_value
from tests.server.conftest import start_server, with_tokens
from tests.store.conftest import new_postgres_database

START = datetime(2025, 3, 3, 8, tzinfo=UTC)

item_strategy = st.tuples(
    st.sampled_from(["640399", "420221", "851830", "950300"]),
    st.sampled_from(["", "CN", "VN"]),
    st.sampled_from([12.5, 100.0, 4000.0]),
    st.sampled_from(["USD", "EUR", "BRL", "NGN", "CNY", "JPY"]),
    st.sampled_from([0.5, 3.0]),
)
declaration_strategy = st.tuples(
    st.sampled_from(["IMP1", "IMP2", ""]),
    st.sampled_from(["DCL1", "DCL2"]),
    st.sampled_from(["EXP1", "EXP2", ""]),
    st.sampled_from(["KRPUS", "KRICN"]),
    st.sampled_from(["SEA", "AIR", "POSTAL"]),
    st.lists(item_strategy, min_size=1, max_size=3),
    # what the control found: nothing recorded, clean, seized, or seized and then corrected
    # (a late correction arrives after the next declaration was screened)
    st.sampled_from(["none", "clean", "seized", "seized_then_clean", "seized_corrected_late"]),
)


def _request(n: int, drawn: tuple[Any, ...]) -> dpb.Declaration:
    importer, declarant, exporter, office, mode, items, _ = drawn
    document: dict[str, Any] = {
        "declarationId": f"E2E-{n:03d}",
        "declaredAt": _timestamp(START + timedelta(hours=n)),
        "direction": "DIRECTION_IMPORT",
        "customsOffice": office,
        "transportMode": f"TRANSPORT_MODE_{mode}",
        "declarant": {"id": declarant, "name": declarant, "country": "KR"},
        "originCountry": "CN",
        "departureCountry": "HK",
        "items": [
            {
                "lineNo": i + 1,
                "hsCode": hs,
                "description": "assorted goods",
                "quantity": 2,
                "unit": "PCE",
                "netMassKg": mass,
                "value": {"amount": amount, "currency": currency},
                **({"originCountry": origin} if origin else {}),
            }
            for i, (hs, origin, amount, currency, mass) in enumerate(items)
        ],
    }
    if importer:
        document["importer"] = {"id": importer, "name": importer, "country": "KR"}
    if exporter:
        document["exporter"] = {"id": exporter, "name": exporter, "country": "CN"}
    return json_format.ParseDict(document, dpb.Declaration())


def _timestamp(at: datetime) -> str:
    return at.isoformat().replace("+00:00", "Z")


def _outcomes(n: int, decision_id: str, found: str) -> list[spb.RecordOutcomeRequest]:
    results = {
        "none": [],
        "clean": ["OUTCOME_RESULT_NO_INFRINGEMENT"],
        "seized": ["OUTCOME_RESULT_SEIZED"],
        "seized_then_clean": ["OUTCOME_RESULT_SEIZED", "OUTCOME_RESULT_NO_INFRINGEMENT"],
        "seized_corrected_late": ["OUTCOME_RESULT_SEIZED", "OUTCOME_RESULT_NO_INFRINGEMENT"],
    }[found]
    at = START + timedelta(hours=n, minutes=30)
    late = found == "seized_corrected_late"  # the correction an hour on, past the next one
    return [
        json_format.ParseDict(
            {
                "outcome": {
                    "outcomeId": f"O-{n:03d}-{k}",
                    "decisionId": decision_id,
                    "result": result,
                    "control": "CONTROL_TYPE_PHYSICAL",
                    "recordedAt": _timestamp(at + timedelta(minutes=k, hours=late * k)),
                    "officer": "officer-7",
                }
            },
            spb.RecordOutcomeRequest(),
        )
        for k, result in enumerate(results)
    ]


@pytest.fixture(params=["sqlite", "postgresql"])
def engine(request: pytest.FixtureRequest) -> str:
    """The engine's cluster URL for PostgreSQL (a new database per example), "" for SQLite."""
    return "" if request.param == "sqlite" else str(request.getfixturevalue("postgres_url"))


def _differences(
    url: str, tmp: Path, world: list[tuple[Any, ...]]
) -> list[tuple[str, dict[str, tuple[object, object]]]]:
    """Screens the world through a real server on the store at `url`, then compares, per
    declaration, the features it stored with the training features of the exported history.
    A "seized_corrected_late" outcome is corrected only after the next declaration."""
    server = start_server(tmp, store=url)
    channel = grpc.insecure_channel(f"127.0.0.1:{server.port}")
    try:
        stub = screening_service_pb2_grpc.ScreeningServiceStub(with_tokens(channel))
        late: list[spb.RecordOutcomeRequest] = []
        for n, drawn in enumerate(world):
            screened = stub.Screen(spb.ScreenRequest(declaration=_request(n, drawn)))
            for outcome in late:
                stub.RecordOutcome(outcome)
            outcomes = _outcomes(n, screened.assessment.decision_id, drawn[-1])
            late = outcomes[1:] if drawn[-1] == "seized_corrected_late" else []
            for outcome in outcomes[: len(outcomes) - len(late)]:
                stub.RecordOutcome(outcome)
    finally:
        channel.close()
        server.close()
    store = open_store(url, create=False)
    try:
        decisions = list(store.decisions())
        trained = {
            row["declaration_id"]: row
            for row in history_features(history_table(decisions, BUILTIN_RATES_TO_USD)).iter_rows(
                named=True
            )
        }
    finally:
        store.close()
    assert len(decisions) == len(world)
    differences = []
    for decision in decisions:
        served = decision.assessment.features
        assert set(HISTORY_FEATURES) <= served.keys(), decision.declaration.declaration_id
        row = trained[decision.declaration.declaration_id]
        differ = {
            name: (served.get(name), row[name])
            for name in HISTORY_FEATURES
            if not same_feature_value(served.get(name), row[name])
        }
        if differ:
            differences.append((decision.declaration.declaration_id, differ))
    return differences


@settings(
    max_examples=8,
    deadline=None,
    suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture],
)
@given(st.lists(declaration_strategy, min_size=2, max_size=10))
def test_served_features_equal_the_training_features_of_the_exported_history(
    engine: str, world: list[tuple[Any, ...]]
) -> None:
    with tempfile.TemporaryDirectory() as tmp:
        url = new_postgres_database(engine) if engine else str(Path(tmp) / "riskd.db")
        assert _differences(url, Path(tmp), world) == []


def test_a_correction_recorded_after_a_later_declaration(tmp_path: Path) -> None:
    """D0 seized, D1 screened, then D0 corrected to clean, D2 screened: serving saw D0's
    control and seizure at D1, its control without the seizure at D2; so must training (the
    history table keeping only the latest outcome saw no control at D1)."""
    seized = ("IMP1", "DCL1", "EXP1", "KRPUS", "SEA", [("640399", "CN", 100.0, "USD", 3.0)])
    world = [(*seized, "seized_corrected_late"), (*seized, "none"), (*seized, "none")]
    assert _differences(str(tmp_path / "riskd.db"), tmp_path, world) == []
