#!/usr/bin/env python3
"""Where the parents of a run's candidates came from, for the steering
tests.

    lineage.py subtree DB ROOT --from ID
        Every candidate from #ID on has its parent in the subtree of #ROOT
        (ROOT itself or a descendant of it). Prints "from #ID: N candidates,
        every parent in #ROOT's subtree: yes|no (...)".
    lineage.py children DB PARENT --pin
        The candidates that finished after the run took its pin of #PARENT
        and whose parent is #PARENT. Prints "after the pin of #PARENT: N
        children".
"""
import json
import sqlite3
import sys

mode, path, subject = sys.argv[1], sys.argv[2], int(sys.argv[3])
if path.endswith("/") or not path.endswith(".db"):
    path = path.rstrip("/") + "/run.db"
db = sqlite3.connect("file:%s?mode=ro" % path, uri=True)
rows = db.execute("SELECT id, seq, parents FROM candidates ORDER BY seq").fetchall()
parent = {i: (json.loads(p) or [None])[0] for i, s, p in rows}

if mode == "subtree":
    first = int(sys.argv[sys.argv.index("--from") + 1])
    inside = {subject}
    outside = []
    for i, s, p in rows:
        if parent[i] in inside:
            inside.add(i)
        elif i >= first:
            outside.append("#%d from #%s" % (i, parent[i]))
    n = sum(1 for i, s, p in rows if i >= first)
    print("from #%d: %d candidates, every parent in #%d's subtree: %s"
          % (first, n, subject, "no (%s)" % ", ".join(outside) if outside
             else "yes"))
elif mode == "children":
    taken = db.execute("SELECT applied_after FROM steering WHERE kind = 'pin' "
                       "AND undo = 0 AND subject = ?", (subject,)).fetchone()
    if not taken or taken[0] is None:
        print("the pin of #%d was not taken" % subject)
        sys.exit(1)
    n = sum(1 for i, s, p in rows if s > taken[0] and parent[i] == subject)
    print("after the pin of #%d: %d children" % (subject, n))
else:
    sys.exit(__doc__)
