/**
 * The incoming-call popup. The telephony module publishes on the employee's own channel
 * `private-user.{id}`:
 *   `call.incoming` {call_id, from_number, line_number?, contact?: {id, name, company?} | null}
 *   `call.updated`  {call_id, status}  (answered / completed / missed...: the popup closes
 *                                       when the call is over)
 * Without a contact in the payload the popup looks the number up itself.
 */
import { useState } from "react";
import { Button, CloseButton, Group, Paper, Stack, Text, ThemeIcon, Transition } from "@mantine/core";
import { IconPhoneIncoming } from "@tabler/icons-react";
import { useQuery } from "@tanstack/react-query";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { formatPhone } from "../lib/format";
import { useChannel } from "../realtime/RealtimeProvider";

export interface IncomingCallEvent {
  call_id: string;
  from_number: string;
  line_number?: string | null;
  contact?: { id: string; name: string; company?: string | null } | null;
}

interface Lookup {
  phone: string;
  items: { id: string; name: string; company: string | null }[];
}

function parse(raw: unknown): Record<string, unknown> | null {
  const value = typeof raw === "string" ? (() => { try { return JSON.parse(raw) as unknown; } catch { return null; } })() : raw;
  return value && typeof value === "object" ? (value as Record<string, unknown>) : null;
}

const OVER = new Set(["completed", "missed", "failed", "ended"]);

export function IncomingCall() {
  const { t } = useTranslation();
  const me = useMe();
  const [call, setCall] = useState<IncomingCallEvent | null>(null);

  useChannel(`private-user.${me.id}`, (channel) => {
    const incoming = (raw: unknown) => {
      const data = parse(raw);
      if (data && typeof data.call_id === "string" && typeof data.from_number === "string") setCall(data as unknown as IncomingCallEvent);
    };
    const updated = (raw: unknown) => {
      const data = parse(raw);
      if (!data) return;
      setCall((current) => (current && current.call_id === data.call_id && OVER.has(String(data.status)) ? null : current));
    };
    channel.bind("call.incoming", incoming);
    channel.bind("call.updated", updated);
    return () => {
      channel.unbind("call.incoming", incoming);
      channel.unbind("call.updated", updated);
    };
  });

  const lookup = useQuery({
    queryKey: ["contacts-lookup", call?.from_number],
    queryFn: async () => (await api.get<Lookup>("/api/v1/contacts/lookup", { query: { phone: call?.from_number } })).data,
    enabled: Boolean(call && call.contact === undefined),
    retry: false,
  });
  const contact = call?.contact ?? lookup.data?.items[0] ?? null;

  return (
    <Transition mounted={call !== null} transition="slide-left" duration={200}>
      {(styles) => (
        <Paper
          style={{ ...styles, position: "fixed", top: 72, right: 16, zIndex: 400, width: "min(360px, calc(100vw - 32px))" }}
          shadow="xl" withBorder p="md" radius="md" role="region" aria-live="assertive" aria-label={t("calls.incoming")}
          data-testid="incoming-call"
        >
          {call && (
            <Stack gap="xs">
              <Group justify="space-between" wrap="nowrap">
                <Group gap="sm" wrap="nowrap">
                  <ThemeIcon color="green" radius="xl" size="lg" className="sb-ringing"><IconPhoneIncoming size={18} /></ThemeIcon>
                  <div>
                    <Text fw={700}>{t("calls.incoming")}</Text>
                    <Text size="sm" ff="monospace">{formatPhone(call.from_number)}</Text>
                  </div>
                </Group>
                <CloseButton aria-label={t("calls.dismiss")} onClick={() => setCall(null)} />
              </Group>
              {contact ? (
                <Text size="lg" fw={600} data-testid="incoming-contact">
                  {contact.name}
                  {contact.company && <Text span c="dimmed" size="sm"> · {contact.company}</Text>}
                </Text>
              ) : (
                <Text c="dimmed">{t("calls.unknown")}</Text>
              )}
              {call.line_number && <Text size="xs" c="dimmed">{t("calls.line", { number: formatPhone(call.line_number) })}</Text>}
              <Group gap="xs">
                {contact ? (
                  <Button size="xs" component={Link} to={`/contacts/${contact.id}`} onClick={() => setCall(null)}>{t("calls.openContact")}</Button>
                ) : (
                  <Button size="xs" component={Link} to={`/contacts/new?phone=${encodeURIComponent(call.from_number)}`} onClick={() => setCall(null)}>
                    {t("calls.createContact")}
                  </Button>
                )}
              </Group>
            </Stack>
          )}
        </Paper>
      )}
    </Transition>
  );
}
