/** A failed API call, said plainly (problem title/detail, never a stack trace). */
import { Alert } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import i18n from "../i18n";
import { validationMessage } from "../lib/format";

export function errorText(error: unknown, t: (key: string) => string): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return t("common.forbidden");
    if (error.status === 404) return t("common.notFound");
    const fields = error.problem.errors ?? [];
    // The API words its checks in English; the interface language shows them.
    if (fields.length)
      return fields
        .map((e) => `${i18n.t(`fields.${e.field}`, { defaultValue: e.field })}: ${validationMessage(e.message)}`)
        .join("; ");
    if (error.status === 0 || error.status >= 500) return t("common.error");
    return validationMessage(error.problem.detail ?? error.problem.title ?? t("common.error"));
  }
  return t("common.error");
}

export function ApiErrorAlert({ error, title }: { error: unknown; title?: string }) {
  const { t } = useTranslation();
  if (!error) return null;
  return (
    <Alert color="red" icon={<IconAlertTriangle size={18} />} title={title} role="alert">
      {errorText(error, t)}
    </Alert>
  );
}
