"""Run status: every run directory says whether its numbers may be trusted.

A run is valid only if every recorded stage is valid. Reports and `fixyasic compare`
refuse to compute efficiency figures from an invalid run.
"""

from __future__ import annotations

import json
import os
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from .errors import InputError

STATUS_FILE = "status.json"


@dataclass
class StageStatus:
    valid: bool
    reasons: list[str] = field(default_factory=list)
    info: dict[str, Any] = field(default_factory=dict)


@dataclass
class RunStatus:
    stages: dict[str, StageStatus] = field(default_factory=dict)

    @property
    def valid(self) -> bool:
        return bool(self.stages) and all(s.valid for s in self.stages.values())

    @property
    def reasons(self) -> list[str]:
        if not self.stages:
            return ["no stage recorded"]
        return [f"{name}: {r}" for name, s in self.stages.items() for r in s.reasons]

    def record(self, stage: str, valid: bool, reasons: list[str] | None = None, **info: Any) -> StageStatus:
        st = StageStatus(valid=bool(valid), reasons=list(reasons or []), info=info)
        if not st.valid and not st.reasons:
            st.reasons = ["failed (no reason given)"]
        self.stages[stage] = st
        return st

    def to_dict(self) -> dict[str, Any]:
        return {
            "valid": self.valid,
            "reasons": self.reasons if not self.valid else [],
            "stages": {k: {"valid": v.valid, "reasons": v.reasons, "info": v.info} for k, v in self.stages.items()},
        }

    def save(self, run_dir: str | os.PathLike) -> Path:
        path = Path(run_dir) / STATUS_FILE
        path.parent.mkdir(parents=True, exist_ok=True)
        tmp = path.with_name(path.name + ".tmp")
        tmp.write_text(json.dumps(self.to_dict(), indent=1, sort_keys=True, default=str) + "\n")
        os.replace(tmp, path)
        return path

    @classmethod
    def load(cls, run_dir: str | os.PathLike) -> "RunStatus":
        path = Path(run_dir) / STATUS_FILE
        if not path.is_file():
            raise InputError(f"{run_dir}: no {STATUS_FILE}; not a fixyasic run directory (or the run never finished)")
        try:
            d = json.loads(path.read_text())
            stages = {k: StageStatus(valid=bool(v["valid"]), reasons=list(v.get("reasons", [])),
                                     info=dict(v.get("info", {}))) for k, v in d["stages"].items()}
        except (json.JSONDecodeError, KeyError, TypeError, AttributeError) as exc:
            raise InputError(f"{path}: empty, truncated or malformed status file ({exc})") from None
        return cls(stages=stages)
