#!/usr/bin/env python3
"""Writes the generated tables of the LLM-SQL example.

    python3 tools/make_tables.py [--check]
    python3 tools/make_tables.py --family NAME --seed N --rows R -o FILE.csv

The leaderboard's five tables (movies, beer, BIRD, PDMX, products) are
third-party data of unclear licence and are not part of this project. This
script generates one table in the image of each, following the recipe of
data/README.md; without -o it writes the committed ones:

    data/train/{movies,beer,bird,pdmx,products}.csv   seed 1
    data/test/{movies,beer,bird,pdmx,products}.csv    seed 2

(1500 to 2400 rows each, a tenth of the originals or less, so that a candidate is
scored in well under a second). --rows makes tables of any size, e.g. the
originals' 10k-30k rows.

Random numbers: SplitMix64 started at seed * 1000003 + the family's number
(movies 1, beer 2, bird 3, pdmx 4, products 5); next() adds
0x9e3779b97f4a7c15 and mixes (30/27/31 shifts, the usual multipliers); a
uniform u = (next() >> 11) * 2**-53; below(k) = int(u * k); a Zipf(s)
draw over k items is the first i whose cumulative weight sum_{j<=i}
1/(j+1)**s exceeds u times the total. Every table is built the same way:

- entities (a film, a beer, a post, a score, a product) with an id, a long
  name or text that identifies them one to one, and a category that the
  entity determines (about 80 values); the number of rows of each entity
  follows Zipf(1.1) over the entities, and rows come grouped by entity;
- low-cardinality rating columns (5 to 20 values, Zipf(1.2));
- high-cardinality columns: user names (about rows / 6 distinct values,
  Zipf) and timestamps (about rows / 8 distinct values);
- movies, bird and pdmx also have a long free-text column, nearly unique,
  and about 2% missing values (empty fields).

Values are written as pandas writes them back (plain integers, Python's
float repr, True/False), with pandas' quoting (a field with a comma, a
quote or a newline is quoted, quotes doubled), and no value that
pandas.read_csv would read as missing other than the empty field. The
merge groups of each family are in data/merges.tsv (written too).

--check regenerates everything in memory and compares it with the files on
disk: exit 0 when they are identical, 1 otherwise. Python 3 standard
library only.
"""
import argparse
import bisect
import math
import os
import sys

HERE = os.path.dirname(os.path.abspath(__file__))
DATA = os.path.join(os.path.dirname(HERE), "data")
MASK = (1 << 64) - 1

FAMILIES = ["movies", "beer", "bird", "pdmx", "products"]
MERGES = {
    "movies": [["movieinfo", "movietitle", "rottentomatoeslink"]],
    "beer": [["beer/beerId", "beer/name"]],
    "bird": [["PostId", "Body"]],
    "pdmx": [["path", "metadata"],
             ["hasmetadata", "isofficial", "isuserpublisher", "isdraft",
              "hasannotations", "subsetall"]],
    "products": [["product_title", "parent_asin"]],
}
COMMITTED_ROWS = {"movies": 1500, "beer": 2400, "bird": 1500, "pdmx": 1500,
                  "products": 2200}


class Rng:
    def __init__(self, seed):
        self.state = seed & MASK

    def next(self):
        self.state = (self.state + 0x9E3779B97F4A7C15) & MASK
        z = self.state
        z = ((z ^ (z >> 30)) * 0xBF58476D1CE4E5B9) & MASK
        z = ((z ^ (z >> 27)) * 0x94D049BB133111EB) & MASK
        return z ^ (z >> 31)

    def uniform(self):
        return (self.next() >> 11) * (1.0 / (1 << 53))

    def below(self, k):
        return int(self.uniform() * k)

    def pick(self, items):
        return items[self.below(len(items))]


class Zipf:
    def __init__(self, k, s):
        self.cdf = []
        total = 0.0
        for i in range(k):
            total += 1.0 / (i + 1) ** s
            self.cdf.append(total)

    def draw(self, rng):
        i = bisect.bisect_right(self.cdf, rng.uniform() * self.cdf[-1])
        return min(i, len(self.cdf) - 1)


