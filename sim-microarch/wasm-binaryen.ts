/**
 * Loading binaryen for the fast executor. binaryen is an ES module with a top-level await
 * that takes about a second to load, so it is imported only when the fast executor is
 * chosen, once per process, before any machine that uses it is built (`loadFastExecutor`).
 */
import type BinaryenModule from 'binaryen';
import { MorphsimError, ExitCode } from '../core/errors.ts';

export type Binaryen = typeof BinaryenModule;

let loaded: Binaryen | undefined;
let loading: Promise<Binaryen> | undefined;

/** Load binaryen (the fast executor's code generator); later calls return the same module. */
export async function loadFastExecutor(): Promise<Binaryen> {
  if (loaded) return loaded;
  loading ??= import('binaryen').then((m) => (loaded = m.default));
  return loading;
}

/** binaryen, which `loadFastExecutor()` must have loaded. */
export function binaryen(): Binaryen {
  if (!loaded) {
    throw new MorphsimError('run.executor=fast needs binaryen loaded first: await loadFastExecutor() (sim-microarch/wasm-binaryen.ts) before building the machine', ExitCode.internal);
  }
  return loaded;
}

export const isFastExecutorLoaded = (): boolean => loaded !== undefined;
