/** A failed API call, said plainly (problem title/detail, never a stack trace). */
import { Alert } from "@mantine/core";
import { IconAlertTriangle } from "@tabler/icons-react";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";

export function errorText(error: unknown, t: (key: string) => string): string {
  if (error instanceof ApiError) {
    if (error.status === 403) return t("common.forbidden");
    if (error.status === 404) return t("common.notFound");
    return error.problem.detail ?? error.problem.title ?? t("common.error");
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
