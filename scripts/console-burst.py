#!/usr/bin/env python3
"""A bounded loopback burst against `sigverify console`: CLIENTS threads each send REQUESTS/CLIENTS
GETs (one connection per request, as browsers behind no keep-alive would) to the given paths in
turn, then print requests/s, latency percentiles, status counts and the console's peak RSS
(VmHWM of --pid, sampled every 50 ms as VmRSS too).
Usage: scripts/console-burst.py --port 8080 --pid PID [--clients 16] [--requests 2000] PATH..."""
import argparse, http.client, threading, time, collections

def rss_kib(pid):
    with open(f"/proc/{pid}/status") as f:
        fields = dict(line.split(":", 1) for line in f if ":" in line)
    return int(fields["VmRSS"].split()[0]), int(fields["VmHWM"].split()[0])

def main():
    p = argparse.ArgumentParser()
    p.add_argument("--port", type=int, required=True)
    p.add_argument("--pid", type=int, required=True)
    p.add_argument("--clients", type=int, default=16)
    p.add_argument("--requests", type=int, default=2000)
    p.add_argument("paths", nargs="+")
    a = p.parse_args()
    statuses, latencies, lock = collections.Counter(), [], threading.Lock()
    peak, done = [rss_kib(a.pid)[0]], threading.Event()

    def sample():
        while not done.is_set():
            peak[0] = max(peak[0], rss_kib(a.pid)[0])
            time.sleep(0.05)

    def client(n):
        for i in range(a.requests // a.clients):
            start = time.perf_counter()
            try:
                c = http.client.HTTPConnection("127.0.0.1", a.port, timeout=30)
                c.request("GET", a.paths[(n + i) % len(a.paths)])
                r = c.getresponse(); r.read(); status = r.status; c.close()
            except Exception as e:
                status = type(e).__name__
            with lock:
                statuses[status] += 1
                latencies.append(time.perf_counter() - start)

    before = rss_kib(a.pid)[0]
    sampler = threading.Thread(target=sample); sampler.start()
    threads = [threading.Thread(target=client, args=(n,)) for n in range(a.clients)]
    start = time.perf_counter()
    for t in threads: t.start()
    for t in threads: t.join()
    seconds = time.perf_counter() - start
    done.set(); sampler.join()
    latencies.sort()
    pct = lambda q: latencies[min(len(latencies) - 1, int(q * len(latencies)))] * 1000
    print(f"{len(latencies)} requests, {a.clients} clients, {seconds:.2f} s: {len(latencies) / seconds:.0f} requests/s; "
          f"latency p50 {pct(0.5):.1f} ms, p99 {pct(0.99):.1f} ms; statuses {dict(statuses)}; "
          f"console RSS {before / 1024:.1f} MiB before, peak {peak[0] / 1024:.1f} MiB (VmHWM {rss_kib(a.pid)[1] / 1024:.1f} MiB)")

main()
