# The runback worker. Used by docker-compose.yml together with PostgreSQL.
FROM python:3.11-slim

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RUNBACK_HOME=/data

WORKDIR /app
COPY pyproject.toml README.md ./
COPY rules ./rules
COPY sync ./sync
COPY config ./config
RUN pip install --no-cache-dir . \
    && useradd --create-home --uid 1000 runner \
    && mkdir -p /data && chown runner /data

USER runner
VOLUME ["/data"]
ENTRYPOINT ["runback"]
CMD ["worker"]
