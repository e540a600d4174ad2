"""compose.yaml and the Dockerfiles: valid, complete and consistent, without a Docker engine.

No Docker engine runs here, so nothing is built or started. Instead:

- compose.yaml is validated against the Compose specification's JSON schema as shipped
  by ``check-jsonschema`` (``--builtin-schema vendor.compose-spec``), run as a
  subprocess exactly as a developer would;
- every build context, Dockerfile, ``COPY`` source and bind-mounted repository file it
  names exists (and is not hidden by .dockerignore);
- every long-running service has a healthcheck and is waited for as healthy;
- no literal secret is in the file; every setting handed to a service is one its
  settings class knows (``load_settings`` refuses unknown prefixed variables);
- the nginx config's upstreams and certificate paths match the services and mounts.
"""

from __future__ import annotations

import fnmatch
import os
import re
import shutil
import subprocess
import sys
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from pydantic_settings import BaseSettings

from switchboard_api.settings import PRODUCTION_REQUIRED, ApiSettings
from switchboard_pbxsim.settings import PbxSimSettings
from switchboard_realtime.settings import RealtimeSettings
from switchboard_shared.settings import env_names, load_settings

REPO = Path(__file__).resolve().parents[1]
COMPOSE = REPO / "compose.yaml"
NGINX_CONF = REPO / "infra" / "nginx" / "production.conf"
SETTINGS: dict[str, type[BaseSettings]] = {
    "API_": ApiSettings,
    "RT_": RealtimeSettings,
    "PBXSIM_": PbxSimSettings,
}
# Paths compose mounts that a build makes, not the repository.
BUILD_OUTPUTS = {"web/dist"}
SECRET_NAME = re.compile(
    r"PASSWORD|SECRET|SALT|TOKEN|ACCESS_KEY|API_KEY|REDISCLI_AUTH", re.IGNORECASE
)
REQUIRED_VAR = re.compile(r"^\$\{[A-Z0-9_]+:\?[^}]*\}$")
INTERPOLATION = re.compile(r"\$\{([A-Z0-9_]+)(?::([?-])([^}]*))?\}")
API_SERVICES = ("api-1", "api-2", "worker", "init")
OBSERVABILITY = ("prometheus", "grafana")
REALTIME_SERVICES = ("realtime-1", "realtime-2")


def load_compose() -> dict[str, Any]:
    """compose.yaml as Compose sees it before interpolation (anchors merged)."""
    data: dict[str, Any] = yaml.safe_load(COMPOSE.read_text())
    return data


def services() -> dict[str, dict[str, Any]]:
    """The services, by name."""
    svcs: dict[str, dict[str, Any]] = load_compose()["services"]
    return svcs


def is_one_shot(svc: dict[str, Any]) -> bool:
    """A job that runs to completion (migrations, bucket), not a long-running service."""
    return svc.get("restart") == "no"


def check_jsonschema(path: Path) -> subprocess.CompletedProcess[str]:
    """Run ``check-jsonschema --builtin-schema vendor.compose-spec`` on a file."""
    return subprocess.run(
        [
            sys.executable,
            "-m",
            "check_jsonschema",
            "--builtin-schema",
            "vendor.compose-spec",
            str(path),
        ],
        check=False,
        capture_output=True,
        text=True,
    )


def dockerignore_patterns() -> list[str]:
    """The root .dockerignore's patterns (build context = repository root)."""
    lines = (REPO / ".dockerignore").read_text().splitlines()
    return [ln.strip() for ln in lines if ln.strip() and not ln.startswith("#")]


def dockerignored(rel: str) -> bool:
    """Whether .dockerignore hides ``rel`` or one of its parents from the build context."""
    parts = Path(rel).parts
    candidates = ["/".join(parts[: i + 1]) for i in range(len(parts))]
    for pattern in dockerignore_patterns():
        for cand in candidates:
            if fnmatch.fnmatch(cand, pattern) or (
                pattern.startswith("**/") and fnmatch.fnmatch(Path(cand).name, pattern[3:])
            ):
                return True
    return False