SYLLABLES = ["ka", "lo", "mi", "ter", "an", "sol", "ri", "ve", "dor", "ne",
             "bal", "qu", "is", "to", "ren", "ma", "th", "el", "or", "un",
             "pra", "cy", "ge", "mon", "sta", "li", "vo", "ha", "ber", "ex"]


class Words:
    """A made-up vocabulary, used by Zipf frequency."""

    def __init__(self, rng, size=1500):
        seen, self.words = set(), []
        while len(self.words) < size:
            w = "".join(rng.pick(SYLLABLES) for _ in range(1 + rng.below(3)))
            if w not in seen:
                seen.add(w)
                self.words.append(w)
        self.zipf = Zipf(size, 1.05)

    def word(self, rng):
        return self.words[self.zipf.draw(rng)]

    def text(self, rng, lo, hi, title=False):
        """Words up to a length drawn from [lo, hi], with punctuation."""
        target = lo + rng.below(hi - lo + 1)
        out = []
        length = 0
        while length < target:
            w = self.word(rng)
            if title:
                w = w.capitalize()
            elif not out or out[-1].endswith("."):
                w = w.capitalize()
            r = rng.uniform()
            if not title and r < 0.08:
                w += ","
            elif not title and r < 0.14:
                w += "."
            out.append(w)
            length += len(w) + 1
        s = " ".join(out)
        return s if title or s.endswith(".") else s + "."


def names(rng, words, count, title=True, lo=25, hi=70):
    """`count` distinct long names."""
    seen, out = set(), []
    while len(out) < count:
        n = words.text(rng, lo, hi, title=title)
        if n not in seen:
            seen.add(n)
            out.append(n)
    return out


def users(rng, words, count):
    seen, out = set(), []
    while len(out) < count:
        u = words.word(rng) + rng.pick(["", "_", "."]) + words.word(rng)
        if rng.uniform() < 0.4:
            u += str(rng.below(100))
        if u not in seen:
            seen.add(u)
            out.append(u)
    return out


def entity_rows(rng, rows, entities):
    """The entity of every row, grouped: Zipf(1.1) sizes, a random order of
    first appearance, every entity at least once."""
    z = Zipf(entities, 1.1)
    counts = [1] * entities
    for _ in range(rows - entities):
        counts[z.draw(rng)] += 1
    order = list(range(entities))
    for i in range(entities - 1, 0, -1):  # Fisher-Yates
        j = rng.below(i + 1)
        order[i], order[j] = order[j], order[i]
    out = []
    for e in order:
        out.extend([e] * counts[e])
    return out


def rating(rng, zipf, values):
    return values[zipf.draw(rng)]


def timestamps(rng, count, start, step):
    return sorted({start + rng.below(step * count * 4) for _ in range(count)})


