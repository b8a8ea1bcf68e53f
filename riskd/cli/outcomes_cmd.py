"""`riskd outcomes import FILE`: outcomes of inspections and holders' answers from a CSV file.

Every row is checked before anything is written: a file with a bad row imports nothing and
names each bad row (exit status 1). Then each outcome is recorded as `RecordOutcome`
records it (`riskd.store.profiles.record_outcome`: the store, then the entity profiles), so
a file imported twice records each outcome once.
"""

from __future__ import annotations

import sys
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import click

from riskd.cases.referrals import record_and_refer
from riskd.cli.outcomes_file import OutcomeRow, read_outcomes
from riskd.cli.progress import counting, quiet_option, shows_progress
from riskd.cli.store_option import reading, store_option
from riskd.domain import Conflict, NotFound
from riskd.policy import Policy
from riskd.settings import Settings
from riskd.store.base import Store
from riskd.store.factory import profiles_beside
from riskd.store.profiles import ProfileStore


@dataclass(slots=True)
class Imported:
    recorded: int = 0
    already_recorded: int = 0
    unknown_decisions: int = 0
    conflicts: int = 0

    def summary(self) -> str:
        return (
            f"{self.recorded:,} recorded, {self.already_recorded:,} already recorded, "
            f"{self.unknown_decisions:,} unknown decisions"
            + (f", {self.conflicts:,} conflicting" if self.conflicts else "")
        )


@click.group(context_settings={"help_option_names": ["-h", "--help"]})
def outcomes() -> None:
    """Outcomes of inspections and seizures, and right holders' answers."""


@outcomes.command("import")
@click.argument("file", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@store_option
@click.option(
    "--profiles/--no-profiles",
    default=True,
    show_default=True,
    help="Count the outcomes in the entity profiles beside the store, as the server does.",
)
@click.option(
    "--jurisdiction",
    envvar="RISKD_CASES_JURISDICTION",
    default=Settings.model_fields["cases_jurisdiction"].default,
    show_default=True,
    help="The jurisdiction of the referral cases seizures open (env RISKD_CASES_JURISDICTION).",
)
@quiet_option
def import_(file: Path, store_url: str, profiles: bool, jurisdiction: str, quiet: bool) -> None:
    """Record the outcomes of a CSV FILE: columns decision_id and result (NO_INFRINGEMENT,
    SEIZED, HOLDER_NOT_CONFIRMED), optionally outcome_id, recorded_at, control,
    recordation_ids, seized_amount, seized_currency, officer, notes. Every row is checked
    first; a bad row is named as FILE:LINE:COLUMN and nothing is imported. Importing the
    same file again records nothing twice. A seizure worth the referral threshold the
    decision was made under opens its referral case, as the server's RecordOutcome does."""
    checked = read_outcomes(file, datetime.now(UTC))
    if checked.problems:
        for problem in checked.problems:
            click.secho(str(problem), fg="red", err=True)
        click.echo(f"{file}: {len(checked.problems)} problems; nothing imported", err=True)
        sys.exit(1)
    with reading(store_url) as store:
        counts = profiles_beside(store) if profiles else None
        try:
            done = _import(store, counts, checked.rows, file, jurisdiction, shows_progress(quiet))
        finally:
            if counts is not None:
                counts.close()
    click.echo(f"{file}: {done.summary()}")
    if done.conflicts:
        sys.exit(1)


def _import(
    store: Store,
    profiles: ProfileStore | None,
    rows: tuple[OutcomeRow, ...],
    file: Path,
    jurisdiction: str,
    progress: bool,
) -> Imported:
    done = Imported()
    policy = Policy()  # the built-in threshold, for a decision that recorded none
    with counting("recording outcomes", len(rows), progress) as step:
        for row in rows:
            outcome = row.outcome
            try:
                recorded = record_and_refer(store, profiles, outcome, policy, jurisdiction)
            except NotFound:
                done.unknown_decisions += 1
                click.echo(
                    f"{file}:{row.line}: decision {outcome.decision_id!r} is not in the "
                    "store; skipped",
                    err=True,
                )
            except Conflict as exc:
                done.conflicts += 1
                click.secho(f"{file}:{row.line}: {exc}", fg="red", err=True)
            else:
                if recorded.already_recorded:
                    done.already_recorded += 1
                else:
                    done.recorded += 1
            step()
    return done
