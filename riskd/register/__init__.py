"""The register of intellectual-property rights recorded with customs."""

from riskd.register.model import Recordation, Register
from riskd.register.load import RegisterFileError, load_register

__all__ = ["Recordation", "Register", "RegisterFileError", "load_register"]
