"""Writes the tutorial's synthetic access traces (train/ and test/).

    python3 gen_traces.py        # from docs/examples/tutorial/data

Each trace is `capacity N` then one key per line. The patterns are the
classic ones a replacement policy has to cope with:

  zipf      skewed popularity (a few keys are hot)
  scan      Zipf traffic interrupted by long scans of keys never seen again
  loop      Zipf traffic mixed with a loop a little larger than the cache
  shift     Zipf traffic whose hot set moves to other keys now and then

Every key is then renamed to a random number below 10^6, so that the keys
say nothing about the pattern they come from. Everything is drawn from
random.Random(seed) with random() and shuffle() only, so the files are the
same with any Python 3.
"""
import bisect
import os
import random


class Zipf:
    """Keys base .. base+n-1 drawn with probability ~ 1/rank^alpha."""

    def __init__(self, rng, n, alpha, base=0):
        self.rng, self.base = rng, base
        self.cdf, total = [], 0.0
        for rank in range(1, n + 1):
            total += 1.0 / rank ** alpha
            self.cdf.append(total)
        # Ranks are shuffled over the keys so that hot keys are not 0, 1, 2...
        self.keys = list(range(n))
        rng.shuffle(self.keys)

    def draw(self):
        u = self.rng.random() * self.cdf[-1]
        return self.base + self.keys[bisect.bisect_left(self.cdf, u)]


def zipf(rng, length, n, alpha):
    z = Zipf(rng, n, alpha)
    return [z.draw() for _ in range(length)]


def scan(rng, length, n, alpha, every, scan_len):
    """Zipf keys; every `every` accesses, `scan_len` fresh keys in a row."""
    z, out, fresh = Zipf(rng, n, alpha), [], 100000
    while len(out) < length:
        out += [z.draw() for _ in range(every)]
        out += range(fresh, fresh + scan_len)
        fresh += scan_len
    return out[:length]


def loop(rng, length, n, alpha, loop_len, p_loop):
    """Zipf keys, and with probability p_loop the next key of a loop."""
    z, out, pos = Zipf(rng, n, alpha), [], 0
    while len(out) < length:
        if rng.random() < p_loop:
            out.append(200000 + pos)
            pos = (pos + 1) % loop_len
        else:
            out.append(z.draw())
    return out


def shift(rng, length, n, alpha, phase):
    """Zipf keys whose whole key range moves every `phase` accesses."""
    out, base = [], 0
    while len(out) < length:
        z = Zipf(rng, n, alpha, base)
        out += [z.draw() for _ in range(phase)]
        base += n
    return out[:length]


def scan_then_loop(rng):
    return (scan(rng, 5000, n=800, alpha=0.85, every=600, scan_len=250) +
            loop(rng, 5000, n=800, alpha=0.85, loop_len=110, p_loop=0.4))


def zipf_then_shift(rng):
    return (zipf(rng, 4000, n=3000, alpha=0.75) +
            [k + 500000 for k in shift(rng, 6000, n=500, alpha=0.9, phase=2000)])


# name, cache capacity, seed, the keys
TRACES = [
    ("train/zipf", 100, 1, lambda r: zipf(r, 10000, n=2000, alpha=0.8)),
    ("train/scan", 100, 2, lambda r: scan(r, 10000, n=1000, alpha=0.9,
                                          every=800, scan_len=300)),
    ("train/loop", 100, 3, lambda r: loop(r, 10000, n=1000, alpha=0.9,
                                          loop_len=150, p_loop=0.5)),
    ("train/shift", 100, 4, lambda r: shift(r, 10000, n=400, alpha=1.0,
                                            phase=1500)),
    ("test/scan-loop", 80, 5, scan_then_loop),
    ("test/zipf-shift", 120, 6, zipf_then_shift),
]


def main():
    here = os.path.dirname(os.path.abspath(__file__))
    for name, capacity, seed, make in TRACES:
        rng = random.Random(seed)
        keys = make(rng)
        names, used = {}, set()
        for k in keys:
            while k not in names:
                new = int(rng.random() * 1000000)
                if new not in used:
                    names[k] = new
                    used.add(new)
        path = os.path.join(here, name + ".trace")
        os.makedirs(os.path.dirname(path), exist_ok=True)
        with open(path, "w") as f:
            f.write("# %s, seed %d (written by gen_traces.py)\n" % (name, seed))
            f.write("capacity %d\n" % capacity)
            f.write("".join("%d\n" % names[k] for k in keys))


main()
