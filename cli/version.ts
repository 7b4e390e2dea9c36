/** The package version (declared in core/version.ts, which reports and sweeps read too). */
export { VERSION } from '../core/version.ts';
