"""What `riskd screen` prints, through a real server with the shipped rule set: what each
reason did, whole table rows when piped, and the --server address as the user means it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from pathlib import Path

import click
import grpc
import pytest
from click.testing import CliRunner
from google.protobuf import json_format

from riskd.cli.main import cli
from riskd.cli.screen_cmd import screen, server_address
from riskd.server import convert
from riskd.server.app import RiskdServer
from riskd.v1 import admin_service_pb2 as apb
from riskd.v1 import admin_service_pb2_grpc
from tests import factory
from tests.server.conftest import ADMIN_AUTH, start_server

ROOT = Path(__file__).resolve().parents[2]


@pytest.fixture(scope="module")
def with_rules(tmp_path_factory: pytest.TempPathFactory) -> Iterator[RiskdServer]:
    tmp = tmp_path_factory.mktemp("rules-server")
    rules = tmp / "rules"
    shutil.copytree(ROOT / "rules", rules, ignore=shutil.ignore_patterns("*.py", "__pycache__"))
    riskd_server = start_server(tmp, rules_dir=rules, reload_poll_seconds=0)
    with grpc.insecure_channel(f"127.0.0.1:{riskd_server.port}") as channel:
        admin = admin_service_pb2_grpc.AdminServiceStub(channel)
        admin.ReloadRules(apb.ReloadRulesRequest(), metadata=ADMIN_AUTH, timeout=60)
    yield riskd_server
    riskd_server.close()


def test_action_rules_show_their_action_and_rows_are_whole_when_piped(
    with_rules: RiskdServer, tmp_path: Path
) -> None:
    declaration = factory.declaration(items=(factory.item(brand="NIKE"),))
    file = tmp_path / "d.json"
    file.write_text(json_format.MessageToJson(convert.declaration_to_pb(declaration)))
    address = f"127.0.0.1:{with_rules.port}"
    result = CliRunner().invoke(cli, ["screen", str(file), "--server", address])
    assert result.exit_code == 0, result.output
    rows = [line for line in result.stdout.splitlines() if "│ RULE" in line]
    assert rows, result.stdout
    # each rule row names its rule, its whole reason and what it did, on one line
    assert all("rule " in row and row.rstrip().endswith("│") for row in rows)
    assert any("→ PHYSICAL_INSPECTION │" in row or "→ DETAIN │" in row for row in rows), rows
    assert not any(row.split("│")[-2].strip() == "0.00" for row in rows), rows


@pytest.mark.parametrize(
    ("given", "meant"),
    [
        ("127.0.0.1", "127.0.0.1:50051"),
        ("localhost:6000", "localhost:6000"),
        ("[::1]", "[::1]:50051"),
        ("::1", "[::1]:50051"),
        ("[::1]:7", "[::1]:7"),
        ("riskd.example:65535", "riskd.example:65535"),
        ("dns:///riskd.example:443", "dns:///riskd.example:443"),
    ],
)
def test_server_address_as_meant(given: str, meant: str) -> None:
    assert server_address(click.Context(screen), screen.params[1], given) == meant


@pytest.mark.parametrize("given", ["127.0.0.1:99999", "127.0.0.1:0", "host:http", ":50051"])
def test_server_address_refused(given: str) -> None:
    with pytest.raises(click.BadParameter):
        server_address(click.Context(screen), screen.params[1], given)


def test_model_reasons_show_the_feature_contribution_not_the_model_score() -> None:
    from riskd.cli.screen_cmd import _effect
    from riskd.v1 import assessment_pb2 as pb

    assessment = pb.Assessment(
        model_score=0.77,
        contributions=[
            pb.FeatureContribution(feature="n_risky_matches", value="1", contribution=2.55),
            pb.FeatureContribution(feature="best_match_score", value="100", contribution=1.14),
        ],
        rule_hits=[pb.RuleHit(rule_id="R-SCORE", score=0.4)],
    )
    model = pb.Reason(kind=pb.REASON_KIND_MODEL, code="MODEL_BEST_MATCH_SCORE", weight=0.77)
    scored = pb.Reason(kind=pb.REASON_KIND_RULE, code="R-SCORE", weight=0.4)
    policy = pb.Reason(kind=pb.REASON_KIND_POLICY, code="RANDOM_SELECTION")
    assert _effect(assessment, model) == "+1.14 log-odds"
    assert _effect(assessment, scored) == "score 0.40"
    assert _effect(assessment, policy) == "-"
