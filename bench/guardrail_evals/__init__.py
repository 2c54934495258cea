"""Evaluations of the guardrail policies on labelled sets kept in this folder (``data/``).

Each module here exposes ``NAME`` and ``async def evaluate() -> list[Score]``; bench/guardrails_eval.py
runs them all and writes one table into BENCHMARKS.md.
"""
