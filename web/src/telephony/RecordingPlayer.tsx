/** A call recording: play/pause and a seek slider over an <audio> element (Range requests). */
import { useEffect, useRef, useState } from "react";
import { ActionIcon, Group, Paper, Slider, Text } from "@mantine/core";
import { IconPlayerPauseFilled, IconPlayerPlayFilled } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { formatDuration } from "../lib/format";

/** In place of the player: the recording was deleted by the retention setting. */
export function RecordingRemoved() {
  const { t } = useTranslation();
  return (
    <Paper withBorder p="sm" radius="md" aria-label={t("calls.recording")} role="group">
      <Text c="dimmed" size="sm" data-testid="recording-expired">
        {t("calls.recordingExpired")}
      </Text>
    </Paper>
  );
}

export function RecordingPlayer({ callId, duration: knownDuration }: { callId: string; duration?: number | null }) {
  const { t } = useTranslation();
  const audio = useRef<HTMLAudioElement>(null);
  const [playing, setPlaying] = useState(false);
  const [position, setPosition] = useState(0);
  const [duration, setDuration] = useState<number>(knownDuration ?? 0);
  const [failed, setFailed] = useState(false);

  useEffect(() => {
    const el = audio.current;
    if (!el) return;
    const onTime = () => setPosition(el.currentTime);
    const onMeta = () => Number.isFinite(el.duration) && setDuration(el.duration);
    const onPlay = () => setPlaying(true);
    const onPause = () => setPlaying(false);
    const onError = () => setFailed(true);
    el.addEventListener("timeupdate", onTime);
    el.addEventListener("loadedmetadata", onMeta);
    el.addEventListener("durationchange", onMeta);
    el.addEventListener("play", onPlay);
    el.addEventListener("pause", onPause);
    el.addEventListener("error", onError);
    return () => {
      el.removeEventListener("timeupdate", onTime);
      el.removeEventListener("loadedmetadata", onMeta);
      el.removeEventListener("durationchange", onMeta);
      el.removeEventListener("play", onPlay);
      el.removeEventListener("pause", onPause);
      el.removeEventListener("error", onError);
    };
  }, []);

  const toggle = () => {
    const el = audio.current;
    if (!el) return;
    if (el.paused) void el.play().catch(() => setFailed(true));
    else el.pause();
  };
  const seek = (value: number) => {
    const el = audio.current;
    if (!el) return;
    el.currentTime = value;
    setPosition(value);
  };

  return (
    <Paper withBorder p="sm" radius="md" aria-label={t("calls.recording")} role="group">
      <audio ref={audio} src={`/api/v1/calls/${callId}/recording`} preload="metadata" data-testid="recording-audio" />
      {failed ? (
        <Text c="dimmed" size="sm">
          {t("calls.noRecording")}
        </Text>
      ) : (
        <Group gap="sm" wrap="nowrap">
          <ActionIcon size="lg" radius="xl" onClick={toggle} aria-label={playing ? t("calls.pause") : t("calls.play")}>
            {playing ? <IconPlayerPauseFilled size={18} /> : <IconPlayerPlayFilled size={18} />}
          </ActionIcon>
          <Text size="sm" ff="monospace" aria-hidden>
            {formatDuration(position)}
          </Text>
          <Slider
            style={{ flex: 1 }}
            min={0}
            max={Math.max(duration, 0.1)}
            step={0.1}
            value={Math.min(position, duration || position)}
            onChange={seek}
            label={(v) => formatDuration(v)}
            thumbLabel={t("calls.seek")}
            aria-label={t("calls.seek")}
            aria-valuetext={`${formatDuration(position)} / ${formatDuration(duration)}`}
          />
          <Text size="sm" ff="monospace" aria-hidden>
            {formatDuration(duration)}
          </Text>
        </Group>
      )}
    </Paper>
  );
}
