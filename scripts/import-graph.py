#!/usr/bin/env python3
"""The shape of sigil-runtime's imports: floors, circles and the largest files.

    python3 scripts/import-graph.py [SRC_DIR]

An edge goes from a file to the file that defines each name it takes with `use crate::…` or
`use super::…`, or names in place as `crate::a::b` (a name re-exported by a `mod.rs` resolves to the child file that defines it).
`mod.rs` files that only declare and re-export are not nodes. Prints:
- floors: the longest chain of top-level modules, each importing the next (a module's floor is
  one more than the highest floor it imports);
- circles: groups of files that import each other (strongly connected components);
- the ten largest files by lines.
"""

import os
import re
import sys
from collections import defaultdict

SRC = sys.argv[1] if len(sys.argv) > 1 else "sigil-runtime/src"

USE_RE = re.compile(r"^\s*(?:pub(?:\([^)]*\))?\s+)?use\s+((?:crate|super|self)(?:::[^;]+));", re.M | re.S)
INLINE_RE = re.compile(r"\b((?:crate|super)(?:::[A-Za-z_][A-Za-z0-9_]*)+)")
DEF_RE = re.compile(
    r"^\s*(?:pub(?:\([^)]*\))?\s+)?(?:async\s+)?(?:unsafe\s+)?"
    r"(?:struct|enum|fn|trait|type|const|static|union)\s+([A-Za-z_][A-Za-z0-9_]*)",
    re.M,
)


def module_path(rel):
    """`identity/oidc/config.rs` -> ['identity', 'oidc', 'config']."""
    parts = rel[:-3].split("/")
    if parts[-1] in ("mod", "lib"):
        parts = parts[:-1]
    return parts


def strip_comments(text):
    return re.sub(r"//[^\n]*", "", text)


def expand(tree):
    """`a::{b, c::{d, e}}` -> ['a::b', 'a::c::d', 'a::c::e']."""
    tree = re.sub(r"\s+", "", re.sub(r"\s+as\s+\w+", "", tree))
    out = []

    def walk(prefix, s):
        if "{" not in s:
            for item in split_top(s):
                out.append(prefix + item)
            return
        i = s.index("{")
        head = s[:i]
        inner = s[i + 1 : match_brace(s, i)]
        for part in split_top(inner):
            walk(prefix + head, part)

    walk("", tree)
    return out


def match_brace(s, i):
    depth = 0
    for j in range(i, len(s)):
        if s[j] == "{":
            depth += 1
        elif s[j] == "}":
            depth -= 1
            if depth == 0:
                return j
    return len(s)


def split_top(s):
    parts, depth, cur = [], 0, ""
    for ch in s:
        if ch == "{":
            depth += 1
        elif ch == "}":
            depth -= 1
        if ch == "," and depth == 0:
            parts.append(cur)
            cur = ""
        else:
            cur += ch
    if cur:
        parts.append(cur)
    return [p for p in parts if p]


