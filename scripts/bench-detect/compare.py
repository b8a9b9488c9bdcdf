#!/usr/bin/env python3
"""Match-for-match comparison of kexin detect and rsigma on the benchmark sets.

Usage: compare.py OUTDIR RULES SET…  (run by run.sh after the timed runs)

rsigma is run again with --include-event (untimed) so that each of its
matches can be tied to an input line; kexin's JSON output names the input
line itself. A match is the pair (rule id, input line). Differences are
listed per rule with the rule's logsource and one sample event, which is
what explains most of them: kexin evaluates an event only against the rules
of its logsource, rsigma against every rule.
"""
import collections, json, os, re, subprocess, sys

out, rules_dir, sets = sys.argv[1], sys.argv[2], sys.argv[3:]
rsigma = os.environ.get("RSIGMA") or "rsigma"
inputs = {"windows": ("windows.ndjson", "windows.ndjson", ["-p", "sysmon"]),
          "cloudtrail": ("cloudtrail.ndjson", "cloudtrail.ndjson", []),
          "mixed": ("mixed.ndjson", "mixed.ndjson", ["-p", "sysmon"]),
          "sshd": ("sshd.log", "sshd.ndjson", [])}


def rule_logsources():
    found = {}
    for root, _, files in os.walk(rules_dir):
        for f in files:
            if not f.endswith((".yml", ".yaml")):
                continue
            text = open(os.path.join(root, f), encoding="utf-8", errors="replace").read()
            m = re.search(r"^id:\s*(\S+)", text, re.M)
            ls = re.search(r"^logsource:\s*\n((?:[ \t]+.*\n)+)", text, re.M)
            if m:
                parts = dict(re.findall(r"^\s+(product|category|service):\s*(\S+)", ls.group(1), re.M)) if ls else {}
                found[m.group(1).strip("'\"")] = "/".join(f"{k}={v}" for k, v in sorted(parts.items()))
    return found


def canon(line):
    return json.dumps(json.loads(line), sort_keys=True, separators=(",", ":"))


logsources = rule_logsources()
total_k = total_r = total_both = 0
for name in sets:
    kin, rin, rargs = inputs[name]
    rlines = open(os.path.join(out, "events", rin), encoding="utf-8").read().splitlines()
    by_event = collections.defaultdict(list)
    for i, l in enumerate(rlines, 1):
        by_event[canon(l)].append(i)
    kexin = collections.Counter()
    for l in open(os.path.join(out, f"kexin-{name}.ndjson"), encoding="utf-8"):
        m = json.loads(l)
        if m.get("kind") != "match":
            continue
        line_no = int(m["input"].rsplit(":", 1)[1])
        kexin[(m["match"].get("rule_id"), line_no)] += 1
    proc = subprocess.run([rsigma, "engine", "eval", "-r", rules_dir, *rargs, "--include-event", "-q",
                           "-e", "@" + os.path.join(out, "events", rin)], capture_output=True, text=True, check=True)
    rs = collections.Counter()
    for l in proc.stdout.splitlines():
        m = json.loads(l)
        lines = by_event.get(json.dumps(m["event"], sort_keys=True, separators=(",", ":")), [])
        for line_no in lines:  # identical events: the match holds for each copy
            rs[(m.get("rule_id"), line_no)] += 1
        # rsigma emits one match per copy too; normalise to set semantics below
    kset, rset = set(kexin), set(rs)
    both = kset & rset
    total_k += len(kset); total_r += len(rset); total_both += len(both)
    print(f"\n## {name}: kexin {len(kset)} matches, rsigma {len(rset)}, both {len(both)}")
    for label, only in (("only kexin", kset - rset), ("only rsigma", rset - kset)):
        per_rule = collections.Counter(r for r, _ in only)
        for rule, count in per_rule.most_common():
            sample = min(l for r, l in only if r == rule)
            print(f"- {label}: {count} × rule {rule} ({logsources.get(rule, '?')}); e.g. line {sample}: {rlines[sample - 1][:160]}")
print(f"\nall sets: kexin {total_k}, rsigma {total_r}, in both {total_both}")
