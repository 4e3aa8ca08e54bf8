// The teams a person picked on the home page, kept in this browser until sign-in knows them.
import { useCallback, useSyncExternalStore } from 'react';

const KEY = 'portolan.teams';
const listeners = new Set<() => void>();

function read(): string {
  try {
    return localStorage.getItem(KEY) ?? '[]';
  } catch {
    return '[]'; // storage disabled: nothing remembered
  }
}

function parse(raw: string): string[] {
  try {
    const v: unknown = JSON.parse(raw);
    return Array.isArray(v) ? v.filter((x): x is string => typeof x === 'string') : [];
  } catch {
    return [];
  }
}

/** The picked teams (group refs) and a setter that remembers them. */
export function useMyTeams(): [string[], (teams: string[]) => void] {
  const raw = useSyncExternalStore((fn) => {
    listeners.add(fn);
    return () => listeners.delete(fn);
  }, read);
  const set = useCallback((teams: string[]) => {
    try {
      localStorage.setItem(KEY, JSON.stringify([...new Set(teams)]));
    } catch {
      // storage disabled: the choice lasts until the page is left
    }
    for (const l of listeners) l();
  }, []);
  return [parse(raw), set];
}
