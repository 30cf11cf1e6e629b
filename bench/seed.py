"""Seed a realistic data set through the service's own code (schemas and services, so every
record is validated, versioned and audited-ready exactly as over HTTP).

    TR_DATABASE_URL=postgresql://postgres@127.0.0.1:5432/bench .venv/bin/python -m bench.seed
    .venv/bin/python -m bench.seed --patients 10000 --processes 2     # SQLite default: 1

Each patient is one transaction; the stored flags are computed once per patient.
"""

import argparse
import asyncio
import os
import time
from concurrent.futures import ProcessPoolExecutor

from tqdm import tqdm

from app import cli_migrate
from app.config import Settings
from app.db import Database, create_engine
from app.schemas.assessment import AssessmentCreate
from app.schemas.infusion import InfusionCreate
from app.schemas.lab_result import LabResultCreate
from app.schemas.patient import PatientCreate
from app.schemas.regimen import RegimenCreate
from app.security import Principal
from app.services import assessments, infusions, lab_results, patients, regimens
from app.services.uow import UnitOfWork
from bench.courses import Course, course

SEEDER = Principal(sub="bench-seed", scopes=frozenset({"admin"}))


async def _seed_one(uow: UnitOfWork, made: Course) -> int:
    patient = (await patients.create(uow, PatientCreate.model_validate(made.patient))).row
    last = None
    for body in made.regimens:
        last = (await regimens.create(uow, patient.id, RegimenCreate.model_validate(body))).row
    assert last is not None
    for body in made.infusions:
        await infusions.create(uow, last.id, InfusionCreate.model_validate(body))
    for body in made.labs:
        await lab_results.create(uow, patient.id, LabResultCreate.model_validate(body))
    for body in made.assessments:
        await assessments.create(uow, patient.id, AssessmentCreate.model_validate(body))
    return 1 + len(made.regimens) + len(made.infusions) + len(made.labs) + len(made.assessments)


async def _seed_range(numbers: range, show: bool) -> int:
    settings = Settings()
    database = Database.open(settings)
    records = 0
    with tqdm(total=len(numbers), unit="patient", disable=not show) as bar:
        for number in numbers:
            async with UnitOfWork(database, SEEDER, settings, write=True) as uow:
                records += await _seed_one(uow, course(number))
                await uow.commit()  # the stored flags are computed here, once per patient
            bar.update()
    await database.dispose()
    return records


def _worker(first: int, last: int, show: bool) -> int:
    return asyncio.run(_seed_range(range(first, last), show))


async def _analyze(settings: Settings) -> None:
    engine = create_engine(settings)
    async with engine.connect() as conn:
        if settings.is_sqlite:
            await conn.exec_driver_sql("ANALYZE")
        else:
            await (await conn.execution_options(isolation_level="AUTOCOMMIT")).exec_driver_sql(
                "VACUUM ANALYZE"
            )
    await engine.dispose()


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--patients", type=int, default=10_000)
    parser.add_argument("--start", type=int, default=0, help="first patient number")
    parser.add_argument("--processes", type=int, default=0, help="default: 2, SQLite 1")
    args = parser.parse_args()
    settings = Settings()
    cli_migrate.upgrade(settings)
    processes = args.processes or (1 if settings.is_sqlite else min(2, os.cpu_count() or 1))
    bounds = [args.start + args.patients * i // processes for i in range(processes + 1)]
    started = time.perf_counter()
    with ProcessPoolExecutor(processes) as pool:
        jobs = [pool.submit(_worker, bounds[i], bounds[i + 1], i == 0) for i in range(processes)]
        records = sum(job.result() for job in jobs)
    asyncio.run(_analyze(settings))  # fresh statistics, as autovacuum would leave them
    seconds = time.perf_counter() - started
    print(
        f"seeded {args.patients} patients, {records} records in {seconds:.0f} s "
        f"({records / seconds:.0f} records/s, {processes} process(es)) "
        f"into {settings.async_database_url.split('://')[0]}"
    )


if __name__ == "__main__":
    main()
