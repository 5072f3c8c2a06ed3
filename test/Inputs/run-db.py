"""Reads an adrsc run database (DIR/run.db) for the tests.

    run-db.py integrity DB
    run-db.py query DB SQL
    run-db.py dump DB
    run-db.py check-strategy random|greedy|feedback|tree|islands DB [options]

DB is a run.db file or a run directory. Every subcommand opens the database
read-only, prints what it found and exits 1 on a failed check, with the
reason on stdout (so that FileCheck shows it).

integrity       PRAGMA integrity_check, plus the invariants of the tables:
                exactly one baseline (id 0, no parents, the first by seq),
                seq values 1..N without gaps, every parent an earlier
                candidate, no candidate also pending. Prints
                "OK integrity, <n> candidates, <p> pending".
query           Runs SQL and prints each row as values joined by '|' (NULL
                as 'NULL'), like the sqlite3 shell.
dump            One line per candidate in id order: id, parents, operator,
                description, status and score, the fields that must not
                change between two runs of the same seed with -j1.
check-strategy  Replays the candidates in completion (seq) order and checks
                the property that defines the strategy; prints
                "OK <strategy>: <n> candidates" or the first violation.

  random    every candidate's parents are [0], the baseline.
  greedy,   every candidate's parent is the best scored candidate that
  feedback  finished before it (search::better: feasible first, then the
            higher score, then the lower id; scored = status ok or
            infeasible with a score), and the parents never get worse.
            With --jobs N > 1 proposals overlap, so the parent need only
            have been the best at some point before the candidate finished.
  tree      every parent is a scored candidate that finished earlier; some
            candidate descends from a candidate other than the baseline;
            and, with --jobs 1 (the default), progressive widening holds
            at every proposal: the walk from the root stops at the parent,
            which had no scorable child or fewer children than
            ceil(sqrt(visits + 1)), and goes through every proper ancestor,
            each of which had a scorable child and at least that many
            children (visits of a node: 1, or 0 for the root, plus all its
            descendants so far). --exact also replays the UCB1 choice of
            child with the rewards as documented in lib/Search/Strategy.cpp
            (--ucb C, default sqrt(2)) and requires the same parent.
  islands   --islands K --migrate-every M: candidate i works on island
            i mod K (with --bandit-floor F instead: each island gets at
            least F/K of the proposals, less --jobs, and the choice is not
            that round robin) and all K islands are used; the migration
            events are
            exactly one per M finished candidates other than the baseline
            ("after M candidates: ...", "after 2M candidates: ...", in
            order), each naming the K moves of the ring.
"""
import argparse
import json
import math
import os
import sqlite3
import sys
import urllib.parse

INF = float("inf")


def connect(path):
    if os.path.isdir(path):
        path = os.path.join(path, "run.db")
    if not os.path.exists(path):
        fail("no database at '%s'" % path)
    uri = "file:%s?mode=ro" % urllib.parse.quote(os.path.abspath(path))
    return sqlite3.connect(uri, uri=True)


def fail(message):
    print("FAIL: " + message)
    sys.exit(1)


class Candidate:
    def __init__(self, row):
        (self.id, self.seq, parents, self.island, self.operator,
         self.description, self.status, self.feasible, self.score) = row
        self.parents = json.loads(parents)
        self.feasible = bool(self.feasible)

    def scored(self):
        return self.status in ("ok", "infeasible") and self.score is not None

    def key(self):
        """Larger is better: search::better as a sort key."""
        return (self.feasible, self.score if self.score is not None else -INF,
                -self.id)

    def __repr__(self):
        return "#%d (seq %d, %s, score %s%s)" % (
            self.id, self.seq, self.status, self.score,
            "" if self.feasible else ", infeasible")


def candidates(db):
    rows = db.execute(
        "SELECT id, seq, parents, island, operator, description, status, "
        "feasible, score FROM candidates ORDER BY seq").fetchall()
    return [Candidate(r) for r in rows]


def cmd_integrity(args):
    db = connect(args.db)
    result = [r[0] for r in db.execute("PRAGMA integrity_check")]
    if result != ["ok"]:
        fail("integrity_check: " + "; ".join(result))
    cands = candidates(db)
    if not cands:
        fail("no candidates")
    base = cands[0]
    if base.id != 0 or base.parents != []:
        fail("the first candidate by seq is %r, not the baseline" % base)
    if sum(1 for c in cands if c.id == 0) != 1:
        fail("more than one baseline")
    seqs = [c.seq for c in cands]
    if seqs != list(range(1, len(cands) + 1)):
        fail("seq is not 1..%d: %s" % (len(cands), seqs))
    done = {}
    for c in cands:
        for p in c.parents:
            if p not in done:
                fail("%r has parent #%d, which did not finish before it"
                     % (c, p))
        done[c.id] = c
    pending = [r[0] for r in db.execute("SELECT id FROM pending")]
    both = sorted(set(pending) & set(done))
    if both:
        fail("candidates both finished and pending: %s" % both)
    print("OK integrity, %d candidates, %d pending" % (len(cands),
                                                        len(pending)))


