/**
 * The incoming-call popup. The telephony module publishes on the employee's own channel
 * `private-user.{id}`:
 *   `call.incoming` {call_id, from_number, line_number, started_at, contact: {id, name, company} | null}
 * (telephony/notify.py; the API has already matched the number, so `contact` is null only for
 * an unknown caller). The popup closes when the call record (private-calls) says the call is
 * over, or after a while. The wrap-up dialog after an answered call is mounted with it.
 */
import { useEffect, useState } from "react";
import { Button, CloseButton, Group, Paper, Stack, Text, ThemeIcon, Transition } from "@mantine/core";
import { IconPhoneIncoming } from "@tabler/icons-react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Schemas } from "../api/schema";
import { useMe } from "../auth/AuthProvider";
import { formatPhone } from "../lib/format";
import { useChannel, useRealtime } from "../realtime/RealtimeProvider";
import { WrapUpDialog } from "./WrapUpDialog";

export interface IncomingCallEvent {
  call_id: string;
  /** Set here (not by the server) once the call record says nobody answered. */
  missed?: boolean;
  from_number: string;
  line_number: string | null;
  contact: { id: string; name: string; company: string | null } | null;
}

function parse(raw: unknown): Record<string, unknown> | null {
  const value =
    typeof raw === "string"
      ? (() => {
          try {
            return JSON.parse(raw) as unknown;
          } catch {
            return null;
          }
        })()
      : raw;
  return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
}

type CallStatus = Schemas["Call"]["status"];
const OVER: ReadonlySet<CallStatus> = new Set<CallStatus>(["completed", "failed"]);
const MAX_SHOWN_MS = 120_000;

export function IncomingCall() {
  const { t } = useTranslation();
  const me = useMe();
  const [call, setCall] = useState<IncomingCallEvent | null>(null);
  const { applier } = useRealtime();

  // Close once the call record says the call is over (answered elsewhere, ended, missed).
  useEffect(() => {
    if (!call) return;
    const timer = setTimeout(() => setCall(null), MAX_SHOWN_MS);
    const stop = applier.subscribe((change) => {
      if (change.type !== "calls" || change.id !== call.call_id || !change.fields.includes("status")) return;
      void api
        .get<Schemas["Call"]>(`/api/v1/calls/${call.call_id}`)
        .then(({ data }) => {
          setCall((current) => {
            if (current?.call_id !== call.call_id) return current;
            // A missed call stays on screen (call back, create the contact); others close.
            if (data.status === "missed") return current.missed ? current : { ...current, missed: true };
            return OVER.has(data.status) ? null : current;
          });
        })
        .catch(() => undefined);
    });
    return () => {
      clearTimeout(timer);
      stop();
    };
  }, [call, applier]);

  useChannel(`private-user.${me.id}`, (channel) => {
    const incoming = (raw: unknown) => {
      const data = parse(raw);
      if (data && typeof data.call_id === "string" && typeof data.from_number === "string")
        setCall(data as unknown as IncomingCallEvent);
    };
    channel.bind("call.incoming", incoming);
    return () => channel.unbind("call.incoming", incoming);
  });

  const contact = call?.contact ?? null;

  return (
    <>
      <WrapUpDialog />
      <Transition mounted={call !== null} transition="slide-left" duration={200}>
        {(styles) => (
          <Paper
            style={{
              ...styles,
              position: "fixed",
              top: 72,
              right: 16,
              zIndex: 400,
              width: "min(360px, calc(100vw - 32px))",
            }}
            shadow="xl"
            withBorder
            p="md"
            radius="md"
            role="region"
            aria-live="assertive"
            aria-label={t("calls.incoming")}
            data-testid="incoming-call"
          >
            {call && (
              <Stack gap="xs">
                <Group justify="space-between" wrap="nowrap">
                  <Group gap="sm" wrap="nowrap">
                    <ThemeIcon
                      color={call.missed ? "red" : "green"}
                      radius="xl"
                      size="lg"
                      className={call.missed ? undefined : "sb-ringing"}
                    >
                      <IconPhoneIncoming size={18} />
                    </ThemeIcon>
                    <div>
                      <Text fw={700} c={call.missed ? "red" : undefined}>
                        {call.missed ? t("calls.missedCall") : t("calls.incoming")}
                      </Text>
                      <Text size="sm" ff="monospace">
                        {formatPhone(call.from_number)}
                      </Text>
                    </div>
                  </Group>
                  <CloseButton aria-label={t("calls.dismiss")} onClick={() => setCall(null)} />
                </Group>
                {contact ? (
                  <Text size="lg" fw={600} data-testid="incoming-contact">
                    {contact.name}
                    {contact.company && (
                      <Text span c="dimmed" size="sm">
                        {" "}
                        · {contact.company}
                      </Text>
                    )}
                  </Text>
                ) : (
                  <Text c="dimmed">{t("calls.unknown")}</Text>
                )}
                {call.line_number && (
                  <Text size="xs" c="dimmed">
                    {t("calls.line", { number: formatPhone(call.line_number) })}
                  </Text>
                )}
                <Group gap="xs">
                  {contact ? (
                    <Button size="xs" component={Link} to={`/contacts/${contact.id}`} onClick={() => setCall(null)}>
                      {t("calls.openContact")}
                    </Button>
                  ) : (
                    <Button
                      size="xs"
                      component={Link}
                      to={`/contacts/new?phone=${encodeURIComponent(call.from_number)}`}
                      onClick={() => setCall(null)}
                    >
                      {t("calls.createContact")}
                    </Button>
                  )}
                </Group>
              </Stack>
            )}
          </Paper>
        )}
      </Transition>
    </>
  );
}
