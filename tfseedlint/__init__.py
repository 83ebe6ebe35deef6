"""tfseedlint: find, explain and fix the places where TensorFlow / Keras /
NumPy / Python code loses reproducibility."""
from __future__ import annotations

__version__ = "0.1.0"
