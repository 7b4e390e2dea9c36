/** THE statistics registry: every group of every layer, composed once; reports read it. */
import { StatRegistry } from '../core/stats.ts';
import { cacheStats } from '../sim-microarch/cache.ts';
import { cycleStats } from '../sim-microarch/cycles.ts';
import { execStats } from '../sim-microarch/exec-stats.ts';
import { ibtcStats, rasStats } from '../sim-microarch/indirect.ts';
import { inorderStats } from '../sim-microarch/inorder.ts';
import { morphStats } from './stats.ts';

export const statRegistry = new StatRegistry([cycleStats, morphStats, execStats, ibtcStats, rasStats, cacheStats, inorderStats]);
