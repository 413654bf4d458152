"""Pull requests: what a change does to the maturity of each technology (``mltrl check --base REF``).

- :mod:`.base` reads the base revision from git;
- :mod:`.delta` compares it with the working tree (level changes, findings new and fixed, readiness);
- :mod:`.reports` writes the comparison as text, JSON, GitHub annotations and the Markdown summary.
"""
