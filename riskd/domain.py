"""Domain types of customs risk screening, independent of protobuf.

The gRPC edge (`riskd.server.convert`) converts between these and the generated messages;
every pipeline stage, the store and the training code speak only these types. They are
frozen so that a declaration or an assessment can be shared between threads and stages
without defensive copies.
"""

from __future__ import annotations

import enum
from dataclasses import dataclass, field, replace
from datetime import datetime


class Direction(enum.StrEnum):
    IMPORT = "IMPORT"
    EXPORT = "EXPORT"
    TRANSIT = "TRANSIT"


class TransportMode(enum.StrEnum):
    SEA = "SEA"
    AIR = "AIR"
    ROAD = "ROAD"
    RAIL = "RAIL"
    POSTAL = "POSTAL"
    COURIER = "COURIER"


class Procedure(enum.StrEnum):
    STANDARD = "STANDARD"
    EXHIBITION = "EXHIBITION"
    TEMPORARY_ADMISSION = "TEMPORARY_ADMISSION"
    WAREHOUSING = "WAREHOUSING"
    PROCESSING = "PROCESSING"


class Recommendation(enum.StrEnum):
    """Ordered from least to most intrusive; `severity` gives the order."""

    RELEASE = "RELEASE"
    DOCUMENT_CHECK = "DOCUMENT_CHECK"
    PHYSICAL_INSPECTION = "PHYSICAL_INSPECTION"
    DETAIN = "DETAIN"

    @property
    def severity(self) -> int:
        return _RECOMMENDATION_ORDER.index(self)


_RECOMMENDATION_ORDER = list(Recommendation)


class Lane(enum.StrEnum):
    GREEN = "GREEN"
    BLUE = "BLUE"
    YELLOW = "YELLOW"
    RED = "RED"


class ReasonKind(enum.StrEnum):
    MATCH = "MATCH"
    RULE = "RULE"
    MODEL = "MODEL"
    POLICY = "POLICY"


class RightType(enum.StrEnum):
    TRADEMARK = "TRADEMARK"
    COPYRIGHT = "COPYRIGHT"
    PATENT = "PATENT"


class MatchMethod(enum.StrEnum):
    EXACT = "EXACT"
    COMPACT = "COMPACT"
    SKELETON = "SKELETON"
    TRANSLITERATION = "TRANSLITERATION"
    PHONETIC = "PHONETIC"
    FUZZY = "FUZZY"


class NoRiskReason(enum.StrEnum):
    OUTSIDE_CLASSES = "OUTSIDE_CLASSES"
    AUTHORISED_PARTY = "AUTHORISED_PARTY"
    WEAK_EVIDENCE = "WEAK_EVIDENCE"
    INACTIVE = "INACTIVE"
    LOW_SCORE = "LOW_SCORE"
    GENUINE_SOURCE = "GENUINE_SOURCE"


class Corroboration(enum.StrEnum):
    """Evidence beside the similarity itself that the goods bear the recorded mark."""

    BRAND_FIELD = "BRAND_FIELD"  # written where the declarant names the brand
    KNOWN_INFRINGER = "KNOWN_INFRINGER"  # a party the holder recorded as an infringer
    BELOW_GENUINE_PRICE = "BELOW_GENUINE_PRICE"  # unit value far below the genuine goods'
    NOT_GENUINE_ORIGIN = "NOT_GENUINE_ORIGIN"  # from a country the genuine goods do not come from
    UNUSUAL_PORT = "UNUSUAL_PORT"  # through an office the genuine goods do not use


class OutcomeResult(enum.StrEnum):
    NO_INFRINGEMENT = "NO_INFRINGEMENT"
    SEIZED = "SEIZED"
    HOLDER_NOT_CONFIRMED = "HOLDER_NOT_CONFIRMED"


class ControlType(enum.StrEnum):
    DOCUMENT = "DOCUMENT"
    PHYSICAL = "PHYSICAL"
    POST_CLEARANCE = "POST_CLEARANCE"


@dataclass(frozen=True, slots=True)
class Money:
    amount: float
    currency: str


@dataclass(frozen=True, slots=True)
class Party:
    id: str
    name: str = ""
    country: str = ""


@dataclass(frozen=True, slots=True)
class Item:
    line_no: int
    hs_code: str
    description: str
    brand: str = ""
    model: str = ""
    quantity: float = 0.0
    unit: str = ""
    net_mass_kg: float = 0.0
    value: Money | None = None
    origin_country: str = ""


