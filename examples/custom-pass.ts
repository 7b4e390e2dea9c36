/**
 * Extending the optimizer from outside, through the public entry point only: a user pass
 * and a user peephole rule are registered into a pass registry of one's own, a pipeline
 * names them alongside morphsim's passes, and the result is checked against the IR
 * interpreter. Run it with
 *
 *   npx tsx examples/custom-pass.ts
 */
import {
  DEFAULT_RULES, interpretRegion, optimizeRegion, parseRegion, PassRegistry, peepholePassWith, printRegion,
  type IrInst, type IrRegion, type Pass,
} from '../index.ts';

/** What the example reports (test/ext-pass.test.ts checks it). */
export interface ExampleResult {
  readonly before: string;
  readonly after: string;
  /** Instructions the user pass looked at, and how many it rewrote. */
  readonly seen: number;
  readonly rewritten: number;
  /** Interpreter results before and after, on one register state. */
  readonly same: boolean;
  readonly pipelines: readonly string[];
}

export function runExample(): ExampleResult {
  let seen = 0;
  let rewritten = 0;
  // A user pass: doubling by a shift becomes an add of the value to itself (say, for a host
  // whose shifter is slow). It returns a new region, as every pass must.
  const shiftToAdd: Pass = {
    name: 'shift-to-add',
    description: 'x << 1 becomes x + x',
    run: (r: IrRegion): IrRegion => ({
      ...r,
      insts: r.insts.map((i): IrInst => {
        seen++;
        if (i.op !== 'alui' || i.alu !== 'sll' || i.imm !== 1) return i;
        rewritten++;
        return { op: 'alu', alu: 'add', dst: i.dst, a: i.a, b: i.a };
      }),
    }),
  };
  // A user rule next to morphsim's own: x - (x & m) is x & ~m.
  const myRules = peepholePassWith([
    ...DEFAULT_RULES,
    { name: 'sub-and', doc: 'a - (a & m) = a & ~m', from: ['$t = and $a, #m', '$d = sub $a, $t'], to: '$d = and $a, #n', when: ({ m }) => ({ n: ~m! }) },
  ], 'my-peephole', 'morphsim rules plus sub-and');

  const registry = PassRegistry.withDefaults().register(shiftToAdd).register(myRules);
  registry.definePipeline('mine', ['const-fold', 'shift-to-add', 'my-peephole', 'copy-prop', 'dce'], 'O1 with the user passes');

  const region = parseRegion(`region 0x10000..0x10010 (4 insns)
    x10 = sll x11, 1
    t0 = and x12, 7
    x13 = sub x12, t0
    t1 = li 0
    exit.if t1, 0x20000 [3]
    exit 0x10010 [4]`);
  const after = optimizeRegion(region, { pipeline: 'mine', registry, verify: true });

  const x = Array.from({ length: 32 }, (_, k) => (k * 0x9e3779b9) | 0);
  const mem = { readByte: (): number | undefined => undefined };
  const same = JSON.stringify(interpretRegion(region, x, mem)) === JSON.stringify(interpretRegion(after, x, mem));
  return { before: printRegion(region), after: printRegion(after), seen, rewritten, same, pipelines: registry.pipelineNames() };
}

if (process.argv[1] && import.meta.url.endsWith(process.argv[1].replace(/.*\//, '/'))) {
  const r = runExample();
  console.log(`${r.before}\n--- pipeline 'mine' --->\n${r.after}`);
  console.log(`shift-to-add saw ${r.seen} instructions and rewrote ${r.rewritten}; same behaviour: ${r.same}`);
}
