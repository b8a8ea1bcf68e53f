"""`riskd cases list|show|answer|expire`: the officers' queue of cases, worked from the shell.

The queue is the store's (`riskd.store.base.CaseStore`): nearest deadline first, each with
the time left on its legal clock. Answers and expiries are recorded as outcomes
(`riskd.cases.answers`), so they reach the entity profiles and the training table.
"""

from __future__ import annotations

import json
from datetime import UTC, datetime, timedelta
from pathlib import Path

import click

from riskd.cases.answers import answer_case, expire_overdue, extend_case
from riskd.cases.calendar import SHIPPED, CalendarError, JurisdictionCalendar, load_calendar
from riskd.cases.evidence import case_evidence
from riskd.cli.errors import CommandError
from riskd.cli.store_option import moment, reading, store_option
from riskd.domain import Case, CaseKind, CaseState, Conflict, NotFound
from riskd.store.codec import encode
from riskd.store.factory import profiles_beside

STATES = [s.value for s in CaseState]
_ROW = "{:<52} {:<12} {:<9} {:<17} {:<18} {}"
KINDS = [k.value for k in CaseKind]


def time_left(case: Case, now: datetime) -> str:
    """What is left of an open case's clock ('2d 05h', 'overdue 1d 02h'); '-' without one."""
    if case.deadline is None or case.state is not CaseState.OPEN:
        return "-"
    left = case.deadline - now
    span = abs(left)
    hours = int(span.total_seconds() // 3600)
    shown = (
        f"{hours // 24}d {hours % 24:02d}h"
        if hours >= 24
        else f"{hours}h {span.seconds // 60 % 60:02d}m"
    )
    return shown if left > timedelta(0) else f"overdue {shown}"


def _now(at: str | None) -> datetime:
    return moment(at, "--at") or datetime.now(UTC)


at_option = click.option(
    "--at",
    metavar="TIME",
    help="The moment to work as of (ISO 8601, UTC if no zone); default now.",
)


def _calendar(path: Path | None) -> JurisdictionCalendar:
    try:
        return load_calendar(path or SHIPPED)
    except CalendarError as exc:
        raise CommandError("; ".join(str(p) for p in exc.problems)) from exc


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def cases() -> None:
    """Detention notices and referrals: the queue, a case's record, the holder's answer."""


@cases.command("list")
@store_option
@click.option("--state", type=click.Choice(STATES), help="Only cases in this state.")
@click.option("--kind", type=click.Choice(KINDS), help="Only cases of this kind.")
@click.option("--decision", "decision_id", metavar="ID", help="Only the cases of a decision.")
@click.option("--overdue", is_flag=True, help="Only open cases whose deadline has passed.")
@click.option("--limit", type=click.IntRange(min=1), default=50, show_default=True)
@click.option("--json", "as_json", is_flag=True, help="One JSON object a line.")
@at_option
def list_(
    store_url: str,
    state: str | None,
    kind: str | None,
    decision_id: str | None,
    overdue: bool,
    limit: int,
    as_json: bool,
    at: str | None,
) -> None:
    """The cases, nearest deadline first (cases without a deadline last), with the time
    left on each open case's clock."""
    now = _now(at)
    chosen = CaseState(state) if state else None
    if overdue:
        if chosen not in (None, CaseState.OPEN):
            raise CommandError(
                "--overdue lists open cases; it does not go with --state " + str(state)
            )
        chosen = CaseState.OPEN
    shown = 0
    with reading(store_url) as store:
        for case in store.cases(
            state=chosen, decision_id=decision_id, due_before=now if overdue else None
        ):
            if kind and case.kind.value != kind:
                continue
            if shown == 0 and not as_json:
                click.echo(_ROW.format("case", "kind", "state", "deadline (UTC)", "left", "holder"))
            shown += 1
            if as_json:
                click.echo(encode(case).decode())
            else:
                deadline = case.deadline.strftime("%Y-%m-%d %H:%M") if case.deadline else "-"
                click.echo(
                    _ROW.format(
                        case.case_id,
                        case.kind.value,
                        case.state.value,
                        deadline,
                        time_left(case, now),
                        case.holder,
                    )
                )
            if shown >= limit:
                break
    if shown == 0 and not as_json:
        click.echo("no cases")


@cases.command("show")
@click.argument("case_id")
@store_option
@click.option(
    "--json",
    "as_json",
    is_flag=True,
    help="The case with its evidence (declaration, matches, rule hits, model reasons, "
    "outcomes, versions) as JSON.",
)
@click.option(
    "--html",
    "html_file",
    type=click.Path(dir_okay=False, writable=True, path_type=Path),
    help="Write the case with its evidence to this file as a printable HTML page.",
)
@at_option
def show(
    case_id: str, store_url: str, as_json: bool, html_file: Path | None, at: str | None
) -> None:
    """A case with its record of events; with --json or --html, with its evidence."""
    now = _now(at)
    with reading(store_url) as store:
        try:
            case = store.get_case(case_id)
        except NotFound as exc:
            raise CommandError(str(exc)) from exc
        exported = as_json or html_file is not None
        bundle = case_evidence(store, case) if exported else {}
    if html_file is not None:
        from riskd.reporting import render

        html_file.write_text(render("case.html.j2", **bundle), encoding="utf-8")
        click.echo(f"{case_id}: written to {html_file}", err=as_json)
    if as_json:
        click.echo(json.dumps(bundle, indent=2, ensure_ascii=False))
    if exported:
        return
    rows = [
        ("case", case.case_id),
        ("kind", case.kind.value),
        ("state", case.state.value),
        ("decision", case.decision_id),
        (
            "jurisdiction",
            f"{case.jurisdiction} ({case.clock} clock)" if case.clock else case.jurisdiction,
        ),
        ("opened", case.opened_at.isoformat()),
        ("deadline", case.deadline.isoformat() if case.deadline else "-"),
        ("time left", time_left(case, now)),
        ("recordation", case.recordation_id or "-"),
        (
            "holder",
            f"{case.holder} <{case.holder_contact}>" if case.holder_contact else case.holder or "-",
        ),
    ]
    for name, value in rows:
        click.echo(f"{name:<13} {value}")
    click.echo("events")
    for event in case.events:
        note = f" ({event.note})" if event.note else ""
        click.echo(
            f"  {event.at.isoformat()}  {event.by:<12} {event.what} -> {event.state.value}{note}"
        )


@cases.command("answer")
@click.argument("case_id")
@store_option
@click.option(
    "--confirmed", "answer", flag_value="confirmed", help="The holder confirmed the infringement."
)
@click.option(
    "--declined",
    "answer",
    flag_value="declined",
    help="The holder declined (no infringement, or will not act).",
)
@click.option(
    "--extend",
    "answer",
    flag_value="extend",
    help="Grant the holder's request to extend the period, where the clock allows it.",
)
@click.option("--note", default="", help="What the holder said, for the case's record.")
@click.option("--by", "by", default="officer", show_default=True, help="Who records the answer.")
@click.option(
    "--calendar",
    type=click.Path(exists=True, dir_okay=False, path_type=Path),
    envvar="RISKD_CASES_CALENDAR",
    help="The calendar of the legal clocks, for --extend (env RISKD_CASES_CALENDAR; "
    "default: the shipped one).",
)
@at_option
def answer(
    case_id: str,
    store_url: str,
    answer: str | None,
    note: str,
    by: str,
    calendar: Path | None,
    at: str | None,
) -> None:
    """Record the holder's answer to an open notification case: --confirmed (recorded as
    a SEIZED outcome), --declined (HOLDER_NOT_CONFIRMED), or --extend the deadline."""
    if answer is None:
        raise CommandError("say what the holder answered: --confirmed, --declined or --extend")
    now = _now(at)
    with reading(store_url) as store:
        profiles = profiles_beside(store)
        try:
            if answer == "extend":
                case = extend_case(store, _calendar(calendar), case_id, at=now, by=by, note=note)
                assert case.deadline is not None
                click.echo(f"{case.case_id}: deadline extended to {case.deadline.isoformat()}")
                return
            to = CaseState.CONFIRMED if answer == "confirmed" else CaseState.DECLINED
            done = answer_case(store, profiles, case_id, to, at=now, by=by, note=note)
        except (NotFound, Conflict, ValueError, KeyError) as exc:
            raise CommandError(str(exc.args[0] if isinstance(exc, KeyError) else exc)) from exc
        finally:
            if profiles is not None:
                profiles.close()
    recorded = (
        f"outcome {done.outcome.result.value} recorded as {done.outcome.outcome_id}"
        if done.outcome
        else "no outcome recorded: another holder of the decision confirmed"
    )
    click.echo(f"{done.case.case_id}: {done.case.state.value}; {recorded}")


@cases.command("expire")
@store_option
@at_option
def expire(store_url: str, at: str | None) -> None:
    """Mark EXPIRED every open notification case whose deadline has passed (release is
    advised), recording each as a HOLDER_NOT_CONFIRMED outcome; run it from cron."""
    now = _now(at)
    with reading(store_url) as store:
        profiles = profiles_beside(store)
        try:
            expired = expire_overdue(store, profiles, now)
        finally:
            if profiles is not None:
                profiles.close()
    for done in expired:
        click.echo(f"{done.case.case_id}: EXPIRED; release advised")
    click.echo(f"{len(expired):,} cases expired as of {now.isoformat()}")
