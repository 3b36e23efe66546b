"""Can we take this order? The capacity engine: `assess(scenario)` answers from a plain scenario
(docs/feasibility.md has the model, the method and the scoring rules)."""
from factory.feasibility.assessment import assess
from factory.feasibility.scenario import ScenarioError

__all__ = ["assess", "ScenarioError"]
