"""mltrl-docs: Machine Learning Technology Readiness Levels as docs-as-code.

The core (loading, validation, history, rendering) imports no MkDocs; only
:mod:`mltrl_docs.plugin` does.
"""

__version__ = "0.1.0"
