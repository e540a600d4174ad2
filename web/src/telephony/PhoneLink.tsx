/** A phone number with a call button: click-to-call rings the employee's phone first. */
import { ActionIcon, Anchor, Group, Text, Tooltip } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPhoneCall } from "@tabler/icons-react";
import { useMutation } from "@tanstack/react-query";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { errorText } from "../components/ApiErrorAlert";
import { formatPhone } from "../lib/format";

export function useDial() {
  const { t } = useTranslation();
  return useMutation({
    mutationFn: async (number: string) => (await api.post("/api/v1/calls/dial", { to_number: number })).data,
    onSuccess: (_data, number) =>
      notifications.show({
        color: "green",
        title: t("calls.calling", { number: formatPhone(number) }),
        message: t("calls.dialed", { number: formatPhone(number) }),
      }),
    onError: (error) =>
      notifications.show({ color: "red", title: t("calls.dialFailed"), message: errorText(error, t) }),
  });
}

/** A number; `dialable` adds the click-to-call button (not on the company's own line). */
export function PhoneLink({ number, dialable = true }: { number: string; dialable?: boolean }) {
  const shown = formatPhone(number);
  if (!dialable)
    return (
      <Text span style={{ whiteSpace: "nowrap" }} data-testid="company-line">
        {shown}
      </Text>
    );
  return (
    <Group gap={4} wrap="nowrap" component="span" display="inline-flex">
      <Anchor href={`tel:${number}`} onClick={(e) => e.stopPropagation()} style={{ whiteSpace: "nowrap" }}>
        {shown}
      </Anchor>
      <DialButton number={number} />
    </Group>
  );
}

/** The click-to-call button alone (beside a number shown some other way, e.g. as a link). */
export function DialButton({ number }: { number: string }) {
  const { t } = useTranslation();
  const dial = useDial();
  const shown = formatPhone(number);
  return (
    <Tooltip label={t("calls.call")} withArrow>
      <ActionIcon
        variant="subtle"
        color="green"
        size="sm"
        aria-label={`${t("calls.call")} ${shown}`}
        loading={dial.isPending}
        onClick={(e) => {
          e.stopPropagation();
          e.preventDefault();
          dial.mutate(number);
        }}
      >
        <IconPhoneCall size={16} />
      </ActionIcon>
    </Tooltip>
  );
}
