"""Prints a reply that rewrites a region with the region of FILE (the
lines between its EVOLVE-BLOCK markers), as a fenced code block."""
import sys

lines = open(sys.argv[1]).read().split("\n")
inside = False
body = []
for line in lines:
    if "EVOLVE-BLOCK-END" in line:
        inside = False
    if inside:
        body.append(line)
    if "EVOLVE-BLOCK-START" in line:
        inside = True
print("```cpp")
print("\n".join(body))
print("```")
