/** A list on a phone: one card per record (a squeezed table breaks numbers and words). */
import type { ReactNode } from "react";
import { Anchor, Group, Paper, Stack, Text } from "@mantine/core";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { FieldValue } from "../components/FieldValue";
import { labelKey, recordTitle, type EntityDef, type EntityRecord, type FieldDef } from "../entities/registry";
import { formatDateTime } from "../lib/format";

export function RecordCards({
  def,
  columns,
  records,
  trashed,
  actions,
}: {
  def: EntityDef;
  columns: FieldDef[];
  records: EntityRecord[];
  trashed: boolean;
  actions: (record: EntityRecord) => ReactNode;
}) {
  const { t } = useTranslation();
  return (
    <Stack gap="xs" role="list" aria-label={t(`nav.${def.type}`)}>
      {records.map((record) => (
        <Paper key={record.id} withBorder p="sm" radius="md" role="listitem" data-id={record.id}>
          <Group justify="space-between" wrap="nowrap" align="flex-start">
            <Anchor component={Link} to={`/${def.type}/${record.id}`} fw={600} style={{ wordBreak: "break-word" }}>
              {recordTitle(def, record) || formatDateTime(record.created_at)}
            </Anchor>
            {trashed && actions(record)}
          </Group>
          <Stack gap={4} mt={6}>
            {columns.slice(1).map((c) => (
              <Group key={c.name} gap={6} wrap="wrap" align="baseline">
                <Text size="xs" c="dimmed">
                  {t(labelKey(c))}:
                </Text>
                <Text size="sm" component="div">
                  <FieldValue field={c} record={record} />
                </Text>
              </Group>
            ))}
            {trashed && (
              <Text size="xs" c="dimmed">
                {t("fields.deleted_at")}: {formatDateTime(record.deleted_at)}
              </Text>
            )}
          </Stack>
        </Paper>
      ))}
    </Stack>
  );
}
