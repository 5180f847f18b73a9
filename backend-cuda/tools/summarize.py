#!/usr/bin/env python3
"""Summarises a CUDA device check ($OUT of device-run.sh) in one short table, printed last."""
import json
import os
import sys

out = sys.argv[1] if len(sys.argv) > 1 else os.environ.get("OUT", ".")


def load(name):
    try:
        with open(os.path.join(out, name)) as f:
            return json.load(f)
    except Exception as e:
        return {"_missing": str(e)}


print("\n================ CUDA device check summary ================")
dc = load("device_check.json")
if "_missing" in dc:
    print("device check: no result (%s)" % dc["_missing"])
else:
    checks = dc.get("checks", [])
    bad = [c for c in checks if not c.get("passed")]
    print("device: %s" % dc.get("describe"))
    print("SvdqLinear correctness: %d/%d passed%s" % (len(checks) - len(bad), len(checks),
                                                     "" if not bad else "; FAILED: " + "; ".join(
                                                         "%s [%s] %s" % (c["check"], c["path"], c.get("error", c.get("worst", "")))
                                                         for c in bad[:6])))
    tq = load("torch.json")
    base = {}
    for t in tq.get("timings", []) if isinstance(tq, dict) else []:
        base[(t["bench"], t["kernel"])] = t["tops"]
    print("%-30s %-26s %9s %8s | %9s %9s" % ("shape", "kernel", "ms", "TOPS", "torch bf16", "torch i8"))
    for t in dc.get("timings", []):
        if "error" in t:
            print("%-30s ERROR %s" % (t["bench"], t["error"]))
            continue
        b16 = base.get((t["bench"], "bf16 matmul"))
        i8 = base.get((t["bench"], "int8 _int_mm"))
        print("%-30s %-26s %9.3f %8s | %9s %9s" % (
            t["bench"][:30], t["kernel"][:26], t["ms"], "%.1f" % t["tops"] if "tops" in t else "-",
            "%.1f" % b16 if b16 and t["kernel"].startswith(("w4a4", "Svdq")) else "",
            "%.1f" % i8 if i8 and t["kernel"].startswith(("w4a4", "Svdq")) else ""))
    if isinstance(tq, dict) and not tq.get("available", True):
        print("torch baseline: unavailable (%s)" % tq.get("reason"))

tck = load("tck.json")
if "_missing" in tck:
    print("tck: no result (%s)" % tck["_missing"])
else:
    for dev, rep in tck.get("devices", {}).items():
        s = rep.get("summary", {})
        fails = [r for r in rep.get("results", []) if r["status"] != "PASS"]
        byop = {}
        for r in fails:
            byop.setdefault(r["op"], []).append(r)
        print("tck %s: pass %s, fail %s, unsupported %s" % (dev, s.get("pass"), s.get("fail"), s.get("unsupported")))
        for op, rs in sorted(byop.items()):
            print("   %-22s %3d not passing, e.g. %s: %s" % (op, len(rs), rs[0]["case"], (rs[0].get("message") or "")[:160]))

par = load("parity.json")
if "_missing" in par:
    print("parity: no result (%s)" % par["_missing"])
else:
    ok = sum(1 for v in par.values() if v.get("passed"))
    print("golden parity on cuda (--strict): %d/%d cases passed" % (ok, len(par)))
    for name, v in sorted(par.items()):
        if not v.get("passed"):
            worst = [c for c in v.get("checks", []) if not c.get("passed")]
            print("   FAIL %-45s %s" % (name, v.get("error") or "; ".join(
                "%s max_abs=%s rel_l2=%s tol %s" % (c["name"], c.get("max_abs"), c.get("rel_l2"), c.get("tolerance"))
                for c in worst[:2])))
print("===========================================================")
