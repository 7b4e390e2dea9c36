/**
 * Parameters of the two guest platforms: the simulated clock that turns host cycles into
 * guest-visible time (mtime, clock_gettime), the machine platform's RAM and the user
 * platform's address-space budget. Declared once here; the composed registry
 * (morph/config.ts) derives flags, validation and report labels from them.
 */
import { defineParams, int } from '../core/params.ts';

export const platformParams = defineParams('platform', {
  clockMHz: int(1000, 'MHz', 1, 100000,
    'simulated clock: host cycles per microsecond; converts cycles to guest time (clock_gettime, mtime)',
    'Crusoe TM5800 parts ran at 667-1000 MHz'),
  mtimeDivider: int(1000, 'cycles/tick', 1, 1000000,
    'host cycles per CLINT mtime tick (the time CSR); the timebase is clockMHz / mtimeDivider MHz',
    'with the 1000 MHz clock one tick is 1 us: a 1 MHz timebase, as on SiFive FU540 boards'),
  ramMiB: int(64, 'MiB', 1, 2047, 'machine platform: RAM size at 0x80000000',
    'riscv-tests and bare-metal benchmarks fit easily; 2047 MiB is the most below the 4 GiB top'),
  stackKiB: int(8192, 'KiB', 16, 262144, 'user platform: stack size below the stack top',
    '8 MiB, the default RLIMIT_STACK of Linux that qemu-riscv32 also uses'),
  misalignedCost: int(400, 'cycles', 0, 100000,
    'user platform: host cycles to complete one misaligned load or store in software, as Linux does for user programs',
    'a trap to the kernel (or SBI firmware), decoding the instruction and byte-wise emulation: some hundreds of cycles on cores without hardware support'),
  mmapMiB: int(256, 'MiB', 1, 1536,
    'user platform: size of the anonymous-mmap window, and the most the brk heap may grow',
    'bounds host memory per simulated process while leaving room for allocator-heavy workloads'),
});