def built_services() -> dict[str, tuple[Path, Path]]:
    """Service name -> (build context, Dockerfile) for every service that builds."""
    found = {}
    for name, svc in services().items():
        build = svc.get("build")
        if build is None:
            continue
        context = REPO / build["context"]
        found[name] = (context, context / build.get("dockerfile", "Dockerfile"))
    return found


def env_of(svc: dict[str, Any]) -> dict[str, Any]:
    env = svc.get("environment", {})
    assert isinstance(env, dict), "environment as a mapping"
    return env


def interpolate(value: object, deploy_env: dict[str, str]) -> str:
    """``value`` as Compose interpolates it from ``deploy_env`` (the --env-file); a required
    variable that is missing fails like ``docker compose up`` does."""

    def one(m: re.Match[str]) -> str:
        name, kind, rest = m.group(1), m.group(2), m.group(3)
        if name in deploy_env:
            return deploy_env[name]
        if kind == "-":
            return rest
        raise AssertionError(f"compose refuses to start: {name} is required ({rest})")

    return INTERPOLATION.sub(one, str(value))


def deploy_env_for_test() -> dict[str, str]:
    """A deploy.env giving every variable compose requires a real-looking value."""
    names = set(re.findall(r"\$\{([A-Z0-9_]+):\?", COMPOSE.read_text()))
    values = {name: f"{name.lower().replace('_', '')}-Xk29" for name in names}
    values["MANGO_BASE_URL"] = "https://app.mango-office.ru/vpbx"
    values["MANGO_WEBHOOK_SOURCES"] = "81.88.80.132,81.88.80.133"
    values["SWITCHBOARD_HOST"] = "crm.example.com"
    return values


# ---------------------------------------------------------------- the schema


def test_compose_file_matches_the_compose_specification() -> None:
    done = check_jsonschema(COMPOSE)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "validation done" in done.stdout


def test_the_schema_check_really_rejects_a_bad_file(tmp_path: Path) -> None:
    """Guards the test above: an unknown service key must fail validation."""
    doctored = load_compose()
    doctored["services"]["redis"]["heathcheck"] = {}
    bad = tmp_path / "compose.yaml"
    bad.write_text(yaml.safe_dump(doctored))
    done = check_jsonschema(bad)
    assert done.returncode != 0
    assert "heathcheck" in done.stdout + done.stderr


def test_no_version_key() -> None:
    assert "version" not in load_compose()


# ---------------------------------------------------------------- builds


def test_every_build_context_and_dockerfile_exists() -> None:
    builds = built_services()
    assert {"api-1", "api-2", "worker", "init", "realtime-1", "pbx-simulator"} <= set(builds)
    for name, (context, dockerfile) in builds.items():
        assert context.is_dir(), f"{name}: build context {context}"
        assert dockerfile.is_file(), f"{name}: Dockerfile {dockerfile}"
        assert (context / "uv.lock").is_file(), f"{name}: context must be the uv workspace root"


DOCKERFILE = REPO / "Dockerfile"
# SERVICE build argument -> the package's directory and import name.
SERVICE_PACKAGES = {
    "api": ("services/api", "switchboard_api"),
    "realtime": ("services/realtime", "switchboard_realtime"),
    "pbxsim": ("tools/pbx-simulator", "switchboard_pbxsim"),
}


def with_service(text: str, service: str) -> str:
    """The Dockerfile as a build with ``--build-arg SERVICE=service`` reads it."""
    return text.replace("${SERVICE}", service)


def test_one_dockerfile_builds_every_image() -> None:
    """The three images share one Dockerfile (and its build stage); SERVICE picks one."""
    assert not list(REPO.glob("services/*/Dockerfile"))
    assert not list(REPO.glob("tools/*/Dockerfile"))
    by_service = {}
    for name, svc in services().items():
        build = svc.get("build")
        if build is not None:
            assert build["dockerfile"] == "Dockerfile", name
            by_service.setdefault(build["args"]["SERVICE"], set()).add(name)
    assert set(by_service) == set(SERVICE_PACKAGES)
    assert by_service["api"] >= {"api-1", "api-2", "worker", "init"}
    assert re.search(r"^ARG SERVICE=api$", DOCKERFILE.read_text(), re.MULTILINE)


