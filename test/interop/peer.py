"""A Python AMQP client driven by the interop tests (test/interop/*.test.ts), one process per test file.

Usage: python3 peer.py pika|kombu AMQP_URL

Reads one JSON command per line on stdin and answers each with one JSON line on stdout:
  {"op": "publish", "queue": q, "body": {"hex"|"text": ...} | "payload": <json>,
   "content_type": ..., "content_encoding": ..., "headers": <tagged>,
   "serializer": ..., "compression": ...}            -> {"ok": true}
  {"op": "get", "queue": q}                            -> {"ok": true, "message": <message> | null}
  {"op": "quit"}
kombu publishes with kombu.Producer (its serializers and compression; "payload" is the value);
pika with basic_publish ("body" is the bytes; with "zlib": true, Python's zlib.compress() of
them, as a program that speaks kombu's compression by hand would send). A message is reported as
  {"body_hex", "content_type", "content_encoding", "headers": <tagged>, "decoded": <tagged>, "decode_error",
   "inflated_hex"}
where "decoded" is kombu's message.decode() (kombu only; kombu decompresses by the compression
header first, so its "body_hex" is the decompressed body), and "inflated_hex" is Python's
zlib.decompress() of the body (pika only, when the message has a compression header).

<tagged> spells a Python value with its type, both ways, so that nothing is lost to JSON:
  {"int": "5"} {"float": "3.0"} {"bool": true} {"str": "x"} {"bytes": "ff00"} {"decimal": "1.25"}
  {"datetime": 1700000000} {"none": null} {"dict": {k: <tagged>}} {"list": [<tagged>]}
"""
import binascii
import datetime
import decimal
import json
import sys
import zlib


def tag(v):
    if v is None:
        return {"none": None}
    if isinstance(v, bool):
        return {"bool": v}
    if isinstance(v, int):
        return {"int": str(v)}
    if isinstance(v, float):
        return {"float": repr(v)}
    if isinstance(v, str):
        return {"str": v}
    if isinstance(v, (bytes, bytearray)):
        return {"bytes": binascii.hexlify(bytes(v)).decode()}
    if isinstance(v, decimal.Decimal):
        return {"decimal": str(v)}
    if isinstance(v, datetime.datetime):
        return {"datetime": int(v.replace(tzinfo=v.tzinfo or datetime.timezone.utc).timestamp())}
    if isinstance(v, dict):
        return {"dict": {str(k): tag(x) for k, x in v.items()}}
    if isinstance(v, (list, tuple)):
        return {"list": [tag(x) for x in v]}
    return {"other": repr(v)}


def untag(t):
    (kind, v), = t.items()
    if kind == "none":
        return None
    if kind == "bool":
        return bool(v)
    if kind == "int":
        return int(v)
    if kind == "float":
        return float(v)
    if kind == "str":
        return v
    if kind == "bytes":
        return binascii.unhexlify(v)
    if kind == "decimal":
        return decimal.Decimal(v)
    if kind == "datetime":
        return datetime.datetime.fromtimestamp(v, datetime.timezone.utc).replace(tzinfo=None)
    if kind == "dict":
        return {k: untag(x) for k, x in v.items()}
    if kind == "list":
        return [untag(x) for x in v]
    raise ValueError("unknown tag %r" % kind)


def body_of(cmd):
    b = cmd.get("body")
    if b is None:
        return None
    return binascii.unhexlify(b["hex"]) if "hex" in b else b["text"]


class Pika:
    def __init__(self, url):
        import pika
        self.pika = pika
        self.conn = pika.BlockingConnection(pika.URLParameters(url))
        self.ch = self.conn.channel()
        self.ch.confirm_delivery()

    def publish(self, cmd):
        headers = untag(cmd["headers"]) if cmd.get("headers") else None
        props = self.pika.BasicProperties(content_type=cmd.get("content_type"), content_encoding=cmd.get("content_encoding"), headers=headers)
        body = body_of(cmd)
        if cmd.get("zlib"):
            body = zlib.compress(body.encode() if isinstance(body, str) else body)
        self.ch.basic_publish(exchange="", routing_key=cmd["queue"], body=body, properties=props)

    def get(self, cmd):
        method, props, body = self.ch.basic_get(cmd["queue"], auto_ack=True)
        if method is None:
            return None
        out = {"body_hex": binascii.hexlify(body).decode(), "content_type": props.content_type,
               "content_encoding": props.content_encoding, "headers": tag(props.headers) if props.headers is not None else None}
        if props.headers and "compression" in props.headers:
            out["inflated_hex"] = binascii.hexlify(zlib.decompress(body)).decode()
        return out

    def close(self):
        self.conn.close()


class Kombu:
    def __init__(self, url):
        import kombu
        self.kombu = kombu
        self.conn = kombu.Connection(url)
        self.ch = self.conn.channel()
        self.producer = kombu.Producer(self.ch, auto_declare=False)

    def publish(self, cmd):
        body = body_of(cmd) if "body" in cmd else cmd.get("payload")
        kwargs = {}
        for k in ("content_type", "content_encoding", "serializer", "compression"):
            if cmd.get(k) is not None:
                kwargs[k] = cmd[k]
        headers = untag(cmd["headers"]) if cmd.get("headers") else None
        self.producer.publish(body, exchange="", routing_key=cmd["queue"], headers=headers, **kwargs)

    def get(self, cmd):
        q = self.kombu.Queue(cmd["queue"], channel=self.ch, no_declare=True)
        m = q.get(no_ack=True)
        if m is None:
            return None
        out = {"body_hex": binascii.hexlify(m.body if isinstance(m.body, bytes) else m.body.encode()).decode(),
               "content_type": m.content_type, "content_encoding": m.content_encoding,
               "headers": tag(m.headers) if m.headers is not None else None}
        try:
            out["decoded"] = tag(m.decode())
        except Exception as e:  # reported, not raised: what kombu makes of a body is the point
            out["decode_error"] = "%s: %s" % (type(e).__name__, e)
        return out

    def close(self):
        self.conn.release()


def main():
    client = {"pika": Pika, "kombu": Kombu}[sys.argv[1]](sys.argv[2])
    print(json.dumps({"ok": True, "ready": sys.argv[1]}), flush=True)
    for line in sys.stdin:
        cmd = json.loads(line)
        try:
            if cmd["op"] == "quit":
                break
            if cmd["op"] == "publish":
                client.publish(cmd)
                answer = {"ok": True}
            elif cmd["op"] == "get":
                answer = {"ok": True, "message": client.get(cmd)}
            else:
                raise ValueError("unknown op %r" % cmd["op"])
        except Exception as e:
            answer = {"ok": False, "error": "%s: %s" % (type(e).__name__, e)}
        print(json.dumps(answer), flush=True)
    client.close()


if __name__ == "__main__":
    main()
