"""Regenerates the golden packets in this folder (hex, one message per file).

dig-query-*.hex are dig's own query bytes captured on a loopback socket; the others are built
with dnspython, an independent DNS implementation, so the Swift codec is checked against it.
Run: python3 generate.py (needs dig and dnspython).
"""
import socket
import subprocess
import threading

import dns.edns
import dns.message
import dns.rrset


def capture_dig(args, path):
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    port = sock.getsockname()[1]
    got = {}

    def receive():
        data, _ = sock.recvfrom(65535)
        got["data"] = data

    thread = threading.Thread(target=receive)
    thread.start()
    subprocess.run(["dig", "@127.0.0.1", "-p", str(port), "+tries=1", "+time=1"] + args, capture_output=True)
    thread.join()
    sock.close()
    write(path, got["data"])


def write(path, data):
    with open(path, "w") as handle:
        handle.write(data.hex() + "\n")


def response(qname, qtype, records, use_edns=True, authority=()):
    query = dns.message.make_query(qname, qtype, use_edns=0 if use_edns else None, want_dnssec=False)
    query.id = 0x1234
    reply = dns.message.make_response(query)
    reply.flags |= dns.flags.RA
    for text in records:
        reply.answer.append(dns.rrset.from_text(*text.split(" ", 4)[:4], text.split(" ", 4)[4]))
    for text in authority:
        reply.authority.append(dns.rrset.from_text(*text.split(" ", 4)[:4], text.split(" ", 4)[4]))
    return reply.to_wire()


capture_dig(["ssm.ap-northeast-1.amazonaws.com", "A"], "dig-query-edns.hex")
capture_dig(["+noedns", "ssm.ap-northeast-1.amazonaws.com", "AAAA"], "dig-query-noedns.hex")
capture_dig(["+dnssec", "+bufsize=1232", "example.com", "MX"], "dig-query-do.hex")
write("response-a-compressed.hex", response("ssm.ap-northeast-1.amazonaws.com", "A", [
    "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.1.10",
    "ssm.ap-northeast-1.amazonaws.com. 60 IN A 10.10.2.10",
]))
write("response-mixed-types.hex", response("corp.example.internal", "ANY", [
    "corp.example.internal. 300 IN SOA ns1.corp.example.internal. hostmaster.corp.example.internal. 2024010101 7200 900 1209600 60",
    "corp.example.internal. 300 IN NS ns1.corp.example.internal.",
    "corp.example.internal. 300 IN MX 10 mail.corp.example.internal.",
    'corp.example.internal. 300 IN TXT "v=spf1 -all" "second \\"quoted\\" string"',
    "corp.example.internal. 300 IN AAAA fd00:10:10::5",
    "_ldap._tcp.corp.example.internal. 300 IN SRV 0 5 389 dc1.corp.example.internal.",
    'corp.example.internal. 300 IN CAA 0 issue "amazon.com"',
    "corp.example.internal. 300 IN TYPE65280 \\# 3 010203",
    "www.corp.example.internal. 300 IN CNAME web.corp.example.internal.",
    "10.1.10.10.in-addr.arpa. 300 IN PTR host.corp.example.internal.",
]))
write("response-nxdomain-soa.hex", response("foo.ssm.ap-northeast-1.amazonaws.com", "A", [], authority=[
    "ssm.ap-northeast-1.amazonaws.com. 60 IN SOA ns-1536.awsdns-00.co.uk. awsdns-hostmaster.amazon.com. 1 7200 900 1209600 86400",
]))
