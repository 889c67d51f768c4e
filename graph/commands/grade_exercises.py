"""The exercise set that `python -m gates.grade` knows: each exercise's file, title, checks with
their points, and the function that grades a student's module (run inside its own process).

A check is all or nothing. The students' copies are exercises/, the worked solutions solutions/
(solutions/make_exercises.py makes the former from the latter).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

from . import grade_gates, grade_network


@dataclass(frozen=True)
class Exercise:
    number: int
    file: str
    title: str
    points: dict[str, float]   # check name → points, in the order they are reported
    grade: Callable             # module → {check name: Verdict}

    @property
    def max_score(self) -> float:
        return sum(self.points.values())


EXERCISES = [
    Exercise(1, "ex1_add_gate.py", "addGate with a broadcast bias", {"dJ/dA": 4, "dJ/dB": 6},
             grade_gates.exercise_add),
    Exercise(2, "ex2_mul_gate.py", "mulGate, the switcher", {"dJ/dA": 5, "dJ/dB": 5},
             grade_gates.exercise_mul),
    Exercise(3, "ex3_activations.py", "sigmoid and ReLU",
             {"Sigmoid.forward": 2, "Sigmoid.backward": 3, "ReLU.forward": 2, "ReLU.backward": 3},
             grade_gates.exercise_activations),
    Exercise(4, "ex4_softmax_cross_entropy.py", "softmax and cross-entropy backward",
             {"Softmax.backward": 5, "J": 2, "dJ/dz": 3}, grade_gates.exercise_softmax),
    Exercise(5, "ex5_network_by_hand.py", "the [2, 3, 1] network by hand",
             {"nodes and shapes": 3, "J and its gradients": 3, "train": 4}, grade_network.exercise_network),
    Exercise(6, "ex6_delta2_by_hand.py", "δ² by hand",
             {**dict.fromkeys(grade_network.SHAPES, 0.5), "delta2": 6}, grade_network.exercise_delta),
]
BY_NUMBER = {e.number: e for e in EXERCISES}

__all__ = ["BY_NUMBER", "EXERCISES", "Exercise"]
