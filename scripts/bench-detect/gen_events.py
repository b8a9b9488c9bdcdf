#!/usr/bin/env python3
"""Deterministic event sets for the detection benchmark (scripts/bench-detect/run.sh).

Writes into OUTDIR:
  windows.ndjson    flat Windows/Sysmon-style events: the SigmaHQ regression
                    events (flattened: System.EventID/Channel/Provider, EventData.*)
                    mixed into benign process/file/network/registry noise
  cloudtrail.ndjson CloudTrail records (nested JSON) with a few risky API calls
  mixed.ndjson      a mix of the above plus Linux process, proxy and DNS events
  sshd.log          sshd/sudo lines in RFC 3164 syslog form (auth.log)
  sshd.ndjson       the same sshd lines as flat JSON (for engines without a syslog parser)

The regression events are read from ../shared/data/sigma/regression_data (never
copied into the repository). The seed is fixed, so every run sees the same events.
"""
import json, os, random, sys, glob

N = int(os.environ.get("KEXIN_BENCH_EVENTS", "100000"))
N_SSHD = int(os.environ.get("KEXIN_BENCH_SSHD_LINES", "500000"))
out = sys.argv[1]
regression = sys.argv[2] if len(sys.argv) > 2 else os.path.join(
    os.path.dirname(__file__), "..", "..", "..", "shared", "data", "sigma", "regression_data")
rng = random.Random(608)
os.makedirs(out, exist_ok=True)


def flatten_evtx(doc):
    ev = doc.get("Event", doc)
    system = ev.get("System", {})
    flat = {}
    if "EventID" in system:
        eid = system["EventID"]
        flat["EventID"] = eid["#text"] if isinstance(eid, dict) else eid
    flat["Channel"] = system.get("Channel")
    prov = system.get("Provider", {}).get("#attributes", {})
    if "Name" in prov:
        flat["Provider_Name"] = prov["Name"]
    flat["Computer"] = system.get("Computer")
    data = ev.get("EventData") or {}
    if isinstance(data, dict):
        for k, v in data.items():
            if not k.startswith("#"):
                flat[k] = v
    return {k: v for k, v in flat.items() if v is not None}


attacks = []
for path in sorted(glob.glob(os.path.join(regression, "**", "*.json"), recursive=True)):
    with open(path, encoding="utf-8") as f:
        text = f.read()
    # a file holds one or more pretty-printed JSON documents back to back
    docs, pos, dec = [], 0, json.JSONDecoder()
    while pos < len(text):
        if text[pos].isspace():
            pos += 1
            continue
        doc, pos = dec.raw_decode(text, pos)
        docs.append(doc)
    for d in docs:
        attacks.append(flatten_evtx(d))
if not attacks:
    sys.exit(f"no regression events under {regression}")

USERS = ["CORP\\alice", "CORP\\bob", "CORP\\svc_backup", "NT AUTHORITY\\SYSTEM", "CORP\\carol"]
IMAGES = [
    "C:\\Windows\\System32\\svchost.exe", "C:\\Program Files\\Google\\Chrome\\Application\\chrome.exe",
    "C:\\Windows\\explorer.exe", "C:\\Program Files\\Microsoft Office\\root\\Office16\\WINWORD.EXE",
    "C:\\Windows\\System32\\RuntimeBroker.exe", "C:\\Program Files\\Git\\usr\\bin\\git.exe",
    "C:\\Windows\\System32\\backgroundTaskHost.exe", "C:\\Program Files\\7-Zip\\7zFM.exe",
]
ARGS = ["", " -k netsvcs -p", " --type=renderer --lang=en-US", " /n report.docx", " status", " -Embedding"]
SYSMON = "Microsoft-Windows-Sysmon/Operational"