@dataclass(frozen=True, slots=True)
class Declaration:
    declaration_id: str
    declared_at: datetime
    direction: Direction
    customs_office: str
    transport_mode: TransportMode
    items: tuple[Item, ...]
    procedure: Procedure = Procedure.STANDARD
    declarant: Party | None = None
    importer: Party | None = None
    exporter: Party | None = None
    consignee: Party | None = None
    origin_country: str = ""
    departure_country: str = ""
    destination_country: str = ""

    def parties(self) -> tuple[Party, ...]:
        """The parties named on the declaration, for licensee and watchlist checks."""
        named = (self.declarant, self.importer, self.exporter, self.consignee)
        return tuple([p for p in named if p is not None and p.id])

    def party_ids(self) -> frozenset[str]:
        """Ids of the parties named on the declaration (asked once per item matched)."""
        return frozenset([p.id for p in self.parties()])


@dataclass(frozen=True, slots=True)
class Match:
    recordation_id: str
    mark: str
    holder: str
    matched_text: str
    score: float
    method: MatchMethod
    right_type: RightType = RightType.TRADEMARK
    field: str = "description"
    span_start: int = 0
    span_end: int = 0
    authorised: bool = False
    raises_risk: bool = True
    no_risk_reason: NoRiskReason | None = None
    explanation: str = ""
    corroboration: tuple[Corroboration, ...] = ()


@dataclass(frozen=True, slots=True)
class ItemAssessment:
    line_no: int
    matches: tuple[Match, ...] = ()


@dataclass(frozen=True, slots=True)
class RuleHit:
    rule_id: str
    version: str
    title: str = ""
    action: Recommendation | None = None
    score: float = 0.0
    shadow: bool = False
    line_nos: tuple[int, ...] = ()


@dataclass(frozen=True, slots=True)
class Reason:
    kind: ReasonKind
    code: str
    message: str
    weight: float = 0.0


@dataclass(frozen=True, slots=True)
class FeatureContribution:
    feature: str
    value: str
    contribution: float


@dataclass(frozen=True, slots=True)
class Notification:
    recordation_id: str
    holder: str
    holder_contact: str = ""


@dataclass(frozen=True, slots=True)
class Referral:
    referred: bool
    estimated_value: Money
    threshold: Money


@dataclass(frozen=True, slots=True)
class Versions:
    register: str = ""
    rules: str = ""
    model: str = ""
    policy: str = ""


@dataclass(frozen=True, slots=True)
class Assessment:
    decision_id: str
    declaration_id: str
    recommendation: Recommendation
    lane: Lane
    risk_score: float
    decided_at: datetime
    versions: Versions
    reasons: tuple[Reason, ...] = ()
    items: tuple[ItemAssessment, ...] = ()
    rule_hits: tuple[RuleHit, ...] = ()
    model_score: float | None = None
    contributions: tuple[FeatureContribution, ...] = ()
    notify: tuple[Notification, ...] = ()
    referral: Referral | None = None
    random_selection: bool = False
    # The feature values the decision was made with (the model's inputs, rule hits included),
    # by feature name: kept with the stored decision so that an auditor, a replay and the
    # serving-equals-training test read what serving computed, not a recomputation.
    features: dict[str, float | str | None] = field(default_factory=dict)

    def matches(self) -> tuple[Match, ...]:
        return tuple(m for item in self.items for m in item.matches)


@dataclass(frozen=True, slots=True)
class Outcome:
    outcome_id: str
    decision_id: str
    result: OutcomeResult
    recorded_at: datetime
    control: ControlType | None = None
    recordation_ids: tuple[str, ...] = ()
    seized_value: Money | None = None
    officer: str = ""
    notes: str = ""

    @property
    def infringing(self) -> bool:
        """The training label: a seizure confirmed by the right holder."""
        return self.result is OutcomeResult.SEIZED


@dataclass(frozen=True, slots=True)
class StoredDecision:
    """A decision as kept in the store: what was screened, what was answered, what followed."""

    assessment: Assessment
    declaration: Declaration
    outcomes: tuple[Outcome, ...] = field(default=())


# --- cases: what follows a detention, a referral or a tip-off ---


class CaseKind(enum.StrEnum):
    NOTIFICATION = "NOTIFICATION"  # a right holder notified of a detention, on a legal clock
    REFERRAL = "REFERRAL"  # a suspected crime referred to the judicial organs
    TIP_OFF = "TIP_OFF"  # a report from the public or a right holder, followed up


class CaseState(enum.StrEnum):
    OPEN = "OPEN"  # waiting for the holder's answer; the clock runs
    CONFIRMED = "CONFIRMED"  # the holder confirmed the infringement (and posted a bond)
    DECLINED = "DECLINED"  # the holder said the goods do not infringe, or will not act
    EXPIRED = "EXPIRED"  # the clock ran out without an answer: release is advised
    CLOSED = "CLOSED"  # nothing more to do

    def may_become(self, target: CaseState) -> bool:
        return target in CASE_TRANSITIONS[self]


