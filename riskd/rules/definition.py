"""The files of a rule directory as typed models: one definition gives their validation and the
JSON Schema published for officers' editors (docs/rules.schema.json).

The models check shape: which keys, which kinds of values, ranges and allowed names.
`riskd.rules.yamlpos.Document.validate` reports their errors at the line and column written;
the compiler steps (`parse`, `lists`, `policy_file`, `testdecl`) turn validated models into
rules, watchlists, the policy and test declarations. Whether a field exists and suits its
operator is `riskd.rules.check`'s business; the schema already tells editors which operators
each field takes.
"""

from __future__ import annotations

import json
import re
from collections.abc import Callable
from datetime import UTC, date, datetime, time
from typing import Annotated, Any, ClassVar, Literal, Self

from pydantic import (
    AfterValidator,
    BaseModel,
    BeforeValidator,
    ConfigDict,
    Discriminator,
    Field,
    GetJsonSchemaHandler,
    StrictBool,
    StrictFloat,
    StrictInt,
    StrictStr,
    Tag,
    TypeAdapter,
    WithJsonSchema,
    model_validator,
)
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaValue
from pydantic_core import CoreSchema, PydanticCustomError, core_schema
from typing_extensions import TypeAliasType

from riskd.domain import Direction, Procedure, Recommendation, RightType, TransportMode
from riskd.features import CATEGORICAL, FEATURE_NAMES
from riskd.features.schema import RULE_NUMERIC
from riskd.policy import Combine
from riskd.rules.fields import FIELDS, ROLES, FieldType
from riskd.rules.terms import BRANCHES, Op, Operand, RuleSeverity

SCHEMA_ID = "https://riskd.example/schemas/rules.schema.json"
RULE_ID = re.compile(r"^[A-Z][A-Z0-9]*(?:[-_.][A-Z0-9]+)*$")


def field_types() -> dict[str, FieldType]:
    """Every name a condition may compare: the catalogue, then the model's other features
    (those known before the rules run; the rule-hit features are added after)."""
    types = {name: f.type for name, f in FIELDS.items()}
    for name in FEATURE_NAMES:
        if name not in RULE_NUMERIC:
            types.setdefault(name, FieldType.STRING if name in CATEGORICAL else FieldType.NUMBER)
    return types


OPS_OF_TYPE: dict[FieldType, tuple[Op, ...]] = {
    FieldType.STRING: (Op.EQ, Op.NE, Op.IN, Op.NOT_IN, Op.PREFIX, Op.CONTAINS, Op.EXISTS),
    FieldType.NUMBER: (Op.EQ, Op.NE, Op.LT, Op.LE, Op.GT, Op.GE, Op.BETWEEN, Op.EXISTS),
    FieldType.BOOLEAN: (Op.EQ, Op.NE, Op.EXISTS),
}


