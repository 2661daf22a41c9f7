"""Deterministic whole-system simulation: one seed drives a randomized omnichannel day through
the real ledger and sync engine, with faults, and checks invariants after every step.

See docs/simulation.md. Entry points: :func:`tests.simulation.runner.run_seed`,
``python -m tests.simulation --seeds N`` and ``make soak SEEDS=N``.
"""