def cmd_query(args):
    db = connect(args.db)
    for row in db.execute(args.sql):
        print("|".join("NULL" if v is None else str(v) for v in row))


def cmd_dump(args):
    db = connect(args.db)
    for c in sorted(candidates(db), key=lambda c: c.id):
        print("%d %s %s [%s] %s %r" % (c.id, json.dumps(c.parents), c.operator,
                                      c.description, c.status, c.score))


def check_random(cands, args):
    for c in cands[1:]:
        if c.parents != [0]:
            fail("%r has parents %s, not [0]" % (c, c.parents))


def check_greedy(cands, args):
    best = None
    history = set()  # every candidate that was the best at some point
    last_parent = None
    for c in cands:
        if c.id != 0:
            if len(c.parents) != 1:
                fail("%r has parents %s, not one" % (c, c.parents))
            p = c.parents[0]
            if args.jobs == 1 and p != best.id:
                fail("%r has parent #%d, but the best before it was %r"
                     % (c, p, best))
            if p not in history:
                fail("%r has parent #%d, which was never the best" % (c, p))
            parent = by_id[p]
            if last_parent is not None and args.jobs == 1 and \
                    parent.key()[:2] < last_parent.key()[:2]:
                fail("the parent of %r, %r, is worse than the previous "
                     "parent %r" % (c, parent, last_parent))
            last_parent = parent
        if c.scored() and (best is None or c.key() > best.key()):
            best = c
            history.add(c.id)
    if best is None or best.id == 0:
        fail("the search never improved on the baseline")


class Node:
    def __init__(self):
        self.parent = -1
        self.children = []
        self.visits = 0.0
        self.reward = 0.0
        self.score = None
        self.feasible = False
        self.scorable = False


def reward(c, parent_score, parent_feasible):
    """The reward of lib/Search/Strategy.cpp's Tree, as its comment states
    it: 1 when the candidate beats its parent, 0.5 when it equals it, 0.2
    when it runs but is worse, 0 when it fails."""
    if not c.scored():
        return 0.0
    if c.feasible and not parent_feasible:
        return 1.0
    if not c.feasible and parent_feasible:
        return 0.1
    p = parent_score if parent_score is not None else -INF
    if c.score > p:
        return 1.0
    if c.score == p:
        return 0.5
    return 0.2


def check_tree(cands, args):
    nodes = {}
    descends = False

    def widen(n):
        """The walk stops at n (n is expanded)."""
        node = nodes[n]
        has_open = any(nodes[ch].scorable for ch in node.children)
        return (not has_open or
                len(node.children) < math.ceil(math.sqrt(node.visits + 1)))

    def walk():
        n = 0
        path = [0]
        while not widen(n):
            node = nodes[n]
            best_value, choice = -1.0, None
            for ch in node.children:
                s = nodes[ch]
                if not s.scorable:
                    continue
                if choice is None:
                    choice = ch
                v = s.visits
                value = INF if v == 0 else (
                    s.reward / v + args.ucb * math.sqrt(math.log(node.visits) / v))
                if value > best_value:
                    best_value, choice = value, ch
            n = choice
            path.append(n)
        return path

    for c in cands:
        if c.id == 0:
            nodes[0] = Node()
            nodes[0].scorable = c.scored()
            # A child of the baseline is compared with the baseline.
            nodes[0].score = c.score
            nodes[0].feasible = c.feasible
            continue
        if len(c.parents) != 1:
            fail("%r has parents %s, not one" % (c, c.parents))
        p = c.parents[0]
        if p not in nodes:
            fail("%r has parent #%d, which did not finish before it" % (c, p))
        if not nodes[p].scorable:
            fail("%r has parent #%d, which was not scored" % (c, p))
        descends |= p != 0
        if args.jobs == 1:
            # The path from the root to the parent.
            path, a = [], p
            while a >= 0:
                path.append(a)
                a = nodes[a].parent
            path.reverse()
            if not widen(p):
                node = nodes[p]
                fail("%r was proposed from #%d, which already had %d children "
                     "for %g visits (progressive widening allows fewer than "
                     "%d)" % (c, p, len(node.children), node.visits,
                              math.ceil(math.sqrt(node.visits + 1))))
            for a in path[:-1]:
                if widen(a):
                    fail("%r was proposed from #%d, but the walk stops at its "
                         "ancestor #%d (%d children, %g visits)"
                         % (c, p, a, len(nodes[a].children), nodes[a].visits))
            if args.exact:
                expect = walk()
                if expect[-1] != p:
                    fail("%r was proposed from #%d; UCB1 chooses #%d (path %s)"
                         % (c, p, expect[-1], expect))
        # Tree::add.
        n = nodes.setdefault(c.id, Node())
        n.scorable = c.scored()
        parent = nodes[p]
        parent.children.append(c.id)
        n.parent = p
        r = reward(c, parent.score, parent.feasible)
        n.score = c.score
        n.feasible = c.feasible
        n.visits = 1.0
        n.reward = r
        a = p
        while a >= 0:
            nodes[a].visits += 1
            nodes[a].reward += r
            a = nodes[a].parent
    if not descends:
        fail("no candidate descends from a candidate other than the baseline")


