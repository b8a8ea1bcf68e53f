"""Hypothesis strategies for rule tests: random declarations, watchlists and rules.

Values come from small pools so that random rules and random declarations meet often
(thresholds equal to quantities, prefixes of the HS codes used, listed party ids), which is
where two lowerings of the same condition could disagree.
"""

from __future__ import annotations

from datetime import UTC, date, datetime, timedelta

from hypothesis import strategies as st

from riskd.domain import (
    Declaration,
    Direction,
    Item,
    ItemAssessment,
    Match,
    MatchMethod,
    Money,
    Party,
    Procedure,
    RightType,
    TransportMode,
)
from riskd.rules.ast import AllOf, AnyOf, Condition, Leaf, NotOf, OnList, Rule
from riskd.rules.errors import Pos
from riskd.rules.fields import FIELDS, FieldType, Level
from riskd.rules.frame import Screened
from riskd.rules.lists import Entry, ListKind, WatchList, normalise_mark
from riskd.rules.terms import Op, RuleSeverity

POS = Pos("generated.yaml", 1, 1)
START = date(2026, 1, 1)
COUNTRIES = ("CN", "HK", "TR", "AE", "US", "")
PARTY_IDS = ("P1", "P2", "P3", "")
HS_CODES = ("64041100", "85234910", "30042000", "42022100", "8", "")
WORDS = ("dvd", "Shoes", "software key", "Ärmel", "", "power bank")
BRANDS = ("VELOX", " velox ", "Nova  X", "nova x", "")
CURRENCIES = ("USD", "CNY", "eur", "XXX")
NUMBERS = (0.0, 0.5, 1.0, 3.0, 10.0, 12.5, 100.0, 1e6)
RECORDATIONS = ("TM-1", "TM-2", "CR-3")
RATES = {"USD": 1.0, "CNY": 0.138, "EUR": 1.08}
HISTORY_FIELDS = tuple(f.name for f in FIELDS.values() if f.level is Level.HISTORY)[:6]

days = st.integers(0, 400).map(lambda n: START + timedelta(days=n))


@st.composite
def matches(draw: st.DrawFn) -> Match:
    return Match(
        recordation_id=draw(st.sampled_from(RECORDATIONS)),
        mark="M",
        holder="H",
        matched_text="m",
        score=draw(st.sampled_from((0.0, 50.0, 70.0, 85.0, 99.5, 100.0))),
        method=MatchMethod.EXACT,
        right_type=draw(st.sampled_from(list(RightType))),
        authorised=draw(st.booleans()),
        raises_risk=draw(st.booleans()),
    )


@st.composite
def items(draw: st.DrawFn, line_no: int) -> Item:
    value = draw(
        st.none() | st.builds(Money, st.sampled_from(NUMBERS), st.sampled_from(CURRENCIES))
    )
    return Item(
        line_no=line_no,
        hs_code=draw(st.sampled_from(HS_CODES)),
        description=draw(st.sampled_from(WORDS)),
        brand=draw(st.sampled_from(BRANDS)),
        model=draw(st.sampled_from(("", "X1"))),
        quantity=draw(st.sampled_from(NUMBERS)),
        unit=draw(st.sampled_from(("PCS", ""))),
        net_mass_kg=draw(st.sampled_from(NUMBERS)),
        value=value,
        origin_country=draw(st.sampled_from(COUNTRIES)),
    )


def _party(party_id: str) -> Party | None:
    return Party(party_id) if party_id else None


@st.composite
def screened(draw: st.DrawFn, index: int) -> Screened:
    n_items = draw(st.integers(1, 3))
    goods = tuple(draw(items(line)) for line in range(1, n_items + 1))
    day = draw(days)
    declaration = Declaration(
        declaration_id=f"D{index}",
        declared_at=datetime(day.year, day.month, day.day, 23, 30, tzinfo=UTC),
        direction=draw(st.sampled_from(list(Direction))),
        customs_office=draw(st.sampled_from(("2244", "2248", ""))),
        transport_mode=draw(st.sampled_from(list(TransportMode))),
        items=goods,
        procedure=draw(st.sampled_from(list(Procedure))),
        **{
            role: _party(draw(st.sampled_from(PARTY_IDS)))
            for role in ("declarant", "importer", "exporter", "consignee")
        },
        origin_country=draw(st.sampled_from(COUNTRIES)),
        departure_country=draw(st.sampled_from(COUNTRIES)),
        destination_country=draw(st.sampled_from(COUNTRIES)),
    )
    assessed = tuple(
        ItemAssessment(i.line_no, tuple(draw(st.lists(matches(), max_size=2)))) for i in goods
    )
    features = {
        name: draw(st.sampled_from(NUMBERS))
        for name in draw(st.lists(st.sampled_from(HISTORY_FIELDS), unique=True, max_size=4))
    }
    return Screened(declaration, assessed, features)


@st.composite
def entries(draw: st.DrawFn, kind: ListKind) -> Entry:
    # mostly open-ended entries, so membership rather than dates decides most cases
    since = draw(days) if draw(st.integers(0, 3)) == 0 else None
    expires = draw(days) if draw(st.integers(0, 2)) == 0 else START + timedelta(days=400)
    if since is not None and since > expires:
        since, expires = expires, since
    if kind is ListKind.PARTIES:
        key = {"party": draw(st.sampled_from(PARTY_IDS[:-1]))}
        if draw(st.booleans()):
            key["role"] = draw(st.sampled_from(("importer", "exporter", "declarant", "consignee")))
    elif kind is ListKind.MARKS:
        key = (
            {"mark": normalise_mark(draw(st.sampled_from(BRANDS[:-1])))}
            if draw(st.booleans())
            else {"recordation": draw(st.sampled_from(RECORDATIONS))}
        )
    else:
        options = {
            "origin": COUNTRIES[:-1],
            "departure": COUNTRIES[:-1],
            "destination": COUNTRIES[:-1],
            "transport_mode": [m.value for m in TransportMode],
        }
        chosen = draw(st.lists(st.sampled_from(sorted(options)), min_size=1, unique=True))
        key = {k: draw(st.sampled_from(list(options[k]))) for k in chosen}
    return Entry(key, "reason", "source", expires, POS, since)


