/**
 * Who is signed in. GET /api/v1/auth/me decides on start; a 401 from any later call
 * (the session expired or was ended elsewhere) signs the app out, and the login page
 * brings the employee back to where they were.
 */
import { createContext, useCallback, useContext, useEffect, useMemo, type ReactNode } from "react";
import { useQuery, useQueryClient } from "@tanstack/react-query";
import { ApiError, api, onUnauthenticated, setCsrfToken, signedOutReason, type SignedOutReason } from "../api/client";

import type { Schemas } from "../api/schema";
import type { Role } from "./permissions";

export type { Role };

/** The signed-in employee (GET /api/v1/auth/me); the API's role is one of the matrix's. */
export type Me = Omit<Schemas["Me"], "role"> & { role: Role };

interface AuthState {
  me: Me | null;
  loading: boolean;
  /** Why the last session ended when the employee did not sign out themselves. */
  expired: SignedOutReason | null;
  login: (email: string, password: string) => Promise<Me>;
  logout: () => Promise<void>;
}

const AuthContext = createContext<AuthState | null>(null);
export const ME_KEY = ["auth", "me"] as const;
const EXPIRED_KEY = ["auth", "expired"] as const;

async function fetchMe(): Promise<Me | null> {
  try {
    const { data } = await api.get<Me>("/api/v1/auth/me");
    setCsrfToken(data.csrf_token);
    return data;
  } catch (err) {
    if (err instanceof ApiError && err.status === 401) return null;
    throw err;
  }
}

export function AuthProvider({ children }: { children: ReactNode }) {
  const client = useQueryClient();
  const meQuery = useQuery({ queryKey: ME_KEY, queryFn: fetchMe, staleTime: Infinity, retry: 1 });
  const expiredQuery = useQuery<SignedOutReason | null>({
    queryKey: EXPIRED_KEY,
    queryFn: () => null,
    initialData: null,
    staleTime: Infinity,
  });

  useEffect(
    () =>
      onUnauthenticated((problem) => {
        if (client.getQueryData(ME_KEY)) {
          setCsrfToken(null);
          client.setQueryData(EXPIRED_KEY, signedOutReason(problem));
          client.setQueryData(ME_KEY, null);
        }
      }),
    [client],
  );

  const login = useCallback(
    async (email: string, password: string) => {
      const { data } = await api.post<Me>("/api/v1/auth/login", { email, password });
      setCsrfToken(data.csrf_token);
      client.removeQueries({ predicate: (q) => q.queryKey[0] !== "auth" });
      client.setQueryData(EXPIRED_KEY, null);
      client.setQueryData(ME_KEY, data);
      return data;
    },
    [client],
  );

  const logout = useCallback(async () => {
    try {
      await api.post("/api/v1/auth/logout");
    } catch (err) {
      if (!(err instanceof ApiError && err.status === 401)) throw err;
    }
    setCsrfToken(null);
    client.setQueryData(EXPIRED_KEY, null);
    client.setQueryData(ME_KEY, null);
    client.removeQueries({ predicate: (q) => q.queryKey[0] !== "auth" });
  }, [client]);

  const value = useMemo<AuthState>(
    () => ({
      me: meQuery.data ?? null,
      loading: meQuery.isPending,
      expired: expiredQuery.data,
      login,
      logout,
    }),
    [meQuery.data, meQuery.isPending, expiredQuery.data, login, logout],
  );
  return <AuthContext.Provider value={value}>{children}</AuthContext.Provider>;
}

export function useAuth(): AuthState {
  const ctx = useContext(AuthContext);
  if (!ctx) throw new Error("useAuth outside AuthProvider");
  return ctx;
}

/** The signed-in employee (only inside RequireAuth). */
export function useMe(): Me {
  const { me } = useAuth();
  if (!me) throw new Error("useMe without a session");
  return me;
}