def check_islands(cands, events, args):
    if not args.islands or not args.migrate_every:
        fail("check-strategy islands needs --islands and --migrate-every")
    used = set()
    counts = [0] * args.islands
    round_robin = True
    for c in cands[1:]:
        if c.island != c.id % args.islands:
            if args.bandit_floor is None:
                fail("%r works on island %d, not %d" % (c, c.island,
                                                        c.id % args.islands))
            round_robin = False
        used.add(c.island)
        counts[c.island] += 1
    if used != set(range(args.islands)):
        fail("islands used: %s" % sorted(used))
    n = len(cands) - 1
    if args.bandit_floor is not None:
        # Each island keeps its floor share (less what was in flight), and
        # the bandit chose: not the plain round robin.
        least = args.bandit_floor * n / args.islands - args.jobs
        for k, count in enumerate(counts):
            if count < least:
                fail("island %d got %d of %d proposals, below its floor %.1f"
                     % (k, count, n, least))
        if round_robin:
            fail("every candidate works on island id mod %d: no bandit"
                 % args.islands)
    migrations = [d for k, d in events if k == "migration"]
    want = n // args.migrate_every
    if len(migrations) != want:
        fail("%d migration events for %d candidates, expected %d: %s"
             % (len(migrations), n, want, migrations))
    for i, d in enumerate(migrations):
        head = "after %d candidates:" % ((i + 1) * args.migrate_every)
        if not d.startswith(head):
            fail("migration %d says '%s', expected it to start with '%s'"
                 % (i + 1, d, head))
        for k in range(args.islands):
            move = "island %d -> %d" % (k, (k + 1) % args.islands)
            if move not in d:
                fail("migration %d does not mention '%s': %s" % (i + 1, move, d))


def cmd_check_strategy(args):
    global by_id
    db = connect(args.db)
    cands = candidates(db)
    if not cands or cands[0].id != 0:
        fail("the first candidate is not the baseline")
    by_id = {c.id: c for c in cands}
    if args.strategy == "random":
        check_random(cands, args)
    elif args.strategy in ("greedy", "feedback"):
        check_greedy(cands, args)
    elif args.strategy == "tree":
        check_tree(cands, args)
    else:
        events = db.execute(
            "SELECT kind, detail FROM events ORDER BY id").fetchall()
        check_islands(cands, events, args)
    print("OK %s: %d candidates" % (args.strategy, len(cands) - 1))


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    sub = ap.add_subparsers(dest="command", required=True)
    p = sub.add_parser("integrity")
    p.add_argument("db")
    p = sub.add_parser("query")
    p.add_argument("db")
    p.add_argument("sql")
    p = sub.add_parser("dump")
    p.add_argument("db")
    p = sub.add_parser("check-strategy")
    p.add_argument("strategy",
                   choices=["random", "greedy", "feedback", "tree", "islands"])
    p.add_argument("db")
    p.add_argument("--jobs", type=int, default=1)
    p.add_argument("--exact", action="store_true")
    p.add_argument("--ucb", type=float, default=1.41421356237)
    p.add_argument("--islands", type=int)
    p.add_argument("--migrate-every", type=int)
    p.add_argument("--bandit-floor", type=float)
    args = ap.parse_args()
    {"integrity": cmd_integrity, "query": cmd_query, "dump": cmd_dump,
     "check-strategy": cmd_check_strategy}[args.command](args)


by_id = {}
main()
