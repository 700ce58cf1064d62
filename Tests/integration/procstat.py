"""What /proc says about a process: resident memory, threads, open descriptors."""

import os


def status_field(pid: int, field: str) -> int:
    with open(f"/proc/{pid}/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise KeyError(field)


def rss_kib(pid: int) -> int:
    return status_field(pid, "VmRSS")


def threads(pid: int) -> int:
    return status_field(pid, "Threads")


def open_fds(pid: int) -> int:
    return len(os.listdir(f"/proc/{pid}/fd"))
