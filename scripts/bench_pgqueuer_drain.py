"""PgQueuer's drain benchmark (the `--strategy drain` of its tools/benchmark.py), for
scripts/bench-queue-peers.sh: the queue emptied and refilled with JOBS no-op jobs (empty payload,
entrypoints "syncfetch"/"asyncfetch" mixed at random), then DEQUEUE PgQueuer instances, each on
its own asyncpg connection, run in drain mode at BATCH until the queue is empty; the rate is jobs
over wall-clock seconds from the first dequeue to the last completion. Prints "jobs/s" only.

Usage: python bench_pgqueuer_drain.py DSN JOBS DEQUEUE BATCH
"""

import asyncio
import random
import sys
import time

import asyncpg
import uvloop
from pgqueuer import AsyncpgDriver, PgQueuer, Queries
from pgqueuer.domain.types import QueueExecutionMode


async def fill(dsn: str, jobs: int) -> None:
    connection = await asyncpg.connect(dsn=dsn)
    queries = Queries(AsyncpgDriver(connection))
    await queries.clear_statistics_log()
    await queries.clear_queue()
    entrypoints = random.sample(["syncfetch", "asyncfetch"] * jobs, k=jobs)
    await queries.enqueue(entrypoints, [b"" for _ in range(jobs)], [0] * jobs)
    await connection.close()


async def drain(dsn: str, jobs: int, dequeue: int, batch: int) -> float:
    await fill(dsn, jobs)
    done = 0

    def consumer(pgq: PgQueuer) -> PgQueuer:
        @pgq.entrypoint("asyncfetch")
        async def asyncfetch(job) -> None:
            nonlocal done
            done += 1

        @pgq.entrypoint("syncfetch")  # 1.6 runs only async entrypoints; the name stays
        async def syncfetch(job) -> None:
            nonlocal done
            done += 1

        return pgq

    pgqs = [consumer(PgQueuer(AsyncpgDriver(await asyncpg.connect(dsn=dsn)))) for _ in range(dequeue)]
    start = time.monotonic()
    await asyncio.gather(*(p.run(batch_size=batch, mode=QueueExecutionMode.drain) for p in pgqs))
    elapsed = time.monotonic() - start
    if done != jobs:
        raise SystemExit(f"pgqueuer drain: {done} of {jobs} jobs ran")
    return jobs / elapsed


def main() -> None:
    dsn, jobs, dequeue, batch = sys.argv[1], int(sys.argv[2]), int(sys.argv[3]), int(sys.argv[4])
    print(f"{uvloop.run(drain(dsn, jobs, dequeue, batch)):.0f}")


if __name__ == "__main__":
    main()