def generate(family, seed, rows):
    rng = Rng(seed * 1000003 + FAMILIES.index(family) + 1)
    words = Words(rng)
    n_ent = max(2, rows // 8)
    ent = entity_rows(rng, rows, n_ent)
    cats = names(rng, words, 80, lo=6, hi=22)
    ent_cat = [rng.below(len(cats)) for _ in range(n_ent)]
    people = users(rng, words, max(2, rows // 6))
    pz = Zipf(len(people), 1.0)
    times = timestamps(rng, max(2, rows // 8), 1100000000, 86400)
    tz = Zipf(len(times), 0.6)

    def person():
        return people[pz.draw(rng)]

    def when():
        return times[tz.draw(rng)]

    def day(t):
        # days since 1970-01-01 as a proleptic Gregorian date
        d = t // 86400 + 719468
        era = d // 146097
        doe = d - era * 146097
        yoe = (doe - doe // 1460 + doe // 36524 - doe // 146096) // 365
        doy = doe - (365 * yoe + yoe // 4 - yoe // 100)
        mp = (5 * doy + 2) // 153
        dd = doy - (153 * mp + 2) // 5 + 1
        mm = mp + 3 if mp < 10 else mp - 9
        yy = yoe + era * 400 + (1 if mm <= 2 else 0)
        return "%04d-%02d-%02d" % (yy, mm, dd)

    def maybe(value):
        return "" if rng.uniform() < 0.02 else value

    r20, r10, r5 = Zipf(20, 1.2), Zipf(10, 1.2), Zipf(5, 1.2)
    if family == "movies":
        header = ["movietitle", "rottentomatoeslink", "movieinfo", "genre",
                  "criticname", "topcritic", "reviewdate", "reviewtype",
                  "reviewscore", "reviewcontent"]
        titles = names(rng, words, n_ent)
        infos = [words.text(rng, 40, 160) for _ in range(n_ent)]
        scores = ["%d/5" % k for k in (3, 4, 2, 5, 1)] + \
                 ["B", "A-", "B+", "C", "3.5/5", "2.5/5", "A", "C+", "B-", "D"]
        sz = Zipf(len(scores), 1.2)
        out = []
        for e in ent:
            link = "m/" + titles[e].lower().replace(" ", "_")[:40]
            out.append([titles[e], link, infos[e], cats[ent_cat[e]], person(),
                        rng.pick(["False", "False", "True"]), day(when()),
                        rng.pick(["Fresh", "Fresh", "Rotten"]),
                        maybe(scores[sz.draw(rng)]),
                        maybe(words.text(rng, 20, 90))])
    elif family == "beer":
        header = ["review/profileName", "review/time", "review/overall",
                  "review/taste", "review/palate", "review/appearance",
                  "beer/name", "beer/style", "beer/beerId"]
        beers = names(rng, words, n_ent)
        ids = set()
        while len(ids) < n_ent:
            ids.add(1 + rng.below(90000))
        ids = [str(i) for i in ids]
        for i in range(n_ent - 1, 0, -1):  # Fisher-Yates
            j = rng.below(i + 1)
            ids[i], ids[j] = ids[j], ids[i]
        overall = [14, 13, 15, 12, 16, 17, 11, 10, 18, 9, 8, 19, 7, 6, 20, 5, 4, 3, 2, 1]
        taste = [7, 8, 6, 9, 5, 4, 10, 3, 2, 1]
        five = [4, 3, 5, 2, 1]
        out = []
        for e in ent:
            out.append([person(), str(when()),
                        "%d/20" % rating(rng, r20, overall),
                        "%d/10" % rating(rng, r10, taste),
                        "%d/5" % rating(rng, r5, five),
                        "%d/5" % rating(rng, r5, five),
                        beers[e], cats[ent_cat[e]], ids[e]])
    elif family == "bird":
        header = ["Id", "PostId", "Score", "Text", "CreationDate",
                  "UserDisplayName", "Body", "Tags"]
        bodies = names(rng, words, n_ent, title=False, lo=50, hi=160)
        post_ids = [1000 + 7 * i + rng.below(7) for i in range(n_ent)]
        s6 = Zipf(12, 1.3)
        out = []
        for i, e in enumerate(ent):
            t = when()
            out.append([str(50000 + i), str(post_ids[e]), str(s6.draw(rng)),
                        maybe(words.text(rng, 20, 80)),
                        "%s %02d:%02d:%02d.0" % (day(t), t % 24, t % 60, t % 59),
                        person(), bodies[e],
                        "<" + cats[ent_cat[e]].lower().replace(" ", "-") + ">"])
    elif family == "pdmx":
        header = ["path", "metadata", "title", "composername", "genre",
                  "complexity", "nnotes", "rating", "hasmetadata", "isofficial",
                  "isuserpublisher", "isdraft", "hasannotations", "subsetall",
                  "description"]
        titles = names(rng, words, n_ent, lo=10, hi=40)
        composers = users(rng, words, max(2, n_ent // 3))
        ent_comp = [rng.below(len(composers)) for _ in range(n_ent)]
        out = []
        for i, e in enumerate(ent):
            path = "./data/%d/%d/Q%07d.mxl" % (i % 10, (i // 10) % 10, 10 * i + e % 10)
            meta = path.replace("./data/", "./metadata/").replace(".mxl", ".json")
            flags = ["True" if rng.uniform() < p else "False"
                     for p in (0.9, 0.1, 0.3, 0.05, 0.2, 0.6)]
            if i < 2:  # every flag takes both values
                flags = ["True"] * 6 if i == 0 else ["False"] * 6
            out.append([path, meta, titles[e], composers[ent_comp[e]],
                        cats[ent_cat[e]], repr(round(1 + rng.below(30) / 10, 1)),
                        str(50 + rng.below(3000)),
                        repr(round(3 + r20.draw(rng) / 10, 1)), *flags,
                        maybe(words.text(rng, 20, 80))])
    else:  # products
        header = ["parent_asin", "main_category", "store", "average_rating",
                  "rating_number", "price", "user_id", "timestamp", "rating",
                  "helpful_vote", "product_title"]
        titles = names(rng, words, n_ent)
        alnum = "ABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789"
        asins = ["B0" + "".join(rng.pick(alnum) for _ in range(8)) for _ in range(n_ent)]
        stores = users(rng, words, max(2, n_ent // 4))
        ent_store = [rng.below(len(stores)) for _ in range(n_ent)]
        avg = [repr(round(2.5 + rng.below(26) / 10, 1)) for _ in range(n_ent)]
        price = [repr(round(1 + rng.below(20000) / 100, 2)) for _ in range(n_ent)]
        count = [str(1 + rng.below(5000)) for _ in range(n_ent)]
        votes = Zipf(8, 1.5)
        out = []
        for e in ent:
            out.append([asins[e], cats[ent_cat[e] % 30], stores[ent_store[e]],
                        avg[e], count[e], price[e], person(),
                        str(when() * 1000), repr(float(5 - r5.draw(rng))),
                        str(votes.draw(rng)), titles[e]])
    return header, out


def csv_field(v):
    if any(c in v for c in ',"\n\r'):
        return '"' + v.replace('"', '""') + '"'
    return v


def render(header, rows):
    lines = [",".join(csv_field(h) for h in header)]
    lines += [",".join(csv_field(v) for v in row) for row in rows]
    return "\n".join(lines) + "\n"


def merges_text():
    lines = ["# The column merges of each table (the leaderboard's col_merge):",
             "# table<TAB>group;group, each group's columns separated by ','."]
    for family in FAMILIES:
        lines.append("%s.csv\t%s" % (family, ";".join(",".join(g) for g in MERGES[family])))
    return "\n".join(lines) + "\n"


def committed():
    files = {"merges.tsv": merges_text()}
    for seed, side in ((1, "train"), (2, "test")):
        for family in FAMILIES:
            files["%s/%s.csv" % (side, family)] = render(
                *generate(family, seed, COMMITTED_ROWS[family]))
    return files


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--check", action="store_true",
                    help="compare with the committed files instead of writing")
    ap.add_argument("--family", choices=FAMILIES)
    ap.add_argument("--seed", type=int)
    ap.add_argument("--rows", type=int)
    ap.add_argument("-o", dest="output")
    args = ap.parse_args()
    if args.family or args.output:
        if not (args.family and args.seed is not None and args.rows and args.output):
            ap.error("one table needs --family, --seed, --rows and -o")
        if args.rows < 16:
            ap.error("--rows must be at least 16")
        with open(args.output, "w", encoding="utf-8", newline="") as f:
            f.write(render(*generate(args.family, args.seed, args.rows)))
        return 0
    differ = []
    for rel, text in committed().items():
        path = os.path.join(DATA, rel)
        if args.check:
            try:
                with open(path, encoding="utf-8", newline="") as f:
                    same = f.read() == text
            except OSError:
                same = False
            if not same:
                differ.append(rel)
        else:
            os.makedirs(os.path.dirname(path), exist_ok=True)
            with open(path, "w", encoding="utf-8", newline="") as f:
                f.write(text)
    if differ:
        print("differ from what tools/make_tables.py writes: " + ", ".join(differ),
              file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
