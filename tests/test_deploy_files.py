"""The shipped deploy (deploy/compose.yaml, deploy/Dockerfile) can build a lead's upload: besides the
serving-only `hibot` replicas it runs a `builder` replica from an image stage with the ingest extra,
on the same database and settings, taking no traffic. No Docker daemon runs in CI, so these check the
files as Docker reads them (stages, targets, what each stage copies); deploy/verify-image-steps.sh
runs the stages' steps without Docker, the builder and a serving replica included."""

from __future__ import annotations

import re
from pathlib import Path

import yaml

DEPLOY = Path(__file__).resolve().parent.parent / "deploy"


def stages() -> dict[str, str]:
    """Each stage's name and its instructions (continuation lines joined), in file order."""
    text = re.sub(r"\\\n", " ", (DEPLOY / "Dockerfile").read_text())
    found: dict[str, str] = {}
    for block in re.split(r"(?m)^(?=FROM )", text)[1:]:
        name = re.match(r"FROM \S+ AS (\S+)", block)
        assert name, block.splitlines()[0]
        found[name.group(1)] = block
    return found


def services() -> dict[str, dict]:
    return yaml.safe_load((DEPLOY / "compose.yaml").read_text())["services"]


def test_every_stage_copies_only_from_an_earlier_stage_and_the_default_target_is_the_runtime():
    built: list[str] = []
    for name, block in stages().items():
        for source in re.findall(r"COPY (?:--\S+ )*--from=(\S+)", block):
            assert source in built, f"stage {name} copies from {source}, not an earlier stage"
        built.append(name)
    assert built[-1] == "runtime"  # `docker build` without --target still builds the serving image


def test_each_service_builds_a_stage_that_exists():
    names = stages()
    targets = {s: svc["build"].get("target") for s, svc in services().items() if "build" in svc}
    assert targets == {"hibot": "runtime", "builder": "builder"}
    assert all(t in names for t in targets.values())


def test_the_builder_can_build_and_the_runtime_only_serves():
    s = stages()
    assert (
        'pip install ".[ingest]"' in s["index"]
    )  # the extra building needs (bot/sources/coordinator.can_build)
    assert re.search(r"COPY --from=index /opt/ingest /opt/ingest", s["builder"])
    assert re.search(r"ENV PATH=/opt/ingest/bin:", s["builder"])
    assert "/opt/ingest" not in s["runtime"] and "COPY --from=serving /opt/venv" in s["runtime"]
    for stage in ("builder", "runtime"):  # both write the builds they fetch into their own index
        assert "COPY --from=index --chown=hibot /app/index ./index" in s[stage]
        assert "USER hibot" in s[stage]


def test_the_builder_is_a_replica_on_the_same_database_and_settings_that_takes_no_traffic():
    svc = services()
    hibot, builder = svc["hibot"], svc["builder"]
    assert "ports" not in builder and hibot["ports"] == ["3978:3978"]
    assert builder["environment"]["HIBOT_DATABASE_URL"] == hibot["environment"]["HIBOT_DATABASE_URL"]
    assert builder["env_file"] == hibot["env_file"]  # it tells the lead on Slack or Teams itself
    assert builder["command"][-1].endswith("exec hibot serve")
    assert builder["depends_on"] == hibot["depends_on"] and builder["restart"] == "unless-stopped"