@pytest.mark.parametrize("service", sorted(SERVICE_PACKAGES))
def test_dockerfile_builds_its_package_from_the_lock(service: str) -> None:
    dockerfile = "Dockerfile"
    text = with_service((REPO / dockerfile).read_text(), service)
    package_dir = SERVICE_PACKAGES[service][0]
    package = tomllib.loads((REPO / package_dir / "pyproject.toml").read_text())["project"]["name"]
    syncs = re.findall(r"uv sync ([^\n]+)", text)
    assert syncs, "installs with uv sync"
    for flags in syncs:
        assert {"--frozen", "--no-dev", "--package", package} <= set(flags.split())
    assert re.search(r"^FROM \$\{PYTHON_IMAGE\} AS runtime$", text, re.MULTILINE)
    assert "ARG PYTHON_IMAGE=python:3.11-slim" in text
    assert re.search(r"ARG UV_IMAGE=ghcr\.io/astral-sh/uv:\d+\.\d+\.\d+", text), "uv pinned"
    assert len(re.findall(r"^FROM ", text, re.MULTILINE)) >= 3, "multi-stage"
    user = re.findall(r"^USER (\S+)", text, re.MULTILINE)
    assert user, "sets a user"
    assert user[-1].split(":")[0] not in {"root", "0"}
    assert re.search(r"^HEALTHCHECK ", text, re.MULTILINE)


def test_every_copy_source_is_in_the_build_context() -> None:
    dockerfile = "Dockerfile"
    text = (REPO / dockerfile).read_text()
    sources = []
    for line in re.findall(r"^COPY (?!--from)(.+)$", text, re.MULTILINE):
        *srcs, _dest = line.split()
        sources += srcs
    assert "uv.lock" in sources
    assert "libs/shared" in sources
    for src in sources:
        assert (REPO / src).exists(), f"{dockerfile}: COPY {src}"
        assert not dockerignored(src), f"{dockerfile}: COPY {src} is excluded by .dockerignore"


def test_workspace_members_are_all_copied_for_uv() -> None:
    """uv reads the whole workspace: each Dockerfile copies every member's pyproject.toml."""
    members = tomllib.loads((REPO / "pyproject.toml").read_text())["tool"]["uv"]["workspace"][
        "members"
    ]
    for _context, dockerfile in set(built_services().values()):
        text = dockerfile.read_text()
        for member in members:
            assert f"COPY {member}/pyproject.toml {member}/" in text, (dockerfile, member)


def test_api_image_has_ffprobe() -> None:
    runtime = DOCKERFILE.read_text().split("AS runtime", 1)[1]
    assert re.search(r"apt-get install[^\n]*\bffmpeg\b", runtime)
    # Installed for every service but the realtime node (the API's worker runs ffprobe).
    assert re.search(r'if \[ "\$\{SERVICE\}" != "realtime" \]; then', runtime)


def test_dockerignore_keeps_local_state_out() -> None:
    for path in (".venv", ".local", ".git", "web/node_modules", ".env", "services/api/tests"):
        assert dockerignored(path), path


# ---------------------------------------------------------------- services


def test_every_long_running_service_has_a_healthcheck() -> None:
    for name, svc in services().items():
        check = svc.get("healthcheck", {})
        if is_one_shot(svc):
            continue
        assert check, f"{name} has no healthcheck"
        assert not check.get("disable"), f"{name} disables its healthcheck"
        test = check["test"]
        assert test[0] in {"CMD", "CMD-SHELL"}, name
        assert len(test) > 1, name


