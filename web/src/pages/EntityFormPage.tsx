/** Create and edit forms for any entity type, with the API's field errors and the 412 dialog. */
import { useEffect, useMemo, useRef, useState, type FormEvent } from "react";
import { Alert, Button, Group, Loader, Modal, Paper, Stack, Text, Title } from "@mantine/core";
import { notifications } from "@mantine/notifications";
import { useBlocker, useNavigate, useParams, useSearchParams } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { ApiError } from "../api/client";
import { useMe } from "../auth/AuthProvider";
import { ApiErrorAlert } from "../components/ApiErrorAlert";
import { ConflictDialog } from "../components/ConflictDialog";
import { FieldInput, type Errors } from "../components/inputs";
import { fetchRecord, useCreate, useRecord, useUpdate } from "../entities/api";
import { analyzeConflict, changedFields, overwriteRequest, type Conflict, type Values } from "../entities/conflict";
import {
  apiFieldNames,
  editableFields,
  entityDef,
  recordTitle,
  STAGE_TRANSITIONS,
  type EntityDef,
  type EntityRecord,
} from "../entities/registry";
import { useUserName } from "../entities/directory";
import { validationMessage } from "../lib/format";

/** Who a new record belongs to by default: the employee creating it. */
const OWNED_BY_ME = new Set(["owner_id", "assignee_id"]);

function initialValues(def: EntityDef, params: URLSearchParams, meId: string): Values {
  const values: Values = {};
  for (const field of editableFields(def, true)) {
    for (const name of apiFieldNames(field)) values[name] = field.initial ?? null;
    if (field.kind === "password") values[field.name] = undefined;
    if (OWNED_BY_ME.has(field.name)) values[field.name] = meId;
  }
  for (const [key, value] of params) {
    if (key === "phone") values.phones = [{ type: "mobile", number: value }];
    else if (key in values) values[key] = value;
  }
  return values;
}

/** The create body: drop empty optional values and blank phone rows. */
function createBody(values: Values): Values {
  const body: Values = {};
  for (const [key, value] of Object.entries(values)) {
    if (value === null || value === undefined || value === "") continue;
    if (key === "phones" && Array.isArray(value)) {
      body.phones = (value as { number: string }[]).filter((p) => p.number.trim());
      continue;
    }
    body[key] = value;
  }
  return body;
}

function requiredErrors(def: EntityDef, values: Values, t: (k: string) => string): Errors {
  const errors: Errors = {};
  for (const field of def.fields) {
    const v = values[field.name];
    if (field.required && (v === null || v === undefined || (typeof v === "string" && !v.trim())))
      errors[field.name] = t("common.required");
  }
  return errors;
}

