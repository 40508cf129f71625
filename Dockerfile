# The runback worker. Used by docker-compose.yml together with PostgreSQL.
FROM python:3.11-slim

# The user the worker runs as; match the owner of the host folders bind-mounted at /data
# (docker compose passes RUNBACK_UID/RUNBACK_GID, default 1000).
ARG RUNBACK_UID=1000
ARG RUNBACK_GID=1000

ENV PYTHONDONTWRITEBYTECODE=1 \
    PYTHONUNBUFFERED=1 \
    RUNBACK_HOME=/data

WORKDIR /app
COPY pyproject.toml README.md LICENSE ./
COPY rules ./rules
COPY sync ./sync
COPY config ./config
RUN pip install --no-cache-dir . \
    && (getent group "${RUNBACK_GID}" >/dev/null || groupadd --gid "${RUNBACK_GID}" runner) \
    && (getent passwd "${RUNBACK_UID}" >/dev/null \
        || useradd --create-home --uid "${RUNBACK_UID}" --gid "${RUNBACK_GID}" runner) \
    && mkdir -p /data/inbox /data/outbox /data/logs /watch \
    && chown -R "${RUNBACK_UID}:${RUNBACK_GID}" /data

# By number: the uid may be one the image already has (0, or a gid such as 20 or 100).
USER ${RUNBACK_UID}:${RUNBACK_GID}
VOLUME ["/data"]
# Healthy while the worker's last pass over the inbox is recent (it passes every few
# seconds; docker-compose.yml runs the same check).
HEALTHCHECK --interval=60s --timeout=20s --start-period=60s --retries=3 \
    CMD ["runback", "status", "--healthy"]
ENTRYPOINT ["runback"]
CMD ["worker"]