def test_dependencies_wait_for_health_or_completion() -> None:
    svcs = services()
    for name, svc in svcs.items():
        for dep, spec in svc.get("depends_on", {}).items():
            assert dep in svcs, f"{name} depends on unknown {dep}"
            want = "service_completed_successfully" if is_one_shot(svcs[dep]) else "service_healthy"
            assert spec["condition"] == want, f"{name} -> {dep}"


def test_the_expected_services_and_profiles() -> None:
    svcs = services()
    images = {name: svc.get("image", "") for name, svc in svcs.items()}
    assert images["redis"].startswith("redis:7")
    assert images["nginx"].startswith("nginx:")
    assert images["s3"].startswith("chrislusf/seaweedfs:")
    assert svcs["worker"]["command"] == ["python", "-m", "switchboard_api", "worker"]
    assert svcs["init"]["command"][:3] == ["python", "-m", "switchboard_api"]
    assert svcs["pbx-simulator"]["profiles"] == ["dev"]
    for name in OBSERVABILITY:
        assert svcs[name]["profiles"] == ["observability"]
    for name, svc in svcs.items():
        if name != "pbx-simulator" and name not in OBSERVABILITY:
            assert "profiles" not in svc, f"{name} must run without a profile"
    published = [name for name, svc in svcs.items() if svc.get("ports")]
    assert published == ["nginx", "grafana"]
    # Grafana only on the host's loopback: only nginx is reachable from outside.
    assert all(port.startswith("127.0.0.1:") for port in svcs["grafana"]["ports"])


def test_postgres_is_at_least_16() -> None:
    pg = [
        svc["image"] for svc in services().values() if svc.get("image", "").startswith("postgres")
    ]
    assert pg, "a PostgreSQL service"
    for image in pg:
        m = re.fullmatch(r"postgres:(\d+)(?:[.-].*)?", image)
        assert m, f"{image}: pin a major version"
        assert int(m.group(1)) >= 16


def test_data_lives_in_named_volumes() -> None:
    declared = set(load_compose()["volumes"])
    svcs = services()
    mounts = {
        name: [v.split(":")[0] for v in svcs[name].get("volumes", [])]
        for name in ("postgres", "redis", "s3")
    }
    for name, sources in mounts.items():
        assert any(src in declared for src in sources), f"{name} keeps its data in a volume"


# ---------------------------------------------------------------- settings and secrets


def test_service_settings_are_known_to_their_settings_class() -> None:
    for name, svc in services().items():
        for var in env_of(svc):
            for prefix, cls in SETTINGS.items():
                if var.startswith(prefix):
                    assert var in env_names(cls), f"{name}: {var} is not a {cls.__name__} field"


def test_no_literal_secrets() -> None:
    for name, svc in services().items():
        for var, value in env_of(svc).items():
            if SECRET_NAME.search(var) and value is not None:
                assert REQUIRED_VAR.match(str(value)), f"{name}: {var} must come from ${{VAR:?}}"
            for password in re.findall(r"://[^:/@\s]*:([^@\s]+)@", str(value)):
                assert REQUIRED_VAR.match(password), f"{name}: {var} embeds a literal password"
    for config in load_compose()["configs"].values():
        content = config["content"]
        found = re.findall(r"^\s*requirepass\s+(.+?)\s*$", content, re.MULTILINE)
        found += re.findall(r'"(?:accessKey|secretKey)":\s*"([^"]*)"', content)
        for value in found:
            assert REQUIRED_VAR.match(value), f"literal secret in a config: {value}"
    assert "dev-only" not in COMPOSE.read_text()


@pytest.mark.parametrize("name", API_SERVICES)
def test_api_services_run_as_production_with_every_secret_required(name: str) -> None:
    env = env_of(services()[name])
    assert env["API_ENV"] == "production"
    for field in PRODUCTION_REQUIRED:
        var = "API_" + field.upper()
        assert var in env, f"{name}: {var} must be passed (production refuses to start without)"
        assert re.search(r"\$\{[A-Z0-9_]+:\?[^}]*\}", str(env[var])), f"{name}: {var} required"