def benign_windows(i):
    kind = rng.random()
    image = rng.choice(IMAGES)
    base = {"Channel": SYSMON, "Provider_Name": "Microsoft-Windows-Sysmon",
            "Computer": f"ws{rng.randrange(400):03d}.corp.example", "User": rng.choice(USERS),
            "ProcessId": rng.randrange(100, 30000), "UtcTime": f"2026-11-01 10:{i // 60 % 60:02d}:{i % 60:02d}.000"}
    if kind < 0.45:
        parent = rng.choice(IMAGES)
        base.update(EventID=1, Image=image, CommandLine=f"\"{image}\"{rng.choice(ARGS)}",
                    ParentImage=parent, ParentCommandLine=f"\"{parent}\"", OriginalFileName=image.rsplit("\\", 1)[1].upper(),
                    IntegrityLevel=rng.choice(["Medium", "High", "System"]), CurrentDirectory="C:\\Users\\alice\\")
    elif kind < 0.65:
        base.update(EventID=11, Image=image, TargetFilename=f"C:\\Users\\alice\\AppData\\Local\\Temp\\tmp{rng.randrange(1 << 20):05x}.tmp")
    elif kind < 0.8:
        base.update(EventID=3, Image=image, Protocol="tcp", Initiated="true", SourceIp=f"10.1.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                    DestinationIp=f"52.{rng.randrange(256)}.{rng.randrange(256)}.{rng.randrange(1, 255)}",
                    DestinationPort=rng.choice([443, 80, 8443]), DestinationHostname="update.example.com")
    elif kind < 0.9:
        base.update(EventID=13, EventType="SetValue", Image=image,
                    TargetObject=f"HKU\\S-1-5-21-1\\Software\\Vendor\\App\\Setting{rng.randrange(50)}", Details="DWORD (0x00000001)")
    else:
        base.update(EventID=7, Image=image, ImageLoaded="C:\\Windows\\System32\\kernel32.dll", Signed="true", SignatureStatus="Valid")
    return base


def windows_events(n):
    for i in range(n):
        # one attack event in 200: detection engines spend most time on benign traffic
        yield dict(rng.choice(attacks)) if rng.random() < 0.005 else benign_windows(i)


API = [("s3.amazonaws.com", "GetObject"), ("s3.amazonaws.com", "PutObject"), ("ec2.amazonaws.com", "DescribeInstances"),
       ("sts.amazonaws.com", "AssumeRole"), ("iam.amazonaws.com", "ListUsers"), ("kms.amazonaws.com", "Decrypt"),
       ("lambda.amazonaws.com", "Invoke"), ("logs.amazonaws.com", "PutLogEvents")]
RISKY = [("cloudtrail.amazonaws.com", "StopLogging"), ("cloudtrail.amazonaws.com", "DeleteTrail"),
         ("iam.amazonaws.com", "CreateAccessKey"), ("ec2.amazonaws.com", "DisableEbsEncryptionByDefault"),
         ("guardduty.amazonaws.com", "DeleteDetector"), ("iam.amazonaws.com", "AttachUserPolicy"),
         ("s3.amazonaws.com", "PutBucketPolicy"), ("ec2.amazonaws.com", "ModifyInstanceAttribute")]


def cloudtrail(i):
    src, name = rng.choice(RISKY) if rng.random() < 0.01 else rng.choice(API)
    ok = rng.random() > 0.05
    rec = {"eventVersion": "1.08", "eventTime": f"2026-11-01T10:{i // 60 % 60:02d}:{i % 60:02d}Z", "eventSource": src, "eventName": name,
           "awsRegion": rng.choice(["us-east-1", "eu-west-1", "ap-southeast-1"]),
           "sourceIPAddress": f"198.51.100.{rng.randrange(1, 255)}", "userAgent": rng.choice(["aws-cli/2.15.0", "Boto3/1.34.0", "console.amazonaws.com"]),
           "userIdentity": {"type": rng.choice(["IAMUser", "AssumedRole", "Root"]) if rng.random() < 0.02 else "AssumedRole",
                            "arn": f"arn:aws:sts::123456789012:assumed-role/app/{rng.randrange(50)}", "accountId": "123456789012"},
           "requestParameters": {"bucketName": f"data-{rng.randrange(20)}"} if src.startswith("s3") else {},
           "eventType": "AwsApiCall", "recipientAccountId": "123456789012"}
    if not ok:
        rec["errorCode"] = "AccessDenied"
        rec["errorMessage"] = "User is not authorized"
    return rec


