"""`riskd bench load`: load on any riskd deployment, measured at the client (`riskd.loadgen`)."""

from __future__ import annotations

import json
from pathlib import Path

import click

from riskd.v1 import declaration_pb2

GENERATED_MARKS = 200  # the register drawn with generated declarations; only their shape matters


def generated_declarations(seed: int, count: int) -> list[declaration_pb2.Declaration]:
    """Declarations of a synthetic world drawn from `seed` (the fixtures' generator): brands,
    typos, long descriptions and several items, as in the demo world."""
    from google.protobuf import json_format

    from fixtures.generate import declaration_json, generate_world

    world = generate_world(seed, GENERATED_MARKS, count)
    return [
        json_format.ParseDict(declaration_json(d), declaration_pb2.Declaration())
        for d in world.declarations
    ]


@click.group()
def bench() -> None:
    """Measure a riskd deployment."""


@bench.command()
@click.option("--target", required=True, help="host:port of the riskd deployment.")
@click.option("--concurrency", default=8, show_default=True, help="Calls in flight at once.")
@click.option("--duration", default=10.0, show_default=True, help="Seconds measured.")
@click.option(
    "--batch",
    default=1,
    show_default=True,
    help="Declarations per call: 1 calls Screen, more ScreenBatch (with --stream: in flight).",
)
@click.option("--stream", is_flag=True, help="Use ScreenStream, one stream per caller.")
@click.option(
    "--processes", default=1, show_default=True, help="Client processes (for more cores)."
)
@click.option("--warmup", default=1.0, show_default=True, help="Seconds of load before measuring.")
@click.option("--timeout", default=30.0, show_default=True, help="Deadline per call, seconds.")
@click.option(
    "--declarations",
    "declarations_file",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Declarations to send (.json or .jsonl, as for `riskd screen`).",
)
@click.option(
    "--seed", default=7, show_default=True, help="Without --declarations: generate from this."
)
@click.option("--count", default=1000, show_default=True, help="Without --declarations: how many.")
@click.option(
    "--token", envvar="RISKD_SCREENING_TOKEN", help="Screening bearer token, if required."
)
@click.option("--tls", is_flag=True, help="Use TLS (trusting the system's roots or --tls-ca).")
@click.option(
    "--tls-ca", type=click.Path(exists=True, dir_okay=False, path_type=Path), help="CA to trust."
)
@click.option(
    "--tls-cert",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Client certificate chain, for mutual TLS.",
)
@click.option(
    "--tls-key",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    help="Client private key, for mutual TLS.",
)
@click.option("--json", "as_json", is_flag=True, help="Print the result as one JSON object.")
def load(
    target: str,
    concurrency: int,
    duration: float,
    batch: int,
    stream: bool,
    processes: int,
    warmup: float,
    timeout: float,
    declarations_file: Path | None,
    seed: int,
    count: int,
    token: str | None,
    tls: bool,
    tls_ca: Path | None,
    tls_cert: Path | None,
    tls_key: Path | None,
    as_json: bool,
) -> None:
    """Screen declarations on TARGET from CONCURRENCY callers for DURATION seconds; print
    throughput, latency percentiles and errors by status code."""
    from riskd.cli.declaration_file import read_declarations
    from riskd.loadgen import LoadPlan, Tls, run_load

    if (tls_cert is None) != (tls_key is None):
        raise click.UsageError("--tls-cert and --tls-key go together")
    secure = tls or tls_ca is not None or tls_cert is not None
    plan = LoadPlan(
        target=target,
        concurrency=concurrency,
        duration=duration,
        batch=batch,
        stream=stream,
        processes=processes,
        warmup=warmup,
        timeout=timeout,
        token=token,
        tls=Tls(ca=tls_ca, cert=tls_cert, key=tls_key) if secure else None,
    )
    try:
        plan.check()
    except ValueError as error:
        raise click.UsageError(str(error)) from error
    if declarations_file is not None:
        declarations = list(read_declarations(declarations_file))
    else:
        if count < 1:
            raise click.UsageError("--count must be at least 1")
        declarations = generated_declarations(seed, count)
    if not declarations:
        raise click.UsageError(f"{declarations_file}: no declarations")
    try:
        result = run_load(plan, declarations)
    except TimeoutError as error:
        raise click.ClickException(f"{target}: not reachable within {timeout:g} s") from error
    if as_json:
        click.echo(json.dumps(result.as_dict(), sort_keys=True))
        return
    latency = result.latency_ms
    click.echo(
        f"{plan.method} on {target}: {concurrency} concurrent, batch {batch}, "
        f"{processes} client process(es), {result.seconds:.1f} s"
    )
    click.echo(
        f"  {result.declarations_per_second:,.1f} declarations/s, "
        f"{result.calls_per_second:,.1f} calls/s ({result.calls:,} calls)"
    )
    if latency:
        click.echo(
            "  latency ms: " + ", ".join(f"{name} {value:.2f}" for name, value in latency.items())
        )
    for code, calls in result.errors.items():
        click.echo(f"  errors {code}: {calls:,}")
    if not result.errors:
        click.echo("  errors: none")
