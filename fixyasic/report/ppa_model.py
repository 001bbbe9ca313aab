"""Analytic PPA model calibrated on flow results.

area (or power) ~= sum_i cost_i * feature_i + fixed, with non-negative costs (an adder bit
cannot have negative area). Features are structural counts any generator can report without
running the flow: adder bits, register bits, MACs, memory bits, nonzero weights, ...
Fitted on several generated designs; the error on held-out designs is part of the result, so
nobody uses the model without seeing how wrong it is.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np
import pandas as pd
from scipy.optimize import nnls

from ..errors import InputError


@dataclass
class PPAModel:
    target: str
    features: list[str]
    costs: dict[str, float]
    intercept: float
    train_error: dict[str, float] = field(default_factory=dict)  # mape, max_ape on training designs
    heldout_error: dict[str, float] = field(default_factory=dict)

    def predict(self, df: pd.DataFrame) -> np.ndarray:
        missing = [f for f in self.features if f not in df.columns]
        if missing:
            raise InputError(f"PPA model for '{self.target}' needs features {missing}")
        x = df[self.features].to_numpy(dtype=float)
        return x @ np.array([self.costs[f] for f in self.features]) + self.intercept

    def to_dict(self) -> dict:
        return {"target": self.target, "features": self.features, "costs": self.costs,
                "intercept": self.intercept, "train_error": self.train_error,
                "heldout_error": self.heldout_error}

    def save(self, path: str | Path) -> Path:
        path = Path(path)
        path.write_text(json.dumps(self.to_dict(), indent=1) + "\n")
        return path

    @classmethod
    def load(cls, path: str | Path) -> "PPAModel":
        return cls(**json.loads(Path(path).read_text()))

    def describe(self) -> str:
        terms = ", ".join(f"{f}={c:.4g}" for f, c in self.costs.items())
        err = self.heldout_error or self.train_error
        tag = "held-out" if self.heldout_error else "training"
        return (f"{self.target} = {terms}, fixed={self.intercept:.4g}; {tag} error: "
                f"mean {err.get('mape', float('nan')):.1%}, max {err.get('max_ape', float('nan')):.1%}")


def _errors(pred: np.ndarray, true: np.ndarray) -> dict[str, float]:
    ape = np.abs(pred - true) / np.maximum(np.abs(true), 1e-12)
    return {"mape": float(ape.mean()), "max_ape": float(ape.max()), "n": int(len(true))}


def fit(df: pd.DataFrame, target: str, features: list[str], heldout: pd.Series | None = None,
        intercept: bool = True, relative: bool = False) -> PPAModel:
    """Non-negative least squares on the rows not marked held out; errors on both sets.
    relative=True minimizes relative instead of absolute error (small designs count as much
    as large ones)."""
    if target not in df.columns:
        raise InputError(f"no column '{target}' to fit")
    heldout = pd.Series(False, index=df.index) if heldout is None else heldout.astype(bool)
    train = df[~heldout]
    if len(train) < len(features) + int(intercept):
        raise InputError(f"fitting {len(features)} costs needs at least {len(features) + int(intercept)} "
                         f"training designs, got {len(train)}")
    x = train[features].to_numpy(dtype=float)
    if intercept:
        x = np.hstack([x, np.ones((len(x), 1))])
    # scale columns so NNLS is well conditioned whatever the units
    norm = np.maximum(np.abs(x).max(axis=0), 1e-12)
    y = train[target].to_numpy(dtype=float)
    w = 1.0 / np.maximum(np.abs(y), 1e-12) if relative else np.ones_like(y)
    coef, _ = nnls(x / norm * w[:, None], y * w)
    coef = coef / norm
    model = PPAModel(target=target, features=list(features),
                     costs={f: float(c) for f, c in zip(features, coef)},
                     intercept=float(coef[-1]) if intercept else 0.0)
    model.train_error = _errors(model.predict(train), train[target].to_numpy(dtype=float))
    if heldout.any():
        test = df[heldout]
        model.heldout_error = _errors(model.predict(test), test[target].to_numpy(dtype=float))
    return model
