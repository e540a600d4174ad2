/** Avatars of the other employees looking at the same record right now. */
import { Avatar, Group, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import { usePresence } from "../realtime/usePresence";
import { UserAvatar } from "./People";

export function PresenceAvatars({ type, id }: { type: string; id: string }) {
  const { t } = useTranslation();
  const viewers = usePresence(type, id);
  if (!viewers.length) return null;
  return (
    <Group gap="xs" aria-live="polite" data-testid="presence">
      <Text size="xs" c="dimmed">
        {t("record.viewing")}:
      </Text>
      <Avatar.Group>
        {viewers.map((v) => (
          <UserAvatar key={v.id} id={v.id} name={v.name} />
        ))}
      </Avatar.Group>
      <span className="sr-only">{viewers.map((v) => v.name).join(", ")}</span>
    </Group>
  );
}
