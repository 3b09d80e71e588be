#!/usr/bin/env python3
"""Prints the 64 MD5 step lines of core's VectorMd5.digest (RFC 1321, section 3.4).

VectorMd5 writes the steps out, each a single expression, so that C2 compiles straight-line SIMD code
(with a helper method per round, C2 gave up inlining in a method this size and boxed every vector:
6x slower; with the constant padding words added as vectors, C1 bailed out and C2 never compiled it). This is how the lines were made, so that nobody has to check 64 constants by hand.
"""
import math

SHIFTS = [7, 12, 17, 22] * 4 + [5, 9, 14, 20] * 4 + [4, 11, 16, 23] * 4 + [6, 10, 15, 21] * 4
CONSTANTS = [int(abs(math.sin(i + 1)) * 2**32) & 0xFFFFFFFF for i in range(64)]

# MD5 padding of a 32-byte message: word 8 = 0x80, word 14 = the length in bits, the rest zero
PADDING = {8: 0x80, 14: 256}

# the round functions F, G, H, I of RFC 1321 over the registers b, c, d
ROUND = {
    0: "{b}.and({c}).or({b}.not().and({d}))",
    1: "{d}.and({b}).or({d}.not().and({c}))",
    2: "{b}.lanewise(XOR, {c}).lanewise(XOR, {d})",
    3: "{c}.lanewise(XOR, {b}.or({d}.not()))",
}


def word(i):
    """Message word used by step i."""
    if i < 16:
        return i
    if i < 32:
        return (5 * i + 1) & 15
    if i < 48:
        return (3 * i + 5) & 15
    return (7 * i) & 15


regs = ["a", "b", "c", "d"]
for i in range(64):
    if i % 16 == 0:
        print(f"        // round {i // 16 + 1}")
    a, b, c, d = regs
    f = ROUND[i // 16].format(b=b, c=c, d=d)
    k = word(i)
    # a = b + ((a + f(b, c, d) + x[k] + T[i]) <<< s); words 8-15 are the same constant padding in
    # every message, folded into T[i] (fewer nodes: C1 gave up on the unfolded method)
    if k < 8:
        term = f".add(x{k}).add(0x{CONSTANTS[i]:08x})"
    else:
        term = f".add(0x{(CONSTANTS[i] + PADDING.get(k, 0)) & 0xFFFFFFFF:08x})"
    print(f"        {a} = {b}.add({a}.add({f}){term}.lanewise(ROL, {SHIFTS[i]}));")
    regs = [d, a, b, c]
