"""The observability profile's configuration: Prometheus's scrape config and alert rules
pass ``promtool`` (and the rules' unit tests), scrape what compose runs, and every series the
alerts and the Grafana dashboard use is one the services export."""

from __future__ import annotations

import json
import os
import re
import subprocess
from pathlib import Path

import pytest
import yaml
from prometheus_client import REGISTRY, CollectorRegistry

from switchboard_api.platform import metrics as api_metrics  # noqa: F401 - registers the series
from switchboard_realtime.metrics import Metrics as RealtimeMetrics

REPO = Path(__file__).resolve().parents[1]
OBSERVABILITY = REPO / "infra" / "observability"
PROMETHEUS = OBSERVABILITY / "prometheus.yml"
ALERTS = OBSERVABILITY / "alerts.yml"
DASHBOARD = OBSERVABILITY / "grafana" / "dashboards" / "switchboard.json"
SERIES = re.compile(r"\b((?:switchboard|realtime)_[a-z0-9_]+)")
SUFFIXES = {
    "counter": ("_total",),
    "histogram": ("_bucket", "_count", "_sum"),
    "gauge": ("",),
}


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    tool = os.environ.get("SB_PROMTOOL")
    if not tool:
        pytest.fail("SB_PROMTOOL is not set: run the suite with `make test`")
    return subprocess.run(
        [tool, *args], cwd=OBSERVABILITY, capture_output=True, text=True, check=False
    )


def exported_series() -> set[str]:
    """Every sample name the API, the worker and a realtime node can export."""
    names: set[str] = set()
    for registry in (REGISTRY, RealtimeMetrics().registry):
        assert isinstance(registry, CollectorRegistry)
        for family in registry.collect():
            names |= {family.name + suffix for suffix in SUFFIXES.get(family.type, ("",))}
    return names


def test_promtool_accepts_the_scrape_config_and_its_rules() -> None:
    done = promtool("check", "config", PROMETHEUS.name)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "1 rule files found" in done.stdout + done.stderr


def test_promtool_accepts_the_alert_rules() -> None:
    done = promtool("check", "rules", ALERTS.name)
    assert done.returncode == 0, done.stdout + done.stderr
    alerts = {
        rule["alert"]
        for group in yaml.safe_load(ALERTS.read_text())["groups"]
        for rule in group["rules"]
    }
    assert alerts == {"RelayLagging", "OutboxBacklog", "HighServerErrorRate", "JobsFailing"}


def test_each_alert_fires_on_its_series_in_promtools_unit_tests() -> None:
    done = promtool("test", "rules", "alerts.test.yml")
    assert done.returncode == 0, done.stdout + done.stderr


def test_promtool_really_rejects_a_broken_rule(tmp_path: Path) -> None:
    """Guards the checks above: a rule with a broken expression fails."""
    broken = tmp_path / "alerts.yml"
    broken.write_text(ALERTS.read_text().replace("max(switchboard_relay_lag_seconds)", "max(", 1))
    done = promtool("check", "rules", str(broken))
    assert done.returncode != 0


def test_alerts_and_dashboard_use_only_exported_series() -> None:
    exported = exported_series()
    used = set(SERIES.findall(ALERTS.read_text())) | set(SERIES.findall(DASHBOARD.read_text()))
    assert used, "the alerts and the dashboard query our series"
    assert used <= exported, f"not exported by any service: {sorted(used - exported)}"
    for wanted in ("switchboard_relay_lag_seconds", "switchboard_outbox_unpublished_events"):
        assert wanted in used


def test_prometheus_scrapes_every_service_on_its_metrics_port() -> None:
    compose = yaml.safe_load((REPO / "compose.yaml").read_text())
    services = compose["services"]
    jobs = {
        job["job_name"]: job for job in yaml.safe_load(PROMETHEUS.read_text())["scrape_configs"]
    }
    targets = {
        name: {t for group in job["static_configs"] for t in group["targets"]}
        for name, job in jobs.items()
    }
    assert targets["api"] == {"api-1:8000", "api-2:8000"}
    assert targets["realtime"] == {"realtime-1:8101", "realtime-2:8101"}
    worker_env = services["worker"]["environment"]
    assert targets["worker"] == {f"worker:{worker_env['API_WORKER_METRICS_PORT']}"}
    assert worker_env["API_WORKER_METRICS_HOST"] == "0.0.0.0"  # reachable on the network
    for name in ("api", "worker", "realtime"):
        for target in targets[name]:
            assert target.split(":")[0] in services, target
    assert set(services["prometheus"]["depends_on"]) >= {"api-1", "worker", "realtime-1"}


def test_grafana_is_provisioned_with_the_dashboard_and_the_data_source() -> None:
    services = yaml.safe_load((REPO / "compose.yaml").read_text())["services"]
    mounts = {
        v["target"]: v["source"] for v in services["grafana"]["volumes"] if isinstance(v, dict)
    }
    assert mounts["/etc/grafana/provisioning"] == "./infra/observability/grafana/provisioning"
    assert mounts["/var/lib/grafana/dashboards"] == "./infra/observability/grafana/dashboards"
    provider = yaml.safe_load(
        (OBSERVABILITY / "grafana/provisioning/dashboards/switchboard.yml").read_text()
    )["providers"][0]
    assert provider["options"]["path"] == "/var/lib/grafana/dashboards"
    source = yaml.safe_load(
        (OBSERVABILITY / "grafana/provisioning/datasources/prometheus.yml").read_text()
    )["datasources"][0]
    dashboard = json.loads(DASHBOARD.read_text())
    uids = {
        target["datasource"]["uid"] for panel in dashboard["panels"] for target in panel["targets"]
    }
    assert uids == {source["uid"]}
    assert source["url"] == "http://prometheus:9090"
    assert len(dashboard["panels"]) >= 10
