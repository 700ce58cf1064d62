"""A scripted DNS upstream on 127.0.0.1 for tests that need answers unbound will not give: huge
or malformed TTLs, error RCODEs without OPT, extra records for other names, delays, no TCP.

`reply(query: dns.message.Message, transport: str) -> list[(delay_s, bytes)]` decides what is sent
for each query ("udp" or "tcp"); an empty list sends nothing. Every query is recorded with the
client's source port.
"""

from __future__ import annotations

import heapq
import select
import socket
import struct
import threading
import time

import dns.message


class ScriptedUpstream:
    @staticmethod
    def _bind_pair(tcp: bool):
        """A UDP socket on a free port of 127.0.0.1 and, with `tcp`, a TCP listener on the same
        port. The kernel picks the UDP port; when that port is taken for TCP (another test's
        connection), another one is tried."""
        for _ in range(50):
            udp = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
            udp.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4 << 20)
            udp.bind(("127.0.0.1", 0))
            udp.setblocking(False)
            if not tcp:
                return udp, None
            listener = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
            listener.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
            try:
                listener.bind(("127.0.0.1", udp.getsockname()[1]))
            except OSError:
                listener.close()
                udp.close()
                continue
            listener.listen(64)
            return udp, listener
        raise OSError("no port of 127.0.0.1 free for both UDP and TCP after 50 tries")

    def __init__(self, reply, tcp: bool = True):
        self.reply = reply
        self.udp, self.tcp = self._bind_pair(tcp)
        self.port = self.udp.getsockname()[1]
        self.address = f"127.0.0.1:{self.port}"
        self.received = []  # (qname lowercased, rdtype text, transport, source port, raw qname)
        self.lock = threading.Lock()
        self._later = []  # heap of (time, seq, sock, bytes, address or None)
        self._seq = 0
        self._stop = False
        self._connections = {}
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def names(self, transport: str | None = None) -> list:
        with self.lock:
            return [r[0] for r in self.received if transport is None or r[2] == transport]

    def source_ports(self) -> list:
        with self.lock:
            return [r[3] for r in self.received if r[2] == "udp"]

    def stop(self):
        self._stop = True
        self.thread.join(5)
        self.udp.close()
        if self.tcp:
            self.tcp.close()
        for conn in list(self._connections):
            conn.close()

    def _schedule(self, sock, query_bytes, transport, address):
        try:
            query = dns.message.from_wire(query_bytes)
        except Exception:
            return
        if query.flags & dns.flags.QR:
            return  # a response (a test's forgery sprayed at this port too): not a query
        question = query.question[0] if query.question else None
        if question is not None:
            with self.lock:
                self.received.append((question.name.to_text().lower(), dns.rdatatype.to_text(question.rdtype),
                                      transport, address[1] if address else None, question.name.to_text()))
        for delay, payload in self.reply(query, transport) or []:
            self._seq += 1
            heapq.heappush(self._later, (time.monotonic() + delay, self._seq, sock, payload, address))

    def _flush(self):
        now = time.monotonic()
        while self._later and self._later[0][0] <= now:
            _, _, sock, payload, address = heapq.heappop(self._later)
            try:
                if address is None:
                    sock.sendall(struct.pack("!H", len(payload)) + payload)
                else:
                    sock.sendto(payload, address)
            except OSError:
                pass

    def _run(self):
        while not self._stop:
            readers = [self.udp] + ([self.tcp] if self.tcp else []) + list(self._connections)
            timeout = 0.05
            if self._later:
                timeout = max(0.0, min(timeout, self._later[0][0] - time.monotonic()))
            try:
                ready, _, _ = select.select(readers, [], [], timeout)
            except (OSError, ValueError):
                ready = []
            for sock in ready:
                if sock is self.udp:
                    for _ in range(256):
                        try:
                            data, address = self.udp.recvfrom(65535)
                        except (BlockingIOError, OSError):
                            break
                        self._schedule(self.udp, data, "udp", address)
                elif sock is self.tcp:
                    conn, _ = self.tcp.accept()
                    self._connections[conn] = b""
                else:
                    try:
                        data = sock.recv(65535)
                    except OSError:
                        data = b""
                    if not data:
                        self._connections.pop(sock, None)
                        sock.close()
                        continue
                    buffer = self._connections[sock] + data
                    while len(buffer) >= 2 and len(buffer) >= 2 + struct.unpack("!H", buffer[:2])[0]:
                        length = struct.unpack("!H", buffer[:2])[0]
                        self._schedule(sock, buffer[2:2 + length], "tcp", None)
                        buffer = buffer[2 + length:]
                    self._connections[sock] = buffer
            self._flush()


def answer(query: dns.message.Message, *records: str, rcode: int = 0, additional=(), authority=(),
           edns: bool = True) -> dns.message.Message:
    """A response to `query` with the given records ("name ttl IN type data" text)."""
    response = dns.message.make_response(query)
    if not edns:
        response.use_edns(False)
    response.set_rcode(rcode)
    for section, texts in ((response.answer, records), (response.additional, additional),
                           (response.authority, authority)):
        for text in texts:
            rrset = dns.rrset.from_text(*_split(text))
            section.append(rrset)
    return response


def _split(text: str):
    name, ttl, rdclass, rdtype, data = text.split(None, 4)
    return name, int(ttl), rdclass, rdtype, data


import dns.flags  # noqa: E402
import dns.rdatatype  # noqa: E402
import dns.rrset  # noqa: E402
