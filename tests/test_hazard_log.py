"""The hazard log's evidence is live: every test it names exists, runs and passes (not skipped)."""

from __future__ import annotations

import subprocess
import sys
from pathlib import Path

import yaml

from tests.support.outcomes import OUTCOMES

ROOT = Path(__file__).resolve().parent.parent
LOG = ROOT / "docs" / "clinical-safety" / "hazard-log.yaml"
RISK = {(severity, likelihood) for severity in range(1, 6) for likelihood in range(1, 6)}


def hazards() -> list[dict]:
    return yaml.safe_load(LOG.read_text())["hazards"]


def test_every_hazard_has_controls_risk_and_evidence():
    required = {
        "id",
        "title",
        "cause",
        "effect",
        "severity",
        "likelihood",
        "risk",
        "controls",
        "evidence",
        "residual_severity",
        "residual_likelihood",
        "residual_risk",
    }
    for h in hazards():
        assert required <= set(h), (h.get("id"), required - set(h))
        assert (h["severity"], h["likelihood"]) in RISK
        assert h["controls"] and h["evidence"], h["id"]


def test_hazard_log_evidence_tests_exist_and_pass_unskipped():
    evidence = sorted({e for h in hazards() for e in h["evidence"]})
    assert evidence
    missing = [e for e in evidence if not any(k == e or k.startswith(e + "[") for k in OUTCOMES)]
    if missing:  # not part of this run (a subset was selected): run them now
        proc = subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-rA", "-p", "no:cacheprovider", *missing],
            cwd=ROOT,
            capture_output=True,
            text=True,
        )
        for line in proc.stdout.splitlines():
            for word in ("PASSED", "FAILED", "SKIPPED", "ERROR"):
                if line.startswith(word + " "):
                    OUTCOMES[line.split()[1]] = word.lower().replace("error", "failed")
        assert "no tests ran" not in proc.stdout and "not found" not in proc.stdout + proc.stderr, (
            proc.stdout[-2000:]
        )
    for e in evidence:
        runs = {k: v for k, v in OUTCOMES.items() if k == e or k.startswith(e + "[")}
        assert runs, f"evidence test {e} does not exist"
        assert all(v == "passed" for v in runs.values()), f"evidence test {e}: {runs}"
