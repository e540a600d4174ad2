/**
 * The files of a record: drop or choose files, one progress bar per upload (with cancel and
 * its own error), the list with icons, sizes and thumbnails, preview of images and PDFs,
 * download, trash and restore. Other viewers' uploads appear live (`private-attachments`).
 */
import { useRef, useState, type DragEvent } from "react";
import {
  ActionIcon,
  Anchor,
  Button,
  CloseButton,
  FileButton,
  Group,
  Image,
  Modal,
  Paper,
  Progress,
  Stack,
  Text,
  Title,
  Tooltip,
} from "@mantine/core";
import { notifications } from "@mantine/notifications";
import {
  IconDownload,
  IconEye,
  IconFile,
  IconFileTypePdf,
  IconMusic,
  IconPhoto,
  IconRestore,
  IconTrash,
  IconUpload,
} from "@tabler/icons-react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { can } from "../auth/permissions";
import { errorText } from "../components/ApiErrorAlert";
import { formatDateTime } from "../lib/format";
import { useChannel } from "../realtime/RealtimeProvider";
import { CHANGE_EVENT } from "../realtime/events";
import { formatSize, previewKind, uploadErrorKey, uploadFile, type Attachment } from "./upload";

interface Upload {
  key: number;
  name: string;
  progress: number;
  error?: string;
  controller: AbortController;
}

interface AttachmentList {
  items: Attachment[];
}

const fileUrl = (id: string, what: "download" | "thumbnail", inline = false) =>
  `/api/v1/attachments/${id}/${what}${inline ? "?inline=true" : ""}`;

function FileIcon({ type }: { type: string }) {
  const kind = previewKind(type);
  if (kind === "image") return <IconPhoto size={20} aria-hidden />;
  if (kind === "pdf") return <IconFileTypePdf size={20} aria-hidden />;
  if (kind === "audio") return <IconMusic size={20} aria-hidden />;
  return <IconFile size={20} aria-hidden />;
}

/** The types whose records hold files (the API's `ParentType`). */
const PARENT_TYPES: readonly string[] = [
  "contacts",
  "deals",
  "tasks",
  "notes",
  "calls",
] satisfies readonly Attachment["parent_type"][];

export function hasFiles(type: string): boolean {
  return PARENT_TYPES.includes(type);
}

