"""Names of the weight quantizations `HFModel` accepts (no torch import, for the CLI)."""

QUANTIZATIONS = ("none", "int8")
