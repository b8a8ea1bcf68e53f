"""Clients of the contract: the `riskd screen` command and a Node.js grpc-js client."""

from __future__ import annotations

import json
import shutil
import subprocess
from pathlib import Path

import pytest
from click.testing import CliRunner
from google.protobuf import json_format

from riskd.cli.main import cli
from riskd.v1 import declaration_pb2 as dpb
from tests import requests
from tests.server.conftest import Client

ROOT = Path(__file__).resolve().parents[2]


def request_file(name: str) -> Path:
    """A request file as a declaration system writes it (tests/golden/requests/)."""
    return requests.REQUESTS / f"{name}.json"


def write_declaration(path: Path, msg: dpb.Declaration) -> Path:
    path.write_text(
        json_format.MessageToJson(msg, preserving_proto_field_name=True), encoding="utf-8"
    )
    return path


def test_screen_prints_recommendation_with_reasons(client: Client, tmp_path: Path) -> None:
    file = request_file(requests.COUNTERFEIT)
    result = CliRunner().invoke(cli, ["screen", str(file), "--server", client.address])
    assert result.exit_code == 0, result.output
    assert "DETAIN" in result.output
    assert "TRADEMARK_MATCH" in result.output
    assert "notify Nike Innovate C.V." in result.output


def test_screen_jsonl_as_json_lines(client: Client, tmp_path: Path) -> None:
    alias = requests.declaration()
    alias.items[0].brand = "耐克"
    lines = [json_format.MessageToJson(d, indent=None) for d in (requests.declaration(), alias)]
    file = tmp_path / "many.jsonl"
    file.write_text("\n".join(lines) + "\n", encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", str(file), "--server", client.address, "--json"])
    assert result.exit_code == 0, result.output
    answers = [json.loads(line) for line in result.stdout.splitlines()]
    assert [a["recommendation"] for a in answers] == [
        "RECOMMENDATION_RELEASE",
        "RECOMMENDATION_DETAIN",
    ]


def test_screen_names_file_line_and_column_of_bad_json(tmp_path: Path) -> None:
    file = tmp_path / "bad.jsonl"
    file.write_text('{"declaration_id": "A"}\n{"declaration_id": \n', encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", str(file)])
    assert result.exit_code != 0
    assert f"{file}:2:" in result.output


def test_screen_names_unknown_fields(tmp_path: Path) -> None:
    file = tmp_path / "bad.json"
    file.write_text('{"declaration_id": "A", "colour": "red"}', encoding="utf-8")
    result = CliRunner().invoke(cli, ["screen", str(file)])
    assert result.exit_code != 0
    assert "colour" in result.output


def test_screen_reports_refused_declarations(client: Client, tmp_path: Path) -> None:
    refused = requests.declaration()
    refused.customs_office = ""
    file = write_declaration(tmp_path / "d.json", refused)
    result = CliRunner().invoke(cli, ["screen", str(file), "--server", client.address])
    assert result.exit_code != 0
    assert "declaration.customs_office: is required" in result.output


def test_node_grpc_js_client_screens(client: Client, tmp_path: Path) -> None:
    node = shutil.which("node")
    if node is None or not (ROOT / "node_modules" / "@grpc" / "grpc-js").is_dir():
        pytest.skip("node and node_modules (make setup) are needed for the Node client")
    file = request_file(requests.COUNTERFEIT)
    result = subprocess.run(
        [node, str(ROOT / "tests" / "node" / "screen_client.js"), client.address, str(file)],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assessment = json.loads(result.stdout)
    assert assessment["recommendation"] == "RECOMMENDATION_DETAIN"
    assert assessment["items"][0]["matches"][0]["recordation_id"] == "T2019-00001"


def test_buf_curl_through_reflection_gets_an_assessment(client: Client, tmp_path: Path) -> None:
    buf = ROOT / "node_modules" / ".bin" / "buf"
    if not buf.exists():
        pytest.skip("buf from node_modules (make setup) is needed")
    declaration = json.loads(request_file(requests.CLEAN).read_text(encoding="utf-8"))
    request = tmp_path / "request.json"
    request.write_text(json.dumps({"declaration": declaration}), encoding="utf-8")
    result = subprocess.run(
        [
            str(buf),
            "curl",
            "--protocol",
            "grpc",
            "--http2-prior-knowledge",
            "-d",
            f"@{request}",
            f"http://{client.address}/riskd.v1.ScreeningService/Screen",
        ],
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert result.returncode == 0, result.stderr
    assert json.loads(result.stdout)["assessment"]["recommendation"] == "RECOMMENDATION_RELEASE"
