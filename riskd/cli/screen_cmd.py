"""`riskd screen FILE`: send declarations to a running daemon and print the assessments."""

from __future__ import annotations

import json
from collections.abc import Iterator
from pathlib import Path

import click
import grpc
from google.protobuf import json_format
from rich.console import Console
from rich.table import Table

from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import declaration_pb2, screening_service_pb2, screening_service_pb2_grpc
from riskd.v1.assessment_pb2 import Assessment


class DeclarationFileError(click.ClickException):
    def __init__(self, path: Path, line: int, column: int, message: str) -> None:
        super().__init__(f"{path}:{line}:{column}: {message}")


def read_declarations(path: Path) -> Iterator[declaration_pb2.Declaration]:
    """Declarations from a JSON file (one object, or a list) or a JSONL file (one per line),
    in the proto's canonical JSON mapping; errors name file, line and column."""
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".jsonl":
        for number, line in enumerate(text.splitlines(), start=1):
            if line.strip():
                yield _parse(path, line, number)
        return
    try:
        document = json.loads(text)
    except json.JSONDecodeError as exc:
        raise DeclarationFileError(path, exc.lineno, exc.colno, exc.msg) from exc
    for record in document if isinstance(document, list) else [document]:
        yield _from_dict(path, record, 1)


def _parse(path: Path, line: str, number: int) -> declaration_pb2.Declaration:
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise DeclarationFileError(path, number, exc.colno, exc.msg) from exc
    return _from_dict(path, record, number)


def _from_dict(path: Path, record: object, line: int) -> declaration_pb2.Declaration:
    if not isinstance(record, dict):
        raise DeclarationFileError(path, line, 1, "expected a JSON object (a Declaration)")
    try:
        return json_format.ParseDict(record, declaration_pb2.Declaration())
    except json_format.ParseError as exc:
        raise DeclarationFileError(path, line, 1, f"not a Declaration: {exc}") from exc


def _print_assessment(console: Console, a: Assessment) -> None:
    recommendation = apb.Recommendation.Name(a.recommendation)
    lane = apb.Lane.Name(a.lane)
    verdict = recommendation.removeprefix("RECOMMENDATION_")
    console.print(
        f"[bold]{a.declaration_id}[/bold]  →  [bold]{verdict}[/bold]"
        f"  lane {lane.removeprefix('LANE_')}  risk {a.risk_score:.2f}"
        f"  (decision {a.decision_id})"
    )
    if a.reasons:
        table = Table("kind", "code", "reason", "weight", title="reasons", title_justify="left")
        for r in a.reasons:
            kind = apb.ReasonKind.Name(r.kind)
            table.add_row(kind.removeprefix("REASON_KIND_"), r.code, r.message, f"{r.weight:.2f}")
        console.print(table)
    matches = [(item.line_no, m) for item in a.items for m in item.matches]
    if matches:
        table = Table(
            "line",
            "recordation",
            "mark",
            "matched",
            "score",
            "method",
            "raises risk",
            title="matches",
            title_justify="left",
        )
        for line_no, m in matches:
            method = apb.MatchMethod.Name(m.method)
            table.add_row(
                str(line_no),
                m.recordation_id,
                m.mark,
                repr(m.matched_text),
                f"{m.score:.0f}",
                method.removeprefix("MATCH_METHOD_"),
                "yes" if m.raises_risk else f"no: {m.explanation.rpartition('no risk: ')[2]}",
            )
        console.print(table)
    if a.HasField("model_score"):
        top = ", ".join(f"{c.feature}={c.value} ({c.contribution:+.2f})" for c in a.contributions)
        console.print(f"model score {a.model_score:.3f}; top contributions: {top or '-'}")
    for n in a.notify:
        console.print(f"notify {n.holder} ({n.recordation_id}) {n.holder_contact}")
    if a.HasField("referral") and a.referral.referred:
        v = a.referral.estimated_value
        console.print(
            f"[bold red]referral[/bold red]: suspect goods worth {v.amount:,.2f} {v.currency}"
        )
    console.print(
        f"versions: register {a.versions.register}, rules {a.versions.rules}, "
        f"model {a.versions.model or '-'}, policy {a.versions.policy}\n"
    )


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("--server", default="127.0.0.1:50051", show_default=True, help="host:port of riskd.")
@click.option("--json", "as_json", is_flag=True, help="Print assessments as JSON lines.")
@click.option(
    "--token", envvar="RISKD_SCREENING_TOKEN", help="Screening bearer token, if required."
)
@click.option("--timeout", default=10.0, show_default=True, help="Deadline per call, in seconds.")
def screen(file: Path, server: str, as_json: bool, token: str | None, timeout: float) -> None:
    """Screen the declaration(s) in FILE (.json: one or a list; .jsonl: one per line)."""
    declarations = list(read_declarations(file))
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    console = Console()
    failed = 0
    with grpc.insecure_channel(server) as channel:
        stub = screening_service_pb2_grpc.ScreeningServiceStub(channel)
        requests = (screening_service_pb2.ScreenStreamRequest(declaration=d) for d in declarations)
        try:
            for response in stub.ScreenStream(
                requests, timeout=timeout * max(1, len(declarations)), metadata=metadata
            ):
                if response.HasField("error"):
                    failed += 1
                    err = response.error
                    fields = "; ".join(f"{v.field}: {v.description}" for v in err.field_violations)
                    click.echo(
                        f"{response.declaration_id or '?'}: {err.code}: {fields or err.message}",
                        err=True,
                    )
                elif as_json:
                    click.echo(
                        json_format.MessageToJson(
                            response.assessment, indent=None, preserving_proto_field_name=True
                        )
                    )
                else:
                    _print_assessment(console, response.assessment)
        except grpc.RpcError as exc:
            raise click.ClickException(f"{server}: {exc.code().name}: {exc.details()}") from exc
    if failed:
        raise click.ClickException(f"{failed} of {len(declarations)} declarations were refused")
