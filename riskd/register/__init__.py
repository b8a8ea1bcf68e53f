"""The register of intellectual-property rights recorded with customs."""

from riskd.register.load import RegisterFileError, load_register
from riskd.register.model import Recordation, Register

__all__ = ["Recordation", "Register", "RegisterFileError", "load_register"]
