/**
 * The incoming-call popup. The telephony module publishes on the employee's own channel
 * `private-user.{id}`:
 *   `call.incoming` {call_id, from_number, line_number, started_at, contact: {id, name, company} | null}
 * (telephony/notify.py; the API has already matched the number, so `contact` is null only for
 * an unknown caller). The popup closes when the call record (private-calls) says the call is
 * over, or after a while. (The wrap-up after an answered call: WrapUpDialog.tsx, in the header.)
 */
import { useEffect, useRef, useState } from "react";
import { Button, CloseButton, Group, Paper, Stack, Text, Textarea, ThemeIcon, Transition } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { IconPhoneCall, IconPhoneIncoming, IconPhoneOff } from "@tabler/icons-react";
import { Link } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { api } from "../api/client";
import type { Schemas } from "../api/schema";
import { useMe } from "../auth/AuthProvider";
import { errorText } from "../components/ApiErrorAlert";
import { useCreate } from "../entities/api";
import { formatPhone } from "../lib/format";
import { useDial } from "./PhoneLink";
import { useChannel, useRealtime } from "../realtime/RealtimeProvider";

/** Where the call is, from the call record: ringing, answered, missed, or over. */
export type CallPhase = "ringing" | "talking" | "missed" | "ended";

export interface IncomingCallEvent {
  call_id: string;
  /** Set here (not by the server) from the call record's status. */
  phase?: CallPhase;
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

/** The popup's next phase for a call status; null closes it. A note being written keeps it. */
export function nextPhase(status: CallStatus, current: CallPhase, writing: boolean): CallPhase | null {
  if (status === "missed") return "missed";
  if (status === "in_progress") return "talking";
  if (OVER.has(status)) return writing || current === "missed" ? "ended" : null;
  return current;
}

const TITLES: Record<CallPhase, string> = {
  ringing: "calls.incoming",
  talking: "calls.talking",
  missed: "calls.missedCall",
  ended: "calls.ended",
};
const MAX_SHOWN_MS = 120_000;

/** The call ringing this employee now, if any began within the popup's lifetime (an older
 * "ringing" record is one whose end never arrived, not a phone ringing). */
export async function ringingNow(employeeId: string): Promise<IncomingCallEvent | null> {
  const { data } = await api.get<{ items: Schemas["Call"][] }>("/api/v1/calls", {
    query: { employee_id: employeeId, status: "ringing", sort: "-created_at", limit: 1 },
  });
  const ringing = data.items[0];
  const began = ringing ? Date.parse(ringing.started_at ?? ringing.created_at) : NaN;
  if (!ringing || !(Date.now() - began < MAX_SHOWN_MS)) return null;
  let contact: IncomingCallEvent["contact"] = null;
  if (ringing.contact_id) {
    const { data: found } = await api.get<Schemas["Contact"]>(`/api/v1/contacts/${ringing.contact_id}`);
    contact = { id: found.id, name: found.name, company: found.company ?? null };
  }
  return {
    call_id: ringing.id,
    from_number: ringing.from_number ?? "",
    line_number: ringing.line_number ?? null,
    contact,
  };
}

export function IncomingCall() {
  const { t } = useTranslation();
  const me = useMe();
  const [call, setCall] = useState<IncomingCallEvent | null>(null);
  const [note, setNote] = useState("");
  const writing = useRef(false);
  useEffect(() => {
    writing.current = note.trim().length > 0;
  }, [note]);
  const { applier } = useRealtime();
  const dial = useDial();
  const createNote = useCreate("notes");
  const open = call !== null;

  // While the popup is up, the page keeps room for it instead of hiding cards under it.
  useEffect(() => {
    document.body.classList.toggle("sb-call-open", open);
    return () => document.body.classList.remove("sb-call-open");
  }, [open]);

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
            // A missed call stays on screen (call back, create the contact); an answered one
            // says so; an ended one closes unless a note is being written.
            const phase = nextPhase(data.status, current.phase ?? "ringing", writing.current);
            if (phase === null) return null;
            return phase === current.phase ? current : { ...current, phase };
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
      if (data && typeof data.call_id === "string" && typeof data.from_number === "string") {
        setNote("");
        setCall({ ...(data as unknown as IncomingCallEvent), phase: "ringing" });
      }
    };
    // The personal channel is not replayed: a call that began ringing before this page
    // listened (opened, reloaded or reconnected mid-ring) is looked up once subscribed.
    const subscribed = () => {
      void ringingNow(me.id)
        .then((found) => {
          if (found) setCall((current) => current ?? { ...found, phase: "ringing" });
        })
        .catch(() => undefined);
    };
    channel.bind("call.incoming", incoming);
    channel.bind("pusher:subscription_succeeded", subscribed);
    return () => {
      channel.unbind("call.incoming", incoming);
      channel.unbind("pusher:subscription_succeeded", subscribed);
    };
  });

  const contact = call?.contact ?? null;
  const phase: CallPhase = call?.phase ?? "ringing";
  const close = () => {
    setCall(null);
    setNote("");
  };
  const saveNote = async () => {
    if (!call || !note.trim()) return;
    try {
      await createNote.mutateAsync({ body: note.trim(), related_type: "calls", related_id: call.call_id });
      notifications.show({ color: "green", message: t("calls.noteSaved") });
      setNote("");
      if (phase === "ended") setCall(null);
    } catch (error) {
      notifications.show({ color: "red", message: errorText(error, t) });
    }
  };

  return (
    <Transition mounted={call !== null} transition="slide-left" duration={200}>
      {(styles) => (
        <Paper
          style={{
            ...styles,
            position: "fixed",
            top: 72,
            right: 16,
            maxHeight: "calc(100vh - 88px)",
            overflowY: "auto",
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
                    color={phase === "missed" ? "red" : phase === "ended" ? "gray" : "green"}
                    radius="xl"
                    size="lg"
                    className={phase === "ringing" ? "sb-ringing" : undefined}
                  >
                    {phase === "talking" ? (
                      <IconPhoneCall size={18} />
                    ) : phase === "ringing" ? (
                      <IconPhoneIncoming size={18} />
                    ) : (
                      <IconPhoneOff size={18} />
                    )}
                  </ThemeIcon>
                  <div>
                    <Text
                      fw={700}
                      c={phase === "missed" ? "red" : undefined}
                      data-testid="call-phase"
                      data-phase={phase}
                    >
                      {t(TITLES[phase])}
                    </Text>
                    <Text size="sm" ff="monospace">
                      {formatPhone(call.from_number)}
                    </Text>
                  </div>
                </Group>
                <CloseButton aria-label={t("calls.dismiss")} onClick={close} />
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
                {phase === "missed" && (
                  <Button
                    size="xs"
                    color="green"
                    leftSection={<IconPhoneCall size={14} />}
                    loading={dial.isPending}
                    onClick={() => dial.mutate(call.from_number)}
                  >
                    {t("calls.callBack")}
                  </Button>
                )}
                {contact ? (
                  <Button size="xs" variant="light" component={Link} to={`/contacts/${contact.id}`}>
                    {t("calls.openContact")}
                  </Button>
                ) : (
                  <Button
                    size="xs"
                    variant="light"
                    component={Link}
                    to={`/contacts/new?phone=${encodeURIComponent(call.from_number)}`}
                  >
                    {t("calls.createContact")}
                  </Button>
                )}
                <Button
                  size="xs"
                  variant="default"
                  component={Link}
                  to={`/tasks/new?related_type=calls&related_id=${call.call_id}&title=${encodeURIComponent(
                    t("calls.taskTitle", { who: contact?.name ?? formatPhone(call.from_number) }),
                  )}`}
                >
                  {t("calls.quickTask")}
                </Button>
              </Group>
              <Textarea
                aria-label={t("calls.quickNote")}
                placeholder={t("calls.quickNote")}
                value={note}
                onChange={(e) => setNote(e.currentTarget.value)}
                autosize
                minRows={2}
                maxRows={6}
              />
              {note.trim() && (
                <Button size="xs" w="fit-content" onClick={saveNote} loading={createNote.isPending}>
                  {t("calls.saveNote")}
                </Button>
              )}
            </Stack>
          )}
        </Paper>
      )}
    </Transition>
  );
}
