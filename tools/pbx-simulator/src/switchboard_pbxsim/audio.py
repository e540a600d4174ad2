"""Recordings as real audio: an mp3 sine tone of exactly the talk time, made by ffmpeg.

Files are generated on first use and cached by duration, so a scenario replayed a
hundred times costs one ffmpeg run.
"""

from __future__ import annotations

import asyncio
import os
import shutil
import tempfile
from pathlib import Path

# 44.1 kHz keeps mp3 frame padding small: ffprobe reads a 7.25 s tone as about 7.29 s.
SAMPLE_RATE = 44_100
BITRATE = "32k"
TONE_HZ = 440


class AudioError(RuntimeError):
    """ffmpeg failed to make a recording."""


class AudioCache:
    """Makes and caches mp3 tones; one ffmpeg run per distinct duration."""

    def __init__(self, directory: Path | None, ffmpeg: str | None = None) -> None:
        self._owned_tmp = directory is None
        self.directory = directory or Path(tempfile.mkdtemp(prefix="pbxsim-audio-"))
        self.directory.mkdir(parents=True, exist_ok=True)
        self._ffmpeg = ffmpeg or shutil.which("ffmpeg") or "/usr/bin/ffmpeg"
        self._locks: dict[int, asyncio.Lock] = {}

    async def tone(self, seconds: float) -> Path:
        """The cached mp3 of a ``seconds`` long tone, generating it if needed."""
        millis = max(round(seconds * 1000), 1)
        target = self.directory / f"tone-{millis}ms.mp3"
        lock = self._locks.setdefault(millis, asyncio.Lock())
        async with lock:
            if not target.exists():
                await self._generate(millis / 1000, target)
        return target

    async def _generate(self, seconds: float, target: Path) -> None:
        # Write next to the target and rename, so a reader never sees half a file.
        partial = target.with_suffix(f".{os.getpid()}.part.mp3")
        process = await asyncio.create_subprocess_exec(
            self._ffmpeg, "-v", "error", "-y", "-f", "lavfi",
            "-i", f"sine=frequency={TONE_HZ}:duration={seconds}:sample_rate={SAMPLE_RATE}",
            "-ac", "1", "-c:a", "libmp3lame", "-b:a", BITRATE, str(partial),
            stdout=asyncio.subprocess.DEVNULL, stderr=asyncio.subprocess.PIPE,
        )  # fmt: skip
        _, stderr = await process.communicate()
        if process.returncode != 0:
            partial.unlink(missing_ok=True)
            raise AudioError(f"ffmpeg failed: {stderr.decode(errors='replace').strip()}")
        partial.replace(target)

    def close(self) -> None:
        """Remove the cache directory if it is a temporary one we made."""
        if self._owned_tmp:
            shutil.rmtree(self.directory, ignore_errors=True)
