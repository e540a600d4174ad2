# syntax=docker/dockerfile:1
# Switchboard images: one Dockerfile, one image per service, chosen by the SERVICE build
# argument (the package under services/ or tools/ it installs and runs):
#
#   SERVICE=api       the REST API (`python -m switchboard_api`: uvicorn, several workers) and,
#                     with the command `python -m switchboard_api worker`, the worker
#   SERVICE=realtime  one Pusher-protocol WebSocket node
#   SERVICE=pbxsim    the Mango Office VPBX simulator (development and demos only)
#
# Build context: the repository root (the uv workspace: uv.lock, the root pyproject.toml,
# libs/shared), e.g. `docker build --build-arg SERVICE=realtime .` (compose.yaml does this).

ARG PYTHON_IMAGE=python:3.11-slim-bookworm
ARG UV_IMAGE=ghcr.io/astral-sh/uv:0.13.9
ARG SERVICE=api

FROM ${UV_IMAGE} AS uv

# ---- build: resolve from the lock file into /app/.venv (shared by every service) -------
FROM ${PYTHON_IMAGE} AS build
ARG SERVICE
COPY --from=uv /uv /uvx /bin/
ENV UV_COMPILE_BYTECODE=1 \
    UV_LINK_MODE=copy \
    UV_PYTHON_DOWNLOADS=never \
    UV_PROJECT_ENVIRONMENT=/app/.venv
WORKDIR /src

# Third-party dependencies first, from the lock file only, so this layer is reused until
# uv.lock changes. uv needs every workspace member's pyproject.toml to read the workspace.
COPY uv.lock pyproject.toml ./
COPY libs/shared/pyproject.toml libs/shared/
COPY services/api/pyproject.toml services/api/
COPY services/realtime/pyproject.toml services/realtime/
COPY tools/pbx-simulator/pyproject.toml tools/pbx-simulator/
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package switchboard-${SERVICE} --no-install-workspace

# Then our own code, installed as wheels (not editable): the runtime needs no /src, and
# only the chosen package and what it depends on land in the venv.
COPY libs/shared libs/shared
COPY services/api services/api
COPY services/realtime services/realtime
COPY tools/pbx-simulator tools/pbx-simulator
RUN --mount=type=cache,target=/root/.cache/uv \
    uv sync --frozen --no-dev --package switchboard-${SERVICE} --no-editable

# ---- runtime ---------------------------------------------------------------------------
FROM ${PYTHON_IMAGE} AS runtime
ARG SERVICE
# ffprobe (from ffmpeg) measures every recording's duration in the API's worker; the
# simulator makes its recordings with ffmpeg. The realtime node needs neither.
RUN apt-get update \
    && if [ "${SERVICE}" != "realtime" ]; then \
        apt-get install -y --no-install-recommends ffmpeg; \
    fi \
    && rm -rf /var/lib/apt/lists/* \
    && groupadd --system --gid 10001 switchboard \
    && useradd --system --uid 10001 --gid switchboard --no-create-home \
        --home-dir /nonexistent --shell /usr/sbin/nologin switchboard
COPY --from=build /app/.venv /app/.venv
ENV PATH=/app/.venv/bin:$PATH \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    SWITCHBOARD_SERVICE=${SERVICE} \
    WEB_CONCURRENCY=4 \
    RT_HOST=0.0.0.0 \
    RT_PORT=8101 \
    PBXSIM_HOST=0.0.0.0 \
    PBXSIM_PORT=8102
WORKDIR /app
USER switchboard:switchboard
# api 8000 (its /metrics too), realtime 8101, pbxsim 8102; the worker's metrics 9108.
EXPOSE 8000 8101 8102 9108

# Liveness of the service's HTTP port (compose.yaml gives the worker its own check).
HEALTHCHECK --interval=15s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import os, urllib.request; s = os.environ['SWITCHBOARD_SERVICE']; url = {'api': 'http://127.0.0.1:8000/api/healthz', 'realtime': 'http://127.0.0.1:%s/healthz' % os.environ['RT_PORT'], 'pbxsim': 'http://127.0.0.1:%s/healthz' % os.environ['PBXSIM_PORT']}[s]; urllib.request.urlopen(url, timeout=4)"]

# `python -m switchboard_<service>` starts the service: the API serves with
# $WEB_CONCURRENCY uvicorn workers on port 8000 (migrations run once per deploy, before it:
# compose.yaml's `init` service, `python -m switchboard_api prepare`).
CMD ["/bin/sh", "-c", "exec python -m \"switchboard_${SWITCHBOARD_SERVICE}\""]
