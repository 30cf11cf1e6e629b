# treatment-records: multi-stage image on the official python:3.11-slim base.
#   build:   dependencies from requirements.lock (hash-checked) into /opt/venv
#   runtime: the venv + app/, migrations/, alembic.ini side by side in /srv, non-root
# SQLite (default) lives on the /data volume; for PostgreSQL set
#   TR_DATABASE_URL=postgresql://user:pass@host:5432/db

FROM python:3.11-slim AS build
ENV PIP_NO_CACHE_DIR=1 \
    PIP_DISABLE_PIP_VERSION_CHECK=1 \
    PYTHONDONTWRITEBYTECODE=1
RUN python -m venv /opt/venv
COPY requirements.lock /tmp/requirements.lock
RUN /opt/venv/bin/pip install --no-cache-dir --require-hashes --only-binary=:all: \
        -r /tmp/requirements.lock \
 && find /opt/venv -name '__pycache__' -type d -prune -exec rm -rf {} +

FROM python:3.11-slim AS runtime
ARG UID=10001
RUN groupadd --gid "${UID}" app \
 && useradd --uid "${UID}" --gid app --home-dir /srv --no-create-home \
        --shell /usr/sbin/nologin app \
 && mkdir -p /data \
 && chown app:app /data
ENV PATH=/opt/venv/bin:$PATH \
    PYTHONPATH=/srv \
    PYTHONUNBUFFERED=1 \
    PYTHONDONTWRITEBYTECODE=1 \
    TR_HOST=0.0.0.0 \
    TR_PORT=8000 \
    TR_DATABASE_URL=sqlite:////data/treatment-records.db
COPY --from=build /opt/venv /opt/venv
WORKDIR /srv
COPY alembic.ini ./
COPY migrations ./migrations
COPY app ./app
COPY --chmod=0755 docker/entrypoint.sh /usr/local/bin/entrypoint.sh
USER app:app
VOLUME ["/data"]
EXPOSE 8000
HEALTHCHECK --interval=30s --timeout=5s --start-period=20s --retries=3 \
    CMD ["python", "-c", "import urllib.request,os;urllib.request.urlopen('http://127.0.0.1:'+os.environ.get('TR_PORT','8000')+'/healthz',timeout=3)"]
ENTRYPOINT ["/usr/local/bin/entrypoint.sh"]
