"""Maturity history of technologies, derived from git commits and recorded events."""
