"""riskd: customs border-risk screening for intellectual-property infringement."""

__version__ = "0.1.0"
