"""The simulator's parts, wired once per application and reachable from every handler."""

from __future__ import annotations

from dataclasses import dataclass, field

from aiohttp import web

from switchboard_pbxsim.calls import CallPlayer
from switchboard_pbxsim.directory import Directory
from switchboard_pbxsim.history import CallHistory
from switchboard_pbxsim.recordings import RecordingStore
from switchboard_pbxsim.settings import PbxSimSettings


@dataclass
class Simulator:
    """Everything a handler may need: settings and the in-memory PBX."""

    settings: PbxSimSettings
    directory: Directory
    recordings: RecordingStore
    player: CallPlayer
    history: CallHistory = field(default_factory=CallHistory)


SIMULATOR = web.AppKey("simulator", Simulator)
SETTINGS = web.AppKey("settings", PbxSimSettings)


def simulator(request: web.Request) -> Simulator:
    """The simulator serving ``request``."""
    return request.app[SIMULATOR]
