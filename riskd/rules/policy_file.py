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

from riskd.domain import Money, Recommendation
from riskd.history import to_usd
from riskd.policy import Combine, Policy
from riskd.rules.errors import Pos, Problem, error
from riskd.rules.yamlpos import Node, unknown_keys

POLICY_SECTIONS = (
    "lanes",
    "combine",
    "matches",
    "random_selection",
    "referral",
    "exhibition",
    "capacity",
)
SECTION_KEYS: Mapping[str, tuple[str, ...]] = {
    "lanes": ("blue", "yellow", "red", "detain"),
    "combine": ("method", "rule_weight", "model_weight", "match_weight"),
    "matches": ("detain_from_score",),
    "random_selection": ("rate", "salt"),
    "referral": ("threshold",),
    "exhibition": ("minimum", "on_match"),
    "capacity": ("default", "offices"),
}


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


def parse_policy(root: Node, content: bytes, rates: Mapping[str, float]) -> Policy | None:
    """The `policy:` of a policy file, over the defaults of `Policy`."""
    top = root.mapping("a mapping with the key 'policy'")
    if top is None or "policy" not in top:
        return None
    root.problems.extend(unknown_keys(top, ("policy",), "the policy file"))
    spec = top["policy"][1].mapping(f"a mapping with {', '.join(POLICY_SECTIONS)}")
    if spec is None:
        return None
    root.problems.extend(unknown_keys(spec, POLICY_SECTIONS, "the policy"))
    before = len(root.problems)
    sections: dict[str, dict[str, tuple[Pos, Node]]] = {}
    for name, (_, node) in spec.items():
        if name in SECTION_KEYS:
            mapping = node.mapping(f"a mapping with {', '.join(SECTION_KEYS[name])}") or {}
            root.problems.extend(unknown_keys(mapping, SECTION_KEYS[name], f"policy {name}"))
            sections[name] = mapping
    default = Policy()
    lanes = sections.get("lanes", {})
    combine = sections.get("combine", {})
    randoms = sections.get("random_selection", {})
    exhibition = sections.get("exhibition", {})
    values = {
        "audit_from": _fraction(lanes, "blue", default.audit_from),
        "document_check_from": _fraction(lanes, "yellow", default.document_check_from),
        "inspection_from": _fraction(lanes, "red", default.inspection_from),
        "detain_from": _fraction(lanes, "detain", None),
        "rule_weight": _fraction(combine, "rule_weight", default.rule_weight),
        "model_weight": _fraction(combine, "model_weight", default.model_weight),
        "match_weight": _fraction(combine, "match_weight", default.match_weight),
        "random_rate": _fraction(randoms, "rate", default.random_rate),
    }
    lane_keys = ("audit_from", "document_check_from", "inspection_from", "detain_from")
    thresholds = [v for v in (values[k] for k in lane_keys) if v is not None]
    if thresholds != sorted(thresholds) and "lanes" in spec:
        spec["lanes"][1].fail("E-VALUE", "lanes must rise: blue <= yellow <= red <= detain")
    if values["random_rate"] == 0.0:
        randoms["rate"][1].fail(
            "E-VALUE",
            "the random selection rate is never zero: without it "
            "outcomes are no unbiased sample for retraining",
        )
    method = Combine.MAX
    if "method" in combine:
        text = combine["method"][1].text("max or noisy_or")
        if text not in {c.value for c in Combine}:
            combine["method"][1].fail(
                "E-VALUE", f"combine method must be max or noisy_or, not {text!r}"
            )
        else:
            method = Combine(text)
    match_from = 0.0
    if "detain_from_score" in sections.get("matches", {}):
        node = sections["matches"]["detain_from_score"][1]
        match_from = node.number("a match score between 0 and 100") or 0.0
    salt = default.random_salt
    if "salt" in randoms:
        salt = randoms["salt"][1].text("a text") or salt
    threshold = _threshold(sections.get("referral", {}), rates) or default.referral_threshold
    minimum = _recommendation(exhibition, "minimum", default.exhibition_minimum)
    on_match = _recommendation(exhibition, "on_match", default.exhibition_on_match)
    capacity = _capacity(sections.get("capacity", {}))
    if len(root.problems) > before:
        return None
    return Policy(
        version="policy-" + hashlib.sha256(content).hexdigest()[:12],
        audit_from=float(values["audit_from"] or 0.0),
        document_check_from=float(values["document_check_from"] or 0.0),
        inspection_from=float(values["inspection_from"] or 0.0),
        detain_from=values["detain_from"],
        combine=method,
        rule_weight=float(values["rule_weight"] or 0.0),
        model_weight=float(values["model_weight"] or 0.0),
        match_weight=float(values["match_weight"] or 0.0),
        match_detain_from=match_from,
        random_rate=float(values["random_rate"] or 0.0),
        random_salt=salt,
        referral_threshold=threshold,
        rates_to_base=dict(rates) or dict(default.rates_to_base),
        exhibition_minimum=minimum,
        exhibition_on_match=on_match,
        inspection_capacity=capacity,
    )


def _fraction(
    section: dict[str, tuple[Pos, Node]], key: str, default: float | None
) -> float | None:
    if key not in section:
        return default
    node = section[key][1]
    value = node.number("a number between 0 and 1")
    if value is not None and not 0.0 <= value <= 1.0:
        node.fail("E-VALUE", f"{key} must be between 0 and 1, not {value}")
    return value


def _recommendation(
    section: dict[str, tuple[Pos, Node]], key: str, default: Recommendation
) -> Recommendation:
    if key not in section:
        return default
    node = section[key][1]
    text = node.text()
    if text not in {r.value for r in Recommendation}:
        node.fail("E-VALUE", f"{key} must be one of {', '.join(r.value for r in Recommendation)}")
        return default
    return Recommendation(text)


def _threshold(section: dict[str, tuple[Pos, Node]], rates: Mapping[str, float]) -> Money | None:
    if "threshold" not in section:
        return None
    node = section["threshold"][1]
    spec = node.mapping("a value {amount: 50000, currency: USD}") or {}
    amount = spec["amount"][1].number() if "amount" in spec else None
    currency = spec["currency"][1].text() if "currency" in spec else None
    if amount is None or currency is None:
        node.fail("E-VALUE", "the referral threshold needs amount and currency")
        return None
    usd = to_usd(Money(amount, currency), rates)
    if usd is None:
        spec["currency"][1].fail("E-VALUE", f"currency {currency} is not in currencies.csv")
        return None
    # suspect values are summed in USD, so the threshold is held in USD too
    return Money(round(usd, 2), "USD")


def _capacity(section: dict[str, tuple[Pos, Node]]) -> dict[str, float]:
    capacity: dict[str, float] = {}
    if "default" in section:
        value = _fraction(section, "default", None)
        if value is not None:
            capacity["*"] = value
    if "offices" in section:
        offices_node = section["offices"][1]
        offices = offices_node.mapping("a mapping of office code to inspection rate")
        written = {str(k): k for k in offices_node.value} if offices_node.is_map() else {}
        for office, (key_pos, node) in (offices or {}).items():
            if not isinstance(written[office], str):
                node.problems.append(
                    error(
                        "E-TYPE",
                        key_pos,
                        f"write the office code in quotes, "
                        f'e.g. "{office}": YAML reads '
                        "bare digits as a number",
                    )
                )
                continue
            value = _fraction({office: (node.pos, node)}, office, None)
            if value is not None:
                capacity[office] = value
    return capacity
