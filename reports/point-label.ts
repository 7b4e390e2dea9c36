/** How a sweep point is named to people: its workload and the parameters it sets. */
import type { ParamValue } from '../core/params.ts';

export function paramsText(params: Readonly<Record<string, ParamValue>>): string {
  return Object.entries(params).map(([k, v]) => `${k}=${String(v)}`).join(' ');
}

export function describePoint(p: { workload: { name: string }; params: Readonly<Record<string, ParamValue>> }): string {
  const ps = paramsText(p.params);
  return ps ? `${p.workload.name} ${ps}` : p.workload.name;
}