@st.composite
def watchlists(draw: st.DrawFn) -> dict[str, WatchList]:
    return {
        kind.value: WatchList(
            kind.value, kind, tuple(draw(st.lists(entries(kind), max_size=4))), POS
        )
        for kind in ListKind
    }


OPS_OF_TYPE = {
    FieldType.BOOLEAN: (Op.EQ, Op.NE, Op.EXISTS),
    FieldType.NUMBER: (Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.BETWEEN, Op.EXISTS),
    FieldType.STRING: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.PREFIX, Op.CONTAINS, Op.EXISTS),
}
TEXT_POOL = (
    *COUNTRIES[:-1],
    *PARTY_IDS[:-1],
    *HS_CODES[:-1],
    "64",
    "8523",
    "Shoes",
    "VELOX",
    "USD",
    "CNY",
    "TM-1",
    "2244",
    "PCS",
)


@st.composite
def _operand(draw: st.DrawFn, field: str, op: Op) -> object:
    spec = FIELDS[field]
    if op is Op.EXISTS or spec.type is FieldType.BOOLEAN:
        return draw(st.booleans())
    if spec.type is FieldType.NUMBER:
        number = st.sampled_from((*NUMBERS, 70.0, 85.0, 1.38))
        if op is Op.BETWEEN:
            low, high = sorted((draw(number), draw(number)))
            return (low, high)
        return draw(number)
    pool = spec.values or TEXT_POOL
    if op in (Op.EQ, Op.NE):
        return draw(st.sampled_from(pool))
    if op in (Op.IN, Op.NOT_IN):
        return tuple(draw(st.lists(st.sampled_from(pool), min_size=1, max_size=3)))
    if op is Op.PREFIX:
        options = ("6", "64", "8523", "30", "C", "P", "S", "A")
        return tuple(draw(st.lists(st.sampled_from(options), min_size=1, max_size=2)))
    words = ("dvd", "key", "ärmel", "bank", "shoe", "x", "e")
    return tuple(draw(st.lists(st.sampled_from(words), min_size=1, max_size=2)))


# every declaration and item field, and a few history features (the rest read as 0 alike);
# drawn by type first so that numeric and boolean comparisons are as frequent as texts
FIELDS_OF_TYPE = {
    kind: sorted(
        n
        for n, f in FIELDS.items()
        if f.type is kind and (f.level is not Level.HISTORY or n in HISTORY_FIELDS[:3])
    )
    for kind in FieldType
}


@st.composite
def vocabularies(draw: st.DrawFn) -> dict[FieldType, list[str]]:
    """A few fields per type for one case: rules then share fields (and conditions), as
    officers' rules do, which is where contradictions and shared columns are exercised."""
    return {
        kind: draw(st.lists(st.sampled_from(names), min_size=1, max_size=3, unique=True))
        for kind, names in FIELDS_OF_TYPE.items()
    }


@st.composite
def leaves(draw: st.DrawFn, vocabulary: dict[FieldType, list[str]] | None = None) -> Leaf:
    kind = draw(st.sampled_from(list(FieldType)))
    field = draw(st.sampled_from((vocabulary or FIELDS_OF_TYPE)[kind]))
    op = draw(st.sampled_from(OPS_OF_TYPE[kind]))
    return Leaf(POS, field, op, draw(_operand(field, op)), POS)  # type: ignore[arg-type]


def conditions(
    lists: bool = True, vocabulary: dict[FieldType, list[str]] | None = None
) -> st.SearchStrategy[Condition]:
    base: st.SearchStrategy[Condition] = leaves(vocabulary)
    if lists:
        base = base | st.sampled_from([k.value for k in ListKind]).map(lambda n: OnList(POS, n))
    return st.recursive(
        base,
        lambda inner: (
            st.lists(inner, min_size=1, max_size=3).map(lambda c: AllOf(POS, tuple(c)))
            | st.lists(inner, min_size=1, max_size=3).map(lambda c: AnyOf(POS, tuple(c)))
            | inner.map(lambda c: NotOf(POS, c))
        ),
        max_leaves=8,
    )


@st.composite
def rules(
    draw: st.DrawFn, index: int, vocabulary: dict[FieldType, list[str]] | None = None
) -> Rule:
    # mostly unbounded, so that the conditions, not the dates, decide most cases
    valid_from = draw(days) if draw(st.integers(0, 3)) == 0 else None
    valid_until = draw(days) if draw(st.integers(0, 3)) == 0 else None
    if valid_from and valid_until and valid_from > valid_until:
        valid_from, valid_until = valid_until, valid_from
    return Rule(
        id=f"R{index}",
        title="generated",
        owner="test",
        severity=RuleSeverity.LOW,
        action=None,
        score=0.5,
        when=draw(conditions(vocabulary=vocabulary)),
        pos=POS,
        version=f"v{index}",
        valid_from=valid_from,
        valid_until=valid_until,
        shadow_until=draw(days) if draw(st.integers(0, 3)) == 0 else None,
    )