# The moves a case may make, and no others: an answer or the clock ends an open case, and
# every case is closed at last. A closed case stays closed (a new fact opens a new case).
CASE_TRANSITIONS: dict[CaseState, frozenset[CaseState]] = {
    CaseState.OPEN: frozenset(
        {CaseState.CONFIRMED, CaseState.DECLINED, CaseState.EXPIRED, CaseState.CLOSED}
    ),
    CaseState.CONFIRMED: frozenset({CaseState.CLOSED}),
    CaseState.DECLINED: frozenset({CaseState.CLOSED}),
    CaseState.EXPIRED: frozenset({CaseState.CLOSED}),
    CaseState.CLOSED: frozenset(),
}


@dataclass(frozen=True, slots=True)
class CaseEvent:
    """One entry of a case's record: who did what when, and to which state it led."""

    at: datetime
    by: str  # an officer, a holder, or "riskd" for the clock
    what: str  # e.g. "opened", "holder confirmed", "deadline passed"
    state: CaseState
    note: str = ""


@dataclass(frozen=True, slots=True)
class Case:
    case_id: str
    kind: CaseKind
    state: CaseState
    decision_id: str
    jurisdiction: str
    opened_at: datetime
    recordation_id: str = ""
    holder: str = ""
    holder_contact: str = ""
    clock: str = ""  # the jurisdiction's clock the deadline comes from
    deadline: datetime | None = None  # UTC; None for a case without a legal clock
    events: tuple[CaseEvent, ...] = ()
    outcome_id: str = ""  # the outcome that opened it (a referral's seizure)

    def moved(self, to: CaseState, *, at: datetime, by: str, what: str, note: str = "") -> Case:
        """The case in state `to`, with the move on its record; TransitionRefused for a move
        that `CASE_TRANSITIONS` does not allow."""
        if not self.state.may_become(to):
            raise TransitionRefused(self.case_id, self.state, to)
        event = CaseEvent(at=at, by=by, what=what, state=to, note=note)
        return replace(self, state=to, events=(*self.events, event))

    def extended(self, deadline: datetime, *, at: datetime, by: str, note: str = "") -> Case:
        """The open case with a later deadline (an extension the law allows, granted on the
        holder's request), the grant on its record."""
        if self.state is not CaseState.OPEN:
            raise TransitionRefused(self.case_id, self.state, CaseState.OPEN)
        if self.deadline is not None and deadline <= self.deadline:
            raise ValueError(f"an extension moves the deadline later than {self.deadline}")
        event = CaseEvent(at=at, by=by, what="deadline extended", state=self.state, note=note)
        return replace(self, deadline=deadline, events=(*self.events, event))

    def overdue(self, now: datetime) -> bool:
        """Whether an open case's clock has run out at `now`."""
        return self.state is CaseState.OPEN and self.deadline is not None and now >= self.deadline


# --- errors: domain exceptions that the gRPC edge maps to status codes in one place ---


@dataclass(frozen=True, slots=True)
class FieldViolation:
    field: str
    description: str


class RiskdError(Exception):
    """Base of the errors the service reports to its callers."""


class InvalidInput(RiskdError):
    """The caller sent something malformed; every bad field is named."""

    def __init__(self, violations: list[FieldViolation] | tuple[FieldViolation, ...]) -> None:
        self.violations = tuple(violations)
        detail = "; ".join(f"{v.field}: {v.description}" for v in self.violations[:5])
        more = len(self.violations) - 5
        super().__init__(detail + (f"; and {more} more" if more > 0 else ""))


class NotFound(RiskdError):
    """A referenced object does not exist."""


class StoreUnavailable(RiskdError):
    """The store cannot be written or read now (disk full, read-only, database gone);
    nothing was stored, and the call may be retried."""


class DeadlineExceeded(RiskdError):
    """The caller's deadline passed before the work was done; nothing was stored."""


class ResourceExhausted(RiskdError):
    """A call asks for more work than one call may (a limit of the settings, named)."""


class Conflict(RiskdError):
    """The request contradicts what is stored (e.g. an outcome id reused for another decision)."""


class ReloadRefused(RiskdError):
    """A new snapshot part failed its checks; the old snapshot keeps serving."""

    def __init__(self, what: str, problems: list[str]) -> None:
        self.what = what
        self.problems = tuple(problems)
        super().__init__(f"{what} refused: " + "; ".join(problems[:5]))


class TransitionRefused(Conflict):
    """A case asked to make a move its state does not allow (e.g. a closed case confirmed)."""

    def __init__(self, case_id: str, state: CaseState, to: CaseState) -> None:
        self.case_id, self.state, self.to = case_id, state, to
        allowed = ", ".join(sorted(CASE_TRANSITIONS[state])) or "none: it is final"
        super().__init__(
            f"case {case_id!r} is {state.value} and cannot become {to.value} "
            f"(from {state.value}: {allowed})"
        )
