"""Recordings of simulated calls: 'not ready' for a while, then one-time download links."""

from __future__ import annotations

import secrets
import time
from dataclasses import dataclass
from pathlib import Path

from switchboard_pbxsim.audio import AudioCache
from switchboard_pbxsim.directory import PbxError
from switchboard_shared.mango import ResultCode


class RecordingUnavailable(PbxError):
    """The recording is unknown or not stored yet (Mango answers 3320 for both)."""

    def __init__(self, message: str) -> None:
        super().__init__(ResultCode.RECORDING_NOT_FOUND, message)


@dataclass(frozen=True)
class Recording:
    """One recorded conversation: how long it is and from when it can be fetched."""

    recording_id: str
    seconds: float
    ready_at: float
    """Unix time from which the link query succeeds."""


class RecordingStore:
    """Known recordings and the one-time links handed out for them."""

    def __init__(self, audio: AudioCache) -> None:
        self.audio = audio
        self._recordings: dict[str, Recording] = {}
        self._links: dict[str, Path] = {}

    def add(self, recording: Recording) -> None:
        """Register a recording a scripted call made."""
        self._recordings[recording.recording_id] = recording

    def get(self, recording_id: str) -> Recording | None:
        """A known recording, if any."""
        return self._recordings.get(recording_id)

    async def issue_link(self, recording_id: str, now: float | None = None) -> str:
        """A fresh one-time token for the recording's file (made by ffmpeg on first use)."""
        recording = self._recordings.get(recording_id)
        if recording is None:
            raise RecordingUnavailable("recording not found")
        if (time.time() if now is None else now) < recording.ready_at:
            raise RecordingUnavailable("recording is not ready yet")
        path = await self.audio.tone(recording.seconds)
        token = secrets.token_urlsafe(24)
        self._links[token] = path
        return token

    def redeem(self, token: str) -> Path | None:
        """The file behind a one-time token; the token is spent by this call."""
        return self._links.pop(token, None)