def main():
    files = {}
    for root, _, names in os.walk(SRC):
        for n in names:
            if n.endswith(".rs"):
                full = os.path.join(root, n)
                rel = os.path.relpath(full, SRC).replace(os.sep, "/")
                with open(full, encoding="utf-8") as f:
                    files[rel] = f.read()

    by_path = {tuple(module_path(rel)): rel for rel in files}
    defs = defaultdict(set)  # module path tuple -> names defined in that file
    for rel, text in files.items():
        # Only the file's own items, not those of its inline test module.
        body = strip_comments(text).split("#[cfg(test)]")[0]
        for name in DEF_RE.findall(body):
            defs[tuple(module_path(rel))].add(name)

    def resolve(path_parts):
        """The file defining the item at this module path, or the deepest module file."""
        for k in range(len(path_parts), 0, -1):
            mod = tuple(path_parts[:k])
            if mod in by_path:
                rest = path_parts[k:]
                if not rest:
                    return by_path[mod]
                name = rest[0]
                if name in defs.get(mod, ()) or name in ("self", "*"):
                    return by_path[mod]
                # A re-export: look for the child that defines it.
                for child, rel in by_path.items():
                    if len(child) > len(mod) and child[: len(mod)] == mod and name in defs[child]:
                        return rel
                child = mod + (name,)
                if child in by_path:
                    return by_path[child]
                return by_path[mod]
        return None

    edges = defaultdict(set)
    for rel, text in files.items():
        here = module_path(rel)
        body = strip_comments(text).split("#[cfg(test)]")[0]
        inline = [m for m in INLINE_RE.findall(USE_RE.sub("", body))]
        for tree in USE_RE.findall(body) + inline:
            for path in expand(tree):
                parts = [p for p in path.split("::") if p]
                if parts[0] == "self":
                    parts = list(here) + parts[1:]
                elif parts[0] == "crate":
                    parts = parts[1:]
                else:
                    base = list(here)
                    while parts and parts[0] == "super":
                        parts = parts[1:]
                        base = base[:-1]
                    parts = base + parts
                target = resolve(parts)
                if target and target != rel:
                    edges[rel].add(target)

    def is_hub(rel):
        return rel.endswith("mod.rs") or rel == "lib.rs"

    nodes = [r for r in files if not is_hub(r)]

    # Circles: Tarjan over files (hubs excluded as nodes and as targets).
    index, low, on, stack, sccs, counter = {}, {}, set(), [], [], [0]

    def strong(v):
        index[v] = low[v] = counter[0]
        counter[0] += 1
        stack.append(v)
        on.add(v)
        for w in edges[v]:
            if is_hub(w):
                continue
            if w not in index:
                strong(w)
                low[v] = min(low[v], low[w])
            elif w in on:
                low[v] = min(low[v], index[w])
        if low[v] == index[v]:
            comp = []
            while True:
                w = stack.pop()
                on.discard(w)
                comp.append(w)
                if w == v:
                    break
            if len(comp) > 1:
                sccs.append(sorted(comp))

    sys.setrecursionlimit(10000)
    for v in nodes:
        if v not in index:
            strong(v)

    # Floors: top-level modules.
    def top(rel):
        return rel.split("/")[0][:-3] if "/" not in rel else rel.split("/")[0]

    mod_edges = defaultdict(set)
    for a, bs in edges.items():
        for b in bs:
            if top(a) != top(b) and top(a) != "lib" and top(b) != "lib":
                mod_edges[top(a)].add(top(b))
    mods = sorted({top(r) for r in files} - {"lib"})
    floor, chain, visiting = {}, {}, set()

    def height(m):
        if m in floor:
            return floor[m]
        if m in visiting:
            return 0  # a circle between modules; reported below
        visiting.add(m)
        best, via = 0, None
        for n in mod_edges[m]:
            h = height(n)
            if h > best:
                best, via = h, n
        visiting.discard(m)
        floor[m], chain[m] = best + 1, via
        return floor[m]

    for m in mods:
        height(m)
    top_mod = max(mods, key=lambda m: floor[m])
    path, m = [], top_mod
    while m:
        path.append(m)
        m = chain[m]
    print(f"floors: {floor[top_mod]} ({' -> '.join(path)})")
    for m in sorted(mods, key=lambda m: (floor[m], m)):
        print(f"  {floor[m]} {m}: imports {', '.join(sorted(mod_edges[m])) or '-'}")
    module_circles = [(a, b) for a in mods for b in mod_edges[a] if a in mod_edges[b] and a < b]
    if module_circles:
        print("module circles: " + ", ".join(f"{a} <-> {b}" for a, b in module_circles))
    print(f"file circles: {len(sccs)}")
    for comp in sccs:
        print(f"  {len(comp)} files: {', '.join(comp)}")
    sizes = sorted(((t.count(chr(10)), r) for r, t in files.items()), reverse=True)[:10]
    print("largest files:")
    for n, r in sizes:
        print(f"  {n:5} {r}")


if __name__ == "__main__":
    main()
