"""The policy file (`policy.yaml`) and the currency table (`currencies.csv`) of a rule directory.

The policy maps the combined risk to lanes and sets the random compliance selection, the
referral threshold, exhibition handling and inspection capacity (see `riskd.policy.Policy`).
The currency table gives USD per unit of each currency; rules read unit values in USD by it.
"""

from __future__ import annotations

import csv
import hashlib
from collections.abc import Mapping
from pathlib import Path

from riskd.domain import Money
from riskd.history import to_usd
from riskd.policy import Combine, Policy
from riskd.rules.definition import MoneySpec, PolicyFile, PolicySpec, Spec
from riskd.rules.errors import Pos, Problem, error
from riskd.rules.yamlpos import Document


def _sections() -> dict[str, tuple[str, ...]]:
    sections = {}
    for name, info in PolicySpec.model_fields.items():
        section = info.annotation
        assert isinstance(section, type) and issubclass(section, Spec)
        sections[name] = section.keys()
    return sections


SECTION_KEYS: Mapping[str, tuple[str, ...]] = _sections()


def parse_currencies(path: Path, display: str, problems: list[Problem]) -> dict[str, float]:
    """`currency,usd_per_unit` rows; each bad row is reported at its line."""
    rates: dict[str, float] = {}
    with path.open(encoding="utf-8", newline="") as handle:
        reader = csv.DictReader(handle)
        if reader.fieldnames is None or not {"currency", "usd_per_unit"} <= set(reader.fieldnames):
            problems.append(
                error("E-CSV", Pos(display, 1, 1), "expected the header currency,usd_per_unit")
            )
            return rates
        for row in reader:
            pos = Pos(display, reader.line_num, 1)
            code = (row.get("currency") or "").strip().upper()
            try:
                rate = float(row.get("usd_per_unit") or "")
            except ValueError:
                problems.append(
                    error(
                        "E-CSV",
                        pos,
                        f"usd_per_unit of {code or '?'} must be a "
                        f"number, not {row.get('usd_per_unit')!r}",
                    )
                )
                continue
            if len(code) != 3 or not code.isalpha() or rate <= 0:
                problems.append(
                    error("E-CSV", pos, "expected a 3-letter ISO currency and a positive rate")
                )
                continue
            if code == "USD" and rate != 1.0:
                problems.append(error("E-CSV", pos, "USD is the base currency: its rate is 1"))
                continue
            if code in rates:
                problems.append(error("E-CSV", pos, f"currency {code} is listed twice"))
            rates[code] = rate
    return rates


def parse_policy(doc: Document, content: bytes, rates: Mapping[str, float]) -> Policy | None:
    """The `policy:` of a policy file, over the defaults of `Policy`."""
    valid: PolicyFile | None = doc.validate(PolicyFile)
    if valid is None:
        return None
    spec = valid.policy
    default = Policy()
    lanes, combine = spec.lanes, spec.combine

    def given(value: float | None, fallback: float) -> float:
        return fallback if value is None else value

    rising = [
        given(lanes.blue, default.audit_from),
        given(lanes.yellow, default.document_check_from),
        given(lanes.red, default.inspection_from),
        *([lanes.detain] if lanes.detain is not None else []),
    ]
    before = len(doc.problems)
    if rising != sorted(rising) and doc.at(("policy", "lanes")) is not None:
        doc.fail("E-VALUE", ("policy", "lanes"), "lanes must rise: blue <= yellow <= red <= detain")
    threshold = _threshold(doc, spec.referral.threshold, rates) or default.referral_threshold
    if len(doc.problems) > before:
        return None
    default_rate = spec.capacity.default
    capacity = {"*": default_rate} if default_rate is not None else {}
    capacity.update(spec.capacity.offices)
    return Policy(
        version="policy-" + hashlib.sha256(content).hexdigest()[:12],
        audit_from=rising[0],
        document_check_from=rising[1],
        inspection_from=rising[2],
        detain_from=lanes.detain,
        combine=combine.method or Combine.MAX,
        rule_weight=given(combine.rule_weight, default.rule_weight),
        model_weight=given(combine.model_weight, default.model_weight),
        match_weight=given(combine.match_weight, default.match_weight),
        match_detain_from=spec.matches.detain_from_score or 0.0,
        random_rate=given(spec.random_selection.rate, default.random_rate),
        random_salt=spec.random_selection.salt or default.random_salt,
        referral_threshold=threshold,
        rates_to_base=dict(rates) or dict(default.rates_to_base),
        exhibition_minimum=spec.exhibition.minimum or default.exhibition_minimum,
        exhibition_on_match=spec.exhibition.on_match or default.exhibition_on_match,
        inspection_capacity=capacity,
    )


def _threshold(
    doc: Document, threshold: MoneySpec | None, rates: Mapping[str, float]
) -> Money | None:
    if threshold is None:
        return None
    usd = to_usd(Money(threshold.amount, threshold.currency), rates)
    if usd is None:
        path = ("policy", "referral", "threshold", "currency")
        doc.fail("E-VALUE", path, f"currency {threshold.currency} is not in currencies.csv")
        return None
    # suspect values are summed in USD, so the threshold is held in USD too
    return Money(round(usd, 2), "USD")
