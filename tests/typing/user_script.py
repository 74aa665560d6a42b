"""A user's experiment script with deliberate mistakes: each marked line must be reported
by ``mypy --strict`` with the error code after ``# E:``, and no other line may be
(checked by tests/test_typing.py)."""

# ruff: noqa: F841 - each annotated assignment is a type check, its variable never used
from __future__ import annotations

from archived import archived, sweep
from archived.cache.record import Record


@archived("results/runs")
def simulate(n: int, mu: float, seed: int = 0) -> dict[str, float]:
    return {"energy": mu * n + seed}


@archived
def bare(x: float) -> float:
    return 2 * x


class Model:
    def __init__(self, k: int) -> None:
        self.k = k

    @archived("results/models")
    def run(self, x: int) -> int:
        return self.k * x


def experiment() -> None:
    """Never called: the test only type-checks it (importing this file runs nothing)."""
    energy: float = simulate(8, 2.0, 0)["energy"]
    same: dict[str, float] = simulate(n=8, mu=2.0)
    doubled: float = bare(1.5)
    product: int = Model(3).run(2)
    stored: bool = simulate.is_cached(8, 2.0)

    simulate("eight", 2.0, 0)  # E: arg-type
    simulate(8)  # E: call-arg
    text: str = simulate(8, 2.0)  # E: assignment
    bare(x="1.5")  # E: arg-type
    wrong: str = Model(3).run(2)  # E: assignment
    Model(3).run("two")  # E: arg-type
    simulate.is_cached(8, mu="2.0")  # E: arg-type

    results: list[dict[str, float]] = sweep(simulate, {"n": [1, 2], "mu": [0.5]})
    strings: list[str] = sweep(simulate, {"n": [1, 2], "mu": [0.5]})  # E: arg-type

    with archived("results/blocks", L=16) as rec:
        block: Record = rec
        if not rec.cached:
            rec.result = 16 * 2
        rec.reslt = 3  # E: attr-defined

    archived("results/runs", timeout="long")  # E: call-overload
