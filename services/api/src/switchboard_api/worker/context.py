"""What every job receives."""

from __future__ import annotations

from saq.types import Context

from switchboard_api.platform.resources import Resources


class WorkerContext(Context, total=False):
    """SAQ's job context plus the worker's open connections."""

    resources: Resources