@pytest.mark.parametrize("name", REALTIME_SERVICES)
def test_realtime_nodes_run_as_production_with_their_secret_required(name: str) -> None:
    env = env_of(services()[name])
    assert env["RT_ENV"] == "production"
    for var in ("RT_REDIS_URL", "RT_APP_SECRET"):
        assert re.search(r"\$\{[A-Z0-9_]+:\?[^}]*\}", str(env[var])), f"{name}: {var} required"


@pytest.mark.parametrize("name", API_SERVICES + REALTIME_SERVICES)
def test_the_interpolated_environment_passes_the_production_check(
    name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """What compose hands each service, given a complete deploy.env, starts in production."""
    deploy_env = deploy_env_for_test()
    for var in list(os.environ):
        if var.startswith(("API_", "RT_")):
            monkeypatch.delenv(var)
    for var, value in env_of(services()[name]).items():
        if var.startswith(("API_", "RT_")):
            monkeypatch.setenv(var, interpolate(value, deploy_env))
    cls = ApiSettings if name in API_SERVICES else RealtimeSettings
    assert load_settings(cls).env == "production"  # type: ignore[attr-defined]


@pytest.mark.parametrize(
    "missing", ["MANGO_API_KEY", "MANGO_API_SALT", "MANGO_BASE_URL", "MANGO_WEBHOOK_SOURCES"]
)
def test_compose_refuses_to_start_without_the_pbx_settings(missing: str) -> None:
    deploy_env = deploy_env_for_test()
    del deploy_env[missing]
    values = "\n".join(str(v) for v in env_of(services()["api-1"]).values())
    with pytest.raises(AssertionError, match=f"{missing} is required"):
        interpolate(values, deploy_env)


def test_the_secret_check_catches_a_literal() -> None:
    """Guards the test above with a doctored copy."""
    doctored = yaml.safe_load(
        COMPOSE.read_text().replace("${S3_SECRET_KEY:?set S3_SECRET_KEY}", "hunter2", 1)
    )
    values = [
        v
        for svc in doctored["services"].values()
        for k, v in env_of(svc).items()
        if SECRET_NAME.search(k) and v is not None
    ]
    assert any(not REQUIRED_VAR.match(str(v)) for v in values)


# ---------------------------------------------------------------- nginx <-> compose


def test_nginx_upstreams_are_compose_services() -> None:
    conf = NGINX_CONF.read_text()
    svcs = services()
    hosts = re.findall(r"^\s*server\s+([A-Za-z0-9.-]+):(\d+)", conf, re.MULTILINE)
    assert hosts
    for host, _port in hosts:
        assert host in svcs, f"nginx upstream {host} is not a compose service"
    assert {h for h, _ in hosts} >= {"api-1", "api-2", "realtime-1", "realtime-2", "s3"}
    assert "nginx" in svcs
    depends = set(svcs["nginx"]["depends_on"])
    assert {h for h, _ in hosts} <= depends, "nginx resolves upstreams at start: wait for them"


def test_nginx_mounts_exist_and_match_the_config() -> None:
    conf = NGINX_CONF.read_text()
    nginx = services()["nginx"]
    targets = {}
    for volume in nginx["volumes"]:
        assert volume["type"] == "bind"
        assert volume["read_only"] is True
        source, target = volume["source"], volume["target"]
        targets[target] = source
        if source.startswith("./"):
            rel = source.removeprefix("./")
            if rel not in BUILD_OUTPUTS:
                assert (REPO / rel).exists(), f"nginx mounts missing {source}"
    assert targets["/etc/nginx/nginx.conf"] == "./infra/nginx/production.conf"
    for path in re.findall(r"ssl_certificate(?:_key)?\s+(\S+);", conf):
        assert path in targets, f"certificate {path} is not mounted"
    root = re.search(r"^\s*root\s+(\S+);", conf, re.MULTILINE)
    assert root
    assert root.group(1) in targets
    for include in re.findall(r"^\s*include\s+(snippets/\S+);", conf, re.MULTILINE):
        assert (REPO / "infra" / "nginx" / include).is_file(), include
    assert "/etc/nginx/snippets" in targets


def test_presigned_links_route_to_the_bucket() -> None:
    conf = NGINX_CONF.read_text()
    for name in ("api-1", "worker", "init"):
        env = env_of(services()[name])
        assert f"location ^~ /{env['API_S3_BUCKET']}/" in conf
        assert env["API_S3_PUBLIC_URL"].startswith("https://")
        assert env["API_S3_ENDPOINT_URL"] == "http://s3:8333"


# ---------------------------------------------------------------- the build stage, emulated


def _copy_into(context: Path, src: str, dest_root: Path, dest: str) -> None:
    """``COPY src dest`` from the build context, honouring .dockerignore."""
    source = context / src
    target = dest_root / dest.rstrip("/")
    if source.is_file():
        into = target / source.name if dest.endswith("/") else target
        into.parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(source, into)
        return
    for path in source.rglob("*"):
        rel = path.relative_to(context).as_posix()
        if path.is_file() and not dockerignored(rel):
            out = target / path.relative_to(source)
            out.parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(path, out)


@pytest.mark.parametrize("service", sorted(SERVICE_PACKAGES))
def test_build_stage_installs_the_package_from_the_lock(service: str, tmp_path: Path) -> None:
    """Replays the build stage's COPY and ``uv sync`` steps (no Docker here) in a temp dir.

    Only what the Dockerfile copies is present, so this proves the workspace resolves
    from those files alone, that the package lands in the venv as a wheel (not an
    editable link into /src) and that no dev dependency is installed. UV_OFFLINE keeps
    it on the local uv cache that ``make sync`` filled.
    """
    text = with_service(DOCKERFILE.read_text(), service)
    build = text.split("AS build", 1)[1].split("AS runtime", 1)[0]
    workdir, venv = tmp_path / "src", tmp_path / "venv"
    workdir.mkdir()
    for line in re.findall(r"^COPY (?!--from)(.+)$", build, re.MULTILINE):
        *srcs, dest = line.split()
        for src in srcs:
            _copy_into(REPO, src, workdir, dest)
    env = {k: v for k, v in os.environ.items() if not k.startswith(("UV_", "VIRTUAL_ENV"))}
    env |= {"UV_PROJECT_ENVIRONMENT": str(venv), "UV_LINK_MODE": "hardlink", "UV_OFFLINE": "1"}
    env |= {"UV_PYTHON_DOWNLOADS": "never", "UV_PYTHON": sys.executable}
    uv = os.environ.get("SB_UV") or shutil.which("uv") or str(REPO / ".local/tools/bin/uv")
    for command in re.findall(r"(uv sync [^\n]+)", build):
        done = subprocess.run(
            [uv, *command.split()[1:]],
            cwd=workdir,
            env=env,
            capture_output=True,
            text=True,
            check=False,
        )
        assert done.returncode == 0, f"{command}\n{done.stderr}"
    module = SERVICE_PACKAGES[service][1]
    probe = (
        f"import importlib.util, {module}; "
        f"print({module}.__file__); "
        "print(importlib.util.find_spec('pytest') is None)"
    )
    done = subprocess.run(
        [str(venv / "bin" / "python"), "-c", probe], capture_output=True, text=True, check=False
    )
    assert done.returncode == 0, done.stderr
    location, no_pytest = done.stdout.split()
    assert location.startswith(str(venv)), "installed into the venv, not linked to the sources"
    assert no_pytest == "True", "no dev dependencies in the image"


def test_redis_keeps_sessions_and_jobs_through_a_crash_and_never_evicts() -> None:
    conf = load_compose()["configs"]["redis_conf"]["content"]
    directives = dict(
        line.split(None, 1) for line in conf.splitlines() if line and not line.startswith("#")
    )
    assert directives["appendonly"] == "yes"
    assert directives["appendfsync"] == "everysec"
    assert directives["maxmemory"].strip(), "Redis is bounded"
    assert directives["maxmemory-policy"] == "noeviction"
