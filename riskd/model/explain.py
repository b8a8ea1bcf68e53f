"""The model's top contributions as readable reasons on an assessment."""

from __future__ import annotations

from riskd.domain import Reason, ReasonKind
from riskd.model.scorer import ModelScore


def feature_label(feature: str) -> str:
    """`importer_seizure_rate` → "importer seizure rate"; extra columns lose their `x_`."""
    return feature.removeprefix("x_").replace("_", " ")


def model_reasons(score: ModelScore | None) -> tuple[Reason, ...]:
    """One MODEL reason per contribution that raised the risk, strongest first; its weight
    is the model's probability, so it ranks beside rule scores."""
    if score is None:
        return ()
    return tuple(
        Reason(
            kind=ReasonKind.MODEL,
            code=f"MODEL_{c.feature.upper()}",
            message=(
                f"model: {feature_label(c.feature)} = {c.value} raises the risk "
                f"(+{c.contribution:.2f} log-odds; score {score.probability:.2f})"
            ),
            weight=round(score.probability, 4),
        )
        for c in score.contributions
        if c.contribution > 0
    )