function FormBody({ def, record }: { def: EntityDef; record?: EntityRecord }) {
  const { t } = useTranslation();
  const navigate = useNavigate();
  const [params] = useSearchParams();
  const isNew = !record;
  const fields = useMemo(
    () =>
      editableFields(def, isNew).map((field) => {
        // An existing deal offers the stages the pipeline allows from where it is (as the board does).
        if (def.type !== "deals" || field.name !== "stage" || !record) return field;
        const current = String(record.stage);
        return { ...field, options: [current, ...(STAGE_TRANSITIONS[current] ?? [])] };
      }),
    [def, isNew, record],
  );
  const editable = useMemo(() => fields.flatMap(apiFieldNames), [fields]);
  const [base, setBase] = useState<Values | undefined>(record);
  const me = useMe();
  const [values, setValues] = useState<Values>(() =>
    record ? { ...record, password: undefined } : initialValues(def, params, me.id),
  );
  const [pristine] = useState<Values>(values);
  const formRef = useRef<HTMLFormElement>(null);
  // Set when the form itself navigates away (saved, or nothing to save): no question then.
  const leaving = useRef(false);
  const dirty = Object.keys(changedFields(pristine, values, editable)).length > 0 || Boolean(values.password);
  const blocker = useBlocker(
    ({ currentLocation, nextLocation }) =>
      dirty && !leaving.current && currentLocation.pathname !== nextLocation.pathname,
  );
  useEffect(() => {
    if (!dirty) return;
    const warn = (event: BeforeUnloadEvent) => event.preventDefault();
    window.addEventListener("beforeunload", warn);
    return () => window.removeEventListener("beforeunload", warn);
  }, [dirty]);
  // The keyboard starts in the first field.
  useEffect(() => {
    formRef.current?.querySelector<HTMLElement>("input:not([type=hidden]), textarea")?.focus();
  }, []);
  const [errors, setErrors] = useState<Errors>({});
  const [failure, setFailure] = useState<unknown>(null);
  const [conflict, setConflict] = useState<{ info: Conflict; current: EntityRecord; patch: Values } | null>(null);
  const create = useCreate(def.type);
  const update = useUpdate(def.type);
  const live = useRecord(def.type, record?.id);
  const liveVersion = live.data?.version;
  const remoteWho = useUserName(live.data?.updated_by);

  const onChange = (name: string, value: unknown) => {
    setValues((v) => ({ ...v, [name]: value }));
    setErrors((e) => {
      const next = { ...e };
      for (const key of Object.keys(next)) if (key === name || key.startsWith(`${name}[`)) delete next[key];
      return next;
    });
  };

  const fail = (error: unknown) => {
    if (error instanceof ApiError && (error.status === 422 || error.status === 400) && error.problem.errors?.length) {
      const translated: Errors = {};
      for (const [field, message] of Object.entries(error.fieldErrors()))
        translated[field] = validationMessage(message);
      setErrors(translated);
      setFailure(null);
    } else setFailure(error);
  };

  const done = (saved: EntityRecord) => {
    leaving.current = true;
    notifications.show({ color: "green", message: isNew ? t("common.created") : t("common.saved") });
    navigate(`/${def.type}/${saved.id}`, { replace: !isNew });
  };

  const save = async (body: Values, ifMatch: number, basis: Values) => {
    if (!record) return;
    try {
      done(await update.mutateAsync({ id: record.id, body, ifMatch }));
    } catch (error) {
      if (error instanceof ApiError && error.status === 412) {
        const current = await fetchRecord(def.type, record.id);
        setConflict({ info: analyzeConflict(basis, current, body), current, patch: body });
        return;
      }
      fail(error);
    }
  };

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    const missing = requiredErrors(def, values, t);
    setErrors(missing);
    setFailure(null);
    if (Object.keys(missing).length) return;
    if (isNew) {
      try {
        done(await create.mutateAsync(createBody(values)));
      } catch (error) {
        fail(error);
      }
      return;
    }
    const patch = changedFields(base ?? {}, values, editable);
    if (values.password) patch.password = values.password;
    if (!Object.keys(patch).length) {
      leaving.current = true;
      navigate(`/${def.type}/${record.id}`);
      return;
    }
    await save(patch, Number(base?.version), base ?? {});
  };

  const reload = () => {
    if (!conflict) return;
    setBase(conflict.current);
    setValues({ ...conflict.current, password: undefined });
    setConflict(null);
  };

  const overwrite = async () => {
    if (!conflict) return;
    const { body, ifMatch } = overwriteRequest(conflict.patch, conflict.current);
    const basis = conflict.current;
    setConflict(null);
    setBase(basis);
    if (!Object.keys(body).length) {
      done(basis);
      return;
    }
    await save(body, ifMatch, basis);
  };

  const title = isNew
    ? t("form.newTitle", { type: t(`types.${def.type}`) })
    : t("form.editTitle", { title: recordTitle(def, record) });
  const hasErrors = Object.keys(errors).length > 0;
  return (
    <Paper withBorder p={{ base: "sm", sm: "lg" }} radius="md" maw={760}>
      <form onSubmit={submit} noValidate aria-label={title} ref={formRef}>
        <Stack>
          <Title order={2}>{title}</Title>
          {!isNew && liveVersion !== undefined && base && liveVersion > Number(base.version) && (
            <Alert color="orange" role="status">
              {t("record.changedRemotely", { who: remoteWho ?? t("record.someone") })}
            </Alert>
          )}
          {hasErrors && (
            <Alert color="red" role="alert">
              {t("form.fixErrors")}
            </Alert>
          )}
          {Object.entries(errors)
            .filter(([k]) => !editable.some((f) => k === f || k.startsWith(`${f}[`)) && k !== "password")
            .map(([k, m]) => (
              <Alert key={k} color="red">{`${k}: ${m}`}</Alert>
            ))}
          <ApiErrorAlert error={failure} />
          {fields.map((field) => (
            <FieldInput
              key={field.name}
              field={field}
              values={values}
              errors={errors}
              isNew={isNew}
              onChange={onChange}
            />
          ))}
          <Group justify="flex-end">
            <Button variant="default" onClick={() => navigate(-1)}>
              {t("common.cancel")}
            </Button>
            <Button type="submit" loading={create.isPending || update.isPending}>
              {isNew ? t("common.create") : t("common.save")}
            </Button>
          </Group>
        </Stack>
      </form>
      <Modal
        opened={blocker.state === "blocked"}
        onClose={() => blocker.reset?.()}
        title={t("form.leaveTitle")}
        centered
        closeButtonProps={{ "aria-label": t("common.close") }}
      >
        <Text mb="lg">{t("form.leaveText")}</Text>
        <Group justify="flex-end">
          <Button variant="default" onClick={() => blocker.reset?.()} data-autofocus>
            {t("form.stay")}
          </Button>
          <Button color="red" onClick={() => blocker.proceed?.()}>
            {t("form.leave")}
          </Button>
        </Group>
      </Modal>
      <ConflictDialog
        conflict={conflict?.info ?? null}
        saving={update.isPending}
        onReload={reload}
        onOverwrite={overwrite}
        onClose={() => setConflict(null)}
      />
    </Paper>
  );
}

export function EntityFormPage({ type }: { type: string }) {
  const { id } = useParams();
  const def = entityDef(type);
  const record = useRecord(type, id);
  const [loaded, setLoaded] = useState<EntityRecord | undefined>(undefined);
  // The form keeps the version it was opened at; later refetches must not reset the edits.
  useEffect(() => {
    // eslint-disable-next-line react-hooks/set-state-in-effect -- a snapshot of the first load, on purpose
    if (record.data && (!loaded || loaded.id !== record.data.id)) setLoaded(record.data);
  }, [record.data, loaded]);
  if (!id) return <FormBody def={def} />;
  if (record.isError) return <ApiErrorAlert error={record.error} />;
  if (!loaded || loaded.id !== id) return <Loader aria-label="loading" />;
  return <FormBody key={loaded.id} def={def} record={loaded} />;
}
