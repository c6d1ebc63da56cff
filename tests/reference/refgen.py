"""Deterministic sample generator shared by the reference scripts and the C++
tests (tests/reference_reader.hpp implements the same generator).

Large samples are not committed as numbers: a case says `gen KEY KIND SEED N P1 P2`
and both sides regenerate the identical doubles. Only IEEE-exact operations
(+, -, *, floor of exact values) are used, so Python and C++ agree bit for bit.
"""

import math

MASK = (1 << 64) - 1


class SplitMix64:
    def __init__(self, seed):
        self.state = seed & MASK

    def next_u64(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform01(self):
        # 53 random bits scaled by 2^-53: exact in double.
        return (self.next_u64() >> 11) * (1.0 / 9007199254740992.0)


def generate(kind, seed, n, p1, p2):
    """kind: 'uniform' (lo=p1, hi=p2), 'bell' (mean=p1, sd=p2; a sum of four
    uniforms, smooth and unimodal), 'int' (integers p1..p2: heavy ties)."""
    rng = SplitMix64(seed)
    out = []
    for _ in range(n):
        if kind == "uniform":
            out.append(p1 + (p2 - p1) * rng.uniform01())
        elif kind == "bell":
            s = rng.uniform01() + rng.uniform01() + rng.uniform01() + rng.uniform01()
            out.append(p1 + p2 * ((s - 2.0) * 1.7320508075688772))
        elif kind == "int":
            out.append(float(math.floor(p1 + (p2 - p1 + 1.0) * rng.uniform01())))
        else:
            raise ValueError("unknown generator kind " + kind)
    return out


def fmt(x):
    """Shortest round-trip text of a double, readable by strtod."""
    if math.isnan(x):
        return "nan"
    if math.isinf(x):
        return "inf" if x > 0 else "-inf"
    return repr(float(x))


class CaseWriter:
    """Writes the line format read by tests/reference_reader.hpp:

        case NAME
        KEY v1 v2 ...          (numbers or bare words)
        gen KEY KIND SEED N P1 P2
        end
    """

    def __init__(self, path, header):
        self.f = open(path, "w")
        for line in header.strip().splitlines():
            self.f.write("# " + line + "\n")

    def case(self, name, **fields):
        self.f.write("case " + name + "\n")
        for key, value in fields.items():
            if isinstance(value, tuple) and value and value[0] == "gen":
                self.f.write("gen " + key + " " + " ".join(str(v) for v in value[1:]) + "\n")
            elif isinstance(value, (list, tuple)):
                self.f.write(key + " " + " ".join(v if isinstance(v, str) else fmt(v) for v in value) + "\n")
            elif isinstance(value, str):
                self.f.write(key + " " + value + "\n")
            else:
                self.f.write(key + " " + fmt(value) + "\n")
        self.f.write("end\n")

    def close(self):
        self.f.close()