class AlsoAccepts:
    """A schema annotation: the value may also be written in a shorter form."""

    def __init__(self, shorter: Callable[[JsonSchemaValue], JsonSchemaValue]) -> None:
        self.shorter = shorter

    def __get_pydantic_json_schema__(
        self, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        full = handler(schema)
        return {"oneOf": [self.shorter(full), full]}


def _listed(value: object) -> object:
    """One value or a list of them, as officers write either."""
    return value if isinstance(value, list) else [value]


ONE_OR_MANY = AlsoAccepts(lambda full: full["items"])

Text = StrictStr
Number = StrictFloat
Flag = StrictBool


def _text_date(value: object) -> object:
    if not isinstance(value, str):
        raise PydanticCustomError("E-TYPE", "expected a date written YYYY-MM-DD")
    return value


Day = Annotated[date, BeforeValidator(_text_date), Field(description="YYYY-MM-DD")]
Fraction = Annotated[StrictFloat, Field(ge=0, le=1)]
NonEmptyText = Annotated[StrictStr, Field(min_length=1)]
Texts = Annotated[list[NonEmptyText], BeforeValidator(_listed), Field(min_length=1), ONE_OR_MANY]
RightTypes = Annotated[list[RightType], BeforeValidator(_listed), Field(min_length=1), ONE_OR_MANY]


def _unprefixed(prefix: str) -> Callable[[object], object]:
    """Enum values by short name (`POSTAL`) or by their full protobuf name."""
    return lambda v: v.upper().removeprefix(prefix) if isinstance(v, str) else v


def _names(kind: type[Direction | TransportMode | Procedure | RightType], prefix: str) -> Any:
    short = [m.value for m in kind]
    return WithJsonSchema({"type": "string", "enum": short + [prefix + v for v in short]})


DirectionName = Annotated[
    Direction, BeforeValidator(_unprefixed("DIRECTION_")), _names(Direction, "DIRECTION_")
]
TransportModeName = Annotated[
    TransportMode,
    BeforeValidator(_unprefixed("TRANSPORT_MODE_")),
    _names(TransportMode, "TRANSPORT_MODE_"),
]
ProcedureName = Annotated[
    Procedure, BeforeValidator(_unprefixed("PROCEDURE_")), _names(Procedure, "PROCEDURE_")
]
RightTypeName = Annotated[
    RightType, BeforeValidator(_unprefixed("RIGHT_TYPE_")), _names(RightType, "RIGHT_TYPE_")
]


class Spec(BaseModel):
    """A mapping an officer writes: unknown keys are mistakes, values are not coerced."""

    model_config = ConfigDict(extra="forbid", frozen=True, populate_by_name=True)
    where: ClassVar[str] = "a mapping"  # how messages name it
    needs: ClassVar[str] = "{where} needs {key!r}"  # the message for a missing key

    @classmethod
    def keys(cls) -> tuple[str, ...]:
        return tuple(f.alias or name for name, f in cls.model_fields.items())


def _fail(code: str, message: str, at: tuple[str | int, ...] = ()) -> None:
    """Raise one of our own errors; `at` points below the failing mapping, e.g. at one key."""
    raise PydanticCustomError(code, message, {"at": at})


# --- conditions ---------------------------------------------------------------------------


def _scalar(value: object) -> object:
    if isinstance(value, str | bool | int | float):
        return value
    raise PydanticCustomError("E-TYPE", "expected a text, a number or true/false")


Scalar = Annotated[
    Any, AfterValidator(_scalar), WithJsonSchema({"type": ["string", "number", "boolean"]})
]


def _rising(bounds: list[float]) -> list[float]:
    if bounds[0] > bounds[1]:
        _fail("E-VALUE", f"between [{bounds[0]}, {bounds[1]}]: low is above high")
    return bounds


Between = Annotated[
    list[Number],
    Field(min_length=2, max_length=2, description="[low, high], both included"),
    AfterValidator(_rising),
]


class Comparison(Spec):
    """`{field: NAME, <operator>: VALUE}`; exactly one operator."""

    where = "a comparison"
    field: Text = Field(description="a field name (see `riskd rules fields`)")
    eq: Scalar | None = None
    ne: Scalar | None = None
    in_: list[Text] | None = Field(None, alias="in", description="texts (quote HS codes)")
    not_in: list[Text] | None = Field(None, description="texts (quote HS codes)")
    prefix: Texts | None = Field(None, description="text(s) the value starts with")
    contains: Texts | None = Field(None, description="word(s) the value contains, ignoring case")
    lt: Number | None = None
    le: Number | None = None
    gt: Number | None = None
    ge: Number | None = None
    between: Between | None = None
    exists: Flag | None = Field(None, description="true: the value is known")

    @model_validator(mode="after")
    def _one_operator(self) -> Self:
        if len(self.written()) != 1:
            _fail(
                "E-CONDITION",
                f"a comparison of field {self.field!r} needs exactly one operator "
                f"({', '.join(o.value for o in Op)})",
            )
        return self

    def written(self) -> list[Op]:
        return [op for op in Op if getattr(self, _attr(op)) is not None]

    def operator(self) -> tuple[Op, Operand]:
        """The operator and its constant, in the shape the evaluator reads."""
        op = self.written()[0]
        value = getattr(self, _attr(op))
        if op is Op.CONTAINS:
            return op, tuple(t.lower() for t in value)
        if isinstance(value, list):
            return op, tuple(value)
        if isinstance(value, int) and not isinstance(value, bool):
            return op, float(value)
        return op, value

    @classmethod
    def __get_pydantic_json_schema__(
        cls, schema: CoreSchema, handler: GetJsonSchemaHandler
    ) -> JsonSchemaValue:
        """Editors get one comparison per field type: the fields with their meaning, and only
        the operators that apply, with constants of the field's type."""
        generic = handler.resolve_ref_schema(handler(schema))
        types = field_types()
        constant = {FieldType.STRING: "string", FieldType.NUMBER: "number"}
        variants = []
        for kind, ops in OPS_OF_TYPE.items():
            names = sorted(n for n, t in types.items() if t is kind)
            docs = {n: FIELDS[n].doc if n in FIELDS else "a model feature" for n in names}
            properties = {op.value: generic["properties"][op.value] for op in ops}
            for op in (Op.EQ, Op.NE):
                properties[op.value] = {"type": constant.get(kind, "boolean")}
            field = {"anyOf": [{"const": n, "description": docs[n]} for n in names]}
            variants.append(
                {
                    "type": "object",
                    "required": ["field"],
                    "minProperties": 2,
                    "maxProperties": 2,
                    "properties": {"field": field, **properties},
                    "additionalProperties": False,
                    "description": f"a comparison of a {kind.value} field",
                }
            )
        return {"anyOf": variants}


def _attr(op: Op) -> str:
    return "in_" if op is Op.IN else op.value


class AllOfSpec(Spec):
    where = "an 'all' condition"
    all: list[Condition] = Field(min_length=1, description="every condition holds")


class AnyOfSpec(Spec):
    where = "an 'any' condition"
    any: list[Condition] = Field(min_length=1, description="at least one condition holds")


class NotSpec(Spec):
    where = "a 'not' condition"
    not_: Condition = Field(alias="not", description="the condition does not hold")


class OnListSpec(Spec):
    where = "an 'on_list' condition"
    on_list: Text = Field(description="name of a watchlist or tip-off list")


class MatchSpec(Spec):
    """Shorthand for conditions on the item's best match with a recorded right."""

    where = "a 'match' condition"
    min_score: Annotated[Number, Field(ge=0, le=100)] | None = None
    right_type: RightTypes | None = None
    recordation: Texts | None = None
    authorised: Flag | None = None
    raises_risk: Flag | None = None


class MatchConditionSpec(Spec):
    where = "a 'match' condition"
    match: MatchSpec = Field(description="the item's best match with a recorded right")


def _branch(value: object) -> str | None:
    if not isinstance(value, dict):
        return None
    found = [k for k in BRANCHES if k in value]
    return found[0] if len(found) == 1 else None


Condition = TypeAliasType(
    "Condition",
    Annotated[
        Annotated[AllOfSpec, Tag("all")]
        | Annotated[AnyOfSpec, Tag("any")]
        | Annotated[NotSpec, Tag("not")]
        | Annotated[OnListSpec, Tag("on_list")]
        | Annotated[MatchConditionSpec, Tag("match")]
        | Annotated[Comparison, Tag("field")],
        Discriminator(
            _branch,
            custom_error_type="E-CONDITION",
            custom_error_message="a condition has exactly one of " + ", ".join(BRANCHES),
        ),
        Field(description="all, any, not, on_list, match, or {field: NAME, <operator>: VALUE}"),
    ],
)
ConditionSpec = AllOfSpec | AnyOfSpec | NotSpec | OnListSpec | MatchConditionSpec | Comparison

# --- rule tests ----------------------------------------------------------------------------


def _party_id(value: object) -> object:
    return {"id": value} if isinstance(value, str) else value


def _money_text(value: object) -> object:
    if not isinstance(value, str):
        return value
    parts = value.split()
    try:
        return {"amount": float(parts[0]), "currency": parts[1]} if len(parts) == 2 else _bad()
    except ValueError:
        return _bad()


def _bad() -> object:
    _fail("E-VALUE", "write a value as '12.50 USD' or {amount: 12.5, currency: USD}")
    return None


def _moment(value: object) -> datetime:
    """A day (at noon UTC) or a date-time (UTC unless it says otherwise)."""
    if isinstance(value, str):
        try:
            return datetime.combine(date.fromisoformat(value), time(12, 0), UTC)
        except ValueError:
            pass
        try:
            at = datetime.fromisoformat(value)
        except ValueError:
            pass
        else:
            return at if at.tzinfo else at.replace(tzinfo=UTC)
    raise PydanticCustomError("E-TYPE", "expected a date or a date-time, e.g. 2026-11-20")


Moment = Annotated[
    Any,
    AfterValidator(_moment),
    WithJsonSchema({"type": "string", "description": "date or date-time"}),
]


class MoneySpec(Spec):
    where = "a value"
    amount: Number
    currency: Text


Money = Annotated[
    MoneySpec,
    BeforeValidator(_money_text),
    AlsoAccepts(lambda _: {"type": "string", "description": "e.g. '12.50 USD'"}),
]


class PartySpec(Spec):
    where = "a party"
    id: Text = ""
    name: Text = ""
    country: Text = ""


PartyRef = Annotated[
    PartySpec,
    BeforeValidator(_party_id),
    AlsoAccepts(lambda _: {"type": "string", "description": "party id"}),
]


class ItemSpec(Spec):
    where = "an item"
    line_no: StrictInt | None = None
    hs_code: Text = ""
    description: Text = ""
    brand: Text = ""
    model: Text = ""
    quantity: Number = 0.0
    unit: Text = ""
    net_mass_kg: Number = 0.0
    value: Money | None = None
    origin_country: Text = ""


class DeclarationSpec(Spec):
    """A declaration in a rule test: only what matters to the rule, defaults for the rest."""

    where = "a declaration"
    declaration_id: Text | None = None
    declared_at: Moment | None = None
    direction: DirectionName = Direction.IMPORT
    customs_office: Text = "TEST"
    transport_mode: TransportModeName = TransportMode.SEA
    procedure: ProcedureName = Procedure.STANDARD
    declarant: PartyRef | None = None
    importer: PartyRef | None = None
    exporter: PartyRef | None = None
    consignee: PartyRef | None = None
    origin_country: Text = ""
    departure_country: Text = ""
    destination_country: Text = ""
    items: list[ItemSpec] = []

    def line_nos(self) -> list[int]:
        return [i.line_no or n for n, i in enumerate(self.items, 1)]


class TestMatchSpec(Spec):
    """A simulated matcher result, so that rules on matches are testable without a register."""

    where = "a match"
    line_no: StrictInt = 1
    recordation_id: Text = "TEST-RECORDATION"
    mark: Text = "MARK"
    holder: Text = "holder"
    matched_text: Text | None = None
    score: Number = 100.0
    right_type: RightTypeName = RightType.TRADEMARK
    authorised: Flag = False
    raises_risk: Flag | None = Field(None, description="default: not authorised")


def _feature(value: object) -> object:
    if isinstance(value, str | int | float) and not isinstance(value, bool):
        return float(value) if isinstance(value, int) else value
    raise PydanticCustomError("E-TYPE", "expected a number or a text")


Feature = Annotated[Any, AfterValidator(_feature), WithJsonSchema({"type": ["number", "string"]})]


class RuleTestSpec(Spec):
    where = "a rule test"
    name: Text | None = None
    fires: Flag = Field(description="whether the rule fires")
    action: Recommendation | None = Field(
        None, description="the recommendation the policy gives on this rule's hit"
    )
    line_nos: list[StrictInt] | None = None
    declaration: DeclarationSpec
    matches: list[TestMatchSpec] = Field([], description="simulated matcher results")
    features: dict[Text, Feature] = Field(
        {}, description="history features, e.g. importer_seizure_rate"
    )

    @model_validator(mode="after")
    def _matches_name_items(self) -> Self:
        lines = self.declaration.line_nos()
        for index, match in enumerate(self.matches):
            if match.line_no not in lines:
                _fail(
                    "E-VALUE",
                    f"no item with line_no {match.line_no} in the declaration",
                    ("matches", index),
                )
        return self


# --- rule files ----------------------------------------------------------------------------


class RuleSpec(Spec):
    where = "a rule"
    id: Text = Field(
        pattern=RULE_ID.pattern,
        description="upper case letters and digits joined by '-', '_' or '.', "
        "e.g. TM-FOOTWEAR-POST",
    )
    title: Text
    owner: Text = Field(description="the team or officer answerable")
    severity: RuleSeverity
    action: Recommendation | None = Field(None, description="the least a hit leads to")
    score: Fraction | None = Field(None, description="risk the hit adds, combined by the policy")
    description: Text = ""
    valid_from: Day | None = None
    valid_until: Day | None = None
    tags: Annotated[list[Text], BeforeValidator(_listed), ONE_OR_MANY] = []
    shadow: Flag = Field(False, description="logged only, no effect")
    shadow_until: Day | None = Field(None, description="shadow mode (trial) until this day")
    when: Condition
    tests: list[RuleTestSpec] = []

    model_config = ConfigDict(
        json_schema_extra={"anyOf": [{"required": ["action"]}, {"required": ["score"]}]}
    )

    @model_validator(mode="after")
    def _effect_and_period(self) -> Self:
        if self.action is None and self.score is None:
            _fail("E-MISSING", "a rule needs an 'action' or a 'score' (or both)")
        if self.valid_from and self.valid_until and self.valid_from > self.valid_until:
            _fail("E-VALUE", "valid_until is before valid_from", ("valid_until",))
        return self


class RuleFile(Spec):
    where = "a rule file"
    rules: list[RuleSpec]


# --- watchlists ----------------------------------------------------------------------------


class EntrySpec(Spec):
    where = "a list entry"
    needs = "every listed entry needs {key!r} ({doc})"
    reason: Text = Field(description="why it is listed")
    source: Text = Field(description="on whose word, e.g. the reference of a tip-off")
    since: Day | None = None
    expires: Day = Field(description="until when it matches")

    @model_validator(mode="after")
    def _period(self) -> Self:
        if self.since is not None and self.since > self.expires:
            _fail("E-VALUE", "since is after expires", ("since",))
        return self

    def listed(self) -> dict[str, str]:
        """The listed values by name (the keys of the list's kind)."""
        own = [n for n in type(self).model_fields if n not in EntrySpec.model_fields]
        values = {name: getattr(self, name) for name in own}
        return {k: str(v) for k, v in values.items() if v is not None}


def _role(value: str) -> str:
    if value not in ROLES:
        _fail("E-VALUE", f"role must be one of {', '.join(ROLES)}, not {value!r}")
    return value


class PartyEntry(EntrySpec):
    where = "an entry of a parties list"
    party: Text = Field(description="the party id")
    role: (
        Annotated[
            Text, AfterValidator(_role), WithJsonSchema({"type": "string", "enum": list(ROLES)})
        ]
        | None
    ) = Field(None, description="only in this role")


class MarkEntry(EntrySpec):
    where = "an entry of a marks list"
    mark: Text | None = Field(None, description="the declared brand, ignoring case and spacing")
    recordation: Text | None = Field(None, description="or the item's best match")

    @model_validator(mode="after")
    def _something_listed(self) -> Self:
        if self.mark is None and self.recordation is None:
            _fail("E-MISSING", "a marks entry needs 'mark' or 'recordation'")
        return self


class RouteEntry(EntrySpec):
    where = "an entry of a routes list"
    origin: Text | None = None
    departure: Text | None = None
    destination: Text | None = None
    transport_mode: TransportMode | None = None

    @model_validator(mode="after")
    def _something_listed(self) -> Self:
        if not self.listed():
            _fail("E-MISSING", f"a routes entry needs at least one of {', '.join(ROUTE_KEYS)}")
        return self


ROUTE_KEYS = ("origin", "departure", "destination", "transport_mode")


class WatchListSpec(Spec):
    where = "a watchlist"
    name: Text
    description: Text = ""


class PartiesList(WatchListSpec):
    kind: Literal["parties"]
    entries: list[PartyEntry]


class MarksList(WatchListSpec):
    kind: Literal["marks"]
    entries: list[MarkEntry]


class RoutesList(WatchListSpec):
    kind: Literal["routes"]
    entries: list[RouteEntry]


ListSpec = PartiesList | MarksList | RoutesList
AnyWatchList = Annotated[ListSpec, Field(discriminator="kind")]


class ListFile(Spec):
    where = "a list file"
    lists: list[AnyWatchList]


# --- the policy file -----------------------------------------------------------------------


class LanesSpec(Spec):
    """Combined risk (0..1) from which each lane starts."""

    where = "policy lanes"
    blue: Fraction | None = None
    yellow: Fraction | None = None
    red: Fraction | None = None
    detain: Fraction | None = None


class CombineSpec(Spec):
    where = "policy combine"
    method: Combine | None = None
    rule_weight: Fraction | None = None
    model_weight: Fraction | None = None
    match_weight: Fraction | None = None


class MatchesSpec(Spec):
    where = "policy matches"
    detain_from_score: Annotated[Number, Field(ge=0, le=100)] | None = None


class RandomSelectionSpec(Spec):
    where = "policy random_selection"
    rate: (
        Annotated[
            Number,
            Field(
                gt=0,
                le=1,
                description="never zero: without it outcomes are no unbiased sample for retraining",
            ),
        ]
        | None
    ) = None
    salt: Text | None = None


class ReferralSpec(Spec):
    where = "policy referral"
    threshold: MoneySpec | None = None


class ExhibitionSpec(Spec):
    where = "policy exhibition"
    minimum: Recommendation | None = None
    on_match: Recommendation | None = None


class CapacitySpec(Spec):
    where = "policy capacity"
    default: Fraction | None = None
    offices: dict[Text, Fraction] = Field({}, description="office code (quoted) to inspection rate")


class PolicySpec(Spec):
    where = "the policy"
    lanes: LanesSpec = LanesSpec()
    combine: CombineSpec = CombineSpec()
    matches: MatchesSpec = MatchesSpec()
    random_selection: RandomSelectionSpec = RandomSelectionSpec()
    referral: ReferralSpec = ReferralSpec()
    exhibition: ExhibitionSpec = ExhibitionSpec()
    capacity: CapacitySpec = CapacitySpec(offices={})


class PolicyFile(Spec):
    where = "the policy file"
    policy: PolicySpec


# --- the published schema ------------------------------------------------------------------


for _model in (AllOfSpec, AnyOfSpec, NotSpec, RuleSpec, RuleFile):
    _model.model_rebuild()


class _Schema(GenerateJsonSchema):
    """Officers' YAML has no nulls and needs no generated titles."""

    def nullable_schema(self, schema: core_schema.NullableSchema) -> JsonSchemaValue:
        return self.generate_inner(schema["schema"])

    def field_title_should_be_set(self, schema: Any) -> bool:
        return False

    def default_schema(self, schema: core_schema.WithDefaultSchema) -> JsonSchemaValue:
        inner = self.generate_inner(schema["schema"])
        return inner


def rules_schema() -> dict[str, Any]:
    files: TypeAdapter[RuleFile | ListFile | PolicyFile] = TypeAdapter(
        RuleFile | ListFile | PolicyFile
    )
    generated = files.json_schema(schema_generator=_Schema, ref_template="#/$defs/{model}")
    for definition in generated["$defs"].values():
        definition.pop("title", None)
    return {
        "$schema": "https://json-schema.org/draft/2020-12/schema",
        "$id": SCHEMA_ID,
        "title": "riskd rule directory file",
        "description": "A rule file (rules:), a watchlist or tip-off file (lists:) or the "
        "policy file (policy:). Generated by `riskd rules schema` from riskd.rules.definition.",
        "oneOf": generated["anyOf"],
        "$defs": generated["$defs"],
    }


def schema_text() -> str:
    return json.dumps(rules_schema(), indent=2, ensure_ascii=False) + "\n"