export function FilesSection({ type, id }: { type: string; id: string }) {
  const { t } = useTranslation();
  const me = useMe();
  const client = useQueryClient();
  const [showTrash, setShowTrash] = useState(false);
  const [uploads, setUploads] = useState<Upload[]>([]);
  const [preview, setPreview] = useState<Attachment | null>(null);
  const [dragging, setDragging] = useState(false);
  const counter = useRef(0);
  const queryKey = ["attachments-of", type, id, showTrash];
  const files = useQuery({
    queryKey,
    queryFn: async () =>
      (await api.get<AttachmentList>(`/api/v1/attachments/of/${type}/${id}`, { query: { trashed: showTrash } })).data,
  });
  const refresh = () => client.invalidateQueries({ queryKey: ["attachments-of", type, id] });

  // Files are their own type: any change to one may be a file of this record.
  useChannel("private-attachments", (channel) => {
    const handler = () => void refresh();
    channel.bind(CHANGE_EVENT, handler);
    return () => channel.unbind(CHANGE_EVENT, handler);
  });

  const patch = (key: number, change: Partial<Upload>) =>
    setUploads((list) => list.map((u) => (u.key === key ? { ...u, ...change } : u)));

  const start = (chosen: File[]) => {
    for (const file of chosen) {
      counter.current += 1;
      const key = counter.current;
      const controller = new AbortController();
      setUploads((list) => [...list, { key, name: file.name, progress: 0, controller }]);
      uploadFile({ parentType: type, parentId: id }, file, (progress) => patch(key, { progress }), controller.signal)
        .then(() => {
          setUploads((list) => list.filter((u) => u.key !== key));
          void refresh();
        })
        .catch((error: unknown) => {
          const { key: message, values } = uploadErrorKey(error);
          patch(key, { error: t(message, values) });
        });
    }
  };

  const move = async (file: Attachment, action: "trash" | "restore") => {
    try {
      if (action === "trash") await api.delete(`/api/v1/attachments/${file.id}`);
      else await api.post(`/api/v1/attachments/${file.id}/restore`);
      await refresh();
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error, t) });
    }
  };

  const onDrop = (event: DragEvent<HTMLDivElement>) => {
    event.preventDefault();
    setDragging(false);
    start(Array.from(event.dataTransfer.files));
  };
  const mayUpload = can(me.role, "attachments", "create");
  const items = files.data?.items ?? [];

  return (
    <section aria-labelledby="files-title">
      <Group justify="space-between" mb="sm">
        <Title order={2} size="h4" id="files-title">
          {t("files.title")}
        </Title>
        <Button size="xs" variant="subtle" onClick={() => setShowTrash((v) => !v)}>
          {showTrash ? t("files.showLive") : t("files.showTrash")}
        </Button>
      </Group>
      {mayUpload && !showTrash && (
        <Paper
          withBorder
          p="sm"
          mb="sm"
          radius="sm"
          data-testid="files-dropzone"
          style={{ borderStyle: "dashed", background: dragging ? "var(--mantine-color-blue-light)" : undefined }}
          onDragOver={(event) => {
            event.preventDefault();
            setDragging(true);
          }}
          onDragLeave={() => setDragging(false)}
          onDrop={onDrop}
        >
          <Group gap="sm">
            <IconUpload size={18} aria-hidden />
            <Text size="sm" c="dimmed">
              {t("files.drop")}
            </Text>
            <FileButton onChange={start} multiple>
              {(props) => (
                <Button size="xs" variant="light" {...props}>
                  {t("files.choose")}
                </Button>
              )}
            </FileButton>
          </Group>
        </Paper>
      )}
      <Stack gap={6} mb={uploads.length ? "sm" : 0}>
        {uploads.map((upload) => (
          <div key={upload.key} aria-label={t("files.uploading", { name: upload.name })}>
            <Group justify="space-between" gap="xs" wrap="nowrap">
              <Text size="sm" truncate>
                {upload.name}
              </Text>
              <CloseButton
                size="sm"
                aria-label={upload.error ? t("common.remove") : t("files.cancel", { name: upload.name })}
                onClick={() =>
                  upload.error
                    ? setUploads((list) => list.filter((u) => u.key !== upload.key))
                    : upload.controller.abort()
                }
              />
            </Group>
            {upload.error ? (
              <Text size="xs" c="red" role="alert">
                {upload.error}
              </Text>
            ) : (
              <Progress
                value={upload.progress * 100}
                size="sm"
                aria-label={t("files.progress", { name: upload.name })}
              />
            )}
          </div>
        ))}
      </Stack>
      {items.length === 0 && (
        <Text size="sm" c="dimmed">
          {showTrash ? t("files.trashEmpty") : t("files.none")}
        </Text>
      )}
      <Stack gap={6}>
        {items.map((file) => (
          <Paper key={file.id} withBorder p="xs" radius="sm" data-testid="file-row">
            <Group gap="sm" wrap="nowrap">
              {file.has_thumbnail ? (
                <Image src={fileUrl(file.id, "thumbnail")} alt="" w={40} h={40} fit="cover" radius="sm" />
              ) : (
                <FileIcon type={file.content_type} />
              )}
              <Stack gap={0} style={{ flex: 1, minWidth: 0 }}>
                <Text size="sm" truncate>
                  {file.name}
                </Text>
                <Text size="xs" c="dimmed">
                  {formatSize(file.size)} · {file.uploaded_at ? formatDateTime(file.uploaded_at) : ""}
                </Text>
              </Stack>
              {!showTrash && previewKind(file.content_type) === "image" && (
                <Tooltip label={t("files.preview")}>
                  <ActionIcon
                    variant="subtle"
                    aria-label={`${t("files.preview")} ${file.name}`}
                    onClick={() => setPreview(file)}
                  >
                    <IconEye size={16} />
                  </ActionIcon>
                </Tooltip>
              )}
              {!showTrash && previewKind(file.content_type) === "pdf" && (
                <Tooltip label={t("files.preview")}>
                  <ActionIcon
                    component="a"
                    href={fileUrl(file.id, "download", true)}
                    target="_blank"
                    rel="noopener"
                    variant="subtle"
                    aria-label={`${t("files.preview")} ${file.name}`}
                  >
                    <IconEye size={16} />
                  </ActionIcon>
                </Tooltip>
              )}
              {!showTrash && (
                <Tooltip label={t("files.download")}>
                  <ActionIcon
                    component="a"
                    href={fileUrl(file.id, "download")}
                    download={file.name}
                    variant="subtle"
                    aria-label={`${t("files.download")} ${file.name}`}
                  >
                    <IconDownload size={16} />
                  </ActionIcon>
                </Tooltip>
              )}
              {showTrash
                ? can(me.role, "attachments", "restore") && (
                    <ActionIcon
                      variant="subtle"
                      aria-label={`${t("record.restore")} ${file.name}`}
                      onClick={() => move(file, "restore")}
                    >
                      <IconRestore size={16} />
                    </ActionIcon>
                  )
                : can(me.role, "attachments", "trash") && (
                    <ActionIcon
                      variant="subtle"
                      color="red"
                      aria-label={`${t("record.moveToTrash")} ${file.name}`}
                      onClick={() => move(file, "trash")}
                    >
                      <IconTrash size={16} />
                    </ActionIcon>
                  )}
            </Group>
          </Paper>
        ))}
      </Stack>
      <Modal opened={preview !== null} onClose={() => setPreview(null)} title={preview?.name} size="xl">
        {preview && (
          <Stack>
            <Image src={fileUrl(preview.id, "download", true)} alt={preview.name} fit="contain" mah="70vh" />
            <Anchor href={fileUrl(preview.id, "download")} download={preview.name} size="sm">
              {t("files.download")}
            </Anchor>
          </Stack>
        )}
      </Modal>
    </section>
  );
}
