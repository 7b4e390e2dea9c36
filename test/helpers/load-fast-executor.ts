// vitest setup file (vitest.config.ts, setupFiles): runs in every test file before it is
// imported. Translations run on the fast executor by default (run.executor), which needs
// binaryen, and the tests build machines synchronously (`new GuestMachine`), so binaryen is
// loaded here, once per test file's worker. What happens without it is tested in a child
// process (test/default-executor.test.ts).
import { loadFastExecutor } from '../../sim-microarch/wasm-binaryen.ts';

await loadFastExecutor();
