/** Sign in; afterwards go back to the page the employee was on (or asked for). */
import { useState, type FormEvent } from "react";
import { Alert, Button, Center, Paper, PasswordInput, Stack, TextInput, Title } from "@mantine/core";
import { Navigate, useLocation, useNavigate } from "react-router-dom";
import { useTranslation } from "react-i18next";
import { ApiError, signedOutReason } from "../api/client";
import { useAuth } from "../auth/AuthProvider";
import { LanguageSwitch } from "../components/LanguageSwitch";

function safeNext(value: string | null): string {
  // Only same-app paths: never an absolute URL someone slipped into ?next=.
  if (!value || !value.startsWith("/") || value.startsWith("//") || value.startsWith("/login")) return "/";
  return value;
}

export function LoginPage() {
  const { t } = useTranslation();
  const { me, login, expired } = useAuth();
  const location = useLocation();
  const navigate = useNavigate();
  const next = safeNext(new URLSearchParams(location.search).get("next"));
  const [email, setEmail] = useState("");
  const [password, setPassword] = useState("");
  const [error, setError] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  if (me) return <Navigate to={next} replace />;

  const submit = async (event: FormEvent) => {
    event.preventDefault();
    setBusy(true);
    setError(null);
    try {
      await login(email.trim(), password);
      navigate(next, { replace: true });
    } catch (err) {
      if (err instanceof ApiError && err.status === 429) {
        const seconds = err.problem.detail?.match(/\d+/)?.[0] ?? "60";
        setError(t("auth.tooMany", { seconds }));
      } else if (err instanceof ApiError && err.status === 401 && signedOutReason(err.problem) === "disabled") {
        setError(t("auth.disabled"));
      } else if (err instanceof ApiError && (err.status === 401 || err.status === 400 || err.status === 422)) {
        setError(t("auth.wrong"));
      } else setError(t("common.error"));
    } finally {
      setBusy(false);
    }
  };

  return (
    <Center mih="100vh" p="md" bg="var(--sb-surface-muted)">
      <Paper withBorder shadow="sm" p="xl" radius="md" w="100%" maw={400} component="main">
        <form onSubmit={submit} aria-labelledby="login-title">
          <Stack>
            <Title order={1} size="h3" id="login-title">
              {t("auth.title")}
            </Title>
            {expired && !error && (
              <Alert color={expired === "disabled" ? "red" : "yellow"} role="status">
                {t(
                  expired === "disabled"
                    ? "auth.disabled"
                    : expired === "role-changed"
                      ? "auth.roleChanged"
                      : "auth.expired",
                )}
              </Alert>
            )}
            {error && (
              <Alert color="red" role="alert">
                {error}
              </Alert>
            )}
            <TextInput
              label={t("auth.email")}
              type="email"
              autoComplete="username"
              required
              value={email}
              onChange={(e) => setEmail(e.currentTarget.value)}
              data-autofocus
              autoFocus
            />
            <PasswordInput
              label={t("auth.password")}
              autoComplete="current-password"
              required
              value={password}
              onChange={(e) => setPassword(e.currentTarget.value)}
            />
            <Button type="submit" loading={busy} fullWidth>
              {t("auth.submit")}
            </Button>
            <LanguageSwitch />
          </Stack>
        </form>
      </Paper>
    </Center>
  );
}
