#!/usr/bin/env python3
"""A stand-in for Bencher's API (POST /v0/run) for bpfgate's upload tests, on 127.0.0.1.

It checks each request against the API as Bencher documents it (https://bencher.dev/docs/api/) (method, path, headers, body; and against
Bencher's OpenAPI schema JsonNewRun when --openapi names the file), answers per --plan, and logs every request
and every report it creates as JSON lines (--log). Reports are idempotent by idempotency_key, as Bencher's are.

--plan: comma-separated answers for the first requests, then 201 for the rest:
  201 | 503 | 429:<seconds> (with Retry-After) | drop (close without an answer) | 401echo (401 whose message
  echoes the Authorization header, as a careless server might)
"""
import argparse, datetime, json, re, signal, sys, uuid
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

# A parent may have started us with signals blocked (the mask is inherited): let SIGTERM and SIGINT in.
signal.pthread_sigmask(signal.SIG_UNBLOCK, {signal.SIGTERM, signal.SIGINT})

p = argparse.ArgumentParser()
p.add_argument("--port-file", required=True)
p.add_argument("--port", type=int, default=0, help="0: any free port")
p.add_argument("--log", required=True)
p.add_argument("--plan", default="")
p.add_argument("--key", help="the API key the requests must carry")
p.add_argument("--alerts", type=int, default=0, help="alerts each report carries")
p.add_argument("--openapi", help="Bencher's openapi.json, to validate the body against JsonNewRun")
args = p.parse_args()

plan = [s for s in args.plan.split(",") if s]
reports = {}  # idempotency key -> uuid
log = open(args.log, "a", buffering=1)


def problems(headers, body, path, method):
    out = []
    if method != "POST" or path != "/v0/run":
        out.append(f"{method} {path}: expected POST /v0/run")
    if not headers.get("content-type", "").startswith("application/json"):
        out.append("Content-Type is not application/json")
    if args.key and headers.get("authorization") != f"Bearer {args.key}":
        out.append("Authorization is not 'Bearer <the key>'")
    if not headers.get("user-agent", "").startswith("bpfgate/"):
        out.append("User-Agent does not name bpfgate")
    try:
        doc = json.loads(body)
    except ValueError:
        return out + ["body is not JSON"]
    if not isinstance(doc, dict):
        return out + ["body is not an object"]
    for k in ("start_time", "end_time"):
        try:
            datetime.datetime.fromisoformat(str(doc.get(k)).replace("Z", "+00:00"))
        except ValueError:
            out.append(f"{k} is not ISO 8601")
    results = doc.get("results")
    if not isinstance(results, list) or not results or not all(isinstance(r, str) for r in results):
        out.append("results is not a non-empty array of strings")
    else:
        for r in results:
            bmf = json.loads(r)
            for name, measures in bmf.items():
                for slug, metric in measures.items():
                    if set(metric) - {"value", "lower_value", "upper_value"} or not isinstance(metric.get("value"), (int, float)):
                        out.append(f"results: {name} {slug} is not a BMF metric")
    if (doc.get("settings") or {}).get("adapter") != "json":
        out.append("settings.adapter is not json")
    try:
        uuid.UUID(str(doc.get("idempotency_key")))
    except ValueError:
        out.append("idempotency_key is not a UUID")
    if "hash" in doc and not re.fullmatch(r"[0-9a-f]{40}", str(doc["hash"])):
        out.append("hash is not a full git hash")
    ctx = doc.get("context", {})
    if not isinstance(ctx, dict) or not all(isinstance(v, str) for v in ctx.values()):
        out.append("context is not a string map")
    for measure, model in ((doc.get("thresholds") or {}).get("models") or {}).items():
        if model.get("test") not in ("static", "percentage", "z_score", "t_test", "log_normal", "iqr", "delta_iqr"):
            out.append(f"thresholds.models.{measure}.test is not a Bencher test")
    if args.openapi:
        from openapi_schema_validator import OAS30Validator
        spec = json.load(open(args.openapi))
        schema = dict(spec["components"]["schemas"]["JsonNewRun"])
        schema["components"] = spec["components"]
        out += [f"JsonNewRun: {e.message}" for e in OAS30Validator(schema).iter_errors(doc)]
    return out


class Handler(BaseHTTPRequestHandler):
    def log_message(self, *a):
        pass

    def answer(self, status, doc, extra=()):
        data = json.dumps(doc).encode()
        self.send_response(status)
        for k, v in extra:
            self.send_header(k, v)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def do_POST(self):
        body = self.rfile.read(int(self.headers.get("Content-Length", 0))).decode()
        headers = {k.lower(): v for k, v in self.headers.items()}
        step = plan.pop(0) if plan else "201"
        entry = {"method": "POST", "path": self.path, "headers": headers, "body": body, "step": step}
        log.write(json.dumps(entry) + "\n")
        if step == "drop":
            self.close_connection = True
            return
        if step == "503":
            return self.answer(503, {"error": "unavailable"})
        if step.startswith("429:"):
            return self.answer(429, {"error": "slow down"}, [("Retry-After", step[4:])])
        if step == "401echo":
            return self.answer(401, {"error": f"bad credentials: {headers.get('authorization')}"})
        bad = problems(headers, body, self.path, "POST")
        if bad:
            log.write(json.dumps({"event": "invalid", "problems": bad}) + "\n")
            return self.answer(400, {"error": "; ".join(bad)})
        doc = json.loads(body)
        key = doc["idempotency_key"]
        if key not in reports:
            reports[key] = str(uuid.uuid4())
            log.write(json.dumps({"event": "created", "uuid": reports[key], "idempotency_key": key}) + "\n")
        alerts = [{"benchmark": {"name": "user/map/hash/1024/update"}, "threshold": {"measure": {"name": "latency"}},
                   "metric": {"value": 123.0}, "limit": "upper"}] * args.alerts
        now = datetime.datetime.now(datetime.timezone.utc).isoformat()
        self.answer(201, {"uuid": reports[key], "project": {"slug": doc.get("project") or "unclaimed"}, "adapter": "json",
                          "start_time": doc["start_time"], "end_time": doc["end_time"], "created": now,
                          "branch": {}, "testbed": {}, "alerts": alerts,
                          "counts": {"alerts": {"active": len(alerts), "total": len(alerts)}, "results": []}})

    def do_GET(self):
        self.answer(404, {"error": "not found"})


server = ThreadingHTTPServer(("127.0.0.1", args.port), Handler)
with open(args.port_file + ".tmp", "w") as f:
    f.write(str(server.server_address[1]))
import os
os.rename(args.port_file + ".tmp", args.port_file)
try:
    server.serve_forever()
except KeyboardInterrupt:
    pass
