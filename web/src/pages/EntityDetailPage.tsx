/** One record: its fields, who else is looking, lifecycle actions, related sections, history. */
import { useState } from "react";
import {
  Alert,
  Anchor,
  Button,
  Center,
  Grid,
  Group,
  Loader,
  Paper,
  SimpleGrid,
  Stack,
  Text,
  Title,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconArrowLeft, IconPencil, IconRestore, IconTrash, IconTrashX } from "@tabler/icons-react";
import { Link, useNavigate, useParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { can } from "../auth/permissions";
import { ApiErrorAlert, errorText } from "../components/ApiErrorAlert";
import { ConfirmDialog } from "../components/ConfirmDialog";
import { FieldValue } from "../components/FieldValue";
import { ActivityTimeline } from "../components/ActivityTimeline";
import { HistoryTimeline } from "../components/HistoryTimeline";
import { UserName } from "../components/People";
import { PresenceAvatars } from "../components/PresenceAvatars";
import { useLifecycle, useRecord } from "../entities/api";
import { entityDef, labelKey, recordTitle } from "../entities/registry";
import { focusWhenReady } from "../lib/focus";
import { formatDateTime } from "../lib/format";
import { useChannel, useRealtime } from "../realtime/RealtimeProvider";
import { CHANGE_EVENT, parseChange } from "../realtime/events";
import { RecordingPlayer, RecordingRemoved } from "../telephony/RecordingPlayer";
import { recordingView } from "../telephony/recording";
import { FilesSection, hasFiles } from "../files/FilesSection";
import { CallsSection, DealsSection, NotesSection, NumberListEntries, TasksSection } from "./RelatedSections";

export function EntityDetailPage({ type }: { type: string }) {
  const { id = "" } = useParams();
  const { t } = useTranslation();
  const me = useMe();
  const navigate = useNavigate();
  const def = entityDef(type);
  const record = useRecord(type, id);
  const lifecycle = useLifecycle(type);
  const { applier } = useRealtime();
  const [confirmPurge, setConfirmPurge] = useState(false);

  // The record's own channel: changes arrive here even for types whose list we don't watch.
  useChannel(`private-${type}.${id}`, (channel) => {
    const handler = (data: unknown) => {
      const message = parseChange(data);
      if (message) applier.apply(message);
    };
    channel.bind(CHANGE_EVENT, handler);
    return () => channel.unbind(CHANGE_EVENT, handler);
  });

  if (record.isPending)
    return (
      <Center py="xl">
        <Loader aria-label={t("app.loading")} />
      </Center>
    );
  if (record.isError) {
    const gone = record.error instanceof ApiError && record.error.status === 404;
    return (
      <Stack>
        {gone ? <Alert color="gray">{t("record.gone")}</Alert> : <ApiErrorAlert error={record.error} />}
        <Anchor component={Link} to={`/${type}`}>
          {t("common.back")}
        </Anchor>
      </Stack>
    );
  }
  const data = record.data;
  const trashed = Boolean(data.deleted_at);
  const title = recordTitle(def, data) || t(`types.${type}`);

  const act = async (action: "trash" | "restore" | "purge") => {
    try {
      await lifecycle.mutateAsync({ id, action, version: data.version });
      notifications.show({
        color: "green",
        message: t(
          `record.${action === "trash" ? "trashedToast" : action === "restore" ? "restoredToast" : "purgedToast"}`,
        ),
      });
      if (action === "purge") navigate(`/${type}/trash`, { replace: true });
      else
        focusWhenReady(
          action === "trash"
            ? ['[data-action="restore"]', "#main"]
            : ['[data-action="edit"]', '[data-action="trash"]', "#main"],
        );
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error, t) });
    }
    setConfirmPurge(false);
  };

  return (
    <Stack gap="md">
      <Group justify="space-between" align="flex-start" wrap="wrap">
        <Stack gap={4}>
          <Anchor component={Link} to={trashed ? `/${type}/trash` : `/${type}`} size="sm">
            <Group gap={4}>
              <IconArrowLeft size={14} />
              {t(`nav.${type}`)}
            </Group>
          </Anchor>
          <Title order={1} size="h2" style={{ wordBreak: "break-word" }}>
            {title}
          </Title>
          <PresenceAvatars type={type} id={id} />
        </Stack>
        <Group gap="xs">
          {!trashed && can(me.role, type, "update") && (
            <Button
              component={Link}
              to={`/${type}/${id}/edit`}
              leftSection={<IconPencil size={16} />}
              data-action="edit"
            >
              {t("common.edit")}
            </Button>
          )}
          {!trashed && can(me.role, type, "trash") && (
            <Button
              variant="light"
              color="red"
              leftSection={<IconTrash size={16} />}
              onClick={() => act("trash")}
              data-action="trash"
              loading={lifecycle.isPending}
            >
              {t("record.moveToTrash")}
            </Button>
          )}
          {trashed && can(me.role, type, "restore") && (
            <Button
              variant="light"
              leftSection={<IconRestore size={16} />}
              onClick={() => act("restore")}
              data-action="restore"
              loading={lifecycle.isPending}
            >
              {t("record.restore")}
            </Button>
          )}
          {trashed && can(me.role, type, "purge") && (
            <Button color="red" leftSection={<IconTrashX size={16} />} onClick={() => setConfirmPurge(true)}>
              {t("record.purge")}
            </Button>
          )}
        </Group>
      </Group>
      {trashed && (
        <Alert color="orange" role="status">
          {t("record.trashed")} · {formatDateTime(data.deleted_at)}
        </Alert>
      )}
      <Grid gutter="md">
        <Grid.Col span={{ base: 12, md: 7 }}>
          <Stack gap="md">
            <Paper withBorder p="md" radius="md">
              <SimpleGrid cols={{ base: 1, sm: 2 }} spacing="md" verticalSpacing="sm">
                {def.fields
                  .filter((f) => f.kind !== "password")
                  .map((field) => (
                    <div key={field.name} data-field={field.name}>
                      <Text size="xs" c="dimmed" fw={500} tt="uppercase">
                        {t(labelKey(field))}
                      </Text>
                      <FieldValue field={field} record={data} />
                    </div>
                  ))}
              </SimpleGrid>
              <Text size="xs" c="dimmed" mt="md">
                {t("record.updatedBy", { when: formatDateTime(data.updated_at), who: "" })}
                {data.updated_by && <UserName id={data.updated_by} />} ·{" "}
                {t("record.version", { version: data.version })}
              </Text>
            </Paper>
            {type === "calls" && recordingView(data) === "player" && (
              <RecordingPlayer callId={id} duration={data.recording_duration as number | undefined} />
            )}
            {type === "calls" && recordingView(data) === "expired" && <RecordingRemoved />}
            {type === "number_lists" && <NumberListEntries record={data} />}
            {type === "contacts" && <DealsSection contactId={id} />}
            {type === "contacts" && <CallsSection contactId={id} />}
            {def.hasNotes && <NotesSection type={type} id={id} />}
            {(type === "contacts" || type === "deals") && <TasksSection type={type} id={id} />}
            {hasFiles(type) && !trashed && <FilesSection type={type} id={id} />}
          </Stack>
        </Grid.Col>
        <Grid.Col span={{ base: 12, md: 5 }}>
          <Paper withBorder p="md" radius="md">
            {type === "contacts" || type === "deals" ? (
              <ActivityTimeline type={type} id={id} />
            ) : (
              <HistoryTimeline type={type} id={id} />
            )}
          </Paper>
        </Grid.Col>
      </Grid>
      <ConfirmDialog
        opened={confirmPurge}
        title={t("record.purgeTitle")}
        text={t("record.purgeText", { title })}
        confirmLabel={t("record.purge")}
        loading={lifecycle.isPending}
        onConfirm={() => act("purge")}
        onClose={() => setConfirmPurge(false)}
      />
    </Stack>
  );
}