def linux_process(i):
    exe = rng.choice(["/usr/bin/ls", "/usr/bin/curl", "/usr/bin/python3", "/usr/bin/cat", "/bin/bash", "/usr/sbin/sshd"])
    return {"Image": exe, "CommandLine": f"{exe} {rng.choice(['-la /tmp', '/etc/hosts', '-c import os', 'https://example.com/x', ''])}".strip(),
            "ParentImage": "/bin/bash", "User": rng.choice(["root", "www-data", "alice"]), "ProcessId": rng.randrange(100, 60000)}


def proxy(i):
    return {"c-uri": f"https://site{rng.randrange(1000)}.example.com/{rng.choice(['index.html', 'api/v1/items', 'login', 'static/app.js'])}",
            "c-useragent": rng.choice(["Mozilla/5.0 (Windows NT 10.0; Win64; x64)", "curl/8.5.0", "python-requests/2.31"]),
            "cs-method": rng.choice(["GET", "POST"]), "sc-status": rng.choice([200, 301, 404]), "cs-host": f"site{rng.randrange(1000)}.example.com"}


def dns(i):
    return {"query": f"host{rng.randrange(5000)}.{rng.choice(['example.com', 'corp.example', 'cdn.example.net'])}",
            "answer": f"203.0.113.{rng.randrange(1, 255)}", "record_type": rng.choice(["A", "AAAA", "TXT"])}


def write(name, events):
    with open(os.path.join(out, name), "w", encoding="utf-8") as f:
        for e in events:
            f.write(json.dumps(e, separators=(",", ":")))
            f.write("\n")


write("windows.ndjson", windows_events(N))
write("cloudtrail.ndjson", (cloudtrail(i) for i in range(N)))
gens = [lambda i: next(windows_events(1)), cloudtrail, linux_process, proxy, dns]
write("mixed.ndjson", (rng.choice(gens)(i) for i in range(N)))

HOSTS = ["web01", "web02", "db01", "bastion"]


def sshd_line(i):
    ip = f"203.0.113.{rng.randrange(1, 255)}" if rng.random() < 0.5 else f"10.0.{rng.randrange(4)}.{rng.randrange(1, 255)}"
    user = rng.choice(["root", "admin", "alice", "deploy", "oracle", "test"])
    port = rng.randrange(1024, 65535)
    pid = rng.randrange(1000, 60000)
    r = rng.random()
    if r < 0.35:
        msg = f"Failed password for {user} from {ip} port {port} ssh2"
    elif r < 0.5:
        msg = f"Failed password for invalid user {user}{rng.randrange(100)} from {ip} port {port} ssh2"
    elif r < 0.65:
        msg = f"Accepted publickey for {user} from {ip} port {port} ssh2: ED25519 SHA256:q1w2e3r4t5y6u7i8o9p0"
    elif r < 0.75:
        msg = f"Invalid user {user}{rng.randrange(100)} from {ip} port {port}"
    elif r < 0.85:
        msg = f"Connection closed by authenticating user {user} {ip} port {port} [preauth]"
    elif r < 0.95:
        msg = f"Disconnected from user {user} {ip} port {port}"
    else:
        msg = f"pam_unix(sshd:session): session opened for user {user}(uid=1000) by (uid=0)"
    return f"Nov 24 10:{i // 60 % 60:02d}:{i % 60:02d} {rng.choice(HOSTS)} sshd[{pid}]: {msg}"


with open(os.path.join(out, "sshd.log"), "w") as log, open(os.path.join(out, "sshd.ndjson"), "w") as js:
    for i in range(N_SSHD):
        line = sshd_line(i)
        log.write(line + "\n")
        head, msg = line.split("]: ", 1)
        host = head.split(" ")[3]
        js.write(json.dumps({"timestamp": head[:15], "hostname": host, "program": "sshd", "message": msg}, separators=(",", ":")) + "\n")
