"""`riskd screen FILE`: send declarations to a running daemon and print the assessments."""

from __future__ import annotations

from pathlib import Path
from typing import TYPE_CHECKING

import click
import grpc
from google.protobuf import json_format

from riskd.cli.console import make_console
from riskd.cli.declaration_file import read_declarations
from riskd.cli.errors import CommandError
from riskd.v1 import assessment_pb2 as apb
from riskd.v1 import screening_service_pb2, screening_service_pb2_grpc
from riskd.v1.assessment_pb2 import Assessment

if TYPE_CHECKING:
    from rich.console import Console


def _effect(a: Assessment, reason: apb.Reason) -> str:
    """What a reason did to the decision: a rule's action or score, a model feature's
    contribution in log-odds, a match's weight. (A reason's `weight` is the rule's score,
    0 for a rule that only sets an action, and the model's probability on every model reason.)"""
    if reason.kind == apb.REASON_KIND_RULE:
        hit = next((h for h in a.rule_hits if h.rule_id == reason.code and not h.shadow), None)
        if hit is not None:
            action = apb.Recommendation.Name(hit.action).removeprefix("RECOMMENDATION_")
            parts = [f"score {hit.score:.2f}"] if hit.score else []
            parts += [f"→ {action}"] if hit.action else []
            return ", ".join(parts) or "-"
    if reason.kind == apb.REASON_KIND_MODEL:
        feature = reason.code.removeprefix("MODEL_").lower()
        found = next((c for c in a.contributions if c.feature == feature), None)
        if found is not None:
            return f"{found.contribution:+.2f} log-odds"
    return f"{reason.weight:.2f}" if reason.weight else "-"


def _print_assessment(console: Console, a: Assessment) -> None:
    from rich.table import Table  # not imported for --json output

    recommendation = apb.Recommendation.Name(a.recommendation)
    lane = apb.Lane.Name(a.lane)
    verdict = recommendation.removeprefix("RECOMMENDATION_")
    console.print(
        f"[bold]{a.declaration_id}[/bold]  →  [bold]{verdict}[/bold]"
        f"  lane {lane.removeprefix('LANE_')}  risk {a.risk_score:.2f}"
        f"  (decision {a.decision_id})"
    )
    if a.reasons:
        table = Table("kind", "code", "reason", "effect", title="reasons", title_justify="left")
        for r in a.reasons:
            kind = apb.ReasonKind.Name(r.kind)
            table.add_row(kind.removeprefix("REASON_KIND_"), r.code, r.message, _effect(a, r))
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


DEFAULT_PORT = 50051


def server_address(ctx: click.Context, param: click.Parameter, value: str) -> str:
    """`host:port` of the daemon; a missing port is the daemon's default, 50051 (gRPC would
    take 443), a port outside 1..65535 is refused (gRPC would take it modulo 65536)."""
    if value.startswith(("dns:", "unix:", "ipv4:", "ipv6:")):
        return value  # a gRPC target name, taken as it is
    if value.count(":") > 1 and not value.startswith("["):
        value = f"[{value}]"  # a bare IPv6 address
    host, colon, port = value.rpartition(":")
    if not colon or host.endswith(":") or (host.startswith("[") != host.endswith("]")):
        host, port = value, ""
    if not host:
        raise click.BadParameter(f"{value!r} names no host; expected HOST:PORT", ctx, param)
    if not port:
        return f"{host}:{DEFAULT_PORT}"
    if not port.isdigit() or not 1 <= int(port) <= 65535:
        raise click.BadParameter(
            f"{value!r}: the port must be a number from 1 to 65535", ctx, param
        )
    return f"{host}:{int(port)}"


@click.command()
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option(
    "--server",
    default=f"127.0.0.1:{DEFAULT_PORT}",
    envvar="RISKD_SERVER",
    show_default=True,
    callback=server_address,
    help=f"host:port of riskd (port {DEFAULT_PORT} if left out).",
)
@click.option("--json", "as_json", is_flag=True, help="Print assessments as JSON lines.")
@click.option(
    "--token", envvar="RISKD_SCREENING_TOKEN", help="Screening bearer token, if required."
)
@click.option("--timeout", default=10.0, show_default=True, help="Deadline per call, in seconds.")
def screen(file: Path, server: str, as_json: bool, token: str | None, timeout: float) -> None:
    """Screen the declaration(s) in FILE (.json: one or a list; .jsonl: one per line)."""
    declarations = list(read_declarations(file))
    metadata = (("authorization", f"Bearer {token}"),) if token else ()
    out = None if as_json else make_console()
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
                    assert out is not None
                    _print_assessment(out, response.assessment)
        except grpc.RpcError as exc:
            hint = ""
            if exc.code() is grpc.StatusCode.UNAVAILABLE:
                hint = " (is `riskd serve` running there? give its address with --server)"
            raise CommandError(f"{server}: {exc.code().name}: {exc.details()}{hint}") from exc
    if failed:
        raise CommandError(f"{failed} of {len(declarations)} declarations were refused")
