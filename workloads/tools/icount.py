#!/usr/bin/env python3
"""Count the guest instructions a user workload retires, using qemu-riscv32's logs.

qemu logs each translation block once when it translates it (`-d in_asm`: an "IN:" block,
one line per guest instruction) and every time it runs one (`-d exec`, with `nochain` so
no execution is hidden by block chaining). The sum over executions of the block sizes is
the retired-instruction count, within a few instructions (a block cut short by a syscall
that exits is counted whole). Much faster than single-stepping.

usage: tools/icount.py bin/<name>.elf [args...]
"""
import re
import subprocess
import sys

cmd = ["qemu-riscv32", "-d", "in_asm,exec,nochain", "-D", "/dev/stdout", *sys.argv[1:]]
proc = subprocess.Popen(cmd, stdout=subprocess.PIPE, stderr=subprocess.DEVNULL, text=True, errors="replace")
insn = re.compile(r"^0x[0-9a-f]+:\s+[0-9a-f]{8}\s")
sizes = {}
pending = None
total = 0
for line in proc.stdout:
    if line.startswith("Trace "):
        host_tb = line.split()[2]
        if pending is not None:
            sizes[host_tb] = pending
            pending = None
        total += sizes.get(host_tb, 0)
    elif line.startswith("IN:"):
        pending = 0
    elif pending is not None and insn.match(line):
        pending += 1
proc.wait()
print(total)
