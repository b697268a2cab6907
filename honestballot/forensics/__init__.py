"""Observers' forensics of per-station results and exit polls (docs/forensics.md).

An analytics package: it reads results files and never writes election state.
"""
