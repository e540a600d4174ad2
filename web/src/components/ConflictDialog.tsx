/** The 412 dialog: what the other person changed, and reload or overwrite. */
import { Alert, Badge, Button, Group, Modal, ScrollArea, Stack, Table, Text } from "@mantine/core";
import { useTranslation } from "react-i18next";
import type { Conflict } from "../entities/conflict";
import { useUserName } from "../entities/directory";
import { asText, formatPhone } from "../lib/format";

function show(value: unknown, t: (k: string) => string): string {
  if (value === null || value === undefined || value === "") return t("common.none");
  if (Array.isArray(value)) {
    return (
      value
        .map((v) =>
          v && typeof v === "object" && "number" in v ? formatPhone((v as { number: string }).number) : String(v),
        )
        .join(", ") || t("common.none")
    );
  }
  if (typeof value === "object") return JSON.stringify(value);
  if (typeof value === "boolean") return value ? t("common.yes") : t("common.no");
  return asText(value);
}

interface Props {
  conflict: Conflict | null;
  saving: boolean;
  onReload: () => void;
  onOverwrite: () => void;
  onClose: () => void;
}

export function ConflictDialog({ conflict, saving, onReload, onOverwrite, onClose }: Props) {
  const { t } = useTranslation();
  const who = useUserName(conflict?.changedBy) ?? t("record.someone");
  return (
    <Modal
      opened={conflict !== null}
      onClose={onClose}
      title={t("conflict.title")}
      size="lg"
      centered
      closeButtonProps={{ "aria-label": t("common.close") }}
    >
      {conflict && (
        <>
          <Text mb="sm">{t("conflict.text", { who })}</Text>
          <ScrollArea>
            <Table striped withTableBorder aria-label={t("conflict.title")}>
              <Table.Thead>
                <Table.Tr>
                  <Table.Th>{t("conflict.field")}</Table.Th>
                  <Table.Th>{t("conflict.theirs")}</Table.Th>
                  <Table.Th>{t("conflict.mine")}</Table.Th>
                </Table.Tr>
              </Table.Thead>
              <Table.Tbody>
                {conflict.theirChanges.map((c) => (
                  <Table.Tr key={c.field} data-field={c.field}>
                    <Table.Td>
                      <Stack gap={4} align="flex-start">
                        {t(`fields.${c.field}`, { defaultValue: c.field })}
                        {c.clash && (
                          <Badge color="orange" size="xs" className="sb-badge-wrap">
                            {t("conflict.clash")}
                          </Badge>
                        )}
                      </Stack>
                    </Table.Td>
                    <Table.Td>
                      <Text size="sm" td="line-through" c="dimmed">
                        {show(c.base, t)}
                      </Text>
                      <Text size="sm" fw={600}>
                        {show(c.theirs, t)}
                      </Text>
                    </Table.Td>
                    <Table.Td>
                      {c.mine === undefined ? (
                        <Text size="sm" c="dimmed">
                          {t("conflict.untouched")}
                        </Text>
                      ) : (
                        <Text size="sm">{show(c.mine, t)}</Text>
                      )}
                    </Table.Td>
                  </Table.Tr>
                ))}
              </Table.Tbody>
            </Table>
          </ScrollArea>
          {conflict.mineOnly.length > 0 && (
            <Alert mt="sm" color="blue">
              {t("conflict.mineOnly", {
                fields: conflict.mineOnly.map((f) => t(`fields.${f}`, { defaultValue: f })).join(", "),
              })}
            </Alert>
          )}
          <Group justify="flex-end" mt="lg">
            <Button variant="default" onClick={onReload} data-autofocus>
              {t("conflict.reload")}
            </Button>
            <Button color="orange" onClick={onOverwrite} loading={saving}>
              {t("conflict.overwrite")}
            </Button>
          </Group>
        </>
      )}
    </Modal>
  );
}
