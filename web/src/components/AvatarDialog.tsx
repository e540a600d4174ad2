/**
 * The signed-in employee's avatar: choose an image (previewed as the centre square the server
 * crops it to), upload it with the files' presigned flow, or remove the current one. The new
 * avatar appears everywhere once the worker has made its squares and the employee's change
 * arrives live (`private-users`).
 */
import { useRef, useState } from "react";
import { Button, FileButton, Group, Modal, Progress, Stack, Text } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPhoto, IconTrash } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { useUserAvatar } from "../entities/directory";
import { sha256Hex, uploadErrorKey, uploadStarted, type StartedAttachment } from "../files/upload";
import { errorText } from "./ApiErrorAlert";
import { UserAvatar } from "./People";

const ACCEPTED = "image/jpeg,image/png,image/webp";
const PREVIEW_PX = 160;

export function AvatarDialog({ opened, onClose }: { opened: boolean; onClose: () => void }) {
  const { t } = useTranslation();
  const me = useMe();
  const current = useUserAvatar(me.id, "large");
  const [chosen, setChosen] = useState<{ file: File; preview: string } | null>(null);
  const [progress, setProgress] = useState<number | null>(null);
  const [error, setError] = useState<string | null>(null);
  const controller = useRef<AbortController | null>(null);

  const choose = (next: File | null) => {
    if (chosen) URL.revokeObjectURL(chosen.preview);
    setChosen(next ? { file: next, preview: URL.createObjectURL(next) } : null);
  };

  const close = () => {
    controller.current?.abort();
    choose(null);
    setError(null);
    setProgress(null);
    onClose();
  };

  const save = async () => {
    if (!chosen) return;
    const { file } = chosen;
    controller.current = new AbortController();
    setError(null);
    setProgress(0);
    const start = async () =>
      (
        await api.post<StartedAttachment>(`/api/v1/users/${me.id}/avatar`, {
          name: file.name,
          size: file.size,
          content_type: file.type || "application/octet-stream",
          checksum_sha256: await sha256Hex(file),
        })
      ).data;
    try {
      await uploadStarted(start, file, setProgress, controller.current.signal);
      notifications.show({ message: t("avatar.saved") });
      close();
    } catch (err) {
      const { key, values } = uploadErrorKey(err);
      setError(t(key, values));
      setProgress(null);
    }
  };

  const remove = async () => {
    try {
      await api.delete(`/api/v1/users/${me.id}/avatar`);
      notifications.show({ message: t("avatar.removed") });
      close();
    } catch (err) {
      setError(errorText(err, t));
    }
  };

  return (
    <Modal opened={opened} onClose={close} title={t("avatar.title")} centered>
      <Stack align="center" gap="md">
        {chosen ? (
          // The centre square, as the server crops it: what `object-fit: cover` shows.
          <img
            src={chosen.preview}
            alt={t("avatar.preview")}
            width={PREVIEW_PX}
            height={PREVIEW_PX}
            style={{ objectFit: "cover", borderRadius: "50%" }}
          />
        ) : (
          <UserAvatar id={me.id} name={me.full_name} size="xl" />
        )}
        <Text size="sm" c="dimmed" ta="center">
          {t("avatar.hint")}
        </Text>
        {progress !== null && <Progress value={progress * 100} w="100%" aria-label={t("avatar.progress")} />}
        {error && (
          <Text size="sm" c="red" role="alert">
            {error}
          </Text>
        )}
        <Group justify="center">
          <FileButton onChange={choose} accept={ACCEPTED}>
            {(props) => (
              <Button variant="default" leftSection={<IconPhoto size={16} />} {...props}>
                {t("avatar.choose")}
              </Button>
            )}
          </FileButton>
          <Button onClick={save} disabled={!chosen} loading={progress !== null}>
            {t("avatar.save")}
          </Button>
          {current && !chosen && (
            <Button variant="subtle" color="red" leftSection={<IconTrash size={16} />} onClick={remove}>
              {t("avatar.remove")}
            </Button>
          )}
        </Group>
      </Stack>
    </Modal>
  );
}
